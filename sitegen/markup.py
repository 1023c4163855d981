"""Markdown to HTML and the one HTML allow-list, enforced by nh3 for rendering and checking."""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

import markdown
import markdown.blockparser
import markdown.inlinepatterns
import markdown.preprocessors
import markdown.treeprocessors
import markdown.util
import nh3

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "del",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    }
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},
    "td": {"align"},
    "th": {"align", "scope"},
    "ol": {"start"},
    "*": {"lang"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def _extensions(fenced: bool = True) -> list[markdown.Extension]:
    """Tables, fenced code and sane lists, as objects: named by string, Markdown looks them up
    among every installed package's entry points, which costs more than a one-post build's
    rendering. Without `fenced`, no fenced code: its module loads Pygments, and a text
    without a fence (``` or ~~~) is the same without it."""
    from markdown.extensions.sane_lists import SaneListExtension
    from markdown.extensions.tables import TableExtension

    extensions: list[markdown.Extension] = [TableExtension(use_align_attribute=True)]
    if fenced:
        from markdown.extensions.fenced_code import FencedCodeExtension

        extensions.append(FencedCodeExtension())
    return [*extensions, SaneListExtension()]


# What every match of an inline pattern contains, by the pattern's regular expression exactly as
# Python-Markdown writes it: a text without any of these strings cannot match the pattern, so
# trying it is skipped. A pattern not listed here (another version's, an extension's) is always
# tried: the table can make Markdown slower, never different.
_INLINE_NEEDS: dict[str, tuple[str, ...]] = {
    r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)": ("`",),  # code spans
    r"\\(.)": ("\\",),  # backslash escapes
    r"(?<!\!)\[": ("[",),  # links and references
    r"\!\[": ("![",),  # images
    r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>": ("<",),  # <https://...>
    r"<([^<> !]+@[^@<> ]+)>": ("<",),  # <someone@example.com>
    r"  \n": ("  \n",),  # hard line breaks
    (  # raw HTML: a tag, comment, processing instruction or CDATA, each starting with <
        r"""(<(\/?+[a-zA-Z][^\s"'<>@]*+(?:\s+[^\s"'=<>]++(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'|"""
        r"""[^\s"'=<>]++))?+)*+\s*+/?|!--(?:(?!<!--|-->).)*--|[?](?:(?!<[?]|[?]>).)*[?]|"""
        r"""!\[CDATA\[(?:(?!<!\[CDATA\[|\]\]>).)*\]\])>)"""
    ): ("<",),
    r"(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)": ("&",),  # entities
}


def inline_needs(pattern: object) -> tuple[str, ...] | None:
    """The strings one of which every match of an inline pattern holds; None when unknown."""
    if type(pattern) is getattr(markdown.inlinepatterns, "DelimiterProcessor", None):
        return tuple(pattern.tokens)  # type: ignore[attr-defined]  # its expression: these, joined by |
    if type(pattern).__module__ != "markdown.inlinepatterns":
        return None  # an extension's pattern may match anything
    compiled = getattr(pattern, "compiled_re", None)
    return _INLINE_NEEDS.get(compiled.pattern) if compiled is not None else None


class _InlineByNeed(markdown.treeprocessors.InlineProcessor):
    """Python-Markdown's inline step, which tries each of its fourteen patterns on every piece
    of text: here a pattern is not tried on a text that lacks what every match of it holds (a
    `*` for emphasis, a `[` for links). The tree is the same, made in half the time: plain
    prose, most of a post, is no longer searched fourteen times over."""

    def run(self, tree: Any, ancestors: list[str] | None = None) -> Any:
        patterns = list(self.inlinePatterns)
        if patterns != getattr(self, "_patterns", None):  # (worked out again if they change)
            self._patterns = patterns
            self._needs = [inline_needs(p) for p in patterns]
            known = all(n is not None for n in self._needs)
            # Every need at once: a text with none of them is given back as it is, at once.
            every = sorted({n for needs in self._needs if needs for n in needs})
            self._any_need = (
                re.compile("|".join(map(re.escape, every))) if known and every else None
            )
        return super().run(tree, ancestors)

    # The parent's loop (a private method, so named as Python mangles it), plus the skip.
    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:
        if isinstance(data, markdown.util.AtomicString):
            return data
        if self._any_need is not None and not self._any_need.search(data):
            return data  # (what the loop below would give after trying every pattern)
        patterns, needs = self._patterns, self._needs
        apply = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        start = 0
        while patternIndex < len(patterns):
            needed = needs[patternIndex]
            if needed is not None:
                # Looked for from `start` only, where the pattern's search begins: from 0, a
                # text of thousands of matches (a run of `\\`) was read again after each one.
                for need in needed:
                    if data.find(need, start) >= 0:
                        break
                else:
                    patternIndex += 1
                    start = 0  # as after a pattern that did not match
                    continue
            data, matched, start = apply(patterns[patternIndex], data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


# The same for block processors whose test searches the whole block (or, for references, whose
# run does): by class and regular expression exactly as Python-Markdown writes them.
_BLOCK_NEEDS: dict[tuple[str, str | None], tuple[str, ...]] = {
    (  # a # header on any line of the block
        "markdown.blockprocessors.HashHeaderProcessor",
        r"(?:^|\n)(?P<level>#{1,6})(?P<header>(?:\\.|[^\\#]|#+(?=[^#\n]))*?)#*(?:\n|$)",
    ): ("#",),
    (  # a === or --- line under the first
        "markdown.blockprocessors.SetextHeaderProcessor",
        r"^.*?\n(?:=+|-+)[ ]*(\n|$)",
    ): ("\n=", "\n-"),
    (  # three of - _ or * on a line
        "markdown.blockprocessors.HRProcessor",
        r"^[ ]{0,3}(?=(?P<atomicgroup>(-+[ ]{0,2}){3,}|(_+[ ]{0,2}){3,}|(\*+[ ]{0,2}){3,}))"
        r"(?P=atomicgroup)[ ]*$",
    ): ("-", "_", "*"),
    ("markdown.blockprocessors.BlockQuoteProcessor", r"(^|\n)[ ]{0,3}>[ ]?(.*)"): (">",),
    (  # [id]: https://... (its test passes every block; its run looks)
        "markdown.blockprocessors.ReferenceProcessor",
        r"^[ ]{0,3}\[([^\[\]]*)\]:[ ]*(?:\n[ ]*)?([^\s]+)[ ]*(?:\n[ ]*)?"
        r"""((["\'])(.*)\4[ ]*|\((.*)\)[ ]*)?$""",
    ): ("]:",),
    ("markdown.extensions.tables.TableProcessor", None): ("|",),  # a header row of cells
}


def block_needs(processor: object) -> tuple[str, ...] | None:
    """The strings one of which a block must hold for the processor to take it; None when
    unknown."""
    kind = type(processor)
    compiled = getattr(processor, "SEARCH_RE", None) or getattr(processor, "RE", None)
    return _BLOCK_NEEDS.get(
        (f"{kind.__module__}.{kind.__qualname__}", getattr(compiled, "pattern", None))
    )


class _BlockParserByNeed(markdown.blockparser.BlockParser):
    """Python-Markdown's block loop, which asks each of its twelve processors about every
    block: here a processor is not asked about a block that lacks what it needs."""

    def parseDocument(self, lines: Any) -> Any:
        self._steps = [(p, block_needs(p)) for p in self.blockprocessors]
        return super().parseDocument(lines)

    def parseBlocks(self, parent: Any, blocks: list[str]) -> None:
        steps = getattr(self, "_steps", None) or [(p, None) for p in self.blockprocessors]
        while blocks:
            for processor, needed in steps:
                block = blocks[0]
                if needed is not None and not any(n in block for n in needed):
                    continue
                if processor.test(parent, block) and processor.run(parent, blocks) is not False:
                    break


class _NormalizeWhitespace(markdown.preprocessors.NormalizeWhitespace):
    """Python-Markdown's first step, whose last rule (spaces alone on a line) is a regular
    expression with a lookbehind, tried at every character: here only where "\n " occurs."""

    def run(self, lines: list[str]) -> list[str]:
        source = "\n".join(lines)
        source = source.replace(markdown.util.STX, "").replace(markdown.util.ETX, "")
        source = source.replace("\r\n", "\n").replace("\r", "\n") + "\n\n"
        source = source.expandtabs(self.md.tab_length)
        if "\n " in source:
            source = SPACES_ALONE.sub("\n", source)
        return source.split("\n")


SPACES_ALONE = re.compile(r"(?<=\n) +\n")


class _PreprocessorByNeed(markdown.preprocessors.Preprocessor):
    """A preprocessor not run on a text that lacks what it looks for (its run would give the
    lines back as they are)."""

    def __init__(self, inner: markdown.preprocessors.Preprocessor, needs: tuple[str, ...]) -> None:
        super().__init__(inner.md)
        self.inner, self.needs = inner, needs

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        return self.inner.run(lines) if any(n in text for n in self.needs) else lines


# name in the registry: (the stock class's module.name, its priority, what it looks for)
_PREPROCESSOR_NEEDS = {
    "fenced_code_block": (
        "markdown.extensions.fenced_code.FencedBlockPreprocessor",
        25,
        ("```", "~~~"),
    ),
    "html_block": ("markdown.preprocessors.HtmlBlockPreprocessor", 20, ("<",)),
}


