"""`sitegen build`: one gate before every output, feeds that parse, builds that never half-publish."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest

from sitegen.cli import main
from tests.conftest import PHOTOS, REGISTER, REPO, SITE_TOML, SiteDir, copy_demo
from tests.imagegen import save_photo

NOW = "2026-11-25T12:00"


def approve(run, site: SiteDir, *slugs: str) -> None:  # type: ignore[no-untyped-def]
    result = run(site, "approve", *slugs, "--by", "head", now="2026-11-01T09:00")
    assert result.code == 0, result.err


def published_fair(run, site: SiteDir) -> tuple[dict[str, bytes], bytes]:  # type: ignore[no-untyped-def]
    """A post approved and built onto the website: the site's files and the ledger then."""
    site.post("fair", platforms=["website"], date="2026-11-02")
    approve(run, site, "fair")
    assert run(site, "build").code == 0
    return site_files(site.root), (site.root / "content/records/publications.jsonl").read_bytes()


def site_files(root: Path) -> dict[str, bytes]:
    site = root / "build/site"
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> SiteDir:
    """The demo site, built once for the tests that only read its output."""
    demo = copy_demo(tmp_path_factory.mktemp("built") / "demo")
    assert main(["--site", str(demo.root), "--now", NOW, "build"]) == 0
    return demo


def test_nothing_unpublished_reaches_the_site(run, built_demo: SiteDir) -> None:  # type: ignore[no-untyped-def]
    demo = built_demo
    report = json.loads((demo.root / "build/report.json").read_text())
    published = {p["slug"] for p in report["published"]}
    check = run(demo, "check", "--json", now=NOW).json()
    unpublished = [p for p in check["posts"] if p["slug"] not in published]
    assert {
        "2026-11-12-road-safety",
        "2026-11-18-choir-rehearsal",
        "2026-11-20-year-4-art-gallery",
        "2026-10-22-parents-evening",
        "2026-12-04-christmas-fair",
    } <= {p["slug"] for p in unpublished}
    # Science week was edited after its approval: the approved revision is live, and nothing
    # of the edit reaches anything under build/.
    assert "2026-11-06-science-week" in published
    built = b"".join(p.read_bytes() for p in (demo.root / "build").rglob("*") if p.is_file())
    assert b"presented them to Year 4." in built and b"in a special assembly" not in built
    files = site_files(demo.root)
    blob = b"\n".join(files.values()).decode("utf-8", "replace").casefold()
    names = "\n".join(files).casefold()
    for post in unpublished:
        index = demo.root / post["path"]
        text = index.read_text()
        title = re.search(r"^title: (.*)$", text, re.M).group(1).strip()  # type: ignore[union-attr]
        assert post["slug"].casefold() not in blob + names, post["slug"]
        assert title.casefold() not in blob, title
        for image in index.parent.glob("*.jpg"):
            assert image.stem.casefold() not in names, image
    # Nothing from the register, no pupil ids, no staff usernames, no originals.
    register = list(csv.DictReader(io.StringIO((demo.root / "content/consent.csv").read_text())))
    for row in register:
        pupil_id = row["pupil_id"]
        assert re.search(rf"\b{pupil_id.casefold()}\b", blob) is None, pupil_id
        # Where consent came from, and who is under safeguarding, never reach the site.
        if row["given_by"]:
            assert row["given_by"].casefold() not in blob, row["given_by"]
        if row["safeguarding"] == "yes":
            name = f"{row['first_name']} {row['last_name']}".casefold()
            assert name not in blob and row["first_name"].casefold() not in blob, name
    assert "safeguarding" not in blob and "consent_until" not in blob
    for username in ("jjones", "rprice", "llewis"):
        assert username not in blob
    assert "harri morris" in blob  # named with full consent: the one name allowed
    assert not any(re.search(r"posts/[^/]+/[a-z]+\.jpg$", name) for name in files)  # originals


def test_images_are_filtered_by_website_consent(built_demo: SiteDir) -> None:
    files = site_files(built_demo.root)
    harvest = [n for n in files if n.startswith("posts/2026-09-19-harvest-festival/")]
    assert any("photo-1-" in n for n in harvest)  # sunflowers.jpg
    assert not any("photo-2-" in n for n in harvest)  # display.jpg: P1007 has no website consent


