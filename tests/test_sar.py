"""The Subject Access Request report, read back as the family would read it: their child's
names and photos (scrubbed copies, no metadata), what the words say about them, where and when
each post went in plain words, the consent record, and nothing of any other child."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import stat
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sitegen.records import LEDGER
from tests.conftest import FIXTURES, REGISTER, SITE_TOML, SiteDir
from tests.imagegen import save_photo
from tests.test_dpo import approve, build, posted_trip
from tests.test_images import CLEAN_GROUPS, exiftool

DATA_URI = re.compile(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+")


class Page(HTMLParser):
    """What a reader of the page gets: its visible text, its images, every address it holds."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.images: list[str] = []
        self.addresses: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.tags: set[str] = set()
        self.unseen = 0  # inside <style> or <title>: not on the page itself

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.unseen += tag in ("style", "title")
        for name, value in attrs:
            if name in ("src", "href", "srcset", "poster", "data", "action") and value:
                self.addresses.append((tag, name, value))
            if tag == "img" and name == "src" and value:
                self.images.append(value)
            if name == "alt" and value:
                self.text.append(value)

    def handle_endtag(self, tag: str) -> None:
        self.unseen -= tag in ("style", "title")

    def handle_data(self, data: str) -> None:
        if not self.unseen:
            self.text.append(data)


def read_back(html: str) -> tuple[str, list[bytes], Page]:
    """The page as a parent reads it: its words (with alt texts) and its decoded photos."""
    page = Page()
    page.feed(html)
    photos = []
    for src in page.images:
        assert src.startswith("data:image/jpeg;base64,"), src[:60]
        photos.append(base64.b64decode(src.split(",", 1)[1], validate=True))
    return " ".join(" ".join(page.text).split()), photos, page


def without_photos(report: str) -> str:
    """The report with its embedded photos taken out (base64 may spell anything)."""
    return DATA_URI.sub("data:", report)


def others_of(register: str, subject: str) -> list[str]:
    """Every other pupil's id, first name (each word), last name and full name."""
    lines = register.strip().splitlines()
    columns = lines[0].split(",")
    words: list[str] = []
    for line in lines[1:]:
        row = dict(zip(columns, line.split(","), strict=False))
        if row["pupil_id"] == subject:
            continue
        first, last = row["first_name"], row["last_name"]
        words += [row["pupil_id"], first, *first.split(), last, f"{first} {last}"]
    return words


def assert_nothing_of_others(report: str, register: str, subject: str) -> None:
    text = without_photos(report)
    for word in others_of(register, subject):
        found = re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.I)
        assert found is None, (word, text[max(0, found.start() - 80) : found.end() + 80])


def sar(run, site: SiteDir, *args: str, now: str = "2026-11-25T12:00") -> str:  # type: ignore[no-untyped-def]
    result = run(site, "sar", *args, now=now)
    assert result.code == 0, result.err
    return result.out