def converter(fenced: bool = True) -> markdown.Markdown:
    """Python-Markdown with sitegen's extensions (fenced code only with `fenced`) and the
    steps above."""
    md = markdown.Markdown(extensions=_extensions(fenced))
    if type(md.preprocessors["normalize_whitespace"]) is markdown.preprocessors.NormalizeWhitespace:
        md.preprocessors.register(_NormalizeWhitespace(md), "normalize_whitespace", 30)
    for name, (kind, priority, needs) in _PREPROCESSOR_NEEDS.items():
        if name not in md.preprocessors:
            continue
        stock = md.preprocessors[name]
        if f"{type(stock).__module__}.{type(stock).__qualname__}" == kind:
            md.preprocessors.register(_PreprocessorByNeed(stock, needs), name, priority)
    if hasattr(markdown.treeprocessors.InlineProcessor, "_InlineProcessor__applyPattern"):
        md.treeprocessors.register(_InlineByNeed(md), "inline", 20)  # replaces the stock one
    if type(md.parser) is markdown.blockparser.BlockParser:
        # The same object (every processor holds it and its state), with the loop above.
        md.parser.__class__ = _BlockParserByNeed
    return md


_converters: dict[bool, markdown.Markdown] = {}  # by whether the texts it takes have fences


def convert(body: str) -> str:
    """Python-Markdown's HTML for `body`, by a converter reused (building one loads every
    extension); fenced code's only for a text with a fence."""
    fenced = "```" in body or "~~~" in body
    md = _converters.get(fenced) or _converters.setdefault(fenced, converter(fenced))
    return md.reset().convert(body)


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


