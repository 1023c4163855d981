"""Signed approvals, with the real ssh-keygen: a leader's signature verifies; a forger who
rewrites the post, the log and its hash chain consistently, but cannot sign as the leader,
gets SG150; audit verify fails on a tampered signature."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sitegen.approval import AUDIT_LOG, GENESIS, entry_hash, set_unsigned_keys
from tests.conftest import SITE_TOML, SiteDir

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="no ssh-keygen")
SLUG = "p"


def keypair(folder: Path, name: str) -> tuple[Path, str]:
    key = folder / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{name}@test", "-f", str(key)],
        check=True,
    )
    return key, (folder / f"{name}.pub").read_text().strip()


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    folder = tmp_path / "keys"
    folder.mkdir()
    return {name: keypair(folder, name) for name in ("head", "deputy", "staff")}


def signed_site(site: SiteDir, keys: dict[str, tuple[Path, str]], extra: str = "") -> None:
    table = "\n".join(f'{name} = "{keys[name][1]}"' for name in ("head",))
    site.config(SITE_TOML + f"\n[policy.leader_keys]\n{table}\n" + extra)
    site.post(SLUG, body="A wonderful day was had by all at the castle.\n")


def codes(run, site: SiteDir) -> list[str]:  # type: ignore[no-untyped-def]
    return [f["code"] for f in run(site, "check", "--json").json()["posts"][0]["findings"]]


def messages(run, site: SiteDir) -> list[str]:  # type: ignore[no-untyped-def]
    return [f["message"] for f in run(site, "check", "--json").json()["posts"][0]["findings"]]


def test_a_signed_approval_verifies_and_publishes(run, site, keys) -> None:  # type: ignore[no-untyped-def]
    signed_site(site, keys)
    done = run(site, "approve", SLUG, "--by", "head", "--key", str(keys["head"][0]))
    assert done.code == 0, done.err
    text = (site.root / "content/posts" / SLUG / "index.md").read_text()
    assert 'signature: "-----BEGIN SSH SIGNATURE-----' in text
    entry = json.loads((site.root / AUDIT_LOG).read_text().splitlines()[-1])
    assert entry["signature"].startswith("-----BEGIN SSH SIGNATURE-----")
    assert codes(run, site) == []
    assert run(site, "status", "--json").json()["posts"][0]["status"] == "approved"
    assert run(site, "audit", "verify").code == 0
    assert run(site, "build").code == 0
    assert (site.root / "build/site/posts" / SLUG / "index.html").exists()


def test_anothers_key_file_is_refused_before_anything_is_written(run, site, keys) -> None:  # type: ignore[no-untyped-def]
    signed_site(site, keys)
    done = run(site, "approve", SLUG, "--by", "head", "--key", str(keys["staff"][0]))
    assert done.code == 1 and "is not head's key in policy.leader_keys" in done.err
    assert not (site.root / AUDIT_LOG).exists()
    missing = run(site, "approve", SLUG, "--by", "head", "--key", str(site.root / "nope"))
    assert missing.code == 2 and "no key file" in missing.err


def test_require_signatures_refuses_a_leader_without_a_key(run, site, keys) -> None:  # type: ignore[no-untyped-def]
    signed_site(site, keys, "")
    site.config(
        SITE_TOML.replace("[images]", "require_signatures = true\n\n[images]")
        + f'\n[policy.leader_keys]\nhead = "{keys["head"][1]}"\n'
    )
    done = run(site, "approve", SLUG, "--by", "deputy")
    assert done.code == 1 and "deputy has no key in policy.leader_keys" in done.err


# --- forgeries: the post and the log rewritten consistently, chain and all ----------------


def forge(site: SiteDir, change: dict[str, Any], signature: str | None = None) -> None:
    """Rewrite the last approval (entry and post) with `change`, re-hashing the chain as a
    forger with the folder could; `signature` replaces the signature."""
    log = site.root / AUDIT_LOG
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    entry = {**entries[-1], **change}
    if signature is not None:
        entry["signature"] = signature
    entry["prev"] = entries[-2]["hash"] if len(entries) > 1 else GENESIS
    entry.pop("hash")
    entry["hash"] = entry_hash(entry)
    entries[-1] = entry
    log.write_text("".join(json.dumps(e, sort_keys=True) + "\n" for e in entries))
    index = site.root / "content/posts" / SLUG / "index.md"
    approval = {k: entry[k] for k in ("by", "at", "digest")}
    approval["entry"] = entry["hash"]
    if entry.get("signature"):
        approval["signature"] = entry["signature"]
    index.write_text(set_unsigned_keys(index.read_text(), "approved", approval))


def approved(run, site: SiteDir, keys) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    signed_site(site, keys)
    assert run(site, "approve", SLUG, "--by", "head", "--key", str(keys["head"][0])).code == 0
    return json.loads((site.root / AUDIT_LOG).read_text().splitlines()[-1])


def one_byte(text: str, at: int) -> str:
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :]


@pytest.mark.parametrize("field", ["at", "by", "signature"])
def test_one_changed_byte_is_sg150(run, site, keys, field) -> None:  # type: ignore[no-untyped-def]
    entry = approved(run, site, keys)
    if field == "at":
        forge(site, {"at": entry["at"].replace("12:00:00", "12:00:01")})
    elif field == "by":
        forge(site, {"by": "deputy"})
    else:
        body = entry["signature"].splitlines()
        body[1] = one_byte(body[1], 30)
        forge(site, {}, "\n".join(body) + "\n")
    found = [m for m in messages(run, site) if "signature" in m or "signed" in m]
    assert found, messages(run, site)
    assert "SG150" in codes(run, site)
    assert run(site, "status", "--json").json()["posts"][0]["status"] == "blocked"
    assert run(site, "audit", "verify").code == 1


def test_a_changed_digest_with_the_old_signature_is_sg150(run, site, keys) -> None:  # type: ignore[no-untyped-def]
    """The forger edits the post and re-points the approval at its new digest."""
    approved(run, site, keys)
    index = site.root / "content/posts" / SLUG / "index.md"
    index.write_text(index.read_text().replace("A wonderful day", "A dreadful day"))
    from zoneinfo import ZoneInfo

    from sitegen.approval import post_digest
    from sitegen.content import load_post

    digest = post_digest(load_post(site.root, index.parent, ZoneInfo("Europe/London")))
    forge(site, {"digest": digest})
    assert any("does not verify against head's key" in m for m in messages(run, site))


def test_an_approval_signed_with_a_staff_members_key_is_sg150(run, site, keys) -> None:  # type: ignore[no-untyped-def]
    entry = approved(run, site, keys)
    staff_key = keys["staff"][0]
    text = f"sitegen-approval {entry['digest']} head {entry['at']}".encode()
    message = staff_key.parent / "message"
    message.write_bytes(text)
    subprocess.run(
        ["ssh-keygen", "-Y", "sign", "-n", "sitegen-approval", "-f", str(staff_key), str(message)],
        check=True,
        capture_output=True,
    )
    forge(site, {}, (staff_key.parent / "message.sig").read_text())
    (msg,) = [m for m in messages(run, site) if "signature" in m]
    assert "does not verify against head's key in policy.leader_keys" in msg
    verified = run(site, "audit", "verify")
    assert verified.code == 1 and "its signature does not verify" in verified.out + verified.err


def test_an_unsigned_approval_by_a_leader_with_a_key_is_sg150(run, site, keys) -> None:  # type: ignore[no-untyped-def]
    site.config(SITE_TOML)  # no keys yet: approved unsigned
    site.post(SLUG, body="A wonderful day was had by all at the castle.\n")
    assert run(site, "approve", SLUG, "--by", "head").code == 0
    assert codes(run, site) == []
    site.config(SITE_TOML + f'\n[policy.leader_keys]\nhead = "{keys["head"][1]}"\n')
    assert any("is not signed, but head has a key" in m for m in messages(run, site))
    # audit verify says what check says (it said "ok": found by the SPEC audit)
    verified = run(site, "audit", "verify")
    assert verified.code == 1 and "is not signed, but head has a key" in verified.out + verified.err


def test_a_key_removed_from_the_config_invalidates_its_approvals(run, site, keys) -> None:  # type: ignore[no-untyped-def]
    approved(run, site, keys)
    site.config(SITE_TOML)
    assert any("head has no key in policy.leader_keys now" in m for m in messages(run, site))


def test_signatures_are_checked_once(run, site, keys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The verdict is remembered by what made it: a second check runs no ssh-keygen."""
    approved(run, site, keys)
    assert codes(run, site) == []
    from sitegen import signatures

    def no_ssh_keygen(*args: object, **kwargs: object) -> None:
        raise AssertionError("ssh-keygen ran again for a verdict already known")

    monkeypatch.setattr(signatures, "verify", no_ssh_keygen)
    assert codes(run, site) == []
    assert re.search(r"signature", (site.root / "content/posts" / SLUG / "index.md").read_text())


