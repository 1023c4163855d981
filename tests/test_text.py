"""Text folding: the quick whole-string fold must agree with the offset-tracking one."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.text import fold, fold_char, fold_fast, fold_markup, slugify

PIECES = st.sampled_from(
    [
        "Mia",
        "Jones",
        " ",
        "\n",
        "**",
        "_",
        "<b>",
        "</b>",
        "<br>",
        "&nbsp;",
        "&amp;",
        "\u200b",
        "\u00ad",
        "М",
        "\u0456",
        "а",
        "\uff2d",
        "é",
        "e\u0301",
        "ŵ",
        "Ŷ",
        "ﬁ",
        "Straße",
        "İ",
        "-",
        "ǅ",
        "\u2028",
        "½",
        "x",
        "Ω",
    ]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(PIECES, st.text(max_size=3)), max_size=12))
def test_fast_fold_matches_offset_fold(parts: list[str]) -> None:
    text = "".join(parts)
    quick = fold_fast(text)
    assert quick is None or quick.strip() == fold_markup(text).text.strip()


def test_quick_fold_covers_welsh_and_typography() -> None:
    assert fold_fast("Llongyfarchiadau i Siân a Gwenllïan – “da iawn”!") is not None
    assert fold_fast("日本語") is None


def test_examples() -> None:
    assert fold("  Siân   LLŶR ") == "sian llyr"
    assert fold_markup("**Mia**\nJONES").text == "mia jones"
    assert slugify("Ysgol Gymraeg: Diwrnod Shwmae Su'mae!") == "ysgol-gymraeg-diwrnod-shwmae-su-mae"


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_shortcut_folds_as_the_full_fold(text: str) -> None:
    assert fold(text) == " ".join("".join(fold_char(c) for c in text).split())


ASCII_PIECES = st.sampled_from(
    ["<p>", "</p>", "<br>", "<em>", "&amp;", "&eacute;", "&#8217;", "**", "_", "`", "\\", " ", "\n"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(ASCII_PIECES, st.text(st.characters(max_codepoint=127))), max_size=12))
def test_fast_fold_of_ascii_matches_offset_fold(parts: list[str]) -> None:
    text = "".join(parts)
    quick = fold_fast(text)
    assert quick is not None and quick.strip() == fold_markup(text).text.strip()
