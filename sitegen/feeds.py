"""Atom 1.0, JSON Feed 1.1, sitemap.xml and robots.txt, all with absolute URLs."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

from sitegen.cache import Pack, cache_key
from sitegen.config import Config
from sitegen.render import PostView, absolute_html

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
# Parents poll the feeds from phones: the newest posts, whole, not years of them at every poll.
FEED_ITEMS = 20


def _content(post: PostView, base: str) -> str:
    url = urljoin(base, post.path)
    parts = [absolute_html(post.body, url)]
    for image in post.images:
        src = urljoin(url, image.fallback.file)
        alt = image.alt.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        parts.append(
            f'<p><img src="{src}" alt="{alt}" width="{image.fallback.width}" '
            f'height="{image.fallback.height}"></p>'
        )
    return "\n".join(parts)


def _stamp(post: PostView) -> str:
    return post.date.isoformat(timespec="seconds")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _entry(config: Config, post: PostView) -> bytes:
    url = urljoin(config.base_url, post.path)
    entry = ET.Element(f"{{{ATOM}}}entry")
    _sub(entry, "title", post.title)
    _sub(entry, "id", url)
    _sub(entry, "link", rel="alternate", type="text/html", href=url)
    _sub(entry, "published", _stamp(post))
    _sub(entry, "updated", _stamp(post))
    if post.author:
        _sub(_sub(entry, "author"), "name", post.author)
    if post.summary:
        _sub(entry, "summary", post.summary)
    for name, slug in post.tags:
        _sub(entry, "category", term=slug, label=name)
    content = _sub(entry, "content", _content(post, config.base_url), type="html")
    content.set("xml:lang", post.lang)
    return ET.tostring(entry, encoding="utf-8")


def _item(config: Config, post: PostView) -> str:
    """One JSON Feed item, as indented JSON text ready to join."""
    text = json.dumps(_item_data(config, post), indent=2, ensure_ascii=False)
    return "\n".join("    " + line for line in text.splitlines())


def _item_data(config: Config, post: PostView) -> dict[str, Any]:
    url = urljoin(config.base_url, post.path)
    item: dict[str, Any] = {
        "id": url,
        "url": url,
        "title": post.title,
        "content_html": _content(post, config.base_url),
        "date_published": _stamp(post),
        "language": post.lang,
    }
    if post.summary:
        item["summary"] = post.summary
    if post.tags:
        item["tags"] = [name for name, _ in post.tags]
    if post.images:
        item["image"] = urljoin(url, post.images[0].fallback.file)
    if post.author:
        item["authors"] = [{"name": post.author}]
    return item


def _memo(
    memo: Pack | None,
    kind: str,
    config: Config,
    post: PostView,
    make: Callable[[Config, PostView], Any],
) -> Any:
    """A feed entry made once per version of its post (and of the settings)."""
    if memo is None:
        return make(config, post)
    key = cache_key("feed-entry", kind, repr(config), post.fingerprint)
    value = memo.get(key)
    if value is None:
        value = make(config, post)
        memo.put(key, value)
    return value


def atom(config: Config, posts: list[PostView], memo: Pack | None = None) -> bytes:
    """The newest FEED_ITEMS posts (`posts` come newest first)."""
    posts = posts[:FEED_ITEMS]
    ET.register_namespace("", ATOM)
    base = config.base_url
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": config.language})
    _sub(feed, "title", config.title)
    _sub(feed, "id", base)
    _sub(feed, "link", rel="alternate", type="text/html", href=base)
    _sub(feed, "link", rel="self", type="application/atom+xml", href=urljoin(base, "feed.xml"))
    _sub(feed, "updated", _stamp(posts[0]) if posts else "1970-01-01T00:00:00+00:00")
    _sub(_sub(feed, "author"), "name", config.title)
    head = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    head = head.removesuffix(b"</feed>")
    entries = [_memo(memo, "atom", config, post, _entry) for post in posts]
    return head + b"".join(entries) + b"</feed>\n"


def json_feed(config: Config, posts: list[PostView], memo: Pack | None = None) -> bytes:
    """The newest FEED_ITEMS posts (`posts` come newest first)."""
    posts = posts[:FEED_ITEMS]
    base = config.base_url
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": config.title,
        "home_page_url": base,
        "feed_url": urljoin(base, "feed.json"),
        "language": config.language,
        "authors": [{"name": config.title}],
        "items": [],
    }
    head = json.dumps(feed, indent=2, ensure_ascii=False).removesuffix("[]\n}")
    assert head.endswith('"items": '), head[-40:]
    items = [_memo(memo, "json", config, post, _item) for post in posts]
    body = "[\n" + ",\n".join(items) + "\n  ]" if items else "[]"
    return (head + body + "\n}\n").encode("utf-8")


def sitemap(config: Config, pages: dict[str, str | None]) -> bytes:
    """`pages`: path -> lastmod date (or None), for every published page. Written as
    ElementTree writes it, byte for byte, at a tenth of its cost (a site has thousands)."""
    urls = []
    for path, lastmod in sorted(pages.items()):
        loc = f"<loc>{_xml_text(config.base_url + path)}</loc>"
        when = f"<lastmod>{_xml_text(lastmod)}</lastmod>" if lastmod else ""
        urls.append(f"<url>{loc}{when}</url>")
    body = (
        f'<urlset xmlns="{SITEMAP}">{"".join(urls)}</urlset>'
        if urls
        else (f'<urlset xmlns="{SITEMAP}" />')
    )
    return f"<?xml version='1.0' encoding='utf-8'?>\n{body}\n".encode()


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def robots(config: Config) -> bytes:
    return (
        f"User-agent: *\nAllow: /\n\nSitemap: {urljoin(config.base_url, 'sitemap.xml')}\n"
    ).encode()
