"""The staff preview: drafts included, policy banners on every page, rebuilt on save, reloaded."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import html
import http.server
import os
import secrets
import signal
import stat
import threading
import time
import urllib.parse
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    EventsLostEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer

from sitegen import feeds
from sitegen.errors import SitegenError, UsageError
from sitegen.gate import WEBSITE, consented_images, decide
from sitegen.images import Job, RenderSpec, render_all
from sitegen.model import ImageRef, Post
from sitegen.output import OutputPlan, build_lock, publish
from sitegen.pipeline import Site, add_static, load_site
from sitegen.policy import Checked, judge
from sitegen.render import PostView, Renderer, post_view, render_pages
from sitegen.units import published_name

PREVIEW = "preview"  # build/preview/
EVENTS = "/__sitegen/events"
RELOAD_JS = "/__sitegen/reload.js"
# The page reloads when the preview's version is no longer the one of the build it was sent
# from, which every response names (Server-Timing, read before the file is): so the event
# stream dropping and reconnecting, as EventSource does by itself, never reloads the page, and
# an edit saved before the stream was open still does. Where Server-Timing is not exposed (a
# page opened over plain HTTP from another machine) the first version the stream sends stands in.
RELOAD_SCRIPT = b"""(() => {
  const navigation = performance.getEntriesByType("navigation")[0];
  const timing = (navigation && navigation.serverTiming) || [];
  const sent = timing.find((entry) => entry.name === "sitegen");
  let shown = sent ? sent.description : null;
  const events = new EventSource("/__sitegen/events");
  events.onmessage = (event) => {
    if (shown === null) { shown = event.data; return; }
    if (event.data === shown) { return; }
    shown = event.data;
    location.reload();
  };
})();
"""
RETRY_MS = 1000  # how soon EventSource reconnects after the stream drops
KEEPALIVE_SECONDS = 10  # a comment line this often: a dead connection shows, none idles out
DEBOUNCE = 0.15  # an editor's save is several events: rebuild once they have been quiet this long

# The events that can mean a file's bytes changed, or that it or a folder came or went. Reads
# (opened, closed without writing), attribute changes (touch, chmod) and a folder's "modified"
# (its listing changed: its entries' own events say how) never can.
EDIT_EVENTS: tuple[type[FileSystemEvent], ...] = (
    FileCreatedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileDeletedEvent,
    FileClosedEvent,  # closed after writing
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
)
SOURCE_FOLDERS = ("content", "templates")  # watched whole; of the site's top folder, site.toml
# Files editors, office suites and desktops make beside the one being edited, by their ending
# (hidden files, which cover most of them, are never sources either: see `is_editor_litter`).
LITTER_ENDINGS = (
    "~",  # a backup: index.md~
    "#",  # emacs' autosave (#index.md#), LibreOffice's lock (.~lock.consent.csv#)
    ".swp",  # vim's swap files (.index.md.swp, .swo, .swx, ...)
    ".swo",
    ".swx",
    ".swpx",
    ".kate-swp",
    ".tmp",
    ".temp",
    ".part",
    ".crdownload",
    ".bak",
    "___jb_tmp___",  # JetBrains' safe write
    "___jb_old___",
)
LITTER_NAMES = {"Thumbs.db", "desktop.ini"}
FOLDER = "folder"  # what `Sources` remembers of a folder (of a file: what its bytes hash to)


def _banner(checked: Checked, reasons: list[str]) -> dict[str, Any]:
    findings = [
        {
            "code": f.code,
            "severity": f.severity,
            "message": f.message,
            "where": f"{f.file}:{f.line}" if f.line else f.file,
        }
        for f in checked.findings
    ]
    status = checked.status if checked.post.meta is not None else "error"
    summary = "; ".join(dict.fromkeys(reasons)) or "not published"
    return {"status": status, "summary": f"not on the website: {summary}", "findings": findings}


def _placeholder(post: Post, now: datetime) -> Post:
    """A post whose header cannot be read still gets a page: the banner says why."""
    return replace(post, title=post.title or post.slug, date=post.date or now, body="")


def build_preview(site: Site) -> int:
    """Every post, publishable or not, into build/preview/; returns how many posts."""
    ctx = site.context
    renderer = Renderer(
        site.config,
        site.root / "templates",
        preview=True,
        extra_head=f'<script src="{RELOAD_JS}" defer></script>',
    )
    spec = RenderSpec(site.config.image_widths, site.config.image_quality, site.config.max_pixels)
    items: list[tuple[Checked, Post, list[ImageRef], dict[str, Any] | None]] = []
    for analysis in site.analyses:
        checked = judge(analysis, ctx)
        decision = decide(checked, ctx)
        post = checked.post
        if post.meta is None or post.date is None:
            items.append(
                (
                    checked,
                    _placeholder(post, ctx.now),
                    [],
                    _banner(checked, ["the file cannot be read"]),
                )
            )
            continue
        refs = list(decision.platforms.get(WEBSITE) or consented_images(checked, WEBSITE, ctx))
        banner = None
        if not decision.on_website:
            reasons = [r for p, r in decision.left_out if p == WEBSITE]
            if WEBSITE not in post.platforms:
                reasons.append("website is not in its platforms")
            banner = _banner(checked, reasons)
        items.append((checked, post, refs, banner))
    jobs = [
        Job(
            item[1].folder / ref.file,
            published_name(item[1], ref),
            spec,
            site.store.hashes.hash(item[1].folder / ref.file),
        )
        for item in items
        for ref in item[2]
    ]
    results = iter(render_all(jobs, ctx.cache))
    plan = OutputPlan()
    views: list[PostView] = []
    for checked, post, refs, banner in items:
        images = []
        for ref in refs:
            result = next(results)
            if isinstance(result, Exception):
                continue  # SG121 is in the banner already
            variants, files = result
            images.append((ref, variants))
            for name, content in files.items():
                path = f"posts/{post.slug}/{name}"
                if path not in plan.files:
                    plan.add(path, content)
        analysis = checked.analysis
        views.append(
            post_view(
                post,
                site.config,
                images,
                banner,
                body_html=analysis.body_html if analysis and post.body else "",
                digest=checked.digest,
            )
        )
    views.sort(key=lambda v: (v.date, v.slug), reverse=True)
    for path, page in render_pages(renderer, views, site.store.pages).items():
        plan.add(path, page)
    for path, feed in feeds.feed_files(site.config, views, site.store.pages).items():
        plan.add(path, feed)
    add_static(plan, renderer)
    with build_lock(site.root / "build"):
        publish(site.root / "build", {PREVIEW: plan})
    site.store.save()
    return len(views)


class Preview:
    """The preview's state: what was built, the last error, and a version for reloads."""

    def __init__(self, root: Path, now: str | None) -> None:
        self.root = root
        self.now = now
        self.folder = root / "build" / PREVIEW
        self.version = 0
        # A server started again counts from 0 again: this run's own mark makes its versions
        # differ from the last run's, so a page left open across a restart reloads once.
        self.run = secrets.token_hex(4)
        self.error: str | None = None
        self.changed = threading.Condition()
        self.last_seconds = 0.0
        self.register: Path | None = None  # the consent register the last build read

    @property
    def token(self) -> str:
        """The version pages compare: what the reload script was sent and what it is sent."""
        return f"{self.run}-{self.version}"

    def rebuild(self, changed: list[str] | None = None) -> None:
        """Build the preview again (`changed`: the sources whose edit it is for, to say so)."""
        start = time.perf_counter()
        try:
            site = load_site(self.root, self.now)
            self.register = site.config.register_path
            count = build_preview(site)
            self.error = None
            message = f"preview rebuilt: {count} post(s)"
        except SitegenError as exc:
            self.error = str(exc)
            message = f"preview not rebuilt: {exc}"
        except Exception as exc:
            self.error = f"{type(exc).__name__}: {exc}"
            message = f"preview not rebuilt: {self.error}"
        self.last_seconds = time.perf_counter() - start
        with self.changed:
            self.version += 1
            self.changed.notify_all()
        cause = ""
        if changed:
            shown = [os.path.relpath(path, self.root) for path in changed[:3]]
            more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
            cause = f", after a change to {', '.join(shown)}{more}"
        print(f"{message} ({self.last_seconds * 1000:.0f} ms{cause})", flush=True)

    def error_page(self) -> bytes:
        message = html.escape(self.error or "")
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="robots" content="noindex"><title>Preview error</title>'
            f'<script src="{RELOAD_JS}" defer></script></head><body>'
            '<main style="font-family:sans-serif;max-width:48rem;margin:2rem auto">'
            "<h1>The preview could not be built</h1>"
            f'<p class="banner banner-error" role="alert">{message}</p>'
            "<p>Fix the file and save it: this page reloads by itself.</p></main></body></html>"
        ).encode()


