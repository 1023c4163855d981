"""The demo site's whole output, held to a golden tree that changes only in reviewed diffs.

`tests/golden/demo/` keeps every text file the demo's build writes (pages, feeds, sitemap,
export texts and manifests, bulk.csv, report.json) as it is, and `images.sha256` the hash of
every published photo. A change of behaviour shows as a diff of these files; a refactor shows
none. After an intended change: `make golden` (or `pytest tests/test_golden.py
--regenerate-golden`), then read the diff before committing it.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from sitegen.cli import main
from tests.conftest import REPO, copy_demo

GOLDEN = REPO / "tests/golden/demo"
NOW = "2026-12-06T12:00"  # the demo's clock: fixed, so the output is
PARTS = ("site", "exports", "report.json")
TEXT = {".html", ".xml", ".json", ".txt", ".csv", ".css", ".svg", ""}


def output_files(build: Path) -> dict[str, bytes]:
    files = {}
    for part in PARTS:
        top = build / part
        paths = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in paths:
            files[path.relative_to(build).as_posix()] = path.read_bytes()
    return files


def golden_form(files: dict[str, bytes]) -> dict[str, bytes]:
    """Text files as they are; photos by their hashes, in one reviewable list."""
    texts = {rel: data for rel, data in files.items() if Path(rel).suffix in TEXT}
    hashes = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {rel}\n"
        for rel, data in sorted(files.items())
        if rel not in texts
    )
    return {**texts, "images.sha256": hashes.encode()}


def stored() -> dict[str, bytes]:
    return {
        p.relative_to(GOLDEN).as_posix(): p.read_bytes() for p in GOLDEN.rglob("*") if p.is_file()
    }


def test_the_demo_builds_the_golden_tree(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    demo = copy_demo(tmp_path / "demo")
    assert main(["--site", str(demo.root), "--now", NOW, "build"]) == 0
    made = golden_form(output_files(demo.root / "build"))
    if request.config.getoption("--regenerate-golden"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel, data in made.items():
            (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / rel).write_bytes(data)
    golden = stored()
    assert golden, "no golden tree: run `make golden` and review what it writes"
    assert sorted(made) == sorted(golden), "files made and golden files differ"
    changed = [rel for rel in made if made[rel] != golden[rel]]
    assert not changed, f"{len(changed)} file(s) differ from tests/golden/demo: {changed[:10]}"
