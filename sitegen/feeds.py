"""Atom 1.0, JSON Feed 1.1, sitemap.xml and robots.txt, all with absolute URLs."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from urllib.parse import urljoin

from sitegen.config import Config
from sitegen.render import PostView, absolute_html

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _content(post: PostView, base: str) -> str:
    url = urljoin(base, post.path)
    parts = [absolute_html(str(post.body_html), url)]
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


def atom(config: Config, posts: list[PostView]) -> bytes:
    ET.register_namespace("", ATOM)
    base = config.base_url
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": config.language})

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    sub(feed, "title", config.title)
    sub(feed, "id", base)
    sub(feed, "link", rel="alternate", type="text/html", href=base)
    sub(feed, "link", rel="self", type="application/atom+xml", href=urljoin(base, "feed.xml"))
    sub(feed, "updated", _stamp(posts[0]) if posts else "1970-01-01T00:00:00+00:00")
    author = sub(feed, "author")
    sub(author, "name", config.title)
    for post in posts:
        url = urljoin(base, post.path)
        entry = sub(feed, "entry")
        sub(entry, "title", post.title)
        sub(entry, "id", url)
        sub(entry, "link", rel="alternate", type="text/html", href=url)
        sub(entry, "published", _stamp(post))
        sub(entry, "updated", _stamp(post))
        if post.author:
            sub(sub(entry, "author"), "name", post.author)
        if post.summary:
            sub(entry, "summary", post.summary)
        for name, slug in post.tags:
            sub(entry, "category", term=slug, label=name)
        content = sub(entry, "content", _content(post, base), type="html")
        content.set("xml:lang", post.lang)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True) + b"\n"


def json_feed(config: Config, posts: list[PostView]) -> bytes:
    base = config.base_url
    items = []
    for post in posts:
        url = urljoin(base, post.path)
        item = {
            "id": url,
            "url": url,
            "title": post.title,
            "content_html": _content(post, base),
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
        items.append(item)
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": config.title,
        "home_page_url": base,
        "feed_url": urljoin(base, "feed.json"),
        "language": config.language,
        "authors": [{"name": config.title}],
        "items": items,
    }
    return (json.dumps(feed, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def sitemap(config: Config, pages: dict[str, str | None]) -> bytes:
    """`pages`: path -> lastmod date (or None), for every published page."""
    ET.register_namespace("", SITEMAP)
    urlset = ET.Element(f"{{{SITEMAP}}}urlset")
    for path, lastmod in sorted(pages.items()):
        url = ET.SubElement(urlset, f"{{{SITEMAP}}}url")
        ET.SubElement(url, f"{{{SITEMAP}}}loc").text = urljoin(config.base_url, path)
        if lastmod:
            ET.SubElement(url, f"{{{SITEMAP}}}lastmod").text = lastmod
    return ET.tostring(urlset, encoding="utf-8", xml_declaration=True) + b"\n"


def robots(config: Config) -> bytes:
    return (
        f"User-agent: *\nAllow: /\n\nSitemap: {urljoin(config.base_url, 'sitemap.xml')}\n"
    ).encode()
