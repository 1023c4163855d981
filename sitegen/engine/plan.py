"""The output plan: every file a build will write, by path, before any is written."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path
from typing import Any, NamedTuple

from sitegen.engine.store import fast_reduce
from sitegen.errors import SitegenError


class Same(NamedTuple):
    """A planned file identical to one an earlier build wrote (its fingerprint): taken from the
    live or the spare tree, never made again. (A tuple: thousands are read every build.)"""

    fp: str

    def __reduce__(self) -> tuple[Any, ...]:
        return fast_reduce(self)


class Fresh(NamedTuple):
    """A file this build made, with its fingerprint, worked out where its bytes were made (a
    worker process): the build hashes none of the thousands of pages it is sent."""

    data: bytes
    fp: str

    @classmethod
    def of(cls, data: bytes) -> Fresh:
        return cls(data, hashlib.sha256(data).hexdigest())

    def __reduce__(self) -> tuple[Any, ...]:
        return fast_reduce(self)


class Placed(NamedTuple):
    """A file a worker wrote straight into a tree a first build makes (`whole_trees`), by its
    fingerprint and the record of the file written: its bytes never reach the build."""

    fp: str
    size: int
    mtime_ns: int
    ino: int
    twin: bool  # hard-linked into the tree's double too

    def __reduce__(self) -> tuple[Any, ...]:
        return fast_reduce(self)


class OutputClash(SitegenError):
    """The build would write two things at one path, or outside its folder (exit 2)."""


class Missing(Exception):
    """A `Same` file is in neither tree any more: the build must make it again. `recorded`:
    what the attempt had already recorded in the ledger (the next attempt finds it there)."""

    recorded: Any = None


Content = bytes | Path | Same | Fresh | Placed


class OutputPlan:
    """Every file a build will write, gathered before any is written."""

    def __init__(self) -> None:
        self.files: dict[str, Content] = {}

    def add(self, path: str, content: Content) -> None:
        # No empty, absolute or ".." part: "/" + path + "/" holds neither "//" nor "/../".
        wrapped = f"/{path}/"
        if not path or "//" in wrapped or "/../" in wrapped or "\\" in path:
            raise OutputClash(f"output path {path!r} would leave the output folder")
        if path in self.files:
            # Two things want one file (a tag named like a page, say): neither may silently
            # win, and nothing is written.
            raise OutputClash(
                f"two outputs want {path}: nothing was published; rename what makes one of "
                "them (a tag, a post's folder, a file in templates/static/)"
            )
        self.files[path] = content

    def fingerprints(self) -> Fingerprints:
        return Fingerprints((path, fingerprint(content)) for path, content in self.files.items())


class Fingerprints(dict[str, str]):
    """A plan's files by fingerprint, and the folders they sit in (worked out once: a build
    asks for them at every step of bringing a tree up to date)."""

    @functools.cached_property
    def folders(self) -> set[str]:
        return folders_of(self)


def fingerprint(content: Content) -> str:
    """What a planned file is: the hash of its bytes, or its content-addressed cache path."""
    if isinstance(content, Same | Fresh | Placed):
        return content.fp
    if isinstance(content, Path):
        return f"cache:{content}"
    return hashlib.sha256(content).hexdigest()


def ancestors(rel: str) -> list[str]:
    """The folders above a path, as "a/b/", up to the root "/"."""
    out = ["/"]
    cut = rel.find("/")
    while cut > 0:
        out.append(rel[: cut + 1])
        cut = rel.find("/", cut + 1)
    return out


def folders_of(planned: dict[str, str]) -> set[str]:
    folders = {"/"}
    for rel in planned:
        cut = rel.rfind("/")
        while cut > 0:
            folder = rel[: cut + 1]
            if folder in folders:
                break
            folders.add(folder)
            cut = rel.rfind("/", 0, cut)
    return folders
