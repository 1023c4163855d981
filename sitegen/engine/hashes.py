"""File hashes remembered by stat, and folder trees walked without following a link."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path
from typing import Any

from sitegen.engine.keys import content_hash
from sitegen.engine.store import RecordFile
from sitegen.files import UnsafeFile, read_file


class FileHashes:
    """SHA-256 of files, remembered by (path, size, mtime, ctime, inode) so unchanged photos are
    not read again on every build; any change to the file's stat means it is read and hashed.
    Folder listings are remembered the same way: an entry added, removed or renamed changes the
    folder's mtime and ctime."""

    def __init__(self, pack: RecordFile) -> None:
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
