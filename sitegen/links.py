"""What `sitegen check` says of a body's links that lead parents nowhere on the website.

A link to a file beside a post (a letter as a PDF, the photo as staff saved it) leads nowhere:
only a post's page and its published photos are. A link to another post leads nowhere while
that post is not on the website when this one goes out (a draft, a post taken down, a
misspelt folder). Links are read as the browser reads them, from the post's page, and those
written with the site's own address (copied from the browser) too. Warnings (code SG130, the
body's links'), never errors: whether another post is live must not decide this one's
approval."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import unquote, urljoin, urlsplit

from sitegen.findings import finding
from sitegen.model import Finding, Post

LINK = re.compile(r'<a\b[^>]*?\bhref="([^"]*)"')
POSTS = "/posts/"
# What a build publishes in a post's folder besides its page: each photo at each width.
# (making.published_name: photo-1-960.jpg, photo-1-covered-2-960.jpg)
PUBLISHED_PHOTO = re.compile(r"photo-\d+(?:-covered(?:-\d+)+)?-\d+\.(?:jpg|webp)")

NotOnWebsite = Callable[[str, datetime | None], str | None]


def dead_links(
    post: Post, body_html: str, base_url: str, not_on_website: NotOnWebsite
) -> list[Finding]:
    """`body_html`: the post's sanitized body; `not_on_website(slug, when)`: why the post in
    that folder is not on the website at `when` (no such post, a draft ...), or None."""
    page = urlsplit(base_url).path.rstrip("/") + f"{POSTS}{post.slug}/"
    site = urlsplit(base_url).path.rstrip("/") + "/"
    listed = {ref.file.removeprefix("./") for ref in post.images}
    found: list[Finding] = []
    for written in dict.fromkeys(html.unescape(m.group(1)) for m in LINK.finditer(body_html)):
        address = written
        if address.startswith(base_url):  # (the site's own address, copied from a browser)
            address = site + address[len(base_url) :]
        target = urlsplit(urljoin(page, address))
        if target.scheme or target.netloc or not target.path.startswith(site):
            continue  # (another site, or mail)
        path = unquote(target.path)[len(site) - 1 :]
        # (a listed photo's link goes to its published copy: only as written bare)
        photo = written.removeprefix("./") in listed or unquote(written) in listed
        if why := _nowhere(post, path, listed if photo else set(), not_on_website):
            message = f"the link to {written} leads nowhere on the website: {why}"
            line = _line(post, written)
            found.append(finding("SG130", message, post.path, line, severity="warning"))
    return found


def _nowhere(post: Post, path: str, listed: set[str], not_on_website: NotOnWebsite) -> str | None:
    """Why a path of the site (from its root: /posts/x/) leads nowhere, or None."""
    language_posts = re.match(r"/[a-z]{2,3}(?:-[A-Za-z]+)?/posts/", path)
    if language_posts:  # (/en/posts/x/: a post has one page, whatever its language)
        return f"posts live under /posts/ in every language: write /posts/{path.split('/', 3)[3]}"
    if not path.startswith(POSTS):
        return None  # (a list, a tag, a feed: pages every build makes)
    slug, _, rest = path.removeprefix(POSTS).partition("/")
    if not slug:
        return None  # (/posts/ itself: no page, but no post of the school's either)
    ours = slug == post.slug
    if rest in ("", "index.html") or (ours and rest in listed) or PUBLISHED_PHOTO.fullmatch(rest):
        if ours or (reason := not_on_website(slug, post.date)) is None:
            return None
        return f"the post {slug} is not on the website: {reason}"
    return (
        f"{rest} is not published: only a post's page and its photos are, as photo-1-960.jpg "
        "... (put what it says in the text, or on the school's own website and link there)"
    )


def _line(post: Post, written: str) -> int:
    """The body line where the address is written (the first line of the body if not found)."""
    at = post.body.find(written)
    return post.body_line + (post.body.count("\n", 0, at) if at >= 0 else 0)
