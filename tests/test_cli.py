"""End-to-end CLI: the staff and leader workflow, JSON shapes, exit codes, the demo site."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from tests.conftest import NOW, REGISTER, REPO, SiteDir


def test_new_check_submit_approve_as_a_new_user(run, site):  # type: ignore[no-untyped-def]
    result = run(site, "new", "Year 4 visit Castell Coch!", "--author", "jjones")
    assert result.code == 0, result.err
    assert "content/posts/2026-11-25-year-4-visit-castell-coch/index.md" in result.out
    index = site.root / "content/posts/2026-11-25-year-4-visit-castell-coch/index.md"
    meta = yaml.safe_load(index.read_text().split("---")[1])
    for key in ("title", "date", "author", "platforms", "pupils"):
        assert key in meta
    assert meta["status"] == "draft"

    # Untouched, the template is not a post: it can be neither submitted nor approved.
    check = run(site, "check", "2026-11-25-year-4-visit-castell-coch")
    assert check.code == 1 and "SG102" in check.out and "Write your post here" in check.out
    assert run(site, "approve", "2026-11-25-year-4-visit-castell-coch", "--by", "head").code == 1

    # The member of staff names a child by mistake; check says where.
    index.write_text(index.read_text().replace("Write your post here", "Mia Jones wrote this"))
    check = run(site, "check", str(index))
    assert check.code == 1
    assert f"{index.relative_to(site.root)}:" in check.out and "SG114" in check.out
    assert run(site, "submit", "2026-11-25-year-4-visit-castell-coch").code == 1

    index.write_text(index.read_text().replace("Mia Jones wrote this", "We wrote this"))
    submitted = run(site, "submit", "2026-11-25-year-4-visit-castell-coch")
    assert submitted.code == 0 and "submitted" in submitted.out
    approved = run(site, "approve", "2026-11-25-year-4-visit-castell-coch", "--by", "head")
    assert approved.code == 0 and "approved" in approved.out
    assert run(site, "new", "Year 4 visit Castell Coch!", "--author", "jjones").code == 1


def test_new_refuses_a_day_the_calendar_has_not(run, site):  # type: ignore[no-untyped-def]
    """The folder's name is the post's address: a date that does not exist never makes one."""
    for day in ("2026-02-30", "2026-13-01"):
        result = run(site, "new", "Cup final", "--author", "jjones", "--date", day)
        assert result.code == 2 and f'--date "{day}" is not a day of the calendar' in result.err
    for day in ("0001-01-01", "3500-01-01"):  # (days `check` refuses)
        result = run(site, "new", "Cup final", "--author", "jjones", "--date", day)
        assert result.code == 2 and "must be between 1900 and 2999" in result.err
    assert not (site.root / "content/posts").exists() or not any(
        (site.root / "content/posts").iterdir()
    )
    assert run(site, "new", "Cup final", "--author", "jjones", "--date", "2028-02-29").code == 0


def test_new_writes_the_language_it_is_told(run, site):  # type: ignore[no-untyped-def]
    """A bilingual site's first language is the default; --lang gives the other, and a
    language the site does not have is refused."""
    site.config(
        (site.root / "site.toml")
        .read_text()
        .replace('language = "en"', 'language = "cy"\nlanguages = ["cy", "en"]')
    )
    made = run(site, "new", "Sports day", "--author", "jjones", "--date", "2026-11-20")
    assert made.code == 0, made.err
    welsh = (site.root / "content/posts/2026-11-20-sports-day/index.md").read_text()
    assert "lang: cy" in welsh and "Ysgrifennwch eich neges yma" in welsh  # (in its language)
    held = run(site, "check", "2026-11-20-sports-day").out
    assert "SG102 error: the post still holds the text `sitegen new` wrote" in held
    assert "SG140" not in held  # (its own placeholder read as negative: found by a tour)
    made = run(
        site, "new", "Cup final", "--author", "jjones", "--date", "2026-11-20", "--lang", "en"
    )
    assert made.code == 0, made.err
    assert "lang: en" in (site.root / "content/posts/2026-11-20-cup-final/index.md").read_text()
    refused = run(site, "new", "Le match", "--author", "jjones", "--lang", "fr")
    assert (
        refused.code == 2
        and "--lang 'fr' is not one of the site's languages (cy, en" in refused.err
    )


def test_check_json_shape_is_exactly_spec(run, site):  # type: ignore[no-untyped-def]
    site.post("p", pupils=["P2"], platforms=["website", "instagram"])
    site.register(REGISTER + "P2,Dup,Licate,Y1,yes,yes,yes,yes,no,\n")
    result = run(site, "check", "--json")
    data = result.json()
    assert set(data) == {"posts", "register", "errors", "warnings"}
    (post,) = data["posts"]
    assert set(post) == {"slug", "path", "status", "publishable", "findings"}
    assert post["path"] == "content/posts/p/index.md"
    for finding in post["findings"] + data["register"]:
        assert set(finding) == {"code", "severity", "message", "file", "line", "pupil", "platform"}
    assert data["register"][0]["code"] == "SG160"
    assert data["errors"] == len(post["findings"]) + 1
    assert result.code == 1


def test_check_says_which_platform_a_post_would_miss_even_once_approved(run, site):  # type: ignore[no-untyped-def]
    """A draft for Instagram whose only photo shows P2 (no Instagram consent): the teacher is
    told now, not by the build's report.json after approval."""
    site.post(
        "p",
        files={"a.jpg": "castle"},
        pupils=["P2"],
        platforms=["website", "instagram"],
        images=[{"file": "a.jpg", "alt": "The castle walls", "pupils": ["P2"]}],
    )
    text = run(site, "check").out
    assert (
        "not on instagram, even once approved: instagram needs an image and none may go there"
        in text
    )
    site.post(  # (a post for later: told too)
        "p",
        files={"a.jpg": "castle"},
        pupils=["P2"],
        date="2026-12-20",
        platforms=["website", "instagram"],
        images=[{"file": "a.jpg", "alt": "The castle walls", "pupils": ["P2"]}],
    )
    assert "not on instagram, even once approved" in run(site, "check").out


