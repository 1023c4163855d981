"""A content-addressed cache: a result is stored under the hash of everything that made it."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import tempfile
from pathlib import Path
from typing import Any

from sitegen import __version__


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


def content_hash(data: bytes) -> str:
    """The "sha256:..." name of some bytes, as digests, ledgers and keys write it."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def cache_key(*parts: Any) -> str:
    """The hash of the inputs (bytes are hashed, everything else serialised) and the code."""
    digest = hashlib.sha256(CODE_VERSION)
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
    """Many small entries in one file (a build reads thousands): pickled, checksummed, whole.

    A pack that fails its checksum is ignored as a whole: the build is simply colder.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._entries: dict[str, Any] | None = None
        self.used: set[str] = set()
        self.dirty = False

    @property
    def entries(self) -> dict[str, Any]:
        """Read on first use: a command that needs no entry never pays for the file."""
        if self._entries is None:
            self._entries = self._read()
        return self._entries

    def _read(self) -> dict[str, Any]:
        if self.path is None:
            return {}
        try:
            data = self.path.read_bytes()
            digest, payload = data[:32], data[32:]
            if hashlib.sha256(payload).digest() == digest:
                loaded = pickle.loads(payload)
                if isinstance(loaded, dict):
                    return loaded
        except (
            OSError,
            pickle.PickleError,
            EOFError,
            ValueError,
            TypeError,
            AttributeError,
            ImportError,
            IndexError,
        ):
            pass
        return {}

    @property
    def loaded(self) -> bool:
        return self._entries is not None

    def get(self, key: str) -> Any | None:
        value = self.entries.get(key)
        if value is not None:
            self.used.add(key)
        return value

    def put(self, key: str, value: Any) -> None:
        self.entries[key] = value
        self.used.add(key)
        self.dirty = True

    def save(self) -> None:
        """Keep what this build used (so the pack never grows without end), atomically."""
        if self.path is None or self._entries is None:
            return  # never read, so nothing changed
        if not self.dirty and len(self.used) == len(self.entries):
            return  # nothing new, nothing to drop
        kept = {k: v for k, v in self.entries.items() if k in self.used}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:  # streamed: no second copy of the pack
                handle.write(b"\0" * 32)
                writer = _HashingWriter(handle)
                pickle.dump(kept, writer, protocol=pickle.HIGHEST_PROTOCOL)
                handle.seek(0)
                handle.write(writer.digest.digest())
            os.replace(tmp, self.path)
        except OSError:
            pass


class _HashingWriter:
    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.handle.write(data)


class FileHashes:
    """SHA-256 of files, remembered by (path, size, mtime, ctime, inode) so unchanged photos are
    not read again on every build; any change to the file's stat means it is read and hashed."""

    def __init__(self, pack: Pack) -> None:
        self.pack = pack

    def hash(self, path: Path) -> str:
        try:
            st = path.stat()
        except (OSError, ValueError):
            return "missing"
        # ctime changes on every write, and no tool can set it back.
        key = f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}\0{st.st_ino}"
        known = self.pack.get(key)
        if isinstance(known, str):
            return known
        try:
            digest = content_hash(path.read_bytes())
        except OSError:
            return "missing"
        self.pack.put(key, digest)
        return digest
