"""Approval digests, submit/approve edits to front matter, and the hash-chained audit log."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sitegen.cache import content_hash, grown_log
from sitegen.content import FENCE
from sitegen.model import Post

AUDIT_LOG = Path("content/records/audit.jsonl")
GENESIS = "sha256:" + "0" * 64
UNSIGNED_KEYS = ("status", "approval")


def _canonical(value: Any) -> Any:
    """Front-matter values in a form whose JSON is the same for the same meaning."""
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return {"$" + type(value).__name__: repr(value)}


_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
_PLAIN = (str, int, float, bool, type(None))


def canonical_json(value: Any) -> bytes:
    # An audit entry (strings and numbers under string keys) is its own canonical form: a log
    # of thousands is checked without the walk (the bytes are the same either way).
    plain = (
        type(value) is dict
        and all(type(k) is str for k in value)
        and all(type(v) in _PLAIN for v in value.values())
    )
    return _CANONICAL.encode(value if plain else _canonical(value)).encode("utf-8")


def image_hash(path: Path) -> str:
    """The hash of an image's bytes, or a marker when it cannot be read (so adding it changes)."""
    try:
        return content_hash(path.read_bytes())
    except (OSError, ValueError):  # ValueError: a NUL in the name
        return "missing"


def post_digest(post: Post) -> str:
    """SHA-256 over the front matter (less status/approval), the body and every image's bytes."""
    meta = {k: v for k, v in (post.meta or {}).items() if k not in UNSIGNED_KEYS}
    images = [[ref.file, image_hash(post.folder / ref.file)] for ref in post.images]
    return content_hash(canonical_json({"front_matter": meta, "body": post.body, "images": images}))


# --- the audit log -----------------------------------------------------------------------


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    data: dict[str, Any]
    hash: str
    line: int


def entry_hash(data: dict[str, Any]) -> str:
    return content_hash(canonical_json({k: v for k, v in data.items() if k != "hash"}))


def read_audit_log(root: Path) -> tuple[list[AuditEntry], list[str]]:
    """Every entry of the log, and the problems that show it was edited, removed or reordered."""
    path = root / AUDIT_LOG
    entries: list[AuditEntry] = []
    problems: list[str] = []
    if not path.exists():
        return entries, problems
    prev = GENESIS
    # Decoded leniently: a damaged byte shows up as an altered entry, never as a crash.
    for number, line in enumerate(path.read_bytes().decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        where = f"{AUDIT_LOG.as_posix()}:{number}"
        try:
            data = json.loads(line)
            if not isinstance(data, dict):
                raise ValueError("not an object")
        except ValueError:
            problems.append(f"{where}: not a JSON object")
            continue
        actual = entry_hash(data)
        if data.get("hash") != actual:
            problems.append(f"{where}: entry was altered (its hash does not match its contents)")
        if data.get("prev") != prev:
            problems.append(
                f"{where}: the chain is broken (an entry before it was removed, altered or moved)"
            )
        if data.get("seq") != len(entries) + 1:
            problems.append(
                f"{where}: sequence number {data.get('seq')} where {len(entries) + 1} was expected"
            )
        entries.append(AuditEntry(len(entries) + 1, data, actual, number))
        prev = data.get("hash", actual)
    return entries, problems


class AuditEntries(Mapping[str, dict[str, Any]]):
    """Valid audit-log entries by hash, kept as their lines and parsed only when asked for:
    a build asks whether thousands of approvals' entries exist, and reads a few."""

    def __init__(self, lines: dict[str, str]) -> None:
        self._lines = lines

    def __getitem__(self, key: str) -> dict[str, Any]:
        entry = json.loads(self._lines[key])
        assert isinstance(entry, dict)  # only dicts whose hash matched were kept
        return entry

    def __contains__(self, key: object) -> bool:
        return key in self._lines

    def __iter__(self) -> Iterator[str]:
        return iter(self._lines)

    def __len__(self) -> int:
        return len(self._lines)


def valid_entries(root: Path, memo: Any = None) -> AuditEntries:
    """Entries whose hash matches their contents, by hash: what an approval may point to.

    Each line stands on its own here (the chain is `audit verify`'s business), so `memo` (a
    cache Pack of its own) remembers the answer for the log up to its last whole line, and a
    log that grew is read from there on.
    """
    try:
        data = (root / AUDIT_LOG).read_bytes()
    except (OSError, ValueError):
        return AuditEntries({})
    return AuditEntries(grown_log(data, memo, _valid_lines))


def _valid_lines(data: bytes) -> dict[str, str]:
    valid = {}
    for line in data.decode("utf-8", "replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("hash") == entry_hash(entry):
            valid[entry["hash"]] = line
    return valid


def append_audit(root: Path, action: str, post: str, by: str, at: datetime, digest: str) -> str:
    """Append one entry chained to the last; returns its hash."""
    path = root / AUDIT_LOG
    path.parent.mkdir(parents=True, exist_ok=True)
    entries, _ = read_audit_log(root)
    last = entries[-1].data.get("hash", GENESIS) if entries else GENESIS
    data = {
        "seq": len(entries) + 1,
        "at": at.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "action": action,
        "post": post,
        "by": by,
        "digest": digest,
        "prev": last,
    }
    data["hash"] = entry_hash(data)
    with path.open("a", encoding="utf-8") as log:
        log.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
        log.flush()
        os.fsync(log.fileno())
    return data["hash"]


# --- editing the front matter in place ---------------------------------------------------


def set_unsigned_keys(text: str, status: str, approval: dict[str, str] | None) -> str:
    """Rewrite only `status` and `approval` in a post's header, leaving every other byte alone."""
    lines = text.replace("\r\n", "\n").split("\n")
    end = next(i for i in range(1, len(lines)) if FENCE.match(lines[i]))
    header = lines[1:end]
    kept: list[str] = []
    skipping = False
    for line in header:
        if re.match(r"^(status|approval)\s*:", line):
            skipping = True
            continue
        if skipping and (line.startswith((" ", "\t")) or not line.strip()):
            continue
        skipping = False
        kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    kept.append(f"status: {status}")
    if approval:
        kept.append("approval:")
        kept.extend(f"  {k}: {json.dumps(v)}" for k, v in approval.items())
    return "\n".join([lines[0], *kept, *lines[end:]])


def write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
