"""Whole broken sites, each with the exact `sitegen check` output it must give.

Every folder in `tests/sites/invalid/` is a small site broken in one way a user really breaks
a site (its README lists them). `expected.txt` holds what a user sees from

    sitegen --site <case> --now 2026-11-25T12:00 check

with its output to a pipe (no colour, stdout and stderr together in the order written),
then a line `exit: N`. Error text is part of the product: a change to a message shows as a
diff of these files. After an intended change: `pytest tests/test_invalid_sites.py
--regenerate-golden`, then read the diff before committing it.

Photos are not committed: each case's `photos.toml` says which to draw (tests/imagegen.py)
or copy from tests/fixtures, and the test makes them in its copy of the site. The site is
always checked in a temporary copy, never in tests/sites (check may write there).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from sitegen.findings import CODES
from tests.conftest import FIXTURES, REPO
from tests.imagegen import save_photo

CASES = REPO / "tests/sites/invalid"
NOW = "2026-11-25T12:00"
NOT_IN_SITE = ("expected.txt", "photos.toml")  # the case's own files, not the site's

# Codes no case shows, and why. Every other code `check` can report must appear in a case.
NOT_COVERED = {
    "SG125": "reads text in photos with Tesseract OCR: the cases run with policy.ocr off, so "
    "their output does not depend on whether, or which, Tesseract is installed",
    "SG126": "counts faces with OpenCV: the cases run with policy.faces off, so their output "
    "does not depend on the detector's model and build (and no photo of a real child)",
}


def case_names() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if p.is_dir())


def make_photos(case: Path, site: Path) -> None:
    manifest = case / "photos.toml"
    if not manifest.exists():
        return
    photos: dict[str, dict[str, Any]] = tomllib.loads(manifest.read_text())["photos"]
    for rel, spec in photos.items():
        target = site / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if "copy" in spec:
            shutil.copyfile(FIXTURES / spec["copy"], target)
            continue
        options = {k: v for k, v in spec.items() if k != "scene"}
        if "size" in options:
            options["size"] = tuple(options["size"])
        for key in ("make", "model"):  # TOML has no null: "" is a photo without the tag
            if options.get(key) == "":
                options[key] = None
        save_photo(target, spec["scene"], **options)


def check_output(case: Path, workdir: Path) -> str:
    """What the user sees: `sitegen --site <case> ... check` in the folder above the site."""
    site = workdir / case.name
    shutil.copytree(case, site, ignore=shutil.ignore_patterns(*NOT_IN_SITE))
    make_photos(case, site)
    result = subprocess.run(
        [sys.executable, "-m", "sitegen", "--site", case.name, "--now", NOW, "check"],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one pipe for both, as a terminal or a CI log shows them
        env={**os.environ, "PYTHONPATH": str(REPO), "PYTHONIOENCODING": "utf-8"},
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    return f"{result.stdout}exit: {result.returncode}\n"


@pytest.mark.parametrize("name", case_names())
def test_check_output_of_an_invalid_site(
    name: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    case = CASES / name
    made = check_output(case, tmp_path)
    expected = case / "expected.txt"
    if request.config.getoption("--regenerate-golden"):
        expected.write_text(made, encoding="utf-8")
    assert expected.exists(), f"{name} has no expected.txt: run with --regenerate-golden"
    assert made == expected.read_text(encoding="utf-8")


def test_there_are_cases_and_each_is_a_site() -> None:
    names = case_names()
    assert len(names) >= 15
    for name in names:
        assert (CASES / name / "site.toml").is_file(), name
        assert (CASES / name / "content/consent.csv").is_file(), name
        assert list((CASES / name / "content/posts").glob("*/index.md")), name
        photos = [p for p in (CASES / name).rglob("*") if p.suffix.lower() in (".jpg", ".png")]
        assert not photos, f"{name}: photos are made by the test (photos.toml), not committed"


def test_every_code_check_reports_appears_in_a_case() -> None:
    shown: set[str] = set()
    for name in case_names():
        text = (CASES / name / "expected.txt").read_text(encoding="utf-8")
        shown |= set(re.findall(r"\bSG\d{3}\b", text))
    assert set(NOT_COVERED) <= set(CODES), "NOT_COVERED names a code that no longer exists"
    missing = set(CODES) - set(NOT_COVERED) - shown
    assert not missing, f"no case shows {sorted(missing)}: add one, or say why in NOT_COVERED"
    assert not shown & set(NOT_COVERED), "a case shows a code listed as not covered"
