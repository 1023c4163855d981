"""`sitegen serve`: a preview with drafts, rebuilt on save, that survives broken files."""

from __future__ import annotations

import hashlib
import os
import shutil
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
from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirModifiedEvent,
    DirMovedEvent,
    EventsLostEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
    FileSystemEvent,
)

from sitegen.watch import Sources
from tests.conftest import REGISTER as REGISTER_TEXT
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
    assert "previewing Ysgol Prawf at http://127.0.0.1:" in output  # (the school, not "site")
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


def test_the_preview_waits_for_a_leaders_build_instead_of_failing(site: SiteDir) -> None:
    """A build holds build/.lock: the preview's rebuild waits for it, then goes on (it
    said 'wait for it to finish, then build again', to nobody who would)."""
    import fcntl
    import threading

    from sitegen.preview import build_preview
    from sitegen.site import load_site

    site.post("p")
    (site.root / "build").mkdir()
    with open(site.root / "build/.lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        done = threading.Event()
        worker = threading.Thread(target=lambda: (build_preview(load_site(site.root)), done.set()))
        worker.start()
        assert not done.wait(1.0)  # (waiting, not failed)
        fcntl.flock(held, fcntl.LOCK_UN)
    worker.join(60)
    assert done.is_set() and (site.root / "build/preview/index.html").exists()


def test_photos_that_are_not_files_never_break_the_preview(site: SiteDir) -> None:
    """`file: photos` naming a folder (the photos inside it): the worker rendering it raised an
    error that could not be sent back, so the whole preview failed, every page a 500 naming no
    file. Now the post shows its SG120 banner and the other posts are as they were."""
    from sitegen.preview import build_preview
    from sitegen.site import load_site

    for slug, name in (("a", "photos"), ("b", "folder.jpg")):
        folder = site.post(slug, images=[{"file": name, "alt": "The tree", "pupils": []}]).parent
        (folder / name).mkdir()
        shutil.copy(REPO / "content/posts/2026-12-04-christmas-fair/tree.jpg", folder / name)
    site.post("c", title="The fair")
    build_preview(load_site(site.root))
    for slug in ("a", "b"):
        page = (site.root / f"build/preview/posts/{slug}/index.html").read_text()
        assert "SG120" in page and "is a folder" in page
    assert (site.root / "build/preview/posts/c/index.html").exists()


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


# Which watchdog events count as an edit of the site's sources (the preview used to rebuild
# three times a second: each rebuild's reads of consent.csv and audit.jsonl were taken for edits).


def sources_of(site: SiteDir) -> Sources:
    sources = Sources(site.root)
    sources.look(sources.tops())
    return sources


def test_reads_and_attribute_changes_are_not_edits(site: SiteDir) -> None:
    sources = sources_of(site)
    for path in ("content/consent.csv", "content/records/audit.jsonl", "site.toml"):
        where = str(site.root / path)
        for event in (
            FileOpenedEvent(where),
            FileClosedNoWriteEvent(where),
            FileAttribEvent(where),  # touch, chmod
        ):
            assert sources.paths_named(event) == [], event
    # A folder's listing changed: what was added or removed has its own event.
    assert sources.paths_named(DirModifiedEvent(str(site.root / "content/posts"))) == []


def test_edits_of_the_sites_sources_count(site: SiteDir) -> None:
    sources = sources_of(site)
    index = str(site.root / POST)
    for event in (
        FileModifiedEvent(index),
        FileClosedEvent(index),  # closed after writing
        FileCreatedEvent(str(site.root / "content/posts/p/photo.jpg")),
        FileDeletedEvent(str(site.root / "content/consent.csv")),
        FileModifiedEvent(str(site.root / "site.toml")),
        FileModifiedEvent(str(site.root / "templates/post.html")),
        DirCreatedEvent(str(site.root / "content/posts/new")),
        DirDeletedEvent(str(site.root / "content/posts/old")),
    ):
        assert sources.paths_named(event) == [event.src_path], event
    # An atomic save (sitegen's own, gedit's): a temporary file renamed onto the source.
    temporary = str(site.root / "content/posts/p/.index.md.x1y2.tmp")
    assert sources.paths_named(FileMovedEvent(temporary, index)) == [index]
    moved = str(site.root / "content/posts/q")
    assert sources.paths_named(DirMovedEvent(str(site.root / "content/posts/p"), moved)) == [
        str(site.root / "content/posts/p"),
        moved,
    ]


@pytest.mark.parametrize(
    "path",
    [
        "build/preview/index.html",  # the preview's own output
        "build/.cache/packs/x.pack",
        "README.md",  # beside site.toml, not a source
        "Makefile",
        "content/posts/p/.index.md.swp",  # vim
        "content/posts/p/.index.md.swx",
        "content/posts/p/4913",
        "content/posts/p/index.md~",
        "content/posts/p/.#index.md",  # emacs
        "content/posts/p/#index.md#",
        "content/.~lock.consent.csv#",  # LibreOffice
        "content/~$consent.xlsx",  # Office
        "content/posts/p/.goutputstream-ABC123",  # gedit
        "content/posts/p/index.md___jb_tmp___",  # JetBrains
        "content/posts/p/.index.md.x1y2.tmp",  # sitegen approve's atomic write
        "content/posts/p/.DS_Store",
        "content/.git/index",
        "templates/.post.html.swp",
    ],
)
def test_editor_litter_and_build_never_count(site: SiteDir, path: str) -> None:
    sources = sources_of(site)
    where = str(site.root / path)
    for event in (FileCreatedEvent(where), FileModifiedEvent(where), FileDeletedEvent(where)):
        assert sources.paths_named(event) == [], event


def test_a_register_kept_elsewhere_counts_and_its_neighbours_do_not(site: SiteDir) -> None:
    private = site.root.parent / "private"
    private.mkdir()
    register = private / "consent.csv"
    register.write_text(REGISTER_TEXT)
    sources = sources_of(site)
    sources.add_file(register)
    assert sources.paths_named(FileModifiedEvent(str(register))) == [str(register)]
    assert sources.paths_named(FileModifiedEvent(str(private / "notes.txt"))) == []


def test_only_different_bytes_or_files_that_came_or_went_are_changes(site: SiteDir) -> None:
    index = site.root / POST
    site.post("p", body="The first version of the story.\n")
    sources = sources_of(site)

    def changes_after(*events: FileSystemEvent) -> list[str]:
        return sources.look(path for event in events for path in sources.paths_named(event))

    os.utime(index)  # touch
    assert changes_after(FileModifiedEvent(str(index))) == []
    index.write_bytes(index.read_bytes())  # saved, the same bytes
    assert changes_after(FileModifiedEvent(str(index)), FileClosedEvent(str(index))) == []

    # An atomic save of different bytes: several events, one change.
    temporary = index.with_name(".index.md.x1y2.tmp")
    temporary.write_text(index.read_text().replace("first", "second"))
    os.replace(temporary, index)
    assert changes_after(
        FileCreatedEvent(str(temporary)),
        FileModifiedEvent(str(temporary)),
        FileMovedEvent(str(temporary), str(index)),
    ) == [str(index)]

    # A file made and gone again before the burst was looked at changed nothing.
    passing = index.with_name("notes.txt")
    passing.write_text("x")
    passing.unlink()
    assert changes_after(FileCreatedEvent(str(passing)), FileDeletedEvent(str(passing))) == []

    consent = site.root / "content/consent.csv"
    consent.unlink()
    assert changes_after(FileDeletedEvent(str(consent))) == [str(consent)]

    new = site.root / "content/posts/new"
    new.mkdir()  # a post folder, empty so far
    assert changes_after(DirCreatedEvent(str(new))) == [str(new)]
    folder = index.parent
    shutil.rmtree(folder)
    assert changes_after(DirDeletedEvent(str(folder))) == [str(folder), str(index)]


def test_events_lost_means_every_source_is_looked_at(site: SiteDir) -> None:
    sources = sources_of(site)
    site.post("late", body="Saved while the system's queue was full.\n")
    late = site.root / "content/posts/late"
    assert sources.look(sources.paths_named(EventsLostEvent(""))) == [
        str(late),
        str(late / "index.md"),
    ]


def test_only_real_edits_rebuild_and_approve_is_one(served) -> None:  # type: ignore[no-untyped-def]
    """Reads, touches, editor litter, saves of the same bytes and the preview's own writes
    rebuild nothing; an atomic save is one rebuild, and so is `sitegen approve` (index.md and
    audit.jsonl)."""
    from sitegen.cli import main

    site, url, proc = served
    index = site.root / POST
    for path in (index, site.root / "content/consent.csv", site.root / "site.toml"):
        path.read_bytes()
    os.utime(index)
    index.write_bytes(index.read_bytes())
    for litter in (".index.md.swp", "4913", "index.md~", ".#index.md"):
        (index.parent / litter).write_text("litter")
    (index.parent / "4913").unlink()
    (site.root / "build/preview/stray.html").write_text("not a source")
    time.sleep(2)  # room for any rebuild those would cause (none should)

    temporary = index.with_name(".index.md.x1y2.tmp")
    temporary.write_text(index.read_text().replace("The first version", "An atomic save"))
    os.replace(temporary, index)
    wait_for(url + "posts/p/", "An atomic save", 10)

    argv = ["--site", str(site.root), "--now", "2026-11-25", "approve", "p", "--by", "head"]
    assert main(argv) == 0
    deadline = time.monotonic() + 10
    while 'class="banner' in fetch(url + "posts/p/")[1] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert 'class="banner' not in fetch(url + "posts/p/")[1]  # approved: publishable
    time.sleep(2)  # room for a second rebuild (there should be none)

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == 0
    output = proc.stdout.read() if proc.stdout else ""
    rebuilds = [line for line in output.splitlines() if line.startswith("preview rebuilt")]
    assert len(rebuilds) == 3, output  # the first build, the atomic save, the approval
    assert "content/posts/p/index.md" in rebuilds[1]
    assert "content/posts/p/index.md" in rebuilds[2]
    assert "content/records/audit.jsonl" in rebuilds[2]


def test_the_preview_says_what_check_says_besides_its_findings(site: SiteDir) -> None:
    """A photo in the folder that `images` leaves out, and a platform the post misses even
    once approved: `check` said both, the preview's banner neither, and a teacher working from
    the preview believed the photo in the post (found by a teacher's tour)."""
    from sitegen.preview import build_preview
    from sitegen.site import load_site
    from tests.imagegen import save_photo

    site.post(
        "p",
        body="The [letter for parents](letter.pdf) and the [fair](../fair/) are ready.\n",
        platforms=["website", "instagram"],
    )
    site.post("fair")  # a draft: the preview shows it, the website will not
    save_photo(site.root / "content/posts/p/extra.jpg", "castle", size=(640, 480))
    build_preview(load_site(site.root))
    page = (site.root / "build/preview/posts/p/index.html").read_text()
    banner = page.split('aria-label="Policy check"')[1].split("</section>")[0]
    assert "extra.jpg is in the folder but not in images: it is not published" in banner
    assert "not on instagram, even once approved: instagram needs an image" in banner
    # Links that lead nowhere on the website (SG130's warnings: found by a parent's tour).
    assert "the link to letter.pdf leads nowhere on the website" in banner
    assert "the link to ../fair/ leads nowhere on the website: the post fair is not on" in banner


def test_a_welsh_post_with_a_broken_header_is_previewed_in_welsh(site: SiteDir) -> None:
    """Its page switched to English ("Latest news", lang="en") while the header could not be
    read; and the banner, English on a Welsh page, said so to no screen reader (found by a
    Welsh teacher's tour)."""
    from sitegen.preview import build_preview
    from sitegen.site import load_site

    site.post(
        "p", raw="---\ntitle: \"Ymweliad â'r castell\nlang: cy\ndate: 2026-11-20\n---\nHwyl\n"
    )
    build_preview(load_site(site.root))
    page = (site.root / "build/preview/posts/p/index.html").read_text()
    assert '<html lang="cy"' in page
    assert 'aria-label="Policy check" lang="en"' in page
