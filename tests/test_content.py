"""Front matter: sitegen's YAML fast paths (sitegen/fastpaths/yaml_plain.py: its loader, and
its reading of plain headers) make exactly what PyYAML's safe loader makes. They are tested
directly, whichever way SITEGEN_STOCK_LIBRARIES is set."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.content import _parse_yaml, _record_lines
from sitegen.fastpaths.yaml_plain import Loader, read_plain

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
    return yaml.load(text, Loader=SAFE), yaml.load(text, Loader=Loader)


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


# --- plain headers, read without PyYAML ---------------------------------------------------

KEYS = st.one_of(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True),
    st.sampled_from(["yes", "No", "on", "null", "true", "y", "title", "tags", "a b", "-k"]),
)
# Words and the characters that change how YAML reads a line: indicators, quotes, comments,
# colons, escapes, odd spaces and line breaks, and words PyYAML types (dates, numbers, yes).
WORDS = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=6),
    st.text(alphabet="ab :#,-[]{}'\"\\&*!|>%@`?~=<.+0123456789\t\r\x85\u2028\ufeff", max_size=6),
    st.sampled_from(
        [
            "yes",
            "no",
            "~",
            "null",
            "2016-01-01",
            "2026-02-30",
            "2016-01-01 10:00:00",
            "1e3",
            "0x1F",
            "1:20",
            ".inf",
            "-5",
            "+1",
            "12:30",
            "http://x.y/z",
            "a: b",
            "a #b",
            "x:",
        ]
    ),
)
VALUES_TEXT = st.one_of(
    WORDS,
    WORDS.map(lambda w: f'"{w}"'),
    WORDS.map(lambda w: f"'{w}'"),
    st.lists(WORDS, max_size=4).map(lambda ws: "[" + ", ".join(ws) + "]"),
    st.just(""),
)
LINES = st.lists(
    st.tuples(st.sampled_from(["", "", "  ", " ", "   "]), KEYS, VALUES_TEXT, st.booleans()),
    max_size=8,
).map(
    lambda lines: "\n".join(
        f"{indent}{key}:{' ' if value or spaced else ''}{value}"
        for indent, key, value, spaced in lines
    )
)


def pyyaml(header: str) -> tuple[object, dict[str, int]] | None:
    """What load_post reads with PyYAML's safe loader: the values and the line of each key
    (None where PyYAML refuses the header, or finds a key twice)."""
    try:
        node, meta = _parse_yaml(header, SAFE)
    except (yaml.YAMLError, ValueError, OverflowError):
        return None
    lines: dict[str, int] = {}
    findings: list[object] = []
    if isinstance(node, yaml.MappingNode):
        _record_lines(node, "", lines, findings, "index.md")  # type: ignore[arg-type]
    return None if findings else (meta, lines)


@settings(max_examples=1500, deadline=None)
@given(st.tuples(KEYS, VALUES_TEXT))
def test_a_plain_line_is_read_as_pyyaml_reads_it(line: tuple[str, str]) -> None:
    key, value = line
    header = f"{key}: {value}"
    ours = read_plain(header)
    if ours is not None:  # (typed alike too: repr tells True from 1 and dates from strings)
        assert repr(ours) == repr(pyyaml(header))


@settings(max_examples=500, deadline=None)
@given(LINES)
def test_a_plain_header_is_read_as_pyyaml_reads_it(header: str) -> None:
    ours = read_plain(header)
    if ours is not None:
        assert repr(ours) == repr(pyyaml(header))


@pytest.mark.parametrize(
    "value",
    [
        "'it''s'",
        "'a'b'",
        '"a"b"',
        '"a\\"b"',
        "a\x85b",
        "a\u2028b",
        "a\u2029b",
        "[a:b]",
        "[a: b]",
        "[a, 'b']",
        "[a, [b]]",
        "[a, b,]",
        "a:b",
        "a :b",
        "a: b",
        "x:",
        "-5",
        "- a",
        "? a",
        "'a' # c",
        "a #c",
        "a#c",
        "yes",
        "Off",
        "~",
        "2016-01-01",
        "2026-02-30",
        "0o17",
        "1_000",
        "1:20",
        ".NaN",
        "<<",
        "=",
        "!x",
        "&a a",
        "*a",
        "|",
        ">",
        "%a",
        "@a",
        "`a",
        "a\x7fb",
        "\ufeffa",
        "a\u00a0b",
        "é",
        "\U0001f600",
    ],
)
def test_tricky_values_are_read_as_pyyaml_reads_them_or_left_to_it(value: str) -> None:
    for header in (f"title: {value}", f"approval:\n  by: {value}", f"tags: [{value}]"):
        ours = read_plain(header)
        if ours is not None:
            assert repr(ours) == repr(pyyaml(header)), header


POST = """title: Sports day, Year 6
date: 2026-11-20
author: jjones
summary: A sunny morning - races, medals and a picnic (at 10:30)
tags: [sport, Year 6]
platforms: [website, facebook]
audience: public
lang: cy
pupils: []
named: []
images: []
status: approved
approval:
  by: "head"
  at: "2026-01-01T00:00:00Z"
  digest: 'sha256:6f94'