DEMO_KEYS = Path(__file__).parent / "demo_keys"


def demo_key(tmp_path: Path, leader: str) -> Path:
    """The demo leader's private key as a leader keeps theirs (git makes it readable by all)."""
    key = tmp_path / leader
    shutil.copyfile(DEMO_KEYS / leader, key)
    key.chmod(0o600)
    return key


def test_the_demo_approvals_are_signed_by_its_two_leaders(run, demo) -> None:  # type: ignore[no-untyped-def]
    posts = run(demo, "check", "--json", now=None).json()["posts"]
    signed = {p["slug"] for p in posts if "signature:" in (demo.root / p["path"]).read_text()}
    approved = {p["slug"] for p in posts if p["status"] in ("approved", "stale", "blocked")}
    assert len(approved) == 13 and signed == approved
    sg150 = [f["message"] for p in posts for f in p["findings"] if f["code"] == "SG150"]
    assert sg150 == ["the post was edited after approval (stale): a leader must approve it again"]
    log = [json.loads(line) for line in (demo.root / AUDIT_LOG).read_text().splitlines()]
    assert {e["by"] for e in log} == {"head", "deputy"} and all(e["signature"] for e in log)
    assert run(demo, "audit", "verify", now=None).code == 0


def test_the_demo_head_approves_with_her_key_and_no_one_elses(run, demo, tmp_path) -> None:  # type: ignore[no-untyped-def]
    draft = demo.root / "content/posts/2026-11-18-choir-rehearsal/index.md"
    before = draft.read_bytes()
    deputy = demo_key(tmp_path, "deputy")
    refused = run(
        demo, "approve", "2026-11-18-choir-rehearsal", "--by", "head", "--key", str(deputy)
    )
    assert refused.code == 1 and "is not head's key" in refused.err
    assert draft.read_bytes() == before
    readable = tmp_path / "readable"
    shutil.copyfile(DEMO_KEYS / "head", readable)
    readable.chmod(0o644)
    refused = run(
        demo, "approve", "2026-11-18-choir-rehearsal", "--by", "head", "--key", str(readable)
    )
    assert refused.code == 1 and f"chmod 600 {readable}" in refused.err
    shutil.copyfile(DEMO_KEYS / "head.pub", tmp_path / "readable.pub")  # (no agent runs here)
    slug = "2026-11-18-choir-rehearsal"
    refused = run(demo, "approve", slug, "--by", "head", "--key", f"{readable}.pub")
    assert refused.code == 1 and f"chmod 600 {readable}`" in refused.err  # the private key
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copyfile(DEMO_KEYS / "head.pub", alone / "head.pub")
    refused = run(demo, "approve", slug, "--by", "head", "--key", str(alone / "head.pub"))
    assert refused.code == 1 and "its private key is not beside it" in refused.err
    assert draft.read_bytes() == before
    head = demo_key(tmp_path, "head")
    done = run(demo, "approve", "2026-11-18-choir-rehearsal", "--by", "head", "--key", str(head))
    assert done.code == 0, done.err
    assert run(demo, "audit", "verify", now=None).code == 0
    assert run(demo, "status", "--json").json()["posts"]


