"""Approval digests, submit/approve edits to front matter, and the hash-chained audit log."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import stat
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sitegen.content import FENCE
from sitegen.engine.keys import content_hash
from sitegen.engine.store import GROWN, grown_log
from sitegen.errors import RefusedError
from sitegen.files import UnsafeFile, read_file
from sitegen.jsonlines import record_lines
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
        return content_hash(read_file(path))  # (never through a link, never a pipe)
    except UnsafeFile as exc:
        return f"unreadable:{exc.strerror}"
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
    try:
        data = (root / AUDIT_LOG).read_bytes()
    except FileNotFoundError:
        return [], []
    return parse_audit_log(data)


def parse_audit_log(
    data: bytes, after: tuple[str, int, int] = (GENESIS, 0, 0)
) -> tuple[list[AuditEntry], list[str]]:
    """The entries of the log's `data`, and the problems of its chain. `after`: where `data`
    starts in a log whose earlier part holds (its last hash, entries and lines)."""
    entries: list[AuditEntry] = []
    problems: list[str] = []
    prev, before, lines_before = after
    # Decoded leniently: a damaged byte shows up as an altered entry, never as a crash.
    for number, line in enumerate(record_lines(data), 1 + lines_before):
        if not line.strip():
            continue
        where = f"{AUDIT_LOG.as_posix()}:{number}"
        try:
            data_ = json.loads(line)
            if not isinstance(data_, dict):
                raise ValueError("not an object")
        except (ValueError, RecursionError):
            problems.append(f"{where}: not a JSON object")
            continue
        actual = entry_hash(data_)
        seq = before + len(entries) + 1
        if data_.get("hash") != actual:
            problems.append(f"{where}: entry was altered (its hash does not match its contents)")
        if data_.get("prev") != prev:
            problems.append(
                f"{where}: the chain is broken (an entry before it was removed, altered or moved)"
            )
        if data_.get("seq") != seq:
            problems.append(f"{where}: sequence number {data_.get('seq')} where {seq} was expected")
        entries.append(AuditEntry(seq, data_, actual, number))
        prev = data_.get("hash", actual)
    return entries, problems


class AuditEntries(Mapping[str, dict[str, Any]]):
    """Valid audit-log entries by hash, kept as their lines and parsed only when asked for:
    a build asks whether thousands of approvals' entries exist, and reads a few."""

    def __init__(self, lines: dict[str, str], broken: str | None = None) -> None:
        self._lines = lines
        self.broken = broken  # the first problem of a log whose chain does not hold

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

    def of_action(self, action: str) -> list[dict[str, Any]]:
        """The entries of one action (`unapprove`, say): only their lines are parsed."""
        said = json.dumps({"action": action})[1:-1]  # ("action": "unapprove", as each line has it)
        return [json.loads(line) for line in self._lines.values() if said in line]


