"""Which files the preview is made from, and when they change: watchdog events sifted, debounced."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import threading
import time
from collections.abc import Iterable
from pathlib import Path

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
                return not hidden and not is_editor_litter(name) and not self.is_kept(path)
        return False

    def is_kept(self, path: str) -> bool:
        """Approved revisions kept by `approve` (content/records/approved/): the preview shows
        posts as staff left them, and approve's edit of the post is seen anyway."""
        kept = os.path.join(self.root, "content", "records", "approved")
        return path == kept or path.startswith(kept + os.sep)

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
