"""Subject Access Requests and takedowns, from the posts and the publications ledger."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from sitegen.records import LEDGER
from tests.conftest import REGISTER, SiteDir


def approve(run, site: SiteDir, *slugs: str) -> None:  # type: ignore[no-untyped-def]
    result = run(site, "approve", *slugs, "--by", "head", now="2026-11-01T09:00")
    assert result.code == 0, result.err


def build(run, site: SiteDir, now: str) -> None:  # type: ignore[no-untyped-def]
    result = run(site, "build", now=now)
    assert result.code == 0, result.err


def posted_trip(run, site: SiteDir, slug: str = "trip") -> Path:  # type: ignore[no-untyped-def]
    """A post with two photos, Mia (P1) on the first (a.jpg), to the website and Facebook:
    approved, built on 5 November and recorded as posted on Facebook. Its index.md."""
    index = site.post(
        slug,
        files={"a.jpg": "castle", "b.jpg": "beach"},
        pupils=["P1"],
        date="2026-11-02",
        platforms=["website", "facebook"],
        images=[
            {"file": "a.jpg", "alt": "Towers", "pupils": ["P1"]},
            {"file": "b.jpg", "alt": "Sand", "pupils": []},
        ],
    )
    approve(run, site, slug)
    build(run, site, "2026-11-05T10:00")
    assert run(site, "posted", slug, "--platform", "facebook", now="2026-11-05T11:00").code == 0
    return index


def test_withdrawal_end_to_end(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.post(
        "trip",
        files={"a.jpg": "castle"},
        pupils=["P1"],
        date="2026-11-02",
        platforms=["website", "facebook", "x"],
        images=[{"file": "a.jpg", "alt": "Towers", "pupils": ["P1"]}],
    )
    site.post("other", date="2026-11-03", platforms=["website"])
    approve(run, site, "trip", "other")
    build(run, site, "2026-11-05T10:00")
    assert (site.root / "build/site/posts/trip/index.html").exists()
    assert run(site, "takedown", "--json", now="2026-11-05T11:00").json() == {"takedowns": []}

    site.withdraw("P1", "2026-11-20")
    pending = run(site, "takedown", "--json", now="2026-11-21T09:00").json()["takedowns"]
    assert {(t["slug"], t["platform"]) for t in pending} == {
        ("trip", "website"),
        ("trip", "facebook"),
        ("trip", "x"),
    }
    assert all("consent withdrawn" in t["reason"] for t in pending)
    assert all(t["published_at"].startswith("2026-11-05") for t in pending)
    # Not built yet: build/site/ still has the post, so no upload took it off (recording it
    # then emptied the list while the page was still to upload: found by a review).
    for done in (["--done"], ["--done", "trip"]):
        early = run(site, "takedown", *done, "--platform", "website", now="2026-11-21T09:30")
        assert early.code == 2 and "build/site/ still has trip: build first" in early.err

    build(run, site, "2026-11-21T10:00")
    assert not (site.root / "build/site/posts/trip").exists()
    feeds = (site.root / "build/site/feed.xml").read_text() + (
        site.root / "build/site/feed.json"
    ).read_text()
    assert "trip" not in feeds and "other" in feeds
    # No [deploy]: the leader uploads build/site/ by hand, and says so.
    pending = run(site, "takedown", "--json", now="2026-11-21T11:00").json()["takedowns"]
    assert {t["platform"] for t in pending} == {"website", "facebook", "x"}
    text = run(site, "takedown", now="2026-11-21T11:00").out
    assert "facebook" in text and "sitegen takedown --done trip --platform facebook" in text
    assert "upload build/site/ (with --delete), then: sitegen takedown --done trip" in text
    assert "because: P1 (consent withdrawn on 2026-11-20) on 01-" in text
    # The website's copies are photo-1-480.jpg ...: not named as the staff's file is (found
    # by a tour: "with its photos a.jpg" named files the server never had).
    assert "/posts/trip/ with its photo (the photo-… files made from a.jpg)" in text, text
    # The website's copy on the server, after the build that removed it: its photo named.
    (website,) = [t for t in pending if t["platform"] == "website"]
    assert website["images"] == ["a.jpg"]
    assert website["because"] == ["P1 (consent withdrawn on 2026-11-20) on a.jpg"]
    # SPEC's form, without a post: every post listed for the website (found by the SPEC
    # audit: it was "expected one argument", exit 2)
    done = run(site, "takedown", "--done", "--platform", "website", now="2026-11-21T12:00")
    assert done.code == 0 and "trip" in done.out
    pending = run(site, "takedown", "--json", now="2026-11-21T13:00").json()["takedowns"]
    assert {t["platform"] for t in pending} == {"facebook", "x"}

    assert (
        run(
            site, "takedown", "--done", "trip", "--platform", "facebook", now="2026-11-22T09:00"
        ).code
        == 0
    )
    pending = run(site, "takedown", "--json", now="2026-11-22T10:00").json()["takedowns"]
    assert [t["platform"] for t in pending] == ["x"]
    assert run(site, "takedown", "--done", "trip", "--platform", "facebook").code == 2
    nothing = run(site, "takedown", "--done", "--platform", "facebook", now="2026-11-22T10:00")
    assert nothing.code == 2 and "nothing to take down on facebook" in nothing.err

    history = run(site, "sar", "P1", "--json", now="2026-11-22T10:00").json()
    assert history["pupil"]["withdrawn_on"] == "2026-11-20"
    # The register's cells (SPEC's `consent`), and what they allow that day.
    assert set(history["pupil"]["consent_today"].values()) == {False}
    assert history["pupil"]["consent"] == {
        "website": True,
        "facebook": True,
        "instagram": True,
        "x": True,
        "name": "no",
    }
    spec_keys = ("slug", "title", "status", "tagged", "named", "images")
    assert [{k: p[k] for k in spec_keys} for p in history["posts"]] == [
        {
            "slug": "trip",
            "title": "Year 4 visit the castle",
            "status": "blocked",
            "tagged": True,
            "named": False,
            "images": ["a.jpg"],
        }
    ]
    pubs = {
        (p["platform"], p["at"][:10], (p.get("ended") or {}).get("event"))
        for p in history["publications"]
    }
    assert pubs == {
        # (taken out of build/site/ by the build of 20 November; off the uploaded site when
        # the school recorded it, on the 21st)
        ("website", "2026-11-05", "taken_down"),
        ("facebook", "2026-11-05", "taken_down"),
        ("x", "2026-11-05", None),
    }
    assert all(p["images"] == ["a.jpg"] for p in history["publications"])


def test_ledger_records_changes_only_and_survives_clean(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.post("a", date="2026-11-02")
    approve(run, site, "a")
    build(run, site, "2026-11-05T10:00")
    build(run, site, "2026-11-06T10:00")
    ledger = site.root / LEDGER
    events = [json.loads(line) for line in ledger.read_text().splitlines()]
    assert [(e["event"], e["slug"], e["platform"]) for e in events] == [
        ("published", "a", "website")
    ]
    import shutil

    shutil.rmtree(site.root / "build")  # make clean
    build(run, site, "2026-11-07T10:00")
    assert len(ledger.read_text().splitlines()) == 1


def test_deleted_post_is_listed_for_takedown(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    import shutil

    site.post("gone", platforms=["website", "facebook"], date="2026-11-02")
    approve(run, site, "gone")
    build(run, site, "2026-11-05T10:00")
    assert run(site, "posted", "--platform", "facebook").code == 0
    shutil.rmtree(site.root / "content/posts/gone")
    pending = run(site, "takedown", "--json").json()["takedowns"]
    assert {(t["platform"], t["reason"], t["posted"]) for t in pending} == {
        ("website", "the post was deleted", None),
        ("facebook", "the post was deleted", True),
    }


def test_a_named_pupils_one_platform_no_says_whose_consent_holds_the_post_back(
    run, site: SiteDir
) -> None:  # type: ignore[no-untyped-def]
    """P3 is named in the post; their Instagram cell becomes "no". SPEC's SG111 holds the post
    back everywhere until the platform or the name goes: the takedown says whose consent."""
    site.post(
        "choir",
        body="Elin sang beautifully.\n",
        pupils=["P3"],
        named=["P3"],
        platforms=["website", "facebook"],
        date="2026-11-02",
    )
    approve(run, site, "choir")
    build(run, site, "2026-11-05T10:00")
    site.register(
        REGISTER.replace(
            "P3,Elin Ffion,Davies,Year 4,yes,yes,yes,", "P3,Elin Ffion,Davies,Year 4,yes,no,yes,"
        )
    )
    pending = run(site, "takedown", "--json").json()["takedowns"]
    assert {t["platform"] for t in pending} == {"website", "facebook"}
    for item in pending:
        assert item["because"] == [
            "P3 is named in the post but has no consent for facebook (SG111)"
        ], item


def test_photo_that_loses_consent_is_listed_alone(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.register(
        REGISTER.replace(
            "P2,Osian,Pritchard,Year 4,yes,yes,no,no,yes,",
            "P2,Osian,Pritchard,Year 4,yes,yes,no,no,yes,",
        )
    )
    site.post(
        "two",
        files={"a.jpg": "castle", "b.jpg": "beach"},
        pupils=["P1", "P2"],
        date="2026-11-02",
        platforms=["website", "facebook"],
        images=[
            {"file": "a.jpg", "alt": "Towers", "pupils": ["P1"]},
            {"file": "b.jpg", "alt": "Sand", "pupils": ["P2"]},
        ],
    )
    approve(run, site, "two")
    build(run, site, "2026-11-05T10:00")
    register = (
        (site.root / "content/consent.csv")
        .read_text()
        .replace("P2,Osian,Pritchard,Year 4,yes,yes,", "P2,Osian,Pritchard,Year 4,yes,no,")
    )
    (site.root / "content/consent.csv").write_text(register)
    (takedown,) = run(site, "takedown", "--json").json()["takedowns"]
    assert takedown["platform"] == "facebook"
    assert takedown["images"] == ["02-photo-2-640.jpg (b.jpg)"]  # as it went out
    assert "photos" in takedown["reason"]


def test_a_photo_off_the_website_is_recorded_by_spec_form_once_uploaded(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """Osian's website consent ends: the post stays, less his photo. SPEC's form without a
    post was refused, "build/site/ still has two", though no build would ever leave the
    post out (found by a review)."""
    site.post(
        "two",
        files={"a.jpg": "castle", "b.jpg": "beach"},
        pupils=["P1", "P2"],
        date="2026-11-02",
        platforms=["website"],
        images=[
            {"file": "a.jpg", "alt": "Towers", "pupils": ["P1"]},
            {"file": "b.jpg", "alt": "Sand", "pupils": ["P2"]},
        ],
    )
    approve(run, site, "two")
    build(run, site, "2026-11-05T10:00")
    site.register(
        REGISTER.replace("P2,Osian,Pritchard,Year 4,yes,", "P2,Osian,Pritchard,Year 4,no,")
    )
    build(run, site, "2026-11-06T10:00")
    (takedown,) = run(site, "takedown", "--json", now="2026-11-06T11:00").json()["takedowns"]
    assert takedown["platform"] == "website" and "photos" in takedown["reason"]
    done = run(site, "takedown", "--done", "--platform", "website", now="2026-11-06T12:00")
    assert done.code == 0, done.err
    assert run(site, "takedown", "--json", now="2026-11-06T13:00").json()["takedowns"] == []


def test_sar_holds_only_that_pupils_data(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    # P3 (Elin Ffion Davies, full name consent) is named; P1 (Mia Jones) is on a photo with P2.
    site.post(
        "prize",
        files={"group.jpg": "sport", "trophy.jpg": "sport"},
        title="Elin Ffion Davies wins the prize",
        pupils=["P1", "P2", "P3"],
        named=["P3"],
        date="2026-11-02",
        body="Congratulations to Elin Ffion Davies and the team!\n",
        platforms=["website", "facebook"],
        images=[
            {"file": "group.jpg", "alt": "The team", "pupils": ["P1", "P2"]},
            {"file": "trophy.jpg", "alt": "The trophy", "pupils": ["P1", "P2"]},
        ],
    )
    approve(run, site, "prize")
    # A draft with another pupil's name in its folder and a photo's file name: SG114 keeps it
    # from the site, and the SAR, which lists drafts too, must not pass the name on.
    site.post(
        "osian-and-friends",
        files={"osian-trophy.jpg": "sport"},
        pupils=["P1", "P2"],
        date="2026-11-03",
        images=[{"file": "osian-trophy.jpg", "alt": "The trophy", "pupils": ["P1", "P2"]}],
    )
    build(run, site, "2026-11-05T10:00")
    others = [
        "P2",
        "P3",
        "P4",
        "P5",
        "P6",
        "Osian",
        "Pritchard",
        "Elin",
        "Ffion",
        "Davies",
        "Tomos",
        "Bowen",
        "Dylan",
        "Watkins",
        "Siân",
        "Llŷr",
    ]
    for args in (["--json"], [], ["--format", "html"]):
        # (embedded photos are base64, which may spell anything)
        report = re.sub(
            r"data:image/jpeg;base64,[A-Za-z0-9+/=]+", "", run(site, "sar", "P1", *args).out
        )
        assert "Mia" in report and "Jones" in report and "P1" in report
        for other in others:
            assert not re.search(rf"\b{other}\b", report, re.I), (args, other)
        assert "[another pupil] wins the prize" in report
    data = run(site, "sar", "P1", "--json").json()
    posts = {p["slug"]: p for p in data["posts"]}
    assert posts["prize"]["images"] == ["group.jpg", "trophy.jpg"]
    assert posts["[another pupil]-and-friends"]["images"] == ["[another pupil]-trophy.jpg"]
    assert {p["platform"] for p in data["publications"]} == {"website", "facebook"}
    html = run(site, "sar", "P1", "--format", "html").out
    assert html.startswith("<!doctype html>") and "<table>" in html


def test_sar_unknown_pupil(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    result = run(site, "sar", "P404")
    assert result.code == 2 and "P404" in result.err


def test_sar_output_file(run, site: SiteDir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "sar.md"
    result = run(site, "sar", "P4", "--output", str(target))
    assert result.code == 0
    assert target.read_text().startswith("# Subject Access Request: Tomos Bowen")


def test_a_damaged_ledger_line_is_said_not_skipped(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """A ledger line nobody can read drops a publication out of sar and takedown: they say
    so (naming the line) and fail, and audit verify fails on it."""
    site.post("p", pupils=["P1"], platforms=["website"], date="2026-11-02")
    approve(run, site, "p")
    build(run, site, "2026-11-05T10:00")
    ledger = site.root / "content/records/publications.jsonl"
    ledger.write_text(ledger.read_text() + '{"event": "published", "slug": "q", \n')
    for command in (["sar", "P1"], ["takedown"]):
        result = run(site, *command)
        assert result.code == 2
        assert "publications.jsonl:2: not an event" in result.err, command
    verify = run(site, "audit", "verify")
    assert verify.code == 1 and "publications.jsonl:2" in verify.err


def test_a_photo_taken_out_by_an_approved_edit_is_named_as_such(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    posted_trip(run, site, "two")
    site.post(  # the same post without the beach photo
        "two",
        pupils=["P1"],
        date="2026-11-02",
        platforms=["website", "facebook"],
        images=[{"file": "a.jpg", "alt": "Towers", "pupils": ["P1"]}],
    )
    approve(run, site, "two")
    build(run, site, "2026-11-06T10:00")
    listed = run(site, "takedown", "--json", now="2026-11-06T11:00").json()["takedowns"]
    items = {t["platform"]: t for t in listed}
    assert set(items) == {"facebook", "website"}  # (no [deploy]: the uploaded page too)
    for item in items.values():
        assert not item["whole"] and item["because"] == []
        assert item["reason"].startswith("photos taken out of the post by an approved edit")
    assert items["facebook"]["images"] == ["02-photo-2-640.jpg (b.jpg)"]
    assert items["website"]["images"] == ["b.jpg"]
    # Recorded by hand, each leaves the list, and the post stays where it is: the next build
    # neither announces it again nor asks to take it down.
    for platform in ("website", "facebook"):
        done = run(
            site, "takedown", "--done", "two", "--platform", platform, now="2026-11-06T12:00"
        )
        assert done.code == 0, done.err
    # What waits to be posted is written again, and the record keeps the post's title.
    pending = (site.root / "build/exports/facebook/pending.csv").read_text()
    assert len(list(csv.reader(io.StringIO(pending, newline="")))) == 2  # (the edited post)
    ledger = (site.root / "content/records/publications.jsonl").read_text().splitlines()
    partial = json.loads(ledger[-1])
    assert partial["whole"] is False and partial["title"] == "Year 4 visit the castle"
    assert run(site, "takedown", "--json", now="2026-11-06T13:00").json()["takedowns"] == []
    again = run(site, "build", now="2026-11-06T14:00")
    assert "nothing changed" in again.out or "no post joined or changed" in again.out
    assert run(site, "takedown", "--json", now="2026-11-06T15:00").json()["takedowns"] == []
    history = run(site, "sar", "P1", "--json", now="2026-11-06T16:00").json()
    facebook = [p for p in history["publications"] if p["platform"] == "facebook"]
    assert any(
        "some of its photos recorded as taken down" in e["words"]
        for p in facebook
        for e in p["events"]
    )


def test_takedown_done_names_a_platform_typo(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    done = run(site, "takedown", "--done", "trip", "--platform", "instgram")
    assert done.code == 2 and "'instgram' is not one of this site's platforms" in done.err


def test_a_photo_renamed_in_the_folder_is_the_same_photo(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """Staff rename a.jpg to castle.jpg (the same bytes) and a leader approves again: nothing
    out there changes, so nothing is to be taken down. It asked to remove the photo from
    Facebook and the website, and the SAR told the family a photo must come down."""
    index = posted_trip(run, site)
    (index.parent / "a.jpg").rename(index.parent / "castle.jpg")
    index.write_text(index.read_text().replace("a.jpg", "castle.jpg"))
    approve(run, site, "trip")
    result = run(site, "build", now="2026-11-06T10:00")
    assert result.code == 0 and "removals waiting" not in result.out, result.out
    assert run(site, "takedown", "--json", now="2026-11-06T11:00").json()["takedowns"] == []
    assert "must be taken down" not in run(site, "sar", "P1", now="2026-11-06T11:00").out
    # Another photo saved under the name of one out there is not that photo: it goes.
    (index.parent / "castle.jpg").unlink()
    (index.parent / "b.jpg").rename(index.parent / "castle.jpg")  # the beach, renamed
    site.post(
        "trip",
        pupils=["P1"],
        date="2026-11-02",
        platforms=["website", "facebook"],
        images=[{"file": "castle.jpg", "alt": "Sand", "pupils": []}],
    )
    approve(run, site, "trip")
    listed = run(site, "takedown", "--json", now="2026-11-06T12:00").json()["takedowns"]
    assert {(t["platform"], tuple(t["images"])) for t in listed} == {
        ("facebook", ("01-photo-1-640.jpg (a.jpg)",)),
        # (castle.jpg, the castle's name since the rename, now the beach: an update, which
        # the next upload brings; the photo gone from the post is asked for by its first name)
        ("website", ("a.jpg",)),
    }


def test_another_photo_under_a_name_out_there_never_hides_the_first(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """a.jpg showed Mia and went to Facebook (exported, not recorded as posted) and the
    website (uploaded by hand). Staff save a beach photo as a.jpg; Mia's family withdraws.
    Until the next build the removal was listed; after it, never: the records kept the
    earlier copies by name, and the name was still in the post."""
    from tests.imagegen import save_photo

    index = site.post(
        "trip",
        files={"a.jpg": "castle"},
        pupils=["P1"],
        date="2026-11-02",
        platforms=["website", "facebook"],
        images=[{"file": "a.jpg", "alt": "Towers", "pupils": ["P1"]}],
    )
    approve(run, site, "trip")
    build(run, site, "2026-11-05T10:00")
    save_photo(index.parent / "a.jpg", "beach", size=(640, 480))
    site.post(
        "trip",
        pupils=[],
        date="2026-11-02",
        platforms=["website", "facebook"],
        images=[{"file": "a.jpg", "alt": "Sand", "pupils": []}],
    )
    approve(run, site, "trip")
    site.withdraw("P1", "2026-11-06")
    for now in ("2026-11-07T09:00", "2026-11-07T11:00"):
        listed = run(site, "takedown", "--json", now=now).json()["takedowns"]
        assert {(t["platform"], tuple(t["because"])) for t in listed} == {
            ("facebook", ("P1 (consent withdrawn on 2026-11-06) on " + listed[0]["images"][0],)),
            ("website", ("P1 (consent withdrawn on 2026-11-06) on a.jpg",)),
        }, listed
        assert all(len(t["images"]) == 1 for t in listed)  # (the old photo, not the beach)
        build(run, site, "2026-11-07T10:00")
    assert "Since then no post shows Mia" not in run(site, "sar", "P1", now="2026-11-07T12:00").out


def test_a_copy_whose_face_must_now_be_covered_is_never_left_off() -> None:
    """Two copies under one name out there (another photo saved since under it): the one
    that goes on now is left off the list, unless a face on it must now be covered."""
    from sitegen.dpo import _to_remove
    from sitegen.live import OutThere, Removal

    photos = [{"file": "a.jpg", "sha256": "OLD"}, {"file": "a.jpg", "sha256": "NOW"}]
    out = OutThere("trip", "facebook", ("a.jpg",), False)
    gone = Removal(out, ("a.jpg",), False)
    assert _to_remove(photos, gone, {"a.jpg": "NOW"}) == [photos[0]]
    recover = Removal(out, ("a.jpg",), False, ("a.jpg",))
    assert _to_remove(photos, recover, {"a.jpg": "NOW"}) == photos


@pytest.mark.parametrize("change", ["no x", "no name"])
def test_an_edit_that_takes_a_name_out_leaves_the_version_out_there_listed(
    run, site, change
) -> None:  # type: ignore[no-untyped-def]
    """Elin Davies is named in a post posted on X; her parents stop X (or take her name
    consent back); staff edit her name out and the head approves before taking anything
    down. takedown forgot the copy posted, which still names her, and `posted` recorded the
    edit as its replacement (found by a head's tour of a term)."""
    site.post(
        "chess",
        body="Congratulations to Elin Davies, who won every game.\n",
        pupils=["P3"],
        named=["P3"],
        platforms=["website", "x"],
        date="2026-11-02",
    )
    approve(run, site, "chess")
    build(run, site, "2026-11-05T10:00")
    assert run(site, "posted", "--platform", "x", now="2026-11-05T11:00").code == 0
    row = "P3,Elin Ffion,Davies,Year 4,yes,yes,yes,yes,full,"
    site.register(
        REGISTER.replace(
            row,
            row.replace("yes,full", "no,full") if change == "no x" else row.replace("full,", "no,"),
        )
    )
    site.post(
        "chess",
        body="Congratulations to our Year 4 player, who won every game.\n",
        pupils=[],
        platforms=["website", "x"],
        date="2026-11-02",
    )
    assert run(site, "approve", "chess", "--by", "head", now="2026-11-06T09:00").code == 0
    build(run, site, "2026-11-06T10:00")
    # (`records prune` keeps the words of a version out there: takedown reads them)
    assert run(site, "records", "prune", now="2026-11-06T10:30").code == 0
    items = run(site, "takedown", "--json", now="2026-11-06T11:00").json()["takedowns"]
    (x,) = [t for t in items if t["platform"] == "x"]
    assert x["whole"] and x["because"][0].startswith("P3 ("), x
    refused = run(site, "posted", "--platform", "x", now="2026-11-06T12:00")
    assert refused.code == 1 and "is an update" in refused.err
    assert "run `sitegen build`, then post and record this update" in refused.err
    done = ["takedown", "--done", "chess", "--platform", "x"]
    assert run(site, *done, now="2026-11-06T12:30").code == 0
    build(run, site, "2026-11-06T12:45")
    posted = run(site, "posted", "--platform", "x", now="2026-11-06T13:00")
    assert posted.code == 0 and "recorded as posted on x: 1" in posted.out, posted.out
    assert run(site, "takedown", "--json", now="2026-11-06T14:00").json()["takedowns"] == []
