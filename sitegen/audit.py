"""`sitegen audit verify`'s check: the approval each post cites is in the log, and says so."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sitegen.approval import AuditEntry, read_audit_log
from sitegen.model import Post


def verify_audit_log(root: Path, posts: Iterable[Post]) -> tuple[list[AuditEntry], list[str]]:
    """The log's entries, and its problems: a broken chain (read_audit_log's), and each
    approval in a post whose entry is missing or records another post, leader or digest."""
    entries, problems = read_audit_log(root)
    by_hash = {e.hash: e for e in entries if e.data.get("hash") == e.hash}
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
        said = {k: entry.data.get(k) for k in ("action", "post", "by", "digest")}
        meant = {
            "action": "approve",
            "post": post.slug,
            "by": post.approval.by,
            "digest": post.approval.digest,
        }
        for key in (k for k in meant if said[k] != meant[k]):
            problems.append(f"{where} records {key} {said[key]!r}, the post says {meant[key]!r}")
    return entries, problems