def test_private_keys_live_only_under_tests() -> None:
    """A school copies site.toml and content/: no private key may ever be there."""
    repository = Path(__file__).parents[1]
    tracked = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=repository,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    holding = [
        name
        for name in tracked
        if (repository / name).is_file()
        and b"-----BEGIN OPENSSH " + b"PRIVATE KEY-----" in (repository / name).read_bytes()
    ]
    assert holding and all(name.startswith("tests/demo_keys/") for name in holding), holding


def test_an_approval_copied_onto_another_post_is_sg150(run, site, keys) -> None:  # type: ignore[no-untyped-def]
    """The signed words name no post (SPEC's text): a forger copies an approved post to a new
    folder and appends an entry for it with the same signature. Caught as a second use."""
    from sitegen.approval import AuditWriter
    from sitegen.model import Approval

    entry = approved(run, site, keys)
    copy = site.root / "content/posts/p-again"
    shutil.copytree(site.root / "content/posts" / SLUG, copy)
    with AuditWriter(site.root) as log:
        from datetime import datetime

        at = datetime.fromisoformat(entry["at"].replace("Z", "+00:00"))
        appended = log.append("approve", "p-again", "head", at, entry["digest"], entry["signature"])
    approval = Approval("head", entry["at"], entry["digest"], appended, entry["signature"])
    index = copy / "index.md"
    index.write_text(
        set_unsigned_keys(
            index.read_text(),
            "approved",
            {
                "by": approval.by,
                "at": approval.at,
                "digest": approval.digest,
                "entry": approval.entry,
                "signature": approval.signature,
            },
        )
    )
    posts = {p["slug"]: p for p in run(site, "check", "--json").json()["posts"]}
    assert [f["code"] for f in posts[SLUG]["findings"]] == []  # the original stands
    (found,) = [f["message"] for f in posts["p-again"]["findings"] if f["code"] == "SG150"]
    assert f"is a copy of an earlier approval of {SLUG}" in found
    verified = run(site, "audit", "verify")
    assert (
        verified.code == 1 and "is a copy of an earlier approval of" in verified.out + verified.err
    )
    assert run(site, "build").code == 0
    assert not (site.root / "build/site/posts/p-again").exists()


