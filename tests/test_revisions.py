"""Approved revisions stay live: an edit goes out only once approved, and until then nothing
of it reaches build/ while the approved revision stays on the site and in every export,
judged against today's register and clock."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import NOW, SiteDir
from tests.imagegen import save_photo

SLUG = "2026-11-20-castle"
APPROVED_WORDS = "The towers shone in the autumn sun"
EDITED_WORDS = "The towers glowed in the autumn sun"


def site_with_post(site: SiteDir) -> Path:
    return site.post(
        SLUG,
        body=f"{APPROVED_WORDS}, and everyone sketched them.\n",
        files={"towers.jpg": "castle"},
        title="A day at the castle",
        pupils=["P1"],
        platforms=["website", "facebook", "x"],
        images=[{"file": "towers.jpg", "alt": "The castle towers", "pupils": ["P1"]}],
    )


def outputs(root: Path) -> dict[str, bytes]:
    """Every file the build published or exported, by its path under build/."""
    build = root / "build"
    return {
        str(p.relative_to(build)): p.read_bytes()
        for part in ("site", "exports")
        for p in sorted((build / part).rglob("*"))
        if p.is_file()
    }


def everything_in_build(root: Path) -> dict[str, bytes]:
    build = root / "build"
    return {str(p.relative_to(build)): p.read_bytes() for p in build.rglob("*") if p.is_file()}


PICTURES = (".jpg", ".jpeg", ".webp", ".png", ".avif")


def test_an_edit_waits_for_approval_and_the_approved_revision_stays_live(run, site) -> None:  # type: ignore[no-untyped-def]
    index = site_with_post(site)
    assert run(site, "approve", SLUG, "--by", "head").code == 0
    assert run(site, "build").code == 0
    before = outputs(site.root)
    assert any(APPROVED_WORDS.encode() in data for data in before.values())
    pictures = {k: v for k, v in everything_in_build(site.root).items() if k.endswith(PICTURES)}
    approved_photo = (index.parent / "towers.jpg").read_bytes()
    # A word and the title edited, and the photo replaced: none may go out before approval.
    edited = index.read_text().replace(APPROVED_WORDS, EDITED_WORDS)
    index.write_text(edited.replace("title: A day at the castle", "title: Castle towers day"))
    save_photo(index.parent / "towers.jpg", "sunflowers", size=(640, 480))
    built = run(site, "build")
    assert built.code == 0 and "no post joined or changed on the site or any platform" in built.out
    assert outputs(site.root) == before  # byte for byte, the site and every export
    anywhere = everything_in_build(site.root)
    assert not [k for k, v in anywhere.items() if EDITED_WORDS.encode() in v or b"towers day" in v]
    # No picture made from the new photo, not even in the cache: the approved revision's
    # own photo is laid out there, to be published from.
    new_pictures = {v for k, v in anywhere.items() if k.endswith(PICTURES) and pictures.get(k) != v}
    assert new_pictures == {approved_photo}
    report = json.loads((site.root / "build/report.json").read_text())
    (published,) = report["published"]
    assert published["revision"] == "approved" and published["approved_at"]
    assert run(site, "takedown", "--json").json()["takedowns"] == []  # nothing to take down
    status = run(site, "status").out
    assert (
        "edited: the version approved on 2026-11-25 is live; approve to publish the edit" in status
    )
    # Approved, the edit goes live.
    assert run(site, "approve", SLUG, "--by", "head").code == 0
    assert run(site, "build").code == 0
    after = outputs(site.root)
    assert any(EDITED_WORDS.encode() in data for data in after.values())
    assert not any(APPROVED_WORDS.encode() in data for data in after.values())
    assert (
        "revision" not in json.loads((site.root / "build/report.json").read_text())["published"][0]
    )


def test_a_live_revision_comes_down_when_consent_is_withdrawn(run, site) -> None:  # type: ignore[no-untyped-def]
    index = site_with_post(site)
    assert run(site, "approve", SLUG, "--by", "head").code == 0
    assert run(site, "build").code == 0
    index.write_text(index.read_text().replace(APPROVED_WORDS, EDITED_WORDS))
    assert run(site, "build").code == 0
    assert (site.root / "build/site/posts" / SLUG / "index.html").exists()
    site.withdraw("P1", "2026-11-24")
    listed = run(site, "takedown", "--json").json()["takedowns"]
    assert {t["platform"] for t in listed} == {"website", "facebook", "x"}
    assert all("consent withdrawn" in t["reason"] for t in listed)
    assert run(site, "build").code == 0
    assert not (site.root / "build/site/posts" / SLUG / "index.html").exists()


def test_a_deleted_post_is_taken_down_though_a_revision_is_kept(run, site) -> None:  # type: ignore[no-untyped-def]
    site_with_post(site)
    assert run(site, "approve", SLUG, "--by", "head").code == 0
    assert run(site, "build").code == 0
    shutil.rmtree(site.root / "content/posts" / SLUG)
    listed = run(site, "takedown", "--json").json()["takedowns"]
    assert {(t["slug"], t["reason"].split(";")[0]) for t in listed} == {
        (SLUG, "the post was deleted")
    }
    # The revision stays while anything of it is out there; prune keeps it.
    assert run(site, "records", "prune").code == 0
    assert (site.root / "content/records/approved" / f"{SLUG}.json").exists()


def test_prune_removes_only_what_nothing_needs(run, site) -> None:  # type: ignore[no-untyped-def]
    index = site_with_post(site)
    assert run(site, "approve", SLUG, "--by", "head").code == 0
    first = set((site.root / "content/records/approved/files").iterdir())
    save_photo(index.parent / "towers.jpg", "sunflowers", size=(640, 480))
    assert run(site, "approve", SLUG, "--by", "head").code == 0  # (never built: never out)
    kept = set((site.root / "content/records/approved/files").iterdir())
    assert len(kept) == len(first) + 2  # the new index.md and the new photo
    pruned = run(site, "records", "prune")
    assert pruned.code == 0 and "removed 2 kept file(s)" in pruned.out
    assert "and 2 other file(s) of earlier approved versions" in pruned.out  # (never built)
    remaining = set((site.root / "content/records/approved/files").iterdir())
    assert len(remaining) == len(first)  # the live revision's two files
    assert run(site, "records", "prune").out.startswith("nothing to prune")
    assert run(site, "build").code == 0  # the live revision builds from what is kept
    assert (site.root / "build/site/posts" / SLUG / "index.html").exists()


def test_the_preview_shows_the_edit_and_says_the_approved_version_is_live(run, site) -> None:  # type: ignore[no-untyped-def]
    from sitegen.preview import build_preview
    from sitegen.site import load_site

    index = site_with_post(site)
    assert run(site, "approve", SLUG, "--by", "head").code == 0
    index.write_text(index.read_text().replace(APPROVED_WORDS, EDITED_WORDS))
    build_preview(load_site(site.root, NOW))
    page = (site.root / "build/preview/posts" / SLUG / "index.html").read_text()
    assert EDITED_WORDS in page  # the teacher sees the edit ...
    banner = "edited: the version approved on 2026-11-25 is live; approve to publish the edit"
    assert banner in page and "not on the website" not in page  # ... and what parents see
    # Consent withdrawn: the approved version is not live either, and the banner says why.
    site.withdraw("P1", "2026-11-24")
    build_preview(load_site(site.root, NOW))
    page = (site.root / "build/preview/posts" / SLUG / "index.html").read_text()
    assert "is live" not in page and "not on the website" in page


def test_check_says_the_approved_version_is_live_while_it_is(run, site) -> None:  # type: ignore[no-untyped-def]
    index = site_with_post(site)
    assert run(site, "approve", SLUG, "--by", "head").code == 0
    index.write_text(index.read_text().replace(APPROVED_WORDS, EDITED_WORDS))
    checked = run(site, "check", SLUG)
    assert checked.code == 1  # (the edit itself still needs a leader)
    assert "stale, publishable as the version approved on 2026-11-25" in checked.out
    assert "edited: the version approved on 2026-11-25 is live" in checked.out
    (post,) = run(site, "check", "--json").json()["posts"]
    assert post["publishable"] is True and post["live_revision"].startswith("2026-11-25")
    # Consent withdrawn: the approved version is no longer publishable, and nobody says it is.
    site.withdraw("P1", "2026-11-24")
    (post,) = run(site, "check", "--json").json()["posts"]
    assert post["publishable"] is False and "live_revision" not in post
    assert "is live" not in run(site, "status").out


def test_a_new_post_in_the_folder_of_a_deleted_one_is_judged_as_it_is(run, site) -> None:  # type: ignore[no-untyped-def]
    """The kept revision is for the approval the post carries: a new draft at the same
    address never brings the old approved post back."""
    site_with_post(site)
    assert run(site, "approve", SLUG, "--by", "head").code == 0
    assert run(site, "build").code == 0
    shutil.rmtree(site.root / "content/posts" / SLUG)
    site.post(SLUG, body="A new draft about the castle, not yet approved.\n")
    assert run(site, "build").code == 0
    assert not (site.root / "build/site/posts" / SLUG).exists()
    report = json.loads((site.root / "build/report.json").read_text())
    assert report["published"] == [] and "revision" not in json.dumps(report)
    assert "is live" not in run(site, "status").out


def test_a_record_naming_a_path_outside_the_post_is_no_revision(run, site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    index = site_with_post(site)
    assert run(site, "approve", SLUG, "--by", "head").code == 0
    record = site.root / "content/records/approved" / f"{SLUG}.json"
    data = json.loads(record.read_text())
    outside = tmp_path / "written-by-a-record"
    data["files"][str(outside)] = data["files"]["index.md"]
    data["files"]["../../escaped.md"] = data["files"]["index.md"]
    record.write_text(json.dumps(data))
    index.write_text(index.read_text().replace(APPROVED_WORDS, EDITED_WORDS))
    for command in (["status"], ["check"], ["build"]):
        assert "Traceback" not in run(site, *command).err
    assert not outside.exists() and not (site.root / "build/escaped.md").exists()
    assert not list(site.root.rglob("escaped.md"))
    assert "is live" not in run(site, "status").out  # (the record counts as none)


def test_approve_that_cannot_keep_the_approved_copy_approves_nothing(run, site) -> None:  # type: ignore[no-untyped-def]
    index = site_with_post(site)
    before = index.read_bytes()
    (site.root / "content/records/approved" / f"{SLUG}.json").mkdir(parents=True)  # (a fault)
    refused = run(site, "approve", SLUG, "--by", "head")
    assert (
        refused.code == 1 and f"{SLUG} was not approved: a copy of what was approved" in refused.err
    )
    assert index.read_bytes() == before
    assert run(site, "status", "--json").json()["posts"][0]["status"] == "draft"


def test_prune_removes_nothing_while_a_record_cannot_be_read(run, site) -> None:  # type: ignore[no-untyped-def]
    site_with_post(site)
    assert run(site, "approve", SLUG, "--by", "head").code == 0
    files = set((site.root / "content/records/approved/files").iterdir())
    (site.root / "content/records/approved" / f"{SLUG}.json").write_text("<<<<<<< HEAD\n")
    refused = run(site, "records", "prune")
    assert refused.code == 2 and "nothing was removed" in refused.err
    assert set((site.root / "content/records/approved/files").iterdir()) == files


def test_audit_verify_reports_a_damaged_kept_revision(run, site) -> None:  # type: ignore[no-untyped-def]
    site_with_post(site)
    assert run(site, "approve", SLUG, "--by", "head").code == 0
    assert run(site, "audit", "verify").code == 0
    record = site.root / "content/records/approved" / f"{SLUG}.json"
    photo = json.loads(record.read_text())["files"]["towers.jpg"].removeprefix("sha256:")
    (site.root / "content/records/approved/files" / photo).write_bytes(b"not the photo")
    verified = run(site, "audit", "verify")
    assert (
        verified.code == 1
        and "its kept towers.jpg is missing or altered" in verified.out + verified.err
    )
    record.write_text(record.read_text()[:60])
    verified = run(site, "audit", "verify")
    assert verified.code == 1 and f"{SLUG}.json: cannot be read" in verified.out + verified.err


def test_sar_does_not_ask_to_take_down_an_approved_version_that_stays(run, site) -> None:  # type: ignore[no-untyped-def]
    index = site_with_post(site)
    assert run(site, "approve", SLUG, "--by", "head").code == 0
    assert run(site, "build").code == 0
    index.write_text(index.read_text().replace(APPROVED_WORDS, EDITED_WORDS))
    assert run(site, "takedown", "--json").json()["takedowns"] == []
    report = run(site, "sar", "P1", "--json").json()
    assert [p["pending_removal"] for p in report["publications"]] == [None, None, None]
    assert "edited after its approval" not in run(site, "sar", "P1").out


def test_an_approved_post_whose_header_breaks_is_stale_not_a_draft(run, site) -> None:  # type: ignore[no-untyped-def]
    """A leader is never told a live post is a draft: the build publishes what was approved,
    and status and check say so, with the header's error."""
    index = site_with_post(site)
    assert run(site, "approve", SLUG, "--by", "head").code == 0
    index.write_text(index.read_text().replace("- website", "- [website", 1))  # unclosed [
    assert run(site, "build").code == 0
    assert APPROVED_WORDS in (site.root / f"build/site/posts/{SLUG}/index.html").read_text()
    (post,) = run(site, "status", "--json").json()["posts"]
    assert post["status"] == "stale"
    checked = run(site, "check", SLUG)
    assert checked.code == 1 and f"{SLUG}/index.md stale, publishable as the version" in checked.out
    assert "SG100 error: YAML error" in checked.out


