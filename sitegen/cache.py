"""A content-addressed cache: a result is stored under the hash of everything that made it."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import pickle
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Hashable, Iterable, Iterator
from pathlib import Path
from typing import Any

from sitegen import __version__
from sitegen.files import MAX_IMAGE_BYTES, UnsafeFile, read_regular


def _code_version() -> bytes:
    """The hash of sitegen's own source and data: any change to the code changes every key."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(package.rglob("*")):
        if (
            path.is_file()
            and path.suffix in (".py", ".tsv", ".json")
            and "__pycache__" not in path.parts
        ):
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.digest()


CODE_VERSION = _code_version()


def read_file(path: str | os.PathLike[str], limit: int = MAX_IMAGE_BYTES) -> bytes:
    """A regular file's bytes (never through a link, never a FIFO or device, at most `limit`
    bytes: see files.py), read with os calls: a build reads thousands of small files, and a
    Python file object (with its check for a terminal) costs more than the reading."""
    return read_regular(path, limit)


def content_hash(data: bytes) -> str:
    """The "sha256:..." name of some bytes, as digests, ledgers and keys write it."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def source_version(*modules: str) -> bytes:
    """The hash of some of sitegen's modules, for results that depend on them alone (a photo's
    renders, its OCR): a change elsewhere in sitegen does not throw hours of OCR away."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in modules:
        digest.update(name.encode() + b"\0" + (package / name).read_bytes())
    return digest.digest()


def fast_reduce(value: tuple[Any, ...]) -> tuple[Any, ...]:
    """A NamedTuple's pickling, rebuilt by `tuple.__new__` rather than a call of its Python
    `__new__`: a third of the cost, for records a build reads back by the thousand."""
    return (tuple.__new__, (type(value), tuple(value)))


def cache_key(*parts: Any, code: bytes | None = None) -> str:
    """The hash of the inputs (bytes are hashed, everything else serialised) and the code:
    all of sitegen's, or the `code` of the modules that make the result."""
    digest = hashlib.sha256(CODE_VERSION if code is None else code)
    for part in parts:
        if isinstance(part, bytes | bytearray | memoryview):
            digest.update(b"b" + hashlib.sha256(part).digest())
        else:
            # repr of sitegen's own plain values (str, numbers, tuples, lists, dicts built in a
            # fixed order, dataclasses) is stable; the separator keeps parts apart.
            digest.update(b"r" + repr(part).encode() + b"\0")
    return digest.hexdigest()


