"""Hostile post bodies: every text stage of a post's analysis, timed on ~100 KB adversarial bodies.

`python -m bench.hostile_text [--size N] [--timeout S] [--only NAME,...] [--double]
[--no-baseline]`

Each body (many unclosed `[`, `[a](`, `<a href="`, `title="`; runs of `**`, `_`, `\\`, `` ` ``;
one long word; thousands of short lines; deep `>` and list nesting; huge tables...) is written
as a post, loaded, and taken through the steps of `sitegen.policy._analyse_steps` in their
order, each timed on its own (with the earlier steps' results remembered, as in a build):
`body_problem` (the check that keeps a body from Markdown), Markdown, the sanitizer, the name
and id scan, SG130, tone, plain text, the digest, image references, the page's view and the X
and Facebook texts. Python-Markdown's own
`markdown.markdown(body, extensions=[...])` is timed in the same run, as the baseline.

Every body runs in a child process: a step that takes longer than the timeout is stopped
and shown as `>S`, and the steps that need its result as `-`. With `--double` each body is
also timed at twice the size, and the ratio of the two is shown: about 2 for a linear step,
about 4 for a quadratic one (small figures are noisy; look at the slow ones).
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REGISTER = """\
pupil_id,first_name,last_name,class,website,facebook,instagram,x,name,withdrawn_on
P1,Mia,Jones,Year 4,yes,yes,yes,yes,no,
P2,Osian,Pritchard,Year 4,yes,yes,no,no,yes,
P3,Elin Ffion,Davies,Year 4,yes,yes,yes,yes,full,
P4,Tomos,Bowen,Year 3,yes,no,no,no,no,
P5,Dylan,Watkins,Year 3,yes,yes,yes,yes,yes,2026-11-15
P6,Siân,Llŷr,Year 2,yes,yes,yes,yes,yes,
"""

FRONT_MATTER = """\
---
title: Year 4 visit the castle
date: 2026-11-20
author: jjones
summary: Year 4 sketched the towers.
tags: [year-4]
platforms: [website, facebook, x]
audience: public
lang: en
pupils: [P1, P2]
named: []
images: []
status: draft
---
"""


def repeat(unit: str, size: int) -> str:
    """`unit` repeated to `size` characters."""
    return (unit * (size // len(unit) + 1))[:size]


def lines(make: Callable[[int], str], size: int) -> str:
    """Lines made by `make(i)` until `size` characters."""
    out: list[str] = []
    total, i = 0, 0
    while total < size:
        line = make(i) + "\n"
        out.append(line)
        total += len(line)
        i += 1
    return "".join(out)[:size]


# name: body of about `size` characters
HOSTILE: dict[str, Callable[[int], str]] = {
    "prose (normal)": lambda n: repeat(
        "Year 4 had a wonderful day at the castle. They sketched the towers, "
        "and **everyone** enjoyed the [museum](https://example.org/museum) trip!\n\n",
        n,
    ),
    "unclosed [": lambda n: repeat("[a ", n),
    "unclosed [a](": lambda n: repeat("[a](", n),
    "unclosed ![a](": lambda n: repeat("![a](", n),
    "unclosed [a](<": lambda n: repeat("[a](<", n),
    "unclosed [a][": lambda n: repeat("[a][", n),
    'unclosed <a href="': lambda n: repeat('<a href="', n),
    'unclosed title="': lambda n: repeat('title="x ', n),
    'unclosed alt="': lambda n: repeat("alt='x ", n),
    "closed title= (many)": lambda n: repeat('see <abbr title="x">y</abbr>\n', n),
    "** runs": lambda n: repeat("**a ", n),
    "* run": lambda n: repeat("*", n),
    "_ runs": lambda n: repeat("_a ", n),
    "__ run": lambda n: repeat("__", n),
    "*_ mixed": lambda n: repeat("*a _b **c __d ", n),
    "long word": lambda n: repeat("a", n),
    "< and &": lambda n: repeat("< & ", n),
    "<a (unclosed tags)": lambda n: repeat("<a ", n),
    "<!-- unclosed": lambda n: repeat("<!-- a ", n),
    "short lines": lambda n: repeat("a\n", n),
    "newlines": lambda n: repeat("\n", n),
    "deep > (one line)": lambda n: repeat(">", n - 1) + "x",
    "deep > (lines)": lambda n: lines(lambda i: "> " * min(i, 400) + "x", n),
    "deep list": lambda n: lines(lambda i: "    " * min(i, 200) + "- x", n),
    "deep list (1.)": lambda n: lines(lambda i: "  " * min(i, 400) + "1. x", n),
    "names": lambda n: repeat("Mia Jones and Osian met Elin Ffion Davies, P1 and P2. ", n),
    "names (one line each)": lambda n: repeat("Mia *Jones*\n", n),
    "huge table": lambda n: "| a | b |\n|---|---|\n" + repeat("| c | d |\n", n - 20),
    "wide table": lambda n: "|" + repeat(" a |", n // 2 - 1) + "\n|" + repeat("---|", n // 2),
    "\\ run": lambda n: repeat("\\", n),
    "\\* runs": lambda n: repeat("\\*a ", n),
    "backticks": lambda n: repeat("`a ", n),
    "`` run": lambda n: repeat("`", n),
    "``` fences": lambda n: repeat("```\na\n", n),
    "raw HTML (SG130)": lambda n: repeat("<script>x</script>\n", n),
    "bad links (SG130)": lambda n: repeat("[x](javascript:alert(1))\n", n),
    "body images": lambda n: repeat("![a](p.png)\n", n),
    "unclosed ![": lambda n: repeat("![a ", n),
    "<img unclosed": lambda n: repeat("<img a ", n),
    "entities": lambda n: repeat("&amp; &#38; &bogus; ", n),
    "(http:// unclosed": lambda n: repeat("(http://a ", n),
    "urls (space)": lambda n: repeat("http://a ", n),
    "urls (nbsp)": lambda n: repeat("http://a\u00a0", n),
    "headers #": lambda n: repeat("# a\n", n),
    "setext": lambda n: repeat("a\n=\n", n),
    "references": lambda n: repeat("[x]: http://a\n[x] ", n),
    "hr lines": lambda n: repeat("* * *\n", n),
    "negative sentences": lambda n: repeat("This is a dreadful shambles. ", n),
    "one long sentence": lambda n: repeat("bad but good and never nice ", n),
    "mixed": lambda n: repeat(
        '[a]( ![b]( <a href=" title="x **y _z \\ `w < & (http://u > [',
        n,
    ),
}


def make_post(body: str, folder: Path) -> Any:
    from zoneinfo import ZoneInfo

    from sitegen.content import load_post

    post_folder = folder / "content" / "posts" / "hostile"
    post_folder.mkdir(parents=True, exist_ok=True)
    (post_folder / "index.md").write_text(FRONT_MATTER + body, encoding="utf-8")
    return load_post(folder, post_folder, ZoneInfo("Europe/London"))


class Run:
    """One body taken through the stages, with what each stage hands the next."""

    def __init__(self, body: str, folder: Path) -> None:
        from sitegen.config import ExportConfig, load_config
        from sitegen.model import Post
        from sitegen.policy.names import NameIndex
        from sitegen.register import parse_register

        self.body, self.folder = body, folder
        self.register = parse_register(REGISTER, "content/consent.csv", ("website", "x"))
        self.names = NameIndex(self.register)
        self.post: Post | None = None
        self.fields: Any = None
        self.x = ExportConfig("x", max_chars=280, max_images=4, link_chars=23)
        self.facebook = ExportConfig("facebook", max_chars=60000, max_images=10)
        self.config = load_config(Path(__file__).resolve().parent.parent)

    def baseline(self) -> None:
        import markdown

        markdown.markdown(self.body, extensions=["tables", "fenced_code", "sane_lists"])

    def load(self) -> None:
        self.post = make_post(self.body, self.folder)

    def problem(self) -> None:
        from sitegen import markup

        check = getattr(markup, "body_problem", None)  # (not in sitegen before it)
        if check is not None:
            check(self.post.body)

    def markdown(self) -> None:
        from sitegen.markup import markdown_to_html

        markdown_to_html(self.post.body)

    def sanitize(self) -> None:
        from sitegen.markup import render_body

        render_body(self.post.body)

    def names_ids(self) -> None:
        from sitegen.policy.fields import text_fields
        from sitegen.policy.ids import find_ids
        from sitegen.policy.names import find_names

        self.fields = text_fields(self.post)
        find_names(self.post, self.names, self.register, self.fields)
        find_ids(self.post, self.register, self.fields)

    def markup(self) -> None:
        from sitegen.policy.markup import check_markup

        check_markup(self.post)

    def tone(self) -> None:
        from sitegen.policy.tone import worst_sentence

        worst_sentence(self.post, True)

    def digest(self) -> None:
        from sitegen.approval import post_digest

        post_digest(self.post)

    def plain(self) -> None:
        from sitegen.markup import plain_text

        plain_text(self.post.body)

    def images(self) -> None:
        from sitegen.policy.images import check_image_refs

        check_image_refs(self.post)

    def view(self) -> None:
        from sitegen.markup import render_body
        from sitegen.render import post_view

        post_view(self.post, self.config, [], body_html=render_body(self.post.body), digest="d")

    def compose_x(self) -> None:
        from sitegen.exports import compose

        compose(self.post, "x", self.x, "https://news.test.sch.uk/posts/hostile/")

    def compose_facebook(self) -> None:
        from sitegen.exports import compose

        compose(self.post, "facebook", self.facebook, "https://news.test.sch.uk/posts/hostile/")


# (column, method, the stages whose results it needs)
STAGES: list[tuple[str, str, tuple[str, ...]]] = [
    ("stock md", "baseline", ()),
    ("load", "load", ()),
    ("problem", "problem", ("load",)),
    ("markdown", "markdown", ("load",)),
    ("sanitize", "sanitize", ("markdown",)),
    ("names+ids", "names_ids", ("load",)),
    ("SG130", "markup", ("markdown",)),
    ("tone", "tone", ("load",)),
    ("digest", "digest", ("load",)),
    ("plain", "plain", ("sanitize",)),
    ("images", "images", ("load",)),
    ("view", "view", ("sanitize",)),
    ("x", "compose_x", ("plain",)),
    ("facebook", "compose_facebook", ("plain",)),
]


def _child(body: str, warm: list[str], timed: list[str], pipe: Any) -> None:
    """Run the `warm` stages untimed (their results are needed), then time each of `timed`."""
    methods = {name: method for name, method, _ in STAGES}
    with tempfile.TemporaryDirectory() as folder:
        warm_up = Run("Mia had a *good* day.\n", Path(folder))  # imports, lexicons, converters
        for _, method, _ in STAGES:
            getattr(warm_up, method)()
        run = Run(body, Path(folder))
        for name in warm:
            getattr(run, methods[name])()
        for name in timed:
            start = time.perf_counter()
            getattr(run, methods[name])()
            pipe.send((name, time.perf_counter() - start))
    pipe.send(None)


def time_body(body: str, timeout: float, no_baseline: bool = False) -> dict[str, float | str]:
    """Seconds per stage; '>timeout' for a stage stopped, '-' for one whose input never came."""
    context = multiprocessing.get_context("fork")
    results: dict[str, float | str] = {}
    needs = {name: deps for name, _, deps in STAGES}
    pending = [name for name, _, _ in STAGES if not (no_baseline and name == "stock md")]
    while pending:
        # Stages whose inputs were stopped cannot run.
        for name in list(pending):
            if any(isinstance(results.get(d), str) for d in needs[name]):
                results[name] = "-"
                pending.remove(name)
        if not pending:
            break
        warm = [n for n, _, _ in STAGES if isinstance(results.get(n), float) and n != "stock md"]
        here, there = context.Pipe(duplex=False)
        child = context.Process(target=_child, args=(body, warm, pending, there))
        child.start()
        there.close()
        allowance = 60.0 if warm else 0.0  # the first message waits for the warming too
        try:
            while True:
                if not here.poll(timeout + allowance):
                    name = pending.pop(0)
                    results[name] = f">{timeout:g}"
                    break
                message = here.recv()
                if message is None:
                    break
                name, seconds = message
                results[name], allowance = seconds, 0.0
                pending.remove(name)
        except EOFError:  # the child died (a recursion limit hit in C, memory...)
            results[pending.pop(0)] = "died"
        finally:
            child.kill()
            child.join()
            here.close()
    return results


def shown(value: float | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hostile_text", description=__doc__)
    parser.add_argument("--size", type=int, default=100_000, help="characters per body")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per stage")
    parser.add_argument("--only", default="", help="comma-separated names (substrings)")
    parser.add_argument("--double", action="store_true", help="also time at twice the size")
    parser.add_argument("--no-baseline", action="store_true", help="skip stock Markdown")
    args = parser.parse_args(argv)
    wanted = [w.strip() for w in args.only.split(",") if w.strip()]
    names = [n for n in HOSTILE if not wanted or any(w in n for w in wanted)]
    columns = [c for c, _, _ in STAGES]
    width = max(len(n) for n in names) + 1
    print(f"seconds per stage, bodies of {args.size:,} characters; timeout {args.timeout:g} s")
    print(f"{'body':<{width}}" + "".join(f"{c:>10}" for c in columns))
    for name in names:
        body = HOSTILE[name](args.size)
        results = time_body(body, args.timeout, args.no_baseline)
        print(f"{name:<{width}}" + "".join(f"{shown(results.get(c)):>10}" for c in columns))
        if args.double:
            twice = time_body(HOSTILE[name](2 * args.size), args.timeout, args.no_baseline)
            ratios = []
            for c in columns:
                a, b = results.get(c), twice.get(c)
                ok = isinstance(a, float) and isinstance(b, float) and a > 0.002
                ratios.append(f"x{b / a:.1f}" if ok else shown(b))  # type: ignore[operator]
            print(f"{'  at 2x':<{width}}" + "".join(f"{r:>10}" for r in ratios))
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
