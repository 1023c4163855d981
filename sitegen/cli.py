"""The command line: parse arguments, run the pipeline, turn errors into messages, exit codes."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from sitegen import __version__
from sitegen.approval import read_audit_log, repair_audit_log
from sitegen.errors import RefusedError, SitegenError, UsageError
from sitegen.pipeline import Site, Timings, build, check, decisions, load_site, tree_check
from sitegen.policy import Checked
from sitegen.records import Changes
from sitegen.terminal import console, escape
from sitegen.workflow import approve, find_post, find_posts, new_post, submit

OK, POLICY, USAGE = 0, 1, 2

out = console()
err = console(stderr=True)


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--site",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="the site folder (default: the current folder)",
    )
    common.add_argument(
        "--now",
        metavar="DATETIME",
        default=argparse.SUPPRESS,
        help="act as if it were this ISO date or datetime (site time zone)",
    )
    return common


def parser() -> argparse.ArgumentParser:
    common = _common()
    top = argparse.ArgumentParser(
        prog="sitegen",
        parents=[common],
        description="A school news site that obeys the social media policy.",
    )
    top.add_argument("--version", action="version", version=f"sitegen {__version__}")
    sub = top.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("new", parents=[common], help="start a new draft post")
    p.add_argument("title")
    p.add_argument("--author", required=True, metavar="USER")
    p.add_argument("--date", metavar="YYYY-MM-DD")

    p = sub.add_parser("check", parents=[common], help="check posts against the policy")
    p.add_argument("posts", nargs="*", metavar="POST")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("submit", parents=[common], help="mark a draft as ready for approval")
    p.add_argument("post", metavar="POST")

    p = sub.add_parser("approve", parents=[common], help="senior leader approval of posts")
    p.add_argument("posts", nargs="+", metavar="POST")
    p.add_argument("--by", required=True, metavar="USER")

    p = sub.add_parser("status", parents=[common], help="each post's workflow status")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("build", parents=[common], help="publish the site and export bundles")
    p.add_argument("--out", metavar="DIR")
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 if an approved post is left out for any reason but its date",
    )
    p.add_argument("--timings", action="store_true", help="print the time of each stage")

    p = sub.add_parser(
        "sar", parents=[common], help="Subject Access Request: everything about one pupil"
    )
    p.add_argument("pupil_id", metavar="PUPIL_ID")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--format",
        choices=["md", "html"],
        default="md",
        help="the readable report's format (default: md)",
    )
    p.add_argument("--output", metavar="FILE", help="write the report to FILE")

    p = sub.add_parser(
        "takedown", parents=[common], help="published posts that must now be removed, and where"
    )
    p.add_argument("--json", action="store_true")
    p.add_argument("--done", metavar="SLUG", help="record that SLUG was removed from --platform")
    p.add_argument("--platform", metavar="P")

    p = sub.add_parser("serve", parents=[common], help="preview with drafts, rebuilt on save")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)

    p = sub.add_parser("audit", parents=[common], help="the approval audit log")
    p.add_argument("action", choices=["verify", "repair"])
    p.add_argument("--by", metavar="LEADER", help="repair: the leader who starts the log again")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    root = Path(getattr(args, "site", ".")).resolve()
    try:
        return COMMANDS[args.command](args, root)
    except SitegenError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except BrokenPipeError:  # `sitegen status | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return OK
    except OSError as exc:  # a full disk, a folder without permission: said, not a traceback
        where = f"{exc.filename}: " if exc.filename else ""
        err.print(f"[bold red]error:[/] {escape(where + (exc.strerror or str(exc)))}")
        return USAGE


def _site(args: argparse.Namespace, root: Path) -> Site:
    if not root.is_dir():
        raise UsageError(f"--site {root}: no such folder")
    site = load_site(root, getattr(args, "now", None))
    for notice in site.context.tools.notices:
        err.print(f"[yellow]note:[/] {escape(notice)}")
    return site


def cmd_new(args: argparse.Namespace, root: Path) -> int:
    site = _site(args, root)
    path = new_post(site, args.title, args.author, args.date)
    out.print(f"created {escape(str(path.relative_to(root)))}")
    if args.author not in site.config.authors:
        known = ", ".join(sorted(site.config.authors)) or "none yet"
        out.print(
            f"[yellow]note:[/] {escape(f'“{args.author}” is not a username in [site.authors]')}"
            f" in site.toml {escape(f'(known: {known})')}, so the post shows no author "
            "(warning SG103): fix the username in the post, or ask for it to be added"
        )
    out.print(
        f"next: add your text, pupils and images, then run `sitegen check {path.parent.name}`"
    )
    return OK


def cmd_check(args: argparse.Namespace, root: Path) -> int:
    site = _site(args, root)
    posts = find_posts(site, args.posts) if args.posts else None
    results = check(site, posts)
    by_slug = {d.slug: d for d in decisions(site, results)}
    register = list(site.register.findings)
    errors = sum(len(c.errors) for c in results) + sum(f.severity == "error" for f in register)
    warnings = sum(len(c.warnings) for c in results) + sum(
        f.severity == "warning" for f in register
    )
    if args.json:
        print(
            json.dumps(
                {
                    "posts": [
                        {
                            "slug": c.post.slug,
                            "path": c.post.path,
                            "status": c.status,
                            "publishable": by_slug[c.post.slug].publishable,
                            "findings": [f.as_json() for f in c.findings],
                        }
                        for c in results
                    ],
                    "register": [f.as_json() for f in register],
                    "errors": errors,
                    "warnings": warnings,
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return POLICY if errors else OK
    for finding in register:
        _print_finding(finding)
    for c in results:
        _print_checked(c, by_slug[c.post.slug].publishable)
    colour = "red" if errors else "yellow" if warnings else "green"
    out.print(
        f"[bold {colour}]{errors} error(s), {warnings} warning(s)[/] in {len(results)} "
        f"post(s); register {'invalid' if not site.register.valid else 'ok'}"
    )
    return POLICY if errors else OK


STATUS_STYLE = {
    "draft": "cyan",
    "submitted": "blue",
    "approved": "green",
    "stale": "magenta",
    "blocked": "red",
}


def _print_checked(c: Checked, publishable: bool) -> None:
    style = STATUS_STYLE.get(c.status, "white")
    tail = ", publishable" if publishable else ""
    out.print(f"[bold]{escape(c.post.path)}[/] [{style}]{c.status}[/]{tail}")
    for finding in c.findings:
        _print_finding(finding, indent="  ")


def _print_finding(f, indent: str = "") -> None:  # type: ignore[no-untyped-def]
    where = f"{f.file}:{f.line}" if f.line else f.file
    colour = "red" if f.severity == "error" else "yellow"
    out.print(f"{indent}{escape(where)}: [{colour}]{f.code} {f.severity}[/]: {escape(f.message)}")


def cmd_submit(args: argparse.Namespace, root: Path) -> int:
    site = _site(args, root)
    outcome = submit(site, find_post(site, args.post))
    (out if outcome.done else err).print(escape(outcome.message))
    return OK if outcome.done else POLICY


def cmd_approve(args: argparse.Namespace, root: Path) -> int:
    site = _site(args, root)
    refused = 0
    for outcome in approve(site, find_posts(site, args.posts), args.by):
        (out if outcome.done else err).print(escape(outcome.message))
        refused += not outcome.done
    return POLICY if refused else OK


# What `status` shows first: what waits for a leader, then what waits for its author.
STATUS_GROUPS = (
    ("submitted", "waiting for a leader's approval"),
    ("stale", "edited since approval: waiting for a leader to approve the edit"),
    ("blocked", "approved, but blocked now: see `sitegen check`"),
    ("draft", "drafts"),
    ("approved", "approved"),
)


def cmd_status(args: argparse.Namespace, root: Path) -> int:
    site = _site(args, root)
    order = [status for status, _ in STATUS_GROUPS]
    results = sorted(
        check(site),
        key=lambda c: (order.index(c.status) if c.status in order else len(order), c.post.slug),
    )
    rows = [
        {
            "slug": c.post.slug,
            "path": c.post.path,
            "title": c.post.title,
            "date": c.post.date.isoformat() if c.post.date else None,
            "status": c.status,
            "author": c.post.author,
            "errors": len(c.errors),
        }
        for c in results
    ]
    if args.json:
        print(json.dumps({"posts": rows}, indent=2, ensure_ascii=False))
        return OK
    width = max((len(r["slug"]) for r in rows), default=4)
    authors = site.config.authors
    for status, heading in STATUS_GROUPS:
        group = [r for r in rows if r["status"] == status]
        if not group:
            continue
        out.print(f"[bold]{escape(heading[0].upper() + heading[1:])}[/] ({len(group)})")
        style = STATUS_STYLE.get(status, "white")
        for r in group:
            author = authors.get(r["author"], r["author"])
            errors = f"{r['errors']} error(s)" if r["errors"] else ""
            out.print(
                f"  {escape(r['slug']).ljust(width)}  [{style}]{status:<9}[/]  "
                f"{escape(author)[:24]:<24}  [red]{errors:<10}[/]  {escape(r['title'])}"
            )
    return OK


def cmd_build(args: argparse.Namespace, root: Path) -> int:
    timings = Timings()
    out_dir = Path(args.out).resolve() if args.out else root / "build"
    with tree_check(out_dir) as check:  # first: it runs while the rest is read
        site = _site(args, root)
        timings.mark("settings")
        with _progress() as progress:
            result = build(site, out_dir, progress, timings, check)
    summary = result.summary
    shown = escape(str(out_dir.relative_to(root) if out_dir.is_relative_to(root) else out_dir))
    out.print(f"[green]built[/] {shown}/site: {summary.published} post(s) on the website")
    for platform, count in summary.exported.items():
        out.print(f"  exported {count} post(s) for {platform} to {shown}/exports/{platform}")
    if summary.left_out:
        out.print(
            f"  left out {len(summary.left_out)} post(s) on some platforms: see {shown}/report.json"
        )
    _print_changes(result.changes)
    if args.timings:
        width = max(len(stage) for stage, _ in result.timings.stages)
        for stage, seconds in result.timings.stages:
            out.print(f"  {stage:<{width}} {seconds * 1000:8.1f} ms")
    if args.strict and result.strict_failures:
        for slug, platform, reason in result.strict_failures:
            err.print(f"[red]strict:[/] {slug} left out of {platform}: {escape(reason)}")
        return POLICY
    return OK


def _print_changes(changes: Changes | None) -> None:
    """What this build changed out there, platform by platform, and what waits to be removed
    by hand (the one thing a leader must not miss)."""
    if changes is None:
        out.print("  nothing changed since the last build")
        return
    platforms = dict.fromkeys([*changes.joined, *changes.updated, *changes.left])
    for platform in platforms:
        parts = [
            f"{verb} {len(slugs)}: {escape(_listed(slugs))}"
            for verb, slugs in (
                ("new", changes.joined.get(platform, [])),
                ("updated", changes.updated.get(platform, [])),
                ("removed", changes.left.get(platform, [])),
            )
            if slugs
        ]
        out.print(f"  {platform}: {'; '.join(parts)}")
    if not platforms:
        out.print("  no post joined, changed or left the site or any platform")
    if changes.by_hand:
        counts = ", ".join(f"{len(s)} on {p}" for p, s in changes.by_hand.items())
        out.print(
            f"[bold yellow]  to remove by hand: {counts}[/] (no longer allowed there): "
            "run `sitegen takedown` for what and where"
        )


def _listed(slugs: list[str], most: int = 3) -> str:
    shown = ", ".join(slugs[:most])
    return shown + (f" and {len(slugs) - most} more" if len(slugs) > most else "")


class _PlainProgress:
    """Progress as plain lines (CI, a pipe): said only for work that takes a while, so that
    a quick build prints nothing more, and a long one is never a silent minute."""

    QUIET_FOR = 2.0  # seconds before the first line
    EVERY = 10.0  # seconds between lines

    def start(self, label: str, total: int) -> Callable[[int], None]:
        began = time.monotonic()
        said = [began + self.QUIET_FOR - self.EVERY]  # when a line was last printed
        done = [0]

        def advance(n: int) -> None:
            done[0] += n
            now = time.monotonic()
            if now - said[0] >= self.EVERY or (done[0] >= total and said[0] > began):
                said[0] = now
                err.print(f"{label}: {done[0]} of {total} ({now - began:.0f} s)")

        return advance


class _RichProgress:
    def __init__(self, bar: Any) -> None:
        self.bar = bar

    def start(self, label: str, total: int) -> Callable[[int], None]:
        task = self.bar.add_task(label, total=total)
        return lambda n: self.bar.advance(task, n)


@contextlib.contextmanager
def _progress() -> Iterator[_RichProgress | _PlainProgress]:
    """A progress bar on a terminal; plain lines in CI or when output is piped."""
    if not err.is_terminal or os.environ.get("CI"):
        yield _PlainProgress()
        return
    from rich.progress import Progress  # only on a terminal

    with Progress(console=err, transient=True) as bar:
        yield _RichProgress(bar)


def cmd_audit(args: argparse.Namespace, root: Path) -> int:
    site = _site(args, root)
    if args.action == "repair":
        if not args.by:
            raise UsageError("audit repair needs --by LEADER: a senior leader repairs the log")
        if args.by not in site.config.leaders:
            raise RefusedError(f'"{args.by}" is not a senior leader (policy.leaders)')
        kept, problems = repair_audit_log(root, args.by, site.context.now)
        out.print(f"[yellow]repaired[/] the audit log ({escape(problems[0])})")
        out.print(f"  the damaged log is kept as {escape(str(kept.relative_to(root)))}")
        out.print("  every post must be approved again: `sitegen status` lists them")
        return OK
    entries, problems = read_audit_log(root)
    by_hash = {e.hash: e for e in entries if e.data.get("hash") == e.hash}
    for post in site.posts:
        if post.approval is None:
            continue
        entry = by_hash.get(post.approval.entry)
        where = f"{post.path}: its approval's entry {post.approval.entry[:19]}…"
        if entry is None:
            problems.append(f"{where} is not in the audit log")
            continue
        # The entry must be this approval of this post: a copied or renamed folder, or an
        # approval edited by hand, points to an entry that says otherwise.
        said = {k: entry.data.get(k) for k in ("action", "post", "by", "digest")}
        meant = {
            "action": "approve",
            "post": post.slug,
            "by": post.approval.by,
            "digest": post.approval.digest,
        }
        for key in (k for k in meant if said[k] != meant[k]):
            problems.append(f"{where} records {key} {said[key]!r}, the post says {meant[key]!r}")
    for problem in problems:
        err.print(f"[red]{escape(problem)}[/]")
    if problems:
        err.print(f"[bold red]audit log FAILED[/]: {len(problems)} problem(s)")
        return POLICY
    approvals = sum(1 for p in site.posts if p.approval)
    out.print(
        f"[green]audit log ok[/]: {len(entries)} entries chained; "
        f"{approvals} approval(s) in posts all have their entry"
    )
    return OK


def cmd_serve(args: argparse.Namespace, root: Path) -> int:
    from sitegen.serve import serve

    if not (root / "site.toml").exists():
        _site(args, root)  # the usual clear message for a folder that is no site
    return serve(root, args.host, args.port, getattr(args, "now", None))


def cmd_sar(args: argparse.Namespace, root: Path) -> int:
    from sitegen.dpo import takedowns  # (none of these is needed by builds)
    from sitegen.sar import subject_access
    from sitegen.sar_files import scrubbed_photos, write_private
    from sitegen.sar_format import sar_html, sar_markdown

    site = _site(args, root)
    decided = decisions(site, check(site))
    report = subject_access(site, args.pupil_id, decided, takedowns(site, decided))
    if args.json:
        text = json.dumps(report.data, indent=2, ensure_ascii=False) + "\n"
    elif args.format == "html":

        def unreadable(name: str, why: str) -> None:
            report.notes.append(f"the photo {name} could not be copied into the report: {why}")

        photos = scrubbed_photos(report.photo_sources, site.config, unreadable)
        text = sar_html(report.data, site.config, photos)
    else:
        text = sar_markdown(report.data, site.config)
    for note in report.notes:  # for the data protection lead, never in the report itself
        err.print(f"[yellow]before sending:[/] {escape(note)}")
    if args.output:
        write_private(Path(args.output), text)
        err.print(
            f"wrote {escape(args.output)} (mode 0600: readable by you only): "
            "it holds personal data, keep it safe"
        )
    else:
        sys.stdout.write(text)
    return OK


def cmd_takedown(args: argparse.Namespace, root: Path) -> int:
    from sitegen.dpo import PHOTOS_ONLY, mark_done, takedowns

    site = _site(args, root)
    decided = decisions(site, check(site))
    if args.done:
        if not args.platform:
            raise UsageError("--done needs --platform, for example --platform facebook")
        mark_done(site, args.done, args.platform, decided)
        out.print(f"recorded: {escape(args.done)} removed from {escape(args.platform)}")
        return OK
    items = takedowns(site, decided)
    if args.json:
        print(json.dumps({"takedowns": [t.as_json() for t in items]}, indent=2, ensure_ascii=False))
        return OK
    if not items:
        out.print("[green]nothing to take down[/]: everything published may stay")
        return OK
    for platform in dict.fromkeys(t.platform for t in items):
        group = [t for t in items if t.platform == platform]
        out.print(f"[bold]{platform}[/] ({len(group)} to remove)")
        for t in group:
            out.print(f"  {escape(t.slug)}: {escape(t.reason)} (published {t.published_at[:10]})")
            what = f'the post "{escape(t.title)}"' if t.reason != PHOTOS_ONLY else "the photos"
            where = f" at {escape(t.url)}" if t.url and platform == "website" else ""
            photos = f" with its photos {escape(', '.join(t.images))}" if t.images else ""
            out.print(f"    remove {what}{where}{photos}")
            if platform == "website":
                out.print("    `sitegen build` removes it from the website")
            else:
                out.print(
                    f"    then: sitegen takedown --done {escape(t.slug)} --platform {platform}"
                )
    return OK


COMMANDS: dict[str, Callable[[argparse.Namespace, Path], int]] = {
    "new": cmd_new,
    "check": cmd_check,
    "submit": cmd_submit,
    "approve": cmd_approve,
    "status": cmd_status,
    "build": cmd_build,
    "audit": cmd_audit,
    "sar": cmd_sar,
    "serve": cmd_serve,
    "takedown": cmd_takedown,
}

if __name__ == "__main__":
    sys.exit(main())
