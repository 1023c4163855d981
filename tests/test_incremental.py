"""Content-addressed caching: warm builds equal cold ones, and a change reaches exactly what
depends on it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sitegen.cli import main
from sitegen.feeds import FEED_ITEMS
from tests.conftest import SiteDir
from tests.generated_sites import posts, write_sitegen

NOW = "2026-11-25T12:00"


def build(root: Path) -> None:
    assert main(["--site", str(root), "--now", NOW, "build"]) == 0


def build_with(root: Path, **options: int) -> None:
    """A build as `sitegen build` makes it, with other engine options (engine/options.py)."""
    from sitegen.build import build as build_site
    from sitegen.engine.lastbuild import tree_check
    from sitegen.engine.options import EngineOptions
    from sitegen.site import load_site

    with tree_check(root / "build") as check:
        site = load_site(root, NOW)
        build_site(site, root / "build", check=check, options=EngineOptions(**options))


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    out = {}
    for part in ("build/site", "build/exports", "build/report.json"):
        base = root / part
        files = [base] if base.is_file() else [p for p in base.rglob("*") if p.is_file()]
        for path in files:
            out[path.relative_to(root).as_posix()] = (path.read_bytes(), path.stat().st_ino)
    return out


def contents(snap: dict[str, tuple[bytes, int]]) -> dict[str, bytes]:
    return {k: v[0] for k, v in snap.items()}


def changed(before: dict, after: dict) -> set[str]:
    keys = set(before) | set(after)
    return {k for k in keys if before.get(k, (None,))[0] != after.get(k, (None,))[0]}


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    root = tmp_path / "gen"
    write_sitegen(root, posts(40))  # enough posts to use the worker processes
    return root


def test_warm_equals_cold_and_rewrites_nothing(demo: SiteDir, generated: Path) -> None:
    for root in (demo.root, generated):
        build(root)
        cold = snapshot(root)
        build(root)
        warm = snapshot(root)
        assert warm == cold  # same bytes, same inodes: nothing was written again
        shutil.rmtree(root / "build/.cache")
        build(root)
        assert contents(snapshot(root)) == contents(cold)


def test_corrupt_cache_is_ignored(demo: SiteDir) -> None:
    build(demo.root)
    cold = contents(snapshot(demo.root))
    for pack in (demo.root / "build/.cache/packs").glob("*.pack"):
        pack.write_bytes(pack.read_bytes()[:-100])
    shared = Path(os.environ.get("SITEGEN_CACHE_DIR") or demo.root / "build/.cache")
    entry = next((shared / "render").rglob("*.jpg"))  # verified on read: it is made again
    entry.write_bytes(b"not an image")
    for compiled in (demo.root / "build/.cache/templates").iterdir():
        compiled.write_bytes(compiled.read_bytes()[:40])
    shutil.rmtree(demo.root / "build/site")
    build(demo.root)
    assert contents(snapshot(demo.root)) == cold


def post_slugs(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "content/posts").iterdir())


def edit_and_approve(root: Path, slug: str) -> None:
    index = root / "content/posts" / slug / "index.md"
    text = index.read_text().replace("summary: ", "summary: Updated. ", 1)
    index.write_text(text.rstrip("\n") + "\n\nAn update from the office.\n")
    assert main(["--site", str(root), "--now", NOW, "approve", slug, "--by", "head"]) == 0


@pytest.mark.parametrize("age", [5, 37])  # an old post, and one in the feeds' newest 20
def test_one_post_edit_changes_exactly_what_lists_it(generated: Path, age: int) -> None:
    build(generated)
    before = snapshot(generated)
    slugs = post_slugs(generated)
    slug = slugs[age]
    edit_and_approve(generated, slug)
    build(generated)
    after = snapshot(generated)
    index = (generated / "content/posts" / slug / "index.md").read_text()
    tags = index.split("tags: [")[1].split("]")[0].split(", ")
    newest_first = sorted(slugs, reverse=True)
    page = newest_first.index(slug) // 10 + 1
    page_file = "index.html" if page == 1 else f"page/{page}/index.html"
    expected = {
        f"build/site/posts/{slug}/index.html",
        f"build/site/{page_file}",
        f"build/exports/x/{slug}/post.txt",
        f"build/exports/x/{slug}/manifest.json",
        "build/exports/x/bulk.csv",
        "build/exports/x/pending.csv",  # (never posted: every post waits, this one changed)
        "build/site/sitemap.xml",  # (its lastmod: the day the edit was approved)
    }
    if newest_first.index(slug) < FEED_ITEMS:
        expected |= {"build/site/feed.xml", "build/site/feed.json"}
    tag_pages = {k for k in changed(before, after) if k.startswith("build/site/tags/")}
    assert tag_pages and all(any(f"/tags/{t}/" in k for t in tags) for k in tag_pages)
    assert changed(before, after) - tag_pages == expected
    unchanged = set(before) - changed(before, after)
    relinked = sorted(k for k in unchanged if before[k][1] != after[k][1])
    assert relinked == []  # unchanged files are linked, not written again


def test_template_change_reaches_every_page_and_nothing_else(demo: SiteDir) -> None:
    build(demo.root)
    before = snapshot(demo.root)
    base = demo.root / "templates/base.html"
    base.write_text(base.read_text().replace("<footer", "<!-- new --><footer"))
    build(demo.root)
    diff = changed(before, snapshot(demo.root))
    pages = {k for k in before if k.endswith(".html")}
    assert diff == pages


def test_settings_and_register_changes(demo: SiteDir) -> None:
    build(demo.root)
    before = snapshot(demo.root)
    toml = demo.root / "site.toml"
    toml.write_text(toml.read_text().replace('jjones = "Mrs Jones"', 'jjones = "Mrs E. Jones"'))
    build(demo.root)
    diff = changed(before, snapshot(demo.root))
    assert "build/site/posts/2026-10-02-castell-coch-visit/index.html" in diff  # by jjones
    assert "build/site/posts/2026-09-04-welcome-back/index.html" not in diff  # by head
    assert not any(k.endswith(".jpg") for k in diff)

    before = snapshot(demo.root)
    register = demo.root / "content/consent.csv"
    # P1004's website-only consent becomes Instagram too: the gatehouse photo may go there.
    register.write_text(
        register.read_text().replace(
            "P1004,Gethin,Llywelyn,Year 4,yes,no,no,no",
            "P1004,Gethin,Llywelyn,Year 4,yes,no,yes,no",
        )
    )
    build(demo.root)
    diff = changed(before, snapshot(demo.root))
    assert any("instagram/2026-10-02-castell-coch-visit/02-photo-3" in k for k in diff)
    assert not any(k.startswith("build/site/") for k in diff)


def test_code_version_is_part_of_every_key() -> None:
    from sitegen.engine import keys

    assert len(keys.CODE_VERSION) == 32
    key = keys.cache_key("x", 1)
    original = keys.CODE_VERSION
    try:
        keys.CODE_VERSION = b"\0" * 32
        assert keys.cache_key("x", 1) != key
    finally:
        keys.CODE_VERSION = original


def test_the_benchmark_builds_the_sites_the_tests_build() -> None:
    import bench.builds

    assert bench.builds.posts is posts and bench.builds.write_sitegen is write_sitegen


def test_nothing_changed_but_the_clock(site: SiteDir) -> None:
    """A build of unchanged files still follows the clock: withdrawals and due dates."""
    site.post("free-day", pupils=["P5"], date="2026-11-02")  # P5's consent ends on 2026-11-15
    site.post("later", date="2026-11-20T09:00")
    for slug in ("free-day", "later"):
        assert (
            main(["--site", str(site.root), "--now", "2026-11-05", "approve", slug, "--by", "head"])
            == 0
        )

    def published(now: str) -> set[str]:
        assert main(["--site", str(site.root), "--now", now, "build"]) == 0
        return {p.parent.name for p in (site.root / "build/site/posts").glob("*/index.html")}

    assert published("2026-11-10T12:00") == {"free-day"}
    assert published("2026-11-10T13:00") == {"free-day"}  # remembered: nothing to do
    assert published("2026-11-15T00:00") == set()  # the withdrawal took effect
    assert published("2026-11-20T09:00") == {"later"}  # and the scheduled post fell due


def test_memo_follows_the_clock_backwards(site: SiteDir) -> None:
    site.post("later", date="2026-12-24T09:00")
    assert (
        main(["--site", str(site.root), "--now", "2026-11-05", "approve", "later", "--by", "head"])
        == 0
    )
    assert main(["--site", str(site.root), "--now", "2027-01-01", "build"]) == 0
    assert (site.root / "build/site/posts/later").exists()
    assert main(["--site", str(site.root), "--now", "2026-11-25", "build"]) == 0
    assert not (site.root / "build/site/posts/later").exists()


def test_renamed_folder_and_replaced_image_in_a_subfolder(site: SiteDir) -> None:
    from imagegen import save_photo  # type: ignore[import-not-found]

    folder = site.root / "content/posts/trip"
    save_photo(folder / "photos" / "a.jpg", "castle", size=(640, 480))
    site.post(
        "trip",
        date="2026-11-02",
        images=[{"file": "photos/a.jpg", "alt": "The castle", "pupils": []}],
    )
    assert (
        main(["--site", str(site.root), "--now", "2026-11-05", "approve", "trip", "--by", "head"])
        == 0
    )
    assert main(["--site", str(site.root), "--now", NOW, "build"]) == 0
    published = {p.name: p.read_bytes() for p in (site.root / "build/site/posts/trip").iterdir()}
    save_photo(folder / "photos" / "a.jpg", "beach", size=(640, 480))  # swapped after approval
    assert main(["--site", str(site.root), "--now", NOW, "build"]) == 0
    # Stale: the approved revision stays live, its photo as approved, never the new one.
    after = {p.name: p.read_bytes() for p in (site.root / "build/site/posts/trip").iterdir()}
    assert after == published
    (folder / "photos" / "a.jpg").unlink()
    save_photo(folder / "photos" / "a.jpg", "castle", size=(640, 480))
    folder.rename(site.root / "content/posts/Renamed_Trip")
    import io
    import json
    from contextlib import redirect_stdout

    out = io.StringIO()
    with redirect_stdout(out):
        main(["--site", str(site.root), "--now", NOW, "check", "--json"])
    (post,) = json.loads(out.getvalue())["posts"]
    assert post["slug"] == "Renamed_Trip" and "SG100" in {f["code"] for f in post["findings"]}


def test_many_edits_in_a_row_equal_a_cold_build(generated: Path, tmp_path: Path) -> None:
    """Live and spare trees take turns: after edits, a removal and an outside deletion, the
    site is still exactly what a cold build makes of the same content."""
    build(generated)
    slugs = post_slugs(generated)
    for slug in (slugs[3], slugs[30], slugs[3]):  # the third build writes into the first's tree
        edit_and_approve(generated, slug)
        build(generated)
    shutil.rmtree(generated / "content/posts" / slugs[10])  # a post removed
    build(generated)
    # Someone deletes a page the memory vouches for, in both trees: it is made again.
    for tree in ("site", ".spare-site"):
        (generated / f"build/{tree}/posts/{slugs[20]}/index.html").unlink()
    edit_and_approve(generated, slugs[25])
    build(generated)
    warm = contents(snapshot(generated))
    assert f"build/site/posts/{slugs[20]}/index.html" in warm
    assert not any(slugs[10] in k for k in warm)
    cold = tmp_path / "cold"
    shutil.copytree(generated, cold, ignore=shutil.ignore_patterns("build"))
    build(cold)
    assert contents(snapshot(cold)) == warm


def test_spare_tree_is_never_live_and_a_damaged_one_is_rebuilt(generated: Path) -> None:
    build(generated)
    slugs = post_slugs(generated)
    edit_and_approve(generated, slugs[1])
    build(generated)
    spare = generated / "build/.spare-site"
    assert spare.is_dir()
    (spare / "index.html").write_bytes(b"damaged")  # its manifest no longer vouches for it
    (spare / "stray.html").write_bytes(b"dropped in")
    edit_and_approve(generated, slugs[2])
    build(generated)
    live = generated / "build/site"
    assert (live / "index.html").read_bytes() != b"damaged"
    assert not (live / "stray.html").exists()


def test_a_file_dropped_into_the_live_site_goes_at_the_next_build(generated: Path) -> None:
    build(generated)
    before = contents(snapshot(generated))
    (generated / "build/site/tags/sport/notes.txt").write_bytes(b"dropped in")
    build(generated)  # nothing else changed
    assert contents(snapshot(generated)) == before


def test_workers_and_one_process_make_the_same_site(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(generated)  # 40 posts: made in worker processes
    serial = tmp_path / "serial"
    shutil.copytree(generated, serial, ignore=shutil.ignore_patterns("build"))
    build_with(serial, parallel_from=10**9)
    assert contents(snapshot(serial)) == contents(snapshot(generated))


def test_remembered_posts_follow_the_audit_log_and_the_leaders(generated: Path) -> None:
    """Remembered posts are judged again when an audit entry is altered (the chain breaks, and
    no approval counts until the log is restored), or when their approver stops being a
    leader: they leave the site."""
    build(generated)
    slugs = post_slugs(generated)
    log = generated / "content/records/audit.jsonl"
    original = log.read_text()
    lines = original.splitlines()
    lines[4] = lines[4].replace('"by": "head"', '"by": "deputy"')  # the 5th post's entry
    log.write_text("\n".join(lines) + "\n")
    build(generated)
    live = generated / "build/site/posts"
    assert not live.exists()  # every post, the 5th's own entry or not
    log.write_text(original)  # restored from a backup
    build(generated)
    assert all((live / slug).exists() for slug in slugs)
    toml = generated / "site.toml"
    toml.write_text(toml.read_text().replace('leaders = ["head"]', 'leaders = ["deputy"]'))
    build(generated)
    assert not live.exists()  # no post published, so no posts folder


# --- what a review of the remembering found: each once a way to publish the wrong thing ----


def test_a_post_saved_during_the_build_stops_it(
    site: SiteDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sitegen import making as units

    site.post("p", date="2026-11-02")
    assert main(["--site", str(site.root), "--now", NOW, "approve", "p", "--by", "head"]) == 0
    # (approved before sitegen kept approved revisions: the edit itself is what is read)
    shutil.rmtree(site.root / "content/records/approved")
    build(site.root)
    before = contents(snapshot(site.root))
    index = site.root / "content/posts/p/index.md"
    index.write_text(index.read_text() + "\nAn edit after approval.\n")
    real = units.Maker.units

    def racing(self, analyses, *args, **kwargs):  # type: ignore[no-untyped-def]
        made = real(self, analyses, *args, **kwargs)
        index.write_text(index.read_text() + "\nAnd another, while the build runs.\n")
        return made

    monkeypatch.setattr(units.Maker, "units", racing)
    assert main(["--site", str(site.root), "--now", NOW, "build"]) == 2
    assert contents(snapshot(site.root)) == before  # nothing published, nothing remembered
    monkeypatch.undo()
    build(site.root)
    assert not (site.root / "build/site/posts/p").exists()  # stale: edited after approval


def test_a_photo_replaced_before_rendering_is_never_rendered_or_cached(tmp_path: Path) -> None:
    from imagegen import save_photo  # type: ignore[import-not-found]

    from sitegen.engine.keys import content_hash
    from sitegen.engine.store import ResultFiles
    from sitegen.images import Job, RenderSpec, render_all

    photo = tmp_path / "a.jpg"
    save_photo(photo, "castle", size=(640, 480))
    approved = content_hash(photo.read_bytes())
    save_photo(photo, "beach", size=(640, 480), seed=3)  # swapped after it was hashed
    cache = ResultFiles(tmp_path / "cache")
    (result,) = render_all([Job(photo, "photo-1", RenderSpec((480,), 80, 10**8), approved)], cache)
    assert isinstance(result, Exception) and "changed" in str(result)
    assert not (tmp_path / "cache/render").exists() or not any(
        (tmp_path / "cache/render").rglob("*.jpg")
    )


def test_damaged_memo_and_manifests_are_ignored(generated: Path) -> None:
    build(generated)
    before = contents(snapshot(generated))
    for path in (
        generated / "build/.cache/last-build.pickle",
        generated / "build/.manifest-site.pickle",
        generated / "build/.manifest-spare-site.pickle",
    ):
        data = bytearray(path.read_bytes())
        for at in range(10, len(data), 97):
            data[at] ^= 0x5A
        path.write_bytes(bytes(data))
    build(generated)
    assert contents(snapshot(generated)) == before


def test_a_static_file_replaced_by_rename_reaches_the_site(site: SiteDir) -> None:
    build(site.root)
    css = site.root / "templates/static/site.css"
    fresh = css.with_name("site.css.new")
    fresh.write_text(css.read_text() + "\n/* new */\n")
    os.replace(fresh, css)  # as editors and git save a file
    build(site.root)
    live = site.root / "build/site/static/site.css"
    assert live.read_text().endswith("/* new */\n")
    assert live.stat().st_ino != css.stat().st_ino  # a copy: editing the source is no edit


def test_a_photo_that_failed_once_is_tried_again(
    site: SiteDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    from imagegen import save_photo  # type: ignore[import-not-found]

    from sitegen import images

    save_photo(site.root / "content/posts/p/a.jpg", "castle", size=(640, 480))
    site.post("p", date="2026-11-02", images=[{"file": "a.jpg", "alt": "A castle", "pupils": []}])
    assert main(["--site", str(site.root), "--now", NOW, "approve", "p", "--by", "head"]) == 0

    def out_of_memory(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise MemoryError("a passing fault")

    monkeypatch.setattr(images, "render_image", out_of_memory)
    monkeypatch.setattr(images, "_cached", lambda job, cache: None)
    build(site.root)
    assert not (site.root / "build/site/posts/p").exists()
    monkeypatch.undo()
    build(site.root)
    assert (site.root / "build/site/posts/p/index.html").exists()


def test_a_removed_post_leaves_both_trees_at_once(generated: Path) -> None:
    build(generated)
    slugs = post_slugs(generated)
    edit_and_approve(generated, slugs[1])
    build(generated)  # now there is a spare tree
    shutil.rmtree(generated / "content/posts" / slugs[7])
    build(generated)
    for tree in ("site", ".spare-site", "exports", ".spare-exports"):
        names = [p.as_posix() for p in (generated / "build" / tree).rglob("*")]
        assert not any(slugs[7] in name for name in names), tree


def test_a_restored_ledger_is_written_again(generated: Path) -> None:
    build(generated)
    ledger = generated / "content/records/publications.jsonl"
    lines = len(ledger.read_text().splitlines())
    first = ledger.read_text().splitlines(keepends=True)[0]
    ledger.write_text(first)  # restored from an old backup (an empty one is lost: refused)
    build(generated)  # nothing else changed
    assert len(ledger.read_text().splitlines()) == lines


def test_a_cached_photo_damaged_in_place_is_made_again(site: SiteDir) -> None:
    from imagegen import save_photo  # type: ignore[import-not-found]

    save_photo(site.root / "content/posts/p/a.jpg", "castle", size=(640, 480))
    site.post("p", date="2026-11-02", images=[{"file": "a.jpg", "alt": "A castle", "pupils": []}])
    assert main(["--site", str(site.root), "--now", NOW, "approve", "p", "--by", "head"]) == 0
    build(site.root)
    before = contents(snapshot(site.root))
    live = site.root / "build/site/posts/p/photo-1-480.jpg"
    with live.open("r+b") as handle:  # the live file is a link into the cache: both damaged
        handle.write(b"not a jpeg")
    site.post("q", date="2026-11-03")  # some other change, so the build does run
    build(site.root)
    after = contents(snapshot(site.root))
    assert (
        after["build/site/posts/p/photo-1-480.jpg"] == before["build/site/posts/p/photo-1-480.jpg"]
    )


def test_a_spare_tree_nobody_can_vouch_for_goes(generated: Path) -> None:
    build(generated)
    slugs = post_slugs(generated)
    edit_and_approve(generated, slugs[1])
    build(generated)
    (generated / "build/.manifest-site.pickle").unlink()  # lost: the live tree is unknown
    shutil.rmtree(generated / "content/posts" / slugs[9])
    build(generated)
    build(generated)
    names = [p.as_posix() for p in (generated / "build").rglob("*")]
    assert not any(slugs[9] in name and "/.cache/" not in name for name in names)


def test_a_photo_swapped_and_back_during_the_build_is_never_published(
    site: SiteDir, monkeypatch: pytest.MonkeyPatch
) -> None:
    from imagegen import save_photo  # type: ignore[import-not-found]

    from sitegen import making as units

    photo = site.root / "content/posts/p/a.jpg"
    save_photo(photo, "castle", size=(640, 480))
    site.post("p", date="2026-11-02", images=[{"file": "a.jpg", "alt": "A castle", "pupils": []}])
    assert main(["--site", str(site.root), "--now", NOW, "approve", "p", "--by", "head"]) == 0
    approved = photo.read_bytes()
    build(site.root)
    published = (site.root / "build/site/posts/p/photo-1-480.jpg").read_bytes()
    shutil.rmtree(site.root / "build")  # a cold build: the photo is rendered again
    real = units.render_images

    def swapping(*args, **kwargs):  # type: ignore[no-untyped-def]
        save_photo(photo, "beach", size=(640, 480), seed=9)  # not the approved photo
        try:
            return real(*args, **kwargs)
        finally:
            photo.unlink()
            photo.write_bytes(approved)  # and back before the build looks again

    monkeypatch.setattr(units, "render_images", swapping)
    main(["--site", str(site.root), "--now", NOW, "build"])
    live = site.root / "build/site/posts/p/photo-1-480.jpg"
    assert not live.exists() or live.read_bytes() == published
    monkeypatch.undo()
    build(site.root)
    assert live.read_bytes() == published


def test_packs_an_older_sitegen_kept_are_removed(site: SiteDir) -> None:
    site.post("p", date="2026-11-02")
    build(site.root)
    packs = site.root / "build/.cache/packs"
    (packs / "logs.pack").write_bytes(b"what an older version kept")
    site.post("q", date="2026-11-03")  # a build with something to remember
    build(site.root)
    assert not (packs / "logs.pack").exists()
    assert (packs / "memory.pack").exists()


def test_a_first_builds_spare_tree_is_made_aside_and_its_failure_costs_nothing(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(generated)  # the spare trees are made by a forked process while the build goes on
    for part in ("site", "exports"):
        live, spare = generated / "build" / part, generated / f"build/.spare-{part}"
        assert (generated / f"build/.manifest-spare-{part}.pickle").is_file()
        files = sorted(p.relative_to(live) for p in live.rglob("*") if p.is_file())
        assert files == sorted(p.relative_to(spare) for p in spare.rglob("*") if p.is_file())
        assert all((live / f).stat().st_ino == (spare / f).stat().st_ino for f in files)

    from sitegen.engine import standby as output

    parent, real = os.getpid(), output._double

    def dies(*args: object, **kwargs: object) -> object:
        if os.getpid() != parent:
            os._exit(9)  # the process making the spare trees dies half way
        return real(*args, **kwargs)  # type: ignore[arg-type]

    failing = tmp_path / "failing"
    shutil.copytree(generated, failing, ignore=shutil.ignore_patterns("build"))
    with monkeypatch.context() as patched:
        patched.setattr(output, "_double", dies)
        build(failing)  # published all the same
    assert not (failing / "build/.manifest-spare-site.pickle").exists()
    slugs = post_slugs(failing)
    edit_and_approve(failing, slugs[5])
    edit_and_approve(generated, slugs[5])
    build(failing)
    build(generated)
    assert contents(snapshot(failing)) == contents(snapshot(generated))


def test_work_shared_with_forked_processes_makes_the_same_build(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """List pages rendered by a forked copy, the memory saved by another, both trees written
    side by side: the same site, exports and memory as a build that does it all itself, and
    the next build (an edit) finds everything it remembered."""
    from sitegen.engine import forking as spread
    from sitegen.engine import standby as output

    alone = tmp_path / "alone"
    shutil.copytree(generated, alone)
    forks = []
    real_fork = os.fork

    def counted() -> int:
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(spread.os, "fork", counted)
    build_with(generated, pages_per_core=2, save_in_background_from=1)
    assert len(forks) >= 4  # list pages, the memory, the second tree, the spare trees
    monkeypatch.setattr(output, "fork_map", lambda f, items, **_: [f(i) for i in items])
    build_with(alone, pages_per_core=10**9, save_in_background_from=10**9)
    assert contents(snapshot(generated)) == contents(snapshot(alone))
    packs = {p.name for p in (generated / "build/.cache/packs").iterdir()}
    assert packs == {p.name for p in (alone / "build/.cache/packs").iterdir()}
    slugs = post_slugs(generated)
    for root in (generated, alone):
        edit_and_approve(root, slugs[4])
        build(root)
    assert contents(snapshot(generated)) == contents(snapshot(alone))


def test_a_first_builds_workers_write_each_posts_files_and_their_spare_links(
    generated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workers of a first build write the pages and bundles into the new trees (and link
    them into the spare trees) themselves: the build writes only the lists and what is
    shared; the next build, with nothing changed, finds every record holding."""
    from sitegen.engine import standby as output

    parent, real, by_build = os.getpid(), output._write, []

    def noted(path: str, data: bytes) -> None:
        if os.getpid() == parent:
            by_build.append(path)
        real(path, data)

    monkeypatch.setattr(output, "_write", noted)
    build(generated)
    posts = sorted((generated / "build/site/posts").iterdir())
    assert len(posts) == 40
    written = {os.path.relpath(p, generated / "build") for p in by_build}
    assert not any(p.endswith("/index.html") and "/posts/" in p for p in written)
    assert not any(p.startswith(".spare-exports/") for p in written)
    assert ".spare-site/index.html" in written  # the home page: a list, made by the build
    assert not list((generated / "build").glob(".double-*"))
    for part in ("site", "exports"):
        live, spare = generated / "build" / part, generated / f"build/.spare-{part}"
        files = sorted(p.relative_to(live) for p in live.rglob("*") if p.is_file())
        assert files == sorted(p.relative_to(spare) for p in spare.rglob("*") if p.is_file())
        assert all((live / f).stat().st_ino == (spare / f).stat().st_ino for f in files)
    before = snapshot(generated)
    by_build.clear()
    build(generated)
    assert snapshot(generated) == before and not by_build  # (inodes too: nothing rewritten)