tone: 0.5
count: 12
draft: no
empty:"""


def test_a_post_of_plain_lines_is_read_without_pyyaml_and_as_it_reads_it() -> None:
    ours = read_plain(POST)
    assert ours is not None
    assert repr(ours) == repr(pyyaml(POST))
    meta, lines = ours
    assert meta["approval"] == {"by": "head", "at": "2026-01-01T00:00:00Z", "digest": "sha256:6f94"}
    assert lines["approval.digest"] == 17 and lines["tags[1]"] == 6


@pytest.mark.parametrize(
    "header",
    [
        "title: a\ntitle: b",  # a key twice: PyYAML's reading names both lines
        "title: a # a comment",
        "title: a\n\nsummary: b",
        "images:\n  - file: a.jpg",
        "title: |\n  two lines",
        'title: "say \\"hi\\""',
        "title: it's: here",
        "yes: a",
        "title: a\tb",
        "title: &x a",
        "tags: [a, [b]]",
        "approval:\n  by: a\n  by: b",  # a nested key twice
        "approval:\n  by:",  # a nested key without a value
        "approval:\n  by: a\nstatus: approved\n  at: b",  # indented under a value
    ],
)
def test_anything_but_plain_lines_is_left_to_pyyaml(header: str) -> None:
    assert read_plain(header) is None


HEADER = "title: A day\ndate: 2026-11-20\n"  # (the header's first line is the file's line 2)


@pytest.mark.parametrize(
    ("header", "line", "said"),
    [
        (
            "title: A day\ndate 2026-12-07\nauthor: jjones\n",
            3,
            "a colon is missing after `date`: write `date: 2026-12-07`",
        ),
        (
            "title Missing colon\ndate: 2026-12-07\n",
            2,
            "a colon is missing after `title`: write `title: Missing colon`",
        ),
        (
            "title: A day\n\nsummary Our harvest festival\ntags: [a]\n",
            4,
            "a colon is missing after `summary`: write `summary: Our harvest festival`",
        ),
        (
            HEADER + "images:\n  - file: a.jpg\n    alt A tree\n    pupils: []\n",
            6,
            "a colon is missing after `alt`: write `alt: A tree`",
        ),
        (
            "title: Year 4: a visit\n",
            2,
            'a value with a colon in it needs quotes around it: write `title: "Year 4: a visit"`',
        ),
        (
            "title: “Year 4: a day at the castle”\n",
            2,
            'write `title: "Year 4: a day at the castle"`; curly quotes (“ ” ‘ ’, as Word types '
            'them) are not quotes in the header: type straight ones (")',
        ),
        (HEADER + "images:\n\t- file: a.jpg\n", 5, "a tab: indent the header with spaces"),
        (HEADER + "images:\n  - file: a.jpg\n  \talt: x\n", 6, "a tab: indent the header"),
        ('title: "Year 4 visit\ndate: 2026-11-20\n', 2, "a quote opened here is never closed"),
        # (found by a review of the first version of these words)
        (
            "title:Year 4 trip\ndate: 2026-11-20\n",
            2,
            "a colon needs a space after it: write `title: Year 4 trip`",
        ),
        (
            "title: A day\n date: 2026-11-20\n",
            3,
            "this line starts with more spaces than `title` above it",
        ),
        (
            HEADER + "images:\n  - file a.jpg\n    alt: x\n",
            5,
            "a colon is missing after `file`: write `- file: a.jpg`",
        ),
        (
            'title: Year 4: "Castell Coch" trip\n',
            2,
            """needs quotes around it: write `title: 'Year 4: "Castell Coch" trip'`""",
        ),
        ("title: A\x85date 2026-11-20\n", 3, "a colon is missing after `date`"),
    ],
)
def test_a_yaml_mistake_is_told_in_words_at_the_line_to_fix(
    site, header: str, line: int, said: str
) -> None:  # type: ignore[no-untyped-def]
    """A missing colon was told on the line after it ("could not find expected ':'"), a colon
    in a value or curly quotes as "mapping values are not allowed", a tab as "cannot start
    any token": a teacher looked at a correct line, in YAML's words."""
    from sitegen.content import load_post

    index = site.post("p", raw=f"---\n{header}---\nA day.\n")
    post = load_post(site.root, index.parent, "Europe/London", "en")
    (found,) = [f for f in post.load_findings if f.code == "SG100"]
    assert found.line == line and said in found.message, (found.line, found.message)
    assert ("curly quotes" in found.message) == ("“" in header), found.message


@pytest.mark.parametrize(
    "header", ["title: Ymweliad â’r castell: Blwyddyn 4\n", "title: Year 4: the pupils’ day\n"]
)
def test_an_apostrophe_is_not_taken_for_a_curly_quote(site, header: str) -> None:  # type: ignore[no-untyped-def]
    from sitegen.content import load_post

    index = site.post("p", raw=f"---\n{header}---\nA day.\n")
    (found,) = load_post(site.root, index.parent, "Europe/London", "en").load_findings
    value = header.split(": ", 1)[1].strip()
    assert f'write `title: "{value}"`' in found.message and "curly" not in found.message
