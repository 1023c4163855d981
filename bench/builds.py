"""Whole-site builds of 1,000 and 4,000 posts: sitegen against Pelican and Hugo, in one run.

Cold, no-change and one-post-edit builds, wall time and peak memory, output on tmpfs, each the
best of three runs (the machine is shared and noisy). A bare Python loop (python-frontmatter +
Python-Markdown + Jinja2 + write) is the floor for any Python generator and is measured too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.sites import posts, write_hugo, write_pelican, write_sitegen

SIZES = tuple(int(n) for n in os.environ.get("SITEGEN_BENCH_SIZES", "1000,4000").split(","))
WORK = Path(os.environ.get("SITEGEN_BENCH_DIR", "/dev/shm/sitegen-bench"))
REPO = Path(__file__).resolve().parent.parent
PELICAN_VENV = REPO / "build/.bench/pelican-venv"
GENERATOR_VERSION = "4"
NOW = "2026-11-25T12:00"


# Peak memory of a process counts what it inherited from whoever forked it (the kernel keeps
# the high-water mark across exec): the benchmark, holding photos by then, would inflate every
# figure. So commands are started and timed by this small launcher instead.
LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.posix_spawn(sys.argv[1], sys.argv[1:], os.environ, file_actions=[
    (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)])
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - start, usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def run(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall seconds and peak resident memory (MB) of a command and its children."""
    program = shutil.which(cmd[0]) or cmd[0]
    launched = subprocess.run(
        [sys.executable, "-I", "-S", "-c", LAUNCHER, program, *cmd[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
    )
    try:
        elapsed, peak, status = launched.stdout.split()
    except ValueError:
        status = "?"
    if launched.returncode != 0 or status != "0":
        raise SystemExit(f"{' '.join(cmd)} failed in {cwd}:\n{launched.stderr[-2000:]}")
    return float(elapsed), int(peak) // 1024


def ensure_sites(count: int) -> Path:
    root = WORK / str(count)
    stamp = root / f".v{GENERATOR_VERSION}"
    if not stamp.exists():
        shutil.rmtree(root, ignore_errors=True)
        items = posts(count)
        write_sitegen(root / "sitegen", items)
        write_pelican(root / "pelican", items)
        write_hugo(root / "hugo", items)
        stamp.touch()
    return root


def edit_one(path: Path, marker: str) -> None:
    text = path.read_text()
    path.write_text(text.rstrip("\n") + f"\n\nAn update: {marker}.\n")


REPEAT = 3  # each figure is the best of three runs (peak memory: the largest of them)


def best(measure: Callable[[int], tuple[float, int]]) -> tuple[float, int]:
    runs = [measure(n) for n in range(REPEAT)]
    return min(t for t, _ in runs), max(m for _, m in runs)


def reapprove(site: Path, slug: str) -> None:
    """A leader approves the edited post again (not timed: it is not part of a build)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "sitegen",
            "--site",
            str(site),
            "--now",
            NOW,
            "approve",
            slug,
            "--by",
            "head",
        ],
        check=True,
        capture_output=True,
    )


def bench_sitegen(root: Path, marker: str) -> dict[str, tuple[float, int]]:
    site = root / "sitegen"
    cmd = [sys.executable, "-m", "sitegen", "--now", NOW, "build"]
    env = {**os.environ, "CI": "1"}
    slugs = sorted(p.name for p in (site / "content/posts").iterdir())

    def cold(_: int) -> tuple[float, int]:
        shutil.rmtree(site / "build", ignore_errors=True)  # the output and every cache
        return run(cmd, site, env)

    def edit(n: int) -> tuple[float, int]:
        slug = slugs[len(slugs) * (n + 1) // (REPEAT + 2)]  # old and newer posts
        edit_one(site / "content/posts" / slug / "index.md", f"{marker}-{n}")
        reapprove(site, slug)
        return run(cmd, site, env)

    return {
        "cold": best(cold),
        "no change": best(lambda _: run(cmd, site, env)),
        "one-post edit": best(edit),
    }


def bench_pelican(root: Path, marker: str) -> dict[str, tuple[float, int]] | None:
    pelican = PELICAN_VENV / "bin/pelican"
    if not pelican.exists():
        return None
    site = root / "pelican"
    return bench_tool(
        [str(pelican), "content", "-o", "output", "-s", "pelicanconf.py", "-q"],
        site,
        [site / "output", site / "cache"],
        sorted((site / "content").glob("*.md")),
        marker,
    )


def bench_hugo(root: Path, marker: str) -> dict[str, tuple[float, int]] | None:
    hugo = shutil.which("hugo")
    if not hugo:
        return None
    site = root / "hugo"
    return bench_tool(
        [hugo, "--quiet", "-d", "public"],
        site,
        [site / "public", site / "resources"],
        sorted((site / "content/posts").glob("*/index.md")),
        marker,
    )


def bench_tool(
    cmd: list[str], site: Path, outputs: list[Path], files: list[Path], marker: str
) -> dict[str, tuple[float, int]]:
    """Cold (its output and caches removed), no-change and one-post-edit builds of a peer."""

    def cold(_: int) -> tuple[float, int]:
        for folder in outputs:
            shutil.rmtree(folder, ignore_errors=True)
        return run(cmd, site)

    def edit(n: int) -> tuple[float, int]:
        edit_one(files[len(files) * (n + 1) // (REPEAT + 2)], f"{marker}-{n}")
        return run(cmd, site)

    return {
        "cold": best(cold),
        "no change": best(lambda _: run(cmd, site)),
        "one-post edit": best(edit),
    }


def _bare_chunk(args: tuple[list[Path], Path]) -> None:
    import frontmatter
    import jinja2
    import markdown

    files, out = args
    md = markdown.Markdown(extensions=["tables", "fenced_code"])
    page = jinja2.Template(
        "<!doctype html><title>{{ t }}</title><main>{{ body }}</main>", autoescape=True
    )
    for path in files:
        post = frontmatter.load(path)
        html = md.reset().convert(post.content)
        target = out / path.parent.name / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.render(t=post["title"], body=jinja2.utils.markupsafe.Markup(html)))


def bare_loop(root: Path, workers: int) -> float:
    files = sorted((root / "sitegen/content/posts").glob("*/index.md"))
    out = root / f"bare-{workers}"
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    if workers == 1:
        _bare_chunk((files, out))
    else:
        chunks = [(files[i::workers], out) for i in range(workers)]
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_bare_chunk, chunks))
    return time.perf_counter() - start


def main() -> None:
    import compileall

    compileall.compile_dir(REPO / "sitegen", quiet=1)  # as `make bench` does: no compiling per run
    print(f"== builds: output on {WORK} ({os.cpu_count()} cores)")
    if not PELICAN_VENV.exists():
        print(
            f"   (Pelican not installed: python3 -m venv {PELICAN_VENV} && "
            f"{PELICAN_VENV}/bin/pip install 'pelican>=4.9,<5' markdown)"
        )
    if not shutil.which("hugo"):
        print("   (Hugo not installed: apt-get install hugo)")
    for count in SIZES:
        root = ensure_sites(count)
        marker = str(time.time_ns())
        results = {
            "sitegen": bench_sitegen(root, marker),
            "pelican": bench_pelican(root, marker),
            "hugo": bench_hugo(root, marker),
        }
        print(f"-- {count} posts: seconds (peak MB)")
        print(f"   {'':14}" + "".join(f"{name:>16}" for name in results))
        for kind in ("cold", "no change", "one-post edit"):
            cells = []
            for result in results.values():
                cells.append(
                    f"{result[kind][0]:9.2f} ({result[kind][1]:3d})" if result else f"{'n/a':>15}"
                )
            print(f"   {kind:14}" + "".join(f"{c:>16}" for c in cells))
        one = min(bare_loop(root, 1) for _ in range(REPEAT))
        two = min(bare_loop(root, 2) for _ in range(REPEAT))
        print(
            f"   bare Python loop (frontmatter+Markdown+Jinja2+write): {one:.2f} s on 1 "
            f"process, {two:.2f} s on 2"
        )
        sg, pel, hugo = results["sitegen"], results["pelican"], results["hugo"]
        if pel:
            print(
                f"   cold: Pelican / sitegen = {pel['cold'][0] / sg['cold'][0]:.2f}x "
                "(target at 4,000 posts: >= 3)"
            )
        if hugo:
            print(
                f"   no change: sitegen / Hugo = {sg['no change'][0] / hugo['no change'][0]:.2f}"
                " (target <= 0.5); one-post edit: sitegen / Hugo = "
                f"{sg['one-post edit'][0] / hugo['one-post edit'][0]:.2f} (target <= 0.33)"
            )
        print(f"   sitegen peak memory: {max(v[1] for v in sg.values())} MB (target < 400)")
