"""The output plan (no two outputs at one path) and the build folder: staged, locked, swapped."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import hashlib
import os
import pickle
import shutil
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from sitegen.errors import RefusedError

RENAME_EXCHANGE = 2
AT_FDCWD = -100


class OutputPlan:
    """Every file a build will write, gathered before any is written."""

    def __init__(self) -> None:
        self.files: dict[str, bytes | Path] = {}

    def add(self, path: str, content: bytes | Path) -> None:
        clean = PurePosixPath(path)
        if clean.is_absolute() or ".." in clean.parts or not path:
            raise ValueError(f"output path {path!r} leaves the output folder")
        if path in self.files:
            raise ValueError(f"two outputs want {path}")
        self.files[path] = content

    def fingerprints(self) -> dict[str, str]:
        return {path: fingerprint(content) for path, content in self.files.items()}

    def write(self, folder: str, live: str, same: set[str]) -> None:
        """Write every file into `folder`. A file the live build has unchanged (in `same`) and
        a file from the cache are hard-linked, not written again. (Plain strings: this loop
        runs for every file of the site.)"""
        made: set[str] = set()
        for path, content in sorted(self.files.items()):
            target = os.path.join(folder, path)
            parent = os.path.dirname(target)
            if parent not in made:
                os.makedirs(parent, exist_ok=True)
                made.add(parent)
            source = (
                content
                if isinstance(content, Path)
                else (os.path.join(live, path) if path in same else None)
            )
            if source is not None:
                try:
                    os.link(source, target)
                    continue
                except OSError:
                    pass  # another file system: copy instead
            if isinstance(content, Path):
                shutil.copyfile(content, target)
            else:
                with open(target, "wb") as handle:
                    handle.write(content)


def fingerprint(content: bytes | Path) -> str:
    """What a planned file is: the hash of its bytes, or its content-addressed cache path."""
    if isinstance(content, Path):
        return f"cache:{content}"
    return hashlib.sha256(content).hexdigest()


@contextlib.contextmanager
def build_lock(out: Path) -> Iterator[None]:
    """Refuse a second build into the same folder while one runs."""
    out.mkdir(parents=True, exist_ok=True)
    lock_path = out / ".lock"
    handle = lock_path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise RefusedError(
            f"another build is running into {out} (pid {holder}): "
            "wait for it to finish, then build again"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    try:
        for stale in out.glob(".staging-*"):  # left by a build that was killed
            shutil.rmtree(stale, ignore_errors=True)
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where the system cannot."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    if result == 0:
        return True
    if ctypes.get_errno() in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(a))


def swap_in(staged: Path, live: Path) -> None:
    """Put `staged` where `live` is, so that `live` is always whole: old or new, never half."""
    if not live.exists():
        os.rename(staged, live)
        return
    if _exchange(staged, live):
        shutil.rmtree(staged) if staged.is_dir() else staged.unlink()
        return
    retired = live.with_name(f".retired-{os.getpid()}-{live.name}")
    os.rename(live, retired)
    os.rename(staged, live)
    shutil.rmtree(retired) if retired.is_dir() else retired.unlink()


MANIFEST = ".manifest-{}.pickle"  # one per part, beside it, never inside what is uploaded
Record = tuple[str, int, int, int]  # fingerprint, size, mtime_ns, inode


def _load_manifest(out: Path, names: list[str]) -> dict[str, dict[str, Record]]:
    manifest: dict[str, dict[str, Record]] = {}
    for name in names:
        try:
            data = pickle.loads((out / MANIFEST.format(name)).read_bytes())
        except (OSError, pickle.PickleError, EOFError, ValueError, TypeError, AttributeError):
            continue
        if isinstance(data, dict):
            manifest[name] = data
    return manifest


def _record(path: str, print_: str) -> Record | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (print_, st.st_size, st.st_mtime_ns, st.st_ino)


def intact(out: Path, names: list[str]) -> bool:
    """Whether every part is exactly as the last build left it (by its manifest and stats)."""
    manifest = _load_manifest(out, names)
    base = os.fspath(out)
    for name in names:
        records = manifest.get(name)
        if records is None or not os.path.exists(os.path.join(base, name)):
            return False
        for rel, record in records.items():
            path = os.path.join(base, name, rel) if rel else os.path.join(base, name)
            if _record(path, record[0]) != record:
                return False
    return True


def publish(out: Path, parts: dict[str, OutputPlan | bytes]) -> bool:
    """Write every part into a staging folder inside `out`, then swap each into place.

    The manifest of the live build (each file's fingerprint and stat) tells which files are
    unchanged: those are hard-linked into the staging folder, and when nothing at all changed
    nothing is written. Returns whether anything was.
    """
    manifest = _load_manifest(out, list(parts))
    planned = {
        name: (part.fingerprints() if isinstance(part, OutputPlan) else {"": fingerprint(part)})
        for name, part in parts.items()
    }
    base = os.fspath(out)

    def live(name: str, rel: str) -> str:
        return os.path.join(base, name, rel) if rel else os.path.join(base, name)

    same: dict[str, set[str]] = {}
    for name, files in planned.items():
        known = manifest.get(name, {})
        same[name] = {
            rel
            for rel, print_ in files.items()
            if (record := known.get(rel)) is not None
            and record[0] == print_
            and _record(live(name, rel), print_) == record
        }
    if all(len(same[n]) == len(planned[n]) == len(manifest.get(n, {})) for n in planned):
        return False
    staging = out / f".staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        for name, part in parts.items():
            if isinstance(part, OutputPlan):
                part.write(os.path.join(staging, name), live(name, ""), same[name])
            else:
                try:
                    if "" not in same[name]:
                        raise OSError("changed")
                    os.link(out / name, staging / name)
                except OSError:
                    (staging / name).write_bytes(part)
        for name in parts:  # stale from here until written again
            (out / MANIFEST.format(name)).unlink(missing_ok=True)
        for name in parts:
            if not (staging / name).exists():
                (staging / name).mkdir()  # an empty part is still a folder
            swap_in(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for name, files in planned.items():
        records = {rel: r for rel, p in files.items() if (r := _record(live(name, rel), p))}
        target = out / MANIFEST.format(name)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_bytes(pickle.dumps(records, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, target)
    return True
