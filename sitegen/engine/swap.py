"""The build folder's lock, and swapping a finished tree in whole."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from sitegen.engine.manifests import MANIFEST
from sitegen.errors import RefusedError

RENAME_EXCHANGE = 2


AT_FDCWD = -100


@contextlib.contextmanager
def build_lock(
    out: Path, then: str = "build again", doing: str = "build", wait: bool = False
) -> Iterator[None]:
    """Refuse a second build into the same folder while one runs (and a deploy, which must
    never copy a tree a build is about to swap). `then`: what to do once the other is done;
    `doing`: what this one is, as the next to wait for it is told; `wait`: wait for the other
    instead (the preview, which nobody is there to run again)."""
    out.mkdir(parents=True, exist_ok=True)
    lock_path = out / ".lock"
    handle = lock_path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        handle.seek(0)
        pid, _, other = (handle.read().strip() or "unknown").partition(" ")
        handle.close()
        raise RefusedError(
            f"a {other or 'build'} is running into {out} (pid {pid}): "
            f"wait for it to finish, then {then}"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()} {doing}")
    handle.flush()
    try:
        for stale in out.glob(".staging-*"):  # left by a build that was killed
            shutil.rmtree(stale, ignore_errors=True)
        for parked in out.glob(".parked-*"):  # a swap without renameat2, killed half way
            live = out / parked.name.split("-", 2)[2]
            if live.exists():
                shutil.rmtree(parked, ignore_errors=True)
            else:
                os.rename(parked, live)  # the old tree back: whole, if not the newest
        for double in out.glob(".double-*"):  # a first build's, killed before it published
            shutil.rmtree(double, ignore_errors=True)
        for retired in out.glob(".retired-*"):  # (standby.set_aside: removed when it can be)
            shutil.rmtree(retired, ignore_errors=True)
        for spare in out.glob(".spare-*"):  # no manifest: nobody knows what it holds
            if not (out / MANIFEST.format("spare-" + spare.name[len(".spare-") :])).exists():
                shutil.rmtree(spare, ignore_errors=True)
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where the system cannot."""
    # (the symbols this process already has: find_library would run ldconfig each time)
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    if result == 0:
        return True
    if ctypes.get_errno() in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(a))


def exchange(a: Path, b: Path) -> None:
    """Swap two folders, atomically where the system can (so `b` is always whole)."""
    if _exchange(a, b):
        return
    parked = b.with_name(f".parked-{os.getpid()}-{b.name}")
    os.rename(b, parked)
    os.rename(a, b)
    os.rename(parked, a)