def test_the_report_says_what_the_text_says(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    # The old report said "named in the text: no" for this draft: `named` is empty, yet the
    # body names Mia (tagged, so her first name is read as hers, as SG114 reads it).
    site.post(
        "gallery",
        files={"gallery.jpg": "castle"},
        title="Year 4 art gallery",
        pupils=["P1", "P2"],
        body="Year 4 made a gallery.\nMia painted the drawbridge in watercolour, and Osian "
        "framed it.\n\nThe class voted.\n",
        images=[{"file": "gallery.jpg", "alt": "Mia and a friend painting", "pupils": ["P1"]}],
    )
    data = json.loads(sar(run, site, "P1", "--json"))
    (post,) = data["posts"]
    assert post["named"] is False  # SPEC's key: the front matter's `named`
    assert post["named_in_text"] is True
    excerpts = {(m["where"], m["excerpt"]) for m in post["mentions"]}
    assert excerpts == {
        (
            "the text",
            "Mia painted the drawbridge in watercolour, and [another pupil] framed it.",
        ),
        ("a photo's description", "Mia and a friend painting"),
    }
    for args in ([], ["--format", "html"]):
        text = read_back(sar(run, site, "P1", *args))[0] if args else sar(run, site, "P1")
        assert (
            "In the text: “Mia painted the drawbridge in watercolour, and [another pupil]" in text
        )
        assert "its words name Mia" in text
    # A post that only tags her, with no name in its words, says so.
    site.post("quiet", pupils=["P1"], date="2026-11-21")
    quiet = next(
        p for p in json.loads(sar(run, site, "P1", "--json"))["posts"] if p["slug"] == "quiet"
    )
    assert quiet["named_in_text"] is False and quiet["mentions"] == []
    assert "Its words do not name Mia." in sar(run, site, "P1")


def test_a_name_that_markup_splits_or_welsh_mutates_is_found_for_the_request(
    run, site: SiteDir
) -> None:  # type: ignore[no-untyped-def]
    """The page shows "Mia Jones" whole where the file splits it with a link, and "i Fia
    Jones" is her full name in Welsh: both posts name her, each told once, in the text."""
    site.post("linked", body="Well done [Mia](https://example.com/) Jones!\n", date="2026-11-10")
    site.post("welsh", lang="cy", body="Da iawn i Fia Jones!\n", date="2026-11-11")
    site.post("both", body="Mia Jones and [Mia](https://example.com/) Jones.\n", date="2026-11-12")
    site.post(
        "two",
        body="Mia Jones won the cup. Later, [Mia][1] Jones read a poem.\n\n[1]: https://x.y/\n",
        date="2026-11-13",
    )
    site.post(  # (in a link's address only: "Its words do not name Mia", found a review)
        "address",
        body="Our photos are [here](https://photos.example.com/mia-jones/).\n",
        date="2026-11-14",
    )
    posts = {p["slug"]: p for p in json.loads(sar(run, site, "P1", "--json"))["posts"]}
    assert posts["address"]["named_in_text"] is True
    (mention,) = posts["address"]["mentions"]  # (the address alone: no rel, no other value)
    assert mention["excerpt"] == "https://photos.example.com/mia-jones/", mention
    for slug in ("linked", "welsh", "both"):
        (mention,) = posts[slug]["mentions"]
        assert mention["where"] == "the text" and mention["full_name"] is True, mention
    # Each sentence once, as readers have it (a review found one lost, and one twice, raw)
    assert [m["excerpt"] for m in posts["two"]["mentions"]] == [
        "Mia Jones won the cup.",
        "Later, Mia Jones read a poem.",
    ]


def test_full_name_in_an_untagged_post_and_welsh_mutations(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    # Her full name is found though she is not tagged (SG114 finds full names of anyone);
    # in a Welsh post, another tagged child's mutated first name ("Domos", of Tomos) goes.
    site.post("untagged", title="Mia Jones reads to the class", pupils=[], date="2026-11-10")
    site.post(
        "cymraeg",
        lang="cy",
        pupils=["P1", "P4"],
        title="Diwrnod da",
        summary="Dosbarth 3 yn darllen.",
        body="Da iawn i Domos am ddarllen, a Mia am ganu.\n",
        date="2026-11-11",
    )
    data = json.loads(sar(run, site, "P1", "--json"))
    posts = {p["slug"]: p for p in data["posts"]}
    assert posts["untagged"]["tagged"] is False and posts["untagged"]["named_in_text"] is True
    assert posts["untagged"]["mentions"][0]["full_name"] is True
    assert (
        posts["cymraeg"]["text"]["body"] == "Da iawn i [another pupil] am ddarllen, a Mia am ganu."
    )
    assert_nothing_of_others(json.dumps(data, ensure_ascii=False), REGISTER, "P1")


def test_no_other_child_anywhere(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    # Other children in every text the report shows: full names (tagged or not), first names
    # (tagged or not), ids, in the title, summary, body, captions, alt texts, file names.
    site.post(
        "team",
        files={"team-osian.jpg": "sport", "cup.jpg": "sport"},
        title="Mia, Osian and Elin Ffion Davies win",
        summary="Tomos Bowen and Dylan cheered; P5 was there too.",
        body="**Mia** and Siân Llŷr scored. Tomos kept goal (P4) and *Dylan* Watkins ran.\n\n"
        "Elin Ffion lifted the cup.\n",
        pupils=["P1", "P2", "P3"],
        named=[],
        date="2026-11-02",
        platforms=["website", "facebook"],
        images=[
            {
                "file": "team-osian.jpg",
                "alt": "Mia with Osian Pritchard",
                "caption": "Elin Ffion and Mia",
                "pupils": ["P1", "P2"],
            },
            {"file": "cup.jpg", "alt": "Siân holding the cup", "pupils": ["P3"]},
        ],
    )
    for args in (["--json"], [], ["--format", "html"]):
        report = sar(run, site, "P1", *args)
        assert_nothing_of_others(report, REGISTER, "P1")
        assert "Mia" in report and "[another pupil]" in report
    text, photos, _ = read_back(sar(run, site, "P1", "--format", "html"))
    assert "Mia Jones" in text and len(photos) == 1  # her photo; not the cup's
    assert "Description of another photo" in text  # the other photo's words, redacted


def test_photos_are_scrubbed_copies(run, site: SiteDir, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # A real camera photo with GPS, in a published post, and a generated one with GPS in a
    # draft: the page embeds copies of both, and exiftool finds no metadata in either.
    site.post(
        "trip",
        pupils=["P1"],
        date="2026-11-02",
        platforms=["website", "instagram"],
        images=[{"file": "made.jpg", "alt": "Towers", "pupils": ["P1"]}],
    )
    made = site.root / "content/posts/trip/made.jpg"
    save_photo(made, "castle", size=(640, 480), gps=True)
    approve(run, site, "trip")
    build(run, site, "2026-11-05T10:00")
    folder = site.root / "content/posts/draft"
    site.post(
        "draft",
        pupils=["P1"],
        date="2026-11-20",
        images=[{"file": "beach.jpg", "alt": "On the beach", "pupils": ["P1"]}],
    )
    shutil.copy(FIXTURES / "photos" / "gps_DSCN0010.jpg", folder / "beach.jpg")
    originals = [made, folder / "beach.jpg"]
    assert all("GPS" in json.dumps(r) for r in exiftool(originals))

    text, photos, _ = read_back(sar(run, site, "P1", "--format", "html"))
    assert len(photos) == 2
    paths = []
    for number, data in enumerate(photos):
        assert data[:3] == b"\xff\xd8\xff"  # a JPEG
        assert all(data != original.read_bytes() for original in originals)
        paths.append(tmp_path / f"copy-{number}.jpg")
        paths[-1].write_bytes(data)
    for record in exiftool(paths):
        groups = {key.split(":")[0] for key in record if ":" in key}
        assert groups <= CLEAN_GROUPS, (record["SourceFile"], groups - CLEAN_GROUPS)
        assert record["File:ImageWidth"] <= 480
    assert "Not published anywhere" in text
    # (exported for Instagram, never recorded as posted: made ready, not "shown")
    assert (
        "Shown on the school website; made ready for Instagram, not recorded as posted there"
        in text
    )


def test_website_and_exports_told_apart(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.post(
        "trip",
        files={"a.jpg": "castle"},
        pupils=["P1"],
        date="2026-11-02",
        platforms=["website", "facebook", "instagram"],
        images=[{"file": "a.jpg", "alt": "Towers", "pupils": ["P1"]}],
    )
    approve(run, site, "trip")
    build(run, site, "2026-11-05T10:00")
    data = json.loads(sar(run, site, "P1", "--json"))
    by_platform = {p["platform"]: p for p in data["publications"]}
    url = "https://news.test.sch.uk/posts/trip/"
    assert by_platform["website"]["url"] == url and by_platform["website"]["kind"] == "website"
    assert by_platform["instagram"]["url"] is None and by_platform["instagram"]["kind"] == "export"
    for args in ([], ["--format", "html"]):
        report = sar(run, site, "P1", *args)
        text = read_back(report)[0] if args else report
        assert "On the school website since 5 November 2026" in text
        assert "Exported for Instagram on 5 November 2026 (the school posts it by hand)" in text
        assert "Exported for Facebook on 5 November 2026" in text
        assert text.count(url) == 1  # the address only for the website
        assert "“Exported” means the news system prepared the post" in text
        assert "With photo 1 of Mia." in text


def test_every_event_in_plain_words(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.post(
        "trip",
        files={"a.jpg": "castle"},
        pupils=["P1"],
        date="2026-11-02",
        platforms=["website", "facebook", "instagram", "x"],
        images=[{"file": "a.jpg", "alt": "Towers", "pupils": ["P1"]}],
    )
    approve(run, site, "trip")
    build(run, site, "2026-11-05T10:00")
    site.withdraw("P1", "2026-11-20")
    build(run, site, "2026-11-21T10:00")  # the website removes it
    # What a later issue records (`posted`), and a kind no version knows yet.
    ledger = site.root / LEDGER
    with ledger.open("a", encoding="utf-8") as out:
        for kind, platform, at in (
            ("posted", "instagram", "2026-11-06T09:30:00+00:00"),
            ("posted", "facebook", "2026-11-06T09:40:00+00:00"),
            ("archived_by_platform", "x", "2026-11-07T08:00:00+00:00"),
        ):
            out.write(json.dumps({"event": kind, "at": at, "slug": "trip", "platform": platform}))
            out.write("\n")
    result = run(
        site, "takedown", "--done", "trip", "--platform", "facebook", now="2026-11-22T09:00"
    )
    assert result.code == 0, result.err

    md = sar(run, site, "P1", now="2026-11-23T09:00")
    html_text = read_back(sar(run, site, "P1", "--format", "html", now="2026-11-23T09:00"))[0]
    for text in (md, html_text):
        assert not re.search(r"\w_\w", without_photos(text)), re.findall(r"\S*\w_\w\S*", text)
        for raw in ("taken_down", "archived_by_platform", "republished", "sha256", "SG112"):
            assert raw not in text
        # Without [deploy] the uploaded copy stays until the school records its removal.
        assert (
            "On the school website since 5 November 2026; taken out of the school's copy of "
            "the site on 21 November 2026. Because consent was withdrawn, it comes off the "
            "website at its next update" in " ".join(text.split())
        )
        assert "posted on Instagram on 6 November 2026" in text
        x, instagram = "X (Twitter): archived", "posted on Instagram on 6 November 2026"
        assert re.search(
            rf"{re.escape(x)}[^\n]*?Because consent was withdrawn, it must be taken down if it "
            "was posted; the school has not recorded doing so yet",
            text,
        )
        assert f"{instagram}. Because consent was withdrawn, it must be taken down; the" in text
        assert "taken down from Facebook on 22 November 2026" in text
        assert "X (Twitter): archived by platform on 7 November 2026 at 08:00" in text
        assert "Consent was withdrawn on 20 November 2026" in text
        assert "held back because consent was withdrawn" in text
    # The JSON keeps the ledger's own names beside the words (for tools).
    data = json.loads(sar(run, site, "P1", "--json", now="2026-11-23T09:00"))
    facebook = next(p for p in data["publications"] if p["platform"] == "facebook")
    assert facebook["ended"]["event"] == "taken_down"
    assert facebook["ended"]["words"].startswith("recorded as taken down from Facebook")


def test_consent_record_and_its_provenance(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    text = read_back(sar(run, site, "P2", "--format", "html"))[0]
    assert "Osian Pritchard" in text and "Year 4" in text
    assert "Instagram no" in text and "Facebook (the school's closed page for parents) yes" in text
    assert "yes: the first name may be published" in text
    assert "The register does not record when or by whom consent was given." in text
    # Optional columns, shown when the register has them.
    lines = REGISTER.strip().splitlines()
    with_provenance = [lines[0] + ",consent_given_on,given_by,consent_until"]
    with_provenance += [line + ",2026-09-03,mother,2026-11-01" for line in lines[1:]]
    site.register("\n".join(with_provenance) + "\n")
    text = read_back(sar(run, site, "P2", "--format", "html"))[0]
    assert "Consent recorded on 3 September 2026 by mother." in text
    assert "Consent was given for a period, which ended on 1 November 2026" in text
    assert "Where Consent given From 1 November 2026 The school website yes no" in text
    data = json.loads(sar(run, site, "P2", "--json"))
    assert data["pupil"]["consent_given_on"] == "2026-09-03"
    assert data["pupil"]["given_by"] == "mother"
    assert set(data["pupil"]) >= {
        "pupil_id",
        "first_name",
        "last_name",
        "class",
        "consent",
        "withdrawn_on",
    }
    # A pupil who has left the register: what it recorded of how consent was given stays in
    # the report (the history kept it; the report dropped it).
    build(run, site, "2026-11-05T10:00")
    site.register("\n".join(r for r in with_provenance if not r.startswith("P2,")) + "\n")
    build(run, site, "2026-11-06T10:00")
    text = read_back(sar(run, site, "P2", "--format", "html"))[0]
    assert "P2 is not in the consent register" in text
    assert (
        "When the register last held them, it recorded consent as given on 3 September 2026 "
        "by mother." in text
    )


@pytest.mark.parametrize("email", [None, "office@test.sch.uk"])
def test_covering_note(run, site: SiteDir, email: str | None) -> None:  # type: ignore[no-untyped-def]
    if email:
        site.config(SITE_TOML.replace("per_page = 3", f'per_page = 3\ncontact_email = "{email}"'))
    site.post("draft", pupils=["P1"], date="2026-11-20")
    text = read_back(sar(run, site, "P1", "--format", "html"))[0]
    assert "Dear parent or carer" in text and "Ysgol Prawf" in text
    assert "personal data about Mia Jones" in text
    assert "1 news post that shows, tags or names Mia" in text
    assert "1 post never went anywhere." in text
    assert "You can withdraw or change consent at any time" in text
    if email:
        assert f"by writing to the school at {email}" in text
    else:
        assert "by contacting the school office" in text


def test_the_page_opens_offline(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    # A draft whose words try to load things: the page shows them as text, and fetches nothing.
    site.post(
        "tricky",
        files={"a.jpg": "castle"},
        title='<img src="https://tracker.example/x.gif"> Mia',
        body='<img src="https://tracker.example/y.gif" alt="x"> Hello '
        "<link rel=stylesheet href=https://tracker.example/z.css>\n",
        pupils=["P1"],
        images=[{"file": "a.jpg", "alt": '"><script>alert(1)</script>', "pupils": ["P1"]}],
    )
    html = sar(run, site, "P1", "--format", "html")
    _, photos, page = read_back(html)
    assert len(photos) == 1
    assert page.tags.isdisjoint({"script", "link", "iframe", "object", "embed", "video", "audio"})
    for tag, attribute, value in page.addresses:
        assert value.startswith("data:image/jpeg;base64,"), (tag, attribute, value)
    assert "url(" not in html and "@import" not in html
    assert "default-src 'none'; img-src data:" in html  # nothing else may load
    assert "&lt;img src=&quot;https://tracker.example/x.gif&quot;&gt; Mia" in html


def test_an_output_with_nowhere_to_go_is_said_plainly(run, site: SiteDir, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = run(site, "sar", "P4", "--output", str(tmp_path / "no/such/folder/sar.md"))
    assert missing.code == 2 and f"there is no folder {tmp_path}/no/such/folder" in missing.err
    assert ".tmp" not in missing.err
    folder = run(site, "sar", "P4", "--output", str(tmp_path))
    assert folder.code == 2 and "is a folder: give a file name" in folder.err
    blank = run(site, "sar", " ")  # (was "error:   is not in the consent register ...")
    assert blank.code == 2 and "give the pupil's id" in blank.err


def test_output_is_private(run, site: SiteDir, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "sar.html"
    target.write_text("old")
    os.chmod(target, 0o644)
    result = run(site, "sar", "P4", "--format", "html", "--output", str(target))
    assert result.code == 0 and result.out == ""
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "mode 0600" in result.err and "personal data" in result.err
    assert target.read_text().startswith("<!doctype html>")
    assert [p.name for p in target.parent.iterdir()] == ["sar.html"]  # no temporary file left


def test_the_demo_read_back_by_a_parent(run, demo: SiteDir) -> None:  # type: ignore[no-untyped-def]
    # The demo's photo checks need Tesseract and OpenCV; this test reads the report, not them.
    toml = (demo.root / "site.toml").read_text()
    demo.config(toml.replace('ocr = "on"', 'ocr = "off"').replace('faces = "on"', 'faces = "off"'))
    build(run, demo, "2026-11-25T10:00")
    register = (demo.root / "content/consent.csv").read_text()
    html = sar(run, demo, "P1003", "--format", "html", now="2026-11-25T12:00")
    text, photos, _ = read_back(html)
    assert_nothing_of_others(html, register, "P1003")
    assert "Mali Roberts" in text and len(photos) == 2
    assert "In the text: “Mali painted the drawbridge in watercolour" in text
    assert "On the school website since 2 October 2026" in text
    assert "Exported for Instagram on 2 October 2026" in text
    assert "No photo of Mali went with it." in text  # X: she has no consent there

    html = sar(run, demo, "P1008", "--format", "html", now="2026-11-25T12:00")
    text, photos, _ = read_back(html)
    assert_nothing_of_others(html, register, "P1008")
    assert "Dylan Watkins" in text and len(photos) == 1
    assert "Consent was withdrawn on 15 November 2026" in text
    assert "Consent for Dylan was withdrawn from 15 November 2026. Since then no new post" in text
    # One post, out in several places: counted as one post.
    assert re.search(r"but 1 post made before is still to be taken down \(from \d places\)", text)
    # Another family's photo with a child under safeguarding on it: said before sending.
    notes = run(demo, "sar", "P1003", now="2026-11-25T12:00").err
    assert "gallery.jpg also shows a pupil under safeguarding" in notes
    assert "Where Consent given From 15 November 2026 The school website yes no" in text
    assert (
        "On the school website since 12 November 2026; taken out of the school's copy of the "
        "site on 24 November 2026" in text
    )
    # The school recorded posting it on Facebook: it must come down, not "if it was posted".
    assert "posted on Facebook on 12 November 2026" in text
    assert "Because consent was withdrawn, it must be taken down; the school has not" in text


@pytest.mark.parametrize(
    ("kind", "platform", "words"),
    [
        ("published", "website", "put on the school website on 5 November 2026 at 10:05"),
        ("published", "instagram", "exported for Instagram on 5 November 2026 at 10:05"),
        ("posted", "x", "recorded as posted on X (Twitter) by the school on 5 November"),
        ("deployed", "website", "copied to the live school website on 5 November 2026 at 10:05"),
        ("removed", "website", "taken out of the files of the school website on 5 November 2026"),
        ("taken_down", "facebook", "recorded as taken down from Facebook on 5 November"),
        ("scheduled_in_buffer", "mastodon", "Mastodon: scheduled in buffer on 5 November"),
        ("weird<kind>__", "x", "X (Twitter): weird kind on 5 November 2026"),
    ],
)
def test_event_words_for_every_kind(site: SiteDir, kind: str, platform: str, words: str) -> None:
    from sitegen.config import load_config
    from sitegen.sar_words import event_words

    config = load_config(site.root)
    said = event_words(kind, "2026-11-05T10:05:00+00:00", platform, platform == "website", config)
    assert said.startswith(words)
    assert "_" not in said and "<" not in said


def test_a_post_edited_since_names_the_photo_of_the_pupil_that_went(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """The castle post went out with P1's photo; an approved edit takes the photo and the tag
    out. The report still says which photo of Mia went, by its name."""
    site.post(
        "castle",
        files={"towers.jpg": "castle", "gate.jpg": "books"},
        pupils=["P1"],
        platforms=["website"],
        date="2026-11-02",
        images=[
            {"file": "towers.jpg", "alt": "The towers", "pupils": ["P1"]},
            {"file": "gate.jpg", "alt": "The gate", "pupils": []},
        ],
    )
    approve(run, site, "castle")
    build(run, site, "2026-11-05T10:00")
    site.post(
        "castle",
        files={"gate.jpg": "books"},
        platforms=["website"],
        date="2026-11-02",
        images=[{"file": "gate.jpg", "alt": "The gate", "pupils": []}],
    )
    (site.root / "content/posts/castle/towers.jpg").unlink()
    approve(run, site, "castle")
    build(run, site, "2026-11-06T10:00")
    report = run(site, "sar", "P1").out
    assert "Posts that showed Mia before they were edited" in report
    assert "With Mia's photo towers.jpg." in report
    # The photo itself: the school still holds it (kept with the first approval), so the
    # family gets a copy; the report gave only its name.
    assert "It also holds 1 photo of Mia from earlier versions of posts" in report
    assert "## Photos of Mia from earlier versions of posts" in report
    assert "- Photo 1: the photo file towers.jpg. It went with “" in report
    (website,) = run(site, "sar", "P1", "--json").json()["publications"]
    assert [(p["file"], p["held"]) for p in website["held_photos"]] == [("towers.jpg", True)]
    _, photos, _ = read_back(sar(run, site, "P1", "--format", "html"))
    assert len(photos) == 1 and photos[0][:2] == b"\xff\xd8"
    # Once `records prune` has removed the kept copy, the letter no longer says the school
    # holds it (nor that it "could not be read"), and the lead is told why there is no copy.
    done = run(site, "takedown", "--done", "castle", "--platform", "website")
    assert done.code == 0, done.err
    pruned = run(site, "records", "prune")
    assert pruned.code == 0 and "  photo castle/towers.jpg\n" in pruned.out, pruned.out
    pruned = run(site, "sar", "P1")
    assert "The school no longer holds them: of those, this record" in pruned.out
    assert "Its records also tell of 1 photo of Mia from earlier versions of posts that it " in (
        pruned.out
    )
    assert "It also holds 1 photo" not in pruned.out
    assert "The school still holds them." not in pruned.out
    assert "(The photo itself is in the web page version" not in pruned.out
    assert "towers.jpg (from an earlier version) is no longer held" in pruned.err
    page = run(site, "sar", "P1", "--format", "html").out
    assert "<img" not in page and "could not be read" not in page
    assert "The school no longer holds this photo: there is no copy to show." in page


def test_a_deleted_post_is_not_said_never_to_have_named_the_pupil(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.post("castle", pupils=["P1"], platforms=["website"], date="2026-11-02")
    approve(run, site, "castle")
    build(run, site, "2026-11-05T10:00")
    shutil.rmtree(site.root / "content/posts/castle")
    build(run, site, "2026-11-06T10:00")
    # The copy that was approved is still kept (content/records/approved/): it is personal
    # data the school holds, and the family is given it (the letter said the record of
    # what went where was all the school still held).
    letter = run(site, "sar", "P1").out
    assert "The school holds Mia's consent record and 1 news post that shows" in letter
    assert (
        "A post dated 2 November 2026: deleted from the news system since; the school keeps "
        "the copy a senior leader approved" in letter
    )
    assert "> A wonderful day was had by all." in letter
    assert "On the school website since 5 November 2026; taken out" in letter
    assert "Posts published earlier and since deleted" not in letter
    data = json.loads(run(site, "sar", "P1", "--json").out)
    assert [(p["slug"], p["status"], p["deleted"]) for p in data["posts"]] == [
        ("castle", "approved", True)
    ]
    # Once `records prune` has removed that copy, the ledger is all that is left of it.
    assert run(site, "records", "prune").code == 0
    letter = run(site, "sar", "P1").out
    assert (
        "no news post shows, tags or names Mia now; its records of where posts went show "
        "1 earlier post that did, deleted or edited since, listed below." in letter
    ), letter
    assert "the school's record of what went where is all it still holds of Mia in them" in letter


def test_another_familys_withdrawal_is_not_told_as_such(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """P3's family withdraws; the post tagging P1 and P3 must come down. P1's letter says a
    consent changed, not that consent was withdrawn (that is another family's business)."""
    site.post("castle", pupils=["P1", "P3"], platforms=["website", "facebook"], date="2026-11-02")
    approve(run, site, "castle")
    build(run, site, "2026-11-05T10:00")
    assert run(site, "posted", "--platform", "facebook").code == 0
    site.withdraw("P3", "2026-11-20")
    mine = run(site, "sar", "P1").out
    assert "Because a consent changed, it must be taken down" in mine, mine
    assert "withdrawn" not in mine.split("## Mia's consent record")[0]
    assert "Because consent was withdrawn, it must be taken down" in run(site, "sar", "P3").out


def test_a_pupil_no_longer_in_the_register(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.post("trip", pupils=["P1", "P2"], date="2026-11-02", body="Osian and Mia ran.\n")
    site.register(REGISTER.replace("P1,Mia,Jones,Year 4,yes,yes,yes,yes,no,\n", ""))
    data = json.loads(sar(run, site, "P1", "--json"))
    assert (
        data["pupil"]["consent"] is None and "not in the consent register" in data["pupil"]["note"]
    )
    assert [p["slug"] for p in data["posts"]] == ["trip"]
    assert data["posts"][0]["text"]["body"] == "[another pupil] and Mia ran."
    text = read_back(sar(run, site, "P1", "--format", "html"))[0]
    assert "Pupil P1 is not in the school's consent register" in text
    # (no consent record to hold: the letter does not claim one)
    assert "The school holds 1 news post that shows, tags or names" in text


def test_the_version_that_is_live_is_the_one_reported(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """An edit not yet approved that takes Mia out, or breaks the header, leaves the approved
    version live: the SAR still reports the post that shows her."""
    index = site.post("trip", pupils=["P1"], date="2026-11-02", body="A lovely trip.\n")
    approve(run, site, "trip")
    build(run, site, "2026-11-05T10:00")
    index.write_text(index.read_text().replace("- P1\n", ""))
    assert "P1" not in index.read_text()
    (post,) = json.loads(sar(run, site, "P1", "--json"))["posts"]
    assert post["slug"] == "trip" and post["tagged"]
    index.write_text(index.read_text().replace("platforms:", "platforms: [", 1))
    (post,) = json.loads(sar(run, site, "P1", "--json"))["posts"]
    assert post["slug"] == "trip"


def test_the_words_that_went_out_are_shown_beside_an_edit_waiting(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """A post edited since its approval: the family read the edit's words as the post's,
    though the approved words are what went out. Both are shown, each said for what it is."""
    index = site.post("trip", pupils=["P1"], date="2026-11-02", body="A lovely trip.\n")
    approve(run, site, "trip")
    build(run, site, "2026-11-05T10:00")
    index.write_text(index.read_text().replace("A lovely trip.", "A lovely trip to the castle."))
    letter = sar(run, site, "P1")
    published = letter.index("#### The post's words, as published")
    waiting = letter.index("#### The words of its edit, waiting for approval (not published)")
    assert published < letter.index("> A lovely trip.\n") < waiting
    assert waiting < letter.index("> A lovely trip to the castle.")
    assert "as written" not in letter
    (post,) = json.loads(sar(run, site, "P1", "--json"))["posts"]
    assert post["text_published"]["body"] == "A lovely trip."
    # Once the edit is approved and built, one version: its words, as written.
    approve(run, site, "trip")
    assert "#### The post's words, as written" in sar(run, site, "P1")


def test_a_named_pupils_change_for_one_platform_is_told_as_such(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """Elin's family says no to Instagram. The post names her and was meant for Instagram
    too, so it comes down everywhere (SG111). The letter said "held back (for example because
    a consent changed)" and "Because consent no longer covers it, it must be taken down" for
    Facebook and the website, beside a table where both still read yes."""
    site.post(
        "poem",
        pupils=["P3"],
        named=["P3"],
        date="2026-11-02",
        platforms=["website", "facebook", "instagram"],
        body="Elin Ffion wrote a wonderful poem.\n",
    )
    approve(run, site, "poem")
    build(run, site, "2026-11-05T10:00")
    assert run(site, "posted", "poem", "--platform", "facebook", now="2026-11-05T11:00").code == 0
    site.register(
        REGISTER.replace(
            "P3,Elin Ffion,Davies,Year 4,yes,yes,yes", "P3,Elin Ffion,Davies,Year 4,yes,yes,no"
        )
    )
    build(run, site, "2026-11-20T10:00")
    letter = run(site, "sar", "P3", now="2026-11-20T11:00").out
    assert (
        "approved earlier, but now held back: it names Elin Ffion, who may not appear on "
        "Instagram, and a post that names a pupil goes nowhere unless every place it is meant "
        "for allows them." in letter
    ), letter
    assert (
        "Because it names Elin Ffion, who may not appear on Instagram, it must be taken down; "
        "the school has not recorded doing so yet." in letter
    )
    assert "consent no longer covers it" not in letter


def test_a_post_edited_since_its_approval_says_the_withdrawal_holds_it_back(
    run, site: SiteDir
) -> None:  # type: ignore[no-untyped-def]
    """The status line said only "edited after it was approved: the edit is not published
    until it is approved again", as if approving the edit would publish it."""
    index = site.post("trip", pupils=["P1"], date="2026-11-02", platforms=["website"])
    approve(run, site, "trip")
    build(run, site, "2026-11-05T10:00")
    index.write_text(index.read_text().replace("wonderful", "marvellous"))
    site.withdraw("P1", "2026-11-20")
    (post,) = json.loads(sar(run, site, "P1", "--json", now="2026-11-21T09:00"))["posts"]
    assert post["status"] == "stale"
    assert post["status_words"] == (
        "edited after it was approved, and held back because consent was withdrawn"
    )


def test_a_pupil_tagged_on_no_photo_is_not_said_to_be_named(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """SG111 holds back a post that tags a pupil on none of its photos as it does one that
    names them; the letter said "it names Osian" beside "Its words do not name Osian"."""
    site.post("choir", pupils=["P6"], date="2026-11-02", platforms=["website", "facebook", "x"])
    approve(run, site, "choir")
    build(run, site, "2026-11-05T10:00")
    site.register(
        REGISTER.replace(
            "P6,Siân,Llŷr,Year 2,yes,yes,yes,yes", "P6,Siân,Llŷr,Year 2,yes,yes,yes,no"
        )
    )
    build(run, site, "2026-11-20T10:00")
    letter = run(site, "sar", "P6", now="2026-11-20T11:00").out
    assert (
        "approved earlier, but now held back: it tags, on none of its photos, Siân, who may not "
        "appear on X (Twitter), and a post that tags a pupil goes nowhere unless every place "
        "it is meant for allows them." in letter
    ), letter
    assert "it names Siân" not in letter


def test_words_and_kept_copies_never_published_are_not_said_to_be(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """A post approved for a later date, then edited: "The post's words, as published" sat
    under "Nowhere: it was never put on the website or exported". And the approved copy kept
    of a deleted post that never went out was "its record of what it published"."""
    index = site.post("concert", pupils=["P1"], date="2026-12-20", body="A lovely concert.\n")
    approve(run, site, "concert")
    build(run, site, "2026-11-05T10:00")
    index.write_text(index.read_text().replace("lovely", "wonderful"))
    letter = sar(run, site, "P1", now="2026-11-06T09:00")
    assert "Nowhere: it was never put on the website or exported." in letter
    assert "#### The post's words, as approved (not published)" in letter
    assert "as published" not in letter
    shutil.rmtree(index.parent)
    (post,) = json.loads(sar(run, site, "P1", "--json", now="2026-11-06T09:00"))["posts"]
    assert post["deleted"] and post["status_words"] == (
        "deleted from the news system since; the school keeps the copy a senior leader approved"
    )


def test_a_pupil_under_safeguarding_who_left_the_register(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """Tomos, under safeguarding, leaves: his SAR went out with no word to check who asks
    (its --json history says he was), and a letter said "the posts and records below still
    mention them" above "No news post shows ... pupil P4"."""
    lines = REGISTER.strip().splitlines()
    rows = [lines[0] + ",safeguarding"]
    rows += [line + (",yes" if line.startswith("P4,") else ",no") for line in lines[1:]]
    site.register("\n".join(rows) + "\n")
    build(run, site, "2026-11-05T10:00")
    site.register("\n".join(r for r in rows if not r.startswith("P4,")) + "\n")
    build(run, site, "2026-11-06T10:00")
    result = run(site, "sar", "P4", now="2026-11-07T09:00")
    assert result.code == 0
    assert "is under safeguarding: before sending this, check who is asking" in result.err
    assert (
        "Pupil P4 is not in the school's consent register: taken out of it on 6 November 2026."
        in result.out
    )
    assert "still mention them" not in result.out


def test_a_post_held_back_by_safeguarding_gives_no_false_reason(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """Mia goes under safeguarding: her posts come down, and her letter said each was "held
    back (for example because a consent changed)" beside a consent table of yeses and a
    history with no change (found by the exports tour). No reason is given: safeguarding is
    never told in the letter."""
    posted_trip(run, site)
    lines = REGISTER.strip().splitlines()
    rows = [lines[0] + ",safeguarding"]
    rows += [line + (",yes" if line.startswith("P1,") else ",no") for line in lines[1:]]
    site.register("\n".join(rows) + "\n")
    build(run, site, "2026-11-06T10:00")
    letter = sar(run, site, "P1", now="2026-11-07T09:00")
    assert "approved earlier, but now held back by the school's checks" in letter
    assert "consent changed" not in letter and "safeguarding" not in letter


def test_the_letter_counts_an_edit_that_took_the_pupil_out_as_their_copy_coming_down(
    run, site: SiteDir
) -> None:  # type: ignore[no-untyped-def]
    """Withdrawn on 6 November; on 10 November an edit takes Mia out and goes out in place of
    the copies that showed her. The letter said "Since then no post shows Mia" beside its own
    list of copies up until 10 November. And a consent that ended before a withdrawal to
    come is told as ended, not as "from [the withdrawal] no post shows Mia"."""
    posted_trip(run, site)
    site.withdraw("P1", "2026-11-06")
    site.post(
        "trip",
        pupils=[],
        date="2026-11-02",
        platforms=["website", "facebook"],
        images=[{"file": "b.jpg", "alt": "The sand", "pupils": []}],
    )
    assert run(site, "approve", "trip", "--by", "head", now="2026-11-10T09:00").code == 0
    build(run, site, "2026-11-10T10:00")
    # (the copy that showed her comes off first, recorded; then the edit posted in its place)
    put_right = ["takedown", "--done", "trip", "--platform", "facebook"]
    assert run(site, *put_right, now="2026-11-10T10:30").code == 0
    assert run(site, "posted", "trip", "--platform", "facebook", now="2026-11-10T11:00").code == 0
    done = run(site, "takedown", "--done", "trip", "--platform", "website", now="2026-11-10T12:00")
    assert done.code == 0, done.err  # (the site, built without her photo, uploaded by hand)
    letter = run(site, "sar", "P1", now="2026-11-12T09:00").out
    assert (
        "Since then no new post shows Mia; the last copy that went out before came down on "
        "10 November 2026" in letter
    ), letter


def test_a_consent_ended_before_a_withdrawal_to_come_is_told_as_ended(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    lines = REGISTER.strip().splitlines()
    rows = [lines[0] + ",consent_until"] + [line + "," for line in lines[1:]]
    rows = [
        r.replace(
            "P1,Mia,Jones,Year 4,yes,yes,yes,yes,no,,",
            "P1,Mia,Jones,Year 4,yes,yes,yes,yes,no,2026-12-20,2026-11-10",
        )
        for r in rows
    ]
    site.register("\n".join(rows) + "\n")
    letter = run(site, "sar", "P1", now="2026-11-12T09:00").out
    assert "Consent for Mia was given until 10 November 2026, and has ended." in letter, letter
    assert "is withdrawn from 20 December 2026: from that day" not in letter


def test_a_post_whose_approval_was_taken_back_says_it_went_out_before(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """Approved, published, then its approval taken back: the report called it "a draft, not
    approved for publication" above the lines saying where it went."""
    site.post("fair", pupils=["P1"], platforms=["website"], date="2026-11-02")
    approve(run, site, "fair")
    build(run, site, "2026-11-05T10:00")
    assert run(site, "unapprove", "fair", "--by", "head", now="2026-11-06T09:00").code == 0
    build(run, site, "2026-11-06T10:00")
    (post,) = run(site, "sar", "P1", "--json").json()["posts"]
    assert post["status"] == "submitted"
    assert post["status_words"] == (
        "published earlier; its approval was taken back, and it is not published now: it "
        "waits for a senior leader's approval again"
    )


def test_an_edited_post_whose_approved_version_is_held_back_says_so(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """Edited after its approval, then another pupil in it left the register: the approved
    version came down too, but the report said only "the edit is not published until it is
    approved again", as though the approved version were still up."""
    index = site.post("fair", pupils=["P1", "P2"], platforms=["website"], date="2026-11-02")
    approve(run, site, "fair")
    build(run, site, "2026-11-05T10:00")
    index.write_text(index.read_text().replace("wonderful", "marvellous"))
    (post,) = run(site, "sar", "P1", "--json").json()["posts"]
    assert post["status_words"].startswith("edited after it was approved: the edit is not")
    site.register(
        "\n".join(line for line in REGISTER.splitlines() if not line.startswith("P2,")) + "\n"
    )
    (post,) = run(site, "sar", "P1", "--json").json()["posts"]
    assert post["status_words"] == (
        "edited after it was approved, and the approved version is held back too (a consent "
        "or the register changed): it is not published now"
    )


def test_a_photo_of_a_post_that_cannot_be_read_is_not_said_to_be_gone(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """A photo a post lists that is not in its folder (not copied yet, a link): "could not be
    read", not "the school no longer holds it", which is for photos `records prune` removed
    (found by a review)."""
    site.post(
        "castle",
        pupils=["P1"],
        date="2026-11-02",
        images=[{"file": "towers.jpg", "alt": "The towers", "pupils": ["P1"]}],
    )
    page = sar(run, site, "P1", "--format", "html")
    assert "(This photo could not be read to make a copy.)" in page
    assert "no longer holds this photo" not in page
    letter = sar(run, site, "P1")
    assert "no longer in the news system" not in letter
    assert "Its file is not in the post's folder, so there is no copy of it here." in letter


def test_the_words_of_an_earlier_version_that_named_the_pupil_are_given(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """A post named Osian, went out, and was edited to leave his name out: the letter said
    "Its words do not name Osian", though the school held the earlier words and they had
    been on the website and Facebook (found by a data protection lead's tour)."""
    site.post(
        "seaside",
        body="Osian found a crab on the beach. A wonderful day was had by all.\n",
        pupils=["P2"],
        named=["P2"],
        platforms=["website", "facebook"],
        date="2026-11-02",
    )
    approve(run, site, "seaside")
    build(run, site, "2026-11-05T10:00")
    site.post(
        "seaside",
        body="A crab was found on the beach. A wonderful day was had by all.\n",
        pupils=["P2"],
        platforms=["website", "facebook"],
        date="2026-11-02",
    )
    approve(run, site, "seaside")
    build(run, site, "2026-11-06T10:00")
    letter = run(site, "sar", "P2").out
    assert "Its words do not name Osian." in letter  # (the post as it is now)
    assert "Earlier versions of 1 post that went out named Osian" in letter
    earlier = letter.split("## What earlier versions of posts said about Osian")[1]
    assert "In the text: “Osian found a crab on the beach.”" in earlier, earlier
    assert "On the school website from 5 November 2026 until 6 November 2026" in earlier
    data = run(site, "sar", "P2", "--json").json()
    (version,) = data["earlier_words"]
    assert version["slug"] == "seaside" and len(version["went"]) == 2  # (website, facebook)
    # Another pupil named in those words is taken out, as everywhere in the report.
    mia = run(site, "sar", "P1").out
    assert "Osian found a crab" not in mia
    # A record damaged by hand (JSON nested ten thousand deep) is no record, and no traceback.
    versions = site.root / "content/records/approved/versions"
    for record in versions.glob("*.json"):
        record.write_text("[" * 100_000)
    assert "What earlier versions of posts said" not in run(site, "sar", "P2").out
    # Once `records prune` has removed those words, they are not held: nothing to quote.
    assert run(site, "records", "prune").code == 0
    assert "What earlier versions of posts said" not in run(site, "sar", "P2").out


def test_a_change_of_consent_says_when_and_by_whom_the_register_records_it(
    run, site: SiteDir
) -> None:  # type: ignore[no-untyped-def]
    """A father asks, on 20 November, for no Instagram: the school changes the cell and
    writes the day and who in consent_given_on and given_by. The history said only when a
    build found the change ("25 November: Instagram changed from yes to no"), so the lead
    could not show the regulator who asked, and when (found by a data protection lead's
    tour); the first consent's day and giver stay in the history."""
    lines = REGISTER.strip().splitlines()
    first = [lines[0] + ",consent_given_on,given_by"]
    first += [line + ",2026-09-03,mother" for line in lines[1:]]
    site.register("\n".join(first) + "\n")
    build(run, site, "2026-11-05T10:00")
    changed = [
        row.replace(
            "P3,Elin Ffion,Davies,Year 4,yes,yes,yes,", "P3,Elin Ffion,Davies,Year 4,yes,yes,no,"
        ).replace(",,2026-09-03,mother", ",,2026-11-20,father")
        if row.startswith("P3,")
        else row
        for row in first
    ]
    site.register("\n".join(changed) + "\n")
    build(run, site, "2026-11-25T10:00")
    text = sar(run, site, "P3")
    assert "5 November 2026: as first read in the register" in text
    assert (
        "25 November 2026: Instagram changed from yes to no (the register records it as given "
        "on 20 November 2026 by father)" in text
    ), text
    # Only what was written with the change: a new giver alone gives no date (the first
    # consent's was told as this change's: found by a review).
    again = [
        "P3,Elin Ffion,Davies,Year 4,yes,yes,no,no,full,,2026-11-20,carer"
        if row.startswith("P3,")
        else row
        for row in changed
    ]
    site.register("\n".join(again) + "\n")
    build(run, site, "2026-11-26T10:00")
    text = sar(run, site, "P3", now="2026-11-27T09:00")
    assert (
        "X (Twitter) changed from yes to no (the register records it as given by carer)" in text
    ), text


def test_earlier_words_are_those_no_version_says_now(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """Compared by what they say of the pupil, wherever they say it: a full stop made a "!"
    had the letter quote, as no longer said, a sentence the post still says; a photo's
    description that named him, changed since, was not told at all (found by a review)."""
    image = {"file": "crab.jpg", "alt": "Osian holding the crab he found", "pupils": ["P2"]}
    site.post(
        "seaside",
        body="Osian found a crab on the beach. A wonderful day was had by all.\n",
        files={"crab.jpg": "beach"},
        pupils=["P2"],
        named=["P2"],
        platforms=["website"],
        date="2026-11-02",
        images=[image],
    )
    approve(run, site, "seaside")
    build(run, site, "2026-11-05T10:00")
    site.post(
        "seaside",
        body="Osian found a crab on the beach. A wonderful day was had by all!\n",
        pupils=["P2"],
        named=["P2"],
        platforms=["website"],
        date="2026-11-02",
        images=[{**image, "alt": "A crab on the sand"}],
    )
    approve(run, site, "seaside")
    build(run, site, "2026-11-06T10:00")
    (version,) = run(site, "sar", "P2", "--json").json()["earlier_words"]
    assert [m["excerpt"] for m in version["mentions"]] == ["Osian holding the crab he found"]
