"""Keys: the hash of everything a result is made of, sitegen's own code included."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from sitegen import __version__, fastpaths

PACKAGE = Path(__file__).resolve().parent.parent  # sitegen/


def _code_version() -> bytes:
    """The hash of sitegen's own source and data: any change to the code changes every key."""
    package = PACKAGE
    digest = hashlib.sha256(__version__.encode())
    # Which code reads front matter and Markdown (sitegen's fast paths or the stock libraries)
    # makes the same results, tests prove; a key names it all the same.
    digest.update(b"stock" if fastpaths.STOCK_LIBRARIES else b"fast")
    for path in sorted(package.rglob("*")):
        if (
            path.is_file()
            and path.suffix in (".py", ".tsv", ".json")
            and "__pycache__" not in path.parts
        ):
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.digest()


CODE_VERSION = _code_version()


def content_hash(data: bytes) -> str:
    """The "sha256:..." name of some bytes, as digests, ledgers and keys write it."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def source_version(*modules: str) -> bytes:
    """The hash of some of sitegen's modules, for results that depend on them alone (a photo's
    renders, its OCR): a change elsewhere in sitegen does not throw hours of OCR away."""
    package = PACKAGE
    digest = hashlib.sha256()
    for name in modules:
        digest.update(name.encode() + b"\0" + (package / name).read_bytes())
    return digest.digest()


def cache_key(*parts: Any, code: bytes | None = None) -> str:
    """The hash of the inputs (bytes are hashed, everything else serialised) and the code:
    all of sitegen's, or the `code` of the modules that make the result."""
    digest = hashlib.sha256(CODE_VERSION if code is None else code)
    for part in parts:
        if isinstance(part, bytes | bytearray | memoryview):
            digest.update(b"b" + hashlib.sha256(part).digest())
        else:
            # repr of sitegen's own plain values (str, numbers, tuples, lists, dicts built in a
            # fixed order, dataclasses) is stable; the separator keeps parts apart.
            digest.update(b"r" + repr(part).encode() + b"\0")
    return digest.hexdigest()
