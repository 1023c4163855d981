"""Text folding: the quick whole-string fold must agree with the offset-tracking one."""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sitegen.text import (
    CAMEL,
    WHITESPACE,
    bounded_words,
    fold,
    fold_char,
    fold_fast,
    fold_markup,
    literal_trie,
    name_pattern,
    one_space,
    slugify,
)

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
        "\u202e",
        "\ufe0f",
        "%20",
        "%4a",
        "<https://x.org/MiaJones>",
        "aB",
        "еM",
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
    for markup in (True, False):  # a body, and a text shown as written (a title)
        quick = fold_fast(text, markup)
        assert quick is None or quick.strip() == fold_markup(text, markup).text.strip()


def test_quick_fold_covers_welsh_and_typography() -> None:
    assert fold_fast("Llongyfarchiadau i Siân a Gwenllïan – “da iawn”!") is not None
    assert fold_fast("日本語") is None


def test_examples() -> None:
    assert fold("  Siân   LLŶR ") == "sian llyr"
    assert fold_markup("**Mia**\nJONES").text == "mia jones"
    assert slugify("Ysgol Gymraeg: Diwrnod Shwmae Su'mae!") == "ysgol-gymraeg-diwrnod-shwmae-su-mae"


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_shortcut_folds_as_the_full_fold(text: str) -> None:
    joined_words_apart = CAMEL.sub(r"\1 ", text)  # "MiaJones" reads as "Mia Jones"
    assert fold(text) == " ".join("".join(fold_char(c) for c in joined_words_apart).split())


ASCII_PIECES = st.sampled_from(
    ["<p>", "</p>", "<br>", "<em>", "&amp;", "&eacute;", "&#8217;", "**", "_", "`", "\\", " ", "\n"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(ASCII_PIECES, st.text(st.characters(max_codepoint=127))), max_size=12))
def test_fast_fold_of_ascii_matches_offset_fold(parts: list[str]) -> None:
    text = "".join(parts)
    for markup in (True, False):
        quick = fold_fast(text, markup)
        assert quick is not None and quick.strip() == fold_markup(text, markup).text.strip()


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=" \t\n\r\x0b\x0c\x1c\x85\u00a0\u2028\u3000ab", max_size=40))
def test_whitespace_runs_become_one_space(text: str) -> None:
    assert one_space(text) == WHITESPACE.sub(" ", text) == re.sub(r"\s+", " ", text)


WORDS = st.lists(st.text(alphabet="ab_1-é", min_size=1, max_size=3), min_size=1, max_size=3)
PHRASE = WORDS.map(" ".join)


@st.composite
def phrases_and_text(draw: st.DrawFn) -> tuple[list[str], str]:
    """Names, and a text made of pieces of them, of other words and of separators."""
    phrases = draw(st.lists(PHRASE, min_size=1, max_size=6))
    pieces = [*phrases, *(w for p in phrases for w in p.split()), " ", "-", "\n", "x", "é", "_"]
    return phrases, "".join(draw(st.lists(st.sampled_from(pieces), max_size=12)))


@settings(max_examples=500, deadline=None)
@given(phrases_and_text())
@example((["a b", "b a"], "ba b a"))  # overlapping names
@example((["a-b c", "a b-c", "a"], "a-b-c a b c"))  # a hyphen in a word or between words
def test_bounded_finds_what_the_plain_expression_finds(case: tuple[list[str], str]) -> None:
    """With the lookahead of first words, names match exactly as the plain alternation of
    their patterns, longest first, between non-word characters."""
    phrases, text = case
    patterns = [pattern for p in phrases if (pattern := name_pattern(p))]  # (no word: none)
    body = "|".join(sorted(patterns, key=len, reverse=True)) or "(?!)"
    plain = re.compile(rf"(?<!\w)(?:{body})(?!\w)")
    found = [(m.span(), m.group(0)) for m in bounded_words(phrases).finditer(text)]
    assert found == [(m.span(), m.group(0)) for m in plain.finditer(text)]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="ab1-.é", min_size=1, max_size=4), min_size=1, max_size=8))
def test_literal_trie_matches_exactly_its_strings(strings: list[str]) -> None:
    trie = re.compile(literal_trie(strings))
    for candidate in {*strings, *(s + "a" for s in strings), *(s[:-1] for s in strings)}:
        assert bool(trie.fullmatch(candidate)) == (candidate in strings)
