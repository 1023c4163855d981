"""Whole-site builds of 1,000 and 4,000 posts: sitegen against Pelican and Hugo, in one run.

Cold, no-change and one-post-edit builds, wall time and peak memory, output on tmpfs, in rounds
that take each tool in turn (the machine is shared and its speed drifts): each figure the best
of its rounds, each ratio the median of the rounds' ratios. A bare Python loop
(python-frontmatter + Python-Markdown + Jinja2 + write) is measured too: the floor for a
Python generator that renders Markdown with Python-Markdown.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from tests.generated_sites import posts, write_hugo, write_pelican, write_sitegen

SIZES = tuple(int(n) for n in os.environ.get("SITEGEN_BENCH_SIZES", "1000,4000").split(","))
WORK = Path(os.environ.get("SITEGEN_BENCH_DIR", "/dev/shm/sitegen-bench"))
REPO = Path(__file__).resolve().parent.parent
PELICAN_VENV = REPO / "build/.bench/pelican-venv"
GENERATOR_VERSION = "5"
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


REPEAT = int(os.environ.get("SITEGEN_BENCH_ROUNDS", "3"))

Measure = Callable[[int], tuple[float, int]]


APPROVE = ("approve", "--by", "head")


def reapprove(site: Path, slug: str) -> None:
    """A leader approves the edited post again (not timed: it is not part of a build)."""
    subprocess.run(
        [sys.executable, "-m", "sitegen", "--site", str(site), "--now", NOW, *APPROVE, slug],
        check=True,
        capture_output=True,
    )


def sitegen_runs(root: Path, marker: str) -> dict[str, Measure]:
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

    return {"cold": cold, "no change": lambda _: run(cmd, site, env), "one-post edit": edit}


def pelican_runs(root: Path, marker: str) -> dict[str, Measure] | None:
    pelican = PELICAN_VENV / "bin/pelican"
    if not pelican.exists():
        return None
    site = root / "pelican"
    return peer_runs(
        [str(pelican), "content", "-o", "output", "-s", "pelicanconf.py", "-q"],
        site,
        [site / "output", site / "cache"],
        sorted((site / "content").glob("*.md")),
        marker,
    )


def hugo_runs(root: Path, marker: str) -> dict[str, Measure] | None:
    hugo = shutil.which("hugo")
    if not hugo:
        return None
    site = root / "hugo"
    return peer_runs(
        [hugo, "--quiet", "-d", "public"],
        site,
        [site / "public", site / "resources"],
        sorted((site / "content/posts").glob("*/index.md")),
        marker,
    )


def peer_runs(
    cmd: list[str], site: Path, outputs: list[Path], files: list[Path], marker: str
) -> dict[str, Measure]:
    """Cold (its output and caches removed), no-change and one-post-edit builds of a peer."""

    def cold(_: int) -> tuple[float, int]:
        for folder in outputs:
            shutil.rmtree(folder, ignore_errors=True)
        return run(cmd, site)

    def edit(n: int) -> tuple[float, int]:
        edit_one(files[len(files) * (n + 1) // (REPEAT + 2)], f"{marker}-{n}")
        return run(cmd, site)

    return {"cold": cold, "no change": lambda _: run(cmd, site), "one-post edit": edit}


KINDS = ("cold", "no change", "one-post edit")


Results = dict[str, dict[str, list[tuple[float, int]]]]  # tool -> kind -> (seconds, MB)


def measure_all(tools: dict[str, dict[str, Measure]]) -> Results:
    """Every kind of build, in rounds that take each tool in turn: this machine's speed drifts
    by up to 1.5x over minutes, and a ratio is best taken from builds made side by side."""
    results: Results = {t: {} for t in tools}
    for kind in KINDS:
        for n in range(REPEAT):
            for tool, runs in tools.items():
                results[tool].setdefault(kind, []).append(runs[kind](n))
    return results


def ratio(a: list[tuple[float, int]], b: list[tuple[float, int]]) -> float:
    """The median over rounds of a / b, each round's builds made one after the other."""
    ratios = sorted(rounds(a, b))
    return ratios[len(ratios) // 2]


def rounds(a: list[tuple[float, int]], b: list[tuple[float, int]]) -> list[float]:
    return [x[0] / y[0] for x, y in zip(a, b, strict=True)]


def each(values: list[float]) -> str:
    return "(rounds: " + " ".join(f"{v:.3f}" for v in values) + ")"


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


PELICAN = ("--disable-pip-version-check", "pelican>=4.9,<5", "markdown>=3.6,<4")


def ensure_peers() -> None:
    """Pelican in the benchmark's own environment and Debian's Hugo, installed when missing."""
    # Pelican runs on the Python sitegen runs on: a venv made by another is made again.
    same = os.path.realpath(PELICAN_VENV / "bin/python") == os.path.realpath(sys._base_executable)
    if not same:
        shutil.rmtree(PELICAN_VENV, ignore_errors=True)
    if not (PELICAN_VENV / "bin/pelican").exists():
        print(f"   installing Pelican into {PELICAN_VENV} ...")
        subprocess.run([sys.executable, "-m", "venv", str(PELICAN_VENV)], check=True)
        installed = subprocess.run(
            [str(PELICAN_VENV / "bin/pip"), "install", "--quiet", *PELICAN],
            capture_output=True,
            text=True,
        )
        if installed.returncode != 0:
            print(f"   (Pelican could not be installed: {installed.stderr.strip()[-300:]})")
    if not shutil.which("hugo"):
        sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
        print("   installing Debian's hugo ...")
        installed = subprocess.run(
            [*sudo, "apt-get", "install", "-y", "-qq", "hugo"],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            capture_output=True,
            text=True,
        )
        if installed.returncode != 0:
            print("   (Hugo could not be installed: run apt-get install hugo, then bench again)")


def main() -> None:
    import compileall

    compileall.compile_dir(REPO / "sitegen", quiet=1)  # as `make bench` does: no compiling per run
    print(f"== builds: output on {WORK} ({os.cpu_count()} cores), {REPEAT} rounds")
    print(f"   sitegen and Pelican on Python {platform.python_version()} ({sys._base_executable})")
    ensure_peers()
    for count in SIZES:
        root = ensure_sites(count)
        marker = str(time.time_ns())
        tools = {
            "sitegen": sitegen_runs(root, marker),
            "pelican": pelican_runs(root, marker),
            "hugo": hugo_runs(root, marker),
        }
        results = measure_all({name: runs for name, runs in tools.items() if runs})
        print(f"-- {count} posts: best of {REPEAT} rounds, seconds (peak MB)")
        print(f"   {'':14}" + "".join(f"{name:>16}" for name in tools))
        for kind in KINDS:
            cells = []
            for name in tools:
                if name in results:
                    got = results[name][kind]
                    cells.append(f"{min(t for t, _ in got):9.2f} ({max(m for _, m in got):3d})")
                else:
                    cells.append(f"{'n/a':>15}")
            print(f"   {kind:14}" + "".join(f"{c:>16}" for c in cells))
        one = min(bare_loop(root, 1) for _ in range(REPEAT))
        two = min(bare_loop(root, 2) for _ in range(REPEAT))
        print(
            f"   bare Python loop (frontmatter+Markdown+Jinja2+write): {one:.2f} s on 1 "
            f"process, {two:.2f} s on 2"
        )
        sg = results["sitegen"]

        # The targets are set on the 4,000-post sites; other sizes are shown as they are.
        def target(text: str, count: int = count) -> str:
            return f" (target {text})" if count == 4000 else ""

        print("   ratios: the median of the rounds' (each round's builds made side by side)")
        if "pelican" in results:
            cold = ratio(results["pelican"]["cold"], sg["cold"])
            print(f"   cold: Pelican / sitegen = {cold:.3f}x{target('>= 3')}")
            print(f"     {each(rounds(results['pelican']['cold'], sg['cold']))}")
        if "hugo" in results:
            hugo = results["hugo"]
            still = ratio(sg["no change"], hugo["no change"])
            edit = ratio(sg["one-post edit"], hugo["one-post edit"])
            print(
                f"   no change: sitegen / Hugo = {still:.3f}{target('<= 1/2')}; "
                f"one-post edit: sitegen / Hugo = {edit:.3f}{target('<= 1/3')}"
            )
            print(
                f"     no change {each(rounds(sg['no change'], hugo['no change']))}; "
                f"edit {each(rounds(sg['one-post edit'], hugo['one-post edit']))}"
            )
        peak = max(m for got in sg.values() for _, m in got)
        print(f"   sitegen peak memory: {peak} MB{target('< 400')}")
