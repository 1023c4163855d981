"""What is live: `sitegen posted` and pending.csv across builds and an approved edit, takedowns
for what was exported but never recorded as posted, and a SAR that tells exported, posted and
deployed apart."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path
from typing import Any

from sitegen.sar_words import long_date
from tests.conftest import REGISTER, SITE_TOML, SiteDir
from tests.imagegen import save_photo


def rows(root: Path, platform: str, name: str) -> list[list[str]]:
    data = (root / "build/exports" / platform / name).read_text(encoding="utf-8")
    return list(csv.reader(io.StringIO(data, newline="")))


OSIAN_NOT_ON_FACEBOOK = REGISTER.replace(
    "P2,Osian,Pritchard,Year 4,yes,yes", "P2,Osian,Pritchard,Year 4,yes,no"
)


def castle(site: SiteDir) -> Path:
    """The castle post, Mia (P1) on towers.jpg and Osian (P2) on sand.jpg, to the website and
    Facebook, as staff wrote it: its index.md."""
    return site.post(
        "castle",
        files={"towers.jpg": "castle", "sand.jpg": "beach"},
        pupils=["P1", "P2"],
        date="2026-11-02",
        platforms=["website", "facebook"],
        images=[
            {"file": "towers.jpg", "alt": "The towers", "pupils": ["P1"]},
            {"file": "sand.jpg", "alt": "The sand", "pupils": ["P2"]},
        ],
    )


def posted_castle(run, site: SiteDir) -> Path:  # type: ignore[no-untyped-def]
    """The castle post, Mia (P1) on towers.jpg and Osian (P2) on sand.jpg, to the website and
    Facebook: approved, built on 25 November at 10:00 and posted on Facebook at 11:00."""
    index = castle(site)
    assert run(site, "approve", "castle", "--by", "head").code == 0
    assert run(site, "build", now="2026-11-25T10:00").code == 0
    assert run(site, "posted", "--platform", "facebook", now="2026-11-25T11:00").code == 0
    return index


def sar_publications(
    run, site: SiteDir, pupil: str, platform: str, now: str
) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The pupil's SAR's publications on one platform."""
    report = run(site, "sar", pupil, "--json", now=now).json()
    return [p for p in report["publications"] if p["platform"] == platform]


def posts(site: SiteDir, run) -> Path:  # type: ignore[no-untyped-def]
    castle = site.post(
        "castle",
        files={"towers.jpg": "castle"},
        pupils=["P1"],
        date="2026-11-02",
        platforms=["website", "facebook", "x"],
        images=[{"file": "towers.jpg", "alt": "The towers", "pupils": ["P1"]}],
    )
    site.post("fair", date="2026-11-03", platforms=["website", "facebook"])
    assert run(site, "approve", "castle", "fair", "--by", "head").code == 0
    return castle


def test_posted_and_pending_across_builds_and_an_approved_edit(run, site) -> None:  # type: ignore[no-untyped-def]
    castle = posts(site, run)
    built = run(site, "build")
    assert "for facebook to build/exports/facebook: 2 to post (pending.csv)" in built.out
    bulk = rows(site.root, "facebook", "bulk.csv")
    assert rows(site.root, "facebook", "pending.csv") == bulk  # nothing posted yet
    assert bulk[0] == ["date", "text", "link", "images"] and len(bulk) == 3

    done = run(site, "posted", "--platform", "facebook", "content/posts/castle/index.md")
    assert done.code == 0 and "recorded as posted on facebook: 1 bundle(s)" in done.out
    assert "1 still to post on facebook" in done.out
    again = run(site, "posted", "--platform", "facebook", "castle")
    assert "castle was already recorded as posted on facebook in this version" in again.out
    assert "nothing waits" not in again.out and "1 still to post on facebook" in again.out
    pending = rows(site.root, "facebook", "pending.csv")
    assert [r[2] for r in pending[1:]] == ["https://news.test.sch.uk/posts/fair/"]
    assert rows(site.root, "x", "pending.csv")[1:] == rows(site.root, "x", "bulk.csv")[1:]

    # The next build makes the same pending.csv from the ledger; bulk.csv keeps every post.
    assert run(site, "build").code == 0
    assert rows(site.root, "facebook", "pending.csv") == pending
    assert len(rows(site.root, "facebook", "bulk.csv")) == 3
    assert run(site, "posted", "--platform", "facebook").code == 0  # every pending one
    assert rows(site.root, "facebook", "pending.csv") == [bulk[0]]
    assert "nothing waits to be posted" in run(site, "posted", "--platform", "facebook").out

    # An approved edit: the castle's bundle changed, so it waits again, as an update.
    castle.write_text(castle.read_text().replace("wonderful", "marvellous"))
    assert run(site, "approve", "castle", "--by", "head").code == 0
    built = run(site, "build")
    assert "1 to post (pending.csv), 1 an update: castle" in built.out
    (again,) = rows(site.root, "facebook", "pending.csv")[1:]
    assert "marvellous" in again[1]
    updated = run(site, "posted", "--platform", "facebook")
    assert "castle (update: replace or edit the post there)" in updated.out

    # Mistakes: a post never exported there, the website, a platform not in site.toml.
    assert run(site, "posted", "--platform", "x", "fair").code == 2
    assert run(site, "posted", "--platform", "website").code == 2
    assert run(site, "posted", "--platform", "tiktok").code == 2


