"""Whole-site builds of 1,000 and 4,000 posts: sitegen against Pelican and Hugo, in one run.

Cold, no-change and one-post-edit builds, wall time and peak memory, output on tmpfs, in rounds
that take each tool in turn (the machine is shared and its speed drifts): each figure the best
of its rounds, each ratio the median of the rounds' ratios. A bare Python loop
(python-frontmatter + Python-Markdown + Jinja2 + write) is measured too: the floor for a
Python generator that renders Markdown with Python-Markdown.

The sites are a school's workload (tests/generated_sites.py says what they hold: pupils of the
register tagged, named and on photos, all four platforms, parents-only posts, a few blocked);
`SITEGEN_BENCH_CORPUS=plain` builds the text-only posts to two platforms that the figures
before issue 16 were measured on.

`SITEGEN_BENCH_BASELINE=<git revision>` times that revision's sitegen as one more tool in the
same rounds, on the same posts (a git worktree under build/.bench/, its own templates, run
with PYTHONPATH pointing into it): its figures and ratios are printed beside the current
code's, and the ratio of the two, so that before and after are measured side by side.
"""

from __future__ import annotations

import compileall
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from tests.generated_sites import (
    census,
    editable,
    expected_website,
    posts,
    write_hugo,
    write_pelican,
    write_sitegen,
)

SIZES = tuple(int(n) for n in os.environ.get("SITEGEN_BENCH_SIZES", "1000,4000").split(","))
WORK = Path(os.environ.get("SITEGEN_BENCH_DIR", "/dev/shm/sitegen-bench"))
REPO = Path(__file__).resolve().parent.parent
PELICAN_VENV = REPO / "build/.bench/pelican-venv"
CORPUS = os.environ.get("SITEGEN_BENCH_CORPUS", "school")
BASELINE = os.environ.get("SITEGEN_BENCH_BASELINE", "")
GENERATOR_VERSION = "6"
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


def corpus(count: int) -> list[dict[str, object]]:
    if CORPUS not in ("school", "plain"):
        raise SystemExit(f"SITEGEN_BENCH_CORPUS must be school or plain, not {CORPUS!r}")
    return posts(count, school=CORPUS == "school")


def ensure_sites(count: int) -> Path:
    root = WORK / f"{CORPUS}-{count}"
    stamp = root / f".v{GENERATOR_VERSION}"
    if not stamp.exists():
        shutil.rmtree(root, ignore_errors=True)
        items = corpus(count)
        write_sitegen(root / "sitegen", items)
        write_pelican(root / "pelican", items)
        write_hugo(root / "hugo", items)
        stamp.touch()
    return root


def baseline_tree(revision: str) -> tuple[str, Path]:
    """A git worktree of `revision` under build/.bench/ (made once, kept for the next run)."""
    found = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    if found.returncode != 0:
        raise SystemExit(f"SITEGEN_BENCH_BASELINE={revision}: no such git revision")
    sha = found.stdout.strip()
    tree = REPO / "build/.bench" / f"baseline-{sha[:12]}"
    if not (tree / "sitegen/__init__.py").is_file():
        shutil.rmtree(tree, ignore_errors=True)
        subprocess.run(["git", "-C", str(REPO), "worktree", "prune"], check=True)
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", "--quiet", str(tree), sha],
            check=True,
        )
    compileall.compile_dir(tree / "sitegen", quiet=1)  # as for the current code
    return sha, tree


def ensure_baseline_site(root: Path, items: list[dict[str, object]], sha: str, tree: Path) -> Path:
    """The same posts as root/sitegen, with the baseline's own templates."""
    site = root / f"baseline-{sha[:12]}"
    stamp = root / f".baseline-{sha[:12]}"
    if not stamp.exists():
        shutil.rmtree(site, ignore_errors=True)
        write_sitegen(site, items, templates=tree / "templates")
        stamp.touch()
    return site


def sitegen_env(code: Path) -> dict[str, str]:
    """The environment that runs the sitegen of `code` (a checkout), whatever is installed."""
    env = {**os.environ, "CI": "1", "PYTHONPATH": str(code)}
    env.pop("SITEGEN_CACHE_DIR", None)  # a shared cache would make a cold build warm
    return env


