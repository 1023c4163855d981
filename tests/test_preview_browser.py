"""`sitegen serve` holds still: an open page in Chromium for 10 s with nothing edited (no
rebuild, no reload, no failed request), one edit (one rebuild, one reload), then 10 s more
(nothing). Started in the site's own folder, as `make serve` does, and with --site. And an
edit saved while the page's event stream was not yet open still reloads it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.browser import browser
from tests.conftest import REPO, SiteDir
from tests.test_serve import POST, free_port, wait_for

QUIET_MS = 10_000  # the 10 s with nothing edited, before and after the edit
RELOAD_WAIT_MS = 15_000  # how long the edit's reload may take at most (a timeout, not a target)


@dataclass
class Server:
    """`sitegen serve` in a process of its own, its output gathered as it comes."""

    process: subprocess.Popen[str]
    url: str
    lines: list[str] = field(default_factory=list)

    def rebuilds(self) -> int:
        return sum(1 for line in list(self.lines) if line.startswith("preview rebuilt"))

    def output(self) -> str:
        return "\n".join(self.lines)


def until(page: Any, condition: Callable[[], bool], tries: int = 400) -> None:
    """Wait, letting the page's events through, until `condition` holds (fails after a while)."""
    for _ in range(tries):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError("still waiting")


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with browser() as instance:
        yield instance


@contextlib.contextmanager
def serving(site: SiteDir, elsewhere: Path, in_site_folder: bool) -> Iterator[Server]:
    """`sitegen serve` run in the site's folder, as `make serve` does, or from `elsewhere`
    with --site."""
    port = free_port()
    if in_site_folder:
        argv, folder = ["serve", "--port", str(port)], site.root
    else:
        argv, folder = ["--site", str(site.root), "serve", "--port", str(port)], elsewhere
    process = subprocess.Popen(
        [sys.executable, "-m", "sitegen", *argv],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Server(process, f"http://127.0.0.1:{port}/")

    def gather() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            served.lines.append(line.rstrip("\n"))

    reader = threading.Thread(target=gather, daemon=True)
    reader.start()
    try:
        wait_for(served.url, "Preview", 30)
        yield served
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        reader.join(timeout=5)


@pytest.fixture
def story(site: SiteDir) -> SiteDir:
    site.post("p", body="The first version of the story.\n")
    site.post("other", title="Another post")
    return site


@pytest.fixture(params=["in the site's folder", "with --site"])
def server(request: pytest.FixtureRequest, story: SiteDir, tmp_path: Path) -> Iterator[Server]:
    with serving(story, tmp_path, in_site_folder=request.param == "in the site's folder") as served:
        yield served


def test_the_preview_holds_still_and_reloads_once_per_edit(
    chromium: Any, server: Server, story: SiteDir
) -> None:
    page = chromium.new_page()
    loads: list[str] = []
    failed: list[str] = []
    errors: list[str] = []
    page.on("load", lambda: loads.append(page.url))
    page.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(server.url + "posts/p/", wait_until="load")
    assert "The first version" in page.locator("article").inner_text()
    # Set once per page: it is gone after a reload, and only then.
    page.evaluate("window.sameDocument = true")
    rebuilt_at_start = server.rebuilds()
    assert rebuilt_at_start == 1, server.output()  # the first build

    page.wait_for_timeout(QUIET_MS)  # nothing edited
    assert server.rebuilds() == rebuilt_at_start, server.output()
    assert len(loads) == 1 and page.evaluate("window.sameDocument === true")
    assert failed == [] and errors == []

    index = story.root / POST
    with page.expect_event("load", timeout=RELOAD_WAIT_MS):
        index.write_text(index.read_text().replace("The first version", "An edited version"))
    assert "An edited version" in page.locator("article").inner_text()
    assert page.evaluate("window.sameDocument") is None
    assert page.evaluate('performance.getEntriesByType("navigation")[0].type') == "reload"
    page.evaluate("window.sameDocument = true")

    page.wait_for_timeout(QUIET_MS)  # nothing edited again
    assert server.rebuilds() == rebuilt_at_start + 1, server.output()  # the edit's, only
    assert len(loads) == 2 and page.evaluate("window.sameDocument === true")
    assert failed == [] and errors == []

    page.close()
    server.process.send_signal(signal.SIGINT)
    assert server.process.wait(timeout=10) == 0
    assert "preview stopped" in server.output() and "Traceback" not in server.output()


def test_an_edit_saved_before_the_page_listens_still_reloads_it(
    chromium: Any, story: SiteDir, tmp_path: Path
) -> None:
    """The page knows which build it was sent from: a rebuild between the page's arrival and
    its event stream opening still reloads it (the stream's first version is not taken as
    the page's own)."""
    with serving(story, tmp_path, in_site_folder=True) as server:
        page = chromium.new_page()
        held: list[Any] = []  # the page's event stream, kept from the server for now

        def hold_the_first(route: Any) -> None:
            if held:
                route.continue_()  # the reloaded page's: let through
            else:
                held.append(route)

        page.route("**/__sitegen/events", hold_the_first)
        page.goto(server.url + "posts/p/", wait_until="load")
        until(page, lambda: bool(held))
        index = story.root / POST
        index.write_text(index.read_text().replace("The first version", "Saved meanwhile"))
        until(page, lambda: server.rebuilds() == 2)
        with page.expect_event("load", timeout=RELOAD_WAIT_MS):
            held[0].continue_()
        assert "Saved meanwhile" in page.locator("article").inner_text()
        page.close()
