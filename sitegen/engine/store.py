"""The result store: results kept by the hash of what made them, as files or as records."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable, Hashable, Iterable, Iterator
from pathlib import Path
from typing import Any

from sitegen.engine.keys import CODE_VERSION

CACHE_DIR = Path("build/.cache")  # (safe to delete: the next build is cold)


def fast_reduce(value: tuple[Any, ...]) -> tuple[Any, ...]:
    """A NamedTuple's pickling, rebuilt by `tuple.__new__` rather than a call of its Python
    `__new__`: a third of the cost, for records a build reads back by the thousand."""
    return (tuple.__new__, (type(value), tuple(value)))


class ResultFiles:
    """Entries are written whole (temp + rename) and checked on read: never trusted blindly.

    Safe to delete at any time; `ResultFiles(None)` caches nothing.
    """

    def __init__(self, root: Path | None) -> None:
        self.root = root

    def _path(self, kind: str, key: str) -> Path:
        assert self.root is not None
        return self.root / kind / key[:2] / key

    def get_json(self, kind: str, key: str) -> Any | None:
        if self.root is None:
            return None
        try:
            record = json.loads(self._path(kind, key).with_suffix(".json").read_text("utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(record, dict) or record.get("key") != key:
            return None
        return record.get("value")

    def put_json(self, kind: str, key: str, value: Any) -> None:
        if self.root is None:
            return
        path = self._path(kind, key).with_suffix(".json")
        text = json.dumps({"key": key, "value": value}, sort_keys=True)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written only costs time

    def get_files(self, kind: str, key: str) -> tuple[dict[str, Path], Any] | None:
        """The entry's files (each checked against its recorded hash) and its metadata."""
        if self.root is None:
            return None
        folder = self._path(kind, key)
        try:
            manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
            files = {}
            for name, expected in manifest["files"].items():
                path = folder / name
                if hashlib.sha256(path.read_bytes()).hexdigest() != expected:
                    return None
                files[name] = path
            return files, manifest.get("meta")
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def put_files(
        self, kind: str, key: str, files: dict[str, bytes], meta: Any
    ) -> dict[str, Path] | None:
        """Store the files whole (staged, then renamed into place); their cached paths, or
        None when there is no cache or it cannot be written."""
        if self.root is None:
            return None
        folder = self._path(kind, key)
        staging: Path | None = None
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(dir=folder.parent, suffix=".tmp"))
            for name, data in files.items():
                (staging / name).write_bytes(data)
            manifest = {
                "files": {n: hashlib.sha256(d).hexdigest() for n, d in files.items()},
                "meta": meta,
            }
            (staging / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
            if folder.exists():
                shutil.rmtree(folder, ignore_errors=True)
            os.replace(staging, folder)
        except OSError:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
            return None
        return {name: folder / name for name in files}


class RecordFile:
    """Many small entries in one file (a build reads thousands): pickled and checksummed.

    The file is a first record holding every entry, then records of what later builds
    changed, appended: a build that changed one post writes that post's entries, not the
    pack again. Once the appended records reach half the first, the pack is written anew:
    every build reads all of them (after an upgrade of sitegen, say, each post is appended
    again, and reading the pack would cost twice as much until then).
    Records are read in order up to the first that fails its checksum (a build killed while
    appending): what comes before it is an older, whole state, and older entries are only
    ever missed, never wrong, since every key names the inputs of its value.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._entries: dict[Hashable, Any] | None = None
        self.used: set[Hashable] = set()
        self._changed: set[Hashable] = set()
        self._first = 0  # bytes of the first record
        self._valid = 0  # bytes of the records read whole

    @property
    def entries(self) -> dict[Hashable, Any]:
        """Read on first use: a command that needs no entry never pays for the file."""
        if self._entries is None:
            self._entries = self._read()
        return self._entries

    def _read(self) -> dict[Hashable, Any]:
        if self.path is None:
            return {}
        try:
            data = self.path.read_bytes()
        except OSError:
            return {}
        entries: dict[Hashable, Any] = {}
        offset = 0
        view = memoryview(data)
        while offset + HEADER <= len(data):
            size = int.from_bytes(data[offset : offset + 8], "big")
            payload = view[offset + HEADER : offset + HEADER + size]  # (not copied)
            if (
                len(payload) != size
                or hashlib.sha256(payload).digest() != data[offset + 8 : offset + HEADER]
            ):
                break
            try:
                with _collector_paused():
                    record = pickle.loads(payload)
            except Exception:  # written by another version of sitegen, say: ignored
                break
            if offset == 0 and isinstance(record, dict):
                entries = record
                self._first = HEADER + size
            elif offset and isinstance(record, tuple) and len(record) == 2:
                changed, removed = record
                entries.update(changed)
                for key in removed:
                    entries.pop(key, None)
            else:
                break
            offset += HEADER + size
        self._valid = offset
        return entries

    @property
    def loaded(self) -> bool:
        return self._entries is not None

    def get(self, key: Hashable) -> Any | None:
        value = self.entries.get(key)
        if value is not None:
            self.used.add(key)
        return value

    @property
    def changed(self) -> set[Hashable]:
        """The keys put since the pack was read or last saved."""
        return self._changed

    def take(self, entries: dict[Hashable, Any]) -> None:
        """Entries another process worked out for this pack (`Forked`)."""
        for key, value in entries.items():
            self.put(key, value)

    def keep(self, keys: Iterable[Hashable]) -> None:
        """Entries this build did not read but will want again: not dropped at `save`."""
        self.used.update(keys)

    def put(self, key: Hashable, value: Any) -> None:
        self.entries[key] = value
        self.used.add(key)
        self._changed.add(key)

    def save(self) -> None:
        """Keep what this build used (so the pack never grows without end)."""
        if self.path is None or self._entries is None:
            return  # never read, so nothing changed
        removed = [k for k in self._entries if k not in self.used]
        if not self._changed and not removed:
            return
        for key in removed:
            del self._entries[key]
        self._write(removed)

    def save_added(self) -> None:
        """Keep what was put, dropping nothing: for a command that is no build (a check
        that learnt something worth keeping, such as a signature's verdict)."""
        if self.path is None or self._entries is None or not self._changed:
            return
        self._write([])

    def _write(self, removed: list[Hashable]) -> None:
        """What changed (and what went) appended to the file, or the whole file anew."""
        assert self.path is not None and self._entries is not None
        changed = {k: self._entries[k] for k in self._changed}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not (self._first and self._append((changed, removed))):
                self._rewrite()
        except OSError:
            pass  # a cache that cannot be written only costs time
        finally:
            self._changed = set()

    def saved_elsewhere(self) -> None:
        """Another process wrote what changed: nothing is left to save here, and a later save
        writes the pack whole (its file is no longer as this process read it)."""
        self._changed = set()
        self._first = self._valid = 0

    def _append(self, record: tuple[dict[str, Any], list[str]]) -> bool:
        """Append what changed, unless the file is not as read or appends outweigh it."""
        assert self.path is not None
        with _collector_paused():
            payload = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
        with self.path.open("ab") as handle:
            if handle.tell() != self._valid or 2 * (self._valid + len(payload)) > 3 * self._first:
                return False
            handle.write(_record_header(payload) + payload)
        self._valid += HEADER + len(payload)
        return True

    def _rewrite(self) -> None:
        assert self.path is not None and self._entries is not None
        with _collector_paused():
            payload = pickle.dumps(self._entries, protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(_record_header(payload))
                handle.write(payload)
            os.replace(tmp, self.path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._first = self._valid = HEADER + len(payload)


HEADER = 40  # a record's length (8 bytes) and its payload's SHA-256


def _record_header(payload: bytes) -> bytes:
    return len(payload).to_bytes(8, "big") + hashlib.sha256(payload).digest()


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector walks every live object each time a few hundred are made:
    while a pack of tens of thousands is read, that costs four times the reading. The packs'
    objects live as long as the build, so they are also moved out of its sight afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


GROWN = "\0grown"  # a log's pack: how much of the log its entries describe, and by which code


def _beside(key: Hashable) -> bool:
    """Whether a pack's key is kept beside a log's state, not in it (GROWN, (GROWN, ...))."""
    return key == GROWN or (isinstance(key, tuple) and bool(key) and key[0] == GROWN)


def grown_log(
    data: bytes, pack: RecordFile | None, parse: Callable[[bytes], dict[Any, Any]]
) -> dict[Any, Any]:
    """The state of an append-only log: what `parse` makes of its lines, later lines' keys
    replacing earlier ones'. `pack` (one per log) holds that state up to the log's last whole
    line, an entry a key: a log that grew is read from there on, and only the keys its new
    lines changed are written. A log edited before that point, or a pack that another version
    of sitegen wrote, is read from the start. A half-written last line is read each time."""
    state: dict[Any, Any] = {}
    start = 0
    known = pack.get(GROWN) if pack is not None else None
    if pack is not None and isinstance(known, tuple) and len(known) == 3:
        length, prefix, code = known
        if (
            code == CODE_VERSION
            and len(data) >= length
            and hashlib.sha256(data[:length]).hexdigest() == prefix
        ):
            start = length
            state = {k: v for k, v in pack.entries.items() if not _beside(k)}
            pack.keep(state)  # else an entry not read again would be dropped
    whole = data.rfind(b"\n") + 1
    if whole > start:
        grown = parse(data[start:whole])
        state.update(grown)
        if pack is not None:  # (from the start: entries not kept are dropped at save)
            for key, value in grown.items():
                pack.put(key, value)
            pack.put(GROWN, (whole, hashlib.sha256(data[:whole]).hexdigest(), CODE_VERSION))
    state.update(parse(data[whole:]))
    return state