def imported_from(site: Path, env: dict[str, str]) -> str:
    """Where the sitegen that the benchmark runs in `site` with `env` comes from."""
    return subprocess.run(
        [sys.executable, "-c", "import sitegen; print(sitegen.__file__)"],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def edit_one(path: Path, marker: str) -> None:
    text = path.read_text()
    path.write_text(text.rstrip("\n") + f"\n\nAn update: {marker}.\n")


REPEAT = int(os.environ.get("SITEGEN_BENCH_ROUNDS", "3"))

Measure = Callable[[int], tuple[float, int]]


APPROVE = ("approve", "--by", "head")


def reapprove(site: Path, slug: str, env: dict[str, str]) -> None:
    """A leader approves the edited post again (not timed: it is not part of a build)."""
    subprocess.run(
        [sys.executable, "-m", "sitegen", "--now", NOW, *APPROVE, slug],
        cwd=site,  # (python -m puts the working folder first: never a checkout's)
        env=env,
        check=True,
        capture_output=True,
    )


def edited(n: int, count: int) -> int:
    """Which of the posts that may be edited round `n` edits: old and newer ones, the same
    post for every tool."""
    return count * (n + 1) // (REPEAT + 2)


def sitegen_runs(
    site: Path, env: dict[str, str], edits: list[str], marker: str
) -> dict[str, Measure]:
    cmd = [sys.executable, "-m", "sitegen", "--now", NOW, "build"]

    def cold(_: int) -> tuple[float, int]:
        shutil.rmtree(site / "build", ignore_errors=True)  # the output and every cache
        return run(cmd, site, env)

    def edit(n: int) -> tuple[float, int]:
        slug = edits[edited(n, len(edits))]
        edit_one(site / "content/posts" / slug / "index.md", f"{marker}-{n}")
        reapprove(site, slug, env)
        return run(cmd, site, env)

    return {"cold": cold, "no change": lambda _: run(cmd, site, env), "one-post edit": edit}


def pelican_runs(root: Path, edits: list[str], marker: str) -> dict[str, Measure] | None:
    pelican = PELICAN_VENV / "bin/pelican"
    if not pelican.exists():
        return None
    site = root / "pelican"
    return peer_runs(
        [str(pelican), "content", "-o", "output", "-s", "pelicanconf.py", "-q"],
        site,
        [site / "output", site / "cache"],
        [site / "content" / f"{slug}.md" for slug in edits],
        marker,
    )


def hugo_runs(root: Path, edits: list[str], marker: str) -> dict[str, Measure] | None:
    hugo = shutil.which("hugo")
    if not hugo:
        return None
    site = root / "hugo"
    return peer_runs(
        [hugo, "--quiet", "-d", "public"],
        site,
        [site / "public", site / "resources"],
        [site / "content/posts" / slug / "index.md" for slug in edits],
        marker,
    )


def peer_runs(
    cmd: list[str], site: Path, outputs: list[Path], files: list[Path], marker: str
) -> dict[str, Measure]:
    """Cold (its output and caches removed), no-change and one-post-edit builds of a peer;
    `files` are the posts sitegen may edit, in the same order."""

    def cold(_: int) -> tuple[float, int]:
        for folder in outputs:
            shutil.rmtree(folder, ignore_errors=True)
        return run(cmd, site)

    def edit(n: int) -> tuple[float, int]:
        edit_one(files[edited(n, len(files))], f"{marker}-{n}")
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


def published(site: Path) -> int:
    posts_dir = site / "build/site/posts"
    return sum(1 for _ in posts_dir.iterdir()) if posts_dir.is_dir() else 0


def cell(got: list[tuple[float, int]] | None) -> str:
    if not got:
        return f"{'n/a':>15}"
    return f"{min(t for t, _ in got):9.2f} ({max(m for _, m in got):3d})"


def main() -> None:
    compileall.compile_dir(REPO / "sitegen", quiet=1)  # as `make bench` does: no compiling per run
    print(f"== builds: output on {WORK} ({os.cpu_count()} cores), {REPEAT} rounds")
    print(f"   sitegen and Pelican on Python {platform.python_version()} ({sys._base_executable})")
    ensure_peers()
    # Each sitegen is run from its own checkout: this one (whatever is installed in the venv)
    # and the baseline's worktree.
    codes = {"sitegen": REPO}
    baselines: dict[str, str] = {}
    if BASELINE:
        sha, tree = baseline_tree(BASELINE)
        name = f"@{sha[:10]}"
        codes[name], baselines[name] = tree, sha
        print(f"   baseline: {BASELINE} = {sha[:10]}, a worktree in {tree}")
    envs = {name: sitegen_env(code) for name, code in codes.items()}
    shown = False
    for count in SIZES:
        items = corpus(count)
        root = ensure_sites(count)
        sites = {"sitegen": root / "sitegen"}
        for name, sha in baselines.items():
            sites[name] = ensure_baseline_site(root, items, sha, codes[name])
        if not shown:  # once: each sitegen runs its own checkout's code, not the other's
            for name, code in codes.items():
                where = imported_from(sites[name], envs[name])
                print(f"   {name} runs {where}")
                if not Path(where).resolve().is_relative_to(code.resolve()):
                    raise SystemExit(f"{name} should run the sitegen in {code}, not {where}")
            shown = True
        held = census(items)
        print(
            f"-- {count} posts ({CORPUS}): "
            + ", ".join(f"{n} {k}" for k, n in held.items() if k != "posts")
        )
        edits = editable(items)
        marker = str(time.time_ns())
        tools = {
            **{name: sitegen_runs(sites[name], envs[name], edits, marker) for name in codes},
            "pelican": pelican_runs(root, edits, marker),
            "hugo": hugo_runs(root, edits, marker),
        }
        results = measure_all({name: runs for name, runs in tools.items() if runs})
        print(f"   best of {REPEAT} rounds, seconds (peak MB)")
        print(f"   {'':14}" + "".join(f"{name:>16}" for name in tools))
        for kind in KINDS:
            row = [cell(results[name][kind] if name in results else None) for name in tools]
            print(f"   {kind:14}" + "".join(f"{c:>16}" for c in row))
        expected = len(expected_website(items))
        shown_by = {name: published(sites[name]) for name in codes}
        if set(shown_by.values()) == {expected}:
            print(f"   each sitegen's website shows the {expected} posts it should")
        for name, shows in shown_by.items():
            if shows != expected:
                print(f"   !! {name}'s website shows {shows} posts, not {expected}: not comparable")
        one = min(bare_loop(root, 1) for _ in range(REPEAT))
        two = min(bare_loop(root, 2) for _ in range(REPEAT))
        print(
            f"   bare Python loop (frontmatter+Markdown+Jinja2+write): {one:.2f} s on 1 "
            f"process, {two:.2f} s on 2"
        )
        report_ratios(count, results, list(codes))


def report_ratios(count: int, results: Results, names: list[str]) -> None:
    """Each sitegen's ratios to the peers, side by side, then the current code's to the
    baseline's."""

    # The targets are set on the 4,000-post sites; other sizes are shown as they are.
    def target(text: str) -> str:
        return f" (target {text})" if count == 4000 else ""

    print("   ratios: the median of the rounds' (each round's builds made side by side)")
    print(f"   {'':36}" + "".join(f"{name:>14}" for name in names))
    rows: list[tuple[str, str, str, str]] = []
    if "pelican" in results:
        rows.append(("cold: Pelican / {}", "pelican", "cold", target(">= 3")))
    if "hugo" in results:
        rows.append(("no change: {} / Hugo", "hugo", "no change", target("<= 1/2")))
        rows.append(("one-post edit: {} / Hugo", "hugo", "one-post edit", target("<= 1/3")))
    for label, peer, kind, aim in rows:
        cells, per_round = [], []
        for name in names:
            sg, other = results[name][kind], results[peer][kind]
            a, b = (other, sg) if peer == "pelican" else (sg, other)
            cells.append(f"{ratio(a, b):14.3f}")
            per_round.append(f"{name} {each(rounds(a, b))}")
        print(f"   {label.format('X'):36}" + "".join(cells) + aim)
        print(f"     {'; '.join(per_round)}")
    peaks = [max(m for got in results[name].values() for _, m in got) for name in names]
    print(f"   {'peak memory (MB)':36}" + "".join(f"{m:14d}" for m in peaks) + target("< 400"))
    for name in names[1:]:
        print(f"   sitegen / {name} (below 1: the current code is faster):")
        for kind in KINDS:
            mine, theirs = results["sitegen"][kind], results[name][kind]
            print(f"     {kind:14} {ratio(mine, theirs):.3f} {each(rounds(mine, theirs))}")
