"""Manifests of the output trees: what each holds, checked by stat here or by a helper."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from sitegen.engine import treecheck
from sitegen.engine.treecheck import Record, Verdicts, not_holding, read_manifest

MANIFEST = ".manifest-{}.pickle"  # one per tree, beside it, never inside what is uploaded


SPARE = ".spare-{}"  # the tree before the live one: brought up to date, then swapped in


DOUBLE = ".double-{}"  # a first build's spare tree, linked file by file as workers write


DIR = "folder"  # the fingerprint a folder's record carries


NO_RECORD: Record = ("", -1, -1, -1)


class Checked(dict[str, Record]):
    """A manifest whose records' stats a `TreeCheck` compared already: `broken` are the
    records that no longer hold."""

    broken: frozenset[str] = frozenset()


def load_manifest(path: Path, check: TreeCheck | None = None) -> dict[str, Record] | None:
    """A manifest as written (`Checked` when `check` compared these very records), or None
    when it is missing or damaged in any way."""
    read = read_manifest(path)
    if read is None:
        return None
    records, digest = read
    broken = check.verdict(path, digest) if check else None
    if broken is None:
        return records
    checked = Checked(records)
    checked.broken = broken
    return checked


class TreeCheck:
    """Every record of the output trees' manifests compared with the file's or folder's stat
    now, by a small process (`treecheck.py`) that starts with the build: the tens of
    thousands of stats run on another core while the build reads its memory and makes what
    changed. A verdict holds for the manifest bytes that process read, so a manifest written
    since is checked by the build itself; so is everything when the process cannot run or
    answer. The verdicts describe the trees as the build found them when it started: a file
    someone changes inside build/ while a build runs is repaired by the next build."""

    def __init__(self, out: Path, names: Iterable[str]) -> None:
        trees = [
            (out / MANIFEST.format(prefix + name), out / (SPARE.format(name) if prefix else name))
            for name in names
            for prefix in ("", "spare-")
        ]
        self._verdicts: Verdicts | None = None
        self._process: subprocess.Popen[bytes] | None = None
        if not any(manifest.exists() for manifest, _ in trees):
            self._verdicts = {}  # a first build: nothing to compare
            return
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-I", "-S", treecheck.__file__]
                + [os.fspath(p) for pair in trees for p in pair],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except (OSError, ValueError, TypeError):  # no process to be had (or no Python path)
            self._verdicts = {}

    def ready(self) -> None:
        """Wait for the verdicts (before forking: a child must not read the answer)."""
        if self._verdicts is None:
            self._verdicts = self._answer()

    def verdict(self, manifest: Path, digest: bytes) -> frozenset[str] | None:
        """The records of `manifest` that do not hold, if the check read these very bytes."""
        self.ready()
        assert self._verdicts is not None
        checked, broken = self._verdicts.get(os.fspath(manifest), (b"", frozenset()))
        return broken if checked == digest else None

    def _answer(self) -> Verdicts:
        assert self._process is not None
        try:
            answer, _ = self._process.communicate()
            verdicts = pickle.loads(answer) if self._process.returncode == 0 else {}
        except Exception:  # it died half way, or said something else: no verdict at all
            return {}
        return verdicts if isinstance(verdicts, dict) else {}

    def close(self) -> None:
        """Never leave the process behind, even when the build stopped early."""
        if self._process is not None and self._process.returncode is None:
            self._process.kill()
            self._process.communicate()

    def __enter__(self) -> TreeCheck:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def manifests_print(out: Path, names: list[str]) -> str:
    """The hash of the live trees' manifests: which build's output is in place."""
    digest = hashlib.sha256()
    for name in names:
        try:
            digest.update((out / MANIFEST.format(name)).read_bytes())
        except OSError:
            digest.update(b"missing")
        digest.update(b"\0")
    return digest.hexdigest()


def save_manifest(path: Path, records: dict[str, Record]) -> None:
    plain = dict(records) if isinstance(records, Checked) else records  # never its verdict
    payload = pickle.dumps(plain, protocol=pickle.HIGHEST_PROTOCOL)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(hashlib.sha256(payload).digest() + payload)  # checked on every read
    os.replace(tmp, path)


def record_of(path: str, print_: str) -> Record | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (print_, st.st_size, st.st_mtime_ns, st.st_ino)


def holds(base: str, records: dict[str, Record] | None, rel: str, print_: str) -> bool:
    """Whether the tree at `base` still has `rel` as its manifest says, with that fingerprint.
    (A record names the inode, size and mtime, so it cannot vouch for a file written since.)"""
    record = records.get(rel) if records else None
    if record is None or record[0] != print_:
        return False
    if not rel:
        path = base
    elif rel.endswith("/"):
        path = folder_path(base, rel)
    else:
        path = os.path.join(base, rel)
    return record_of(path, print_) == record


def intact(out: Path, names: list[str], check: TreeCheck | None = None) -> bool:
    """Whether every part is exactly as the last build left it (by its manifest and stats)."""
    for name in names:
        records = load_manifest(out / MANIFEST.format(name), check)
        base = os.path.join(out, name)
        if records is None or not os.path.exists(base):
            return False
        if not tree_holds(base, records):
            return False
    return True


def tree_holds(base: str, records: dict[str, Record]) -> bool:
    """Whether every file and folder of a manifest has the stat it records."""
    if isinstance(records, Checked):
        return not records.broken
    return not any(True for _ in not_holding(base, records))


def folder_path(base: str, rel: str) -> str:
    return base if rel == "/" else os.path.join(base, rel[:-1])


def cached_intact(path: Path) -> bool:
    """Whether a file of the content-addressed cache still has the hash its entry records:
    checked before it is linked into a tree, since the cache's files are shared."""
    try:
        manifest = json.loads((path.parent / "manifest.json").read_text("utf-8"))
        expected = manifest["files"][path.name]
        return hashlib.sha256(path.read_bytes()).hexdigest() == expected
    except (OSError, ValueError, KeyError, TypeError):
        return False
