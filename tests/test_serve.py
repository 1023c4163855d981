"""`sitegen serve`: a preview with drafts, rebuilt on save, that survives broken files."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, SiteDir

POST = "content/posts/p/index.md"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def wait_for(url: str, text: str, seconds: float) -> float:
    """Seconds until the page at `url` contains `text`; fails after `seconds`."""
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        try:
            if text in fetch(url)[1]:
                return time.perf_counter() - start
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.05)
    body = fetch(url)[1]
    shown = body[body.find("<main") :][:600] if "<main" in body else body[:600]
    raise AssertionError(f"{text!r} not served at {url} within {seconds} s: {shown}")


def tree_hash(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture
def served(site: SiteDir) -> Iterator[tuple[SiteDir, str, subprocess.Popen[str]]]:
    site.post("p", body="The first version of the story.\n")
    site.post("approved-one", title="Already approved")
    from sitegen.cli import main

    assert (
        main(
            [
                "--site",
                str(site.root),
                "--now",
                "2026-11-25",
                "approve",
                "approved-one",
                "--by",
                "head",
            ]
        )
        == 0
    )
    assert main(["--site", str(site.root), "--now", "2026-11-25", "build"]) == 0
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sitegen", "--site", str(site.root), "serve", "--port", str(port)],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(url, "Preview", 20)
        yield site, url, proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_edit_broken_file_and_recovery(served) -> None:  # type: ignore[no-untyped-def]
    site, url, proc = served
    before = tree_hash(site.root / "build/site")
    page = url + "posts/p/"
    status, text = fetch(page)
    assert status == 200 and "The first version" in text
    assert '<meta name="robots" content="noindex">' in text
    assert "Draft" in text and 'class="banner' in text  # not publishable: a banner says why
    approved = fetch(url + "posts/approved-one/")[1]
    assert 'class="banner' not in approved  # publishable: no banner

    index = site.root / POST
    index.write_text(index.read_text().replace("The first version", "A second version"))
    elapsed = wait_for(page, "A second version", 2.0)
    print(f"edit served after {elapsed * 1000:.0f} ms")

    good = index.read_text()
    index.write_text(good.replace("title: ", "title: [unclosed ", 1))
    wait_for(page, "YAML error", 3.0)
    assert f"{POST}:" in fetch(page)[1]  # the file and its line
    assert proc.poll() is None  # still running

    index.write_text(good.replace("A second version", "A third version"))
    wait_for(page, "A third version", 3.0)
    assert "YAML error" not in fetch(page)[1]

    (site.root / "site.toml").write_text("[site\n")
    wait_for(url, "could not be built", 3.0)
    assert "site.toml" in fetch(url)[1] and proc.poll() is None

    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=10) == 0
    output = proc.stdout.read() if proc.stdout else ""
    assert "preview stopped" in output and "Traceback" not in output
    assert tree_hash(site.root / "build/site") == before  # serve never touches build/site


def test_sigterm_stops_cleanly(served) -> None:  # type: ignore[no-untyped-def]
    _, _, proc = served
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0


def test_odd_request_paths_get_an_answer_not_a_traceback(served) -> None:  # type: ignore[no-untyped-def]
    _, url, proc = served
    for path in ("%00", "a%00b.html", "%0a", "posts/%00/", "..%2f..%2fsite.toml"):
        status, _ = fetch(url + path)
        assert status in (400, 404), (path, status)
    assert fetch(url)[0] == 200  # still serving
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    output = proc.stdout.read() if proc.stdout else ""
    assert "Traceback" not in output, output


def test_busy_port_is_a_clear_error(site: SiteDir) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "sitegen",
                "--site",
                str(site.root),
                "serve",
                "--port",
                str(port),
            ],
            env={**os.environ, "PYTHONPATH": str(REPO)},
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert result.returncode == 2
    assert f"port {port}" in result.stderr and "busy" in result.stderr


def test_the_open_page_reloads_itself_in_a_real_browser(served) -> None:  # type: ignore[no-untyped-def]
    from tests.browser import browser

    site, url, _ = served
    with browser() as chromium:
        page = chromium.new_page()  # type: ignore[attr-defined]
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(url + "posts/p/", wait_until="load")
        assert "The first version" in page.locator("article").inner_text()
        page.wait_for_timeout(500)  # the reload script has connected
        index = site.root / POST
        with page.expect_event("load", timeout=5000):
            index.write_text(index.read_text().replace("The first version", "Reloaded text"))
        assert "Reloaded text" in page.locator("article").inner_text()
        assert errors == []
