"""Opening a site's files safely: regular files only, never through a link, within a size."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path

# Bounds on what a post may make sitegen read: a school's photo is a few megabytes and its
# text a few kilobytes; anything far larger is a mistake or an attack (a link to /dev/zero).
MAX_IMAGE_BYTES = 100 * 1024 * 1024
MAX_TEXT_BYTES = 2 * 1024 * 1024
MAX_RECORD_BYTES = 512 * 1024 * 1024  # settings, register, audit log, ledger: years of records

# The site's folders whose files are published or uploaded: never a place for a report.
PUBLISHED_FOLDERS = ("templates", "content/posts", "build/site", "build/exports")
# The site's own files: a report written there would replace the register, the ledger or the
# approval log (`--output content/consent.csv`), or land where a build overwrites it.
OWN_FILES = ("content", "build", "site.toml")


def site_part_holding(root: Path, path: Path, parts: Iterable[str]) -> str | None:
    """The first of the site's `parts` (paths below `root`) that is `path` or holds it, both
    resolved (a relative path, a link: where the file would really go)."""
    where = path.resolve()
    return next((part for part in parts if where.is_relative_to((root / part).resolve())), None)


KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFSOCK: "a socket",
}


class UnsafeFile(OSError):
    """A path that is not a regular file sitegen may read: its strerror says why."""

    def __init__(self, path: str | os.PathLike[str], why: str) -> None:
        super().__init__(0, why, str(path))

    def __reduce__(self) -> tuple[type[UnsafeFile], tuple[str, str]]:
        # (raised in a worker, it is pickled back: OSError's own way calls this class with
        # OSError's three arguments, which broke the pool and every page of the preview)
        return UnsafeFile, (str(self.filename), str(self.strerror))


def kind(mode: int) -> str:
    """What a stat's mode names, in words ("a regular file", "a symbolic link" ...)."""
    return KINDS.get(stat.S_IFMT(mode), "a regular file" if stat.S_ISREG(mode) else "not a file")


def read_regular(
    path: str | os.PathLike[str], limit: int = MAX_IMAGE_BYTES, follow: bool = False
) -> bytes:
    """The bytes of a regular file of at most `limit` bytes. The file is opened without
    waiting (a FIFO would block) and, unless `follow`, without following a link; it is
    checked by the descriptor's own stat, so nothing swapped in after a check is read."""
    flags = os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | (0 if follow else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # the last part of the path is a link
            raise UnsafeFile(path, "is a symbolic link") from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFile(path, f"is {kind(st.st_mode)}, not a regular file")
        if st.st_size > limit:
            raise UnsafeFile(path, _too_large(st.st_size, limit))
        chunks = [os.read(fd, st.st_size + 1)]  # (+1: a file that grew is read to its end)
        total = len(chunks[0])
        while chunks[-1]:
            chunks.append(os.read(fd, 1 << 20))
            total += len(chunks[-1])
            if total > limit:
                raise UnsafeFile(path, f"grew past the {limit // 2**20} MB limit while read")
        return b"".join(chunks)
    finally:
        os.close(fd)


def problem(path: str | os.PathLike[str], limit: int = MAX_IMAGE_BYTES) -> str | None:
    """Why `path` is not a regular file of at most `limit` bytes that may be read, in words;
    None when it is one. (Never opens the file.)"""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return "is missing"
    except (OSError, ValueError) as exc:
        return f"cannot be read: {getattr(exc, 'strerror', None) or exc}"
    if not stat.S_ISREG(st.st_mode):
        return f"is {kind(st.st_mode)}, not a regular file"
    if st.st_size > limit:
        return _too_large(st.st_size, limit)
    return None


def _too_large(size: int, limit: int) -> str:
    return f"is {size / 2**20:.0f} MB, over the {limit // 2**20} MB limit"


def read_file(path: str | os.PathLike[str], limit: int = MAX_IMAGE_BYTES) -> bytes:
    """A regular file's bytes (never through a link, never a FIFO or device, at most `limit`
    bytes: see files.py), read with os calls: a build reads thousands of small files, and a
    Python file object (with its check for a terminal) costs more than the reading."""
    return read_regular(path, limit)
