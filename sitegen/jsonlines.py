"""Append-only records as JSON lines (the ledger, the consent history, the approval log's
lines): every record of one call written at once and on disk before the call returns, never
glued onto another line; read back at their line breaks only."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any


def append_lines(path: Path, entries: list[dict[str, Any]]) -> None:
    """Entries appended to an append-only record, a JSON line each, on disk before this
    returns (the records are the school's evidence). They go in one write of the whole: a
    process stopped meanwhile leaves all of them or none, never half a line. Nothing there
    is ever changed: a last line without its line break (a hand edit) gets one first."""
    if not entries:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in entries)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        end = os.fstat(fd).st_size
        data = lines.encode()
        if end and os.pread(fd, 1, end - 1) != b"\n":
            data = b"\n" + data
        while data:
            data = data[os.write(fd, data) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def record_lines(data: bytes) -> list[str]:
    """A record file's lines as written: split at its line breaks only (\n, \r\n), never at
    the Unicode line separators a title pasted from Word holds (U+2028), which JSON keeps as
    they are; a byte order mark an editor put first is no part of the first line."""
    lines = data.decode("utf-8", "replace").removeprefix("\ufeff").split("\n")
    if lines[-1] == "":
        lines.pop()  # (after the last line break)
    return [line.removesuffix("\r") for line in lines]


def line_records(line: str) -> list[Any] | None:
    """A line's records: the line read as JSON; or, where an earlier sitegen wrote a record
    onto the end of a line that had lost its line break, whole records one after another,
    after at most one a stopped command left half-written. None otherwise: damaged."""
    try:
        return [json.loads(line)]
    except (ValueError, RecursionError):  # (a line nested thousands deep: damaged too)
        pass
    records: list[Any] = []
    at, tries = 0, 0
    while at < len(line):
        try:
            record, at = _DECODER.raw_decode(line, at)
            records.append(record)
        except (ValueError, RecursionError):  # (looked for from a few places: linear work)
            tries += 1
            found = RECORD_START.search(line, at + 1)  # (never an object inside a record)
            if records or tries > 4 or found is None:
                return None
            at = found.start()
    return records


_DECODER = json.JSONDecoder()
# Where a record begins: its first key, sorted (as_posted, at). A photo's or a slug's name
# beginning with "a" may start an object inside a record, never with these.
RECORD_START = re.compile(r'\{"(?:as_posted|at)": ')