def test_exit_codes(run, site):  # type: ignore[no-untyped-def]
    site.post("p")
    assert run(site, "check").code == 0
    assert run(site, "check", "nosuch").code == 2
    assert run(site, "check", now="tomorrow").code == 2
    site.post("q", body="<script>1</script>\n")
    assert run(site, "check").code == 1


def test_an_unknown_option_is_named_before_any_command(capsys) -> None:  # type: ignore[no-untyped-def]
    """`sitegen -x` said "the following arguments are required: COMMAND"."""
    from sitegen.cli import main

    # A port out of range was a traceback from bind() (found by a robustness tour).
    for argv, said in (
        (["-x"], "unrecognized arguments: -x"),
        ([], "name a command"),
        (["serve", "--port", "99999"], "99999 is not a port: give one from 1 to 65535"),
        (["serve", "--port", "-1"], "-1 is not a port"),
    ):
        with pytest.raises(SystemExit) as stopped:
            main(argv)
        assert stopped.value.code == 2 and said in capsys.readouterr().err


def test_status_json(run, site):  # type: ignore[no-untyped-def]
    site.post("p", date="2026-11-20T14:30")
    data = run(site, "status", "--json").json()
    assert data == {
        "posts": [
            {
                "slug": "p",
                "path": "content/posts/p/index.md",
                "title": "Year 4 visit the castle",
                "date": "2026-11-20T14:30:00+00:00",
                "status": "draft",
                "author": "jjones",
                "errors": 0,
            }
        ]
    }


def test_status_puts_what_waits_for_a_leader_first(run, demo: SiteDir):  # type: ignore[no-untyped-def]
    result = run(demo, "status", now="2026-11-25T12:00")
    lines = result.out.splitlines()
    headings = [line for line in lines if not line.startswith(" ")]
    assert headings[0].startswith("Waiting for a leader's approval")
    assert lines[1].split()[:2] == ["2026-11-18-choir-rehearsal", "submitted"]
    assert "Miss Lewis" in lines[1]  # the author, by the name the site shows
    assert [h.split(" (")[0] for h in headings][-1] == "Approved"
    art = next(line for line in lines if "year-4-art-gallery" in line)
    assert "error(s)" in art  # how much a draft still needs
    order = [
        p["status"] for p in run(demo, "status", "--json", now="2026-11-25T12:00").json()["posts"]
    ]
    assert order.index("submitted") < order.index("draft") < order.index("approved")


