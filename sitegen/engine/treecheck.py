"""The output trees compared with their manifests, in a process of its own (the standard
library only, so it starts in milliseconds): run by `output.TreeCheck` on another core."""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from collections.abc import Iterator

Record = tuple[str, int, int, int]  # fingerprint, size, mtime_ns, inode
Verdicts = dict[str, tuple[bytes, frozenset[str]]]  # manifest -> (its checksum, broken records)


def read_manifest(path: str | os.PathLike[str]) -> tuple[dict[str, Record], bytes] | None:
    """A manifest as written and its checksum, or None when it is missing or damaged."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        if hashlib.sha256(data[32:]).digest() != data[:32]:
            return None  # damaged, or written by a killed build
        records = pickle.loads(data[32:])
    except Exception:  # unreadable, or not sitegen's pickle at all
        return None
    return (records, data[:32]) if isinstance(records, dict) else None


def not_holding(base: str, records: dict[str, Record]) -> Iterator[str]:
    """The records whose file or folder does not have the stat recorded (or is gone). A
    record's path is relative to `base` ("" is `base` itself, "/" the folder `base`)."""
    try:
        tree = os.open(base, os.O_RDONLY | os.O_DIRECTORY)  # paths below are looked up from here
    except OSError:
        tree = -1
    stat = os.stat
    try:
        for rel, (_, size, mtime, inode) in records.items():
            try:
                if not rel:
                    st = stat(base)
                elif tree < 0:
                    raise FileNotFoundError(rel)
                else:
                    st = stat("." if rel == "/" else rel, dir_fd=tree)
            except OSError:
                yield rel
                continue
            if st.st_mtime_ns != mtime or st.st_ino != inode or st.st_size != size:
                yield rel
    finally:
        if tree >= 0:
            os.close(tree)


def verdicts(trees: list[tuple[str, str]]) -> Verdicts:
    """For each (manifest, tree): the manifest's checksum and its records that do not hold."""
    found = {}
    for manifest, tree in trees:
        read = read_manifest(manifest)
        if read is not None:
            records, digest = read
            found[manifest] = (digest, frozenset(not_holding(tree, records)))
    return found


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.stdout.buffer.write(pickle.dumps(verdicts(list(zip(args[::2], args[1::2], strict=True)))))
