"""The built demo site in a real browser: pagination, links, images, console, axe-core."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image

from sitegen.cli import main
from tests.browser import SCREENSHOTS, axe_source, browser, serve
from tests.conftest import SiteDir, copy_demo

NOW = "2026-11-25T12:00"


@pytest.fixture(scope="module")
def site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    demo: SiteDir = copy_demo(tmp_path_factory.mktemp("browser") / "demo")
    assert main(["--site", str(demo.root), "--now", NOW, "build"]) == 0
    with serve(demo.root / "build" / "site") as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    with browser() as instance:
        yield instance


def open_page(chromium, url: str, width: int = 1280):  # type: ignore[no-untyped-def]
    page = chromium.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "requestfailed",
        lambda r: (
            None
            if "ERR_ABORTED" in (r.failure or "")
            else errors.append(f"failed: {r.url} {r.failure}")
        ),
    )  # ABORTED: srcset changed its mind
    page.on(
        "response", lambda r: errors.append(f"{r.status}: {r.url}") if r.status >= 400 else None
    )
    page.goto(url, wait_until="load")
    return page, errors


def all_images_loaded(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Load lazy images too, then return the src of every image that did not load."""
    page.evaluate("document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
    # Polled from here: wait_for_function evaluates strings, which the page's CSP forbids.
    for _ in range(200):
        if page.evaluate("[...document.images].every(i => i.complete)"):
            break
        page.wait_for_timeout(50)
    return page.evaluate(
        "[...document.images].filter(i => !(i.naturalWidth > 0)).map(i => i.currentSrc || i.src)"
    )


def axe_violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    page.evaluate(axe_source())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_pagination_post_link_images_console_and_axe(chromium, site_url: str) -> None:  # type: ignore[no-untyped-def]
    page, errors = open_page(chromium, site_url + "en/")
    assert page.locator("h1").inner_text() == "Latest news"
    assert page.locator("html").get_attribute("lang") == "en"
    assert all_images_loaded(page) == []
    assert axe_violations(page) == []

    page.get_by_role("link", name="Older posts").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/en/page/2/")
    assert "Page 2 of 2" in page.locator("h1").inner_text()
    assert page.title() == "Latest news — page 2 · Ysgol Enghraifft"
    assert all_images_loaded(page) == []
    assert axe_violations(page) == []

    page.get_by_role("link", name="Newer posts").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/en/")
    page.get_by_role("link", name="Older posts").click()
    page.wait_for_load_state("load")
    page.get_by_role("link", name="Harvest festival in the hall").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/posts/2026-09-19-harvest-festival/")
    assert page.locator("article").get_attribute("lang") == "en"
    assert all_images_loaded(page) == []
    assert page.locator("figure img").count() == 1  # the other photo lacks website consent
    assert axe_violations(page) == []

    page.get_by_role("link", name="charity").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/en/tags/charity/")
    assert axe_violations(page) == []
    assert errors == []


def test_welsh_site_switch_to_english_and_404(chromium, site_url: str) -> None:  # type: ignore[no-untyped-def]
    page, errors = open_page(chromium, site_url)
    assert page.locator("html").get_attribute("lang") == "cy"
    assert page.locator("h1").inner_text() == "Newyddion diweddaraf"
    assert axe_violations(page) == []
    page.get_by_role("link", name="Eisteddfod yr Ysgol").click()
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "cy"
    assert "9 Hydref 2026" in page.locator("article .meta").inner_text()
    assert axe_violations(page) == []
    # The switch leads to the same post in English, and back.
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/posts/2026-10-09-school-eisteddfod/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "9 October 2026" in page.locator("article .meta").inner_text()
    page.get_by_role("link", name="Cymraeg").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/posts/2026-10-09-eisteddfod-yr-ysgol/")
    page404, errors404 = open_page(chromium, site_url + "404.html")
    assert axe_violations(page404) == []
    assert errors == [] and errors404 == []


def test_subscribe_leads_to_a_page_not_to_xml(chromium, site_url: str) -> None:  # type: ignore[no-untyped-def]
    for home, label, feed in (
        ("", "Tanysgrifio", "https://news.example.sch.uk/feed.xml"),
        ("en/", "Subscribe", "https://news.example.sch.uk/en/feed.xml"),
    ):
        page, errors = open_page(chromium, site_url + home)
        page.get_by_role("navigation").get_by_role("link", name=label, exact=True).click()
        page.wait_for_load_state("load")
        assert page.url.endswith(home + "subscribe/")
        assert page.locator("html").get_attribute("lang") == (home.strip("/") or "cy")
        assert feed in page.locator("code.address").all_inner_texts()
        assert axe_violations(page) == []
        assert errors == []


@pytest.mark.parametrize("home", ["", "en/"])
def test_cards_line_up_without_empty_boxes(chromium, site_url: str, home: str) -> None:  # type: ignore[no-untyped-def]
    """On a wide screen every card is as tall as its own content (none stretched beside a
    taller one), and every card's picture is the same size."""
    page, errors = open_page(chromium, site_url + home, 1280)
    assert all_images_loaded(page) == []
    boxes = page.evaluate(
        """[...document.querySelectorAll('.card')].map(card => {
            const bottom = Math.max(...[...card.querySelectorAll('.card-text > *, figure')]
                .map(e => e.getBoundingClientRect().bottom));
            const img = card.querySelector('img');
            return {blank: card.getBoundingClientRect().bottom - bottom,
                    picture: img ? [img.clientWidth, img.clientHeight] : null};
        })"""
    )
    assert len(boxes) >= 3
    assert all(box["blank"] < 24 for box in boxes), boxes  # the card's own padding, no more
    pictures = {tuple(box["picture"]) for box in boxes if box["picture"]}
    assert len(pictures) == 1, pictures
    assert errors == []


PAGES = {  # name -> (Welsh, English) paths of the demo
    "home": ("", "en/"),
    "post": ("posts/2026-10-09-eisteddfod-yr-ysgol/", "posts/2026-10-02-castell-coch-visit/"),
    "tag": ("tags/eisteddfod/", "en/tags/year-4/"),
    "archive": ("archive/", "en/archive/"),
    "subscribe": ("subscribe/", "en/subscribe/"),
}


@pytest.mark.parametrize("width", [360, 1280])
def test_screenshots_for_review(chromium, site_url: str, width: int) -> None:  # type: ignore[no-untyped-def]
    """build/screenshots/<lang>-<page>-<width>.png: each kind of page in both languages, at
    a phone's width and a desktop's; none scrolls sideways, and axe finds nothing serious."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, paths in PAGES.items():
        for language, path in zip(("cy", "en"), paths, strict=True):
            page, errors = open_page(chromium, site_url + path, width)
            assert page.locator("html").get_attribute("lang") == language, path
            assert all_images_loaded(page) == []
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{overflow}px of sideways scrolling at {width}px on /{path}"
            # Every link is a finger's height (44px); a list's card leads to its post wherever
            # it is tapped (its photo, its summary), not only on its title.
            small = page.evaluate(
                """[...document.querySelectorAll(
                      'header nav a, .tags a, .pagination a, .archive a, .site-footer a')]
                    .map(a => [a.textContent.trim(), a.getBoundingClientRect().height])
                    .filter(([, height]) => height < 44)"""
            )
            assert small == [], f"links under 44px tall at {width}px on /{path}: {small}"
            missed = page.evaluate(
                """[...document.querySelectorAll('.card')].filter(card => {
                    card.scrollIntoView({block: 'center'});
                    const box = card.getBoundingClientRect();
                    const points = [[0.5, 0.2], [0.5, 0.9], [0.1, 0.5]];
                    return points.some(([x, y]) => {
                        const hit = document.elementFromPoint(
                            box.left + box.width * x, box.top + box.height * y);
                        return !hit || hit.closest('a') !== card.querySelector('h2 a');
                    });
                }).map(card => card.querySelector('h2').textContent.trim())"""
            )
            page.evaluate("window.scrollTo(0, 0)")
            assert missed == [], f"cards not a link all over at {width}px on /{path}: {missed}"
            assert axe_violations(page) == [], path
            page.screenshot(
                path=str(SCREENSHOTS / f"{language}-{name}-{width}.png"), full_page=True
            )
            assert errors == []
            page.close()


LONG = (
    "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch "
    "https://www.example.sch.uk/teithiau/blwyddyn-6/llanfairpwllgwyngyllgogerychwyrndrobwll-2026.html"
)


@pytest.mark.parametrize("path", ["", "posts/2026-10-09-eisteddfod-yr-ysgol/", "archive/"])
def test_a_long_word_or_address_never_pushes_a_phone_sideways(
    chromium, site_url: str, path: str
) -> None:  # type: ignore[no-untyped-def]
    """A place name or a pasted web address in a post's words, summary, tag or title: the
    post page was 563px wide on a 360px phone, and a card cut its summary off (a tour)."""
    page, errors = open_page(chromium, site_url + path, 360)
    page.evaluate(
        """long => {
            for (const box of document.querySelectorAll('main p, main li, main a, main td')) {
                box.textContent += ' ' + long;
            }
        }""",
        LONG,
    )
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px of sideways scrolling on /{path}"
    clipped = page.evaluate(
        """[...document.querySelectorAll('main p, main li')]
            .filter(box => box.scrollWidth > box.clientWidth + 1).length"""
    )
    assert clipped == 0, f"{clipped} boxes cut their words off on /{path}"
    assert errors == []
    page.close()


BRAND = (0x8C, 0x1C, 0x13)  # the header's red (site.css --brand)

LARGE_TEXT = [  # pages with the longest words in a heading, and a page of each kind
    "",
    "en/",
    "posts/2026-11-06-science-week/",
    "posts/2026-10-09-eisteddfod-yr-ysgol/",
    "en/tags/assemblies/",
    "en/tags/community/",
    "tags/eisteddfod/",
    "archive/",
    "en/subscribe/",
]


@pytest.mark.parametrize(("width", "text_size"), [(360, "100%"), (360, "200%"), (320, "150%")])
def test_large_text_on_a_phone_never_scrolls_sideways(  # type: ignore[no-untyped-def]
    chromium, site_url: str, width: int, text_size: str
) -> None:
    """A parent who sets the phone's text larger (WCAG 1.4.4, 1.4.10) reads every page
    without scrolling sideways, and the skip link stays out of sight until it is focused."""
    for path in LARGE_TEXT:
        page, errors = open_page(chromium, site_url + path, width)
        page.evaluate(f"document.documentElement.style.fontSize = '{text_size}'")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{overflow}px of sideways scrolling at {text_size} on /{path}"
        skip = page.locator(".skip-link")
        assert skip.bounding_box()["y"] + skip.bounding_box()["height"] <= 0, path
        # Not even a pixel of it: its last fraction of a pixel showed as an orange line.
        top = page.screenshot(clip={"x": 0, "y": 0, "width": width, "height": 1})
        row = Image.open(io.BytesIO(top)).convert("RGB")
        colours = {row.getpixel((x, 0)) for x in range(row.width)}
        assert colours == {BRAND}, (path, colours)
        skip.focus()
        assert skip.bounding_box()["y"] >= 0, path
        assert errors == []
        page.close()


def test_a_printed_post_leaves_the_menus_out(chromium, site_url: str) -> None:  # type: ignore[no-untyped-def]
    """Printed (a parent keeping a post to read later), the page carried the menu,
    the language switch and a yellow strip from the skip link."""
    page, errors = open_page(chromium, site_url + "posts/2026-11-06-science-week/", 800)
    page.emulate_media(media="print")
    hidden = page.evaluate(
        """['.skip-link', '.site-header nav'].map(s =>
            getComputedStyle(document.querySelector(s)).display)"""
    )
    assert hidden == ["none", "none"]
    assert page.locator("article h1").is_visible() and page.locator(".site-title").is_visible()
    assert errors == []