def _handler(preview: Preview) -> type[http.server.SimpleHTTPRequestHandler]:
    class Handler(http.server.SimpleHTTPRequestHandler):
        cache_control = "no-store"
        sent_version = ""  # the preview's version when the request came, before any file is read

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(preview.folder), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def end_headers(self) -> None:
            self.send_header("Cache-Control", self.cache_control)
            self.send_header("X-Robots-Tag", "noindex")
            if self.sent_version:  # what the reload script compares the stream's versions with
                self.send_header("Server-Timing", f'sitegen;desc="{self.sent_version}"')
            super().end_headers()

        def do_GET(self) -> None:
            # Taken before the file is read: a rebuild in between costs one reload too many,
            # never one too few.
            self.sent_version = preview.token
            path = self.path.split("?", 1)[0]
            if _unservable(path):
                return self._send(400, "text/plain; charset=utf-8", b"bad request\n")
            if path == EVENTS:
                return self._events()
            if path == RELOAD_JS:
                return self._send(200, "text/javascript", RELOAD_SCRIPT)
            if preview.error is not None:
                return self._send(500, "text/html; charset=utf-8", preview.error_page())
            return super().do_GET()

        def do_HEAD(self) -> None:
            self.sent_version = preview.token
            if _unservable(self.path.split("?", 1)[0]):
                return self._send(400, "text/plain; charset=utf-8", b"")
            return super().do_HEAD()

        def _send(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _events(self) -> None:
            """Server-sent events: the preview's version on connecting (each message is the
            whole version, so a reconnect loses nothing), and a comment line every
            KEEPALIVE_SECONDS until it changes; then the new version, and the stream ends. A
            page told of a new version reloads, so ending its stream here leaves the browser
            nothing to cut short; one that does not reconnects within RETRY_MS."""
            self.cache_control = "no-cache"
            self.close_connection = True
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.end_headers()
            sent: str | None = None
            try:
                self.wfile.write(f"retry: {RETRY_MS}\n".encode())
                while not stopping.is_set():
                    with preview.changed:
                        if preview.token == sent:
                            preview.changed.wait(timeout=KEEPALIVE_SECONDS)
                        version = preview.token
                    if stopping.is_set():
                        break
                    if version == sent:
                        self.wfile.write(b": keep-alive\n\n")
                        self.wfile.flush()
                        continue
                    self.wfile.write(f"data: {version}\n\n".encode())
                    self.wfile.flush()
                    if sent is not None:  # a new version: the page reloads
                        break
                    sent = version
            except OSError:  # the page was closed, reloaded or left
                pass

    return Handler


stopping = threading.Event()


def _unservable(path: str) -> bool:
    """A request path no file can answer: a NUL or another control character once decoded
    (`GET /%00`), which would make the file lookup raise instead of saying 404."""
    decoded = urllib.parse.unquote(path)
    return any(ord(c) < 32 or ord(c) == 127 for c in decoded)


def is_editor_litter(name: str) -> bool:
    """A file an editor, an office suite or a desktop makes beside the one being edited, or
    any hidden file: vim's swap (.index.md.swp) and write test (4913), emacs' lock (.#index.md)
    and autosave (#index.md#), a backup (index.md~), LibreOffice's lock (.~lock.consent.csv#),
    Office's (~$consent.xlsx), the temporary file of an atomic save (sitegen's own
    .index.md.x1y2.tmp, gedit's .goutputstream-X1Y2): none of them is an edit of the site."""
    return (
        name.startswith((".", "#", "~$"))
        or name.endswith(LITTER_ENDINGS)
        or name.isdigit()  # vim's 4913 (or 4914...): a test that the folder can be written
        or name in LITTER_NAMES
    )


def _fingerprint(path: str, st: os.stat_result) -> str:
    """What a file holds, as a hash of its bytes. What is not a regular file is never opened
    (a FIFO would block): it is named by what it is."""
    if stat.S_ISLNK(st.st_mode):
        try:
            return "link:" + os.readlink(path)
        except OSError:
            return "link"
    if not stat.S_ISREG(st.st_mode):
        return f"special:{stat.S_IFMT(st.st_mode)}"
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "blake2b").hexdigest()
    except OSError as exc:
        return f"unreadable:{exc.errno}"


