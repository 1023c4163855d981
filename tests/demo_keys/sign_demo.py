"""Sign the demo's approvals with the demo leaders' keys, in place: each approve entry of
content/records/audit.jsonl gains its signature (the chain is hashed again), each approved
post's approval gains the signature and its entry's new hash, and the approved revision is
kept under content/records/approved/. The demo's history (who approved what, and when) is
unchanged. For the project's maintainers, after the demo's records change:

    .venv/bin/python -m tests.demo_keys.sign_demo

These keys exist only to sign the demo: a school makes its leaders' own (docs/approvals.md).
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from sitegen import revisions
from sitegen.approval import GENESIS, entry_hash, post_digest, set_unsigned_keys
from sitegen.model import Post
from sitegen.signatures import message, sign
from sitegen.site import load_site

KEYS = Path(__file__).parent
DEMO = KEYS.parents[1]


def signed_log(lines: list[str], keys: Path) -> list[dict[str, object]]:
    """The log's entries, each approval signed by its leader's demo key, chained again."""
    entries: list[dict[str, object]] = []
    previous = GENESIS
    for line in lines:
        entry = json.loads(line)
        if entry["action"] == "approve":
            text = message(entry["digest"], entry["by"], entry["at"])
            entry["signature"] = sign(text, keys / entry["by"])
        entry["prev"] = previous
        entry["hash"] = previous = entry_hash(entry)
        entries.append(entry)
    return entries


def main() -> int:
    log = DEMO / "content/records/audit.jsonl"
    with tempfile.TemporaryDirectory() as tmp:
        keys = Path(tmp)
        for leader in ("head", "deputy"):  # (git keeps files 0644: ssh-keygen wants 0600)
            shutil.copyfile(KEYS / leader, keys / leader)
            (keys / leader).chmod(0o600)
        entries = signed_log(log.read_text("utf-8").splitlines(), keys)
    log.write_text("".join(json.dumps(e, sort_keys=True) + "\n" for e in entries), "utf-8")
    last_approval = {e["post"]: e for e in entries if e["action"] == "approve"}
    for post in load_site(DEMO).posts:
        entry = last_approval.get(post.slug)
        if post.approval is None or entry is None or entry["digest"] != post.approval.digest:
            continue
        approval = {
            "by": str(entry["by"]),
            "at": str(entry["at"]),
            "digest": str(entry["digest"]),
            "entry": str(entry["hash"]),
            "signature": str(entry["signature"]),
        }
        sign_post(post.folder / "index.md", approval)
        keep_signed(post, approval)
        print(f"signed {post.slug} ({entry['by']}, {entry['at']})")
    return 0


def sign_post(index: Path, approval: dict[str, str]) -> None:
    index.write_text(set_unsigned_keys(index.read_text("utf-8"), "approved", approval), "utf-8")


def keep_signed(post: Post, approval: dict[str, str]) -> None:
    """Keep the approved revision, signed: the post itself when it is what was approved, else
    (edited since) the revision already kept, which the demo's history cannot make again."""
    if post_digest(post) == approval["digest"]:
        revisions.keep(DEMO, post.slug, post.folder, [ref.file for ref in post.images], approval)
        return
    kept = revisions.approved_revision(DEMO, post.slug)
    if kept is None or kept.digest != approval["digest"]:
        print(f"{post.slug}: edited since approval, and no approved revision is kept")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, digest in kept.files.items():
            blob = DEMO / revisions.RECORDS / revisions.BLOBS / digest.removeprefix("sha256:")
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(blob, folder / name)
        sign_post(folder / "index.md", approval)
        images = [name for name in kept.files if name != "index.md"]
        revisions.keep(DEMO, post.slug, folder, images, approval)


if __name__ == "__main__":
    sys.exit(main())