class Cache:
    """Entries are written whole (temp + rename) and checked on read: never trusted blindly.

    Safe to delete at any time; `Cache(None)` caches nothing.
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


class Pack:
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
        changed = {k: self._entries[k] for k in self._changed}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self._first and self._append((changed, removed)):
                return
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
    data: bytes, pack: Pack | None, parse: Callable[[bytes], dict[Any, Any]]
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


class FileHashes:
    """SHA-256 of files, remembered by (path, size, mtime, ctime, inode) so unchanged photos are
    not read again on every build; any change to the file's stat means it is read and hashed.
    Folder listings are remembered the same way: an entry added, removed or renamed changes the
    folder's mtime and ctime."""

    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        # Hashes a build's keys were made from: every later look-up in the build (photos
        # rendered, ledger entries) names those bytes, so a file swapped and swapped back
        # meanwhile can never pass as the one that was checked.
        self.pinned: dict[str, str] = {}

    def hash(self, path: Path | str, fresh: bool = False, st: os.stat_result | None = None) -> str:
        """The file's hash: the pinned one, unless `fresh` (then read by its stat now, or by
        `st`, a stat just taken). What is not a regular file of a readable size is never
        opened: it is named by what it is ("link:...", "special:...", "unreadable:...")."""
        if not fresh and (known := self.pinned.get(str(path))) is not None:
            return known
        try:
            st = st or os.lstat(path)
        except (OSError, ValueError):
            return "missing"
        if not stat.S_ISREG(st.st_mode):
            return _not_regular(path, st)
        # ctime changes on every write, and no tool can set it back.
        key = f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}"
        known = self.pack.get(key)
        if isinstance(known, str):
            return known
        try:
            digest = content_hash(read_file(path))
        except UnsafeFile as exc:
            return f"unreadable:{exc.strerror}"
        except (OSError, ValueError):
            return "missing"
        if _settled(st):
            self.pack.put(key, digest)
        return digest

    def listing(
        self, folder: str, st: os.stat_result | None = None
    ) -> tuple[tuple[str, bool], ...]:
        """The files and folders in `folder` (name, is a folder), sorted by name (`st`: the
        folder's stat, just taken)."""
        st = st or os.stat(folder)
        key = f"entries\0{folder}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}"
        known = self.pack.get(key)
        if isinstance(known, tuple):
            return known
        # Every entry, links and pipes too (a link is never followed: its hash names its
        # target, and a post that holds one is told why it cannot be published).
        with os.scandir(folder) as entries:
            found = tuple(sorted((e.name, e.is_dir(follow_symlinks=False)) for e in entries))
        if _settled(st):
            self.pack.put(key, found)
        return found

    def tree(self, folder: str) -> tuple[tuple[tuple[str, str, str], ...], Any] | None:
        """Every file below `folder` as (path relative to it, path, hash), and what `remember`
        last stored with them; None when the folder cannot be read. Remembered by the stats
        of every folder and file of the tree: a build of thousands of posts checks each
        post's files with a stat apiece and reads nothing, and any change at all (a file
        added, removed, renamed or written) means the tree is listed and hashed again."""
        key = "files\0" + folder
        known = self.pack.get(key)
        if isinstance(known, tuple) and len(known) == 3:
            stats, files, extra = known
            try:
                if all(_signature(os.lstat(path)) == sig for path, sig in stats):
                    return files, extra
            except (OSError, ValueError, TypeError):
                pass
        found: list[tuple[str, str, str]] = []
        stats = []
        if not self._walk(folder, "", found, stats):
            return None
        files = tuple(found)
        if all(_settled_signature(sig) for _, sig in stats):
            self.pack.put(key, (tuple(stats), files, None))
        return files, None

    def remember(self, folder: str, extra: Any) -> None:
        """Keep `extra` (a result made from the tree's files) with the tree's record."""
        key = "files\0" + folder
        known = self.pack.entries.get(key)
        if isinstance(known, tuple) and len(known) == 3 and known[2] != extra:
            self.pack.put(key, (known[0], known[1], extra))

    def _walk(
        self, folder: str, prefix: str, found: list[tuple[str, str, str]], stats: list[Any]
    ) -> bool:
        try:
            st = os.lstat(folder)
            if not stat.S_ISDIR(st.st_mode):  # a post folder that is a link is never walked
                return False
            stats.append((folder, _signature(st)))
            entries = self.listing(folder, st)
        except OSError:
            return False
        for name, is_folder in entries:
            path = os.path.join(folder, name)
            if is_folder:
                self._walk(path, f"{prefix}{name}/", found, stats)
                continue
            try:
                st = os.lstat(path)
            except (OSError, ValueError):
                stats.append((path, None))
                found.append((prefix + name, path, "missing"))
                continue
            # (the stat the tree's record keeps is the one its hash is looked up by)
            stats.append((path, _signature(st)))
            found.append((prefix + name, path, self.hash(path, fresh=True, st=st)))
        return True


def _not_regular(path: Path | str, st: os.stat_result) -> str:
    """The stand-in hash of what is not a regular file: it changes when the thing does."""
    if stat.S_ISLNK(st.st_mode):
        try:
            return "link:" + os.readlink(path)
        except OSError:
            return "link:?"
    return f"special:{stat.S_IFMT(st.st_mode)}"


def _signature(st: os.stat_result) -> tuple[int, int, int, int]:
    # ctime changes on every write, and no tool can set it back.
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _settled_signature(sig: tuple[int, int, int, int] | None) -> bool:
    return sig is not None and time.time() - max(sig[1], sig[2]) / 1e9 > RACY_SECONDS


RACY_SECONDS = 2.0


def _settled(st: os.stat_result) -> bool:
    """Whether a stat can name a version of a file: not when it changed so recently that a
    further change could land within the same timestamp tick (as git's "racily clean")."""
    changed = max(st.st_mtime_ns, st.st_ctime_ns) / 1e9
    return time.time() - changed > RACY_SECONDS
