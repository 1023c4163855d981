"""Faces on real photographs: found and numbered as SPEC says, listed in `faces`, and covered
in each platform's copy so that they cannot be recovered."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy
import pytest
from PIL import Image

from sitegen import faces
from sitegen.engine.store import ResultFiles
from sitegen.faces import Box, find_faces, numbered
from sitegen.images import content_hash
from tests.conftest import FIXTURES, NOW, REGISTER, SITE_TOML, SiteDir

FACES = FIXTURES / "faces"
TWO = FACES / "two_faces_obama_biden_2010.jpg"  # Obama on the left, Biden on the right
SLUG = "2026-11-20-relay"


@pytest.mark.parametrize(
    ("photo", "count"),
    [
        ("one_face_obama_2012.jpg", 1),
        ("two_faces_obama_biden_2010.jpg", 2),
        ("many_faces_nasa_group15.jpg", 23),
        ("no_faces_coffee.png", 0),
    ],
)
def test_every_face_of_the_real_photographs_is_found(
    photo: str, count: int, tmp_path: Path
) -> None:
    path = FACES / photo
    found = find_faces(path, content_hash(path.read_bytes()), ResultFiles(tmp_path))
    assert len(found) == count
    assert found.detector.startswith("centerface-"), "the face detector is not installed"
    centres = [box.centre for box in found.boxes]
    assert centres == sorted(centres, key=lambda c: (round(c[0], 4), c[1]))  # left to right


def test_a_16_bit_grey_scan_is_checked_and_published_as_it_looks(
    run, site: SiteDir, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A scanner's 16-bit greyscale PNG was read with every value above 255 clipped: no face
    was found on it, and the copy published to parents and Facebook was blank white."""
    grey = numpy.asarray(Image.open(TWO).convert("L"), dtype=numpy.uint16) * 257
    deep = tmp_path / "relay.png"
    Image.fromarray(grey).save(deep)
    assert Image.open(deep).mode.startswith("I")
    found = find_faces(deep, content_hash(deep.read_bytes()), ResultFiles(tmp_path / "cache"))
    assert len(found) == 2
    faces_site(site, ["P1", "P2"], ["P1", "P2"], photo=deep)
    approve_and_build(run, site)
    with Image.open(published(site, "website")) as copy:
        shown = numpy.asarray(copy.convert("L"), dtype=numpy.float64)
    assert abs(shown.mean() - grey.mean() / 257) < 10, shown.mean()


def test_faces_are_numbered_left_to_right_then_top_to_bottom() -> None:
    low, high, left = Box(0.4, 0.6, 0.2, 0.2), Box(0.4, 0.1, 0.2, 0.2), Box(0.0, 0.5, 0.1, 0.1)
    assert numbered([low, high, left]) == (left, high, low)


def test_the_two_faces_are_one_then_two_from_the_left(tmp_path: Path) -> None:
    found = find_faces(TWO, content_hash(TWO.read_bytes()), ResultFiles(tmp_path))
    first, second = found.boxes
    assert first.centre[0] < 0.5 < second.centre[0]


def faces_site(
    site: SiteDir, faces_list: list[str] | None, pupils: list[str], photo: Path = TWO
) -> Path:
    """A post with the two-face photo, going to the website and Instagram (P2 has no
    Instagram consent), with face detection on."""
    site.config(SITE_TOML.replace('faces = "off"', 'faces = "on"'))
    folder = site.root / "content/posts" / SLUG
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(photo, folder / "relay.jpg")
    image: dict[str, object] = {
        "file": "relay.jpg",
        "alt": "Two runners after the relay",
        "pupils": pupils,
    }
    if faces_list is not None:
        image["faces"] = faces_list
    return site.post(
        SLUG, pupils=pupils, platforms=["website", "instagram"], images=[image], date="2026-11-20"
    )


def codes(run, site: SiteDir) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    posts = run(site, "check", "--json").json()["posts"]
    found: dict[str, list[str]] = {}
    for f in posts[0]["findings"]:
        found.setdefault(f["code"], []).append(f["message"])
    return found