def taken_back(entries: Mapping[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The approvals a leader took back (`sitegen unapprove`), by their entries' hashes, each
    with the entry that took it back: the approval it names, and every earlier approval of the
    same post (an older approved version put back by hand must not go live again)."""
    unapprovals = sorted(entries_of(entries, "unapprove"), key=_seq)
    if not unapprovals:
        return {}
    back = {str(u.get("digest")): u for u in unapprovals}
    for approval in entries_of(entries, "approve"):
        later = (u for u in unapprovals if u.get("post") == approval.get("post"))
        if (first := next((u for u in later if _seq(u) > _seq(approval)), None)) is not None:
            back.setdefault(str(approval.get("hash")), first)
    return back


def entries_of(entries: Mapping[str, dict[str, Any]], action: str) -> list[dict[str, Any]]:
    """The log's entries of one action (AuditEntries parses only their lines)."""
    of_action = getattr(entries, "of_action", None)
    found = of_action(action) if of_action is not None else entries.values()
    return [e for e in found if e.get("action") == action]


def _seq(entry: dict[str, Any]) -> int:
    seq = entry.get("seq")
    return seq if isinstance(seq, int) else 0


def valid_entries(root: Path, memo: Any = None) -> AuditEntries:
    """Entries whose hash matches their contents, by hash: what an approval may point to; none
    at all while the log's chain is broken (an entry altered, removed or moved: then no
    approval can be trusted, until a leader repairs the log).

    `memo` (a cache RecordFile of its own) remembers the entries for the log up to its last whole
    line, so a log that grew is read from there on, and the chain's verdict by the hash of
    the log's bytes.
    """
    try:
        data = (root / AUDIT_LOG).read_bytes()
    except FileNotFoundError:  # (no approval yet; a log that cannot be read is an error)
        return AuditEntries({})
    broken = chain_problem(data, memo)
    if broken is not None:
        return AuditEntries({}, broken)
    return AuditEntries(grown_log(data, memo, _valid_lines))


def chain_problem(data: bytes, memo: Any = None) -> str | None:
    """The first problem of the log's hash chain, or None when every entry holds. `memo`
    remembers where the log last held (its length and hash, and the chain's end there): a
    log that only grew since (each approval appends) is checked from there on."""
    key = (GROWN, "chain")  # (kept beside the entries)
    known = memo.get(key) if memo is not None else None
    start, after = 0, (GENESIS, 0, 0)
    if (
        isinstance(known, tuple)
        and len(known) == 5
        and len(data) >= known[0]
        and hashlib.sha256(data[: known[0]]).hexdigest() == known[1]
    ):
        start, after = known[0], known[2:]
    entries, problems = parse_audit_log(data[start:], after)
    if problems:
        return problems[0]
    if memo is not None and data.endswith(b"\n") and len(data) > start:
        last = entries[-1].hash if entries else after[0]
        lines = after[2] + len(record_lines(data[start:]))
        digest = hashlib.sha256(data).hexdigest()
        memo.put(key, (len(data), digest, last, after[1] + len(entries), lines))
    return None


def _valid_lines(data: bytes) -> dict[str, str]:
    valid = {}
    for line in record_lines(data):
        try:
            entry = json.loads(line)
        except (ValueError, RecursionError):  # (a line nested thousands deep: damaged too)
            continue
        if isinstance(entry, dict) and entry.get("hash") == entry_hash(entry):
            valid[entry["hash"]] = line
    return valid


class AuditWriter:
    """The audit log held for appending: locked (another approve waits), read once, so a
    leader approving a thousand posts does not read the log a thousand times. Refuses to
    chain anything to a log whose chain is broken."""

    def __init__(self, root: Path) -> None:
        self.path = root / AUDIT_LOG

    def __enter__(self) -> AuditWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = self.path.open("a+b")
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        self.handle.seek(0)
        data = self.handle.read()
        entries, problems = parse_audit_log(data)
        self.newline_first = bool(data) and not data.endswith(b"\n")  # (a hand edit's)
        if problems:
            self.__exit__()
            raise RefusedError(
                f"the audit log is broken ({problems[0]}): nothing can be approved until it "
                "is repaired; restore it from a backup or git, or ask a leader to run "
                "`sitegen audit repair --by LEADER`",
                AUDIT_LOG.as_posix(),
            )
        self.seq = len(entries)
        self.last = entries[-1].data.get("hash", GENESIS) if entries else GENESIS
        return self

    def __exit__(self, *_: object) -> None:
        self.handle.close()  # (closing releases the lock)

    def append(
        self, action: str, post: str, by: str, at: datetime, digest: str, signature: str = ""
    ) -> str:
        """Append one entry chained to the last (with the leader's signature, if signed);
        returns its hash."""
        data: dict[str, Any] = {
            "seq": self.seq + 1,
            "at": stamp(at),
            "action": action,
            "post": post,
            "by": by,
            "digest": digest,
            "prev": self.last,
        }
        if signature:
            data["signature"] = signature
        data["hash"] = entry_hash(data)
        line = json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n"
        if self.newline_first:  # (never glued onto the last line: the chain would break)
            line, self.newline_first = "\n" + line, False
        self.handle.write(line.encode("utf-8"))
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.seq, self.last = data["seq"], data["hash"]
        return data["hash"]


def stamp(at: datetime) -> str:
    """A moment as approvals and the log write it, and as a signature signs it."""
    return at.isoformat(timespec="seconds").replace("+00:00", "Z")


def append_audit(root: Path, action: str, post: str, by: str, at: datetime, digest: str) -> str:
    """Append one entry chained to the last; returns its hash."""
    with AuditWriter(root) as log:
        return log.append(action, post, by, at, digest)


def repair_audit_log(root: Path, by: str, at: datetime) -> tuple[Path, list[str]]:
    """Start the log again after its chain broke: the damaged log is kept beside it, never
    deleted, and the new log's first entry records the repair (who, when, the damaged file's
    hash and what was wrong). No approval of the damaged log counts any more: each post must
    be approved again, since nothing shows which of the old entries are true."""
    path = root / AUDIT_LOG
    data = path.read_bytes()
    _, problems = parse_audit_log(data)
    if not problems:
        raise RefusedError("the audit log's chain holds: there is nothing to repair")
    stamp = at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = path.with_name(f"audit.damaged-{stamp}.jsonl")
    kept.write_bytes(data)
    entry = {
        "seq": 1,
        "at": at.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "action": "repair",
        "post": "",
        "by": by,
        "digest": content_hash(data),
        "problems": problems[:10],
        "kept_as": kept.name,
        "prev": GENESIS,
    }
    entry["hash"] = entry_hash(entry)
    write_atomically(path, json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
    return kept, problems


# --- editing the front matter in place ---------------------------------------------------


def set_unsigned_keys(text: str, status: str, approval: dict[str, str] | None) -> str:
    """Rewrite only `status` and `approval` in a post's header, leaving every other byte alone:
    each line keeps its own line end (a file saved on Windows keeps its CRLFs), and the lines
    written anew take the file's usual one."""
    parts = re.split(r"(\r\n|\n)", text)
    lines, ends = parts[0::2], [*parts[1::2], ""]
    newline = "\r\n" if ends.count("\r\n") > ends.count("\n") else "\n"
    end = next(i for i in range(1, len(lines)) if FENCE.match(lines[i]))
    kept: list[tuple[str, str]] = []
    skipping = False
    for line, ending in zip(lines[1:end], ends[1:end], strict=True):
        if re.match(r"^(status|approval)\s*:", line):
            skipping = True
            continue
        if skipping and (line.startswith((" ", "\t")) or not line.strip()):
            continue
        skipping = False
        kept.append((line, ending))
    while kept and not kept[-1][0].strip():
        kept.pop()
    kept.append((f"status: {status}", newline))
    if approval:
        kept.append(("approval:", newline))
        kept.extend((f"  {k}: {json.dumps(v)}", newline) for k, v in approval.items())
    rest = zip(lines[end:], ends[end:], strict=True)
    return lines[0] + ends[0] + "".join(line + ending for line, ending in [*kept, *rest])


def write_atomically(path: Path, text: str) -> None:
    """Replace the file whole, keeping its permissions and (where allowed) its owner."""
    try:
        before: os.stat_result | None = os.stat(path)
    except FileNotFoundError:
        before = None
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if before is not None:
            os.fchmod(fd, stat.S_IMODE(before.st_mode))
            with contextlib.suppress(PermissionError):  # only root may give files away
                os.fchown(fd, before.st_uid, before.st_gid)
        else:  # a new file: as open() would make it (mkstemp's are 0600)
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
