"""Markdown to HTML: sitegen's faster Markdown steps (sitegen/fastpaths/markdown_steps.py) make
exactly what Python-Markdown makes. They are tested directly, whichever way
SITEGEN_STOCK_LIBRARIES is set."""

from __future__ import annotations

import re
from pathlib import Path

import frontmatter
import markdown
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sitegen import markup
from sitegen.fastpaths import markdown_steps
from tests.generated_sites import posts as bench_posts

REPO = Path(__file__).resolve().parent.parent

# Pieces of Markdown that start, end or break inline patterns, mixed with plain words.
TOKENS = [
    "school",
    "Mia",
    " ",
    "  ",
    "\n",
    "  \n",
    "\n\n",
    "\t",
    "    ",
    "*",
    "**",
    "***",
    "_",
    "__",
    "`",
    "``",
    "\\",
    "\\*",
    "\\\\",
    "[",
    "]",
    "(",
    ")",
    "![",
    "](",
    "[x]: https://example.org/a",
    "[x]",
    "[x][]",
    "<",
    ">",
    "<b>",
    "</b>",
    "<!-- c -->",
    "<https://example.org/>",
    "<head@example.org>",
    "&",
    "&amp;",
    "&#38;",
    "&copy;",
    "#",
    "# ",
    "## ",
    "=",
    "-",
    "|",
    "- ",
    "1. ",
    "> ",
    "| a | b |\n|---|---|\n| c | d |",
    "```\ncode *x*\n```",
    "---",
    "\n===",
    "\n- - -\n",
    "* * *",
    "___",
    "   > ",
    "'",
    '"',
    "é",
    "\u00a0",
    "😀",
    "\u0002",
    "\u0003",
    "klzzwxh:0000",
]


def stock(text: str) -> str:
    """What Python-Markdown itself makes, with sitegen's extensions and its own inline step."""
    return markdown.Markdown(extensions=markup._extensions()).convert(text)


fast = markdown_steps.converting(markup._extensions)


@pytest.mark.parametrize("fenced", [True, False])
def test_the_inline_step_and_block_loop_are_replaced_and_know_the_stock_patterns(
    fenced: bool,
) -> None:
    md = markdown_steps.converter(markup._extensions(fenced))
    assert isinstance(md.treeprocessors["inline"], markdown_steps._InlineByNeed)
    assert isinstance(md.parser, markdown_steps._BlockParserByNeed)
    stock = markdown.Markdown(extensions=markup._extensions(fenced))
    assert ("fenced_code_block" in md.preprocessors) is fenced
    order = sorted((i.priority, i.name) for i in stock.preprocessors._priority)
    assert sorted((i.priority, i.name) for i in md.preprocessors._priority) == order
    assert {type(p) for p in md.preprocessors} == {
        markdown_steps._NormalizeWhitespace,
        markdown_steps._PreprocessorByNeed,
    }
    # Every pattern is skipped where it cannot match, or the speed-up is lost (an upgrade of
    # Python-Markdown that changed a pattern shows here: look at its regular expression again).
    assert all(markdown_steps.inline_needs(p) for p in md.inlinePatterns)
    searching = [
        p
        for p in md.parser.blockprocessors
        if hasattr(p, "SEARCH_RE") or "Table" in type(p).__name__
    ]
    searching += [
        md.parser.blockprocessors[n] for n in ("hashheader", "setextheader", "quote", "reference")
    ]
    assert all(markdown_steps.block_needs(p) for p in searching)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
@example("**bold** and *em* and _under_ and __strong__ with `code` and \\*not\\*")
@example("a [link](https://x.org 'title') and ![img](a.png) and <https://x.org> & <b>x</b>")
@example("line  \nbreak and [ref][x]\n\n[x]: https://example.org")
@example("***both*** and **nested *em* inside** and *a **b** c*")
@example("#Title with no space\nmore text")
@example("A title\n-")
@example("A title\n===")
@example("a\n* * *\nb")
@example("text\n> quote\n>more")
@example("text\n[x]: https://example.org\nmore [x]")
@example("a | b\n--|--\nc | d")
@example("a|b\n-|-\nc|d")
@example("[x]:https://example.org\n\nsee [x]")
@example("a &amp; b &copy; &#38; &bogus; & c")  # entities, and no tag: no HTML block step
@example("text\n  \n\t\nmore\r\nand\rend\n \nlast")  # blank lines of spaces, tabs, returns
@example("~~~\ncode\n~~~\n\n```\nmore\n```")
def test_same_html_as_python_markdown(text: str) -> None:
    assert fast(text) == stock(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_same_html_for_any_text(text: str) -> None:
    assert fast(text) == stock(text)


def test_same_html_for_the_demo_and_the_benchmark_posts() -> None:
    bodies = [frontmatter.load(p).content for p in REPO.glob("content/posts/*/index.md")]
    bodies += [str(item["body"]) for item in bench_posts(200)]
    assert len(bodies) > 200
    plain = markdown.Markdown(extensions=markup._extensions())
    for body in bodies:
        assert fast(body) == plain.reset().convert(body)


def tidy_as_written_first(text: str) -> str:
    """What `tidy_whitespace` replaced: every run rewritten, matched or not."""
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=" \t\n\r\u00a0a.", max_size=60))
def test_tidy_whitespace_is_the_plain_rewrite(text: str) -> None:
    assert markup.tidy_whitespace(text) == tidy_as_written_first(text)


def smarten_every_part(html_text: str) -> str:
    """Smart punctuation as first written: SMART run on every text between tags."""
    parts = markup.TAG_OR_TEXT.split(html_text)
    literal = 0
    for i, part in enumerate(parts):
        if i % 2:
            if part.startswith(("<code", "<pre", "</code", "</pre")):
                literal += -1 if part.startswith("</") else 1
        elif part and not literal:
            parts[i] = markup.SMART.sub(markup._smart, part)
    return "".join(parts)


HTML_PIECES = ["<p>", "</p>", "<code>", "</code>", "<pre>", "</pre>", '<a title="x">', "</a>"]
HTML_PIECES += ["<", ">", '"', "'", "-", "--", "---", ".", "...", " ", "\n", "(", "x", "é"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(HTML_PIECES), max_size=25).map("".join))
def test_smart_punctuation_skips_only_texts_without_its_marks(html_text: str) -> None:
    assert markup.smarten(html_text) == smarten_every_part(html_text)
