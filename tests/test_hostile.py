"""Hostile input on small whole sites: names hidden everywhere, odd files, odd YAML, odd records.

Each test names the class of issue 14 it shows; every one failed on the code before it.
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.text import fold, fold_markup, squashed
from tests.conftest import REGISTER, REPO, SiteDir

NOW = "2026-11-25T12:00"


def findings(run, site: SiteDir, slug: str = "p") -> list[dict]:  # type: ignore[no-untyped-def]
    report = run(site, "check", "--json").json()
    (post,) = [p for p in report["posts"] if p["slug"] == slug]
    return post["findings"]


def codes(run, site: SiteDir, slug: str = "p") -> set[str]:  # type: ignore[no-untyped-def]
    return {f["code"] for f in findings(run, site, slug)}


def messages(run, site: SiteDir, slug: str = "p") -> str:  # type: ignore[no-untyped-def]
    return "\n".join(f["message"] for f in findings(run, site, slug))


def approve(run, site: SiteDir, *slugs: str):  # type: ignore[no-untyped-def]
    return run(site, "approve", *slugs, "--by", "head", now="2026-11-01T09:00")


# --- 1. names and ids in strings that were never scanned ------------------------------------


@pytest.mark.parametrize(
    ("where", "meta", "body"),
    [
        ("tags", {"tags": ["art", "mia-jones"]}, "A day."),
        ("tags", {"tags": ["art", "P1"]}, "A day."),
        ("body", {}, "See [the gallery](https://example.com/Mia-Jones/)."),
        ("href attribute", {}, 'See <a href="https://example.com/mia-jones">this</a>.'),
        ("src attribute", {}, '<img src="https://example.com/p1.jpg" alt="a picture">'),
        ("body", {}, "Photos at https://example.com/gallery?child=Mia%20Jones"),
    ],
)
def test_names_and_ids_in_tags_and_addresses_are_found(run, site, where, meta, body) -> None:  # type: ignore[no-untyped-def]
    site.post("p", body=body + "\n", **meta)
    found = [f for f in findings(run, site) if f["code"] == "SG114"]
    assert found and any(where in f["message"] for f in found), found


def test_a_name_in_the_folder_name_is_found_and_never_published(run, site) -> None:  # type: ignore[no-untyped-def]
    site.post("mia-jones-wins-the-cup", title="A cup is won")
    (finding,) = findings(run, site, "mia-jones-wins-the-cup")
    assert finding["code"] == "SG114" and "folder name" in finding["message"]
    assert "rename the post's folder" in finding["message"] and finding["line"] is None
    assert approve(run, site, "mia-jones-wins-the-cup").code == 1


def test_new_never_puts_a_name_or_id_in_a_folder_name(run, site) -> None:  # type: ignore[no-untyped-def]
    for title in (
        "Mia Jones wins the cup",
        "MiaJones wins the cup",
        "Well done P1: the cup",
        "Mia's cup",
    ):
        result = run(site, "new", title, "--author", "jjones", "--date", "2026-11-20")
        assert result.code == 0, result.err
    folders = sorted(p.name for p in (site.root / "content/posts").iterdir())
    assert all("mia" not in f and "jones" not in f and "p1" not in f for f in folders), folders
    assert {"2026-11-20-wins-the-cup", "2026-11-20-wins-the-cup-2"} <= set(folders)
    assert "2026-11-20-cup" in folders  # (not "s-cup": the possessive went with the name)
    # A Welsh title's mutated first name (Fia: Mia) is a name too.
    made = run(site, "new", "Da iawn Fia", "--author", "jjones", "--date", "2026-11-21")
    assert made.code == 0 and (site.root / "content/posts/2026-11-21-da-iawn").is_dir()


def test_new_leaves_out_names_written_with_hyphens_and_apostrophes(run, site) -> None:  # type: ignore[no-untyped-def]
    site.register(
        REGISTER
        + "P7,Lily-Mae,O'Brien,Year 2,yes,yes,yes,yes,no,\n"
        + "P8,Tomos,Morgan-Williams,Year 5,yes,yes,yes,yes,no,\n"
    )
    for day, title in enumerate(
        (
            "Poetry winners Tomos Morgan-Williams",
            "Hwyl i Morgan-Williams",
            "Lily-Mae wins",
            "O'Brien wins",
            "Llongyfarchiadau o'r dosbarth",  # (Welsh "o": a word of O'Brien, not a name)
            "Well done Lily and Tomos",  # (Lily-Mae is called Lily: check finds it)
            "Mae Blwyddyn 2 yn mynd",  # (but "Mae", its later part, is a Welsh word: it stays)
        ),
        start=10,
    ):
        made = run(site, "new", title, "--author", "jjones", "--date", f"2026-11-{day}")
        assert made.code == 0, made.err
    folders = sorted(p.name for p in (site.root / "content/posts").iterdir())
    assert folders == [
        "2026-11-10-poetry-winners",
        "2026-11-11-hwyl-i",
        "2026-11-12-wins",
        "2026-11-13-wins",
        "2026-11-14-llongyfarchiadau-o-r-dosbarth",
        "2026-11-15-well-done-and",
        "2026-11-16-mae-blwyddyn-2-yn-mynd",
    ]


# --- 2. disguises ---------------------------------------------------------------------------

DISGUISES = [
    "Well done \u202esenoJ aiM\u202c!",  # a right-to-left override shows it as "Mia Jones"
    "Well done <https://example.com/Mia-Jones>!",  # an autolink
    "Write to mia.jones@example.com",  # an e-mail address
    "Well done MiaJones",
    "Well done #MiaJones",
    "Well done #WellDoneMiaJones",
    "Well done #welldonemiajones",
    "Well done mia_jones",
    "Well done Mi\u2066a Jo\u2069nes",  # bidi isolates inside the words
    "Well done M\ufe0fia Jones",  # a variation selector
    "Well done Mi\x07a Jones",  # a control character
    "Well done \u13b7ia Jones",  # Cherokee letter M
    "Well done \u041cia Jones",  # Cyrillic letter M
    "Well done Mia&#32;Jones",
]


@pytest.mark.parametrize("body", DISGUISES)
def test_disguised_full_names_are_found(run, site, body: str) -> None:  # type: ignore[no-untyped-def]
    site.post("p", body=body + "\n")
    assert "SG114" in codes(run, site), body


def test_first_names_joined_in_a_hashtag_are_found_for_tagged_pupils(run, site) -> None:  # type: ignore[no-untyped-def]
    site.post("p", body="#WellDoneMia and #GoTeam\n", pupils=["P1"], platforms=["website"])
    assert "SG114" in codes(run, site)
    site.post("p", body="#Miami trip\n", pupils=["P1"], platforms=["website"])
    found = run(site, "check", "--json").json()["posts"][0]["findings"]
    # (a name run into other words may be chance: a warning to check, never an error)
    assert [f["severity"] for f in found if f["code"] == "SG114"] == ["warning"]


def test_messages_never_print_raw_control_characters(run, site) -> None:  # type: ignore[no-untyped-def]
    site.post(
        "p",
        body="Well done \u202esenoJ aiM\u202c!\n",
        images=[{"file": "a\x1b[31m\u202e.jpg", "alt": "A castle", "pupils": []}],
    )
    result = run(site, "check")
    assert "\x1b" not in result.out and "\u202e" not in result.out
    assert "\\u001b[31m\\u202e.jpg" in result.out  # the file name is shown, not obeyed
    assert "\u201cMia Jones\u201d" in result.out  # the name as a reader sees it


# --- 3. Welsh mutations ---------------------------------------------------------------------

WELSH_REGISTER = (
    REGISTER
    + "P7,Gwen,Morgan,Year 4,yes,yes,yes,yes,no,\nP8,Catrin,Rees,Year 4,yes,yes,yes,yes,no,\n"
)


@pytest.mark.parametrize(
    ("pupil", "body", "severity"),
    [
        ("P4", "Llongyfarchiadau i Domos am ei waith.", "error"),  # Tomos, soft
        ("P4", "Roedd fy Nhomos wrth ei fodd.", "error"),  # Tomos, nasal
        ("P4", "Aeth hi a Thomos i'r castell.", "error"),  # Tomos, aspirate
        ("P8", "Diolch i Gatrin.", "error"),  # Catrin, soft
        ("P8", "Roedd fy Nghatrin yn canu.", "error"),  # Catrin, nasal
        ("P8", "Aeth ef a Chatrin adref.", "error"),  # Catrin, aspirate
        ("P7", "Roedd fy ngwen yn hapus.", "warning"),  # Gwen, nasal, also "ngwên" (a smile)
        # Written as a name is (a capital), it is one: published as a warning (a tour).
        ("P7", "Roedd fy Ngwen yn hapus.", "error"),
        ("P7", "Da iawn, Wen, am ganu'r unawd!", "error"),
        ("P7", "Mae'r tŷ yn wen.", "warning"),  # "wen": white, or Gwen after "i"
    ],
)
def test_welsh_mutations_of_tagged_first_names(run, site, pupil, body, severity) -> None:  # type: ignore[no-untyped-def]
    if not Path("/usr/lib/aspell/cy.multi").exists():
        pytest.fail("aspell-cy is missing: `make test` installs it")
    site.register(WELSH_REGISTER)
    site.post("p", body=body + "\n", pupils=[pupil], lang="cy", platforms=["website"])
    found = [f for f in findings(run, site) if f["code"] == "SG114"]
    assert [f["severity"] for f in found] == [severity], found
    assert "mutation" in found[0]["message"]
    # The same words in an English post are not read as Welsh.
    site.post("p", body=body + "\n", pupils=[pupil], lang="en", platforms=["website"])
    assert "SG114" not in codes(run, site)


# --- 4. consent bypasses through odd input --------------------------------------------------


def test_a_register_with_a_platform_column_twice_is_invalid(run, site) -> None:  # type: ignore[no-untyped-def]
    header, *rows = REGISTER.splitlines()
    site.register("\n".join([header + ",instagram", *(r + ",no" for r in rows)]) + "\n")
    report = run(site, "check", "--json").json()
    assert any("twice" in f["message"] for f in report["register"])
    site.post("p", pupils=["P1"], platforms=["website"])
    assert "SG160" in codes(run, site)


def test_the_same_photo_listed_twice_is_an_error(run, site) -> None:  # type: ignore[no-untyped-def]
    site.post(
        "p",
        files={"a.jpg": "castle"},
        pupils=["P1", "P2"],
        platforms=["website", "instagram"],
        images=[
            {"file": "a.jpg", "alt": "The castle", "pupils": ["P1"]},
            {"file": "a.jpg", "alt": "The castle again", "pupils": ["P2"]},  # P2: no instagram
        ],
    )
    assert "listed twice" in messages(run, site)
    assert approve(run, site, "p").code == 1


@pytest.mark.parametrize(
    "raw",
    [
        "pupils: ~\n",
        "pupils:\n",
        "pupils: []\nnamed: ~\n",
        "pupils: [P1]\nimages:\n  - file: a.jpg\n    alt: The castle\n",  # no pupils on it
        "pupils: [P1]\nimages:\n  - file: a.jpg\n    alt: The castle\n    pupils: ~\n",
    ],
)
def test_nothing_may_silently_mean_no_children(run, site, raw: str) -> None:  # type: ignore[no-untyped-def]
    header = "title: A day\ndate: 2026-11-20\nauthor: jjones\nplatforms: [website]\n" + raw
    site.post("p", raw=f"---\n{header}---\nA day.\n", files={"a.jpg": "castle"})
    assert "SG100" in codes(run, site)


def test_a_linked_post_folder_is_refused_and_approve_writes_nothing_outside(
    run, site, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "index.md").write_text(
        "---\ntitle: A day\ndate: 2026-11-20\nauthor: jjones\nplatforms: [website]\n"
        "pupils: []\n---\nA day.\n"
    )
    before = (outside / "index.md").read_bytes()
    (site.root / "content/posts/linked").symlink_to(outside)
    (finding,) = findings(run, site, "linked")
    assert finding["code"] == "SG100" and "symbolic link" in finding["message"]
    assert approve(run, site, "linked").code == 1
    assert (outside / "index.md").read_bytes() == before
    assert run(site, "build").code == 0
    assert not (site.root / "build/site/posts/linked").exists()


# --- 5. CSV formula injection ---------------------------------------------------------------


def test_bulk_csv_cells_never_start_a_formula(run, site) -> None:  # type: ignore[no-untyped-def]
    site.post(
        "p",
        title='=HYPERLINK("http://evil.example","click")',
        summary="",
        body="@SUM(1+1)\n",
        platforms=["website", "facebook"],
    )
    assert approve(run, site, "p").code == 0
    assert run(site, "build").code == 0
    text = (site.root / "build/exports/facebook/bulk.csv").read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[0]["text"].startswith("'=HYPERLINK")
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values())


# --- 6. hostile front matter ----------------------------------------------------------------

LAUGHS = "\n".join(
    ["lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"lol{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (LAUGHS + "\ntitle: *a8\n", "aliases"),  # a billion laughs
        ("title: &t [*t]\n", "aliases"),  # a recursive alias
        ("<<: {pupils: [P1001]}\ntitle: A day\n", "merge keys (<<)"),  # no alias needed
        ("title: !!bool maybe\n", "cannot be read"),  # an unknown value for a tag
        ("title: " + "[" * 500 + "]" * 500 + "\n", "nested"),
        ("title: A day\ndate: 0001-01-01\n", "between 1900 and 2999"),
        ("title: A day\ndate: 9999-12-31T23:59:59\n", "between 1900 and 2999"),
    ],
)
def test_hostile_front_matter_gets_a_finding_at_once(run, site, header, expected) -> None:  # type: ignore[no-untyped-def]
    base = "author: jjones\nplatforms: [website]\npupils: []\n"
    if "date:" not in header:
        base += "date: 2026-11-20\n"
    site.post("p", raw=f"---\n{header}{base}---\nA day.\n")
    site.post("good", title="A good day")
    assert expected in messages(run, site)
    assert approve(run, site, "good").code == 0
    result = run(site, "build")
    assert result.code == 0, result.err
    assert (site.root / "build/site/posts/good/index.html").exists()


def test_deeply_nested_settings_are_a_configuration_error(run, site) -> None:  # type: ignore[no-untyped-def]
    toml = (site.root / "site.toml").read_text()
    site.config(toml + "x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n")
    result = run(site, "check")
    assert result.code == 2 and "nested too deeply" in result.err and "Traceback" not in result.err


# --- 7. hostile files -----------------------------------------------------------------------


def odd_image_post(site: SiteDir, make) -> Path:  # type: ignore[no-untyped-def]
    folder = site.root / "content/posts/p"
    site.post("p", images=[{"file": "a.jpg", "alt": "The castle", "pupils": []}])
    make(folder / "a.jpg")
    return folder


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: (os.symlink("b.jpg", p), os.symlink("a.jpg", p.with_name("b.jpg"))), "link"),
        (lambda p: os.symlink("/dev/zero", p), "link"),
        (lambda p: os.symlink("/etc/passwd", p), "link"),
        (lambda p: os.mkfifo(p), "named pipe"),
        (lambda p: p.mkdir(), "a folder"),
    ],
    ids=["loop", "dev-zero", "outside", "fifo", "folder"],
)
def test_odd_files_named_like_photos(site, make, expected: str) -> None:  # type: ignore[no-untyped-def]
    """Run as a separate process with a time limit: a hang fails the test instead of the
    suite, and the memory a /dev/zero read would take is not the test runner's."""
    odd_image_post(site, make)
    site.post("good", title="A good day")
    command = [sys.executable, "-m", "sitegen", "--site", str(site.root), "--now", NOW]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run(
        [*command, "check", "--json"], capture_output=True, text=True, timeout=60, env=env
    )
    assert "Traceback" not in result.stderr, result.stderr
    report = json.loads(result.stdout)
    assert {p["slug"] for p in report["posts"]} == {"p", "good"}  # nothing left out in silence
    (post,) = [p for p in report["posts"] if p["slug"] == "p"]
    sg120 = [f for f in post["findings"] if f["code"] in ("SG120", "SG121")]
    assert sg120 and expected in sg120[0]["message"], post["findings"]
    approved = subprocess.run(
        [*command, "approve", "good", "--by", "head"], capture_output=True, timeout=60, env=env
    )
    assert approved.returncode == 0
    built = subprocess.run([*command, "build"], capture_output=True, timeout=60, env=env)
    assert built.returncode == 0 and (site.root / "build/site/posts/good").is_dir()


