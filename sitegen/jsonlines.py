"""Append-only records as JSON lines (the ledger, the consent history): each record written
whole and on disk before the write returns, never glued onto a line left half-written."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, BinaryIO


def append_lines(path: Path, entries: list[dict[str, Any]]) -> None:
    """Entries appended to an append-only record, a JSON line each, on disk before this
    returns (the records are the school's evidence)."""
    if not entries:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as record:
        _after_a_whole_line(record)
        for entry in entries:
            record.write((json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode())
        record.flush()
        os.fsync(record.fileno())


def _after_a_whole_line(record: BinaryIO) -> None:
    """Never glue a record onto a line left without its line break: a whole record (edited
    by hand) gets its line break; one a stopped process left half-written goes."""
    end = record.seek(0, os.SEEK_END)
    record.seek(max(0, end - TAIL))
    tail = record.read()
    if not tail or tail.endswith(b"\n"):
        return
    if whole_line(tail) or (b"\n" not in tail and end > TAIL):  # (a line too long to judge)
        record.write(b"\n")
    else:
        record.truncate(end - len(tail) + tail.rfind(b"\n") + 1)


TAIL = 1 << 20  # the most of a last line looked at


def whole_line(data: bytes) -> bool:
    """Whether the text after the last line break is a whole JSON record."""
    try:
        json.loads(data[data.rfind(b"\n") + 1 :])
    except (ValueError, RecursionError):
        return False
    return True
