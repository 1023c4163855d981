"""Markdown to HTML and the one HTML allow-list, enforced by nh3 for rendering and checking."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

import markdown
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
EXTENSIONS = ["tables", "fenced_code", "sane_lists"]
EXTENSION_CONFIGS = {"tables": {"use_align_attribute": True}}


_converter: markdown.Markdown | None = None


@lru_cache(maxsize=8192)
def markdown_to_html(body: str) -> str:
    """Python-Markdown's HTML, unsanitized: only for checking and for `sanitize`.

    One converter is reused (building one loads every extension), and the last bodies are
    remembered, since check, render and export all need the same HTML.
    """
    global _converter
    if _converter is None:
        _converter = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
    return smarten(_converter.reset().convert(body))


# Smart punctuation on text nodes only (never in tags, code or pre): what Python-Markdown's
# smarty extension does, at a twentieth of its cost.
TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
OPENING_CONTEXT = r"(^|(?<=[\s(\[{\u2014\u2013-]))"
SMART = [
    (re.compile(r"---"), "\u2014"),
    (re.compile(r"--"), "\u2013"),
    (re.compile(r"\.\.\."), "\u2026"),
    (re.compile(OPENING_CONTEXT + r'"'), "\u201c"),
    (re.compile(r'"'), "\u201d"),
    (re.compile(OPENING_CONTEXT + r"'"), "\u2018"),
    (re.compile(r"'"), "\u2019"),
]


def smarten(html_text: str) -> str:
    parts = TAG_OR_TEXT.split(html_text)
    literal = 0  # inside <code> or <pre>
    for i, part in enumerate(parts):
        if i % 2:  # a tag
            name = part[1:].lstrip("/").split(None, 1)[0].rstrip(">").lower() if part else ""
            if name in ("code", "pre"):
                literal += -1 if part.startswith("</") else 1
        elif part and not literal:
            for pattern, replacement in SMART:
                part = pattern.sub(replacement, part)
            parts[i] = part
    return "".join(parts)


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


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


def _start_tags(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _StartTags()
    parser.feed(html)
    parser.close()
    return parser.tags


def removed_by_sanitizer(html: str) -> list[Removed]:
    """What nh3 strips from this HTML: the elements and attributes it does not allow.

    The sanitizer is the judge; this only lines up the tags before and after cleaning.
    """
    before = _start_tags(html)
    after = _start_tags(sanitize(html))
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