class Sources:
    """The files the preview is made from (site.toml, content/, templates/, and the consent
    register wherever it is kept) and what each held when last looked at. Watchers only say
    which paths to look at: a path is a change when its bytes differ from last time or it came
    or went, so a read, a touch, or a save of the very same bytes is none, and neither is a
    file made and removed again within one look (vim's 4913, a temporary file renamed away)."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.folders = tuple(str(self.root / name) for name in SOURCE_FOLDERS)
        # (replaced, never changed in place: watchdog's thread reads it meanwhile)
        self.files = frozenset({str(self.root / "site.toml")})
        self.known: dict[str, str] = {}  # path -> its fingerprint, or FOLDER

    def add_file(self, path: Path) -> None:
        """A source kept outside content/ (a consent register elsewhere): remembered now."""
        name = str(path.resolve())
        if not self.is_source(name):
            self.files = self.files | {name}
            self.look([name])

    def tops(self) -> list[str]:
        """Every watched folder and file: looking at them all is looking at every source."""
        return [*self.folders, *sorted(self.files)]

    def is_source(self, path: str) -> bool:
        if path in self.files:
            return True
        for folder in self.folders:
            if path == folder:
                return True
            if path.startswith(folder + os.sep):
                *folders, name = path[len(folder) + 1 :].split(os.sep)
                hidden = any(part.startswith(".") for part in folders)
                return not hidden and not is_editor_litter(name)
        return False

    def paths_named(self, event: FileSystemEvent) -> list[str]:
        """The sources an event may have changed; none for an event that changes nothing."""
        if isinstance(event, EventsLostEvent):  # the system's queue overflowed: look at all
            return self.tops()
        if not isinstance(event, EDIT_EVENTS):
            return []
        # An atomic save is a rename of a temporary file onto the source: its destination.
        named = [event.src_path, getattr(event, "dest_path", "")]
        paths = [os.fsdecode(path) for path in named if path]
        return [path for path in paths if self.is_source(path)]

    def look(self, paths: Iterable[str]) -> list[str]:
        """Look at each path (a folder: everything below it), remember what it holds now, and
        return the sources that changed since the last look, sorted."""
        changed: set[str] = set()
        for path in sorted(set(paths)):
            now = self._state(path)
            below = path + os.sep
            before = {p: v for p, v in self.known.items() if p == path or p.startswith(below)}
            if now == before:
                continue
            changed.update(p for p in now.keys() | before.keys() if now.get(p) != before.get(p))
            for gone in before.keys() - now.keys():
                del self.known[gone]
            self.known.update(now)
        return sorted(changed)

    def _state(self, path: str) -> dict[str, str]:
        """What `path` holds now: its fingerprint, or for a folder every source below it."""
        try:
            st = os.lstat(path)
        except OSError:
            return {}
        if not stat.S_ISDIR(st.st_mode):
            return {path: _fingerprint(path, st)}
        found = {path: FOLDER}
        try:
            with os.scandir(path) as entries:
                children = [entry.path for entry in entries]
        except OSError:
            return found
        for child in children:
            if self.is_source(child):
                found.update(self._state(child))
        return found


class Watcher(FileSystemEventHandler):
    """The site's sources watched with watchdog: the paths events name are gathered until the
    burst is over (an editor's save, `sitegen approve`, are several events), then looked at
    once. Never build/, where every rebuild writes and swaps folders."""

    def __init__(self, sources: Sources) -> None:
        super().__init__()
        self.sources = sources
        self.observer = Observer()
        self.watched: set[str] = set()
        self.pending: set[str] = set()
        self.lock = threading.Lock()
        self.wake = threading.Event()

    def dispatch(self, event: FileSystemEvent) -> None:  # on watchdog's thread
        paths = self.sources.paths_named(event)
        if paths:
            with self.lock:
                self.pending.update(paths)
            self.wake.set()

    def start(self) -> None:
        """Watch, then remember every source: what is saved from here on is seen."""
        self.watch_new_places()
        self.observer.start()
        self.sources.look(self.sources.tops())

    def watch_new_places(self, register: Path | None = None) -> None:
        """Watch what is not watched yet: the folders (content/ made after the start), and the
        register's folder when the register is kept outside them."""
        root = self.sources.root
        places = [(root, False)] + [(root / name, True) for name in SOURCE_FOLDERS]
        if register is not None and not self.sources.is_source(str(register.resolve())):
            self.sources.add_file(register)
            places.append((register.resolve().parent, False))
        for folder, recursive in places:
            if str(folder) in self.watched or not folder.is_dir():
                continue
            # Only the events that can be edits: the kernel is not even asked for reads.
            events = [*EDIT_EVENTS, EventsLostEvent]
            self.observer.schedule(self, str(folder), recursive=recursive, event_filter=events)
            self.watched.add(str(folder))
            if recursive and self.observer.is_alive():  # content/ made since: what is in it?
                with self.lock:
                    self.pending.add(str(folder))
                self.wake.set()

    def changes(self, timeout: float) -> list[str]:
        """The sources changed by the next burst of events, once it has been quiet DEBOUNCE
        seconds; [] when there was none within `timeout`, or it changed nothing."""
        if not self.wake.wait(timeout):
            return []
        while self.wake.is_set():
            self.wake.clear()
            time.sleep(DEBOUNCE)
        with self.lock:
            paths, self.pending = self.pending, set()
        return self.sources.look(paths)

    def stop(self) -> None:
        with contextlib.suppress(Exception):  # the watcher's own clean-up must not hide ours
            self.observer.stop()
            self.observer.join(timeout=2)


def serve(root: Path, host: str, port: int, now: str | None = None) -> int:
    """Build, serve and watch until SIGINT or SIGTERM."""
    preview = Preview(root, now)
    preview.folder.mkdir(parents=True, exist_ok=True)
    try:
        server = http.server.ThreadingHTTPServer((host, port), _handler(preview))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UsageError(f"port {port} on {host} is busy: try --port {port + 1}") from None
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    server.daemon_threads = True
    stopping.clear()
    print(
        "building the preview (new photos are read once; later rebuilds take a moment)", flush=True
    )
    # Watching starts before the first build reads anything: a file saved meanwhile is seen.
    watcher = Watcher(Sources(root))
    watcher.start()
    preview.rebuild()
    watcher.watch_new_places(preview.register)

    def rebuilder() -> None:
        while not stopping.is_set():
            changed = watcher.changes(timeout=0.5)
            if changed and not stopping.is_set():
                preview.rebuild(changed)
                watcher.watch_new_places(preview.register)

    worker = threading.Thread(target=rebuilder, daemon=True)
    worker.start()

    def stop(signum: int, frame: Any) -> None:
        stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    address = f"http://{host}:{server.server_address[1]}/"
    print(f"previewing {root.name} at {address} (drafts included; Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        stopping.set()
        with preview.changed:
            preview.changed.notify_all()
        watcher.stop()
        server.server_close()
        for sig, handler in previous.items():
            with contextlib.suppress(ValueError):
                signal.signal(sig, handler)
    print("preview stopped", flush=True)
    return 0
