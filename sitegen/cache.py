"""A content-addressed cache: a result is stored under the hash of everything that made it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from sitegen import __version__


def cache_key(*parts: Any) -> str:
    """The hash of the inputs (bytes are hashed, everything else serialised) and the code."""
    digest = hashlib.sha256(__version__.encode())
    for part in parts:
        if isinstance(part, bytes | bytearray | memoryview):
            digest.update(b"b" + hashlib.sha256(part).digest())
        else:
            digest.update(b"j" + json.dumps(part, sort_keys=True, default=str).encode())
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

    def put_files(self, kind: str, key: str, files: dict[str, bytes], meta: Any) -> None:
        if self.root is None:
            return
        folder = self._path(kind, key)
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
            shutil.rmtree(locals().get("staging", folder.parent / ".none"), ignore_errors=True)
