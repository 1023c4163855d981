"""Approval digests, the approve/submit workflow and the hash-chained audit log."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.approval import AUDIT_LOG, post_digest
from sitegen.content import load_post
from sitegen.text import fold
from tests.conftest import SiteDir, front_matter

TZ = ZoneInfo("Europe/London")


def write(folder: Path, meta: dict, body: str, images: dict[str, bytes]) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in images.items():
        (folder / name).write_bytes(data)
    header = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True)
    (folder / "index.md").write_text(f"---\n{header}---\n{body}", encoding="utf-8")
    return post_digest(load_post(folder.parent, folder, TZ))


scalars = st.one_of(st.text(max_size=20), st.integers(), st.booleans(), st.none())
values = st.one_of(scalars, st.lists(scalars, max_size=3))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    key=st.sampled_from(["title", "summary", "author", "tags", "pupils", "named", "lang"]),
    value=values,
    body=st.text(max_size=200),
    image=st.binary(min_size=1, max_size=64),
    what=st.sampled_from(["meta", "body", "image"]),
    tmp=st.uuids(),
)
def test_any_change_changes_the_digest(tmp_path_factory, key, value, body, image, what, tmp):  # type: ignore[no-untyped-def]
    base = tmp_path_factory.mktemp("d") / str(tmp)
    meta = front_matter(images=[{"file": "a.jpg", "alt": "A picture", "pupils": []}])
    before = write(base / "one", meta, body, {"a.jpg": image})
    changed_meta, changed_body, changed_image = dict(meta), body, image
    if what == "meta":
        if meta.get(key) == value:
            value = [value, "x"]
        changed_meta[key] = value
    elif what == "body":
        changed_body = body + "!"
    else:
        changed_image = image + b"\0"
    after = write(base / "two", changed_meta, changed_body, {"a.jpg": changed_image})
    assert before != after


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    order=st.permutations(list(front_matter())),
    status=st.sampled_from(["draft", "approved"]),
    tmp=st.uuids(),
)
def test_key_order_and_unsigned_keys_do_not_change_the_digest(tmp_path_factory, order, status, tmp):  # type: ignore[no-untyped-def]
    base = tmp_path_factory.mktemp("d") / str(tmp)
    meta = front_matter()
    shuffled = {k: meta[k] for k in order}
    shuffled["status"] = status
    shuffled["approval"] = {"by": "head", "at": "x", "digest": "y", "entry": "z"}
    assert write(base / "one", meta, "Hi", {}) == write(base / "two", shuffled, "Hi", {})


def test_fold_is_idempotent_example() -> None:
    assert fold("Siân  LLŶR") == fold(fold("Siân  LLŶR")) == "sian llyr"


def approve(run, site: SiteDir, *slugs: str, by: str = "head", now: str = "2026-11-21T09:00"):  # type: ignore[no-untyped-def]
    return run(site, "approve", *slugs, "--by", by, now=now)


def test_approve_writes_status_and_chain(run, site):  # type: ignore[no-untyped-def]
    site.post(
        "a",
        files={"pic.jpg": "castle"},
        images=[{"file": "pic.jpg", "alt": "The castle towers", "pupils": []}],
    )
    site.post("b")
    original = (site.root / "content/posts/a/index.md").read_text()
    result = approve(run, site, "a", "content/posts/b/index.md")
    assert result.code == 0, result.err
    text = (site.root / "content/posts/a/index.md").read_text()
    assert text.startswith(original.split("status: draft")[0])  # nothing else rewritten
    meta = yaml.safe_load(text.split("---")[1])
    assert meta["status"] == "approved" and meta["approval"]["by"] == "head"
    assert meta["approval"]["at"] == "2026-11-21T09:00:00Z"
    entries = [json.loads(line) for line in (site.root / AUDIT_LOG).read_text().splitlines()]
    assert [e["post"] for e in entries] == ["a", "b"]
    assert entries[1]["prev"] == entries[0]["hash"]
    assert meta["approval"]["entry"] == entries[0]["hash"]
    status = {p["slug"]: p["status"] for p in run(site, "status", "--json").json()["posts"]}
    assert status == {"a": "approved", "b": "approved"}
    assert run(site, "audit", "verify").code == 0


def test_edit_after_approval_is_stale_text_and_image(run, site):  # type: ignore[no-untyped-def]
    site.post(
        "a",
        files={"pic.jpg": "castle"},
        images=[{"file": "pic.jpg", "alt": "The castle towers", "pupils": []}],
    )
    site.post("b")
    approve(run, site, "a", "b")
    index = site.root / "content/posts/b/index.md"
    index.write_text(index.read_text().replace("wonderful", "lovely"))
    pic = site.root / "content/posts/a/pic.jpg"
    pic.write_bytes(pic.read_bytes() + b"\0")
    result = run(site, "check", "--json")
    posts = {p["slug"]: p for p in result.json()["posts"]}
    assert posts["a"]["status"] == posts["b"]["status"] == "stale"
    # (a build publishes the version approved meanwhile: SPEC's "publishable")
    assert posts["a"]["publishable"] and posts["a"]["live_revision"]
    assert any("edited after approval" in f["message"] for f in posts["b"]["findings"])
    # A leader may approve the new version.
    assert approve(run, site, "b").code == 0
    assert {p["slug"]: p["status"] for p in run(site, "status", "--json").json()["posts"]}[
        "b"
    ] == "approved"


@pytest.mark.parametrize("back_to", ["draft", "submitted"])
def test_an_approval_is_taken_back_by_setting_the_status_back(run, site, back_to):  # type: ignore[no-untyped-def]
    """A leader who approved the wrong post sets its status back: it was still published (the
    digest leaves `status` out), while the file said draft. Now it is what the file says, is
    left out of the next build (and so taken down where it went), and can be approved again."""
    index = site.post("fair", platforms=["website"])
    assert approve(run, site, "fair").code == 0
    assert run(site, "build").code == 0
    assert (site.root / "build/site/posts/fair/index.html").exists()
    index.write_text(index.read_text().replace("status: approved", f"status: {back_to}"))
    (row,) = run(site, "status", "--json").json()["posts"]
    assert row["status"] == back_to
    assert "SG150" not in run(site, "check", "fair").out
    assert run(site, "build").code == 0
    assert not (site.root / "build/site/posts/fair/index.html").exists()
    assert f"fair: not approved (status {back_to})" in run(site, "takedown").out
    assert run(site, "build", "--strict").code == 0  # (no approved post is left out)
    again = approve(run, site, "fair", now="2026-11-22T09:00")
    assert again.code == 0 and "already approved" not in again.out, again.out
    assert run(site, "build").code == 0
    assert (site.root / "build/site/posts/fair/index.html").exists()


def test_unapprove_takes_an_approval_back_for_good(run, site):  # type: ignore[no-untyped-def]
    """The wrong post approved: `unapprove` logs the approval as taken back and the post waits
    for a leader again. Setting `status: draft` by hand left the approval in the file, and
    setting it back to approved published the post again without any leader."""
    index = site.post("fair", platforms=["website"])
    assert approve(run, site, "fair").code == 0
    approved_text = index.read_bytes()
    entry = json.loads((site.root / AUDIT_LOG).read_text().splitlines()[-1])["hash"]
    assert run(site, "build").code == 0
    assert "not a senior leader" in run(site, "unapprove", "fair", "--by", "jjones").err
    taken = run(site, "unapprove", "fair", "--by", "head", now="2026-11-22T09:00")
    assert taken.code == 0 and taken.out.startswith("took back head's approval of fair"), taken
    text = index.read_text()
    assert "status: submitted" in text and "approval:" not in text
    logged = json.loads((site.root / AUDIT_LOG).read_text().splitlines()[-1])
    assert (logged["action"], logged["post"], logged["by"], logged["digest"]) == (
        "unapprove",
        "fair",
        "head",
        entry,
    )
    assert run(site, "build").code == 0
    assert not (site.root / "build/site/posts/fair/index.html").exists()
    assert "fair: not approved (status submitted)" in run(site, "takedown").out
    again = run(site, "unapprove", "fair", "--by", "head")
    assert again.code == 1 and "fair has no approval" in again.err
    # The approved file put back by hand (from a backup, or git): the log blocks it.
    index.write_bytes(approved_text)
    checked = run(site, "check", "fair")
    assert checked.code == 1 and "the approval was taken back by head on 2026-11-22" in checked.out
    assert run(site, "status", "--json").json()["posts"][0]["status"] == "blocked"
    # An editor's old buffer saved over it (approved, then edited): blocked too, not "stale"
    # with "the version approved before stays live" (found by a review).
    index.write_bytes(approved_text.replace(b"wonderful", b"marvellous"))
    assert run(site, "status", "--json").json()["posts"][0]["status"] == "blocked"
    index.write_bytes(approved_text)
    assert run(site, "build").code == 0
    assert not (site.root / "build/site/posts/fair/index.html").exists()
    verified = run(site, "audit", "verify")
    assert (
        verified.code == 1 and "was taken back by head on 2026-11-22" in verified.out + verified.err
    )
    # A leader approves it again: it goes out.
    index.write_text(index.read_text().replace("status: approved", "status: submitted"))
    assert approve(run, site, "fair", now="2026-11-23T09:00").code == 0
    assert run(site, "build").code == 0
    assert (site.root / "build/site/posts/fair/index.html").exists()


def test_approve_says_the_warnings_the_leader_approves_the_post_with(run, site):  # type: ignore[no-untyped-def]
    """The leader confirms the post as it is: a warning (a class photo with nobody tagged, a
    negative sentence) was never shown by `approve`, so it went out unseen."""
    site.post("week", body="A disappointing week. Some children were rude and lazy.\n")
    approved = approve(run, site, "week")
    assert approved.code == 0
    lines = approved.out.splitlines()
    assert lines[0].startswith("approved week (sha256:")
    assert lines[1] == "  approved with 1 warning(s): read them now"
    assert lines[2].startswith("  SG140 warning: ")
    assert approve(run, site, "week").out.startswith("week is already approved")
    site.post("fair", title="The fair")
    assert approve(run, site, "fair").out.splitlines()[1:] == []  # (none: nothing more said)


def test_submit_and_approve_keep_a_files_windows_line_ends(run, site):  # type: ignore[no-untyped-def]
    """A post saved on Windows (CRLF): submit and approve rewrote every line end as LF, though
    they change only the status and approval lines."""
    index = site.post("fair", body="The fair was a wonderful day.\n\nThank you all.\n")
    index.write_bytes(index.read_bytes().replace(b"\n", b"\r\n"))
    lines = index.read_bytes().count(b"\r\n")
    assert run(site, "submit", "fair").code == 0
    assert approve(run, site, "fair").code == 0
    data = index.read_bytes()
    assert b"\n" not in data.replace(b"\r\n", b"")  # (every line end still CRLF)
    assert data.count(b"\r\n") == lines + 5  # (approval: and its four lines)
    assert b"status: approved\r\napproval:\r\n" in data
    assert run(site, "check", "fair").out.startswith("content/posts/fair/index.md approved")
    # A file with one CRLF among LFs (text pasted in): that line keeps its own, and no other.
    mixed = site.post("mixed", body="One line.\nA pasted line.\r\nThe last line.\n")
    assert approve(run, site, "mixed").code == 0
    data = mixed.read_bytes()
    assert data.count(b"\r\n") == 1 and b"A pasted line.\r\n" in data


def test_approve_refusals(run, site):  # type: ignore[no-untyped-def]
    site.post("bad", body="<script>x</script>\n")
    site.post("good")
    result = approve(run, site, "bad", "good")
    assert result.code == 1
    assert "refused bad" in result.err and "SG130" in result.err
    assert "approved good" in result.out  # each post judged on its own
    assert approve(run, site, "good", by="jjones").code == 1
    assert approve(run, site, "nosuch").code == 2


def test_leader_removed_blocks_post(run, site):  # type: ignore[no-untyped-def]
    site.post("a")
    approve(run, site, "a", by="deputy")
    toml = (site.root / "site.toml").read_text().replace('"head", "deputy"', '"head"')
    (site.root / "site.toml").write_text(toml)
    (post,) = run(site, "check", "--json").json()["posts"]
    assert post["status"] == "blocked"
    assert any("not a leader" in f["message"] for f in post["findings"])


def test_a_copied_post_is_told_its_approval_was_another_posts(run, site):  # type: ignore[no-untyped-def]
    site.post("a")
    approve(run, site, "a")
    shutil.copytree(site.root / "content/posts/a", site.root / "content/posts/b")
    posts = {p["slug"]: p for p in run(site, "check", "--json").json()["posts"]}
    (found,) = [f["message"] for f in posts["b"]["findings"] if f["code"] == "SG150"]
    assert found == (
        "the approval was given to another post (a): a post copied or renamed needs its own "
        "approval"
    )
    assert posts["a"]["status"] == "approved"


def test_withdrawal_after_approval_blocks(run, site):  # type: ignore[no-untyped-def]
    site.post("a", pupils=["P5"])
    assert approve(run, site, "a", now="2026-11-10T09:00").code == 0
    (post,) = run(site, "check", "--json").json()["posts"]
    assert post["status"] == "blocked" and not post["publishable"]
    assert "SG112" in {f["code"] for f in post["findings"]}


def test_submit(run, site):  # type: ignore[no-untyped-def]
    site.post("a")
    site.post("bad", body="<iframe src=x></iframe>\n")
    assert run(site, "submit", "a").code == 0
    assert "status: submitted" in (site.root / "content/posts/a/index.md").read_text()
    assert run(site, "submit", "bad").code == 1
    assert "status: draft" in (site.root / "content/posts/bad/index.md").read_text()
    assert approve(run, site, "a").code == 0
    # Edited since its approval: submitting it says what to do instead.
    index = site.root / "content/posts/a/index.md"
    index.write_text(index.read_text().replace("wonderful", "marvellous"))
    refused = run(site, "submit", "a")
    assert refused.code == 1 and refused.err.startswith(
        "a is stale, not a draft: nothing to submit: ask a leader to approve the edit "
        "(`sitegen approve a`); the version approved before stays live meanwhile"
    ), refused.err


def _tamper(site: SiteDir, change) -> None:  # type: ignore[no-untyped-def]
    log = site.root / AUDIT_LOG
    lines = log.read_text().splitlines()
    log.write_text("\n".join(change(lines)) + "\n")


def test_audit_verify_detects_edit_removal_reorder(run, site):  # type: ignore[no-untyped-def]
    for slug in "abc":
        site.post(slug)
    approve(run, site, "a", "b", "c")
    assert run(site, "audit", "verify").code == 0

    log = site.root / AUDIT_LOG
    pristine = log.read_text()
    edits = {
        "edited": lambda lines: [lines[0].replace('"head"', '"deputy"'), *lines[1:]],
        "removed": lambda lines: [lines[0], lines[2]],
        "reordered": lambda lines: [lines[1], lines[0], lines[2]],
        "last removed": lambda lines: lines[:2],
    }
    for name, change in edits.items():
        log.write_text(pristine)
        _tamper(site, change)
        result = run(site, "audit", "verify")
        assert result.code == 1, name
        assert "FAILED" in result.err
    log.write_text(pristine)
    assert run(site, "audit", "verify").code == 0
    log.unlink()
    result = run(site, "audit", "verify")
    assert result.code == 1 and "not in the audit log" in result.err


def test_damaged_audit_log_is_reported_not_a_crash(run, site):  # type: ignore[no-untyped-def]
    site.post("a")
    approve(run, site, "a")
    log = site.root / AUDIT_LOG
    log.write_bytes(log.read_bytes().replace(b'"head"', b'"h\xffad"'))
    assert run(site, "status").code == 0
    result = run(site, "audit", "verify")
    assert result.code == 1 and "altered" in result.err
    (post,) = run(site, "status", "--json").json()["posts"]
    assert post["status"] == "blocked"


PLAIN_VALUES = st.one_of(st.text(max_size=8), st.integers(), st.floats(), st.booleans(), st.none())
ANY_VALUES = st.recursive(
    st.one_of(PLAIN_VALUES, st.dates(), st.datetimes()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.dictionaries(st.text(max_size=6), PLAIN_VALUES), ANY_VALUES))
def test_canonical_json_of_a_plain_entry_is_the_walked_form(value: object) -> None:
    """An audit entry's canonical bytes, made without walking it, are the walked form's: the
    hashes of every log already written stay the same."""
    from sitegen.approval import _canonical, canonical_json

    walked = json.dumps(
        _canonical(value), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    assert canonical_json(value) == walked.encode("utf-8")


def test_the_chain_is_checked_from_where_it_last_held_and_a_change_before_is_still_found(
    tmp_path: Path,
) -> None:
    """The remembered end of the chain spares a build re-hashing every approval, and never
    hides an entry altered before it, a bad entry after it, or a log cut short."""
    from datetime import UTC, datetime

    from sitegen.approval import AuditWriter, chain_problem, parse_audit_log
    from sitegen.engine.store import RecordFile

    at = datetime(2026, 12, 7, tzinfo=UTC)
    memo = RecordFile(tmp_path / "memo.pack")
    log = tmp_path / AUDIT_LOG

    def append(count: int) -> None:
        with AuditWriter(tmp_path) as writer:
            for i in range(count):
                writer.append("approve", f"post-{i}", "head", at, "sha256:" + "1" * 64)

    append(5)
    assert chain_problem(log.read_bytes(), memo) is None
    append(2)
    grown = log.read_bytes()
    assert chain_problem(grown, memo) is None
    assert memo.get(("\0grown", "chain"))[:2] == (len(grown), hashlib.sha256(grown).hexdigest())

    lines = grown.decode().splitlines()
    moved = "\n".join([*lines, lines[1]]) + "\n"  # an old entry appended again
    full = parse_audit_log(moved.encode())[1][0]
    assert chain_problem(moved.encode(), memo) == full and ":8:" in full
    altered = grown.replace(b"post-0", b"post-9", 1)
    assert chain_problem(altered, memo) == parse_audit_log(altered)[1][0]
    assert chain_problem(grown[: len(grown) // 2], memo) is not None  # cut mid-line


def test_an_approval_is_never_glued_onto_a_last_line_without_its_line_break(run, site):  # type: ignore[no-untyped-def]
    """A log whose last line lost its line break (a hand edit): the next entry was written
    onto it, the chain broke, and every approval went void (found by a third review)."""
    site.post("a")
    site.post("b")
    assert approve(run, site, "a").code == 0
    log = site.root / "content/records/audit.jsonl"
    log.write_bytes(log.read_bytes().rstrip(b"\n"))
    assert run(site, "audit", "verify").code == 0
    assert approve(run, site, "b").code == 0
    verified = run(site, "audit", "verify")
    assert verified.code == 0, verified.err
    assert [p["status"] for p in run(site, "status", "--json").json()["posts"]] == ["approved"] * 2
