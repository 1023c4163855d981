"""Atom 1.0 and JSON Feed 1.1 for each of the site's languages, sitemap.xml and robots.txt, all
with absolute URLs."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import urljoin

from sitegen.config import Config
from sitegen.engine.keys import cache_key
from sitegen.engine.store import RecordFile
from sitegen.i18n import list_prefix, strings
from sitegen.pages import by_language
from sitegen.render import PostView

ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
# Parents poll the feeds from phones: the newest posts, whole, not years of them at every poll.
FEED_ITEMS = 20
EPOCH = "1970-01-01T00:00:00+00:00"  # an empty feed's updated
URL_ATTR = re.compile(r'\b(href|src|srcset)="([^"]*)"')


def absolute_html(fragment: str, base: str) -> str:
    """Make every href, src and srcset address absolute, for feeds read far from the site (a
    reader resolves a relative srcset against the feed's own address: a broken photo). The
    address is read as the browser reads it (entities decoded) and written back escaped: a
    quote in it stays inside the attribute, never closing it (`a"><svg onload=...>` is an
    address, not a tag)."""

    def absolute(m: re.Match[str]) -> str:
        value = html.unescape(m.group(2))
        if m.group(1) == "srcset":  # ("photo-1-480.jpg 480w, photo-1-960.jpg 960w")
            candidates = (c.strip().split(" ", 1) for c in value.split(","))
            value = ", ".join(" ".join([urljoin(base, c[0]), *c[1:]]) for c in candidates)
        else:
            value = urljoin(base, value)
        return f'{m.group(1)}="{html.escape(value, quote=True)}"'

    return URL_ATTR.sub(absolute, fragment)


def _content(post: PostView, base: str) -> str:
    url = urljoin(base, post.path)
    parts = [absolute_html(post.body, url)]
    for image in post.images:
        src = urljoin(url, image.fallback.file)
        alt = image.alt.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        img = (
            f'<img src="{src}" alt="{alt}" width="{image.fallback.width}" '
            f'height="{image.fallback.height}">'
        )
        if image.caption:  # (as the page shows it under the photo)
            caption = html.escape(image.caption, quote=False)
            parts.append(f"<figure>{img}<figcaption>{caption}</figcaption></figure>")
        else:
            parts.append(f"<p>{img}</p>")
    return "\n".join(parts)


def _stamp(post: PostView) -> str:
    return post.date.isoformat(timespec="seconds")


def _changed(post: PostView) -> str:
    return post.last_changed.isoformat(timespec="seconds")


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
    _sub(entry, "updated", _changed(post))
    if post.author:
        _sub(_sub(entry, "author"), "name", post.author)
    if post.summary:
        _sub(entry, "summary", post.summary)
    for name, _ in post.tags:
        _sub(entry, "category", term=name, label=name)  # as written: readers show the term
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
        "date_modified": _changed(post),
        "language": post.lang,
    }
    if post.summary:
        item["summary"] = post.summary
    if post.tags:
        item["tags"] = [name for name, _ in post.tags]
    if post.picture:
        item["image"] = urljoin(url, post.picture.fallback.file)
    if post.author:
        item["authors"] = [{"name": post.author}]
    return item


def _memo(
    memo: RecordFile | None,
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


class Feed(NamedTuple):
    """One language's feeds: the posts its lists show, where its lists live (below the site)."""

    language: str
    prefix: str  # "" for the site's first language, else "<lang>/"
    posts: list[PostView]  # newest first

    @property
    def newest(self) -> list[PostView]:
        return self.posts[:FEED_ITEMS]


def language_feeds(config: Config, posts: list[PostView]) -> list[Feed]:
    """Each language's feed: the posts its lists show (`posts` come newest first)."""
    return [
        Feed(language, list_prefix(config.languages, language), listed)
        for language, listed in by_language(config, posts).items()
    ]


def feed_title(config: Config, language: str) -> str:
    """The school's name; on a bilingual site, with the feed's language, so that a parent
    subscribed to both tells them apart in a feed reader."""
    if len(config.languages) < 2:
        return config.title
    return f"{config.title} ({strings(language)['language_name']})"


def atom(
    config: Config, posts: list[PostView], memo: RecordFile | None = None, feed: Feed | None = None
) -> bytes:
    """The newest FEED_ITEMS posts (`posts` come newest first); `feed`: one language's, when
    the site has several (its posts are `posts`)."""
    posts = posts[:FEED_ITEMS]
    ET.register_namespace("", ATOM)
    home = urljoin(config.base_url, feed.prefix if feed else "")
    language = feed.language if feed else config.language
    atom_feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": language})
    _sub(atom_feed, "title", feed_title(config, language))
    _sub(atom_feed, "id", home)
    _sub(atom_feed, "link", rel="alternate", type="text/html", href=home)
    _sub(atom_feed, "link", rel="self", type="application/atom+xml", href=home + "feed.xml")
    newest = max((post.last_changed for post in posts), default=None)
    _sub(atom_feed, "updated", newest.isoformat(timespec="seconds") if newest else EPOCH)
    _sub(_sub(atom_feed, "author"), "name", config.title)
    head = ET.tostring(atom_feed, encoding="utf-8", xml_declaration=True)
    head = head.removesuffix(b"</feed>")
    entries = [_memo(memo, "atom", config, post, _entry) for post in posts]
    return head + b"".join(entries) + b"</feed>\n"


def json_feed(
    config: Config, posts: list[PostView], memo: RecordFile | None = None, feed: Feed | None = None
) -> bytes:
    """The newest FEED_ITEMS posts (`posts` come newest first); `feed` as for `atom`."""
    posts = posts[:FEED_ITEMS]
    home = urljoin(config.base_url, feed.prefix if feed else "")
    data = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed_title(config, feed.language if feed else config.language),
        "home_page_url": home,
        "feed_url": home + "feed.json",
        "language": feed.language if feed else config.language,
        "authors": [{"name": config.title}],
        "items": [],
    }
    head = json.dumps(data, indent=2, ensure_ascii=False).removesuffix("[]\n}")
    assert head.endswith('"items": '), head[-40:]
    items = [_memo(memo, "json", config, post, _item) for post in posts]
    body = "[\n" + ",\n".join(items) + "\n  ]" if items else "[]"
    return (head + body + "\n}\n").encode("utf-8")


FEED_FILES: tuple[tuple[str, Callable[..., bytes]], ...] = (
    ("feed.xml", atom),
    ("feed.json", json_feed),
)


def feed_files(
    config: Config, posts: list[PostView], memo: RecordFile | None = None
) -> dict[str, bytes]:
    """Every language's Atom and JSON feeds, by output path (the preview's way: made now)."""
    return {
        feed.prefix + name: make(config, feed.posts, memo, feed)
        for feed in language_feeds(config, posts)
        for name, make in FEED_FILES
    }


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