def test_feeds_parse_and_list_exactly_the_published_posts(built_demo: SiteDir) -> None:
    root = built_demo.root / "build"
    report = json.loads((root / "report.json").read_text())
    urls = {p["url"] for p in report["published"]}
    assert len(urls) == 10
    # The demo is bilingual: Welsh feeds at the root, English ones under en/.
    atom = feedparser.parse((root / "site/feed.xml").read_bytes())
    english = feedparser.parse((root / "site/en/feed.xml").read_bytes())
    for parsed in (atom, english):
        assert not parsed.bozo, parsed.bozo_exception
        assert parsed.version == "atom10"
    assert {e.link for e in atom.entries + english.entries} == urls
    assert all(e.link.startswith("https://news.example.sch.uk/posts/") for e in atom.entries)
    welsh = next(e for e in atom.entries if "eisteddfod" in e.link)
    assert welsh.content[0].language == "cy"
    assert all(e.content[0].language == "en" for e in english.entries)

    feed = json.loads((root / "site/feed.json").read_text())
    english_feed = json.loads((root / "site/en/feed.json").read_text())
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == "https://news.example.sch.uk/feed.json"
    assert english_feed["feed_url"] == "https://news.example.sch.uk/en/feed.json"
    assert {item["url"] for item in feed["items"] + english_feed["items"]} == urls
    for item in feed["items"] + english_feed["items"]:
        assert {"id", "url", "title", "content_html", "date_published"} <= set(item)
        assert item["id"] and isinstance(item["content_html"], str)
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$", item["date_published"])
        for src in re.findall(r'src="([^"]+)"', item["content_html"]):
            assert src.startswith("https://news.example.sch.uk/posts/")
    dates = [item["date_published"] for item in feed["items"]]
    assert dates == sorted(dates, reverse=True)
    # A photo's caption goes with it, as the page shows it.
    (welcome,) = [e for e in english.entries if e.link.endswith("/2026-09-04-welcome-back/")]
    assert "<figcaption>Our refurbished library is ready for readers</figcaption>" in (
        welcome.content[0].value
    )