def test_a_new_version_whose_bundle_is_the_one_posted_does_not_wait_again(
    run, site, monkeypatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """A pupil tagged or a platform added changes the post, not the bundle posted on Facebook:
    a scheduler importing pending.csv would post it twice. The ledger records the version
    and the pupils it now shows; the bundle waits again only once its files change."""
    castle = posts(site, run)
    assert run(site, "build").code == 0
    assert run(site, "posted", "--platform", "facebook").code == 0
    assert rows(site.root, "facebook", "pending.csv")[1:] == []

    text = castle.read_text()
    castle.write_text(
        text.replace("- P1\n", "- P1\n- P3\n", 1).replace("- x\n", "- x\n- instagram\n")
    )
    assert castle.read_text() != text
    assert run(site, "approve", "castle", "--by", "head").code == 0
    built = run(site, "build")
    assert (
        built.code == 0 and "for facebook to build/exports/facebook: nothing to post" in built.out
    )
    assert "instagram: new 1: castle" in built.out and "updated" not in built.out  # (same files)
    assert rows(site.root, "facebook", "pending.csv")[1:] == []
    # A bundle is its files, wherever the photos made for it are kept: a store moved or
    # emptied makes the same bundle.
    monkeypatch.setenv("SITEGEN_CACHE_DIR", str(tmp_path / "elsewhere"))
    shutil.rmtree(site.root / "build/.cache")
    assert "for facebook to build/exports/facebook: nothing to post" in run(site, "build").out
    ledger = [json.loads(line) for line in (site.root / LEDGER).read_text().splitlines()]
    (latest,) = [e for e in ledger[-4:] if e["platform"] == "facebook"]
    assert latest["event"] == "published" and latest["pupils"] == ["P1", "P3"]
    assert latest["bundle"] == next(e for e in ledger if e["event"] == "posted")["bundle"]
    assert "nothing waits to be posted" in run(site, "posted", "--platform", "facebook").out
    # The SAR of the pupil tagged since says the post is on Facebook since it was posted.
    posting = next(e for e in ledger if e["event"] == "posted")["at"]
    (facebook,) = [
        p
        for p in run(site, "sar", "P3", "--json").json()["publications"]
        if p["platform"] == "facebook"
    ]
    assert facebook["posted_at"] == posting and facebook["ended"] is None
    assert f"posted on Facebook on {long_date(posting)}" in facebook["summary"]
    # P1, tagged from the start: one version on Facebook, posted, never replaced.
    (facebook,) = [
        p
        for p in run(site, "sar", "P1", "--json").json()["publications"]
        if p["platform"] == "facebook"
    ]
    assert facebook["posted_at"] == posting and facebook["ended"] is None
    assert "replaced" not in facebook["summary"]

    # Its text changes: the bundle waits again, as an update.
    castle.write_text(castle.read_text().replace("wonderful", "marvellous"))
    assert run(site, "approve", "castle", "--by", "head").code == 0
    assert "1 to post (pending.csv), 1 an update: castle" in run(site, "build").out
    # The takedown after P3's withdrawal names the copy posted.
    site.withdraw("P3", "2026-11-24")
    listed = {t["platform"]: t for t in run(site, "takedown", "--json").json()["takedowns"]}
    assert listed["facebook"]["posted"] is True


def test_prune_keeps_a_photo_still_posted(run, site) -> None:  # type: ignore[no-untyped-def]
    """The castle went to Facebook with towers.jpg; an approved edit puts another photo in
    its place. Until the posted copy is replaced, the school keeps the photo that is there."""
    castle = posts(site, run)
    assert run(site, "build").code == 0
    assert run(site, "posted", "--platform", "facebook").code == 0
    ledger = [json.loads(line) for line in (site.root / LEDGER).read_text().splitlines()]
    posted = next(e for e in ledger if e["event"] == "posted" and e["slug"] == "castle")
    kept = site.root / "content/records/approved/files" / posted["images"][0]["sha256"][7:]
    assert kept.exists()
    (castle.parent / "towers.jpg").unlink()
    save_photo(castle.parent / "gate.jpg", "beach", size=(640, 480), seed=7)
    castle.write_text(castle.read_text().replace("towers.jpg", "gate.jpg"))
    assert run(site, "approve", "castle", "--by", "head").code == 0
    assert run(site, "build").code == 0
    assert run(site, "records", "prune").code == 0
    assert kept.exists()
    # The new bundles posted (they replace the old), the website's removal of the photo
    # recorded: nothing out there shows it, and it goes.
    assert run(site, "posted", "--platform", "facebook").code == 0
    assert run(site, "posted", "--platform", "x").code == 0
    assert run(site, "records", "prune").code == 0
    assert kept.exists()  # (the copy uploaded by hand may still show it)
    done = run(site, "takedown", "--done", "castle", "--platform", "website")
    assert done.code == 0, done.err
    assert run(site, "records", "prune").code == 0
    assert not kept.exists()


def test_posted_never_records_a_bundle_whose_child_was_withdrawn_since_the_build(run, site) -> None:  # type: ignore[no-untyped-def]
    """Staff post from pending.csv hours after the build; P1's consent was withdrawn
    meanwhile. `posted` records the fair, not the castle, and says why (exit 1)."""
    posts(site, run)
    assert run(site, "build").code == 0
    site.withdraw("P1", "2026-11-25")
    done = run(site, "posted", "--platform", "facebook")
    assert done.code == 1
    assert "not recorded: castle may no longer go on facebook" in done.err
    assert "recorded as posted on facebook: 1 bundle(s)" in done.out and "  fair" in done.out
    named = run(site, "posted", "--platform", "facebook", "castle")
    assert named.code == 1 and "not recorded: castle" in named.err
    ledger = [json.loads(line) for line in (site.root / LEDGER).read_text().splitlines()]
    assert [e["slug"] for e in ledger if e["event"] == "posted"] == ["fair"]


def test_posted_never_records_a_bundle_with_a_photo_that_lost_its_consent(run, site) -> None:  # type: ignore[no-untyped-def]
    """The castle goes to Facebook with two photos; P2's Facebook cell becomes no after the
    build. The bundle as exported may not go: not recorded; the next build's may."""
    site.post(
        "castle",
        files={"towers.jpg": "castle", "boats.jpg": "beach"},
        pupils=["P1", "P2"],
        date="2026-11-02",
        platforms=["website", "facebook"],
        images=[
            {"file": "towers.jpg", "alt": "The towers", "pupils": ["P1"]},
            {"file": "boats.jpg", "alt": "The boats", "pupils": ["P2"]},
        ],
    )
    assert run(site, "approve", "castle", "--by", "head").code == 0
    assert run(site, "build").code == 0
    site.register(
        REGISTER.replace("P2,Osian,Pritchard,Year 4,yes,yes,", "P2,Osian,Pritchard,Year 4,yes,no,")
    )
    done = run(site, "posted", "--platform", "facebook")
    assert done.code == 1 and "not recorded: castle may no longer go on facebook" in done.err
    # The boats' removal recorded by hand: the bundle waiting still holds them, refused.
    assert run(site, "takedown", "--done", "castle", "--platform", "facebook").code == 0
    again = run(site, "posted", "--platform", "facebook")
    assert again.code == 1 and "not recorded: castle" in again.err
    assert run(site, "build").code == 0  # (the bundle without the boats)
    assert run(site, "posted", "--platform", "facebook").code == 0


def test_posted_records_a_bundle_an_approved_edit_left_as_it_is(run, site) -> None:  # type: ignore[no-untyped-def]
    """Instagram added to the castle and approved after the build: Facebook's bundle is the
    same, and posting it is recorded."""
    castle = posts(site, run)
    assert run(site, "build").code == 0
    castle.write_text(castle.read_text().replace("- x\n", "- x\n- instagram\n"))
    assert run(site, "approve", "castle", "--by", "head").code == 0
    done = run(site, "posted", "--platform", "facebook", "castle")
    assert done.code == 0 and "recorded as posted on facebook: 1 bundle(s)" in done.out, done.err


def test_an_edit_undone_is_the_version_posted_again_in_the_sar(run, site) -> None:  # type: ignore[no-untyped-def]
    """Posted on the 21st; an edit exported on the 22nd (never posted); undone on the 23rd:
    the posted copy is what is there, and the SAR says so, with no 'replaced'."""
    castle = site.post(
        "castle", pupils=["P1"], date="2026-11-02", platforms=["website", "facebook"]
    )
    assert run(site, "approve", "castle", "--by", "head", now="2026-11-21T09:00").code == 0
    assert run(site, "build", now="2026-11-21T10:00").code == 0
    assert run(site, "posted", "--platform", "facebook", now="2026-11-21T11:00").code == 0
    first = castle.read_text()
    castle.write_text(first.replace("wonderful", "marvellous"))
    assert run(site, "approve", "castle", "--by", "head", now="2026-11-22T09:00").code == 0
    assert run(site, "build", now="2026-11-22T10:00").code == 0
    castle.write_text(first)
    assert run(site, "approve", "castle", "--by", "head", now="2026-11-23T09:00").code == 0
    built = run(site, "build", now="2026-11-23T10:00")
    assert "for facebook to build/exports/facebook: nothing to post" in built.out
    sar = run(site, "sar", "P1", "--json", now="2026-11-25T09:00").json()
    facebook = [p for p in sar["publications"] if p["platform"] == "facebook"]
    posted = [p for p in facebook if p["ended"] is None]
    assert len(posted) == 1 and posted[0]["posted_at"].startswith("2026-11-21"), facebook
    assert "posted on Facebook on 21 November 2026" in posted[0]["summary"]
    assert all("replaced on Facebook" not in p["summary"] for p in facebook), facebook
    assert "not yet recorded as posted" not in posted[0]["summary"], posted[0]["summary"]


def test_takedown_of_a_bundle_never_recorded_as_posted(run, site) -> None:  # type: ignore[no-untyped-def]
    posts(site, run)
    assert run(site, "build").code == 0
    assert run(site, "posted", "--platform", "facebook", "castle").code == 0
    site.withdraw("P1", "2026-11-24")
    listed = {t["platform"]: t for t in run(site, "takedown", "--json").json()["takedowns"]}
    assert set(listed) == {"website", "facebook", "x"}
    assert listed["facebook"]["posted"] is True
    assert listed["facebook"]["reason"].startswith("consent withdrawn")
    assert "not recorded as posted" not in listed["facebook"]["reason"]
    assert listed["x"]["posted"] is False
    assert listed["x"]["reason"].endswith("; exported, not recorded as posted: check the page")
    # Who made it necessary, and the photo as it went out.
    assert listed["x"]["images"] == ["01-photo-1-640.jpg (towers.jpg)"]
    assert listed["x"]["because"] == [
        "P1 (consent withdrawn on 2026-11-24) on 01-photo-1-640.jpg (towers.jpg)"
    ]
    # A build says how many removals wait, per platform.
    built = run(site, "build")
    assert "removals waiting: 1 on facebook, 1 on the website, 1 on x" in built.out
    # The school checks X and records the bundle is not there: the SAR must not tell the
    # family it was "taken down from X", which reads as it having been on X.
    assert run(site, "takedown", "--done", "castle", "--platform", "x").code == 0
    letter = run(site, "sar", "P1").out
    assert "taken down from X" not in letter
    assert (
        "Exported for X (Twitter) on 25 November 2026 (the school posts it by hand); never "
        "recorded as posted, and on 25 November 2026 the school recorded that it is not on "
        "X (Twitter)." in letter
    ), letter


def test_a_page_built_before_the_first_deploy_is_told_in_order(run, site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Uploaded by hand, then deployed, then taken out of build/site/ by a withdrawal, not yet
    deployed: the letter said "since 25 November; taken out ... 30 November; copied to the
    live school website on 26 November", and gave its address in the past tense."""
    posts(site, run)
    assert run(site, "build", now="2026-11-25T10:00").code == 0
    site.config(SITE_TOML + f'\n[deploy]\ntarget = "{tmp_path / "www"}/"\n')
    assert run(site, "deploy", now="2026-11-26T10:00").code == 0
    site.withdraw("P1", "2026-11-30")
    assert run(site, "build", now="2026-11-30T10:00").code == 0
    letter = run(site, "sar", "P1", now="2026-11-30T11:00").out
    assert (
        "On the school website since 25 November 2026 (copied to the live website on "
        "26 November 2026); taken out of the school's copy of the site on 30 November 2026. "
        "Because consent was withdrawn, it comes off the website at its next update." in letter
    ), letter
    assert "Its address: https://news.test.sch.uk/posts/castle/" in letter


def test_a_page_taken_off_the_live_site_is_said_once(run, site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Built before the first deploy, taken off by a later one: "until 30 November 2026, when
    it was taken off the live website; taken off the live school website on 30 November"."""
    site.config(SITE_TOML + f'\n[deploy]\ntarget = "{tmp_path / "www"}/"\n')
    posts(site, run)
    assert run(site, "build", now="2026-11-25T10:00").code == 0
    assert run(site, "deploy", now="2026-11-25T16:00").code == 0
    site.withdraw("P1", "2026-11-30")
    assert run(site, "build", now="2026-11-30T09:00").code == 0
    assert run(site, "deploy", now="2026-11-30T10:00").code == 0
    letter = run(site, "sar", "P1", now="2026-11-30T11:00").out
    assert (
        "(copied to the live website on 25 November 2026) until 30 November 2026, when it was "
        "taken off the live website. With photo 1 of Mia." in letter
    ), letter


def test_a_first_deploy_takes_off_what_a_build_took_out_of_the_site_uploaded_by_hand(
    run, site, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """Uploaded by hand, taken out of the build by a withdrawal, then the school starts to
    deploy: the letter said the page came off on the day of the build, 13 days before any
    copy of the site without it reached the server."""
    posts(site, run)
    assert run(site, "build", now="2026-11-12T10:00").code == 0
    site.withdraw("P1", "2026-11-20")
    assert run(site, "build", now="2026-11-24T10:00").code == 0
    site.config(SITE_TOML + f'\n[deploy]\ntarget = "{tmp_path / "www"}/"\n')
    assert run(site, "deploy", now="2026-12-07T10:00").code == 0
    (website,) = sar_publications(run, site, "P1", "website", "2026-12-07T11:00")
    assert website["off_live_site_at"].startswith("2026-12-07T10:00")
    assert website["ended"]["event"] == "off_live_site"
    assert "until 7 December 2026, when it was taken off the live website" in website["summary"]


def test_an_edit_built_and_not_yet_deployed_leaves_the_live_version_live(
    run, site, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """An approved edit takes a photo out, built but not deployed: the letter said the live
    version ended on the day of the build, while the photo was still on the server."""
    site.config(SITE_TOML + f'\n[deploy]\ntarget = "{tmp_path / "www"}/"\n')
    castle = posts(site, run)
    assert run(site, "build", now="2026-11-25T10:00").code == 0
    assert run(site, "deploy", now="2026-11-25T11:00").code == 0
    castle.write_text(castle.read_text().replace("wonderful", "marvellous"))
    assert run(site, "approve", "castle", "--by", "head", now="2026-11-28T09:00").code == 0
    assert run(site, "build", now="2026-11-28T10:00").code == 0

    def website(now: str) -> list[dict[str, object]]:
        pubs = run(site, "sar", "P1", "--json", now=now).json()["publications"]
        return [p for p in pubs if p["platform"] == "website"]

    first, edit = website("2026-11-28T11:00")
    assert first["ended"] is None and first["off_live_site_at"] is None
    assert edit["deployed_at"] is None
    assert run(site, "deploy", now="2026-11-29T08:00").code == 0
    first, edit = website("2026-11-29T09:00")
    assert first["ended"]["event"] == "replaced_on_live_site"
    assert first["ended"]["at"].startswith("2026-11-29T08:00")
    assert edit["deployed_at"].startswith("2026-11-29T08:00")


def test_sar_tells_exported_posted_and_deployed_apart(run, site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    www = tmp_path / "www"
    site.config(SITE_TOML + f'\n[deploy]\ntarget = "{www}/"\n')
    posts(site, run)
    assert run(site, "build", now="2026-11-25T10:00").code == 0
    assert run(site, "deploy", now="2026-11-25T16:00").code == 0
    assert run(site, "posted", "--platform", "facebook", now="2026-11-26T09:00").code == 0
    report = run(site, "sar", "P1", "--json", now="2026-11-27T09:00").json()
    made = {p["platform"]: p for p in report["publications"]}
    assert made["website"]["at"].startswith("2026-11-25T10:00")
    assert made["website"]["deployed_at"].startswith("2026-11-25T16:00")
    assert made["facebook"]["posted_at"].startswith("2026-11-26T09:00")
    assert made["x"]["posted_at"] is None and made["x"]["deployed_at"] is None
    letter = run(site, "sar", "P1", now="2026-11-27T09:00").out
    # (Built before the first deploy: when it went live the records cannot say, so both.)
    assert (
        "On the school website since 25 November 2026 (copied to the live website on "
        "25 November 2026)" in letter
    )
    assert "posted on Facebook on 26 November 2026" in letter
    assert "Exported for X (Twitter) on 25 November 2026 (the school posts it by hand)." in letter
    ledger = [
        json.loads(line)
        for line in (site.root / "content/records/publications.jsonl").read_text().splitlines()
    ]
    assert [e["event"] for e in ledger].count("deployed") == 1
    # An approved edit, built after a deploy: ready first, live only once deployed.
    castle = site.root / "content/posts/castle/index.md"
    castle.write_text(castle.read_text().replace("wonderful", "marvellous"))
    assert run(site, "approve", "castle", "--by", "head", now="2026-11-28T09:00").code == 0
    assert run(site, "build", now="2026-11-28T10:00").code == 0
    letter = run(site, "sar", "P1", now="2026-11-28T11:00").out
    assert "Made ready for the school website on 28 November 2026, not recorded as" in letter
    assert run(site, "deploy", now="2026-11-29T08:00").code == 0
    letter = run(site, "sar", "P1", now="2026-11-29T09:00").out
    assert (
        "Made ready for the school website on 28 November 2026; on the live website from "
        "29 November 2026" in letter
    )
    website = [
        p
        for p in run(site, "sar", "P1", "--json").json()["publications"]
        if p["platform"] == "website"
    ]
    first, second = website
    assert first["off_live_site_at"].startswith("2026-11-29T08:00")  # replaced by the edit
    assert (
        second["deployed_at"].startswith("2026-11-29T08:00") and second["off_live_site_at"] is None
    )
    # Consent withdrawn: the next deploy takes the pupil off the live website.
    site.withdraw("P1", "2026-11-30")
    assert run(site, "build", now="2026-11-30T09:00").code == 0
    website = sar_publications(run, site, "P1", "website", "2026-11-30T09:30")
    assert website[1]["off_live_site_at"] is None  # built without it, still on the server
    assert run(site, "deploy", now="2026-11-30T10:00").code == 0
    report = run(site, "sar", "P1", "--json", now="2026-11-30T11:00").json()
    website = [p for p in report["publications"] if p["platform"] == "website"]
    assert website[1]["off_live_site_at"].startswith("2026-11-30T10:00")
    # Its end is the deploy that took it off the server, not the build that left it out.
    assert website[1]["ended"]["event"] == "off_live_site"
    assert website[1]["ended"]["at"].startswith("2026-11-30T10:00")
    assert (
        "on the live website from 29 November 2026 until 30 November 2026" in website[1]["summary"]
    )


def test_a_post_left_out_of_one_build_and_back_in_the_next_never_left_the_live_site(
    run, site, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """A register with a bad cell took every tagged post out of one build; the register fixed,
    the next build put them back as they were, and the deploy had nothing to copy. The live
    website never changed, but the SAR said the post was on it only until that build, and
    that the version back in the build was never copied to the live site."""
    www = tmp_path / "www"
    site.config(SITE_TOML + f'\n[deploy]\ntarget = "{www}/"\n')
    posts(site, run)
    assert run(site, "build", now="2026-11-25T10:00").code == 0
    assert run(site, "deploy", now="2026-11-25T11:00").code == 0
    register = site.root / "content/consent.csv"
    good = register.read_text()
    register.write_text(good.replace("P1,Mia,Jones,Year 4,yes", "P1,Mia,Jones,Year 4,maybe"))
    assert "website: removed" in run(site, "build", now="2026-11-26T10:00").out
    register.write_text(good)
    assert run(site, "build", now="2026-11-26T11:00").code == 0
    assert run(site, "deploy", now="2026-11-26T12:00").code == 0
    report = run(site, "sar", "P1", "--json", now="2026-11-27T09:00").json()
    website = [p for p in report["publications"] if p["platform"] == "website"]
    assert len(website) == 1, [p["summary"] for p in website]
    assert website[0]["deployed_at"].startswith("2026-11-25T11:00")
    assert website[0]["off_live_site_at"] is None and website[0]["ended"] is None
    letter = run(site, "sar", "P1", now="2026-11-27T09:00").out
    assert "not recorded as copied" not in letter and "until 26 November" not in letter, letter


LEDGER = "content/records/publications.jsonl"


def test_posted_counts_only_what_the_last_build_exported(run, site) -> None:  # type: ignore[no-untyped-def]
    posts(site, run)
    refused = run(site, "posted", "--platform", "facebook")
    assert refused.code == 2 and "run `sitegen build` first" in refused.err
    assert not (site.root / LEDGER).exists()  # nothing recorded
    assert run(site, "build").code == 0
    site.withdraw("P1", "2026-11-24")
    assert run(site, "build").code == 0  # the castle's bundle is no longer made
    ledger = (site.root / LEDGER).read_bytes()
    assert run(site, "posted", "--platform", "facebook", "castle").code == 2
    assert (site.root / LEDGER).read_bytes() == ledger
    done = run(site, "posted", "--platform", "facebook")
    assert "recorded as posted on facebook: 1 bundle(s)" in done.out  # the fair alone
    listed = {t["platform"]: t for t in run(site, "takedown", "--json").json()["takedowns"]}
    assert listed["facebook"]["posted"] is False  # the castle was never recorded as posted


def test_a_damaged_ledger_is_never_read_as_nothing_went_out(run, site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A ledger line that cannot be read (a merge conflict, a hand edit) or a ledger lost:
    the SAR told a parent the post "never went anywhere", and `takedown` that everything may
    stay (found by a robustness tour). `sar` refuses, `takedown` tells what it can and fails;
    builds and `posted` pass over the line."""
    posts(site, run)
    assert run(site, "build").code == 0
    ledger = site.root / LEDGER
    whole = ledger.read_text()
    lines = whole.splitlines(keepends=True)
    lines[0] = "<<<<<<< HEAD\n" + lines[0]
    ledger.write_text("".join(lines))
    report = tmp_path / "sar.md"
    refused = run(site, "sar", "P1", "--output", str(report))
    assert refused.code == 2 and "publications.jsonl:1: not an event" in refused.err, refused.err
    assert not report.exists()
    site.withdraw("P1", "2026-11-24")
    told = run(site, "takedown")
    assert told.code == 2 and "nothing to take down" not in told.out
    assert "castle" in told.out and "more may be out there" in told.err
    for command in (["build"], ["posted", "--platform", "x"]):
        assert run(site, *command).code == 0, command
    ledger.unlink()  # lost: the last build's report lists what it published
    for command in (["sar", "P1"], ["takedown"], ["build"], ["records", "prune"]):
        refused = run(site, *command)
        assert refused.code == 2 and "publications.jsonl is missing" in refused.err, command
    assert not ledger.exists()  # (a new one would hide what went out: found by a review)
    ledger.write_text("\n")  # emptied: lost as well (a second review)
    for command in (["sar", "P1"], ["takedown"], ["build"]):
        refused = run(site, *command)
        assert refused.code == 2 and "is missing or empty" in refused.err, command
    verify = run(site, "audit", "verify")  # (it said "audit log ok": a fourth review)
    assert verify.code == 1 and "is missing or empty" in verify.err
    ledger.write_text(whole)
    # Every post taken down (the report lists nothing published), then the ledger lost.
    for slug in ("castle", "fair"):
        (site.root / "content/posts" / slug / "index.md").unlink()
        (site.root / "content/posts" / slug).rename(site.root / f"gone-{slug}")
    assert run(site, "build").code == 0
    assert not json.loads((site.root / "build/report.json").read_text())["published"]
    kept = ledger.read_text()
    ledger.unlink()
    for command in (["sar", "P1"], ["takedown"]):
        refused = run(site, *command)
        assert refused.code == 2 and "publications.jsonl is missing" in refused.err, command
    # ... and wherever the builds write (--out: build/report.json is not there; a third review)
    shutil.rmtree(site.root / "build")
    for command in (["sar", "P1"], ["takedown"], ["build", "--out", str(site.root / "out")]):
        refused = run(site, *command)
        assert refused.code == 2 and "ledger-started says it held records" in refused.err
    ledger.write_text(kept)
    assert run(site, "sar", "P1").code == 0


def test_a_last_line_without_its_line_break_is_kept_and_never_glued_onto(run, site) -> None:  # type: ignore[no-untyped-def]
    """A record is never written onto a line left without its line break (the next record
    was glued onto it: both lost), and never deleted: a whole one (a hand edit) reads as
    before, a damaged one stays and is said to be damaged (found by a review)."""
    posts(site, run)
    assert run(site, "build").code == 0
    ledger = site.root / LEDGER
    whole = ledger.read_bytes()
    ledger.write_bytes(whole.rstrip(b"\n"))  # (an editor that drops the last line break)
    assert run(site, "posted", "--platform", "x").code == 0
    data = ledger.read_bytes()
    assert data.startswith(whole) and all(json.loads(line) for line in data.splitlines())
    ledger.write_bytes(data + b'{"event": "posted", "slug": "cas')  # damaged, no line break
    assert run(site, "posted", "--platform", "facebook").code == 0
    lines = ledger.read_bytes().splitlines()
    damaged = len(data.splitlines()) + 1
    assert lines[damaged - 1] == b'{"event": "posted", "slug": "cas'  # kept as it was
    assert all(json.loads(line) for line in lines[damaged:])  # (the new ones: whole)
    verify = run(site, "audit", "verify")
    assert verify.code == 1 and f"publications.jsonl:{damaged}: not an event" in verify.err


def test_a_title_pasted_with_a_line_separator_is_one_ledger_line(run, site) -> None:  # type: ignore[no-untyped-def]
    """A title pasted from Word holds U+2028, which JSON keeps as it is: the readers split the
    ledger there too, called both halves damaged, and sar and takedown refused for good (found
    by a review). A byte order mark an editor put first is no damage either."""
    site.post("fair", title="Harvest\u2028festival", platforms=["website", "x"], pupils=["P1"])
    assert run(site, "approve", "fair", "--by", "head").code == 0
    assert run(site, "build").code == 0
    ledger = site.root / LEDGER
    assert "\u2028" in ledger.read_text()
    ledger.write_bytes(b"\xef\xbb\xbf" + ledger.read_bytes())
    for command in (["sar", "P1"], ["takedown"], ["audit", "verify"]):
        done = run(site, *command)
        assert done.code == 0, (command, done.err)
    published = run(site, "sar", "P1", "--json").json()["publications"]
    assert {p["platform"] for p in published} == {"website", "x"}


def test_a_record_an_earlier_sitegen_glued_onto_a_half_written_one_is_read(run, site) -> None:  # type: ignore[no-untyped-def]
    """sitegen before this fix wrote a record onto the end of one a stopped command had left
    half-written: the line was damaged, and `sar` refused until it was restored, which lost
    the whole record at its end (found by an upgrade tour). That record is read."""
    posts(site, run)
    assert run(site, "build").code == 0
    assert run(site, "posted", "--platform", "x").code == 0
    site.withdraw("P1", "2026-11-24")
    ledger = site.root / LEDGER
    before = run(site, "takedown", "--json").json()
    original = ledger.read_text()
    *earlier, last = original.splitlines(keepends=True)
    ledger.write_text("".join(earlier) + '{"at": "2026-11-25T10:00:00+00:00", "event": "po' + last)
    assert run(site, "takedown", "--json").json() == before
    assert run(site, "sar", "P1").code == 0
    assert run(site, "audit", "verify").code == 0
    # Two whole records on one line (the first had lost its line break): both are read (the
    # first was dropped in silence; a third review).
    lines = original.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if '"posted"' in line and '"castle"' in line)
    lines[at - 1 : at + 1] = [lines[at].rstrip("\n") + lines[at - 1]]  # (castle's on x first)
    ledger.write_text("".join(lines))
    assert run(site, "takedown", "--json").json() == before
    assert run(site, "audit", "verify").code == 0


def test_a_ledger_line_is_read_whole_or_told_damaged() -> None:
    """Records one after another, after at most one half-written, are each read; a line with
    anything else is damaged (a record then half of one was passed over in silence, and a
    twelfth record on a line dropped: found by a fourth review)."""
    import json as json_

    from sitegen.records import line_events

    def record(n: int, **more: object) -> str:
        event = {"at": f"2026-11-{n:02d}T10:00:00+00:00", "event": "posted", "slug": f"p{n}"}
        return json_.dumps({**event, "platform": "x", **more}, sort_keys=True)

    twelve = "".join(record(n) for n in range(1, 13))
    assert [e["slug"] for e in line_events(twelve)] == [f"p{n}" for n in range(1, 13)]
    torn = '{"at": "2026-11-01T10:00:00+00:00", "event": "po'
    assert [e["slug"] for e in line_events(torn + record(2, as_posted=True))] == ["p2"]
    assert line_events(record(1) + torn) == []  # (damaged: told)
    assert line_events(torn + record(1) + torn) == []
    assert line_events(torn + torn + torn + torn + torn + torn + record(1)) == []
    # A half-written deploy holds objects keyed by photos' names ("assembly.jpg"): never
    # taken for a record's start (the line was called damaged: a fifth review).
    deploy = json_.dumps(
        {
            "at": "2026-11-25T10:00:00+00:00",
            "event": "deployed",
            "photos": {"s": {"assembly.jpg": "1"}},
        },
        sort_keys=True,
    )
    assert [e["slug"] for e in line_events(deploy[:-2] + record(3))] == ["p3"]


def test_posted_with_nothing_waiting_after_a_consent_change_is_no_failure(run, demo) -> None:  # type: ignore[no-untyped-def]
    """The demo's Welsh eisteddfod post, posted on Instagram in October and exported again, then
    Siôn's consent there taken back: the build makes no Instagram bundle of it (its photo
    may not go), and `posted` (a timer's) exited 1 asking to post an update that does not
    exist (found by an upgrade tour). Its removal is `takedown`'s."""
    slug = "2026-10-09-eisteddfod-yr-ysgol"
    assert run(demo, "build").code == 0
    # (its new export waits as an update of the version posted in October: another is posted)
    assert run(demo, "posted", "--platform", "instagram", "2026-10-09-school-eisteddfod").code == 0
    register = demo.root / "content/consent.csv"
    text = register.read_text()
    before = "P1020,Siôn,Bevan,Year 2,yes,yes,yes,yes"
    assert before in text
    register.write_text(text.replace(before, "P1020,Siôn,Bevan,Year 2,yes,yes,no,yes"))
    assert run(demo, "build").code == 0
    assert slug not in (demo.root / "build/exports/instagram/bulk.csv").read_text()
    done = run(demo, "posted", "--platform", "instagram")
    assert done.code == 0 and "update" not in done.out + done.err, done.out + done.err
    listed = run(demo, "takedown", "--json").json()["takedowns"]
    assert (slug, "instagram") in [(t["slug"], t["platform"]) for t in listed]


def test_sar_keeps_the_posted_version_apart_from_a_later_export(run, site) -> None:  # type: ignore[no-untyped-def]
    castle = posts(site, run)
    assert run(site, "build", now="2026-11-25T10:00").code == 0
    assert run(site, "posted", "--platform", "x", now="2026-11-25T11:00").code == 0
    castle.write_text(castle.read_text().replace("wonderful", "marvellous"))
    assert run(site, "approve", "castle", "--by", "head", now="2026-11-26T09:00").code == 0
    assert run(site, "build", now="2026-11-26T10:00").code == 0  # exported again, not posted
    site.withdraw("P1", "2026-11-27")

    def on_x(now: str) -> list[dict[str, object]]:
        report = run(site, "sar", "P1", "--json", now=now).json()
        return [p for p in report["publications"] if p["platform"] == "x"]

    first, second = on_x("2026-11-28T09:00")
    assert first["posted_at"].startswith("2026-11-25T11:00") and first["ended"] is None
    assert "an updated version was exported for X (Twitter) on 26 November" in first["summary"]
    assert "it must be taken down; the school has not recorded" in first["summary"]
    assert second["posted_at"] is None and second["pending_removal"] is None
    done = run(site, "takedown", "--done", "castle", "--platform", "x", now="2026-11-28T10:00")
    assert done.code == 0
    first, second = on_x("2026-11-28T11:00")
    assert first["ended"]["event"] == "taken_down" and first["pending_removal"] is None


def test_sar_after_an_update_is_posted_and_a_withdrawal(run, site) -> None:  # type: ignore[no-untyped-def]
    castle = posts(site, run)
    assert run(site, "build", now="2026-11-25T10:00").code == 0
    assert run(site, "posted", "--platform", "x", now="2026-11-25T11:00").code == 0
    castle.write_text(castle.read_text().replace("wonderful", "marvellous"))
    assert run(site, "approve", "castle", "--by", "head", now="2026-11-26T09:00").code == 0
    assert run(site, "build", now="2026-11-26T10:00").code == 0
    assert run(site, "posted", "--platform", "x", now="2026-11-26T11:00").code == 0
    site.withdraw("P1", "2026-11-27")
    report = run(site, "sar", "P1", "--json", now="2026-11-28T09:00").json()
    first, second = [p for p in report["publications"] if p["platform"] == "x"]
    assert "replaced on X (Twitter) by an updated version on 26 November 2026" in first["summary"]
    assert "not yet recorded as posted" not in first["summary"]  # (it was posted: its own line)
    assert second["posted_at"].startswith("2026-11-26T11:00") and second["pending_removal"]
    letter = run(site, "sar", "P1", now="2026-11-28T09:00").out
    assert "Since then no new post shows Mia, but" in letter and "still to be taken down" in letter
    assert "Since then no post shows Mia." not in letter
    # Taken down days after the withdrawal: the letter said "Since then no post shows Mia",
    # beside its own list showing a copy up until then. (Built first: the website's removal
    # is the upload of a build/site/ without the post.)
    assert run(site, "build", now="2026-11-30T10:00").code == 0
    for platform in ("x", "website", "facebook"):
        done = run(
            site, "takedown", "--done", "castle", "--platform", platform, now="2026-12-01T09:00"
        )
        assert done.code == 0, done.err
    letter = run(site, "sar", "P1", now="2026-12-02T09:00").out
    assert (
        "Since then no new post shows Mia; the last copy that went out before came down on "
        "1 December 2026, and the school's records show none still out there." in letter
    ), letter
    # The photo's line said "Shown on the school website and X (Twitter)", as if it still was.
    assert "No copy is out there now, by the school's records." in letter


def test_a_post_that_leaves_instagram_for_want_of_a_photo_names_whose_consent_went(
    run, site
) -> None:  # type: ignore[no-untyped-def]
    site.post(
        "gala",
        files={"pool.jpg": "beach"},
        pupils=["P1"],
        platforms=["website", "instagram"],
        images=[{"file": "pool.jpg", "alt": "The pool", "pupils": ["P1"]}],
    )
    assert run(site, "approve", "gala", "--by", "head").code == 0
    assert run(site, "build").code == 0
    assert run(site, "posted", "--platform", "instagram").code == 0
    site.register(
        REGISTER.replace("P1,Mia,Jones,Year 4,yes,yes,yes,", "P1,Mia,Jones,Year 4,yes,yes,no,")
    )
    built = run(site, "build")
    assert "none left the site" in built.out and "removals waiting: 1 on instagram" in built.out
    (item,) = run(site, "takedown", "--json").json()["takedowns"]
    assert item["reason"].startswith("instagram needs an image")
    assert item["because"] == ["P1 (no consent for instagram) on 01-photo-1-640.jpg (pool.jpg)"]


def test_leaving_a_withdrawn_pupil_off_the_same_photo_does_not_take_them_out_of_it(
    run, site
) -> None:  # type: ignore[no-untyped-def]
    """The ICO's case: a photo posted with a child whose parents then withdrew. Untagging the
    child and approving again leaves the photo's bytes as they were: the records say who is
    on them, so the photo goes nowhere the child may not appear, the posted copy stays on the
    takedown list, and the SAR still finds it."""
    castle = site.post(
        "castle",
        files={"towers.jpg": "castle"},
        pupils=["P1", "P2"],
        date="2026-11-02",
        platforms=["website", "facebook"],
        images=[{"file": "towers.jpg", "alt": "The towers", "pupils": ["P1", "P2"]}],
    )
    assert run(site, "approve", "castle", "--by", "head").code == 0
    assert run(site, "build").code == 0
    assert run(site, "posted", "--platform", "facebook", "castle").code == 0
    site.withdraw("P2", "2026-11-24")
    lines = castle.read_text().splitlines(keepends=True)
    castle.write_text("".join(line for line in lines if line.strip() != "- P2"))  # everywhere
    assert "P2" not in castle.read_text()
    assert run(site, "approve", "castle", "--by", "head", now="2026-11-25T09:00").code == 0
    # The photo no longer goes anywhere P2 may not appear; check says why.
    checked = run(site, "check", "castle").out
    assert "SG116 warning: image towers.jpg is left out on facebook: P2 has no consent" in checked
    assert "P2 is on this photo by the publications ledger" in checked
    built = run(site, "build")
    # The copy posted on Facebook, and the page uploaded before (no [deploy]), show P2.
    assert "removals waiting: 1 on facebook, 1 on the website (out there" in built.out
    page = (site.root / "build/site/posts/castle/index.html").read_text()
    assert "photo-1" not in page and "<img" not in page
    assert not list((site.root / "build/exports/facebook/castle").glob("*.jpg"))
    listed = {t["platform"]: t for t in run(site, "takedown", "--json").json()["takedowns"]}
    assert set(listed) == {"facebook", "website"}
    assert listed["website"]["because"] == ["P2 (consent withdrawn on 2026-11-24) on towers.jpg"]
    assert listed["facebook"]["reason"] == "photos no longer have consent there"
    assert listed["facebook"]["because"] == [
        "P2 (consent withdrawn on 2026-11-24) on 01-photo-1-640.jpg (towers.jpg)"
    ]
    # The SAR judges the photo by its bytes too: the post still shows Osian, photo and all.
    report = run(site, "sar", "P2", "--json").json()
    (post,) = report["posts"]
    assert post["slug"] == "castle" and post["images"] == ["towers.jpg"]
    assert not post["tagged"] and len(post["photos"]) == 1


def test_a_photo_recorded_with_a_pupil_in_another_post_is_judged_with_them(run, site) -> None:  # type: ignore[no-untyped-def]
    """The same bytes in a second post, tagged with a pupil who has no Facebook consent: in
    the build that records it, the first post is judged again and its copy leaves Facebook."""
    first = site.post(
        "castle",
        files={"towers.jpg": "castle"},
        pupils=["P1"],
        date="2026-11-02",
        platforms=["website", "facebook"],
        images=[{"file": "towers.jpg", "alt": "The towers", "pupils": ["P1"]}],
    )
    assert run(site, "approve", "castle", "--by", "head").code == 0
    assert run(site, "build").code == 0
    bundle = site.root / "build/exports/facebook/castle"
    assert list(bundle.glob("*.jpg"))
    assert run(site, "posted", "--platform", "facebook", "castle").code == 0
    second = site.root / "content/posts/second-visit/towers.jpg"
    site.post(
        "second-visit",
        date="2026-11-03",
        pupils=["P4"],  # Tomos: the website only
        images=[{"file": "towers.jpg", "alt": "The towers again", "pupils": ["P4"]}],
    )
    second.write_bytes((first.parent / "towers.jpg").read_bytes())
    assert run(site, "approve", "second-visit", "--by", "head").code == 0
    # The build that first records P4 on the photo judges the castle post with them too:
    # its Facebook bundle and pending.csv lose the photo in that same build.
    assert "removals waiting: 1 on facebook" in run(site, "build").out
    assert not list(bundle.glob("*.jpg"))
    pending = (site.root / "build/exports/facebook/pending.csv").read_text()
    assert "castle/01-photo" not in pending
    assert "nothing changed since the last build" in run(site, "build").out
    (out,) = run(site, "takedown", "--json").json()["takedowns"]
    assert (out["slug"], out["platform"]) == ("castle", "facebook")
    assert out["because"] == ["P4 (no consent for facebook) on 01-photo-1-640.jpg (towers.jpg)"]


def test_a_pupil_on_a_photo_only_by_the_records_is_warned_of_before_their_withdrawal(
    run, site
) -> None:  # type: ignore[no-untyped-def]
    """P2 was on the photo when it went out, and an edit left them off it: their withdrawal,
    recorded for a later day, is said at once (SG161), as for a pupil the post tags."""
    castle = site.post(
        "castle",
        files={"towers.jpg": "castle"},
        pupils=["P1", "P2"],
        date="2026-11-02",
        platforms=["website", "facebook"],
        images=[{"file": "towers.jpg", "alt": "The towers", "pupils": ["P1", "P2"]}],
    )
    assert run(site, "approve", "castle", "--by", "head").code == 0
    assert run(site, "build").code == 0
    lines = castle.read_text().splitlines(keepends=True)
    castle.write_text("".join(line for line in lines if line.strip() != "- P2"))
    assert run(site, "approve", "castle", "--by", "head", now="2026-11-25T09:00").code == 0
    site.withdraw("P2", "2026-12-20")
    checked = run(site, "check", "castle").out
    assert "SG161 warning: P2's consent is withdrawn from 2026-12-20, in 25 days" in checked
    assert "P2 (withdrawn from 2026-12-20)" in run(site, "build").out


def test_a_photo_a_build_drops_stays_listed_until_its_removal_is_recorded(run, site) -> None:  # type: ignore[no-untyped-def]
    """Nothing confirms what is out there (no [deploy], a bundle never recorded as posted):
    a photo the next build leaves out stays on the takedown list until `--done`."""
    castle(site)
    assert run(site, "approve", "castle", "--by", "head").code == 0
    assert run(site, "build").code == 0
    site.register(
        REGISTER.replace("P2,Osian,Pritchard,Year 4,yes,yes", "P2,Osian,Pritchard,Year 4,no,no")
    )
    for _ in range(2):  # before the build that drops the photo, and after it
        listed = {t["platform"]: t for t in run(site, "takedown", "--json").json()["takedowns"]}
        assert set(listed) == {"website", "facebook"}
        assert all(
            t["because"] == ["P2 (no consent for " + p + ") on " + t["images"][0]]
            for p, t in listed.items()
        )
        assert listed["facebook"]["reason"].endswith(
            "exported, not recorded as posted: check the page"
        )
        assert run(site, "build").code == 0
    assert not (site.root / "build/site/posts/castle/index.html").read_text().count("photo-2")
    # The SAR ties the removal to the version that had Osian's photo, not the one after it.
    pubs = run(site, "sar", "P2", "--json").json()["publications"]
    website = [p for p in pubs if p["platform"] == "website"]
    assert [p["images"] for p in website if p["pending_removal"]] == [["sand.jpg"]]
    for platform in ("website", "facebook"):
        done = run(site, "takedown", "--done", "castle", "--platform", platform)
        assert (
            done.code == 0 and f"recorded: sand.jpg of castle removed from {platform}" in done.out
        )
    assert run(site, "takedown", "--json").json()["takedowns"] == []
    assert run(site, "build").code == 0
    assert run(site, "takedown", "--json").json()["takedowns"] == []
    # Posted afterwards: the version the build exported, not the record of what remained.
    assert run(site, "posted", "--platform", "facebook").code == 0
    posting = json.loads(
        (site.root / "content/records/publications.jsonl").read_text().splitlines()[-1]
    )
    assert posting["event"] == "posted" and posting["digest"]
    assert [i["file"] for i in posting["images"]] == ["towers.jpg"]
    assert len(rows(site.root, "facebook", "pending.csv")) == 1  # (the header: none waits)
    # So a later "no" for Mia on Facebook still finds her photo there.
    site.register(
        REGISTER.replace(
            "P2,Osian,Pritchard,Year 4,yes,yes", "P2,Osian,Pritchard,Year 4,no,no"
        ).replace("P1,Mia,Jones,Year 4,yes,yes", "P1,Mia,Jones,Year 4,yes,no")
    )
    (item,) = run(site, "takedown", "--json").json()["takedowns"]
    assert item["platform"] == "facebook" and "towers.jpg" in " ".join(item["images"])


def test_a_photo_taken_off_a_posted_bundle_leaves_nothing_waiting_in_the_sar(run, site) -> None:  # type: ignore[no-untyped-def]
    """Posted on Facebook; one pupil's consent for Facebook then ends; the leader takes that
    photo off the post by hand and records it. The next build exports exactly what remained
    there, and `posted` has nothing to record; yet the SAR of either pupil said an updated
    version was exported, "not yet recorded as posted", for good."""
    posted_castle(run, site)
    site.register(OSIAN_NOT_ON_FACEBOOK)
    done = run(
        site, "takedown", "--done", "castle", "--platform", "facebook", now="2026-11-26T09:00"
    )
    assert "recorded: sand.jpg of castle removed from facebook" in done.out, done.out
    assert run(site, "build", now="2026-11-26T10:00").code == 0
    assert len(rows(site.root, "facebook", "pending.csv")) == 1  # (the header: none waits)
    for pupil in ("P1", "P2"):
        letter = run(site, "sar", pupil, now="2026-11-27T09:00").out
        assert "not yet recorded as posted" not in letter, letter
        facebook = sar_publications(run, site, pupil, "facebook", "2026-11-27T09:00")
        assert len(facebook) == 1 and facebook[0]["posted_at"].startswith("2026-11-25T11:00")
        assert [e["event"] for e in facebook[0]["events"]] == [
            "published",
            "posted",
            "photos_taken_down",
        ]
    # Osian's photo is off Facebook now: the letter said it was still shown there.
    (post,) = run(site, "sar", "P2", "--json", now="2026-11-27T09:00").json()["posts"]
    (sand,) = post["photos"]
    assert sand["still_on"] == ["website"], sand
    assert "Since taken off Facebook." in run(site, "sar", "P2", now="2026-11-27T09:00").out


def test_an_export_made_before_the_removal_is_recorded_is_what_remained(run, site) -> None:  # type: ignore[no-untyped-def]
    """The usual order: Osian's consent for Facebook goes, a build exports the post without
    his photo, the leader takes the photo off the post by hand and records it. The SAR said
    forever that an updated version was "not yet recorded as posted" (found by a review)."""
    posted_castle(run, site)
    site.register(OSIAN_NOT_ON_FACEBOOK)
    assert run(site, "build", now="2026-11-26T08:00").code == 0
    done = run(
        site, "takedown", "--done", "castle", "--platform", "facebook", now="2026-11-26T09:00"
    )
    assert done.code == 0, done.err
    assert run(site, "build", now="2026-11-26T10:00").code == 0
    assert len(rows(site.root, "facebook", "pending.csv")) == 1  # (the header: none waits)
    for pupil in ("P1", "P2"):
        letter = run(site, "sar", pupil, now="2026-11-27T09:00").out
        assert "not yet recorded as posted" not in letter, letter
    facebook = sar_publications(run, site, "P1", "facebook", "2026-11-27T09:00")
    assert [p["ended"]["event"] if p["ended"] else None for p in facebook] == [
        None,
        "same_as_remained",
    ]


def test_an_export_never_posted_ends_when_what_remained_is_exported(run, site) -> None:  # type: ignore[no-untyped-def]
    """Posted with two photos; a third added in an export never posted; then photos taken off
    the post by hand: the build that exports exactly what remained replaces that export. It
    stayed open in the SAR, "made ready for Facebook, not recorded as posted there"."""
    no_p3 = REGISTER.replace(
        "P3,Elin Ffion,Davies,Year 4,yes,yes", "P3,Elin Ffion,Davies,Year 4,yes,no"
    )
    site.register(no_p3)
    site.post(
        "castle",
        files={"towers.jpg": "castle", "sand.jpg": "beach", "third.jpg": "books"},
        pupils=["P1", "P2", "P3"],
        date="2026-11-02",
        platforms=["website", "facebook"],
        images=[
            {"file": "towers.jpg", "alt": "The towers", "pupils": ["P1"]},
            {"file": "sand.jpg", "alt": "The sand", "pupils": ["P2"]},
            {"file": "third.jpg", "alt": "The walls", "pupils": ["P3"]},
        ],
    )
    assert run(site, "approve", "castle", "--by", "head").code == 0
    assert run(site, "build", now="2026-11-25T10:00").code == 0
    assert run(site, "posted", "--platform", "facebook", now="2026-11-25T11:00").code == 0
    site.register(REGISTER)  # Elin may go on Facebook now: an export with her photo
    assert run(site, "build", now="2026-11-25T12:00").code == 0
    site.register(
        REGISTER.replace(
            "P2,Osian,Pritchard,Year 4,yes,yes", "P2,Osian,Pritchard,Year 4,yes,no"
        ).replace("P3,Elin Ffion,Davies,Year 4,yes,yes", "P3,Elin Ffion,Davies,Year 4,yes,no")
    )
    done = run(
        site, "takedown", "--done", "castle", "--platform", "facebook", now="2026-11-26T09:00"
    )
    assert done.code == 0, done.err
    assert run(site, "build", now="2026-11-26T10:00").code == 0
    assert len(rows(site.root, "facebook", "pending.csv")) == 1  # (the header: none waits)
    for pupil in ("P1", "P3"):
        report = run(site, "sar", pupil, "--json", now="2026-11-27T09:00").json()
        facebook = [p for p in report["publications"] if p["platform"] == "facebook"]
        assert all(p["ended"] is not None or p["posted_at"] for p in facebook), facebook
        letter = run(site, "sar", pupil, now="2026-11-27T09:00").out
        assert "not yet recorded as posted" not in letter, letter


def test_after_some_photos_came_off_a_post_it_is_still_that_post(run, site) -> None:  # type: ignore[no-untyped-def]
    """Osian's photo taken off the posted Facebook post by hand; then Mia's consent is
    withdrawn: the takedown line lost its reason (the post's pupils) and gave the day of the
    photo's removal as the day the post went out. And a re-approval that changes nothing on
    Facebook (a platform added) put the very bundle out there back in pending.csv."""
    site.post(
        "castle",
        files={"towers.jpg": "castle", "sand.jpg": "beach"},
        pupils=["P1", "P2"],
        date="2026-11-02",
        platforms=["website", "facebook"],
        images=[
            {"file": "towers.jpg", "alt": "The towers", "pupils": []},
            {"file": "sand.jpg", "alt": "The sand", "pupils": ["P2"]},
        ],
    )
    assert run(site, "approve", "castle", "--by", "head").code == 0
    assert run(site, "build", now="2026-11-05T10:00").code == 0
    assert run(site, "posted", "--platform", "facebook", now="2026-11-05T11:00").code == 0
    site.register(OSIAN_NOT_ON_FACEBOOK)
    done = run(
        site, "takedown", "--done", "castle", "--platform", "facebook", now="2026-11-26T09:00"
    )
    assert done.code == 0, done.err
    assert run(site, "build", now="2026-11-26T10:00").code == 0
    castle = site.root / "content/posts/castle/index.md"
    castle.write_text(
        castle.read_text().replace(
            "platforms:\n- website\n- facebook", "platforms:\n- website\n- facebook\n- x"
        )
    )
    assert run(site, "approve", "castle", "--by", "head", now="2026-11-27T09:00").code == 0
    assert run(site, "build", now="2026-11-27T10:00").code == 0
    assert len(rows(site.root, "facebook", "pending.csv")) == 1  # (the header: none waits)
    site.withdraw("P1", "2026-11-28")
    (item,) = [
        t
        for t in run(site, "takedown", "--json", now="2026-11-28T12:00").json()["takedowns"]
        if t["platform"] == "facebook"
    ]
    assert item["because"] == ["P1 (consent withdrawn on 2026-11-28) in the post"], item
    assert item["published_at"].startswith("2026-11-05"), item


def test_some_photos_recorded_removed_before_the_build_stay_off_the_list(run, site) -> None:  # type: ignore[no-untyped-def]
    """The leader removes the photo from the bundle they had not recorded as posted, and
    records it, before building: the build that leaves it out does not list it again."""
    castle(site)
    assert run(site, "approve", "castle", "--by", "head").code == 0
    assert run(site, "build").code == 0
    site.register(OSIAN_NOT_ON_FACEBOOK)
    (item,) = run(site, "takedown", "--json").json()["takedowns"]
    assert item["platform"] == "facebook" and not item["whole"]
    assert run(site, "takedown", "--done", "castle", "--platform", "facebook").code == 0
    assert run(site, "takedown", "--json").json()["takedowns"] == []
    assert run(site, "build").code == 0
    assert run(site, "takedown", "--json").json()["takedowns"] == []


def test_a_first_build_with_a_photo_shared_between_posts(run, site) -> None:  # type: ignore[no-untyped-def]
    """Nothing recorded yet, and two posts share one photo tagged differently: the first
    build itself judges each post with both pupils (no photo of Tomos on Facebook)."""
    first = site.post(
        "castle",
        files={"towers.jpg": "castle"},
        pupils=["P1"],
        date="2026-11-02",
        platforms=["website", "facebook"],
        images=[{"file": "towers.jpg", "alt": "The towers", "pupils": ["P1"]}],
    )
    site.post(
        "second-visit",
        date="2026-11-03",
        pupils=["P4"],
        images=[{"file": "towers.jpg", "alt": "The towers again", "pupils": ["P4"]}],
    )
    (site.root / "content/posts/second-visit/towers.jpg").write_bytes(
        (first.parent / "towers.jpg").read_bytes()
    )
    assert run(site, "approve", "castle", "second-visit", "--by", "head").code == 0
    built = run(site, "build", "--timings")
    assert built.code == 0 and "judged again" in built.out
    assert not list((site.root / "build/exports/facebook/castle").glob("*.jpg"))
    assert "<img" in (site.root / "build/site/posts/castle/index.html").read_text()
    assert "nothing changed since the last build" in run(site, "build").out


def test_a_photo_is_told_apart_by_its_bytes() -> None:
    """Out there: a.jpg (bytes A) and b.jpg (bytes B). A build would now publish c.jpg with
    bytes B, and a.jpg with bytes C: b.jpg was renamed (nothing to remove), and a.jpg is an
    update (new bytes under its name: who is on the old ones is weighed by the records)."""
    from sitegen.live import OutThere, removals

    out = OutThere(
        "trip", "facebook", ("a.jpg", "b.jpg"), True, hashes=(("a.jpg", "A"), ("b.jpg", "B"))
    )
    allowed = {("trip", "facebook"): {"a.jpg": (), "c.jpg": ()}}
    same = {("trip", "facebook"): {"a.jpg": "C", "c.jpg": "B"}}
    assert removals({("trip", "facebook"): out}, allowed, allowed_bytes=same) == []
    # Where the bytes are not known (a deploy records names), the names decide.
    by_name = out._replace(hashes=())
    (removal,) = removals({("trip", "facebook"): by_name}, allowed, allowed_bytes=same)
    assert removal.photos == ("b.jpg",)
    # A name the records give two hashes (an earlier copy under it) is the same photo only
    # when both are.
    twice = out._replace(
        files=("b.jpg", "d.jpg"), hashes=(("b.jpg", "B"), ("d.jpg", "B"), ("d.jpg", "D"))
    )
    (removal,) = removals({("trip", "facebook"): twice}, allowed, allowed_bytes=same)
    assert removal.photos == ("d.jpg",)
    # The old bytes under a name that stays, showing a pupil who now refuses: they go.
    shown = out._replace(shows=(("a.jpg", frozenset({"P1"})),))
    refuses = lambda pupil, platform: pupil == "P1"  # noqa: E731
    (removal,) = removals({("trip", "facebook"): shown}, allowed, refuses, same)
    assert removal.photos == ("a.jpg",)


def test_a_photo_posted_since_a_removal_is_not_said_to_be_off(run, site) -> None:  # type: ignore[no-untyped-def]
    """An edit swaps Osian's photo for another of Mia; the removal of Osian's photo from the
    post out there is recorded; the edit is posted. Mia's new photo was said to be "taken
    off Facebook" (found by a review)."""
    castle = site.post(
        "castle",
        files={"towers.jpg": "castle", "sand.jpg": "beach", "walls.jpg": "books"},
        pupils=["P1", "P2"],
        date="2026-11-02",
        platforms=["website", "facebook"],
        images=[
            {"file": "towers.jpg", "alt": "The towers", "pupils": ["P1"]},
            {"file": "sand.jpg", "alt": "The sand", "pupils": ["P2"]},
        ],
    )
    assert run(site, "approve", "castle", "--by", "head").code == 0
    assert run(site, "build", now="2026-11-25T10:00").code == 0
    assert run(site, "posted", "--platform", "facebook", now="2026-11-25T11:00").code == 0
    text = (
        castle.read_text()
        .replace("file: sand.jpg", "file: walls.jpg")
        .replace("alt: The sand\n  pupils:\n  - P2", "alt: The walls\n  pupils:\n  - P1")
    )
    castle.write_text(text.replace("- P1\n- P2\n", "- P1\n"))
    assert run(site, "approve", "castle", "--by", "head", now="2026-11-26T09:00").code == 0
    assert run(site, "build", now="2026-11-26T10:00").code == 0
    done = run(
        site, "takedown", "--done", "castle", "--platform", "facebook", now="2026-11-26T11:00"
    )
    assert done.code == 0, done.err
    assert run(site, "build", now="2026-11-26T12:00").code == 0
    assert run(site, "posted", "--platform", "facebook", now="2026-11-26T13:00").code == 0
    (post,) = run(site, "sar", "P1", "--json", now="2026-11-27T09:00").json()["posts"]
    walls = next(p for p in post["photos"] if p["file"] == "walls.jpg")
    assert "facebook" in walls["still_on"], walls


def test_a_live_page_a_build_took_out_stays_live_until_a_deploy(run, site, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Deployed; its approval taken back (a build leaves it out); then an edit approved and
    built, not deployed: the version on the server was said to have ended at that build
    (found by a review). And a withdrawal's removal is told on the version on the server,
    not on one never copied there."""
    site.config(SITE_TOML + f'\n[deploy]\ntarget = "{tmp_path / "www"}/"\n')
    castle = posts(site, run)
    assert run(site, "build", now="2026-11-20T10:00").code == 0
    assert run(site, "deploy", now="2026-11-20T11:00").code == 0
    assert run(site, "unapprove", "castle", "--by", "head", now="2026-11-25T09:00").code == 0
    assert run(site, "build", now="2026-11-25T10:00").code == 0
    castle.write_text(castle.read_text().replace("wonderful", "marvellous"))
    assert run(site, "approve", "castle", "--by", "head", now="2026-11-26T09:00").code == 0
    assert run(site, "build", now="2026-11-26T10:00").code == 0
    site.withdraw("P1", "2026-11-27")
    assert run(site, "build", now="2026-11-27T10:00").code == 0
    pubs = run(site, "sar", "P1", "--json", now="2026-11-27T11:00").json()["publications"]
    first, edit = [p for p in pubs if p["platform"] == "website"]
    assert first["ended"] is None and first["off_live_site_at"] is None, first["summary"]
    assert first["pending_removal"] == "consent was withdrawn"
    assert edit["pending_removal"] is None


def test_a_removal_is_told_on_the_copy_posted_not_on_a_later_export(run, site) -> None:  # type: ignore[no-untyped-def]
    """Posted; an edit exported since, never posted; then Osian's photo may no longer be on
    Facebook: the letter put the removal on the export ("must be taken down if it was
    posted") and none on the copy actually posted (found by a review)."""
    castle = posted_castle(run, site)
    castle.write_text(castle.read_text().replace("wonderful", "marvellous"))
    assert run(site, "approve", "castle", "--by", "head", now="2026-11-25T12:00").code == 0
    assert run(site, "build", now="2026-11-25T13:00").code == 0
    site.register(OSIAN_NOT_ON_FACEBOOK)
    assert run(site, "build", now="2026-11-26T10:00").code == 0
    facebook = sar_publications(run, site, "P2", "facebook", "2026-11-26T11:00")
    posted = [p for p in facebook if p["posted_at"]]
    assert len(posted) == 1 and posted[0]["pending_removal"], facebook
    assert all(p["pending_removal"] is None for p in facebook if not p["posted_at"])


def test_a_record_line_nested_thousands_deep_is_a_damaged_line(run, site) -> None:  # type: ignore[no-untyped-def]
    """A line of 100,000 "[" in the ledger or the consent history: a RecursionError traceback
    from build, takedown and sar (found by a review). It is a damaged line, as any other."""
    posts(site, run)
    assert run(site, "build").code == 0
    for record in ("content/records/publications.jsonl", "content/records/consent.jsonl"):
        with (site.root / record).open("a") as out:
            out.write("[" * 100_000 + "\n")
    for command in (["build"], ["takedown"], ["sar", "P1"], ["audit", "verify"]):
        result = run(site, *command)
        assert "Traceback" not in result.err and "RecursionError" not in result.err, result.err
        assert result.code in (0, 1, 2), (command, result.err)
        if result.code == 2:  # (sar and takedown: what went out cannot be told whole)
            assert "publications.jsonl:" in result.err and "not an event" in result.err