def test_without_a_list_more_faces_than_pupils_is_sg126(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    faces_site(site, None, [])
    (message,) = codes(run, site)["SG126"]
    assert message.startswith("image relay.jpg shows 2 faces, 0 pupils tagged")
    assert f"sitegen faces {SLUG}" in message
    faces_site(site, None, ["P1", "P2"])
    assert "SG126" not in codes(run, site)


@pytest.mark.parametrize(
    ("listed", "words"),
    [
        (["P1"], "`faces` lists 1 face, but 2 were found"),
        (["P1", "P2", "adult"], "`faces` lists 3 faces, but 2 were found"),
        (["P1", "P3"], "names P3, who is not in the image's pupils"),
        (["P1", "P1"], "lists P1 twice"),
        (["P1", ""], "`faces` has an empty entry"),  # (it said "names , who is not ...")
    ],
)
def test_a_list_that_does_not_fit_is_sg128(run, site: SiteDir, listed, words) -> None:  # type: ignore[no-untyped-def]
    faces_site(site, listed, ["P1", "P2"])
    found = codes(run, site)
    assert any(words in m for m in found["SG128"]), found
    assert "SG126" not in found


def test_a_list_with_detection_off_is_sg128(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    faces_site(site, ["P1", "P2"], ["P1", "P2"])
    site.config(SITE_TOML)  # faces = "off"
    (message,) = codes(run, site)["SG128"]
    assert "face detection is off" in message


def published(site: SiteDir, platform: str) -> Path:
    if platform == "website":
        return max(
            (site.root / "build/site/posts" / SLUG).glob("photo-1-*.jpg"),
            key=lambda p: Image.open(p).width,
        )
    (copy,) = (site.root / "build/exports" / platform / SLUG).glob("*.jpg")
    return copy


def face_pixels(path: Path, box: Box) -> numpy.ndarray:
    """The pixels inside a face's own box (a few pixels in from its edges, where JPEG blurs
    the fill into its surroundings)."""
    with Image.open(path) as img:
        left, top, right, bottom = box.pixels(img.size)
        inset = 4
        crop = img.convert("RGB").crop((left + inset, top + inset, right - inset, bottom - inset))
        return numpy.asarray(crop, dtype=numpy.float64)


def is_covered(path: Path, box: Box) -> bool:
    """A flat fill: JPEG leaves the colours within a few steps of one another."""
    return float(face_pixels(path, box).std(axis=(0, 1)).max()) < 3.0


def approve_and_build(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    result = run(site, "approve", SLUG, "--by", "head")
    assert result.code == 0, result.out + result.err
    result = run(site, "build")
    assert result.code == 0, result.err


def safeguard(site: SiteDir, pupil: str) -> None:
    """Put `pupil` under safeguarding in the register (a column added for it)."""
    register = (site.root / "content/consent.csv").read_text()
    site.register(
        register.replace("pupil_id,", "safeguarding,pupil_id,", 1)
        .replace("\nP", "\n,P")
        .replace(f"\n,{pupil},", f"\nyes,{pupil},")
    )


def posted_then_instagram_refused(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """The post approved, built and recorded as posted on Instagram while P2 consented there;
    then P2's parents stop Instagram (the register as it was)."""
    register = (site.root / "content/consent.csv").read_text()
    site.register(
        register.replace(
            "P2,Osian,Pritchard,Year 4,yes,yes,no,", "P2,Osian,Pritchard,Year 4,yes,yes,yes,"
        )
    )
    approve_and_build(run, site)
    assert run(site, "posted", "--platform", "instagram").code == 0
    site.register(register)


def test_a_pupil_without_consent_is_covered_on_that_platform_only(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    faces_site(site, ["P1", "P2"], ["P1", "P2"])
    found = codes(run, site)
    assert found["SG117"] == ["image relay.jpg goes to instagram with face 2 (P2) covered"]
    assert "SG116" not in found  # the photo is no longer left out of Instagram
    approve_and_build(run, site)
    first, second = find_faces(TWO, content_hash(TWO.read_bytes()), ResultFiles(None)).boxes
    instagram, website = published(site, "instagram"), published(site, "website")
    assert is_covered(instagram, second)
    assert not is_covered(instagram, first)
    assert not is_covered(website, second) and not is_covered(website, first)
    # Covered over the box grown by a quarter on every side.
    grown = second.grown()
    inner = Box(grown.left + 0.01, grown.top + 0.01, grown.width - 0.02, grown.height - 0.02)
    assert is_covered(instagram, inner)
    # The ledger records what went out: the photo, and the face covered in it.
    ledger = (site.root / "content/records/publications.jsonl").read_text().splitlines()
    events = [json.loads(line) for line in ledger]
    (posted,) = [e for e in events if e.get("platform") == "instagram" and e.get("slug") == SLUG]
    assert posted["images"][0]["covered"] == [2]


def test_a_withdrawn_pupils_covered_face_is_not_told_as_going_out(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """P2 withdraws: SG112 holds the post back; SG117 no longer says the photo 'goes to
    instagram with face 2 (P2) covered' beside it, as if it went."""
    faces_site(site, ["P1", "P2"], ["P1", "P2"])
    site.withdraw("P2", "2026-11-24")
    found = codes(run, site)
    assert "SG112" in found and "SG117" not in found, found


def test_cover_faces_are_covered_everywhere(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    faces_site(site, ["P1", "cover"], ["P1"])
    found = codes(run, site)
    assert sorted(found["SG117"]) == [
        "image relay.jpg goes to instagram with face 2 covered",
        "image relay.jpg goes to website with face 2 covered",
    ]
    approve_and_build(run, site)
    first, second = find_faces(TWO, content_hash(TWO.read_bytes()), ResultFiles(None)).boxes
    for platform in ("website", "instagram"):
        assert is_covered(published(site, platform), second)
        assert not is_covered(published(site, platform), first)
    for small in (site.root / "build/site/posts" / SLUG).glob("photo-1-*"):
        if small.suffix == ".jpg":
            assert is_covered(small, second), small.name  # every size, WebP's sibling too


def test_a_face_covered_on_the_copy_out_there_is_no_removal(run, site: SiteDir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The website's copy has face 2 covered, as the build made it: nothing to remove, before
    the site is deployed (uploaded by hand) and after."""
    faces_site(site, ["P1", "cover"], ["P1"])
    approve_and_build(run, site)
    assert run(site, "takedown", "--json").json()["takedowns"] == []
    site.config(
        (site.root / "site.toml").read_text() + f'\n[deploy]\ntarget = "{tmp_path / "www"}/"\n'
    )
    assert run(site, "deploy").code == 0
    built = run(site, "build")
    assert built.code == 0 and "removals waiting" not in built.out
    assert run(site, "takedown", "--json").json()["takedowns"] == []
    # A face covered since the deploy: the live copy shows it until the next deploy.
    faces_site(site, ["cover", "cover"], ["P1"])
    site.config(
        (site.root / "site.toml").read_text() + f'\n[deploy]\ntarget = "{tmp_path / "www"}/"\n'
    )
    approve_and_build(run, site)
    listed = {t["platform"]: t for t in run(site, "takedown", "--json").json()["takedowns"]}
    assert listed["website"]["reason"].startswith("a face on the photos must now be covered")
    assert run(site, "deploy").code == 0
    # (the Instagram bundle, never recorded as posted, is to check: not the website)
    assert [t["platform"] for t in run(site, "takedown", "--json").json()["takedowns"]] == [
        "instagram"
    ]


def test_a_pupil_found_on_a_photo_after_approval_is_on_it_at_once(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """Face 2 was approved as an adult's; the family says it is P2, who has no Instagram
    consent, and staff say so in the post. Until a leader approves the edit, the approved
    version is published, but not with P2's face uncovered on Instagram: the photo is left
    out there (the approved version cannot say which face is P2's), and so is the post,
    which needs a photo there; the bundle exported before waits for its removal."""
    post = faces_site(site, ["P1", "adult"], ["P1"])
    approve_and_build(run, site)
    assert (site.root / "build/exports/instagram" / SLUG).is_dir()
    text = post.read_text().replace("- adult", "- P2")
    post.write_text(
        text.replace("pupils:\n- P1\n", "pupils:\n- P1\n- P2\n", 1).replace(
            "  pupils:\n  - P1\n", "  pupils:\n  - P1\n  - P2\n"
        )
    )
    assert run(site, "check", "--json").json()["posts"][0]["status"] == "stale"
    built = run(site, "build")
    assert built.code == 0, built.err
    assert not (site.root / "build/exports/instagram" / SLUG).exists()
    website = site.root / "build/site/posts" / SLUG
    assert list(website.glob("photo-1-*.jpg"))  # (P2 may be on the website)
    (item,) = run(site, "takedown", "--json").json()["takedowns"]
    assert item["platform"] == "instagram" and item["whole"] and item["posted"] is False
    # Once the edit is approved, the photo goes to Instagram again with face 2 covered; the
    # first bundle, face 2 showing, is to check until the new one's posting is recorded.
    approve_and_build(run, site)
    (item,) = run(site, "takedown", "--json").json()["takedowns"]
    assert item["reason"].startswith("a face on the photos must now be covered")
    assert run(site, "posted", "--platform", "instagram").code == 0
    assert run(site, "takedown", "--json").json()["takedowns"] == []
    _, second = find_faces(TWO, content_hash(TWO.read_bytes()), ResultFiles(None)).boxes
    assert is_covered(published(site, "instagram"), second)


def test_a_pupil_tagged_in_a_later_edit_of_a_stale_post_is_seen_at_once(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """The edit waiting for approval is edited again to tag P2 on face 2: the next build is
    not 'nothing changed' (the approved version it publishes is the same), it leaves the
    photo out of Instagram at once, and the ledger and the SAR learn that P2 is on it."""
    post = faces_site(site, ["P1", "adult"], ["P1"])
    approve_and_build(run, site)
    post.write_text(post.read_text().replace("Two runners", "Two runners, smiling"))
    assert run(site, "build").code == 0
    text = post.read_text().replace("- adult", "- P2")
    post.write_text(
        text.replace("pupils:\n- P1\n", "pupils:\n- P1\n- P2\n", 1).replace(
            "  pupils:\n  - P1\n", "  pupils:\n  - P1\n  - P2\n"
        )
    )
    built = run(site, "build")
    assert "nothing changed" not in built.out
    assert not (site.root / "build/exports/instagram" / SLUG).exists()
    letter = run(site, "sar", "P2").out  # (the Instagram copy, face 2 showing, never posted)
    assert (
        "Shown on the school website; made ready for Instagram, not recorded as posted there."
        in letter
    ), letter
    (item,) = run(site, "takedown", "--json").json()["takedowns"]
    assert item["platform"] == "instagram" and "P2" in " ".join(item["because"]), item


@pytest.mark.parametrize("then", ["takedown --done", "posted"])
def test_a_face_covered_since_an_export_never_recorded_as_posted_is_checked(
    run, site: SiteDir, then: str
) -> None:  # type: ignore[no-untyped-def]
    """The Instagram bundle went out with face 2 showing (an adult's, it was said) and was
    never recorded as posted; the face is P2's, who has no Instagram consent, and the approved
    edit covers it. The first bundle may have been posted: it is listed to check until its
    removal or the new bundle's posting is recorded."""
    post = faces_site(site, ["P1", "adult"], ["P1"])
    approve_and_build(run, site)
    text = post.read_text().replace("- adult", "- P2")
    post.write_text(
        text.replace("pupils:\n- P1\n", "pupils:\n- P1\n- P2\n", 1).replace(
            "  pupils:\n  - P1\n", "  pupils:\n  - P1\n  - P2\n"
        )
    )
    approve_and_build(run, site)
    (item,) = run(site, "takedown", "--json").json()["takedowns"]
    assert item["platform"] == "instagram" and not item["whole"] and item["posted"] is False
    assert item["reason"].startswith("a face on the photos must now be covered")
    assert item["reason"].endswith("exported, not recorded as posted: check the page")
    assert item["because"] == ["P2 (no consent for instagram) on relay.jpg"]
    assert run(site, "build").code == 0  # (still listed after the next build)
    assert len(run(site, "takedown", "--json").json()["takedowns"]) == 1
    # Its removal recorded (the copy checked, or taken down), or the new bundle's posting
    # (which replaces whatever was there): it leaves the list for good.
    if then == "posted":
        assert run(site, "posted", "--platform", "instagram").code == 0
    else:
        assert run(site, "takedown", "--done", SLUG, "--platform", "instagram").code == 0
    assert run(site, "takedown", "--json").json()["takedowns"] == []
    assert run(site, "build").code == 0
    assert run(site, "takedown", "--json").json()["takedowns"] == []


def test_the_sar_says_where_the_pupils_face_was_covered(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """P2 has no Instagram consent: the photo went there with P2's face covered, and the
    family is told so, not that their child was shown there."""
    faces_site(site, ["P1", "P2"], ["P1", "P2"])
    approve_and_build(run, site)
    letter = run(site, "sar", "P2").out  # (made ready, not yet posted)
    assert (
        "Shown on the school website; made ready for Instagram, not recorded as posted there."
        in letter
    )
    assert run(site, "posted", "--platform", "instagram").code == 0
    letter = run(site, "sar", "P2").out
    assert "Shown on the school website; on Instagram with Osian's face covered." in letter
    (post,) = run(site, "sar", "P2", "--json").json()["posts"]
    (photo,) = post["photos"]
    assert photo["went_to"] == ["website", "instagram"]
    assert photo["face_covered_on"] == ["instagram"]
    assert "Shown on the school website and Instagram." in run(site, "sar", "P1").out


def test_the_sar_still_says_the_face_was_covered_once_consent_came_back(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """P2's face went to Instagram covered; the parents gave Instagram consent again, and the
    next copy shows it. The letter then said only "Shown on ... Instagram", and its history
    of that version "With photo 1 of Osian.": read beside the consent history, the school
    seemed to have posted Osian's face while consent was refused (found by the exports
    tour)."""
    faces_site(site, ["P1", "P2"], ["P1", "P2"])
    approve_and_build(run, site)
    assert run(site, "posted", "--platform", "instagram", now="2026-11-25T13:00").code == 0
    site.register(
        REGISTER.replace(
            "P2,Osian,Pritchard,Year 4,yes,yes,no,no,", "P2,Osian,Pritchard,Year 4,yes,yes,yes,no,"
        )
    )
    assert run(site, "build", now="2026-12-01T09:00").code == 0
    assert run(site, "posted", "--platform", "instagram", now="2026-12-01T10:00").code == 0
    letter = run(site, "sar", "P2", now="2026-12-02T09:00").out
    assert "on Instagram with Osian's face covered until 1 December 2026, then shown" in letter, (
        letter
    )
    assert "With photo 1 of Osian, Osian's face covered." in letter
    (post,) = run(site, "sar", "P2", "--json", now="2026-12-02T09:00").json()["posts"]
    (photo,) = post["photos"]
    assert list(photo["face_shown_since"]) == ["instagram"]
    # Refused again, and covered again: each change is told (the letter said only the last,
    # "covered until ..., then shown": found by a review).
    site.register(REGISTER)
    assert run(site, "build", now="2026-12-03T09:00").code == 0
    # (the face shown there comes off first: its removal recorded, then the covered copy)
    put_right = ["takedown", "--done", SLUG, "--platform", "instagram"]
    assert run(site, *put_right, now="2026-12-03T09:30").code == 0
    assert run(site, "posted", "--platform", "instagram", now="2026-12-03T10:00").code == 0
    letter = run(site, "sar", "P2", now="2026-12-04T09:00").out
    assert (
        "on Instagram with Osian's face covered from 25 November 2026, then shown from "
        "1 December 2026, then covered from 3 December 2026"
    ) in letter, letter


def test_a_takedown_blames_no_pupil_whose_face_was_covered(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """The Instagram copy covered P2's face (no Instagram consent); an approved edit then takes
    the photo out of the post. The posted photo is to remove because it was edited out: P2,
    whose face was covered there, is no reason."""
    faces_site(site, ["P1", "P2"], ["P1", "P2"])
    shutil.copy(FACES / "one_face_obama_2012.jpg", site.root / "content/posts" / SLUG / "hall.jpg")
    hall = {"file": "hall.jpg", "alt": "The school hall", "pupils": [], "faces": ["adult"]}
    relay = {
        "file": "relay.jpg",
        "alt": "Two runners",
        "pupils": ["P1", "P2"],
        "faces": ["P1", "P2"],
    }
    meta = {"platforms": ["website", "instagram"], "date": "2026-11-20"}
    site.post(SLUG, pupils=["P1", "P2"], images=[hall, relay], **meta)
    approve_and_build(run, site)
    assert run(site, "posted", "--platform", "instagram").code == 0
    site.post(SLUG, pupils=[], images=[hall], **meta)
    approve_and_build(run, site)
    listed = {t["platform"]: t for t in run(site, "takedown", "--json").json()["takedowns"]}
    assert not listed["instagram"]["whole"]
    assert listed["instagram"]["images"] == ["02-photo-2-covered-2-1080.jpg (relay.jpg)"]
    assert listed["instagram"]["because"] == [], listed["instagram"]


def test_a_hand_edited_faces_record_is_read_as_unknown_not_a_crash(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    faces_site(site, ["P1", "P2"], ["P1", "P2"])
    approve_and_build(run, site)
    ledger = site.root / "content/records/publications.jsonl"
    ledger.write_text(ledger.read_text().replace('"covered": [2]', '"covered": "2"'))
    assert '"covered": "2"' in ledger.read_text()
    site.withdraw("P2", "2026-11-24")
    assert run(site, "sar", "P2").code == 0
    assert run(site, "takedown").code == 0


def test_a_deploy_records_the_faces_covered_on_the_copy_it_puts_live(
    run, site: SiteDir, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """P2's website consent ends; a build into another folder records P2's face as covered
    on the website. The build/site/ a deploy would copy still shows it: deploy refuses it
    (the register changed since it was built), and a build as of now, then deployed, puts
    the covered copy live, which the deploy records."""
    faces_site(site, ["P1", "P2"], ["P1", "P2"])
    www = tmp_path / "www"
    site.config((site.root / "site.toml").read_text() + f'\n[deploy]\ntarget = "{www}/"\n')
    approve_and_build(run, site)
    assert run(site, "deploy").code == 0
    site.register(
        REGISTER.replace("P2,Osian,Pritchard,Year 4,yes,", "P2,Osian,Pritchard,Year 4,no,")
    )
    assert run(site, "build", "--out", str(tmp_path / "preview")).code == 0
    refused = run(site, "deploy")
    assert refused.code == 2 and "the consent register changed since" in refused.err
    _, second = find_faces(TWO, content_hash(TWO.read_bytes()), ResultFiles(None)).boxes
    live = max((www / "posts" / SLUG).glob("photo-1-*.jpg"), key=lambda p: Image.open(p).width)
    assert not is_covered(live, second)
    listed = {t["platform"]: t for t in run(site, "takedown", "--json").json()["takedowns"]}
    assert listed["website"]["reason"].startswith("a face on the photos must now be covered")
    assert run(site, "build").code == 0
    assert run(site, "deploy").code == 0
    live = max((www / "posts" / SLUG).glob("photo-1-*.jpg"), key=lambda p: Image.open(p).width)
    assert is_covered(live, second)
    assert "website" not in {
        t["platform"] for t in run(site, "takedown", "--json").json()["takedowns"]
    }


def test_a_deploy_recorded_before_faces_were_recorded_is_made_good_by_the_next(
    run, site: SiteDir, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """A deploy event of the earlier version has no `covered`: takedown asks for the covered
    photo again until a deploy records it, and the next deploy does (the same files)."""
    faces_site(site, ["P1", "cover"], ["P1"])
    site.config((site.root / "site.toml").read_text() + f'\n[deploy]\ntarget = "{tmp_path}/www/"\n')
    approve_and_build(run, site)
    assert run(site, "deploy").code == 0
    ledger = site.root / "content/records/publications.jsonl"
    lines = ledger.read_text().splitlines()
    deployed = json.loads(lines[-1])
    assert deployed["event"] == "deployed" and deployed.pop("covered")
    ledger.write_text("\n".join([*lines[:-1], json.dumps(deployed)]) + "\n")
    assert [t["platform"] for t in run(site, "takedown", "--json").json()["takedowns"]] == [
        "website"
    ]
    assert run(site, "deploy").code == 0
    assert run(site, "takedown", "--json").json()["takedowns"] == []


@pytest.mark.parametrize("deployed", [False, True])
def test_a_website_photo_whose_pupil_lost_website_consent_says_who(
    run, site: SiteDir, tmp_path, deployed: bool
) -> None:  # type: ignore[no-untyped-def]
    """P2's website cell becomes no: the photo (no faces list to cover them by) leaves the
    website, and takedown says it is for want of P2's consent, not that an edit took it out."""
    faces_site(site, None, ["P1", "P2"])
    if deployed:
        site.config(
            (site.root / "site.toml").read_text() + f'\n[deploy]\ntarget = "{tmp_path}/www/"\n'
        )
    approve_and_build(run, site)
    if deployed:
        assert run(site, "deploy").code == 0
    site.register(
        REGISTER.replace("P2,Osian,Pritchard,Year 4,yes,", "P2,Osian,Pritchard,Year 4,no,")
    )
    assert run(site, "build").code == 0
    listed = {t["platform"]: t for t in run(site, "takedown", "--json").json()["takedowns"]}
    website = listed["website"]
    assert website["reason"] == "photos no longer have consent there", website
    assert website["because"] == ["P2 (no consent for website) on relay.jpg"], website


def test_the_sar_says_since_when_a_face_is_covered_where_it_showed_first(
    run, site: SiteDir
) -> None:  # type: ignore[no-untyped-def]
    """Face 2 went to Instagram as an adult's; it is P2's, who has no Instagram consent, and
    the approved edit covers it there: the SAR says it showed until then, covered since."""
    post = faces_site(site, ["P1", "adult"], ["P1"])
    assert run(site, "approve", SLUG, "--by", "head", now="2026-11-21T09:00").code == 0
    assert run(site, "build", now="2026-11-21T10:00").code == 0
    assert run(site, "posted", "--platform", "instagram", now="2026-11-21T11:00").code == 0
    text = post.read_text().replace("- adult", "- P2")
    post.write_text(
        text.replace("pupils:\n- P1\n", "pupils:\n- P1\n- P2\n", 1).replace(
            "  pupils:\n  - P1\n", "  pupils:\n  - P1\n  - P2\n"
        )
    )
    assert run(site, "approve", SLUG, "--by", "head", now="2026-11-24T09:00").code == 0
    assert run(site, "build", now="2026-11-24T10:00").code == 0
    # Made, not yet posted: the uncovered copy is the one there.
    letter = run(site, "sar", "P2", now="2026-11-24T10:30").out
    assert "Shown on the school website and Instagram." in letter, letter
    # (the uncovered face comes off the post there first: recorded, then the covered copy)
    put_right = ["takedown", "--done", SLUG, "--platform", "instagram"]
    assert run(site, *put_right, now="2026-11-24T10:45").code == 0
    assert run(site, "posted", "--platform", "instagram", now="2026-11-24T11:00").code == 0
    letter = run(site, "sar", "P2", now="2026-11-25T09:00").out
    assert (
        "Shown on the school website; on Instagram until 24 November 2026, then with Osian's "
        "face covered." in letter
    ), letter


def test_the_sars_copy_of_a_photo_covers_every_face_but_the_pupils(
    run, site: SiteDir, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """The report is the family's: on its copy of the relay photo, the other child's face is
    covered, whatever the website shows (both consent to it)."""
    import base64
    import re

    faces_site(site, ["P1", "P2"], ["P1", "P2"])
    approve_and_build(run, site)
    first, second = find_faces(TWO, content_hash(TWO.read_bytes()), ResultFiles(None)).boxes
    for pupil, mine, other in (("P1", first, second), ("P2", second, first)):
        out = tmp_path / f"{pupil}.html"
        assert run(site, "sar", pupil, "--format", "html", "--output", str(out)).code == 0
        (data,) = re.findall(r"data:image/jpeg;base64,([A-Za-z0-9+/=]+)", out.read_text())
        copy = tmp_path / f"{pupil}.jpg"
        copy.write_bytes(base64.b64decode(data))
        assert is_covered(copy, other) and not is_covered(copy, mine), pupil


def test_the_sars_copy_of_a_photo_from_an_earlier_version_covers_the_others_too(
    run, site: SiteDir, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """The relay photo went out, then an edit took it out of the post. The report's copy of
    it showed the other child's face, though the ledger records who each face is, and the
    photo was said to have gone to the website only (found by the exports tour)."""

    faces_site(site, ["P1", "P2"], ["P1", "P2"])
    approve_and_build(run, site)
    held_copy_covers_the_others(run, site, tmp_path, ["website", "instagram"])


def test_a_face_listed_as_cover_is_covered_on_the_sars_copy_from_an_earlier_version(
    run, site: SiteDir, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """Face 2 is `cover` and no other pupil is tagged: every published copy covered it, and
    the report's copy of the photo, once an edit took it out, showed it (found by a review)."""
    faces_site(site, ["P1", "cover"], ["P1"])
    approve_and_build(run, site)
    held_copy_covers_the_others(run, site, tmp_path, ["website", "instagram"])


def test_a_face_to_cover_that_the_sar_cannot_cover_is_a_note_for_the_lead(
    run, site: SiteDir
) -> None:  # type: ignore[no-untyped-def]
    """Face 2 is `cover`; the lead's laptop has face detection off. The report's copy showed
    the face, with no word to the lead (found by a review)."""
    faces_site(site, ["P1", "cover"], ["P1"])
    approve_and_build(run, site)
    site.config(SITE_TOML)  # faces = "off"
    result = run(site, "sar", "P1", "--format", "html", "--output", str(site.root / "r.html"))
    assert result.code == 0 and "could not cover (face detection is off)" in result.err


def held_copy_covers_the_others(run, site: SiteDir, tmp_path: Path, platforms: list[str]) -> None:  # type: ignore[no-untyped-def]
    """An edit takes the relay photo out of the post; the report's copy of it covers face 2
    (the second runner) and not face 1 (P1's)."""
    import base64
    import re

    folder = site.root / "content/posts" / SLUG
    (folder / "relay.jpg").unlink()
    shutil.copy(FACES / "no_faces_coffee.png", folder / "coffee.png")
    site.post(
        SLUG,
        platforms=["website", "instagram"],
        date="2026-11-20",
        images=[{"file": "coffee.png", "alt": "Coffee after the race", "pupils": []}],
    )
    approve_and_build(run, site)
    publications = run(site, "sar", "P1", "--json").json()["publications"]
    held = {p["platform"]: [h["file"] for h in p["held_photos"]] for p in publications}
    assert held == {platform: ["relay.jpg"] for platform in platforms}, held
    out = tmp_path / "P1.html"
    result = run(site, "sar", "P1", "--format", "html", "--output", str(out))
    assert result.code == 0 and "could not cover" not in result.err
    (data,) = re.findall(r"data:image/jpeg;base64,([A-Za-z0-9+/=]+)", out.read_text())
    copy = tmp_path / "P1.jpg"
    copy.write_bytes(base64.b64decode(data))
    first, second = find_faces(TWO, content_hash(TWO.read_bytes()), ResultFiles(None)).boxes
    assert is_covered(copy, second) and not is_covered(copy, first)
    letter = run(site, "sar", "P1").out
    assert "It also holds 1 photo of Mia from earlier versions of posts" in letter
    assert "Instagram" in letter.split("## Photos of Mia from earlier versions of posts")[1]


def test_no_copy_carries_metadata(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """exiftool, an independent reader, finds no EXIF, XMP, IPTC, GPS or comment in any copy,
    covered or not (the source carries EXIF, IPTC and XMP)."""
    faces_site(site, ["P2"], ["P2"], FACES / "one_face_obama_2012.jpg")  # IPTC, XMP, EXIF
    assert "SG128" not in codes(run, site), codes(run, site)
    approve_and_build(run, site)
    copies = [
        *(site.root / "build/site/posts" / SLUG).glob("photo-*"),
        *(site.root / "build/exports").rglob("*.jpg"),
    ]
    assert copies
    done = subprocess.run(
        ["exiftool", "-json", "-a", "-G1", *map(str, copies)], capture_output=True, text=True
    )
    for entry in json.loads(done.stdout):
        groups = {key.split(":")[0] for key in entry if ":" in key}
        assert not groups & {"IFD0", "ExifIFD", "GPS", "XMP-dc", "XMP-x", "IPTC", "Photoshop"}, (
            entry["SourceFile"],
            sorted(groups),
        )
        assert not any(key.startswith(("XMP", "IPTC", "MakerNotes")) for key in groups)


def test_faces_command_numbers_and_writes_copies(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    faces_site(site, None, ["P1", "P2"])
    result = run(site, "faces", SLUG)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert "relay.jpg: 2 faces:" in lines[1]
    assert lines[2].split()[0] == "1" and lines[3].split()[0] == "2"
    copy = site.root / "build/preview/faces" / SLUG / "relay-faces.jpg"
    with Image.open(copy) as img:
        assert img.format == "JPEG" and not img.info.get("exif")
    assert not (site.root / "build/site").exists()  # a staff's copy, never published
    faces_site(site, ["P2", "P1"], ["P1", "P2"])
    result = run(site, "faces", SLUG)
    assert result.code == 0 and "1  P2" in result.out and "2  P1" in result.out
    faces_site(site, ["P1"], ["P1", "P2"])
    result = run(site, "faces", SLUG)
    assert result.code == 1 and "SG128: `faces` lists 1 face, but 2 were found" in result.out


def test_faces_command_on_a_site_without_detection(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    faces_site(site, None, [])
    site.config(SITE_TOML)
    result = run(site, "faces", SLUG)
    assert result.code == 2 and 'policy.faces is "off"' in result.err


def test_the_approval_covers_the_faces_list(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    index = faces_site(site, ["P1", "P2"], ["P1", "P2"])
    assert run(site, "approve", SLUG, "--by", "head").code == 0
    index.write_text(index.read_text().replace("faces:\n  - P1\n  - P2", "faces:\n  - P2\n  - P1"))
    status = run(site, "status", "--json").json()
    assert [p["status"] for p in status["posts"]] == ["stale"]


def test_covered_copies_are_kept_by_what_made_them(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """Warm == cold, and a changed list makes new copies: never a stale covering."""
    index = faces_site(site, ["P1", "P2"], ["P1", "P2"])
    approve_and_build(run, site)
    warm = published(site, "instagram").read_bytes()
    assert run(site, "build").code == 0
    assert published(site, "instagram").read_bytes() == warm
    shutil.rmtree(site.root / "build")
    assert run(site, "build").code == 0
    assert published(site, "instagram").read_bytes() == warm  # cold, from nothing: the same
    index.write_text(
        index.read_text().replace("faces:\n  - P1\n  - P2", "faces:\n  - P1\n  - cover")
    )
    approve_and_build(run, site)
    _, second = find_faces(TWO, content_hash(TWO.read_bytes()), ResultFiles(None)).boxes
    assert is_covered(published(site, "website"), second)  # newly covered on the website too


def test_a_heic_photo_whose_facts_are_known_is_still_read_for_faces(
    site: SiteDir, tmp_path: Path
) -> None:
    """Each command in a process of its own: the second knows the photo's facts (cached by the
    first) and opens the photo only to find faces, so nothing else taught Pillow HEIC."""
    faces_site(site, None, [])
    folder = site.root / "content/posts" / SLUG
    shutil.copy(FIXTURES / "photos/IMG_5195.HEIC", folder / "relay.jpg")
    site.config(SITE_TOML)

    def check() -> subprocess.CompletedProcess[str]:
        command = ["-m", "sitegen", "--site", str(site.root), "--now", NOW, "check", "--json"]
        env = {**__import__("os").environ, "SITEGEN_CACHE_DIR": str(tmp_path / "cache")}
        return subprocess.run([sys.executable, *command], capture_output=True, text=True, env=env)

    assert check().returncode in (0, 1)
    site.config(SITE_TOML.replace('faces = "off"', 'faces = "on"'))
    result = check()
    assert result.returncode in (0, 1), result.stderr
    findings = json.loads(result.stdout)["posts"][0]["findings"]
    assert not [f for f in findings if f["code"] == "SG121"]  # read, not refused


def test_the_fallback_is_said_once(run, site: SiteDir, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(faces, "model_path", lambda: None)
    faces.detector_name.cache_clear()
    try:
        faces_site(site, None, ["P1", "P2"])
        result = run(site, "check")
        assert result.err.count("Haar cascade") == 1
    finally:
        faces.detector_name.cache_clear()


def test_the_previews_photo_covers_what_the_website_covers(site: SiteDir) -> None:
    """Face 2 is `cover`: the preview's photo (the post as parents will see it) has it
    covered, as build/site's has."""
    from sitegen.preview import build_preview
    from sitegen.site import load_site

    faces_site(site, ["P1", "cover"], ["P1"])
    build_preview(load_site(site.root, NOW))
    first, second = find_faces(TWO, content_hash(TWO.read_bytes()), ResultFiles(None)).boxes
    photo = max(
        (site.root / "build/preview/posts" / SLUG).glob("photo-1-*.jpg"),
        key=lambda p: Image.open(p).width,
    )
    assert is_covered(photo, second) and not is_covered(photo, first)


def test_the_preview_shows_the_numbers_and_each_platforms_copy(site: SiteDir) -> None:
    """In Chromium, at a phone's width: the post's preview shows the numbered photo and its
    copy for each platform, every image loaded; the Instagram copy has face 2 covered."""
    from sitegen.preview import build_preview
    from sitegen.site import load_site
    from tests.browser import browser, serve

    faces_site(site, ["P1", "P2"], ["P1", "P2"])
    build_preview(load_site(site.root, NOW))
    preview = site.root / "build/preview"
    instagram = preview / "faces" / SLUG / "relay-faces-instagram.jpg"
    _, second = find_faces(TWO, content_hash(TWO.read_bytes()), ResultFiles(None)).boxes
    middle = Box(  # (the copy's box outline is drawn over the fill's edges)
        second.left + second.width / 4,
        second.top + second.height / 4,
        second.width / 2,
        second.height / 2,
    )
    assert is_covered(instagram, middle)
    assert not is_covered(preview / "faces" / SLUG / "relay-faces-website.jpg", middle)
    with serve(preview) as url, browser() as chromium:
        page = chromium.new_page(viewport={"width": 390, "height": 844})
        failed: list[str] = []
        page.on(  # (all but the reload script, which only `sitegen serve` answers)
            "response",
            lambda r: (
                failed.append(r.url) if r.status >= 400 and "__sitegen" not in r.url else None
            ),
        )
        page.goto(f"{url}posts/{SLUG}/", wait_until="load")
        copies = page.locator(".banner-faces figure")
        assert copies.locator("figcaption").all_inner_texts() == [
            "numbered",
            "website",
            "instagram",
        ]
        # (the copies load lazily: each is brought into view, and its loading waited for)
        images = page.locator(".banner-faces img")
        for n in range(images.count()):
            images.nth(n).scroll_into_view_if_needed()
        page.wait_for_function(
            "[...document.querySelectorAll('.banner-faces img')].every(i => i.complete)"
        )
        widths = page.eval_on_selector_all(
            ".banner-faces img", "images => images.map(i => i.complete && i.naturalWidth)"
        )
        assert len(widths) == 3 and all(widths), widths
        assert not failed, failed
        assert not (site.root / "build/site").exists()


def test_a_face_to_cover_since_posting_is_an_update_and_a_takedown(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """P1's Instagram consent goes after the photo was posted there with P1's face showing:
    the bundle changed (both faces covered now), so it waits in pending.csv as an update, and
    takedown asks for the posted copy to be replaced."""
    faces_site(site, ["P1", "P2"], ["P1", "P2"])
    assert run(site, "approve", SLUG, "--by", "head").code == 0
    assert run(site, "build").code == 0
    assert run(site, "posted", "--platform", "instagram").code == 0
    site.register(
        REGISTER.replace("P1,Mia,Jones,Year 4,yes,yes,yes,", "P1,Mia,Jones,Year 4,yes,yes,no,")
    )
    built = run(site, "build")
    assert (
        "for instagram to build/exports/instagram: 1 to post (pending.csv), 1 an update"
        in built.out
    )
    assert "removals waiting: 1 on instagram" in built.out
    (item,) = run(site, "takedown", "--json").json()["takedowns"]
    assert item["platform"] == "instagram" and not item["whole"] and item["posted"] is True
    assert item["reason"].startswith("a face on the photos must now be covered")
    # (the copy posted, by the name it went out under: face 2 covered)
    assert item["images"] == ["01-photo-1-covered-2-1080.jpg (relay.jpg)"]
    assert item["because"] == [
        "P1 (no consent for instagram) on 01-photo-1-covered-2-1080.jpg (relay.jpg)"
    ]
    # The new copy covers both faces, under another name: nothing can show the old one for it.
    assert (
        site.root / "build/exports/instagram" / SLUG / "01-photo-1-covered-1-2-1080.jpg"
    ).exists()


def test_a_face_covered_on_the_website_by_hand_upload_is_recorded(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """P2's website consent ends: the next build covers P2's face on relay.jpg, which keeps
    its name. Recording the upload was refused for good, "build/site/ still shows relay.jpg"
    (found by a review of the fix that refused it before a build)."""
    faces_site(site, ["P1", "P2"], ["P1", "P2"])
    approve_and_build(run, site)
    site.register(
        REGISTER.replace("P2,Osian,Pritchard,Year 4,yes,", "P2,Osian,Pritchard,Year 4,no,")
    )
    assert run(site, "build").code == 0
    listed = {t["platform"] for t in run(site, "takedown", "--json").json()["takedowns"]}
    assert "website" in listed
    done = run(site, "takedown", "--done", "--platform", "website")
    assert done.code == 0, done.err
    listed = {t["platform"] for t in run(site, "takedown", "--json").json()["takedowns"]}
    assert "website" not in listed


def test_the_sar_notes_faces_it_cannot_tell_apart_without_a_faces_list(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """Two faces, only P1 tagged, no faces list (SG126 is a warning, so it was approved): the
    report showed the other face with no word to the lead (found by a fourth review)."""
    faces_site(site, None, ["P1"])
    approve_and_build(run, site)
    result = run(site, "sar", "P1", "--format", "html", "--output", str(site.root / "r.html"))
    assert result.code == 0 and "could not cover (it has no faces list)" in result.err


def test_a_class_photo_out_there_is_urgent_once_a_classmate_is_under_safeguarding(
    run, site: SiteDir
) -> None:  # type: ignore[no-untyped-def]
    """Two faces, P1 tagged, no faces list: a warning, approved and published. Then P2, in
    P1's class and untagged, is put under safeguarding (adopted mid-year): SG126 is an error,
    the face may be theirs, yet takedown listed it among the ordinary removals, not URGENT
    (found by a tour of the ICO's case)."""
    faces_site(site, None, ["P1"])
    approve_and_build(run, site)
    safeguard(site, "P2")
    built = run(site, "build")
    assert built.code == 0 and "URGENT: 2 " in built.out + built.err, built.out + built.err
    items = run(site, "takedown", "--json").json()["takedowns"]
    assert {item["platform"] for item in items} == {"website", "instagram"}, items
    assert all(
        i["urgent"] and i["reason"].startswith("URGENT: a photo of the class") for i in items
    )


def test_an_update_that_covers_a_face_is_recorded_after_the_earlier_post_is_put_right(
    run, site: SiteDir
) -> None:  # type: ignore[no-untyped-def]
    """P2's parents stop Instagram after the relay photo was posted there: the update covers
    P2's face. Imported from pending.csv into a scheduler, it went out as a new post, `posted`
    recorded it, and takedown stopped asking for the earlier post, P2's face uncovered in it
    (found by a tour of the ICO's case). Its removal is now recorded first."""
    faces_site(site, ["P1", "P2"], ["P1", "P2"])
    posted_then_instagram_refused(run, site)
    assert run(site, "build").code == 0
    refused = run(site, "posted", "--platform", "instagram")
    assert refused.code == 1 and f"not recorded: {SLUG} is an update" in refused.err, refused.err
    assert [t["slug"] for t in run(site, "takedown", "--json").json()["takedowns"]] == [SLUG]
    # The leader edits the earlier post (the photo off it) and records that; then the update.
    assert run(site, "takedown", "--done", SLUG, "--platform", "instagram").code == 0
    assert run(site, "posted", "--platform", "instagram").code == 0
    assert run(site, "takedown", "--json").json()["takedowns"] == []


def test_a_removal_of_a_photo_and_a_face_to_cover_says_both(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """P2 stops Instagram: on the relay photo (a faces list) P2's face is now covered, and the
    beach photo (none) is left out. The takedown said only "photos no longer have consent
    there", and the leader removed a photo that was to be replaced (found by a tour)."""
    post = faces_site(site, ["P1", "P2"], ["P1", "P2"])
    save_beach = site.root / "content/posts" / SLUG / "beach.jpg"
    from tests.imagegen import save_photo

    save_photo(save_beach, "beach", size=(640, 480))
    post.write_text(
        post.read_text().replace(
            "images:\n", "images:\n- file: beach.jpg\n  alt: The beach\n  pupils:\n  - P2\n", 1
        )
    )
    posted_then_instagram_refused(run, site)
    assert run(site, "build").code == 0
    (item,) = run(site, "takedown", "--json").json()["takedowns"]
    assert item["reason"].startswith("photos no longer have consent there; on relay.jpg, a face"), (
        item
    )


def test_only_the_copies_with_the_unnamed_faces_are_urgent(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """The relay photo (its faces named) went to Instagram, P2's face covered; the group
    photo (no faces list, P2 on it, who has no Instagram consent) to the website alone. P3,
    in P1's class, is put under safeguarding: the website's copy, with the unnamed faces, is
    URGENT; Instagram's must come down too (the post is blocked), but not as URGENT (found by
    a review)."""
    post = faces_site(site, ["P1", "P2"], ["P1", "P2"])
    shutil.copy(FACES / "many_faces_nasa_group15.jpg", post.parent / "group.jpg")
    text = post.read_text().replace(
        "images:\n", "images:\n- file: group.jpg\n  alt: The class\n  pupils:\n  - P2\n", 1
    )
    post.write_text(text)
    approve_and_build(run, site)
    posted = run(site, "posted", "--platform", "instagram")
    assert posted.code == 0 and "recorded as posted on instagram: 1" in posted.out, posted.out
    safeguard(site, "P3")
    assert run(site, "build").code == 0  # (its URGENT line counts the post's every copy)
    items = {t["platform"]: t for t in run(site, "takedown", "--json").json()["takedowns"]}
    assert items["website"]["urgent"] and not items["instagram"]["urgent"], items


def test_a_class_photo_renamed_since_it_was_posted_is_still_urgent(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """The class photo went to Instagram as group.jpg; an approved edit renamed it class.jpg
    (the same bytes). Matched by the file's name, the copy out there was no longer URGENT
    once a classmate was put under safeguarding (found by a review): it is matched by its
    bytes."""
    post = faces_site(site, None, ["P1"])
    post.write_text(post.read_text().replace("relay.jpg", "group.jpg"))
    (post.parent / "relay.jpg").rename(post.parent / "group.jpg")
    approve_and_build(run, site)
    assert run(site, "posted", "--platform", "instagram").code == 0
    post.write_text(post.read_text().replace("group.jpg", "class.jpg"))
    (post.parent / "group.jpg").rename(post.parent / "class.jpg")
    approve_and_build(run, site)
    safeguard(site, "P3")
    assert run(site, "build").code == 0
    items = {t["platform"]: t for t in run(site, "takedown", "--json").json()["takedowns"]}
    assert items["instagram"]["urgent"], items


def test_a_copy_without_the_class_photo_is_not_urgent(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """Instagram had only the coffee photo (no faces, no list); the class photo, P2 on it,
    went to the website alone. Every photo without a `faces` list counted as the class
    photo, and Instagram's copy was URGENT (found by a review)."""
    faces_site(site, None, ["P1"])
    shutil.copy(FACES / "no_faces_coffee.png", site.root / "content/posts" / SLUG / "coffee.png")
    site.post(
        SLUG,
        pupils=["P1", "P2"],
        platforms=["website", "instagram"],
        date="2026-11-20",
        images=[
            {"file": "coffee.png", "alt": "Coffee for the parents", "pupils": ["P1"]},
            {"file": "relay.jpg", "alt": "Two runners after the relay", "pupils": ["P2"]},
        ],
    )
    approve_and_build(run, site)
    assert run(site, "posted", "--platform", "instagram").code == 0
    safeguard(site, "P3")
    assert run(site, "build").code == 0
    items = {t["platform"]: t for t in run(site, "takedown", "--json").json()["takedowns"]}
    assert items["website"]["urgent"] and not items["instagram"]["urgent"], items


def test_an_update_that_also_takes_a_photo_out_still_waits_for_the_face(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """`faces: [P1, p2]` (any case is P2) and an approved edit that also took a photo out: the
    removal read as the edit's alone, and `posted` recorded the update over the earlier post
    with P2's face uncovered on Instagram (found by a review)."""
    from tests.imagegen import save_photo

    post = faces_site(site, ["P1", "p2"], ["P1", "P2"])
    save_photo(post.parent / "beach.jpg", "beach", size=(640, 480))
    beach = "- file: beach.jpg\n  alt: The beach\n  pupils:\n  - P1\n"
    post.write_text(post.read_text().replace("images:\n", "images:\n" + beach, 1))
    posted_then_instagram_refused(run, site)
    post.write_text(post.read_text().replace(beach, ""))
    approve_and_build(run, site)
    refused = run(site, "posted", "--platform", "instagram")
    assert refused.code == 1 and "is an update" in refused.err, refused.out + refused.err
