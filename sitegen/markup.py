"""Markdown to HTML: what a body may ask of Python-Markdown, sitegen's smart punctuation, the
sanitized HTML (the allow-list is sitegen/sanitize.py) and the plain text a reader copies.

Python-Markdown is reached through one seam, `convert`: its faster steps are in
sitegen/fastpaths, and SITEGEN_STOCK_LIBRARIES=1 runs it as it comes."""

from __future__ import annotations

import html
import re
from functools import lru_cache

import markdown

from sitegen import fastpaths
from sitegen.sanitize import sanitize


def _extensions(fenced: bool = True) -> list[markdown.Extension]:
    """sitegen's Markdown: Python-Markdown with tables (align as an attribute), fenced code
    and sane lists, as objects (named by string, Markdown looks them up among every installed
    package's entry points, which costs more than a one-post build's rendering). Without
    `fenced`, no fenced code: only the fast path asks so, for a text without a fence."""
    from markdown.extensions.sane_lists import SaneListExtension
    from markdown.extensions.tables import TableExtension

    extensions: list[markdown.Extension] = [TableExtension(use_align_attribute=True)]
    if fenced:
        from markdown.extensions.fenced_code import FencedCodeExtension

        extensions.append(FencedCodeExtension())
    return [*extensions, SaneListExtension()]


# The one seam to the Markdown fast paths (sitegen/fastpaths): Python-Markdown as it comes,
# or with sitegen's faster steps, which make the same HTML.
_convert = fastpaths.markdown_converter(_extensions)


def convert(body: str) -> str:
    """Python-Markdown's HTML for `body`, with sitegen's extensions."""
    return _convert(body)


# What a body may ask of Python-Markdown. A school's post is under 20,000 characters, nests a
# list or a quote three or four deep, and has a few dozen links: these bounds are ten times
# that and more, and keep the worst body within about a second of Markdown's time (measured
# by `python -m bench.hostile_text`). A body past one is not handed to Markdown at all.
MAX_BODY_CHARS = 200_000
MAX_NESTING = 20  # `>` markers and list indents (4 columns) in front of a line
# Markdown's work that grows with a count times the length of the text it sits in (see
# body_problem), as that product:
MAX_LINK_WORK = 2_000_000  # `[` x its paragraph
MAX_INLINE_WORK = 2_000_000_000  # marks (`*` `_` `` ` `` `\` `&` `<` `[`) x their paragraph
MAX_LINE_WORK = 2_000_000_000  # lines x their block
MAX_TAG_WORK = 20_000_000  # HTML tags (`<` and a letter) x the body

BLANK_LINE = re.compile(r"\n[ \t]*\n")  # (what ends a paragraph, once \r is \n)
UL_ITEM = re.compile(r" {0,3}[*+-][ \t]")  # a line that is a list item, as sane_lists reads it
OL_ITEM = re.compile(r" {0,3}\d+\.[ \t]")
TAG_START = re.compile(r"<[A-Za-z]")
MARKS = ("*", "_", "`", "\\", "&", "<", "[", "  \n")
NESTED_LINE = re.compile(r"^(?=[ \t>])([ \t]*)((?:>[ \t]*)*)", re.MULTILINE)
LIST_MARKER = re.compile(r"(?:[*+-]|\d+[.)])[ \t]")


def _text_runs(block: str) -> list[str]:
    """The texts Python-Markdown's inline step takes from a block: the block (a paragraph),
    or, for a block all of whose lines are items of one list, each line. (Any other block is
    taken as one: never less than Markdown's own texts, so never less than its work.)"""
    if "\n" not in block:
        return [block]
    lines = block.strip("\n").split("\n")  # (the body's first and last blocks may end so)
    if all(map(UL_ITEM.match, lines)) or all(map(OL_ITEM.match, lines)):
        return lines
    return [block]


