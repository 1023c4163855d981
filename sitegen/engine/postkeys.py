"""Each post's key: the hash of its files and of what its analysis reads, found by stat alone."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from sitegen.config import Config
from sitegen.content import POSTS_DIR
from sitegen.engine.hashes import FileHashes
from sitegen.engine.keys import cache_key
from sitegen.model import Register
from sitegen.policy import ANALYSIS_READS
from sitegen.policy.welsh import dictionary_installed

ANALYSIS_VERSION = 1


class PostIndex:
    """The post folders of a site and each one's key, worked out once a command. The hash of
    every file a key is made of is pinned for the rest of the command: every later look-up
    (photos rendered, ledger entries) names those bytes, so a file swapped and swapped back
    meanwhile can never pass as the one that was checked."""

    def __init__(
        self,
        root: Path,
        config: Config,
        register: Register,
        hashes: FileHashes,
        published_from: Callable[[str, dict[str, str]], str | None] | None = None,
    ):
        """`published_from` (a build's): the folder a post is published from instead of its
        own, given its own folder and its files' hashes (revisions.LiveRevisions)."""
        self.root, self.config, self.register, self.hashes = root, config, register, hashes
        self.published_from = published_from
        self.files: dict[str, list[str]] = {}  # each post folder's files, as keyed
        # A post published from another folder (its approved revision): its own folder's key.
        # (Its edit is not published, but what it says of its photos is a fact: a build whose
        # edits changed is not the same build.)
        self.edits: dict[str, str] = {}
        self._common: str | None = None
        self._keys: tuple[list[str], list[str]] | None = None

    def keys(self) -> tuple[list[str], list[str]]:
        """Each post folder and the hash of everything its analysis is made of."""
        if self._keys is None:
            folders, keys = [], []
            posts = os.path.join(self.root, POSTS_DIR)
            for name, is_folder in self._listing(posts):
                folder = os.path.join(posts, name)
                # (a link to a folder is a post too: never read through, but never passed over
                # in silence, its post says why it cannot be published)
                is_post = is_folder or (os.path.islink(folder) and os.path.isdir(folder))
                key = self.key(folder) if is_post else None
                if key is not None and self.published_from and is_folder:
                    # (each path is the folder's joined with the file's: cut, not worked out)
                    current = {
                        path[len(folder) + 1 :]: self.hashes.pinned[path]
                        for path in self.files.get(folder, [])
                    }
                    if (instead := self.published_from(folder, current)) is not None:
                        self.edits[folder] = key
                        folder, key = instead, self.key(instead)
                if key is not None:
                    folders.append(folder)
                    keys.append(key)
            self._keys = (folders, keys)
        return self._keys

    def key(self, folder: str, fresh: bool = False) -> str | None:
        """The hash of a post's files and of what its analysis reads besides; None when the
        folder cannot be read. `fresh` reads the files' hashes again (was it saved meanwhile?)
        instead of pinning them."""
        common = self.common()
        if os.path.islink(folder):
            try:
                return hash_of(common, folder, "link:" + os.readlink(folder))
            except OSError:
                return None
        tree = self.hashes.tree(folder)
        if tree is None:
            return None
        files = listed = tree[0]
        if not fresh:
            pinned = self.hashes.pinned
            files = tuple((rel, path, pinned.setdefault(path, h)) for rel, path, h in files)
            self.files[folder] = [path for _, path, _ in files]
        found = {rel: digest for rel, _, digest in files}
        # The key made from these very files last time (the tree's record is dropped with them).
        remembered = tree[1] if files == listed else None
        if isinstance(remembered, tuple) and remembered[0] == common:
            return str(remembered[1])
        # (a folder without its index.md is a post too: its finding says what is missing)
        digest = found.get("index.md", "missing")
        # Every file below the folder (images may sit in subfolders), and the folder's own
        # path: a renamed or copied post is a different post.
        below = sorted((r, h) for r, h in found.items() if r != "index.md")
        key = hash_of(common, folder, digest, *(f"{r}\0{h}" for r, h in below))
        if files == listed:
            self.hashes.remember(folder, (common, key))
        return key

    def common(self) -> str:
        """The part of every post's key that is not the post: what the analysis declares it
        reads from the register (policy.ANALYSIS_READS), the settings it reads, and (through
        cache_key) sitegen's own code."""
        if self._common is None:
            register = sorted(
                tuple(getattr(p, column) for column in ANALYSIS_READS)
                for p in self.register.pupils.values()
            )
            config = self.config
            self._common = cache_key(
                "analysis",
                ANALYSIS_VERSION,
                str(self.root),
                register,
                config.timezone,
                config.language,
                config.tone_threshold <= 0,
                dictionary_installed(),  # Welsh posts' mutated names are judged by it
            )
        return self._common

    def _listing(self, folder: str) -> tuple[tuple[str, bool], ...]:
        try:
            return self.hashes.listing(folder)
        except OSError:
            return ()


def hash_of(*parts: str) -> str:
    """The hash of strings, for keys made thousands of times a build from keys that already
    name the code version (`cache_key` serialises any value, at ten times the cost)."""
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()