def test_a_first_build_stopped_after_its_workers_wrote_leaves_nothing_live(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sitegen import making as units

    clean = tmp_path / "clean"
    shutil.copytree(generated, clean)
    slugs = post_slugs(generated)
    index = generated / "content/posts" / slugs[3] / "index.md"
    real = units.Maker.units

    def racing(self, analyses, *args, **kwargs):  # type: ignore[no-untyped-def]
        made = real(self, analyses, *args, **kwargs)  # (in a worker: the files are written)
        if any(a.post.slug == slugs[3] for a in analyses):
            index.write_text(index.read_text() + "\nSaved while the build runs.\n")
        return made

    monkeypatch.setattr(units.Maker, "units", racing)
    assert main(["--site", str(generated), "--now", NOW, "build"]) == 2
    assert not (generated / "build/site").exists() and not (generated / "build/exports").exists()
    monkeypatch.undo()
    clean_index = clean / "content/posts" / slugs[3] / "index.md"
    clean_index.write_text(index.read_text())
    build(generated)
    build(clean)
    assert contents(snapshot(generated)) == contents(snapshot(clean))
    assert not list((generated / "build").glob(".double-*"))


@pytest.mark.parametrize("meanwhile", ["grown", "edited"])
def test_a_ledger_read_aside_is_taken_as_the_ledger_stands_when_the_build_records(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, meanwhile: str
) -> None:
    """A first build reads a long ledger in a forked process while it reads everything else.
    A ledger that grew (a removal recorded) or was edited meanwhile (restored from a backup,
    say) is read as it stands: the build records what one that read it at the end records."""
    import json

    from sitegen import build as build_module
    from sitegen import records
    from sitegen.site import Site

    build(generated)
    shutil.rmtree(generated / "build")  # the next build is a first build, the ledger long
    ledger = generated / records.LEDGER
    slugs = post_slugs(generated)
    removal = json.dumps(
        {
            "event": "removed",
            "at": "2026-11-24T09:00:00+00:00",
            "slug": slugs[2],
            "platform": "website",
            "url": None,
        }
    )

    def change(path: Path) -> None:
        if meanwhile == "grown":
            path.write_text(path.read_text() + removal + "\n")
        else:
            path.write_text(path.read_text().replace('"published"', '"taken_down"', 1))

    expected = tmp_path / "expected"
    shutil.copytree(generated, expected)
    change(expected / records.LEDGER)
    build_with(expected, ledger_in_background_from=10**12)  # read where it is recorded

    real = build_module._read_ledger_in_background
    asides = []

    class Read:
        def __init__(self, answer: object) -> None:
            self.answer = answer

        def result(self) -> object:
            answer, self.answer = self.answer, None
            return answer

        def close(self) -> None:
            pass

    def read_then_change(site: Site, options: object) -> object:
        forked = real(site, options)  # type: ignore[arg-type]
        assert forked is not None
        asides.append(answer := forked.result())  # read whole by the forked process ...
        change(ledger)  # ... and only then changed
        return Read(answer)

    monkeypatch.setattr(build_module, "_read_ledger_in_background", read_then_change)
    build_with(generated, ledger_in_background_from=0)
    assert asides and asides[0]  # the forked process's reading was offered
    assert ledger.read_text() == (expected / records.LEDGER).read_text()
    assert contents(snapshot(generated)) == contents(snapshot(expected))


def test_timings_show_each_stage_and_a_remembered_build(
    generated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def timings() -> dict[str, float]:
        capsys.readouterr()
        assert main(["--site", str(generated), "--now", NOW, "build", "--timings"]) == 0
        lines = [line.rsplit(maxsplit=2) for line in capsys.readouterr().out.splitlines()]
        return {w[0].strip(): float(w[1]) for w in lines if len(w) == 3 and w[2] == "ms"}

    cold = timings()
    story = [
        "load the site",
        "read posts",
        "posts",
        "read and analyse",
        "inspect photos",
        "judge",
        "decide",
        "make outputs",
        "lists, feeds and exports",
        "plan the output",
        "record in the ledger",
        "publish",
        "remember",
        "standby trees",
    ]
    assert list(cold) == story  # the policy's story, in order (the build's docstring)
    assert all(ms >= 0 for ms in cold.values())
    assert list(timings()) == ["load the site", "read posts", "unchanged"]  # nothing re-made
    edit_and_approve(generated, post_slugs(generated)[3])
    assert "posts" in timings()