@pytest.mark.parametrize(
    ("written", "altered", "laid_out"),
    [
        ('by: "head"', 'by: "deputy"', False),
        ('entry: "sha256:', 'entry: "sha256:0', False),
        ('by: "head"', 'by: "deputy"', True),  # (and laid out otherwise)
    ],
)
def test_an_approval_altered_by_hand_is_not_published_from_the_kept_copy(
    run, site, written, altered, laid_out
) -> None:  # type: ignore[no-untyped-def]
    """Only the approval block changed: status and check said blocked (SG150), and the build
    published the kept approved copy all the same (found by the SPEC audit: blocked posts
    are never published; only an edit waiting for approval publishes the approved copy)."""
    index = site_with_post(site)
    assert run(site, "approve", SLUG, "--by", "head").code == 0
    text = index.read_text()
    assert written in text
    index.write_text(text.replace(written, altered, 1))
    if laid_out:  # (a comment, and CRLF as a Windows editor saves it: found by a review)
        index.write_text(index.read_text().replace("\ntags:", "\n# the trip's tags\ntags:"))
        index.write_bytes(index.read_bytes().replace(b"\n", b"\r\n"))
    (post,) = run(site, "status", "--json").json()["posts"]
    assert post["status"] == "blocked"
    assert run(site, "build").code == 0
    assert not (site.root / f"build/site/posts/{SLUG}").exists()
    published = json.loads((site.root / "build/report.json").read_text())["published"]
    assert SLUG not in json.dumps(published)


