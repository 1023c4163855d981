"""The built demo site in a real browser: pagination, links, images, console, axe-core."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

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
    page, errors = open_page(chromium, site_url)
    assert page.locator("h1").inner_text() == "Latest news"
    assert all_images_loaded(page) == []
    assert axe_violations(page) == []

    page.get_by_role("link", name="Older posts").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/page/2/")
    assert "Page 2 of 2" in page.locator("h1").inner_text()
    assert all_images_loaded(page) == []
    assert axe_violations(page) == []

    page.get_by_role("link", name="Harvest festival in the hall").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/posts/2026-09-19-harvest-festival/")
    assert page.locator("article").get_attribute("lang") == "en"
    assert all_images_loaded(page) == []
    assert page.locator("figure img").count() == 1  # the other photo lacks website consent
    assert axe_violations(page) == []

    page.get_by_role("link", name="charity").click()
    page.wait_for_load_state("load")
    assert "/tags/charity/" in page.url
    assert axe_violations(page) == []
    assert errors == []


def test_welsh_post_and_404(chromium, site_url: str) -> None:  # type: ignore[no-untyped-def]
    page, errors = open_page(chromium, site_url + "posts/2026-10-09-eisteddfod-yr-ysgol/")
    assert page.locator("article").get_attribute("lang") == "cy"
    assert "9 Hydref 2026" in page.locator("article .meta").inner_text()
    assert axe_violations(page) == []
    page, errors404 = open_page(chromium, site_url + "404.html")
    assert axe_violations(page) == []
    assert errors == [] and errors404 == []


@pytest.mark.parametrize("width", [360, 1280])
def test_screenshots_for_review(chromium, site_url: str, width: int) -> None:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in (("home", ""), ("post", "posts/2026-10-02-castell-coch-visit/")):
        page, errors = open_page(chromium, site_url + path, width)
        assert all_images_loaded(page) == []
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{overflow}px of sideways scrolling at {width}px"
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
        assert errors == []