def test_site_and_now_before_or_after_command(site):  # type: ignore[no-untyped-def]
    site.post("p", pupils=["P5"])  # withdrawn on 2026-11-15
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    before = subprocess.run(
        [
            sys.executable,
            "-m",
            "sitegen",
            "--site",
            str(site.root),
            "--now",
            "2026-11-01",
            "check",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    after = subprocess.run(
        [
            sys.executable,
            "-m",
            "sitegen",
            "check",
            "--json",
            "--site",
            str(site.root),
            "--now",
            "2026-11-20",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert before.returncode == 0, before.stderr
    assert after.returncode == 1
    assert json.loads(after.stdout)["posts"][0]["findings"][0]["code"] == "SG112"


def test_no_traceback_on_broken_inputs(run, site):  # type: ignore[no-untyped-def]
    site.post("a", raw="---\ntitle: [\n---\n")
    site.post("b", raw="")
    (site.root / "content/posts/c").mkdir()
    (site.root / "content/posts/c/index.md").write_bytes(b"---\ntitle: \xff\n---\n")
    (site.root / "content/consent.csv").unlink()
    for command in (["check"], ["status"], ["build"], ["audit", "verify"]):
        result = run(site, *command)
        assert "Traceback" not in result.out + result.err
        assert result.code in (0, 1)


def test_odd_values_are_told_in_a_teachers_words(run, site):  # type: ignore[no-untyped-def]
    """`file: 123` read as "image 1 has no file"; a number of 5,000 digits gave Python's
    advice to call sys.set_int_max_str_digits()."""
    head = "---\ntitle: T\ndate: 2026-11-24\nauthor: jjones\nplatforms: [website]\npupils: []\n"
    site.post(
        "a", raw=head + "images:\n  - file: 123\n    alt: A thing\n    pupils: []\n---\nHi.\n"
    )
    site.post("b", raw=head + "count: 1" + "0" * 5000 + "\n---\nHi.\n")
    findings = {
        p["slug"]: [(f["line"], f["message"]) for f in p["findings"] if f["code"] == "SG100"]
        for p in run(site, "check", "--json").json()["posts"]
    }
    assert findings["a"] == [(8, '"file" of image 1 must be a file name, such as 123.jpg')]
    assert findings["b"] == [
        (7, "a value in the front matter is not valid: a number of thousands of digits")
    ]


def test_demo_site_check_explains_stale_and_blocked(run, demo: SiteDir):  # type: ignore[no-untyped-def]
    result = run(demo, "check", now=None)
    assert result.code == 1
    lines = result.out.splitlines()
    stale = next(i for i, line in enumerate(lines) if "science-week" in line)
    assert "stale, publishable as the version approved on 2026-11-06" in lines[stale]
    assert "is live; approve to publish the edit" in lines[stale + 1]
    assert "edited after approval" in lines[stale + 2]
    blocked = next(i for i, line in enumerate(lines) if "road-safety" in line)
    assert "blocked" in lines[blocked] and "SG112" in "\n".join(lines[blocked : blocked + 3])


def test_demo_site_has_every_state(run, demo: SiteDir):  # type: ignore[no-untyped-def]
    posts = run(demo, "status", "--json", now="2026-11-25T12:00").json()["posts"]
    assert len(posts) >= 12
    states = {p["status"] for p in posts}
    assert states >= {"approved", "draft", "submitted", "stale", "blocked"}
    assert run(demo, "audit", "verify", now=None).code == 0
    check = run(demo, "check", "--json", now="2026-11-25T12:00").json()
    publishable = {p["slug"] for p in check["posts"] if p["publishable"]}
    assert "2026-10-22-parents-evening" in publishable  # to the closed Facebook page
    assert "2026-12-04-christmas-fair" not in publishable  # not due yet
    assert "2026-10-09-eisteddfod-yr-ysgol" in publishable  # the Welsh post


def test_the_command_as_a_process(demo):  # type: ignore[no-untyped-def]
    """`python -m sitegen`: its output whole, its exit code main's, and a reader that stops
    early (`sitegen status | head -1`) is no error."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "sitegen", "--site", str(demo.root), "--now", NOW]
    checked = subprocess.run([*command, "check", "--json"], capture_output=True, env=env)
    assert checked.returncode == 1  # the demo has posts with errors
    assert len(json.loads(checked.stdout)["posts"]) >= 12
    built = subprocess.run([*command, "build"], capture_output=True, text=True, env=env)
    assert built.returncode == 0 and "built build/site" in built.stdout + built.stderr
    reader = subprocess.Popen(
        [*command, "status"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.readline()
    reader.stdout.close()
    assert reader.wait(timeout=60) == 0
    assert b"Broken pipe" not in reader.stderr.read()


def test_a_mistyped_post_name_gets_the_post_it_most_likely_meant(run, site) -> None:  # type: ignore[no-untyped-def]
    """`approve year-4-rugby` (the date left off) or a letter wrong listed the five oldest
    posts, none of them the one meant."""
    for slug in (
        "2026-09-04-welcome-back",
        "2026-12-07-year-4-rugby-tournament",
        "2026-12-01-fair",
    ):
        site.post(slug)
    for typed, meant in (
        ("year-4-rugby-tournament", "2026-12-07-year-4-rugby-tournament"),
        ("2026-12-07-year-4-rugby-tournamnet", "2026-12-07-year-4-rugby-tournament"),
        ("year-4-rugby-tournamnet", "2026-12-07-year-4-rugby-tournament"),
        ("content/posts/welcome-back/index.md", "2026-09-04-welcome-back"),
        ("content/posts/welcome-back/Index.md", "2026-09-04-welcome-back"),
    ):
        for command in (["approve", typed, "--by", "head"], ["check", typed]):
            refused = run(site, *command)
            assert refused.code == 2
            assert f"did you mean {meant}?" in refused.err, refused.err
    refused = run(site, "check", "sports-day")
    assert "(the newest: 2026-12-07-year-4-rugby-tournament, 2026-12-01-fair, " in refused.err


def test_an_approved_post_dated_later_says_when_it_goes_out(run, site) -> None:  # type: ignore[no-untyped-def]
    """A year mistyped (2027 for 2026): check said "approved" and status listed it with the
    others; only report.json, after the build, said it was scheduled."""
    site.post("fair", date="2027-02-01")
    site.post("today", date="2026-11-20")
    site.post("nowhere", date="2027-02-01", platforms=["instagram"])  # (needs a photo)
    assert run(site, "approve", "fair", "today", "nowhere", "--by", "head").code == 0
    checked = run(site, "check").out
    assert (
        "content/posts/fair/index.md approved, publishable from 1 February 2027 (its date)"
        in checked
    )
    assert "content/posts/today/index.md approved, publishable\n" in checked
    assert "content/posts/nowhere/index.md approved\n" in checked  # (it goes nowhere, then)
    status = run(site, "status").out
    assert status.count("goes out on") == 1 and "goes out on 1 February 2027 (its date)" in status


def test_check_names_a_photo_in_the_folder_that_the_post_leaves_out(run, site) -> None:  # type: ignore[no-untyped-def]
    """A photo copied into the folder but never listed under `images` is not published, and
    check said nothing: the teacher believed it in the post."""
    site.post(
        "fair",
        files={"stall.jpg": "castle", "extra.jpg": "beach", "IMG_1234 (1).JPG": "books"},
        images=[{"file": "./stall.jpg", "alt": "The cake stall", "pupils": []}],
    )
    (site.root / "content/posts/fair/notes.txt").write_text("not a photo")
    checked = run(site, "check", "fair").out
    assert "  extra.jpg is in the folder but not in images: it is not published" in checked
    assert "  IMG_1234 (1).JPG is in the folder but not in images" in checked
    assert "stall.jpg is in the folder" not in checked and "notes.txt" not in checked


def test_status_of_a_site_with_no_posts_says_so(run, site) -> None:  # type: ignore[no-untyped-def]
    """It printed nothing at all (found by a new school's tour)."""
    status = run(site, "status")
    assert status.code == 0 and status.out.startswith("no posts yet: `sitegen new")
