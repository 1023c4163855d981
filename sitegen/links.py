"""What `sitegen check` says of a body's links that lead parents nowhere on the website.

A link to a file beside the post (a letter as a PDF) leads nowhere: only the post's page and
its photos are published. A link to another post leads nowhere while that post is not on the
website (a draft, a post taken down, a misspelt folder). Warnings (code SG130, the body's
links'), never errors: whether another post is live must not decide this one's approval."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import unquote, urljoin, urlsplit

from sitegen.findings import finding
from sitegen.model import Finding, Post

LINK = re.compile(r'<a\b[^>]*?\bhref="([^"]*)"')
POSTS = "/posts/"


def dead_links(
    post: Post, body_html: str, not_on_website: Callable[[str], str | None]
) -> list[Finding]:
    """`body_html`: the post's sanitized body; `not_on_website(slug)`: why the post in that
    folder is not on the website now (no such post, a draft ...), or None when it is."""
    here = f"{POSTS}{post.slug}/"
    listed = {ref.file.removeprefix("./") for ref in post.images}
    found: list[Finding] = []
    for written in dict.fromkeys(html.unescape(m.group(1)) for m in LINK.finditer(body_html)):
        address = urlsplit(urljoin(here, written))
        if address.scheme or address.netloc or not address.path.startswith(POSTS):
            continue  # (another site, mail, or a page of this site beside the posts)
        slug, _, rest = unquote(address.path).removeprefix(POSTS).partition("/")
        if not slug:
            continue  # (/posts/ itself: no page, but no post of the school's either)
        if slug == post.slug:
            if rest in ("", "index.html") or rest in listed:
                continue  # (a listed photo's link goes to its published copy)
            why = (
                f"{rest} is not published: only the post's page and its photos are (put "
                "what it says in the text, or on the school's own website and link there)"
            )
        elif (reason := not_on_website(slug)) is None:
            continue
        else:
            why = f"the post {slug} is not on the website: {reason}"
        message = f"the link to {written} leads nowhere on the website: {why}"
        found.append(finding("SG130", message, post.path, _line(post, written), severity="warning"))
    return found


def _line(post: Post, written: str) -> int:
    """The body line where the address is written (the first line of the body if not found)."""
    at = post.body.find(written)
    return post.body_line + (post.body.count("\n", 0, at) if at >= 0 else 0)
