"""`sitegen audit verify`'s check: the approval each post cites is in the log and says so,
every signature in the log is its leader's, and every line of the publications ledger is
an event."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from sitegen import records
from sitegen.approval import AUDIT_LOG, AuditEntry, read_audit_log, taken_back
from sitegen.jsonlines import record_lines
from sitegen.model import Post
from sitegen.signatures import check_entries


def verify_audit_log(
    root: Path,
    posts: Iterable[Post],
    leader_keys: Mapping[str, str] | None = None,
    require_signatures: bool = False,
) -> tuple[list[AuditEntry], list[str]]:
    """The log's entries, and its problems: a broken chain (read_audit_log's), every signed
    entry whose signature does not verify against its leader's key (or whose leader has no
    key to check it with), and each approval in a post whose entry is missing or records
    another post, leader, digest or signature."""
    entries, problems = read_audit_log(root)
    problems += signature_problems(entries, leader_keys or {})
    by_hash = {e.hash: e for e in entries if e.data.get("hash") == e.hash}
    by_data = {id(e.data): e for e in entries}
    back = {k: by_data[id(u)] for k, u in taken_back({e.hash: e.data for e in entries}).items()}
    for post in posts:
        if post.approval is None:
            continue
        entry = by_hash.get(post.approval.entry)
        where = f"{post.path}: its approval's entry {post.approval.entry[:19]}…"
        if entry is None:
            problems.append(f"{where} is not in the audit log")
            continue
        # The entry must be this approval of this post: a copied or renamed folder, or an
        # approval edited by hand, points to an entry that says otherwise.
        said = {k: entry.data.get(k) for k in ("action", "post", "by", "digest", "at")}
        meant = {
            "action": "approve",
            "post": post.slug,
            "by": post.approval.by,
            "digest": post.approval.digest,
            "at": post.approval.at,
        }
        for key in (k for k in meant if said[k] != meant[k]):
            problems.append(f"{where} records {key} {said[key]!r}, the post says {meant[key]!r}")
        if (entry.data.get("signature") or "") != post.approval.signature:
            problems.append(f"{where} has a signature other than the post's approval")
        elif not post.approval.signature and (
            post.approval.by in (leader_keys or {}) or require_signatures
        ):  # (as check says: SG150, never published)
            why = "has a key" if post.approval.by in (leader_keys or {}) else "must sign"
            problems.append(f"{where} is not signed, but {post.approval.by} {why}")
        if (undone := back.get(post.approval.entry)) is not None:
            problems.append(
                f"{where} was taken back by {undone.data.get('by')} on "
                f"{str(undone.data.get('at'))[:10]} (line {undone.line}): the post carries it still"
            )
    return entries, problems


def signature_problems(entries: list[AuditEntry], leader_keys: Mapping[str, str]) -> list[str]:
    """Each signed entry that does not verify: checked with ssh-keygen, now, every one (this
    is the audit: nothing remembered is taken on trust)."""
    problems = []
    verdicts = check_entries([(e.hash, e.data) for e in entries], leader_keys)
    for entry in entries:
        signature, by = entry.data.get("signature"), str(entry.data.get("by", ""))
        if not signature:
            continue
        where = f"{AUDIT_LOG.as_posix()}:{entry.line}: the approval of {entry.data.get('post')}"
        if by not in leader_keys:
            problems.append(f"{where} is signed by {by}, who has no key in policy.leader_keys")
        elif verdict := verdicts.get(entry.hash):
            problems.append(f"{where}: its signature {verdict}")
    return problems


def damaged_ledger_lines(root: Path) -> list[str]:
    """The ledger's lines that are not events, each with its number: `sar` and `takedown`
    would miss what they recorded."""
    try:
        data = (root / records.LEDGER).read_bytes()
    except FileNotFoundError:
        return []
    damaged = []
    for number, line in enumerate(record_lines(data), 1):
        if not line.strip():
            continue
        if not records.line_events(line):
            damaged.append(
                f"{records.LEDGER.as_posix()}:{number}: not an event (damaged or edited)"
            )
    return damaged


def ledger_problems(root: Path) -> list[str]:
    """Why the ledger cannot be trusted to say what went out: its damaged lines, or no ledger
    at all while the last build's report lists posts it published (the file was lost)."""
    lost = records.ledger_lost(root)
    return [lost] if lost else damaged_ledger_lines(root)
