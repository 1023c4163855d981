"""The staff preview server: build/preview/ over HTTP, rebuilt on save, pages told to reload."""

from __future__ import annotations

import contextlib
import errno
import functools
import html
import http.server
import os
import secrets
import signal
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

from sitegen.errors import SitegenError, UsageError
from sitegen.preview import PREVIEW, RELOAD_JS, build_preview
from sitegen.site import load_site
from sitegen.watch import Sources, Watcher

EVENTS = "/__sitegen/events"
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
        self.title = root.name  # the site's, once a build has read its settings

    @property
    def token(self) -> str:
        """The version pages compare: what the reload script was sent and what it is sent."""
        return f"{self.run}-{self.version}"

    def rebuild(self, changed: list[str] | None = None) -> None:
        """Build the preview again (`changed`: the sources whose edit it is for, to say so)."""
        start = time.perf_counter()
        try:
            site = load_site(self.root, self.now)
            self.register, self.title = site.config.register_path, site.config.title
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


stopping = threading.Event()  # set as the server stops: every event stream ends


class Handler(http.server.SimpleHTTPRequestHandler):
    """One request to the preview: a file of build/preview/ (the error page while the last
    build failed), the reload script, or the event stream that tells a page to reload."""

    cache_control = "no-store"
    sent_version = ""  # the preview's version when the request came, before any file is read

    def __init__(self, preview: Preview, *args: Any, **kwargs: Any) -> None:
        self.preview = preview  # first: the request is answered within __init__
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
        self.sent_version = self.preview.token
        path = self.path.split("?", 1)[0]
        if _unservable(path):
            return self._send(400, "text/plain; charset=utf-8", b"bad request\n")
        if path == EVENTS:
            return self._events()
        if path == RELOAD_JS:
            return self._send(200, "text/javascript", RELOAD_SCRIPT)
        if self.preview.error is not None:
            return self._send(500, "text/html; charset=utf-8", self.preview.error_page())
        return super().do_GET()

    def do_HEAD(self) -> None:
        self.sent_version = self.preview.token
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
                with self.preview.changed:
                    if self.preview.token == sent:
                        self.preview.changed.wait(timeout=KEEPALIVE_SECONDS)
                    version = self.preview.token
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


def _unservable(path: str) -> bool:
    """A request path no file can answer: a NUL or another control character once decoded
    (`GET /%00`), which would make the file lookup raise instead of saying 404."""
    decoded = urllib.parse.unquote(path)
    return any(ord(c) < 32 or ord(c) == 127 for c in decoded)


def serve(root: Path, host: str, port: int, now: str | None = None) -> int:
    """Build, serve and watch until SIGINT or SIGTERM."""
    preview = Preview(root, now)
    preview.folder.mkdir(parents=True, exist_ok=True)
    try:
        server = http.server.ThreadingHTTPServer((host, port), functools.partial(Handler, preview))
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
    print(f"previewing {preview.title} at {address} (drafts included; Ctrl-C to stop)", flush=True)
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