def test_an_older_approved_version_put_back_after_unapprove_is_not_published(run, site) -> None:  # type: ignore[no-untyped-def]
    """Approve a version, approve an edit, take the approval back, then put the first
    version's file back (as `git checkout` would): it was published with no leader, and
    status said approved (found by a security review). An unapprove takes back every earlier
    approval of the post."""
    index = site_with_post(site)
    assert run(site, "approve", SLUG, "--by", "head", now="2026-11-21T09:00").code == 0
    first = index.read_text()
    index.write_text(first.replace(APPROVED_WORDS, EDITED_WORDS))
    assert run(site, "approve", SLUG, "--by", "head", now="2026-11-22T09:00").code == 0
    assert run(site, "unapprove", SLUG, "--by", "head", now="2026-11-23T09:00").code == 0
    index.write_text(first)
    (post,) = run(site, "status", "--json", now="2026-11-24T09:00").json()["posts"]
    assert post["status"] == "blocked"
    checked = run(site, "check", SLUG, now="2026-11-24T09:00")
    assert "the approval was taken back by head on 2026-11-23" in checked.out
    assert run(site, "audit", "verify", now="2026-11-24T09:00").code == 1
    assert run(site, "build", now="2026-11-24T09:00").code == 0
    assert not (site.root / f"build/site/posts/{SLUG}").exists()