def test_an_approval_taken_back_and_copied_again_for_its_own_post_is_sg150(run, site, keys) -> None:  # type: ignore[no-untyped-def]
    """After `unapprove`, a copy of the approval's entry appended anew (same signed words and
    signature, a new place in the chain) with the post pointing at it: check, audit verify
    and the build accepted it (found by a security review)."""
    from datetime import datetime

    from sitegen.approval import AuditWriter

    entry = approved(run, site, keys)
    index = site.root / "content/posts" / SLUG / "index.md"
    approved_text = index.read_text()
    assert run(site, "unapprove", SLUG, "--by", "head", "--key", str(keys["head"][0])).code == 0
    at = datetime.fromisoformat(entry["at"].replace("Z", "+00:00"))
    with AuditWriter(site.root) as log:
        again = log.append("approve", SLUG, "head", at, entry["digest"], entry["signature"])
    index.write_text(approved_text.replace(entry["hash"], again))
    (found,) = [m for m in messages(run, site) if "copy of an earlier approval" in m]
    assert "(the same signed words)" in found
    assert run(site, "audit", "verify").code == 1
    assert run(site, "build").code == 0
    assert not (site.root / "build/site/posts" / SLUG).exists()


def test_approved_again_within_the_second_it_was_taken_back_is_no_copy(run, site, keys) -> None:  # type: ignore[no-untyped-def]
    """approve, unapprove, approve within one second (or at one --now) signed the same words
    twice: the post was blocked as a copy, and audit verify failed for good (found by a
    review). The second approval's time moves on a second."""
    approved(run, site, keys)
    key = str(keys["head"][0])
    assert run(site, "unapprove", SLUG, "--by", "head", "--key", key).code == 0
    assert run(site, "approve", SLUG, "--by", "head", "--key", key).code == 0
    assert codes(run, site) == []
    assert run(site, "audit", "verify").code == 0
    assert run(site, "build").code == 0
    assert (site.root / "build/site/posts" / SLUG).exists()
    # Two posts alike (a Welsh and an English copy, say), approved in one command.
    shutil.copytree(site.root / "content/posts" / SLUG, site.root / "content/posts/p-copy")
    index = site.root / "content/posts/p-copy/index.md"
    index.write_text(set_unsigned_keys(index.read_text(), "submitted", None))
    shutil.copytree(site.root / "content/posts/p-copy", site.root / "content/posts/p-copy2")
    assert run(site, "approve", "p-copy", "p-copy2", "--by", "head", "--key", key).code == 0
    posts = run(site, "check", "--json").json()["posts"]
    assert {p["slug"]: p["status"] for p in posts} == dict.fromkeys(
        (SLUG, "p-copy", "p-copy2"), "approved"
    )


def test_an_approval_whose_time_differs_from_its_entry_is_sg150(run, site, keys) -> None:  # type: ignore[no-untyped-def]
    approved(run, site, keys)
    index = site.root / "content/posts" / SLUG / "index.md"
    index.write_text(re.sub(r'at: "([^"]*)"', 'at: "2026-01-01T00:00:00Z"', index.read_text()))
    assert "the approval does not match its audit-log entry" in messages(run, site)
    verified = run(site, "audit", "verify")
    assert verified.code == 1 and "records at" in verified.out + verified.err


