"""Raw HTML and link schemes in a post's body (SG130), judged by the sanitizer's allow-list."""

from __future__ import annotations

from sitegen.findings import finding
from sitegen.markup import markdown_to_html
from sitegen.model import Finding, Post
from sitegen.sanitize import (
    ALLOWED_VALUES,
    URL_SCHEMES,
    Removed,
    attribute_allowed,
    removed_by_sanitizer,
)
from sitegen.text import escape_unprintable

URL_ATTRIBUTES = ("href", "src")
# Findings listed one by one; the rest are counted in one more. Each is placed by searches of
# the whole body (for its text, then its line): a body of thousands of bad links was searched
# thousands of times. A real post has none, or a few.
MAX_LISTED = 20


def check_markup(post: Post) -> list[Finding]:
    findings: list[Finding] = []
    removed = removed_by_sanitizer(markdown_to_html(post.body))
    search_from = 0
    lower = post.body.lower()
    for n, item in enumerate(removed[: MAX_LISTED + 1]):
        at = -1
        for needle in _needles(item):
            at = lower.find(needle, search_from)
            if at < 0:
                at = lower.find(needle)
            if at >= 0:
                search_from = at + 1
                break
        line = post.body_line + (post.body.count("\n", 0, at) if at >= 0 else 0)
        if n == MAX_LISTED:
            more = len(removed) - MAX_LISTED
            message = (
                f"{more:,} more HTML elements or attributes are not allowed in a post "
                f"(the first {MAX_LISTED} are listed)"
            )
            findings.append(finding("SG130", message, post.path, line))
        else:
            findings.append(finding("SG130", _message(item), post.path, line))
    return findings


def _needles(item: Removed) -> list[str]:
    """Strings to look for in the Markdown source, most precise first, to find the line."""
    needles = []
    if item.value:  # (a fenced block's language is written after its ```, not as a class)
        needles.append(item.value.lower().removeprefix("language-")[:40])
    if item.attribute:
        needles.append(item.attribute.lower())
    needles.append("<" + item.tag.lower())
    return needles


def _message(item: Removed) -> str:
    schemes = ", ".join(sorted(URL_SCHEMES))
    if item.attribute in URL_ATTRIBUTES:
        shown = (item.value or "")[:60]
        what = "link" if item.attribute == "href" else "image address"
        return f'the {what} "{shown}" is not allowed: only {schemes} or relative addresses'
    if item.attribute in ALLOWED_VALUES and attribute_allowed(item.tag, item.attribute):
        shown = escape_unprintable((item.value or "")[:60])
        return (
            f'{item.attribute}="{shown}" on <{item.tag}> is not allowed in a post: '
            f"{item.attribute} may only be {ALLOWED_VALUES[item.attribute][1]}"
        )
    if item.attribute:
        return f"the attribute {item.attribute} on <{item.tag}> is not allowed in a post"
    return f"raw HTML <{item.tag}> is not allowed in a post: write it in Markdown"
