"""The output plan (no two outputs at one path) and the build folder: staged, locked, swapped."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import os
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

    def write(self, folder: Path) -> None:
        for path, content in sorted(self.files.items()):
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Path):
                shutil.copyfile(content, target)
            else:
                target.write_bytes(content)


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


def publish(out: Path, parts: dict[str, OutputPlan | bytes]) -> None:
    """Write every part into a staging folder inside `out`, then swap each into place."""
    staging = out / f".staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        for name, part in parts.items():
            if isinstance(part, OutputPlan):
                (staging / name).mkdir()
                part.write(staging / name)
            else:
                (staging / name).write_bytes(part)
        for name in parts:
            swap_in(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
