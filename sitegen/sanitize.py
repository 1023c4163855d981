"""The one HTML allow-list, and nh3 enforcing it: every body is sanitized with it as the last
step of rendering, and check reports what it would take out.

This module is the whole of sitegen's HTML security: what a post's HTML may keep (the tags,
attributes and link schemes below) and `sanitize`, nh3 with them. `removed_by_sanitizer`
only lines up the tags before and after sanitizing, so that check can say what a post
loses (SG130); nh3 is the judge.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

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
# The values these attributes may have, and how to say so: free text in them would be
# published where no reader sees it and no check looks (a pupil's id in lang="...").
ALLOWED_VALUES: dict[str, tuple[re.Pattern[str], str]] = {
    # (a name written in one of these is found where the post's page keeps it: SG114)
    "lang": (
        re.compile(r"(?:[a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{1,8}){0,3})?"),
        "a language code such as cy or en-GB",
    ),
    "class": (re.compile(r"language-[\w+#.-]{1,30}"), "a code block's language, such as python"),
    "align": (re.compile(r"left|right|center"), "left, right or center"),
    "scope": (re.compile(r"row|col|rowgroup|colgroup"), "row, col, rowgroup or colgroup"),
    "start": (re.compile(r"-?[0-9]{1,12}"), "a number"),
    "width": (re.compile(r"[0-9]{1,5}(?:px|%)?"), "a number of pixels"),
    "height": (re.compile(r"[0-9]{1,5}(?:px|%)?"), "a number of pixels"),
}


def attribute_allowed(tag: str, attribute: str) -> bool:
    """Whether the allow-list keeps this attribute on this tag (whatever its value)."""
    return attribute in ALLOWED_ATTRIBUTES.get(tag, set()) | ALLOWED_ATTRIBUTES["*"]


def _allowed_value(tag: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: the value if the allow-list allows it, else None (dropped)."""
    rule = ALLOWED_VALUES.get(attribute)
    return value if rule is None or rule[0].fullmatch(value) else None


@lru_cache(maxsize=1024)  # rendering a body and checking it clean the same HTML
def sanitize(html: str) -> str:
    """The HTML with only what the allow-list allows (links get rel="noopener noreferrer")."""
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        attribute_filter=_allowed_value,
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


_TAGS = set(ALLOWED_TAGS)
_ATTRIBUTES = {k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()}
_SCHEMES = set(URL_SCHEMES)


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
