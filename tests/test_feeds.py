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
