"""The output trees: the check process that compares them with their manifests, and what a
build does with its verdicts."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.engine.lastbuild import OUTPUT_PARTS
from sitegen.engine.manifests import MANIFEST, Checked, TreeCheck, load_manifest, save_manifest
from sitegen.engine.plan import OutputClash, OutputPlan
from sitegen.engine.treecheck import not_holding
from tests.test_incremental import build, contents, edit_and_approve, generated, snapshot

__all__ = ["generated"]  # the fixture, shared with test_incremental


def slugs(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "content/posts").iterdir())


def test_the_check_names_exactly_what_changed_since_the_manifest(generated: Path) -> None:
    build(generated)
    edit_and_approve(generated, slugs(generated)[1])
    build(generated)  # now both trees and their twins have manifests
    out = generated / "build"
    post = slugs(generated)[7]
    text = out / "exports/x" / post / "post.txt"
    text.write_bytes(text.read_bytes() + b" edited in place")  # same inode, same folder
    (out / ".spare-site/posts" / post / "index.html").unlink()
    with TreeCheck(out, OUTPUT_PARTS) as check:
        verdicts = {
            name: load_manifest(out / MANIFEST.format(name), check)
            for name in ("site", "exports", "report.json", "spare-site", "spare-exports")
        }
    for name, records in verdicts.items():  # exactly what stat-ing them here finds
        assert isinstance(records, Checked), name
        tree = out / (f".{name}" if name.startswith("spare-") else name)
        assert records.broken == set(not_holding(str(tree), records)), name
    assert f"x/{post}/post.txt" in verdicts["exports"].broken  # type: ignore[union-attr]
    assert f"posts/{post}/index.html" in verdicts["spare-site"].broken  # type: ignore[union-attr]
    assert not verdicts["site"].broken  # type: ignore[union-attr]


def test_a_verdict_never_covers_a_manifest_written_since(generated: Path) -> None:
    build(generated)
    out = generated / "build"
    manifest = out / MANIFEST.format("site")
    with TreeCheck(out, OUTPUT_PARTS) as check:
        records = load_manifest(manifest, check)
        assert isinstance(records, Checked) and not records.broken
        # Written again by someone else, naming another stat for a file: no verdict for it.
        rel = next(r for r in records if r.endswith(".html"))
        fingerprint, size, mtime, inode = records[rel]
        save_manifest(manifest, {**records, rel: (fingerprint, size, mtime + 1, inode)})
        again = load_manifest(manifest, check)
    assert again is not None and not isinstance(again, Checked)


def test_a_file_edited_in_place_in_a_tree_that_did_not_change_is_made_again(
    generated: Path,
) -> None:
    build(generated)
    post = slugs(generated)[4]
    text = generated / "build/exports/x" / post / "post.txt"
    before = text.read_bytes()
    text.write_bytes(b"edited by hand")  # in place: only the file's own stat moves
    edit_and_approve(generated, slugs(generated)[30])  # the site changes, the exports do not
    build(generated)
    assert text.read_bytes() == before


@pytest.mark.parametrize("failure", ["cannot start", "dies", "says nonsense"])
def test_a_build_without_the_check_is_the_same_build(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    build(generated)
    post = slugs(generated)[4]
    page = generated / "build/site/posts" / post / "index.html"
    page.write_bytes(b"edited by hand")
    real = subprocess.Popen

    def broken(args: list[str], **kwargs):  # type: ignore[no-untyped-def]
        if failure == "cannot start":
            raise OSError("no processes left")
        code = "import sys; sys.exit(3)" if failure == "dies" else "print('hello')"
        return real([args[0], "-c", code], **kwargs)

    monkeypatch.setattr(subprocess, "Popen", broken)
    edit_and_approve(generated, slugs(generated)[30])
    build(generated)
    assert page.read_bytes() != b"edited by hand"
    monkeypatch.undo()
    cold = tmp_path / "cold"
    shutil.copytree(generated, cold, ignore=shutil.ignore_patterns("build"))
    build(cold)
    assert contents(snapshot(cold)) == contents(snapshot(generated))


def test_the_check_process_is_never_left_behind(generated: Path) -> None:
    build(generated)
    check = TreeCheck(generated / "build", OUTPUT_PARTS)
    check.close()  # before anyone asked for its answer
    process = check._process
    assert process is not None and process.returncode is not None


def leaves_the_folder(path: str) -> bool:
    """The rule as first written: an empty, absolute or ".." part, or a backslash."""
    parts = path.split("/")
    return not path or path.startswith("/") or ".." in parts or "" in parts or "\\" in path


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["a", "b.html", "..", ".", "", "/", "\\", "x..y"]), max_size=6))
def test_no_output_path_leaves_the_output_folder(pieces: list[str]) -> None:
    path = "/".join(pieces)
    plan = OutputPlan()
    if leaves_the_folder(path):
        with pytest.raises(OutputClash, match="would leave the output folder"):
            plan.add(path, b"x")
    else:
        plan.add(path, b"x")
        with pytest.raises(OutputClash, match="two outputs want"):
            plan.add(path, b"y")


@pytest.mark.parametrize("path", ["../x", "a/../../b", "/etc/passwd", "a//b", "a/", "a\\b", ""])
def test_paths_outside_are_refused(path: str) -> None:
    with pytest.raises(OutputClash):
        OutputPlan().add(path, b"x")


def test_two_outputs_at_one_path_are_a_clear_error_not_a_traceback(run, site, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Were two things ever to want one file, the build says so in one line (exit 2) and
    publishes nothing: the live site stays as it was."""
    from sitegen import lists as pipeline

    site.post("p", title="A day")
    assert run(site, "approve", "p", "--by", "head", now="2026-11-01T09:00").code == 0
    assert run(site, "build").code == 0
    before = (site.root / "build/site/index.html").read_bytes()
    site.post("q", title="Another day")
    assert run(site, "approve", "q", "--by", "head", now="2026-11-01T09:00").code == 0
    made = pipeline.add_static

    def twice(plan, renderer):  # type: ignore[no-untyped-def]
        made(plan, renderer)
        plan.add("robots.txt", b"a second robots.txt")

    monkeypatch.setattr(pipeline, "add_static", twice)
    result = run(site, "build")
    assert result.code == 2 and "two outputs want robots.txt" in result.err
    assert "Traceback" not in result.err
    assert (site.root / "build/site/index.html").read_bytes() == before
