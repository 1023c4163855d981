"""What the commands print: check findings, statuses, the build summary, the audit, the SAR."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sitegen.terminal import console, escape

if TYPE_CHECKING:  # for annotations only: nothing here runs a stage
    from collections.abc import Iterable

    from sitegen.config import Config
    from sitegen.facesheet import PhotoFaces
    from sitegen.gate import Decision
    from sitegen.model import Finding, Post
    from sitegen.policy import Checked
    from sitegen.records import Changes
    from sitegen.sar import SubjectAccess
    from sitegen.site import Site
    from sitegen.summary import BuildResult
    from sitegen.workflow import Outcome

out = console()
err = console(stderr=True)

STATUS_STYLE = {
    "draft": "cyan",
    "submitted": "blue",
    "approved": "green",
    "stale": "magenta",
    "blocked": "red",
}
# What `status` shows first: what waits for a leader, then what waits for its author.
STATUS_GROUPS = (
    ("submitted", "waiting for a leader's approval"),
    ("stale", "edited since approval: waiting for a leader to approve the edit"),
    ("blocked", "approved, but blocked now: see `sitegen check`"),
    ("draft", "drafts"),
    ("approved", "approved"),
)


def print_json(data: dict[str, Any]) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def print_warning(text: str) -> None:
    err.print(f"[yellow]warning:[/] {escape(text)}")


def print_register_invalid(findings: Iterable[Finding]) -> None:
    """An invalid register holds back every post that tags a pupil: said first, on stderr,
    problem by problem, or one typo in consent.csv would take posts down in silence."""
    problems = [f for f in findings if f.severity == "error"]
    for f in problems:
        where = f"{f.file}:{f.line}" if f.line else f.file
        err.print(f"[yellow]warning:[/] {escape(where)}: {f.code}: {escape(f.message)}")
    if problems:
        print_warning(
            "the consent register is invalid: no post that tags a pupil is published or "
            "exported until it is fixed; fix it first (`sitegen check` lists the problems)"
        )


def print_notices(notices: list[str]) -> None:
    """What the site's tools said on loading (a checker that is off, say), before any output."""
    for notice in notices:
        err.print(f"[yellow]note:[/] {escape(notice)}")


def print_created(path: Path, root: Path, author: str, authors: dict[str, str]) -> None:
    """`new`: the draft made, a warning when its author is no known username, what to do next."""
    out.print(f"created {escape(str(path.relative_to(root)))}")
    if author not in authors:
        known = ", ".join(sorted(authors)) or "none yet"
        out.print(
            f"[yellow]note:[/] {escape(f'“{author}” is not a username in [site.authors]')}"
            f" in site.toml {escape(f'(known: {known})')}, so the post shows no author "
            "(warning SG103): fix the username in the post, or ask for it to be added"
        )
    out.print(
        f"next: add your text, pupils and images, then run `sitegen check {path.parent.name}`"
    )


def print_outcome(outcome: Outcome) -> None:
    """`submit`, `approve`: what was done, or (on stderr) why not."""
    (out if outcome.done else err).print(escape(outcome.message))


def print_check(
    site: Site,
    results: list[Checked],
    decided: list[Decision],
    as_json: bool,
    live: dict[str, str] | None = None,
) -> int:
    """`check`: the register's findings, then each post's; returns how many errors there were.
    `live`: the edited posts whose approved version a build publishes, with its approval time."""
    live = live or {}
    by_slug = {d.slug: d for d in decided}
    register = list(site.register.findings)
    errors = sum(len(c.errors) for c in results) + sum(f.severity == "error" for f in register)
    warnings = sum(len(c.warnings) for c in results) + sum(
        f.severity == "warning" for f in register
    )
    if as_json:
        print_json(
            {
                "posts": [
                    {
                        "slug": c.post.slug,
                        "path": c.post.path,
                        "status": c.status,
                        "publishable": by_slug[c.post.slug].publishable or c.post.slug in live,
                        **({"live_revision": live[c.post.slug]} if c.post.slug in live else {}),
                        "findings": [f.as_json() for f in c.findings],
                    }
                    for c in results
                ],
                "register": [f.as_json() for f in register],
                "errors": errors,
                "warnings": warnings,
            }
        )
        return errors
    for finding in register:
        _print_finding(finding)
    for c in results:
        publishable = by_slug[c.post.slug].publishable
        _print_checked(c, publishable, live.get(c.post.slug), _due(site, c))
        _print_missed(site, c)
        _print_unlisted(c)
    colour = "red" if errors else "yellow" if warnings else "green"
    out.print(
        f"[bold {colour}]{errors} error(s), {warnings} warning(s)[/] in {len(results)} "
        f"post(s); register {'invalid' if not site.register.valid else 'ok'}"
    )
    return errors


def _due(site: Site, c: Checked) -> str | None:
    """When an approved post dated later goes out, in words (a year mistyped, 2027 for 2026,
    was said only in report.json, after the build); None for a post that would go nowhere
    even then (it says so itself)."""
    if c.status != "approved" or c.post.date is None or c.post.date <= site.context.now:
        return None
    from sitegen.checks import missed_once_approved
    from sitegen.i18n import long_date  # (Babel's month names: only when a post is due later)

    if set(c.post.platforms) <= {platform for platform, _ in missed_once_approved(site.context, c)}:
        return None
    return long_date(c.post.date, "en")


