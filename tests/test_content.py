"""Front matter: sitegen's YAML loader makes exactly what PyYAML's safe loader makes."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.content import LOADER

SAFE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

SCALARS = st.one_of(
    st.text(max_size=12),
    st.integers(),
    st.booleans(),
    st.none(),
    st.dates(),
    st.sampled_from(["yes", "no", "on", "off", "~", "2026-02-30", "1e3", "0x1F", "12:30"]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


def both(text: str) -> tuple[object, object]:
    return yaml.load(text, Loader=SAFE), yaml.load(text, Loader=LOADER)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=8), VALUES, max_size=8))
def test_same_values_as_the_safe_loader(meta: dict[str, object]) -> None:
    for style in (False, None, True):  # block, mixed and flow style
        text = yaml.safe_dump(meta, default_flow_style=style, allow_unicode=True)
        plain, ours = both(text)
        assert ours == plain


@pytest.mark.parametrize(
    "text",
    [
        "a: &x hello\nb: *x\nc: [*x, *x]\n",
        "base: &b {k: v, n: 1}\nmerged:\n  <<: *b\n  n: 2\n",
        "s: !!str 123\ni: !!int '7'\nb: !!binary aGk=\nf: !!float 1\n",
        "text: |\n  two\n  lines\nfolded: >\n  one\n  line\nquoted: 'it''s'\n",
        "set: !!set {a, b}\nomap: !!omap [{a: 1}, {b: 2}]\n",
    ],
)
def test_anchors_merges_tags_and_styles(text: str) -> None:
    plain, ours = both(text)
    assert ours == plain
