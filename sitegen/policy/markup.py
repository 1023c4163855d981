"""Raw HTML and link schemes in a post's body (SG130), judged by the sanitizer's allow-list."""

from __future__ import annotations

from sitegen.markup import URL_SCHEMES, Removed, markdown_to_html, removed_by_sanitizer
from sitegen.model import Finding, Post

URL_ATTRIBUTES = ("href", "src")


def check_markup(post: Post) -> list[Finding]:
    findings: list[Finding] = []
    search_from = 0
    lower = post.body.lower()
    for item in removed_by_sanitizer(markdown_to_html(post.body)):
        at = -1
        for needle in _needles(item):
            at = lower.find(needle, search_from)
            if at < 0:
                at = lower.find(needle)
            if at >= 0:
                search_from = at + 1
                break
        line = post.body_line + (post.body.count("\n", 0, at) if at >= 0 else 0)
        findings.append(Finding("SG130", "error", _message(item), post.path, line))
    return findings


def _needles(item: Removed) -> list[str]:
    """Strings to look for in the Markdown source, most precise first, to find the line."""
    needles = []
    if item.attribute in URL_ATTRIBUTES and item.value:
        needles.append(item.value.lower()[:40])
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
    if item.attribute:
        return f"the attribute {item.attribute} on <{item.tag}> is not allowed in a post"
    return f"raw HTML <{item.tag}> is not allowed in a post: write it in Markdown"
