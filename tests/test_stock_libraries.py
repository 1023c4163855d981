"""Both ways make the same site: with sitegen's fast paths (sitegen/fastpaths) and with the
stock libraries (SITEGEN_STOCK_LIBRARIES=1: PyYAML's safe loader, a stock markdown.Markdown).

The demo and a generated site are each built twice from copies of the same files, once each
way, every command in a fresh process of its own (the switch is read once, when sitegen is
imported: it cannot leak from one build into the other). Each copy keeps its posts' analyses
and pages in its own build/.cache; only the photo cache (SITEGEN_CACHE_DIR: renders, OCR,
faces, keyed by a photo's bytes and the image code, which the switch never reaches) is
shared, or the demo's photos would be read twice. Every file of build/site, build/exports
and report.json must be the same bytes, and `check --json` must print the same. Each
process says which fast-path modules it loaded: both, or none.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sitegen.fastpaths import SWITCH, switched_on
from tests.conftest import REPO, copy_demo

try:
    from tests import generated_sites as generated
except ImportError:  # (before the generated sites moved from bench/ to tests/)
    from bench import sites as generated  # type: ignore[no-redef]

NOW = "2026-12-06T12:00"
PARTS = ("site", "exports", "report.json")
FAST_PATHS = ["sitegen.fastpaths.markdown_steps", "sitegen.fastpaths.yaml_plain"]

# sitegen's command line, as `python -m sitegen` runs it; then the fast-path modules this
# process loaded, written to the file named first.
RUN = """
import json, sys
from sitegen.cli import main
code = main(sys.argv[2:])
loaded = sorted(m for m in sys.modules if m.startswith("sitegen.fastpaths."))
with open(sys.argv[1], "w") as out:
    json.dump(loaded, out)
raise SystemExit(code)
"""


def sitegen(root: Path, stock: bool, *args: str) -> tuple[int, bytes]:
    """Run one sitegen command on the site at `root` in a fresh process, one way."""
    env = {k: v for k, v in os.environ.items() if k != SWITCH}
    env["SITEGEN_CACHE_DIR"] = str(root.parent / "photos")  # (what the two copies share)
    if stock:
        env[SWITCH] = "1"
    loaded = root.parent / f"{root.name}.loaded.json"
    loaded.unlink(missing_ok=True)
    command = [sys.executable, "-c", RUN, str(loaded), "--site", str(root), "--now", NOW, *args]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, timeout=900)
    assert loaded.exists(), f"sitegen {args[0]} failed:\n{done.stderr.decode()[-3000:]}"
    assert json.loads(loaded.read_text()) == ([] if stock else FAST_PATHS)
    return done.returncode, done.stdout


def made(root: Path, stock: bool) -> dict[str, Any]:
    """What a build and then a check of the site make, one way."""
    build_code, _ = sitegen(root, stock, "build")
    check_code, check = sitegen(root, stock, "check", "--json")
    files = {}
    for part in PARTS:
        top = root / "build" / part
        paths = [top] if top.is_file() else sorted(p for p in top.rglob("*") if p.is_file())
        for path in paths:
            files[path.relative_to(root / "build").as_posix()] = path.read_bytes()
    return {"build": build_code, "check": check_code, "check --json": check, "files": files}


def assert_same_both_ways(source: Path, tmp_path: Path) -> dict[str, Any]:
    shutil.copytree(source, tmp_path / "fast")
    shutil.copytree(source, tmp_path / "stock")
    fast, stock = made(tmp_path / "fast", False), made(tmp_path / "stock", True)
    assert (fast["build"], fast["check"]) == (stock["build"], stock["check"])
    assert sorted(fast["files"]) == sorted(stock["files"]), "the two builds made other files"
    changed = [rel for rel in fast["files"] if fast["files"][rel] != stock["files"][rel]]
    assert not changed, f"{len(changed)} file(s) differ: {changed[:10]}\n" + first_diff(
        fast["files"][changed[0]], stock["files"][changed[0]]
    )
    assert fast["check --json"] == stock["check --json"], first_diff(
        fast["check --json"], stock["check --json"]
    )
    return fast


def first_diff(fast: bytes, stock: bytes) -> str:
    """Where two outputs first differ, with some text either side."""
    a, b = fast.decode(errors="replace"), stock.decode(errors="replace")
    at = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    around = slice(max(0, at - 100), at + 100)
    return (
        f"first difference at character {at}:\n"
        f"  fast paths:      {a[around]!r}\n  stock libraries: {b[around]!r}"
    )


def test_the_demo_is_the_same_site_either_way(tmp_path: Path) -> None:
    demo = copy_demo(tmp_path / "demo").root
    fast = assert_same_both_ways(demo, tmp_path)
    assert fast["build"] == 0
    pages = [rel for rel in fast["files"] if rel.startswith("site/posts/")]
    assert len([p for p in pages if p.endswith("index.html")]) >= 10  # (a real build)
    assert json.loads(fast["check --json"])["posts"]


# Markdown of every kind sitegen's steps skip or take (and raw HTML the allow-list keeps),
# added to some generated posts: their bodies are otherwise paragraphs, a list, a link, a
# heading and sometimes a table.
EVERY_KIND = """
Back in the '90s, "**bold**" in quotes -- with dashes --- and dots... "Croeso," said Mrs Jones.

Setext heading
--------------

> A quote with *emphasis*, __strong__, `code "quoted"` and a [reference][ref].
>
> > and a quote in it

1. first
2. second
    - nested *item*
    - another

* * *

```
print("fenced 'code' -- kept as it is")
```

~~~
a tilde fence
~~~

    indented code "kept"

| Left | Centre | Right |
|:-----|:------:|------:|
| a    | **b**  | `c`   |

A hard break\x20\x20
then <https://example.org/>, <office@example.org>, &amp; &copy; &#38; and \\*no emphasis\\*.
An <abbr title="Parent Teacher Association">PTA</abbr> fair, with <em>raw emphasis</em>.

<p>A raw "paragraph" -- of HTML</p>

[ref]: https://example.org/ref "The reference"
"""


def test_a_generated_site_is_the_same_site_either_way(tmp_path: Path) -> None:
    school = "school" in inspect.signature(generated.posts).parameters
    items = generated.posts(120, school=True) if school else generated.posts(120)
    for item in items[::6]:
        item["body"] = f"{item['body']}\n{EVERY_KIND}"
    generated.write_sitegen(tmp_path / "generated", items)
    fast = assert_same_both_ways(tmp_path / "generated", tmp_path)
    pages = [rel for rel in fast["files"] if rel.startswith("site/posts/")]
    assert len([p for p in pages if p.endswith("index.html")]) >= 100
    every_kind = [
        data
        for rel, data in fast["files"].items()
        if rel.startswith("site/posts/") and b"Setext heading</h2>" in data
    ]
    assert len(every_kind) >= 15  # (the posts with every kind of Markdown were published)
    assert b'<td align="center"><strong>b</strong></td>' in every_kind[0]


@pytest.mark.parametrize(("value", "on"), [(None, False), ("", False), ("0", False), ("1", True)])
def test_the_switch_is_1_or_0(value: str | None, on: bool) -> None:
    assert switched_on(value) is on


def test_a_mistyped_switch_stops_sitegen() -> None:
    env = {**os.environ, SWITCH: "yes"}
    done = subprocess.run(
        [sys.executable, "-c", "import sitegen.content"],
        cwd=REPO,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode != 0 and f"{SWITCH} must be 1" in done.stderr.decode()