def test_sitemap_lists_exactly_the_published_pages(built_demo: SiteDir) -> None:
    root = built_demo.root / "build/site"
    tree = ET.parse(root / "sitemap.xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = {el.text for el in tree.findall(".//s:loc", ns)}
    pages = {
        "https://news.example.sch.uk/" + p.relative_to(root).as_posix().removesuffix("index.html")
        for p in root.rglob("index.html")
    }
    assert locs == pages
    assert "https://news.example.sch.uk/en/page/2/" in locs
    assert (
        (root / "robots.txt")
        .read_text()
        .strip()
        .endswith("Sitemap: https://news.example.sch.uk/sitemap.xml")
    )


def test_pages_are_accessible_and_self_contained(built_demo: SiteDir) -> None:
    root = built_demo.root / "build/site"
    for page in root.rglob("*.html"):
        html = page.read_text()
        # The page's language: a post's own, else its lists' (Welsh at the root, en/ English).
        rel = page.relative_to(root).as_posix()
        post = re.search(r'<article class="post" lang="(\w+)">', html)
        language = post.group(1) if post else "en" if rel.startswith("en/") else "cy"
        assert f'<html lang="{language}">' in html, rel
        assert "Content-Security-Policy" in html
        # Nothing from elsewhere; the one link away is the school's own website.
        html = html.replace('href="https://www.example.sch.uk/"', "")
        assert not re.search(r'(src|href)="(https?:)?//(?!news\.example\.sch\.uk)', html), page
        assert 'class="skip-link"' in html and '<main id="main"' in html
        for img in re.findall(r"<img\b[^>]*>", html):
            assert 'alt="' in img and 'width="' in img and 'height="' in img, img
    welsh = (root / "posts/2026-10-09-eisteddfod-yr-ysgol/index.html").read_text()
    assert '<article class="post" lang="cy">' in welsh and "9 Hydref 2026" in welsh
    post = (root / "posts/2026-10-02-castell-coch-visit/index.html").read_text()
    assert "By Mrs Jones" in post and "2 October 2026" in post
    assert re.search(
        r'srcset="photo-1-480\.jpg 480w, photo-1-960\.jpg 960w, photo-1-1600\.jpg', post
    )
    assert "towers.jpg" not in post and "towers-" not in post  # never the original name
    assert "<picture>" in post and 'type="image/webp"' in post


def test_pagination(built_demo: SiteDir) -> None:
    root = built_demo.root / "build/site"
    first = (root / "en/index.html").read_text()  # the English posts: seven
    second = (root / "en/page/2/index.html").read_text()
    assert 'rel="next" href="../en/page/2/"' in first
    assert 'rel="prev" href="../../../en/"' in second
    assert first.count('<article class="card') == 5 and second.count('<article class="card') == 2
    assert not (root / "page/2").exists()  # three Welsh posts: one page


def test_rebuild_is_byte_identical(run, demo: SiteDir) -> None:  # type: ignore[no-untyped-def]
    assert run(demo, "build", now=NOW).code == 0
    before = site_files(demo.root)
    assert run(demo, "build", now=NOW).code == 0
    assert site_files(demo.root) == before


def test_front_matter_html_is_escaped(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.post("p", title="<script>alert(1)</script> & fun", summary="<b>bold</b>")
    approve(run, site, "p")
    assert run(site, "build").code == 0
    page = (site.root / "build/site/posts/p/index.html").read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; fun" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page


def test_future_post_appears_when_due(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.post("later", date="2026-12-24T09:00")
    approve(run, site, "later")
    assert run(site, "build").code == 0
    assert not (site.root / "build/site/posts/later").exists()
    assert run(site, "build", now="2026-12-24T09:00").code == 0
    assert (site.root / "build/site/posts/later/index.html").exists()


def test_strict(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.post("ok")
    site.post("later", date="2026-12-24")
    approve(run, site, "ok", "later")
    assert run(site, "build", "--strict").code == 0  # a future date is not a failure
    # The approver is no leader any more: every approval of theirs is void.
    site.config(SITE_TOML.replace('leaders = ["head", "deputy"]', 'leaders = ["deputy"]'))
    result = run(site, "build", "--strict")
    assert result.code == 1 and "ok left out of website" in result.err
    assert run(site, "build").code == 0


def test_corrupt_photo_leaves_its_post_out_and_the_build_goes_on(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    folder = site.root / "content/posts/bad"
    folder.mkdir(parents=True)
    shutil.copy(PHOTOS / "corrupted.jpg", folder / "corrupted.jpg")
    site.post("bad", images=[{"file": "corrupted.jpg", "alt": "A class photo", "pupils": []}])
    heic = site.root / "content/posts/heic"
    heic.mkdir(parents=True)
    shutil.copy(PHOTOS / "IMG_5195.HEIC", heic / "IMG_5195.HEIC")
    site.post("heic", images=[{"file": "IMG_5195.HEIC", "alt": "A tree in blossom", "pupils": []}])
    approve(run, site, "heic")
    refused = run(site, "approve", "bad", "--by", "head")
    assert refused.code == 1 and "SG121" in refused.err
    result = run(site, "build")
    assert result.code == 0
    report = json.loads((site.root / "build/report.json").read_text())
    assert [p["slug"] for p in report["published"]] == ["heic"]
    assert {(x["slug"], x["platform"]) for x in report["left_out"]} == {("bad", "website")}
    assert (site.root / "build/site/posts/heic/photo-1-960.jpg").exists()
    assert not list((site.root / "build/site").rglob("*.HEIC"))


def test_configuration_errors_exit_2_and_keep_the_previous_build(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.post("p")
    approve(run, site, "p")
    assert run(site, "build").code == 0
    before = site_files(site.root)
    toml = site.root / "site.toml"
    good = toml.read_text()
    toml.write_text(good.replace("per_page = 3", "per_page = -1"))
    result = run(site, "build")
    assert result.code == 2 and "site.per_page" in result.err
    toml.write_text(good)
    template = site.root / "templates/post.html"
    good_template = template.read_text()
    template.write_text(good_template.replace("{{ post.title }}", "{{ post.title "))
    result = run(site, "build")
    assert result.code == 2 and "templates/post.html" in result.err
    assert "Traceback" not in result.err
    assert site_files(site.root) == before
    # An expression that fails as the page is made (it crashed with a traceback, exit 1), or
    # a name the template lacks (no line given): each at its template's line.
    line = good_template[: good_template.index("<h1>")].count("\n") + 1
    for expression, said in (
        ("{{ 1/0 }}", "ZeroDivisionError: division by zero"),
        ("{{ post.title + 1 }}", "TypeError"),
        ("{{ nosuchvar.x }}", "'nosuchvar' is undefined"),
    ):
        template.write_text(good_template.replace("<h1>", expression + "<h1>", 1))
        result = run(site, "build")
        assert result.code == 2, result.err
        assert result.err.startswith(f"error: templates/post.html:{line}: template error: ")
        assert said in result.err and "Traceback" not in result.err
    template.write_text(good_template)
    # A mistake in base.html, which every page extends, is told at base.html, not post.html.
    base = site.root / "templates/base.html"
    good_base = base.read_text()
    base.write_text(good_base.replace("{{ site.title }}", "{{ site.title }", 1))
    result = run(site, "build")
    line = good_base[: good_base.index("{{ site.title }}")].count("\n") + 1
    assert result.err.startswith(f"error: templates/base.html:{line}: template error: "), result.err
    base.write_text(good_base)
    # An expression failing in a template kept in a subfolder: told at its own path.
    (site.root / "templates/parts").mkdir()
    (site.root / "templates/parts/by.html").write_text("<p>\n{{ 1/0 }}</p>\n")
    template.write_text(good_template.replace("<h1>", '{% include "parts/by.html" %}<h1>', 1))
    result = run(site, "build")
    assert result.err.startswith("error: templates/parts/by.html:2: template error: "), result.err
    assert site_files(site.root) == before


def test_a_template_folder_copied_in_part_is_told_what_it_lacks(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """A school copies templates/ by hand: every missing piece is named, with where to copy it
    from, and nothing is published (never a site without its stylesheet)."""
    site.post("fair", platforms=["website"], date="2026-11-02")
    approve(run, site, "fair")
    demo = str(REPO / "templates")
    (site.root / "templates/static/site.css").unlink()
    result = run(site, "build")
    assert result.code == 2 and not (site.root / "build/site").exists()
    base = (site.root / "templates/base.html").read_text().splitlines()
    line = next(n for n, text in enumerate(base, 1) if "static/site.css" in text)
    assert result.err.startswith(
        f"error: templates/base.html:{line}: it links static/site.css, which templates/static/ "
        f"lacks: copy it from {demo}/static/"
    ), result.err
    shutil.copy(REPO / "templates/static/site.css", site.root / "templates/static/site.css")
    (site.root / "templates/_banner.html").unlink()
    result = run(site, "build")
    assert result.code == 2 and not (site.root / "build/site").exists()
    assert result.err.startswith(
        f"error: templates/post.html: it uses _banner.html, which templates/ lacks: copy it from {demo}"
    ), result.err
    (site.root / "templates/tag.html").unlink()
    (site.root / "templates/archive.html").unlink()
    (site.root / "templates/_elsewhere.html").unlink()
    # Every file missing, at once, and only those to copy (an upgrade adds pages: "copy the
    # whole folder" would wipe a school's own templates; found by an upgrade tour).
    said = run(site, "build").err
    assert (
        "templates/ lacks tag.html, archive.html (and _banner.html, _elsewhere.html, which they "
        f"use): copy those files from {demo} (your own templates stay as they are)"
    ) in said, said


def test_a_second_build_is_refused_while_one_runs(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    import fcntl

    site.post("p")
    (site.root / "build").mkdir()
    with (site.root / "build/.lock").open("a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        handle.write("4242")
        handle.flush()
        result = run(site, "build")
    assert result.code == 1 and "a build is running" in result.err
    assert run(site, "build").code == 0


def test_a_build_killed_half_way_leaves_the_previous_site_whole(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    from imagegen import save_photo  # type: ignore[import-not-found]

    for i in range(6):
        folder = site.root / f"content/posts/day-{i}"
        save_photo(folder / f"a{i}.jpg", "beach", size=(3000, 2000), seed=i)
        site.post(f"day-{i}", images=[{"file": f"a{i}.jpg", "alt": "A beach", "pupils": []}])
    approve(run, site, *(f"day-{i}" for i in range(6)))
    assert run(site, "build").code == 0
    before = site_files(site.root)
    env = {**os.environ, "PYTHONPATH": str(REPO), "CI": "1"}
    command = [sys.executable, "-m", "sitegen", "--site", str(site.root), "--now", NOW, "build"]
    shutil.rmtree(site.root / "build/.cache")
    start = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    whole = time.perf_counter() - start  # a cold build, to kill others at points along it
    killed = 0
    for fraction in (0.3, 0.5, 0.7, 0.85, 0.95):
        shutil.rmtree(site.root / "build/.cache", ignore_errors=True)  # so there is work to do
        proc = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(whole * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        killed += proc.returncode == -signal.SIGKILL
        # Nothing changed in the content, so old and new are the same: never half of either.
        assert site_files(site.root) == before
    assert killed >= 2
    assert run(site, "build").code == 0  # the next build cleans up after the killed ones
    assert not list((site.root / "build").glob(".staging-*"))
    assert site_files(site.root) == before


def test_a_build_failing_while_writing_keeps_the_previous_site(
    run, site: SiteDir, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from sitegen.engine import standby as output

    site.post("p")
    approve(run, site, "p")
    assert run(site, "build").code == 0
    before = site_files(site.root)
    site.post("q", title="A second post")
    approve(run, site, "q")
    written = []
    real_write = output._write

    def failing_write(path: str, data: bytes) -> None:
        written.append(path)
        if len(written) == 5:
            raise OSError(28, "No space left on device")
        real_write(path, data)

    monkeypatch.setattr(output, "_write", failing_write)
    with pytest.raises(OSError):
        output.publish(site.root / "build", {"site": _plan_with(10)})
    monkeypatch.undo()
    assert site_files(site.root) == before
    assert not list((site.root / "build").glob(".staging-*"))


def _plan_with(count: int):  # type: ignore[no-untyped-def]
    from sitegen.engine.plan import OutputPlan

    plan = OutputPlan()
    for i in range(count):
        plan.add(f"page{i}.html", b"x")
    return plan


def test_body_images_use_published_files_and_respect_consent(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.register(REGISTER + "P7,Gwen,Ifans,Year 2,no,yes,no,no,no,\n")  # no website consent
    body = "Our towers:\n\n![Towers](towers.jpg)\n\nThe hall:\n\n![Hall](hall.jpg)\n"
    site.post(
        "p",
        body=body,
        files={"towers.jpg": "castle", "hall.jpg": "books"},
        pupils=["P7"],
        images=[
            {"file": "towers.jpg", "alt": "The castle towers", "pupils": []},
            {"file": "hall.jpg", "alt": "The school hall", "pupils": ["P7"]},
        ],
        platforms=["website", "facebook"],
    )
    approve(run, site, "p")
    assert run(site, "build").code == 0
    page = (site.root / "build/site/posts/p/index.html").read_text()
    assert 'src="photo-1-' in page and "photo-1-480.jpg 480w" in page
    assert "photo-2-" not in page and "The school hall" not in page
    assert page.count("<img") == 1
    assert not list((site.root / "build/site/posts/p").glob("photo-2*"))


def test_a_photo_placed_in_the_text_keeps_its_caption_card_and_feed_picture(
    run, site: SiteDir
) -> None:  # type: ignore[no-untyped-def]
    """A photo placed on a line of its own shows its caption under it, on the page and in the
    feeds; it is the post's picture on its card and in JSON Feed (the first listed photo); and
    its srcset in the feeds is absolute (a reader resolves it against the feed's address)."""
    site.post(
        "p",
        body="Reception rehearse.\n\n![The stage](stage.jpg)\n\nSee you on Thursday.\n",
        files={"stage.jpg": "castle", "hall.jpg": "books"},
        images=[
            {"file": "stage.jpg", "alt": "The hall stage", "caption": "Ready for Thursday"},
            {"file": "hall.jpg", "alt": "The school hall", "pupils": []},
        ],
        platforms=["website"],
    )
    approve(run, site, "p")
    assert run(site, "build").code == 0
    root = site.root / "build/site"
    page = (root / "posts/p/index.html").read_text()
    assert re.search(r"<figure><img src=\"photo-1-[^>]*><figcaption>Ready for Thursday<", page)
    assert "<p><figure>" not in page and "<p></p>" not in page
    # (a photo alone without a caption keeps its paragraph as Markdown wrote it, spaces and
    # all: its page's bytes, and so the ledger's record of it, unchanged by the upgrade)
    from sitegen.images import Variant
    from sitegen.render import ImageView, _body_images

    view = ImageView("A hall", "", (Variant("photo-2-480.jpg", 480, 360, "jpeg"),))
    made = _body_images('<p><img src="hall.jpg" alt="x">  </p>', {"hall.jpg": view}, frozenset())
    assert made.startswith('<p><img src="photo-2-480.jpg"') and made.endswith('">  </p>')
    card = re.search(
        r'<article class="card[^"]*".*?</article>', (root / "index.html").read_text(), re.S
    )
    assert card and "card-with-image" in card.group(0) and "photo-1-" in card.group(0)
    assert "photo-2-" not in card.group(0)
    base = "https://news.test.sch.uk/"
    (entry,) = feedparser.parse((root / "feed.xml").read_bytes()).entries
    assert "Ready for Thursday" in entry.content[0].value
    # (feedparser's sanitizer drops srcset: read the feed's HTML as a reader app gets it)
    atom = "{http://www.w3.org/2005/Atom}"
    content = ET.parse(root / "feed.xml").getroot().find(f"{atom}entry/{atom}content").text
    srcsets = re.findall(r'srcset="([^"]*)"', content)
    assert srcsets and all(
        c.strip().startswith(f"{base}posts/p/photo-1-") for s in srcsets for c in s.split(",")
    ), srcsets
    item = json.loads((root / "feed.json").read_text())["items"][0]
    assert item["image"].startswith(f"{base}posts/p/photo-1-")


def test_file_names_never_reach_the_site(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """A photo's file name is checked like any text (a full name or an id in it is SG114), and
    what may be published goes out under a neutral name (photo-1-480.jpg ...)."""
    site.post(
        "p",
        files={"Mia Jones P1 certificate.jpg": "books"},
        date="2026-11-02",
        images=[{"file": "Mia Jones P1 certificate.jpg", "alt": "A certificate", "pupils": []}],
        platforms=["website", "facebook"],
    )
    messages = [f["message"] for f in run(site, "check", "--json").json()["posts"][0]["findings"]]
    assert any("Mia Jones" in m and "file name" in m for m in messages), messages
    assert any("P1" in m and "pupil id" in m for m in messages), messages
    # Osian is nobody's name on this post (a first name counts only for tagged pupils).
    (site.root / "content/posts/p/Mia Jones P1 certificate.jpg").rename(
        site.root / "content/posts/p/Osian certificate.jpg"
    )
    site.post(
        "p",
        date="2026-11-02",
        images=[{"file": "Osian certificate.jpg", "alt": "A prize given", "pupils": []}],
        platforms=["website", "facebook"],
    )
    approve(run, site, "p")
    assert run(site, "build").code == 0
    for path in (site.root / "build").rglob("*"):
        if path.is_file() and ".cache" not in path.parts:
            text = path.name + (
                path.read_bytes().decode("utf-8", "replace")
                if path.suffix in (".html", ".xml", ".json", ".txt", ".csv")
                else ""
            )
            assert "osian" not in text.lower() and "certificate" not in text.lower(), path


def test_welsh_interface(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.config((site.root / "site.toml").read_text().replace('language = "en"', 'language = "cy"'))
    site.post("p", date="2026-11-02", lang="en")
    approve(run, site, "p")
    assert run(site, "build").code == 0
    home = (site.root / "build/site/index.html").read_text()
    assert '<html lang="cy">' in home and "Newyddion diweddaraf" in home
    assert "Neidio i’r cynnwys" in home  # the skip link
    post = (site.root / "build/site/posts/p/index.html").read_text()
    assert '<article class="post" lang="en">' in post and "2 November 2026" in post


def test_a_build_ends_with_what_changed(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """Joined and left, per platform; and one line when something must be removed by hand."""
    site.post("first", title="First", pupils=["P1"], platforms=["website", "facebook"])
    assert run(site, "approve", "first", "--by", "head", now="2026-11-01T09:00").code == 0
    built = run(site, "build")
    assert "website: new 1: first" in built.out and "facebook: new 1: first" in built.out
    assert "remove by hand" not in built.out
    assert "nothing changed since the last build" in run(site, "build").out
    # P1's consent is withdrawn: the website page goes with the build, Facebook needs a hand.
    site.withdraw("P1", "2026-11-20")
    built = run(site, "build")
    assert "website: removed 1: first" in built.out
    assert "removals waiting: 1 on facebook" in built.out and "sitegen takedown" in built.out


def test_long_work_says_how_far_it_got_in_plain_lines(run, site: SiteDir, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sitegen import progress

    monkeypatch.setattr(progress._PlainProgress, "QUIET_FOR", 0.0)  # (a real first build is long)
    monkeypatch.setenv("CI", "true")
    for n in range(3):
        site.post(
            f"day-{n}",
            title=f"Day {n}",
            files={"a.jpg": "castle"},
            images=[{"file": "a.jpg", "alt": "The castle", "pupils": []}],
        )
    built = run(site, "build")
    assert "checking photos: " in built.err and "of 3" in built.err
    assert "\x1b[" not in built.err  # plain lines, no terminal codes


PARENT = os.getpid()


def _killed_in_a_worker(*args: object) -> None:
    if os.getpid() != PARENT:
        os._exit(9)  # (as the kernel's OOM killer would)
    raise AssertionError("a photo made in the build's own process: no worker to kill")


def test_a_worker_killed_while_photos_are_made_publishes_nothing(
    run, site: SiteDir, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A photo worker killed (out of memory, Ctrl-C) was taken for a photo that could not be
    published: its post left out, the site published without it with exit 0, and the ledger
    recording it as removed. The build stops instead, and nothing changes."""
    from sitegen import images

    site.post(
        "fair",
        files={"a.jpg": "castle", "b.jpg": "beach"},
        platforms=["website"],
        date="2026-11-02",
        images=[
            {"file": "a.jpg", "alt": "The towers", "pupils": []},
            {"file": "b.jpg", "alt": "The sand", "pupils": []},
        ],
    )
    approve(run, site, "fair")
    assert run(site, "build").code == 0
    before = site_files(site.root)
    ledger = (site.root / "content/records/publications.jsonl").read_bytes()
    for name, kind in (("a.jpg", "books"), ("b.jpg", "music")):  # two new photos to make
        save_photo(site.root / "content/posts/fair" / name, kind, size=(640, 480), seed=7)
    approve(run, site, "fair")
    monkeypatch.setattr(images, "render_image", _killed_in_a_worker)  # (forked: theirs too)
    monkeypatch.setattr(images.os, "cpu_count", lambda: 2)
    result = run(site, "build")
    assert result.code == 2, (result.out, result.err)
    assert "a helper process of the build stopped" in result.err
    assert site_files(site.root) == before
    assert (site.root / "content/records/publications.jsonl").read_bytes() == ledger


def test_a_missing_posts_folder_or_audit_log_never_empties_the_site(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """content/posts/ gone (a wrong --site, a drive not mounted) or made a file, or the audit
    log unreadable: the build published an empty site with exit 0 and recorded every post
    removed. Each is an error naming the path, and nothing changes."""
    before, ledger = published_fair(run, site)
    posts = site.root / "content/posts"
    posts.rename(site.root / "content/posts-moved")
    result = run(site, "build")
    assert result.code == 2 and "content/posts/ is missing: nothing was built" in result.err
    posts.write_text("")
    assert "content/posts/ is not a folder" in run(site, "build").err
    # Run in a folder that is not a site at all, it says so first, as every command does.
    elsewhere = run(SiteDir(site.root / "content"), "build")
    assert elsewhere.code == 2 and "no site.toml here" in elsewhere.err, elsewhere.err
    # (inside the site, where staff edit: it says where the site is)
    assert f"the site is {site.root.resolve()}: run the command there" in elsewhere.err
    checked = run(SiteDir(site.root / "content"), "check")
    assert f"or give --site {site.root.resolve()}" in checked.err
    posts.unlink()
    (site.root / "content/posts-moved").rename(posts)
    audit = site.root / "content/records/audit.jsonl"
    audit.rename(site.root / "audit.moved")
    audit.mkdir()
    result = run(site, "build")
    assert result.code == 2 and "audit.jsonl" in result.err and "Traceback" not in result.err
    assert site_files(site.root) == before
    assert (site.root / "content/records/publications.jsonl").read_bytes() == ledger


def test_build_out_never_writes_over_a_folder_of_other_files(
    run, site: SiteDir, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """`--out` a folder holding someone's files: the build replaced its site/ with the new
    tree, and their files in it were gone."""
    site.post("fair", platforms=["website"], date="2026-11-02")
    approve(run, site, "fair")
    theirs = tmp_path / "o"
    (theirs / "site").mkdir(parents=True)
    (theirs / "site/thesis.docx").write_text("precious")
    result = run(site, "build", "--out", str(theirs))
    assert result.code == 2 and "choose an empty folder, or one a build made" in result.err
    assert (theirs / "site/thesis.docx").read_text() == "precious"
    (tmp_path / "a-file").write_text("mine")
    result = run(site, "build", "--out", str(tmp_path / "a-file"))
    assert result.code == 2 and "is a file, not a folder" in result.err  # (was "File exists")
    fresh = tmp_path / "fresh"
    assert run(site, "build", "--out", str(fresh)).code == 0
    assert run(site, "build", "--out", str(fresh)).code == 0  # (a build's own folder: again)
    assert (fresh / "site/posts/fair/index.html").exists()
    # Never inside a folder whose files are published, or the site's own: the exports, a
    # parents-only post and report.json went into the next build's site (found by a tour).
    assert run(site, "build").code == 0
    for inside in ("templates/static/backup", "build/site/extra", "content/old-build"):
        result = run(site, "build", "--out", str(site.root / inside))
        assert result.code == 2 and f"is inside {inside.split('/')[0]}" in result.err, result.err
        assert not (site.root / inside).exists()


def test_one_build_of_a_site_at_a_time_wherever_it_writes(
    run, site: SiteDir, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Two builds at once, one into build/ and one --out elsewhere, each recorded the same
    publications in the one ledger (found by a robustness tour)."""
    from sitegen.engine.swap import build_lock

    site.post("fair", platforms=["website"], date="2026-11-02")
    approve(run, site, "fair")
    with build_lock(site.root / "build"):  # a build into build/ under way
        refused = run(site, "build", "--out", str(tmp_path / "elsewhere"))
    assert refused.code == 1 and "wait for it to finish, then build again" in refused.err
    assert not (site.root / "content/records/publications.jsonl").exists()
    with build_lock(tmp_path / "other"):  # (another build's own folder: no matter)
        assert run(site, "build", "--out", str(tmp_path / "elsewhere")).code == 0


def test_a_retired_tree_that_cannot_be_tidied_never_stops_the_other_trees(
    run, site: SiteDir, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Once the new site is live, a file of the retired tree that cannot be removed (made
    immutable, say) stopped the build with exit 2: the site new, the exports and report.json
    old (found by a robustness tour); then every later build failed on it (a review). The
    retired tree is set aside instead."""
    from sitegen.engine import standby

    index = site.post("fair", platforms=["website", "facebook"], date="2026-11-02")
    approve(run, site, "fair")
    assert run(site, "build").code == 0
    out = site.root / "build"
    (out / "site/posts/fair/.immutable").touch()  # (that folder's files cannot be removed)
    real_rmtree = shutil.rmtree

    def stubborn(path, ignore_errors=False, **kwargs):  # type: ignore[no-untyped-def]
        if any(Path(path).rglob(".immutable")):
            if ignore_errors:
                return None
            raise PermissionError(1, "Operation not permitted", str(path))
        return real_rmtree(path, ignore_errors=ignore_errors, **kwargs)

    def refused(*_: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(shutil, "rmtree", stubborn)
    monkeypatch.setattr(standby, "_forget_retired", refused)
    for word in ("marvellous", "splendid", "glorious"):
        index.write_text(re.sub(r"wonderful|marvellous|splendid", word, index.read_text()))
        approve(run, site, "fair")
        assert run(site, "build").code == 0, word
        assert word in (out / "site/posts/fair/index.html").read_text()
        assert word in (out / "exports/facebook/fair/post.txt").read_text()


def test_a_lost_approval_log_stops_the_build_before_the_site_empties(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """content/records/audit.jsonl deleted: every approval was void, the build took the whole
    site down (exit 0) and asked for every post to be removed everywhere (found by a tour)."""
    before, ledger = published_fair(run, site)
    log = site.root / "content/records/audit.jsonl"
    kept = log.read_bytes()
    log.unlink()
    for command in (["build"], ["approve", "fair", "--by", "head"]):
        refused = run(site, *command)
        assert refused.code == 2 and "audit.jsonl is missing or empty, though 1" in refused.err
    assert site_files(site.root) == before and not log.exists()
    log.write_bytes(b"")  # emptied (found by a review)
    for command in (["build"], ["unapprove", "fair", "--by", "head"]):  # (a second review)
        refused = run(site, *command)
        assert refused.code == 2 and "audit.jsonl is missing or empty" in refused.err, command
    assert log.read_bytes() == b""
    assert run(site, "status").code == 0  # (read while empty: the memory of it must not stay)
    assert site_files(site.root) == before
    assert (site.root / "content/records/publications.jsonl").read_bytes() == ledger
    log.write_bytes(kept)
    assert run(site, "build").code == 0
    assert run(site, "status", "--json").json()["posts"][0]["status"] == "approved"
    assert (site.root / "build/site/posts/fair/index.html").exists()


def test_a_full_disk_is_said_in_words_and_keeps_the_site(run, site: SiteDir, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A disk that filled while the trees were written said only "No space left on device"."""
    import errno

    from sitegen import build as build_module

    site.post("fair", platforms=["website"], date="2026-11-02")
    approve(run, site, "fair")
    assert run(site, "build").code == 0
    before = site_files(site.root)
    site.post("fair", platforms=["website"], date="2026-11-02", body="Changed.\n")
    approve(run, site, "fair")

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(build_module, "publish", full)
    result = run(site, "build")
    assert result.code == 2
    assert (
        "No space left on device: the disk is full; free some space, then run the command"
        in result.err
    )
    assert site_files(site.root) == before


def test_a_photo_named_with_a_space_and_a_link_to_a_photo_are_published(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """A photo copied from Windows ("IMG 0001.jpg") placed in the text as Markdown writes a
    space was "used in the body but not listed"; a link to a listed photo ("see it full
    size") pointed at the original, which is never published (found by the photo tour)."""
    site.post(
        "coffee",
        files={"IMG 0001.jpg": "castle"},
        body="![The castle](IMG%200001.jpg)\n\n![The castle again](<IMG 0001.jpg>)\n\n"
        "![Once more](./IMG%200001.jpg)\n\n"
        "[See the photo full size](IMG%200001.jpg), [or here](./IMG%200001.jpg).\n",
        images=[{"file": "IMG 0001.jpg", "alt": "The castle", "pupils": []}],
    )
    result = run(site, "check", "--json")
    (post,) = result.json()["posts"]
    assert [f for f in post["findings"] if f["code"] == "SG120"] == []
    approve(run, site, "coffee")
    assert run(site, "build").code == 0
    folder = site.root / "build/site/posts/coffee"
    page = (folder / "index.html").read_text()
    links = re.findall(r'<a href="([^"]+)"[^>]*>(?:See the photo full size|or here)', page)
    assert len(links) == 2
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert links and sources and all((folder / f).is_file() for f in [*links, *sources]), page
    assert "IMG" not in page


def test_a_logo_with_metadata_is_published_without_it(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """A logo photographed with a phone (GPS, camera, MakerNotes) and a PNG with text chunks
    in templates/static/ were published as they were, linked from every page (found by a
    security review). They go out with their pixels alone; a clean file goes out as it is."""
    from PIL import Image, PngImagePlugin

    from tests.test_images import CLEAN_GROUPS, exiftool

    static = site.root / "templates/static"
    shutil.copy(PHOTOS / "gps_DSCN0010.jpg", static / "logo.jpg")
    notes = PngImagePlugin.PngInfo()
    notes.add_text("Author", "Mia Jones")
    Image.new("RGBA", (32, 32), (200, 30, 20, 128)).save(static / "icon.png", pnginfo=notes)
    clean = (site.root / "templates/static/site.css").read_bytes()
    site.config(SITE_TOML.replace("per_page = 3", 'per_page = 3\nlogo = "logo.jpg"'))
    assert run(site, "build").code == 0
    out = site.root / "build/site/static"
    for record in exiftool([out / "logo.jpg", out / "icon.png"]):
        groups = {key.split(":")[0] for key in record if ":" in key}
        assert groups <= CLEAN_GROUPS | {"PNG"}, record
        assert "Mia Jones" not in json.dumps(record)
    with Image.open(out / "icon.png") as icon, Image.open(static / "icon.png") as original:
        assert icon.mode == "RGBA" and icon.tobytes() == original.tobytes()  # (lossless)
    assert (out / "site.css").read_bytes() == clean