def test_an_index_md_that_is_a_pipe_is_a_finding(site) -> None:  # type: ignore[no-untyped-def]
    folder = site.root / "content/posts/piped"
    folder.mkdir()
    os.mkfifo(folder / "index.md")
    command = [sys.executable, "-m", "sitegen", "--site", str(site.root), "--now", NOW]
    result = subprocess.run(
        [*command, "check", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    (post,) = json.loads(result.stdout)["posts"]
    assert post["findings"][0]["code"] == "SG100" and "pipe" in post["findings"][0]["message"]


# --- 8. quadratic text, and commands over many posts -----------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "[a](" * 25_000,  # Python-Markdown reads on to the paragraph's end for each
        '<a href="' * 12_000,
        "Mia Jones, " * 10_000,  # thousands of names in one text
        "x" * 250_000,
    ],
    ids=["unclosed-links", "unclosed-tags", "many-names", "too-long"],
)
def test_a_hostile_body_gets_a_finding_and_stalls_no_other_post(site, body: str) -> None:  # type: ignore[no-untyped-def]
    """In processes of their own with a time limit: a stall fails the test, not the suite."""
    site.post("p", body=body)
    site.post("good", title="A good day")
    command = [sys.executable, "-m", "sitegen", "--site", str(site.root), "--now", NOW]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    checked = subprocess.run(
        [*command, "check", "--json"], capture_output=True, text=True, timeout=60, env=env
    )
    (post,) = [p for p in json.loads(checked.stdout)["posts"] if p["slug"] == "p"]
    assert any(f["code"] in ("SG100", "SG114") for f in post["findings"]), post["findings"][:3]
    for step in (["approve", "good", "--by", "head"], ["build"]):
        done = subprocess.run([*command, *step], capture_output=True, timeout=60, env=env)
        assert done.returncode == 0, done.stderr
    assert (site.root / "build/site/posts/good/index.html").exists()


