"""The sitemap: written as ElementTree writes it, byte for byte."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.config import load_config
from sitegen.feeds import SITEMAP, sitemap

REPO = Path(__file__).resolve().parent.parent


def sitemap_by_elementtree(base_url: str, pages: dict[str, str | None]) -> bytes:
    ET.register_namespace("", SITEMAP)
    urlset = ET.Element(f"{{{SITEMAP}}}urlset")
    for path, lastmod in sorted(pages.items()):
        url = ET.SubElement(urlset, f"{{{SITEMAP}}}url")
        ET.SubElement(url, f"{{{SITEMAP}}}loc").text = base_url + path
        if lastmod:
            ET.SubElement(url, f"{{{SITEMAP}}}lastmod").text = lastmod
    return ET.tostring(urlset, encoding="utf-8", xml_declaration=True) + b"\n"


PATH = st.text(alphabet="ab/-&<>'\"é ?=", max_size=12)
LASTMOD = st.one_of(st.none(), st.just(""), st.dates().map(lambda d: d.isoformat()))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(PATH, LASTMOD, max_size=8))
def test_sitemap_is_what_elementtree_writes(pages: dict[str, str | None]) -> None:
    config = load_config(REPO)
    made = sitemap(config, pages)
    assert made == sitemap_by_elementtree(config.base_url, pages)
    assert len(ET.fromstring(made).findall(f"{{{SITEMAP}}}url")) == len(pages)


def test_a_corrected_post_is_updated_for_feed_readers(run, site) -> None:  # type: ignore[no-untyped-def]
    """A post corrected and approved again (a name taken out, say) must reach feed readers
    and search engines: they take an entry as changed only when its updated time changes, and
    it stayed the post's date."""
    import json

    import feedparser

    index = site.post("fair", date="2026-11-20", platforms=["website"])
    assert run(site, "approve", "fair", "--by", "head", now="2026-11-21T09:00").code == 0
    assert run(site, "build", now="2026-11-21T10:00").code == 0
    root = site.root / "build/site"
    (entry,) = feedparser.parse((root / "feed.xml").read_bytes()).entries
    assert entry.published.startswith("2026-11-20") and entry.updated.startswith("2026-11-21T09")
    index.write_text(index.read_text().replace("wonderful", "lovely"))
    assert run(site, "approve", "fair", "--by", "head", now="2026-11-23T15:30").code == 0
    assert run(site, "build", now="2026-11-23T16:00").code == 0
    feed = feedparser.parse((root / "feed.xml").read_bytes())
    assert feed.entries[0].updated.startswith("2026-11-23T15:30")
    assert feed.feed.updated.startswith("2026-11-23T15:30")
    (item,) = json.loads((root / "feed.json").read_text())["items"]
    assert item["date_published"].startswith("2026-11-20")
    assert item["date_modified"].startswith("2026-11-23T15:30")
    assert "<lastmod>2026-11-23</lastmod>" in (root / "sitemap.xml").read_text()


def test_a_quote_in_a_link_address_stays_inside_it_in_the_feeds(run, site) -> None:  # type: ignore[no-untyped-def]
    """The page escapes such an address; making it absolute for the feeds decoded it and wrote
    it back raw, so its quote closed the attribute and a script handler reached feed readers."""
    import json
    from html.parser import HTMLParser

    import feedparser

    body = (
        'See [the council page](https://example.com/a"><svg onload=alert(1)>) today.\n\n'
        'Also <a href="https://example.com/b&quot; onmouseover=&quot;alert(1)">this</a>.\n'
    )
    site.post("council", body=body, platforms=["website"])
    assert run(site, "approve", "council", "--by", "head").code == 0
    assert run(site, "build").code == 0
    root = site.root / "build/site"

    class Elements(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[tuple[str, list[str]]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.seen.append((tag, sorted(name for name, _ in attrs)))

    (item,) = json.loads((root / "feed.json").read_text())["items"]
    (entry,) = feedparser.parse((root / "feed.xml").read_bytes()).entries
    for content in (item["content_html"], entry.content[0].value):
        parser = Elements()
        parser.feed(content)
        assert {tag for tag, _ in parser.seen} == {"p", "a"}, content
        assert all(attrs == ["href", "rel"] for tag, attrs in parser.seen if tag == "a"), content
