"""The staff preview: drafts included, policy banners on every page, rebuilt on save, reloaded."""

from __future__ import annotations

import contextlib
import errno
import html
import http.server
import signal
import threading
import time
import urllib.parse
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

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
RELOAD_SCRIPT = b"""(() => {
  let seen = null;
  const events = new EventSource("/__sitegen/events");
  events.onmessage = (event) => {
    if (seen === null) { seen = event.data; return; }
    if (event.data !== seen) { location.reload(); }
  };
})();
"""
IGNORED_PARTS = {"build", ".git", ".venv", "node_modules", "__pycache__", ".pytest_cache"}
DEBOUNCE = 0.15


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
        self.error: str | None = None
        self.changed = threading.Condition()
        self.last_seconds = 0.0

    def rebuild(self) -> None:
        start = time.perf_counter()
        try:
            count = build_preview(load_site(self.root, self.now))
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
        print(f"{message} ({self.last_seconds * 1000:.0f} ms)", flush=True)

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
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(preview.folder), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def end_headers(self) -> None:
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Robots-Tag", "noindex")
            super().end_headers()

        def do_GET(self) -> None:
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
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            seen = -1
            try:
                while not stopping.is_set():
                    with preview.changed:
                        if preview.version == seen:
                            preview.changed.wait(timeout=10)
                        version = preview.version
                    if version != seen:
                        self.wfile.write(f"data: {version}\n\n".encode())
                        seen = version
                    else:
                        self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


stopping = threading.Event()


def _unservable(path: str) -> bool:
    """A request path no file can answer: a NUL or another control character once decoded
    (`GET /%00`), which would make the file lookup raise instead of saying 404."""
    decoded = urllib.parse.unquote(path)
    return any(ord(c) < 32 or ord(c) == 127 for c in decoded)


def _watch(preview: Preview, wake: threading.Event) -> Any:
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    class OnChange(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            paths = [event.src_path, getattr(event, "dest_path", "") or ""]
            for raw in paths:
                if not raw:
                    continue
                rel = Path(str(raw)).resolve()
                try:
                    parts = rel.relative_to(preview.root).parts
                except ValueError:
                    continue
                name = parts[-1] if parts else ""
                if (
                    IGNORED_PARTS & set(parts)
                    or name.endswith(("~", ".swp", ".tmp"))
                    or name.startswith(".#")
                ):
                    continue
                wake.set()

    # Watch the sources only: never build/, where every rebuild makes and swaps folders.
    observer = Observer()
    handler = OnChange()
    observer.schedule(handler, str(preview.root), recursive=False)  # site.toml
    for folder in ("content", "templates"):
        if (preview.root / folder).is_dir():
            observer.schedule(handler, str(preview.root / folder), recursive=True)
    with contextlib.suppress(SitegenError):  # a register kept outside content/
        register = load_site(preview.root, preview.now).config.register_path.parent
        if (
            not register.resolve().is_relative_to((preview.root / "content").resolve())
            and register.is_dir()
        ):
            observer.schedule(handler, str(register), recursive=False)
    observer.start()
    return observer


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
    preview.rebuild()
    wake = threading.Event()
    observer = _watch(preview, wake)

    def rebuilder() -> None:
        while not stopping.is_set():
            if not wake.wait(timeout=0.5):
                continue
            while wake.is_set():  # a burst of saves: wait until it has been quiet a moment
                wake.clear()
                time.sleep(DEBOUNCE)
            if not stopping.is_set():
                preview.rebuild()

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
        with contextlib.suppress(Exception):  # the watcher's own clean-up must not hide ours
            observer.stop()
            observer.join(timeout=2)
        server.server_close()
        for sig, handler in previous.items():
            with contextlib.suppress(ValueError):
                signal.signal(sig, handler)
    print("preview stopped", flush=True)
    return 0