def nesting(body: str) -> int:
    """The deepest line's `>` markers and list indents (4 columns each, a tab 4)."""
    deepest = 0
    for m in NESTED_LINE.finditer(body):
        indent, quotes = m.group(1), m.group(2).count(">")
        if quotes or LIST_MARKER.match(body, m.end()):
            columns = len(indent) + 3 * indent.count("\t")
            deepest = max(deepest, quotes + columns // 4)
    return deepest


@lru_cache(maxsize=8192)  # (reading a post asks, then making its HTML asks again)
def body_problem(body: str) -> str | None:
    """Why this body must not be handed to Python-Markdown, in plain words; None when it may.

    Python-Markdown's time grows with the square of some inputs, and one draft made so stalls
    every command: a paragraph's text is read again for each `[` in it (a link's brackets and
    address are looked for from each one), and copied again for each inline mark it matches;
    a block is handed back whole after each header or rule line split from it; and each HTML
    tag left open is read on to the end of the post. Each is bounded here by that count times
    the length of the text it sits in, counted in one pass (str.count and split)."""
    size = len(body)
    if size > MAX_BODY_CHARS:
        return (
            f"the text is {size:,} characters long: a post's text may be at most "
            f"{MAX_BODY_CHARS:,} characters (split it into several posts)"
        )
    depth = nesting(body)
    if depth > MAX_NESTING:
        return (
            f"lists or quotes (>) are nested {depth} deep: at most {MAX_NESTING} levels are allowed"
        )
    tags = len(TAG_START.findall(body))
    if tags * size > MAX_TAG_WORK:
        return (
            f"the text holds {tags:,} HTML tags (< followed by a letter) in {size:,} "
            "characters: converting it would take too long; write it in Markdown, or "
            "shorten it"
        )
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    links = marks = lines = 0
    for block in BLANK_LINE.split(text):
        if not block:
            continue  # (between blank lines: many of them cost the loop, not Markdown)
        lines += block.count("\n") * len(block)
        for run in _text_runs(block):
            links += run.count("[") * len(run)
            marks += sum(run.count(m) for m in MARKS) * len(run)
    if links > MAX_LINK_WORK:
        return (
            "a paragraph holds too many [ for its length (links, images or stray brackets): "
            "converting it would take too long; put blank lines between the links, or remove "
            "the stray brackets"
        )
    if marks > MAX_INLINE_WORK:
        return (
            "a paragraph holds too many Markdown marks (* _ ` \\ & < [) for its length: "
            "converting it would take too long; put blank lines between paragraphs"
        )
    if lines > MAX_LINE_WORK:
        return (
            "a block of text has too many lines without a blank line between them: "
            "converting it would take too long; put blank lines between paragraphs"
        )
    return None


def plain_html(body: str) -> str:
    """A body that `body_problem` refuses, as HTML without Markdown: its paragraphs escaped."""
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(
        f"<p>{html.escape(block.strip())}</p>" for block in BLANK_LINE.split(text) if block.strip()
    )


@lru_cache(maxsize=8192)
def markdown_to_html(body: str) -> str:
    """Python-Markdown's HTML, unsanitized: only for checking and for `sanitize`. The last
    bodies are remembered, since check, render and export all need the same HTML. A body that
    `body_problem` refuses is never handed to Markdown (it could take minutes): its text is
    given back escaped, in paragraphs."""
    if body_problem(body) is not None:
        return plain_html(body)
    return smarten(convert(body))


# Smart punctuation on text nodes only (never in tags, code or pre), sitegen's own step, run
# with the stock libraries too. It is not Python-Markdown's smarty extension: the two agree on
# the demo's and generated posts, not on every text ("'90s" is smarty's apostrophe, smarten's
# opening quote; "**bold**" in quotes ends with smarty's closing quote, smarten's opening one).
TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
SMART = re.compile(r"---|--|\.\.\.|[\"']")
OPENS_AFTER = frozenset(" \t\n([{\u2014\u2013-")
DASHES = {"---": "\u2014", "--": "\u2013", "...": "\u2026"}


def _smart(match: re.Match[str]) -> str:
    token = match.group(0)
    if token in DASHES:
        return DASHES[token]
    start = match.start()
    opening = start == 0 or match.string[start - 1] in OPENS_AFTER
    if token == '"':
        return "\u201c" if opening else "\u201d"
    return "\u2018" if opening else "\u2019"


def _may_smarten(text: str) -> bool:
    """Whether the text holds anything SMART matches (str searches are far cheaper)."""
    return "'" in text or '"' in text or "--" in text or "..." in text


def smarten(html_text: str) -> str:
    # No tag starts after the last ">": that tail is text, split off first. (Raw HTML that a
    # post passes through may hold a "<" never closed: TAG_OR_TEXT would read from each such
    # "<" to the end of the text and fail, over and over.)
    end = html_text.rfind(">") + 1
    parts = TAG_OR_TEXT.split(html_text[:end])
    parts[-1] += html_text[end:]
    literal = 0  # inside <code> or <pre>
    for i, part in enumerate(parts):
        if i % 2:  # a tag
            if part.startswith(("<code", "<pre", "</code", "</pre")):
                literal += -1 if part.startswith("</") else 1
        elif part and not literal and _may_smarten(part):
            parts[i] = SMART.sub(_smart, part)
    return "".join(parts)


@lru_cache(maxsize=8192)
def render_body(body: str) -> str:
    """Markdown -> HTML -> nh3 with the allow-list, always the last step."""
    return sanitize(markdown_to_html(body))


BLOCK_TAG = re.compile(r"</?(?:p|ul|ol|h[1-6]|blockquote|pre|tr|table)\b[^>]*>|<br\s*/?>", re.I)
LIST_ITEM = re.compile(r"<li\b[^>]*>", re.I)
LIST_ITEM_TAG = re.compile(r"</?li\b[^>]*>", re.I)
ANY_TAG = re.compile(r"<[^>]+>")


@lru_cache(maxsize=8192)
def plain_text(markdown_body: str) -> str:
    """The body as a reader would copy it: sanitized HTML without its tags."""
    return _text_of(render_body(markdown_body))


# A link as nh3 writes it (attributes double-quoted, never nested).
LINK = re.compile(r'<a\b[^>]*?\bhref="([^"]*)"[^>]*>(.*?)</a>', re.S)
SPELLED_OUT = ("http://", "https://", "mailto:")


@lru_cache(maxsize=8192)
def text_with_addresses(markdown_body: str) -> str:
    """The body as plain text for a social platform's post: each link to another site with its
    address after its words ("the term dates page (https://...)"), since the text posted
    there carries no link to follow. (A link to another page of this site keeps its words
    only: its address depends on where the site is published.)"""

    def spelled(m: re.Match[str]) -> str:
        address = html.unescape(m.group(1))
        words = html.unescape(ANY_TAG.sub("", m.group(2))).strip()
        shown = address.removeprefix("mailto:")
        if not address.startswith(SPELLED_OUT) or _same_address(words, address):
            return m.group(2)
        return f"{m.group(2)} ({html.escape(shown, quote=False)})"

    return _text_of(LINK.sub(spelled, render_body(markdown_body)))


def _same_address(words: str, address: str) -> bool:
    """Whether a link's words already are its address, as people write one: without its
    scheme, "www.", a last "/" or a mail's subject (www.example.sch.uk, admin@example.sch.uk)."""

    def bare(text: str) -> str:
        text = text.strip().lower()
        if text.startswith("mailto:"):
            text = text.split("?")[0]  # (a mail's subject is not its address)
        text = re.sub(r"^(?:https?://|mailto:)", "", text)
        return text.removeprefix("www.").rstrip("/")

    return bool(words) and bare(words) == bare(address)


def _text_of(html_text: str) -> str:
    """Sanitized HTML as plain text: blocks as paragraphs, list items as bullets."""
    html_text = html_text.replace("\n", " ")  # Markdown's soft line breaks
    html_text = LIST_ITEM.sub("\n• ", BLOCK_TAG.sub("\n\n", html_text))
    return tidy_whitespace(html.unescape(ANY_TAG.sub("", html_text)))


# An attribute as nh3 writes it: lower-case name, value in double quotes (a quote inside it is
# written &quot;).
KEPT_ATTRIBUTE = re.compile(r'\s(?!rel=)[a-z-]+="([^"]*)"')


@lru_cache(maxsize=8192)
def shown_text(markdown_body: str) -> str:
    """The words of the body that its markup publishes otherwise than they are written: each
    published block holding a tag or an entity (a link, emphasis, a table), as a reader sees
    it, and every attribute value its HTML keeps (an address, a title, an alt text), decoded
    as a browser decodes them. Markup can split a name that readers see whole ("[Deio](#)
    Morgan", "Ma[l](#)i"). A block without either reads as its source does, which is
    checked as written: it is left out, as it would cost a second reading of every post."""
    kept = render_body(markdown_body)
    blocks = [b for b in BLOCK_TAG.split(LIST_ITEM_TAG.sub("<p>", kept)) if "<" in b or "&" in b]
    words = [html.unescape(ANY_TAG.sub("", block)) for block in blocks]
    return APART.join([*words, *_kept_values(kept)])


def every_published_word(markdown_body: str) -> str:
    """The body's text as readers have it, then every attribute value its page keeps (an
    address, an alt text): what a Subject Access Request reads a body for, each sentence
    once and none left out."""
    return APART.join([plain_text(markdown_body), *_kept_values(render_body(markdown_body))])


def _kept_values(kept_html: str) -> list[str]:
    """Each attribute value the HTML keeps, decoded (not `rel`, which sitegen writes)."""
    # (a value's words may run on from a number: "language-P4TomosBowen" holds P4 and a name)
    return [
        DIGIT_THEN_LETTER.sub(r"\1 ", html.unescape(v)) for v in KEPT_ATTRIBUTE.findall(kept_html)
    ]


# Between the pieces of `shown_text`: what no name runs across (text.NAME_GAP), so that the
# last word of one piece and the first of the next are never read as one name.
APART = "\n\n|\n\n"  # (and a paragraph break: a SAR's excerpt ends there too)
DIGIT_THEN_LETTER = re.compile(r"(\d)(?=[^\W\d_])")


# Only what changes is matched (a single space is left alone).
SPACE_RUN = re.compile(r"[ \t]{2,}|\t")
BLANK_LINES = re.compile(r"\n{3,}")


def tidy_whitespace(text: str) -> str:
    """Runs of spaces and tabs as one space, no spaces around line breaks, at most one blank
    line in a row, nothing at either end. (Each rule runs only where a quick test shows it
    has something to do: scanning text with a regular expression costs more than the rest.)"""
    if "\t" in text:
        text = SPACE_RUN.sub(" ", text)
    else:  # (str.replace finds "  " far faster than the expression tries every space)
        while "  " in text:
            text = text.replace("  ", " ")
    if " \n" in text or "\n " in text:
        text = "\n".join(line.strip(" ") for line in text.split("\n"))
    if "\n\n\n" in text:
        text = BLANK_LINES.sub("\n\n", text)
    return text.strip()