def test_approving_many_posts_reads_the_log_once(run, site, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sitegen import approval

    for i in range(60):
        site.post(f"day-{i:03d}", title=f"Day {i}")
    reads = []
    parse = approval.parse_audit_log
    monkeypatch.setattr(approval, "parse_audit_log", lambda *a: reads.append(1) or parse(*a))
    result = approve(run, site, *(f"day-{i:03d}" for i in range(60)))
    assert result.code == 0 and result.out.count("approved ") == 60
    assert len(reads) <= 2  # the site's load and the writer's lock: not once a post
    assert run(site, "audit", "verify").code == 0


# --- 9. files and records -------------------------------------------------------------------


def test_approve_keeps_the_files_mode(run, site) -> None:  # type: ignore[no-untyped-def]
    index = site.post("p")
    index.chmod(0o664)
    assert approve(run, site, "p").code == 0
    assert stat.S_IMODE(index.stat().st_mode) == 0o664
    assert "status: approved" in index.read_text()


def test_a_ledger_that_cannot_be_written_leaves_the_previous_site(run, site, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sitegen import records

    site.post("first", title="First")
    assert approve(run, site, "first").code == 0
    assert run(site, "build").code == 0
    site.post("second", title="Second")
    assert approve(run, site, "second").code == 0

    def full_disk(root, events):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device", str(root / records.LEDGER))

    monkeypatch.setattr(records, "append", full_disk)
    result = run(site, "build")
    assert result.code == 2 and "No space left" in result.err
    assert not (site.root / "build/site/posts/second").exists()  # not live, since unrecorded
    assert (site.root / "build/site/posts/first/index.html").exists()


@pytest.mark.parametrize("damage", ["reorder", "alter", "drop"])
def test_a_damaged_audit_log_blocks_every_approval(run, site, damage: str) -> None:  # type: ignore[no-untyped-def]
    for slug in ("one", "two", "three"):
        site.post(slug, title=slug)
    assert approve(run, site, "one", "two", "three").code == 0
    log = site.root / "content/records/audit.jsonl"
    lines = log.read_text().splitlines()
    if damage == "reorder":
        lines[1], lines[2] = lines[2], lines[1]
    elif damage == "alter":
        lines[2] = lines[2].replace('"head"', '"deputy"')
    else:
        del lines[1]
    log.write_text("\n".join(lines) + "\n")
    assert all("audit log is broken" in messages(run, site, s) for s in ("one", "two", "three"))
    assert run(site, "audit", "verify").code == 1
    site.post("four", title="four")
    refused = approve(run, site, "four")
    assert refused.code == 1 and "repaired" in refused.err
    # A leader starts the log again; the damaged one is kept; every post is approved again.
    assert run(site, "audit", "repair", "--by", "head").code == 0
    assert list(log.parent.glob("audit.damaged-*.jsonl"))
    assert approve(run, site, "one", "two", "three", "four").code == 0
    assert run(site, "audit", "verify").code == 0


def test_audit_verify_checks_each_approval_names_its_post(run, site) -> None:  # type: ignore[no-untyped-def]
    site.post("p", title="A day")
    assert approve(run, site, "p").code == 0
    posts = site.root / "content/posts"
    (posts / "p").rename(posts / "renamed")
    result = run(site, "audit", "verify")
    assert result.code == 1 and "records post 'p'" in result.err


# --- 10. small things -----------------------------------------------------------------------


def test_type_errors_say_what_each_key_holds(run, site) -> None:  # type: ignore[no-untyped-def]
    header = (
        "title: A day\ndate: 2026-11-20\nauthor: jjones\npupils: []\n"
        "platforms: website\ntags: [1, true, null]\n"
    )
    site.post("p", raw=f"---\n{header}---\nA day.\n")
    text = messages(run, site)
    assert "platforms: [website, facebook]" in text and "P1042" not in text
    assert 'item 2 of "tags" (True)' in text and 'item 3 of "tags" (empty)' in text


def test_tags_are_words_and_case_or_width_make_one_tag(run, site) -> None:  # type: ignore[no-untyped-def]
    site.post("p", tags=["..", "."])
    assert [f["code"] for f in findings(run, site)] == ["SG100", "SG100"]
    site.post("p", tags=["Art", "ART", "\uff21\uff52\uff54"])
    assert findings(run, site) == []
    assert approve(run, site, "p").code == 0 and run(site, "build").code == 0
    assert [p.name for p in (site.root / "build/site/tags").iterdir()] == ["art"]
    page = (site.root / "build/site/posts/p/index.html").read_text()
    assert page.count('href="/tags/art/"') == 1 or page.count("tags/art/") == 1


# --- a property: a disguised name, in any string a post publishes, is found and never published

FULL_NAMES = {"P1": "Mia Jones", "P2": "Osian Pritchard", "P4": "Tomos Bowen", "P6": "Siân Llŷr"}
INVISIBLES = [
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\u00ad",
    "\ufeff",
    "\u2066",
    "\u2069",
    "\ufe0f",
]
LOOK_ALIKES = {
    "a": "\u0430",
    "o": "\u043e",
    "i": "\u0456",
    "e": "\u0435",
    "M": "\u041c",
    "T": "\u0422",
}


def shapes(name: str) -> list[str]:
    first, last = name.split(" ", 1)
    return [
        name,
        f"{first}\n{last}",
        f"**{first}** {last}",
        f"{first}&nbsp;{last}",
        f"{first}{last}",
        f"#{first}{last}",
        f"#WellDone{first}{last}",
        f"{first.lower()}.{last.lower()}@example.com",
        f"<https://example.com/{first}-{last}>",
        f"https://example.com/?who={first}%20{last}",
        f"{first}_{last}",
        "\u202e" + name[::-1] + "\u202c",
    ]


@st.composite
def disguised(draw: st.DrawFn) -> tuple[str, str]:
    pupil = draw(st.sampled_from(sorted(FULL_NAMES)))
    text = draw(st.sampled_from(shapes(FULL_NAMES[pupil])))
    chars = list(text)
    for _ in range(draw(st.integers(0, 3))):  # invisible characters inside the words
        at = draw(st.integers(1, max(1, len(chars) - 1)))
        chars.insert(at, draw(st.sampled_from(INVISIBLES)))
    if draw(st.booleans()):  # look-alike letters of other scripts
        chars = [LOOK_ALIKES.get(c, c) if draw(st.booleans()) else c for c in chars]
    if draw(st.booleans()):  # fullwidth forms
        chars = [chr(ord(c) + 0xFEE0) if c.isascii() and c.isalpha() else c for c in chars]
    if draw(st.booleans()):
        chars = [c.upper() for c in chars]
    return pupil, "".join(chars)


FIELDS = ["title", "summary", "tag", "alt", "caption", "body"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(case=disguised(), field=st.sampled_from(FIELDS))
def test_a_disguised_name_anywhere_is_found_and_never_published(run, site, case, field) -> None:  # type: ignore[no-untyped-def]
    pupil, text = case
    image = {"file": "a.jpg", "alt": "The castle", "caption": "", "pupils": []}
    meta: dict = {"title": "A day", "summary": "", "tags": ["trips"], "images": [image]}
    if field == "tag":
        meta["tags"] = ["trips", text]
    elif field in ("alt", "caption"):
        image[field] = f"Well done {text}"
    elif field != "body":
        meta[field] = f"Well done {text}"
    body = f"Well done {text}!\n" if field == "body" else "A day.\n"
    site.post("p", body=body, files={"a.jpg": "castle"}, **meta)
    found = [f for f in findings(run, site) if f["code"] == "SG114"]
    assert any(f["severity"] == "error" and f["pupil"] == pupil for f in found), (text, found)
    assert approve(run, site, "p").code == 1
    assert run(site, "build").code == 0
    name = squashed(fold(FULL_NAMES[pupil]))
    for path in (site.root / "build").rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json", ".txt", ".csv"):
            published = fold_markup(path.read_text(encoding="utf-8", errors="replace")).text
            assert name not in squashed(published), path


SPELLINGS = (
    "P20,Rosie,Mcdonald,Year 3,yes,yes,yes,yes,no,\n"
    "P21,Łukasz,Wiśniewski,Year 3,yes,yes,yes,yes,no,\n"
    "P22,Oskar,Sørensen,Year 3,yes,yes,yes,yes,no,\n"
    "P23,Sinéad,O’Brien,Year 3,yes,yes,yes,yes,no,\n"
    "P24,Cai,O'Neill,Year 3,yes,yes,yes,yes,no,\n"
    "P25,Mary-Jane,Pritchard-Jones,Year 3,yes,yes,yes,yes,no,\n"
)


@pytest.mark.parametrize(
    ("written", "pupil"),
    [
        ("Rosie McDonald", "P20"),  # (the register: Mcdonald)
        ("Lukasz Wisniewski", "P21"),  # Ł typed as L
        ("Oskar Sorensen", "P22"),  # Ø typed as O
        ("Sinead O'Brien", "P23"),  # a straight apostrophe for the register's curly one
        ("Cai O’Neill", "P24"),  # and the other way round
        ("Mary-Jane Pritchard Jones", "P25"),  # a hyphenated surname written with a space
        ("Mary Jane Pritchard\u2013Jones", "P25"),  # an en dash
        ("Mary-Jane Pritchard\u2011Jones", "P25"),  # a non-breaking hyphen
        ("MIA JONES", "P1"),
        ("Mia\u3164Jones", "P1"),  # a Hangul filler, which shows as a blank
        ("\u1d0d\u026a\u1d00 \u1d0a\u1d0f\u0274\u1d07\ua731", "P1"),  # small capitals
    ],
)
def test_a_full_name_written_another_common_way_is_found(
    run, site, written: str, pupil: str
) -> None:  # type: ignore[no-untyped-def]
    """Each was published on every platform with 0 errors (found by a security review)."""
    site.register(REGISTER + SPELLINGS)
    site.post("p", pupils=[], body=f"Well done to {written} for reading fifty books.\n")
    found = [f for f in findings(run, site) if f["code"] == "SG114"]
    assert [f["pupil"] for f in found] == [pupil], found


@pytest.mark.parametrize(
    "body",
    [
        "Thank you to Mrs Jones. Mia read her poem beautifully.",
        "Thanks to Mr Owen, Cai's teacher, for the photos.",
        "Mrs Evans may collect the children at 3pm.",
        "We planted rosemary and thyme.",
        "Congratulations to Morgan Lewis, who won the race.",
    ],
)
def test_a_surname_then_a_first_name_is_no_full_name(run, site, body: str) -> None:  # type: ignore[no-untyped-def]
    """A teacher's surname before the next word, another pupil's name turned round, a word
    that holds one: never a pupil's full name. (Surname-first matching, tried for "Jones,
    Mia", blocked all of these: found by a review, and taken out.)"""
    site.register(
        REGISTER
        + "P30,Cai,Owen,Year 3,yes,yes,yes,yes,no,\nP31,Ella May,Evans,Year 3,yes,yes,yes,yes,no,\n"
        + "P32,Mary,Rose,Year 3,yes,yes,yes,yes,no,\nP33,Lewis,Morgan,Year 3,yes,yes,yes,yes,no,\n"
        + "P34,Morgan,Lewis,Year 3,yes,yes,yes,yes,full,\n"
    )
    site.post("p", pupils=["P1", "P30", "P34"], named=["P1", "P30", "P34"], body=body + "\n")
    said = [f["message"] for f in findings(run, site) if f["code"] == "SG114"]
    assert [m for m in said if "full name" in m] == [], said


def test_a_surname_with_no_letter_makes_no_full_name(run, site) -> None:  # type: ignore[no-untyped-def]
    """A register's "-" for a surname it lacks: "Mia" alone is no full name (and nothing
    crashes: an IndexError in check, build, sar and takedown, found by a review)."""
    site.register(
        REGISTER + "P9,Mia,-,Year 4,yes,yes,yes,yes,no,\nP10,',Owen,Year 4,no,no,no,no,no,\n"
    )
    site.post("p", pupils=[], body="Mia and Owen went to the castle.\n")
    result = run(site, "check", "--json")
    assert result.code in (0, 1), result.err
    (post,) = result.json()["posts"]
    assert [f for f in post["findings"] if f["code"] == "SG114"] == []


def test_a_pupils_name_in_the_authors_name_is_found(run, site) -> None:  # type: ignore[no-untyped-def]
    """A pupil reporter's name in [site.authors] was on every post by them, and in the feeds,
    with 0 errors (found by a security review)."""
    toml = (site.root / "site.toml").read_text()
    assert "[site.authors]\n" in toml
    site.config(
        toml.replace("[site.authors]\n", '[site.authors]\nmjones = "Mia Jones, Year 4 reporter"\n')
    )
    site.post("p", pupils=[], author="mjones")
    (found,) = [f for f in findings(run, site) if f["code"] == "SG114"]
    assert found["severity"] == "error" and found["pupil"] == "P1"
    assert (
        "“Mia Jones” (full name of P1) appears in the author's name as site.toml shows it"
        in (found["message"])
    ), found


@pytest.mark.parametrize("written", ["P-1", "P 1", "p.1", "P\u20111"])
def test_a_pupil_id_written_with_a_separator_is_found(run, site, written: str) -> None:  # type: ignore[no-untyped-def]
    """ "pupil P-1021" was published word for word (found by a security review)."""
    site.post("p", pupils=[], body=f"Well done to pupil {written} for reading.\n")
    found = [f for f in findings(run, site) if f["code"] == "SG114"]
    assert [(f["pupil"], "pupil id" in f["message"]) for f in found] == [("P1", True)], found
