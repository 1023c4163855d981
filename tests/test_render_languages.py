"""The site for parents in the page's language: Welsh and English lists, feeds and subscribe
pages, a language switch to the same page in the other language, the school's details on every
page, a month archive, tags as written, numbered page titles, and `translation` checked."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import feedparser
import pytest

from sitegen.preview import build_preview
from sitegen.site import load_site
from tests.conftest import SITE_TOML, SiteDir

REPO = Path(__file__).resolve().parent.parent

NOW = "2026-11-25T12:00"
BILINGUAL = SITE_TOML.replace(
    'language = "en"\n',
    'language = "en"\n'
    'languages = ["cy", "en"]\n'
    'school_url = "https://www.prawf.sch.uk/"\n'
    'contact_email = "swyddfa@prawf.sch.uk"\n'
    'logo = "crest.svg"\n',
)
CREST = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 30"><rect width="40" height="30"/></svg>'


def approve(run, site: SiteDir, *slugs: str) -> None:  # type: ignore[no-untyped-def]
    result = run(site, "approve", *slugs, "--by", "head", now="2026-11-21T09:00")
    assert result.code == 0, result.err


def build(run, site: SiteDir) -> Path:  # type: ignore[no-untyped-def]
    result = run(site, "build")
    assert result.code == 0, result.err
    return site.root / "build/site"


def html_lang(page: str) -> str:
    match = re.search(r'<html lang="([a-z]+)">', page)
    assert match, page[:200]
    return match.group(1)


def switch_href(page: str) -> str | None:
    match = re.search(r'<li class="switch"><a href="([^"]*)"', page)
    return match.group(1) if match else None


def nav(page: str) -> str:
    return page.split('<nav aria-label="', 1)[1].split("</nav>", 1)[0]


def footer(page: str) -> str:
    return page.split('<footer class="site-footer">', 1)[1]


@pytest.fixture
def bilingual(run, site: SiteDir) -> SiteDir:  # type: ignore[no-untyped-def]
    """Welsh at the root, English under en/: two posts translated both ways, a third whose
    translation is only a draft, and one English post more than a page holds."""
    site.config(BILINGUAL)
    (site.root / "templates/static/crest.svg").write_bytes(CREST)
    site.post(
        "castell-cy",
        title="Blwyddyn 4 yng Nghastell Coch",
        date="2026-11-20",
        lang="cy",
        tags=["Blwyddyn 4", "Tripiau"],
        translation="castle-en",
    )
    site.post(
        "castle-en",
        title="Year 4 visit the castle",
        date="2026-11-20",
        tags=["Year 4", "Trips"],
        translation="castell-cy",
    )
    site.post("choir-en", title="Choir sings", date="2026-10-05", tags=["Music"])
    site.post("sports-en", title="Sports day", date="2026-10-03", tags=["Sport"])
    site.post("harvest-en", title="Harvest", date="2026-09-15", tags=["Year 4"])
    site.post(
        "drama-en",
        title="Drama club",
        date="2026-09-10",
        tags=["Drama"],
        translation="drama-cy",
    )
    site.post(  # a draft
        "drama-cy", title="Clwb drama", date="2026-09-10", lang="cy", translation="drama-en"
    )
    approve(run, site, "castell-cy", "castle-en", "choir-en", "sports-en", "harvest-en")
    approve(run, site, "drama-en")
    return site


def test_every_page_speaks_its_own_language(run, bilingual: SiteDir) -> None:  # type: ignore[no-untyped-def]
    out = build(run, bilingual)
    for page in out.rglob("*.html"):
        # (a part marked as in another language is that language's: the 404 page says it
        # in both)
        text = re.sub(
            r'<section lang="(?!cy)[a-z]+">.*?</section>', "", page.read_text(), flags=re.S
        )
        rel = page.relative_to(out).as_posix()
        if rel.startswith("posts/"):
            article = re.search(r'<article class="post" lang="([a-z]+)">', text)
            assert article and html_lang(text) == article.group(1), rel
        else:
            assert html_lang(text) == ("en" if rel.startswith("en/") else "cy"), rel
        if html_lang(text) == "cy":
            assert "Newyddion diweddaraf" in nav(text) and "Archif" in nav(text), rel
            assert "Latest news" not in text and "Subscribe" not in text, rel
            assert "Newyddion o Ysgol Prawf" in footer(text), rel
        else:
            assert "Latest news" in nav(text) and "Archive" in nav(text), rel
            assert "Newyddion" not in text, rel
            assert "News from Ysgol Prawf" in footer(text), rel
    welsh = (out / "posts/castell-cy/index.html").read_text()
    assert "20 Tachwedd 2026" in welsh and "Gan Mrs Jones" in welsh and "Tagiau" in welsh


def test_each_language_lists_only_its_own_posts(run, bilingual: SiteDir) -> None:  # type: ignore[no-untyped-def]
    out = build(run, bilingual)
    welsh_home = (out / "index.html").read_text()
    english_home = (out / "en/index.html").read_text()
    assert welsh_home.count('<article class="card') == 1 and "posts/castell-cy/" in welsh_home
    assert english_home.count('<article class="card') == 3  # per_page 3 of 5 English posts
    assert "castell-cy" not in english_home
    assert (out / "en/page/2/index.html").exists() and not (out / "page/2").exists()
    # Tag pages per language, under the language's lists.
    assert (out / "tags/blwyddyn-4/index.html").exists()
    assert (out / "en/tags/year-4/index.html").exists() and not (out / "tags/year-4").exists()
    # The language's own links: a Welsh post's tags lead to the Welsh tag pages.
    post = (out / "posts/castell-cy/index.html").read_text()
    assert 'href="../../tags/blwyddyn-4/"' in post
    english_post = (out / "posts/castle-en/index.html").read_text()
    assert 'href="../../en/tags/year-4/"' in english_post
    assert 'href="../../en/"' in nav(english_post) and 'href="../../en/archive/"' in nav(
        english_post
    )


def test_feeds_in_each_language(run, bilingual: SiteDir) -> None:  # type: ignore[no-untyped-def]
    out = build(run, bilingual)
    welsh = feedparser.parse((out / "feed.xml").read_bytes())
    english = feedparser.parse((out / "en/feed.xml").read_bytes())
    assert not welsh.bozo and not english.bozo
    assert welsh.feed.language == "cy" and english.feed.language == "en"
    assert [e.link for e in welsh.entries] == ["https://news.test.sch.uk/posts/castell-cy/"]
    assert len(english.entries) == 5 and all("-en/" in e.link for e in english.entries)
    assert any(
        link.rel == "self" and link.href == "https://news.test.sch.uk/en/feed.xml"
        for link in english.feed.links
    )
    data = json.loads((out / "en/feed.json").read_text())
    assert data["language"] == "en" and data["feed_url"] == "https://news.test.sch.uk/en/feed.json"
    assert data["home_page_url"] == "https://news.test.sch.uk/en/"
    assert json.loads((out / "feed.json").read_text())["language"] == "cy"
    # A parent subscribed to both tells them apart in a feed reader.
    assert welsh.feed.title.endswith(" (Cymraeg)") and english.feed.title.endswith(" (English)")
    assert data["title"] == english.feed.title
    sitemap = (out / "sitemap.xml").read_text()
    for page in ("en/", "en/page/2/", "archive/", "en/archive/", "subscribe/", "en/subscribe/"):
        assert f"<loc>https://news.test.sch.uk/{page}</loc>" in sitemap


def test_the_language_switch_leads_to_the_same_page(run, bilingual: SiteDir) -> None:  # type: ignore[no-untyped-def]
    out = build(run, bilingual)

    def switch(path: str) -> str | None:
        return switch_href((out / path).read_text())

    # A post and its translation, both ways.
    assert switch("posts/castell-cy/index.html") == "../../posts/castle-en/"
    assert switch("posts/castle-en/index.html") == "../../posts/castell-cy/"
    # No translation, or one that is not published (a draft): that language's home page, and
    # never the draft's address.
    assert switch("posts/choir-en/index.html") == "../../"
    drama = (out / "posts/drama-en/index.html").read_text()
    assert switch_href(drama) == "../../" and "drama-cy" not in drama
    # Lists: the same page where the other language has it, else its home.
    assert switch("index.html") == "en/"
    assert switch("en/index.html") == "../"
    assert switch("archive/index.html") == "../en/archive/"
    assert switch("en/subscribe/index.html") == "../../subscribe/"
    assert switch("en/page/2/index.html") == "../../../"  # Welsh has one page
    assert switch("en/tags/music/index.html") == "../../../"  # no Welsh post has the tag
    assert switch("404.html") == "/en/"
    labels = re.findall(r'<li class="switch"><a [^>]*lang="([a-z]+)"[^>]*>([^<]+)</a>', drama)
    assert labels == [("cy", "Cymraeg")]


def test_search_engines_and_screen_readers_are_told_which_page_is_which(
    run, bilingual: SiteDir
) -> None:  # type: ignore[no-untyped-def]
    """hreflang alternates where the other language has the same page (never its home page
    standing in), the menu's link to the page itself marked aria-current, and a post's link
    preview (og:) for a parent sharing it in a chat."""
    out = build(run, bilingual)
    base = "https://news.test.sch.uk/"

    def alternates(path: str) -> list[tuple[str, str]]:
        html = (out / path).read_text()
        return re.findall(r'<link rel="alternate" hreflang="([a-z]+)" href="([^"]+)">', html)

    assert alternates("posts/castell-cy/index.html") == [
        ("cy", base + "posts/castell-cy/"),
        ("en", base + "posts/castle-en/"),
    ]
    assert alternates("archive/index.html") == [
        ("cy", base + "archive/"),
        ("en", base + "en/archive/"),
    ]
    assert alternates("index.html") == [("cy", base), ("en", base + "en/")]  # (the homes)
    assert alternates("posts/choir-en/index.html") == []  # (no translation: no alternate)
    assert alternates("en/tags/music/index.html") == []

    def current(path: str) -> list[str]:
        return re.findall(
            r'<a href="[^"]*" aria-current="page">([^<]+)</a>', (out / path).read_text()
        )

    assert current("en/archive/index.html") == ["Archive"]
    assert current("en/index.html") == ["Latest news"] and current("en/page/2/index.html") == []
    assert current("en/subscribe/index.html") == ["Subscribe"]
    assert current("posts/castle-en/index.html") == []
    post = (out / "posts/castle-en/index.html").read_text()
    assert '<meta property="og:title" content="Year 4 visit the castle">' in post
    assert f'<meta property="og:url" content="{base}posts/castle-en/">' in post
    # Never a photo in a link's card: a link posted on X would show a child's photo there,
    # whose family said no to X (the X bundle leaves the photo out for that reason).
    demo_post = REPO / "tests/golden/demo/site/posts/2026-11-06-science-week/index.html"
    assert "og:image" not in post and "og:image" not in demo_post.read_text()


def test_a_translation_published_later_reaches_its_twin(run, bilingual: SiteDir) -> None:  # type: ignore[no-untyped-def]
    out = build(run, bilingual)
    assert switch_href((out / "posts/drama-en/index.html").read_text()) == "../../"
    approve(run, bilingual, "drama-cy")
    build(run, bilingual)
    assert switch_href((out / "posts/drama-en/index.html").read_text()) == "../../posts/drama-cy/"
    assert switch_href((out / "posts/drama-cy/index.html").read_text()) == "../../posts/drama-en/"
    warm = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    # The same as a build from nothing: no page kept from before the twin was published.
    cold = run(bilingual, "build", "--out", str(bilingual.root / "cold"))
    assert cold.code == 0, cold.err
    fresh = bilingual.root / "cold/site"
    assert {
        p.relative_to(fresh).as_posix(): p.read_bytes() for p in fresh.rglob("*") if p.is_file()
    } == warm
    # Taken down again (its folder gone): the switch leads home once more.
    shutil.rmtree(bilingual.root / "content/posts/drama-cy")
    build(run, bilingual)
    assert switch_href((out / "posts/drama-en/index.html").read_text()) == "../../"


def test_subscribe_page_explains_the_feeds_in_each_language(run, bilingual: SiteDir) -> None:  # type: ignore[no-untyped-def]
    out = build(run, bilingual)
    for page in out.rglob("*.html"):
        text = page.read_text()
        links = re.findall(r'<a [^>]*href="([^"]*)"', text)
        assert not any(href.endswith((".xml", ".json")) for href in links), page
    english = (out / "en/subscribe/index.html").read_text()
    assert "<h1>Subscribe to the news</h1>" in english
    assert "https://news.test.sch.uk/en/feed.xml" in english
    assert "https://news.test.sch.uk/en/feed.json" in english
    assert "feed reader" in english and "subscribe to both" in english
    welsh = (out / "subscribe/index.html").read_text()
    assert "<h1>Tanysgrifio i’r newyddion</h1>" in welsh and "ap darllen ffrydiau" in welsh
    # News written in one language only is in that language's feeds: both are offered, the
    # page's own language first, each under its name.
    assert welsh.index("https://news.test.sch.uk/feed.xml") < welsh.index(
        "https://news.test.sch.uk/en/feed.xml"
    )
    assert '<h3 lang="cy">Cymraeg</h3>' in welsh and '<h3 lang="en">English</h3>' in welsh
    assert "tanysgrifiwch i’r ddwy" in welsh
    assert english.index("/en/feed.xml") < english.index("https://news.test.sch.uk/feed.xml")
    home = (out / "en/index.html").read_text()
    assert '<a href="../en/subscribe/">Subscribe</a>' in nav(home)
    assert 'href="../en/subscribe/"' in footer(home)


def test_a_subscribe_template_written_for_an_earlier_version_still_builds(
    run, bilingual: SiteDir
) -> None:  # type: ignore[no-untyped-def]
    """A school's own subscribe.html reads `feeds.atom` and `feeds.json` (this language's):
    an upgrade of sitegen must not break its build."""
    (bilingual.root / "templates/subscribe.html").write_text(
        '{% extends "base.html" %}{% block main %}<p>{{ feeds.atom }} {{ feeds.json }}</p>'
        "{% endblock %}"
    )
    out = build(run, bilingual)
    page = (out / "en/subscribe/index.html").read_text()
    assert "https://news.test.sch.uk/en/feed.xml https://news.test.sch.uk/en/feed.json" in page


def test_the_404_page_speaks_every_language_of_the_site(run, bilingual: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """One page answers every wrong address, English or Welsh: it says so in both, each with
    the way to its news."""
    page = (build(run, bilingual) / "404.html").read_text()
    assert '<html lang="cy">' in page and "<h1>Heb ddod o hyd i’r dudalen</h1>" in page
    assert '<section lang="en">\n<h2>Page not found</h2>' in page
    assert '<a href="/en/">' in page


def test_school_website_contact_and_logo_on_every_page(run, bilingual: SiteDir) -> None:  # type: ignore[no-untyped-def]
    out = build(run, bilingual)
    assert (out / "static/crest.svg").read_bytes() == CREST
    pages = list(out.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        text = page.read_text()
        assert '<a href="https://www.prawf.sch.uk/">www.prawf.sch.uk</a>' in footer(text), page
        assert '<a href="mailto:swyddfa@prawf.sch.uk">swyddfa@prawf.sch.uk</a>' in text, page
        logo = re.search(r'<img class="logo" src="([^"]+)" width="40" height="30" alt="">', text)
        assert logo, page
        src = logo.group(1)
        base = "/" if page.name == "404.html" else page.parent.relative_to(out).as_posix() + "/"
        assert src.endswith("static/crest.svg")
        if not src.startswith("/"):
            assert (out / base / src).resolve() == (out / "static/crest.svg").resolve(), page
    welsh = (out / "index.html").read_text()
    assert "Gwefan yr ysgol" in welsh and "Cysylltu â’r ysgol" in welsh


def test_month_archive_per_language(run, bilingual: SiteDir) -> None:  # type: ignore[no-untyped-def]
    out = build(run, bilingual)
    english = (out / "en/archive/index.html").read_text()
    months = re.findall(r"<h2>([^<]+)</h2>", english)
    assert months == ["November 2026", "October 2026", "September 2026"]
    october = english.split("<h2>October 2026</h2>")[1].split("</section>")[0]
    assert re.findall(r'href="\.\./\.\./posts/([^/]+)/"', october) == ["choir-en", "sports-en"]
    assert "5 October 2026" in october
    welsh = (out / "archive/index.html").read_text()
    assert re.findall(r"<h2>([^<]+)</h2>", welsh) == ["Tachwedd 2026"]
    assert "20 Tachwedd 2026" in welsh and "castle-en" not in welsh
    assert '<a href="archive/">Archif</a>' in nav((out / "index.html").read_text())


def test_each_home_and_archive_says_what_the_other_language_has_besides(
    run, bilingual: SiteDir
) -> None:  # type: ignore[no-untyped-def]
    """Each language lists its own posts: a parent reading in Welsh saw one post and an
    archive titled "All the news", and took it for all the school's news. The home page and
    the archive say how many posts are in the other language only, and lead to them."""
    out = build(run, bilingual)
    note = re.compile(r'<p class="elsewhere">(.*?) <a href="([^"]+)" hreflang="(..)">(.*?)</a>')
    # English only: choir, sports, harvest, drama (its Welsh twin a draft); not the castle.
    welsh = [note.findall((out / p).read_text()) for p in ("index.html", "archive/index.html")]
    assert welsh == [
        [
            (
                "Mae rhai newyddion yn Saesneg yn unig (4 neges):",
                "en/archive/",
                "en",
                "darllenwch nhw yn Saesneg",
            )
        ],
        [
            (
                "Mae rhai newyddion yn Saesneg yn unig (4 neges):",
                "../en/archive/",
                "en",
                "darllenwch nhw yn Saesneg",
            )
        ],
    ]
    assert note.findall((out / "en/index.html").read_text()) == []  # (every Welsh post is)
    assert note.findall((out / "en/page/2/index.html").read_text()) == []
    assert (
        "<h1>Yr holl newyddion yn Gymraeg, fesul mis</h1>"
        in (out / "archive/index.html").read_text()
    )
    assert (
        "<h1>All the news in English, month by month</h1>"
        in (out / "en/archive/index.html").read_text()
    )


def test_tags_are_shown_as_written(run, bilingual: SiteDir) -> None:  # type: ignore[no-untyped-def]
    out = build(run, bilingual)
    post = (out / "posts/castle-en/index.html").read_text()
    assert '<a href="../../en/tags/year-4/">Year 4</a>' in post
    tag = (out / "en/tags/year-4/index.html").read_text()
    assert "<h1>Posts tagged “Year 4”" in tag and "<title>Posts tagged “Year 4” · " in tag
    welsh = (out / "tags/blwyddyn-4/index.html").read_text()
    assert "<h1>Negeseuon gyda’r tag “Blwyddyn 4”" in welsh
    # Feed readers show an Atom category's term: the words, as the JSON Feed's tags.
    entry = feedparser.parse((out / "en/feed.xml").read_bytes()).entries[0]
    assert [tag.term for tag in entry.tags] == ["Year 4", "Trips"]
    item = json.loads((out / "en/feed.json").read_text())["items"][0]
    assert item["tags"] == ["Year 4", "Trips"]


def test_page_two_is_titled_as_page_two(run, bilingual: SiteDir) -> None:  # type: ignore[no-untyped-def]
    out = build(run, bilingual)
    second = (out / "en/page/2/index.html").read_text()
    assert "<title>Latest news — page 2 · Ysgol Prawf</title>" in second
    assert "Page 2 of 2" in second
    first = (out / "en/index.html").read_text()
    assert "<title>Ysgol Prawf</title>" in first


def test_welsh_page_two_and_tag_page_two(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.config(SITE_TOML.replace('language = "en"', 'language = "cy"'))
    slugs = [f"neges-{i}" for i in range(4)]
    for i, slug in enumerate(slugs):
        site.post(slug, title=f"Neges {i}", date=f"2026-11-{10 + i}", lang="cy", tags=["Celf"])
    approve(run, site, *slugs)
    out = build(run, site)
    second = (out / "page/2/index.html").read_text()
    assert html_lang(second) == "cy"
    assert "<title>Newyddion diweddaraf — tudalen 2 · Ysgol Prawf</title>" in second
    tag = (out / "tags/celf/page/2/index.html").read_text()
    assert "<title>Negeseuon gyda’r tag “Celf” — tudalen 2 · Ysgol Prawf</title>" in tag
    assert switch_href(second) is None  # one language: no switch


def test_one_language_site_keeps_its_layout(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """The default: every post listed at the root in the site's language, a Welsh post's own
    page in Welsh, no language switch, and the feeds as before."""
    site.post("castle", title="Year 4 visit the castle", date="2026-11-20")
    site.post("eisteddfod", title="Eisteddfod yr Ysgol", date="2026-10-09", lang="cy")
    approve(run, site, "castle", "eisteddfod")
    out = build(run, site)
    assert not (out / "en").exists() and not (out / "cy").exists()
    home = (out / "index.html").read_text()
    assert html_lang(home) == "en" and home.count('<article class="card') == 2
    # The Welsh card keeps its lang; its date is the page's interface, in English.
    assert (
        '<p class="meta" lang="en"><time datetime="2026-10-09T00:00:00+01:00">9 October 2026'
        in home
    )
    welsh = (out / "posts/eisteddfod/index.html").read_text()
    assert html_lang(welsh) == "cy" and "9 Hydref 2026" in welsh
    assert '<a href="../../">Newyddion diweddaraf</a>' in nav(welsh)
    assert switch_href(welsh) is None and switch_href(home) is None
    atom = feedparser.parse((out / "feed.xml").read_bytes())
    assert atom.feed.language == "en" and len(atom.entries) == 2
    assert atom.feed.id == "https://news.test.sch.uk/"
    assert '<a href="archive/">Archive</a>' in nav(home)
    assert (out / "subscribe/index.html").exists() and (out / "archive/index.html").exists()
    archive = (out / "archive/index.html").read_text()
    assert "<h1>All the news, month by month</h1>" in archive and "elsewhere" not in home + archive
    subscribe = (out / "subscribe/index.html").read_text()
    assert "https://news.test.sch.uk/feed.xml" in subscribe and "in English" not in subscribe
    assert "mailto:" not in home and "School website" not in home  # not configured


def test_check_warns_of_a_translation_that_leads_nowhere(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.config(BILINGUAL.replace('logo = "crest.svg"\n', ""))
    site.post("typo", lang="en", translation="castell-cy-typo")
    site.post("same", lang="en", translation="other-en")
    site.post("other-en", lang="en")
    site.post("itself", lang="cy", translation="itself")
    site.post("good-en", lang="en", translation="good-cy")
    site.post("good-cy", lang="cy", translation="good-en")
    result = run(site, "check", "--json")
    findings = {
        p["slug"]: [f for f in p["findings"] if f["code"] == "SG100"]
        for p in result.json()["posts"]
    }
    for slug, words in (
        ("typo", "names no post (there is no content/posts/castell-cy-typo/)"),
        ("same", 'names "other-en", which is in English too'),
        ("itself", "names this post itself"),
    ):
        (finding,) = findings[slug]
        assert finding["severity"] == "warning" and words in finding["message"], finding
        index = site.root / "content/posts" / slug / "index.md"
        line = (
            index.read_text()
            .splitlines()
            .index(next(t for t in index.read_text().splitlines() if t.startswith("translation:")))
            + 1
        )
        assert finding["line"] == line and finding["file"].endswith(f"{slug}/index.md")
    assert findings["good-en"] == findings["good-cy"] == findings["other-en"] == []
    assert result.json()["errors"] == 0 and result.code == 0
    assert "language switch leads to the home page" in run(site, "check", "typo").out


def test_preview_in_both_languages(run, bilingual: SiteDir) -> None:  # type: ignore[no-untyped-def]
    build_preview(load_site(bilingual.root, NOW))
    out = bilingual.root / "build/preview"
    for path in ("index.html", "en/index.html", "en/archive/index.html", "subscribe/index.html"):
        assert '<meta name="robots" content="noindex">' in (out / path).read_text(), path
    assert json.loads((out / "en/feed.json").read_text())["language"] == "en"
    # Drafts are in the preview: the draft twin is there, and the switch leads to it.
    assert switch_href((out / "posts/drama-en/index.html").read_text()) == "../../posts/drama-cy/"
    assert "Clwb drama" in (out / "index.html").read_text()


def test_a_translation_named_on_one_side_counts_on_both(run, bilingual: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """A Welsh post names its English twin, which does not name it back: the Welsh pages
    still counted the English post as "in English only" (found by a review)."""
    bilingual.post(
        "corau-cy", title="Y côr yn canu", date="2026-10-05", lang="cy", translation="choir-en"
    )
    approve(run, bilingual, "corau-cy")
    out = build(run, bilingual)
    welsh = (out / "index.html").read_text()
    assert "Mae rhai newyddion yn Saesneg yn unig (3 neges):" in welsh  # sports, harvest, drama
    assert "elsewhere" not in (out / "en/index.html").read_text()  # every Welsh post is paired