def test_a_key_cut_short_in_site_toml_is_refused_at_its_line(run, site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A leader's key pasted without its last characters read as a key: every approval it
    signed then failed to verify, and the build took those posts down, exit 0, in silence."""
    from sitegen.signatures import key_problem

    whole = {}
    for kind in ("ed25519", "rsa", "ecdsa"):
        path = tmp_path / f"id_{kind}"
        subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-f", str(path)], check=True)
        whole[kind] = (path.with_suffix(".pub")).read_text().strip()
        assert key_problem(whole[kind]) is None, kind
    key, comment = whole["ed25519"].rsplit(" ", 1)
    cut = f"{key[:-6]} {comment}"
    assert "cut short" in (key_problem(cut) or "")
    site.config(SITE_TOML + f'\n[policy.leader_keys]\nhead = "{cut}"\n')
    result = run(site, "build")
    assert result.code == 2 and "Traceback" not in result.err
    assert (
        "policy.leader_keys" in result.err
        and "head is not a whole OpenSSH public key" in result.err
    )
    # Two keys cut short: each told, at its own line (it said the table's line, one at a time).
    site.config(SITE_TOML + f'\n[policy.leader_keys]\nhead = "{cut}"\ndeputy = "{cut}"\n')
    lines = (site.root / "site.toml").read_text().splitlines()
    result = run(site, "build")
    for leader in ("head", "deputy"):
        number = next(n for n, text in enumerate(lines, 1) if text.startswith(f"{leader} = "))
        assert f"site.toml:{number}: policy.leader_keys.{leader} is not a whole" in result.err
    # In an inline table the keys have no lines of their own: the table's (a review found
    # none given).
    toml = SITE_TOML.replace("[policy]\n", f'[policy]\nleader_keys = {{ head = "{cut}" }}\n', 1)
    site.config(toml)
    number = next(n for n, t in enumerate(toml.splitlines(), 1) if t.startswith("leader_keys"))
    result = run(site, "build")
    assert f"site.toml:{number}: policy.leader_keys.head is not a whole" in result.err, result.err


def test_the_demos_keys_and_one_key_for_two_leaders_are_refused(run, site) -> None:  # type: ignore[no-untyped-def]
    """A school that started from the demo's site.toml kept the demo's leader keys, whose
    private halves are published: anyone could approve as its head, and nothing said so.
    The same key pasted for two leaders let one approve as the other."""
    demo = (DEMO_KEYS / "head.pub").read_text().strip()
    site.config(SITE_TOML + f'\n[policy.leader_keys]\nhead = "{demo}"\n')
    result = run(site, "check")
    assert result.code == 2 and "policy.leader_keys.head is the demo's key" in result.err
    own = subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(site.root.parent / "k")],
        check=True,
    )
    assert own.returncode == 0
    key = (site.root.parent / "k.pub").read_text().strip()
    site.config(SITE_TOML + f'\n[policy.leader_keys]\nhead = "{key}"\ndeputy = "{key}"\n')
    result = run(site, "check")
    assert result.code == 2 and "policy.leader_keys.deputy is head's key too" in result.err
    site.config(SITE_TOML + f'\n[policy.leader_keys]\nhead = "{key}"\n')
    assert run(site, "check").code == 0


def test_taking_an_approval_back_is_signed_by_the_leader(run, site, keys) -> None:  # type: ignore[no-untyped-def]
    """`unapprove --by head` needed no key: anyone could write "head" in the log. Now it is
    signed as an approval is, with words of its own, and audit verify checks it."""
    signed_site(site, keys)
    assert run(site, "approve", SLUG, "--by", "head", "--key", str(keys["head"][0])).code == 0
    approval = json.loads((site.root / AUDIT_LOG).read_text().splitlines()[-1])
    refused = run(site, "unapprove", SLUG, "--by", "head", "--key", str(keys["staff"][0]))
    assert refused.code == 1 and "is not head's key in policy.leader_keys" in refused.err
    assert len((site.root / AUDIT_LOG).read_text().splitlines()) == 1  # (nothing written)
    done = run(site, "unapprove", SLUG, "--by", "head", "--key", str(keys["head"][0]))
    assert done.code == 0, done.err
    entry = json.loads((site.root / AUDIT_LOG).read_text().splitlines()[-1])
    assert entry["action"] == "unapprove" and entry["digest"] == approval["hash"]
    assert entry["signature"].startswith("-----BEGIN SSH SIGNATURE-----")
    assert entry["signature"] != approval["signature"]
    verified = run(site, "audit", "verify")
    assert verified.code == 0, verified.out + verified.err