def _print_checked(
    c: Checked, publishable: bool, live: str | None = None, due: str | None = None
) -> None:
    style = STATUS_STYLE.get(c.status, "white")
    tail = ", publishable" if publishable else ""
    if due and not c.errors:
        tail = f", publishable from {due} (its date)"
    if live:
        tail = f", publishable as the version approved on {live[:10]}"
    out.print(f"[bold]{escape(c.post.path)}[/] [{style}]{c.status}[/]{tail}")
    if live:
        out.print(
            f"  edited: the version approved on {live[:10]} is live; approve to publish the edit"
        )
    for finding in c.findings:
        _print_finding(finding, indent="  ")


def _print_missed(site: Site, checked: Checked) -> None:
    """The platforms the post would miss even once approved (a teacher learns it now, not
    from report.json after the approval)."""
    from sitegen.checks import missed_once_approved  # (a stage's rule, run for the words)

    for platform, why in missed_once_approved(site.context, checked):
        out.print(f"  [dim]not on {escape(platform)}, even once approved: {escape(why)}[/]")


def _print_unlisted(checked: Checked) -> None:
    """Photos in the post's folder that its `images` leave out: never published, and a
    teacher who forgot the entry believed them in the post."""
    from sitegen.policy.images import unlisted_photos  # (a folder listed: only for check)

    if checked.post.meta is None:
        return  # (a header that does not read lists no photo: its error comes first)
    for name in unlisted_photos(checked.post):
        out.print(
            f"  [dim]{escape(name)} is in the folder but not in images: it is not published[/]"
        )


def _print_finding(f: Finding, indent: str = "") -> None:
    where = f"{f.file}:{f.line}" if f.line else f.file
    colour = "red" if f.severity == "error" else "yellow"
    out.print(f"{indent}{escape(where)}: [{colour}]{f.code} {f.severity}[/]: {escape(f.message)}")


def print_status(
    results: list[Checked],
    authors: dict[str, str],
    as_json: bool,
    live: dict[str, str] | None = None,
    site: Site | None = None,
) -> None:
    """`status`: every post, grouped by what it waits for (STATUS_GROUPS), or as JSON. `live`:
    the stale posts whose approved revision is published meanwhile, with its approval time."""
    live = live or {}
    order = [status for status, _ in STATUS_GROUPS]
    results = sorted(
        results,
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
            **({"live_revision": live[c.post.slug]} if c.post.slug in live else {}),
        }
        for c in results
    ]
    if as_json:
        print_json({"posts": rows})
        return
    if not rows:  # (it printed nothing at all)
        out.print('no posts yet: `sitegen new "Title" --author USER` writes one')
        return
    width = max((len(r["slug"]) for r in rows), default=4)
    by_slug = {c.post.slug: c for c in results}
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
            if "live_revision" in r:
                out.print(
                    f"  {''.ljust(width)}  edited: the version approved on "
                    f"{r['live_revision'][:10]} is live; approve to publish the edit"
                )
            if site is not None and (due := _due(site, by_slug[r["slug"]])):
                out.print(f"  {''.ljust(width)}  goes out on {due} (its date)")


def print_build(
    result: BuildResult, out_dir: Path, root: Path, timings: bool, strict: bool
) -> None:
    """`build`: where it went, what it changed, each stage's time (`--timings`), and under
    `--strict` (on stderr) each approved post left out for any reason but its date."""
    summary = result.summary
    shown = escape(str(out_dir.relative_to(root) if out_dir.is_relative_to(root) else out_dir))
    out.print(f"[green]built[/] {shown}/site: {summary.published} post(s) on the website")
    for platform, count in summary.exported.items():
        waiting = summary.to_post.get(platform, {})
        updates = [slug for slug, update in waiting.items() if update]
        to_post = f"{len(waiting)} to post (pending.csv)" if waiting else "nothing to post"
        if updates:
            to_post += f", {len(updates)} an update: {escape(_listed(updates))}"
        out.print(
            f"  exported {count} post(s) for {platform} to {shown}/exports/{platform}: {to_post}"
        )
    if summary.left_out:
        out.print(
            f"  left out {len(summary.left_out)} post(s) on some platforms: see {shown}/report.json"
        )
    withdrawals = [(p, when) for p, when in summary.ending if when.startswith("withdrawn")]
    if ending := [e for e in summary.ending if e not in withdrawals]:
        listed = ", ".join(f"{pupil} ({until})" for pupil, until in ending)
        out.print(
            f"  [yellow]consent ends soon[/] for {len(ending)} pupil(s) in what went "
            f"out: {escape(listed)}: ask for it to be renewed, or those posts come down then "
            "(SG161; `sitegen register` lists them by class)"
        )
    if withdrawals:
        listed = ", ".join(f"{pupil} ({when})" for pupil, when in withdrawals)
        out.print(
            f"  [yellow]consent withdrawn from a later day[/] for {len(withdrawals)} pupil(s) "
            f"in what went out: {escape(listed)}: those posts come down then (SG161)"
        )
    print_changes(result.changes)
    print_waiting(summary.waiting, summary.register_invalid, summary.urgent)
    if timings:
        width = max(len(stage) for stage, _ in result.timings.stages)
        for stage, seconds in result.timings.stages:
            out.print(f"  {stage:<{width}} {seconds * 1000:8.1f} ms")
    if strict:
        for slug, platform, reason in result.strict_failures:
            err.print(f"[red]strict:[/] {slug} left out of {platform}: {escape(reason)}")


