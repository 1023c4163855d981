"""Seeded fuzzing of whole sites: mutated front matter, mutated real photos and odd files.

Every mutant gets a finding or a clean message: never a traceback, a hang or a leak, and never
takes down the valid post beside it. The commands run as processes of their own, with a time
limit, so that a hang fails the test instead of stopping the suite. Seeds are fixed: a failure
names its mutant, and runs again the same.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen.text import fold_fast, squashed
from tests.conftest import FIXTURES, REPO, SiteDir
from tests.test_images import CLEAN_GROUPS, exiftool

NOW = "2026-11-25T12:00"
VALID = """\
---
title: Year 4 visit the castle
date: 2026-11-20
author: jjones
summary: Year 4 sketched the towers.
tags: [year-4, trips]
platforms: [website, facebook, instagram, x]
audience: public
lang: en
pupils: [P1, P3]
named: []
images:
  - file: photo.jpg
    alt: Pupils sketching the towers
    caption: From the gatehouse
    pupils: [P1]
---
A wonderful day. Everyone drew the **towers** and the [gatehouse](https://example.com/).
"""
YAML_SPECIALS = [
    "&a ",
    "*a",
    "!!str ",
    "!!bool maybe",
    "[",
    "]",
    "{",
    "}",
    ": ",
    "- ",
    "\t",
    "\x00",
    "\ufeff",
    "\u202e",
    "'",
    '"',
    "|",
    ">",
    "#",
    "%",
    "@",
    "`",
    "~",
    "null",
    "0001-01-01",
    "9" * 40,
    "P1",
    "Mia Jones",
    "\n  - ",
    "\n",
    "..",
    "---",
    "\\",
    "\u2028",
]


def mutate_text(text: str, rng: random.Random) -> str:
    """One to three edits of the kinds that break YAML and front matter."""
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(7)
        i = rng.randrange(1, 17)  # somewhere in the header
        if kind == 0:  # a special inserted in a line
            line = lines[i]
            at = rng.randrange(len(line) + 1)
            lines[i] = line[:at] + rng.choice(YAML_SPECIALS) + line[at:]
        elif kind == 1:  # a line lost
            del lines[i]
        elif kind == 2:  # a line twice
            lines.insert(i, lines[i])
        elif kind == 3:  # a value moved to another key
            j = rng.randrange(1, 17)
            if ": " in lines[i] and ": " in lines[j]:
                key, _, _ = lines[i].partition(": ")
                _, _, value = lines[j].partition(": ")
                lines[i] = f"{key}: {value}"
        elif kind == 4:  # indentation changed
            lines[i] = rng.choice(["", " ", "    ", "\t"]) + lines[i].lstrip()
        elif kind == 5:  # a random byte-level character
            line = lines[i]
            at = rng.randrange(len(line) + 1)
            lines[i] = line[:at] + chr(rng.randrange(1, 0x3000)) + line[at:]
        else:  # the text cut short
            return "\n".join(lines)[: rng.randrange(len(text))]
    return "\n".join(lines)


PHOTOS = [
    FIXTURES / "photos/Canon_40D.jpg",
    FIXTURES / "photos/gps_DSCN0010.jpg",
    FIXTURES / "photos/orientation_portrait_5.jpg",
    FIXTURES / "photos/xmp_BlueSquare.jpg",
    FIXTURES / "photos/IMG_5195.HEIC",
    FIXTURES / "photos-more/hdr_iphone_hdr_YES.jpg",
    FIXTURES / "faces/no_faces_coffee.png",
]


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    """Real camera bytes damaged the ways files are: flipped bytes in the metadata, a segment
    twice, zeros, a cut."""
    data = bytearray(data)
    kind = rng.randrange(5)
    head = min(len(data), 4096)  # where the markers and metadata live
    if kind == 0:
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(2, head)] = rng.randrange(256)
    elif kind == 1:
        start = rng.randrange(2, head)
        data[start:start] = data[start : start + rng.randrange(1, 600)]
    elif kind == 2:
        start = rng.randrange(2, len(data))
        data[start : start + rng.randrange(1, 2000)] = bytes(rng.randrange(1, 2000))
    elif kind == 3:
        del data[rng.randrange(2, len(data)) :]
    else:
        for _ in range(rng.randint(1, 30)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return bytes(data)


def sitegen(site: SiteDir, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "sitegen", "--site", str(site.root), "--now", NOW, *args]
    env = {**os.environ, "PYTHONPATH": str(REPO), "CI": "1"}
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


def no_traceback(result: subprocess.CompletedProcess[str], what: str) -> None:
    assert "Traceback" not in result.stderr, f"{what}:\n{result.stderr[-3000:]}"
    assert result.returncode in (0, 1), f"{what}: exit {result.returncode}\n{result.stderr}"


def good_post(site: SiteDir) -> None:
    folder = site.root / "content/posts/good"
    folder.mkdir(parents=True)
    (folder / "photo.jpg").write_bytes((FIXTURES / "photos/Canon_40D.jpg").read_bytes())
    (folder / "index.md").write_text(VALID)


TEXT_FILES = (".html", ".xml", ".json", ".txt", ".csv", ".css", ".svg")


def published_text(site: SiteDir) -> str:
    texts = []
    build = site.root / "build"
    for path in sorted(build.rglob("*")):
        hidden = any(part.startswith(".") for part in path.relative_to(build).parts)
        if path.is_file() and not hidden and path.suffix in TEXT_FILES:
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(texts)


def assert_nothing_leaked(site: SiteDir) -> None:
    """No pupil id, no full name and no metadata anywhere the build wrote."""
    text = published_text(site)
    assert not re.search(r"(?<![\w-])P[1-6](?![\w-])", text), "a pupil id was published"
    folded = squashed(fold_fast(text) or "")
    for name in ("mia jones", "osian pritchard", "elin ffion davies", "tomos bowen"):
        assert squashed(name) not in folded, f"{name} was published"
    images = [
        p
        for tree in ("site", "exports")
        for p in (site.root / "build" / tree).rglob("*")
        if p.suffix in (".jpg", ".webp")
    ]
    for record in exiftool(images) if images else []:
        groups = {key.split(":")[0] for key in record if ":" in key}
        assert groups <= CLEAN_GROUPS, (record["SourceFile"], groups - CLEAN_GROUPS)


def check_approve_build(site: SiteDir, mutants: list[str]) -> dict:
    checked = sitegen(site, "check", "--json")
    no_traceback(checked, "check")
    report = json.loads(checked.stdout)
    listed = {p["slug"] for p in report["posts"]}
    assert listed == {*mutants, "good"}, f"posts left out of check: {set(mutants) - listed}"
    approved = sitegen(site, "approve", "good", *mutants, "--by", "head")
    no_traceback(approved, "approve")
    assert "approved good" in approved.stdout
    built = sitegen(site, "build")
    no_traceback(built, "build")
    assert built.returncode == 0
    assert (site.root / "build/site/posts/good/index.html").exists(), "the valid post went down"
    assert (site.root / "build/exports/instagram/good/manifest.json").exists()
    assert_nothing_leaked(site)
    return report


def test_mutated_front_matter(site: SiteDir) -> None:
    rng = random.Random(14)
    good_post(site)
    mutants = []
    for n in range(60):
        slug = f"fuzz-{n:02d}"
        folder = site.root / "content/posts" / slug
        folder.mkdir()
        (folder / "photo.jpg").write_bytes((FIXTURES / "photos/Canon_40D.jpg").read_bytes())
        (folder / "index.md").write_text(mutate_text(VALID, rng), encoding="utf-8")
        mutants.append(slug)
    report = check_approve_build(site, mutants)
    # Each mutant either still reads as a post or says why not: a finding, never a silence.
    broken = [p for p in report["posts"] if any(f["code"] == "SG100" for f in p["findings"])]
    assert broken, "sixty mutants and not one SG100: the mutations are not reaching the header"


def test_mutated_real_photos(site: SiteDir) -> None:
    rng = random.Random(17)
    good_post(site)
    mutants = []
    for n in range(28):
        slug = f"photo-{n:02d}"
        folder = site.root / "content/posts" / slug
        folder.mkdir()
        source = PHOTOS[n % len(PHOTOS)]
        name = "photo" + source.suffix.lower()
        (folder / name).write_bytes(mutate_bytes(source.read_bytes(), rng))
        (folder / "index.md").write_text(VALID.replace("photo.jpg", name), encoding="utf-8")
        mutants.append(slug)
    report = check_approve_build(site, mutants)
    codes = {f["code"] for p in report["posts"] for f in p["findings"]}
    assert "SG121" in codes, "no mutant was found damaged: the mutations are too gentle"


@pytest.mark.parametrize("seed", [1, 2])
def test_odd_files_beside_a_valid_post(site: SiteDir, seed: int) -> None:
    rng = random.Random(seed)
    good_post(site)
    posts = site.root / "content/posts"
    makers = {
        "fifo": lambda f: os.mkfifo(f / "photo.jpg"),
        "empty": lambda f: (f / "photo.jpg").write_bytes(b""),
        "folder": lambda f: (f / "photo.jpg").mkdir(),
        "loop": lambda f: (
            os.symlink("x.jpg", f / "photo.jpg"),
            os.symlink("photo.jpg", f / "x.jpg"),
        ),
        "zero": lambda f: os.symlink("/dev/zero", f / "photo.jpg"),
        "sparse": lambda f: os.truncate(_touch(f / "photo.jpg"), 300 * 2**20),
        "index-fifo": lambda f: (os.remove(f / "index.md"), os.mkfifo(f / "index.md")),
        "index-link": lambda f: (
            os.remove(f / "index.md"),
            os.symlink("/etc/passwd", f / "index.md"),
        ),
        "index-huge": lambda f: os.truncate(f / "index.md", 50 * 2**20),
        "index-binary": lambda f: (f / "index.md").write_bytes(
            bytes(rng.randrange(256) for _ in range(4000))
        ),
        "index-folder": lambda f: (os.remove(f / "index.md"), (f / "index.md").mkdir()),
        "subfolder-link": lambda f: os.symlink("/etc", f / "sub"),
    }
    mutants = []
    for kind, make in rng.sample(sorted(makers.items()), len(makers)):
        folder = posts / f"odd-{kind}"
        folder.mkdir()
        (folder / "index.md").write_text(VALID)
        make(folder)
        mutants.append(folder.name)
    os.symlink(posts / "good", posts / "odd-linked-post")  # a post folder that is a link
    mutants.append("odd-linked-post")
    report = check_approve_build(site, mutants)
    for post in report["posts"]:
        if post["slug"] not in ("good", "odd-subfolder-link"):
            assert any(f["severity"] == "error" for f in post["findings"]), post


def _touch(path: Path) -> Path:
    path.write_bytes(b"")
    return path
