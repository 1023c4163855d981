"""Small sites built in a temporary folder, and helpers to run sitegen on them."""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))

from imagegen import save_photo

from sitegen.cli import main

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"  # real photos, with their sources: fixtures/README.md
PHOTOS = FIXTURES / "photos"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regenerate-golden",
        action="store_true",
        help="write tests/golden/ anew from this build (then review the diff)",
    )


SITE_TOML = """\
[site]
title = "Ysgol Prawf"
base_url = "https://news.test.sch.uk/"
language = "en"
timezone = "Europe/London"
per_page = 3

[site.authors]
jjones = "Mrs Jones"

[policy]
leaders = ["head", "deputy"]
consent_register = "content/consent.csv"
platforms = ["website", "facebook", "instagram", "x"]
closed_platforms = ["facebook"]
approved_devices = []
tone_threshold = -0.05
ocr = "off"
faces = "off"

[images]
widths = [480, 960]
quality = 80
max_pixels = 40000000

[exports.x]
max_chars = 280
link_chars = 23
max_images = 4

[exports.instagram]
max_chars = 2200
max_images = 10
requires_image = true

[exports.facebook]
max_chars = 60000
max_images = 10
"""

REGISTER = """\
pupil_id,first_name,last_name,class,website,facebook,instagram,x,name,withdrawn_on
P1,Mia,Jones,Year 4,yes,yes,yes,yes,no,
P2,Osian,Pritchard,Year 4,yes,yes,no,no,yes,
P3,Elin Ffion,Davies,Year 4,yes,yes,yes,yes,full,
P4,Tomos,Bowen,Year 3,yes,no,no,no,no,
P5,Dylan,Watkins,Year 3,yes,yes,yes,yes,yes,2026-11-15
P6,Siân,Llŷr,Year 2,yes,yes,yes,yes,yes,
"""

NOW = "2026-11-25T12:00"


def front_matter(**overrides: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "title": "Year 4 visit the castle",
        "date": "2026-11-20",
        "author": "jjones",
        "summary": "Year 4 sketched the towers.",
        "tags": ["year-4"],
        "platforms": ["website"],
        "audience": "public",
        "lang": "en",
        "pupils": [],
        "named": [],
        "images": [],
        "status": "draft",
    }
    meta.update(overrides)
    return {k: v for k, v in meta.items() if v is not ...}


class NoAliases(yaml.SafeDumper):
    """Each value written out: sitegen refuses YAML aliases in front matter (as it should)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


@dataclass
class SiteDir:
    root: Path

    def post(
        self,
        slug: str,
        body: str = "A wonderful day was had by all.\n",
        files: dict[str, str] | None = None,
        raw: str | None = None,
        **meta: Any,
    ) -> Path:
        """Write content/posts/<slug>/index.md; `files` maps image file name -> scene kind."""
        folder = self.root / "content" / "posts" / slug
        folder.mkdir(parents=True, exist_ok=True)
        for name, kind in (files or {}).items():
            save_photo(folder / name, kind, size=(640, 480))
        index = folder / "index.md"
        if raw is not None:
            index.write_text(raw, encoding="utf-8")
        else:
            header = yaml.dump(
                front_matter(**meta), Dumper=NoAliases, sort_keys=False, allow_unicode=True
            )
            index.write_text(f"---\n{header}---\n{body}", encoding="utf-8")
        return index

    def register(self, text: str) -> None:
        (self.root / "content" / "consent.csv").write_text(text, encoding="utf-8")

    def withdraw(self, pupil: str, on: str) -> None:
        """Record in the register that `pupil`'s parents withdrew consent on `on`."""
        register = self.root / "content" / "consent.csv"
        lines = []
        for line in register.read_text(encoding="utf-8").splitlines():
            if line.startswith(pupil + ","):
                line = line.rstrip(",") + "," + on if line.endswith(",") else line
            lines.append(line)
        register.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def config(self, text: str) -> None:
        (self.root / "site.toml").write_text(text, encoding="utf-8")


@pytest.fixture(autouse=True, scope="session")
def shared_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """One content-addressed cache for every site the tests build: OCR and photos once."""
    import os

    os.environ["SITEGEN_CACHE_DIR"] = str(tmp_path_factory.mktemp("sitegen-cache"))


@pytest.fixture
def site(tmp_path: Path) -> SiteDir:
    root = tmp_path / "site"
    (root / "content" / "posts").mkdir(parents=True)
    shutil.copytree(REPO / "templates", root / "templates")
    s = SiteDir(root)
    s.config(SITE_TOML)
    s.register(REGISTER)
    return s


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run the sitegen CLI in-process: run(site, "check", "--json")."""

    def runner(site: SiteDir, *args: str, now: str | None = NOW) -> Result:
        argv = ["--site", str(site.root)]
        if now:
            argv += ["--now", now]
        capsys.readouterr()
        code = main([*argv, *args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return runner


def copy_demo(root: Path) -> SiteDir:
    """A copy of the repository's demo site at `root`."""
    root.mkdir(parents=True)
    shutil.copy2(REPO / "site.toml", root / "site.toml")
    for part in ("content", "templates"):
        shutil.copytree(REPO / part, root / part)
    return SiteDir(root)


@pytest.fixture
def demo(tmp_path: Path) -> SiteDir:
    return copy_demo(tmp_path / "demo")