def print_changes(changes: Changes | None) -> None:
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
        out.print("  no post joined or changed on the site or any platform, none left the site")


def print_waiting(waiting: dict[str, int], register_invalid: bool = False, urgent: int = 0) -> None:
    """The removals that wait, per platform: the one thing a leader must not miss; first,
    those of a pupil under safeguarding."""
    if urgent:
        out.print(
            f"[bold red]  URGENT: {urgent} removal(s) concern a pupil under safeguarding, who "
            "must never be identifiable[/]: run `sitegen takedown` now"
        )
    if waiting:
        counts = ", ".join(
            f"{n} on {'the website' if p == 'website' else p}" for p, n in sorted(waiting.items())
        )
        out.print(
            f"[bold yellow]  removals waiting: {counts}[/] (out there, no longer allowed): "
            "run `sitegen takedown` for what and where"
        )
        if register_invalid:  # (takedown holds those back, and counts them apart)
            out.print(
                "  some of them may wait only because the consent register is invalid: fix "
                "it first, then build; `sitegen takedown` lists the others"
            )


def _listed(slugs: list[str], most: int = 3) -> str:
    shown = ", ".join(slugs[:most])
    return shown + (f" and {len(slugs) - most} more" if len(slugs) > most else "")


def print_audit_repaired(kept: Path, problems: list[str], root: Path) -> None:
    """`audit repair`: what was wrong, where the damaged log is kept, what must happen now."""
    out.print(f"[yellow]repaired[/] the audit log ({escape(problems[0])})")
    out.print(f"  the damaged log is kept as {escape(str(kept.relative_to(root)))}")
    out.print("  every post must be approved again: `sitegen status` lists them")


def print_audit_verified(entries: int, approvals: int, problems: list[str]) -> None:
    """`audit verify`: each problem (on stderr) and the verdict."""
    for problem in problems:
        err.print(f"[red]{escape(problem)}[/]")
    if problems:
        err.print(f"[bold red]audit log FAILED[/]: {len(problems)} problem(s)")
        return
    out.print(
        f"[green]audit log ok[/]: {entries} entries chained; "
        f"{approvals} approval(s) in posts all have their entry"
    )


def print_sar(report: SubjectAccess, config: Config, form: str, output: str | None) -> None:
    """`sar`: the report (`form` json, html or md) to stdout or to a private file, and the
    notes for the data protection lead (on stderr, never in the report itself)."""
    from sitegen.sar_files import scrubbed_photos, write_private  # (not needed by builds)
    from sitegen.sar_format import sar_html, sar_markdown

    if form == "json":
        text = json.dumps(report.data, indent=2, ensure_ascii=False) + "\n"
    elif form == "html":

        def unreadable(name: str, why: str) -> None:
            report.notes.append(f"the photo {name} could not be copied into the report: {why}")

        photos = scrubbed_photos(report.photo_sources, config, unreadable, report.photo_covers)
        text = sar_html(report.data, config, photos)
    else:
        text = sar_markdown(report.data, config)
    for note in report.notes:
        err.print(f"[yellow]before sending:[/] {escape(note)}")
    if output:
        write_private(Path(output), text, config)
        err.print(
            f"wrote {escape(output)} (mode 0600: readable by you only): "
            "it holds personal data, keep it safe"
        )
    else:
        sys.stdout.write(text)


def print_faces(post: Post, sheets: list[PhotoFaces], folder: Path, root: Path) -> None:
    """`sitegen faces`: each photo's numbered faces, and where the numbered copies are."""
    if not sheets:
        out.print(f"{escape(post.path)}: no photos")
        return
    out.print(f"{escape(post.path)}: faces numbered left to right, as `faces:` lists them")
    for sheet in sheets:
        for line in sheet.lines():
            out.print(escape(line))
    if any(sheet.faces for sheet in sheets):
        shown = folder.relative_to(root) if folder.is_relative_to(root) else folder
        out.print(f"numbered copies (never published): {escape(str(shown))}/")


def print_register_page(target: Path, page: str, config: Config) -> None:
    """`register --html`: the governors' page, written readable by its owner only (it holds
    pupils' names and consents)."""
    from sitegen.sar_files import write_private  # (not needed by builds)

    write_private(target, page, config)
    err.print(
        f"wrote {escape(str(target))} (mode 0600: readable by you only): "
        "it holds pupils' names and consents, keep it safe"
    )