# Smart punctuation on text nodes only (never in tags, code or pre): what Python-Markdown's
# smarty extension does, at a twentieth of its cost.
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


@lru_cache(maxsize=1024)  # rendering a body and checking it clean the same HTML
def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


_TAGS = set(ALLOWED_TAGS)
_ATTRIBUTES = {k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()}
_SCHEMES = set(URL_SCHEMES)


@lru_cache(maxsize=8192)
def render_body(body: str) -> str:
    """Markdown -> HTML -> nh3 with the allow-list, always the last step."""
    return sanitize(markdown_to_html(body))


@dataclass(frozen=True)
class Removed:
    """Something in a post's HTML that the sanitizer took out."""

    tag: str
    attribute: str | None
    value: str | None


class _StartTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    handle_startendtag = handle_starttag


START_TAG = re.compile(r"<([a-zA-Z][\w-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
ATTRIBUTE_NAME = re.compile(r"""\s([^\s"'>/=]+)\s*=""")


def _shape(html: str) -> Counter[str]:
    """Tag names and attribute names (rel aside: nh3 adds it to links), counted."""
    shape: Counter[str] = Counter()
    for tag, attrs in START_TAG.findall(html):
        shape[tag.lower()] += 1
        for name in ATTRIBUTE_NAME.findall(attrs):
            if name.lower() != "rel":
                shape[f"{tag.lower()}@{name.lower()}"] += 1
    return shape


def _start_tags(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _StartTags()
    parser.feed(html)
    parser.close()
    return parser.tags


def removed_by_sanitizer(html: str) -> list[Removed]:
    """What nh3 strips from this HTML: the elements and attributes it does not allow.

    The sanitizer is the judge; this only lines up the tags before and after cleaning.
    """
    cleaned = sanitize(html)
    if _shape(html) == _shape(cleaned):
        return []  # same elements and attributes before and after: nothing was taken out
    return _diff(html, cleaned)


def _diff(html: str, cleaned: str) -> list[Removed]:
    before = _start_tags(html)
    after = _start_tags(cleaned)
    removed: list[Removed] = []
    j = 0
    for tag, attrs in before:
        if j < len(after) and after[j][0] == tag:
            kept = after[j][1]
            removed.extend(
                Removed(tag, name, value) for name, value in attrs.items() if name not in kept
            )
            j += 1
        else:
            removed.append(Removed(tag, None, None))
    return removed


BLOCK_TAG = re.compile(r"</?(?:p|ul|ol|h[1-6]|blockquote|pre|tr|table)\b[^>]*>|<br\s*/?>", re.I)
LIST_ITEM = re.compile(r"<li\b[^>]*>", re.I)
ANY_TAG = re.compile(r"<[^>]+>")


@lru_cache(maxsize=8192)
def plain_text(markdown_body: str) -> str:
    """The body as a reader would copy it: sanitized HTML without its tags."""
    html_text = render_body(markdown_body).replace("\n", " ")  # Markdown's soft line breaks
    html_text = LIST_ITEM.sub("\n• ", BLOCK_TAG.sub("\n\n", html_text))
    return tidy_whitespace(html.unescape(ANY_TAG.sub("", html_text)))


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
