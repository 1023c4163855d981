"""The command line: parse arguments, run the pipeline, turn errors into messages, exit codes."""

from __future__ import annotations

import argparse
import errno
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import BrokenExecutor
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import NoReturn

from sitegen import records
from sitegen.approval import AUDIT_LOG, repair_audit_log
from sitegen.audit import ledger_problems, verify_audit_log
from sitegen.build import build
from sitegen.checks import check, decisions, live_revisions
from sitegen.cli_args import EVERY_LISTED, parser
from sitegen.config import CONFIG_FILE, not_a_site
from sitegen.content import POSTS_DIR
from sitegen.deploy import built_as_of
from sitegen.engine.lastbuild import tree_check
from sitegen.engine.swap import build_lock
from sitegen.errors import RefusedError, SitegenError, UsageError
from sitegen.files import PUBLISHED_FOLDERS, site_part_holding
from sitegen.policy import Checked
from sitegen.progress import progress
from sitegen.report import (
    err,
    print_audit_repaired,
    print_audit_verified,
    print_build,
    print_check,
    print_created,
    print_faces,
    print_notices,
    print_outcome,
    print_register_invalid,
    print_register_page,
    print_sar,
    print_status,
    print_warning,
)
from sitegen.report_live import (
    print_deployed,
    print_posted,
    print_pruned,
    print_takedown_done,
    print_takedowns,
)
from sitegen.site import Site, load_site
from sitegen.summary import Timings
from sitegen.terminal import escape
from sitegen.workflow import approve, find_post, find_posts, new_post, submit, unapprove

OK, POLICY, USAGE = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    commands = parser()
    args = commands.parse_args(argv)
    if args.command is None:
        commands.error("name a command: `sitegen --help` lists them")
    root = Path(getattr(args, "site", ".")).resolve()
    try:
        return COMMANDS[args.command](args, root)
    except SitegenError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("interrupted")
        _leave_interrupted()  # (nothing is published or recorded half-way: trees are swapped)
    except BrokenExecutor:  # a worker killed: nothing was published, nothing recorded
        err.print(
            "[bold red]error:[/] a helper process of the build stopped (out of memory, or "
            "killed): nothing was published or recorded; build again"
        )
        return USAGE
    except BrokenPipeError:  # `sitegen status | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return OK
    except OSError as exc:  # a full disk, a folder without permission: said, not a traceback
        where = f"{exc.filename}: " if exc.filename else ""
        said = exc.strerror or str(exc)
        if exc.errno == errno.ENOSPC:  # (the previous site stays: trees are swapped whole)
            said += ": the disk is full; free some space, then run the command again"
        err.print(f"[bold red]error:[/] {escape(where + said)}")
        return USAGE


def _leave_interrupted() -> NoReturn:
    """Stop the build's helper processes and leave at once, as interrupted. Python's own exit
    waits for every helper a pool started, and a pool interrupted while it hands out work
    can leave some waiting for good: Ctrl-C then hung the terminal."""
    import multiprocessing

    for child in multiprocessing.active_children():
        child.kill()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(130)


def _site(args: argparse.Namespace, root: Path, published: bool = False) -> Site:
    """The site; `published`: each post as a build publishes it (an approved revision in place
    of an edit not yet approved), for build and takedown."""
    if not root.is_dir():
        raise UsageError(f"--site {root}: no such folder")
    site = load_site(root, getattr(args, "now", None), published)
    print_notices(site.photos.tools.notices)
    return site


def cmd_new(args: argparse.Namespace, root: Path) -> int:
    site = _site(args, root)
    path = new_post(site, args.title, args.author, args.date, args.lang)
    print_created(path, root, args.author, site.config.authors)
    return OK


def cmd_check(args: argparse.Namespace, root: Path) -> int:
    site = _site(args, root)
    posts = find_posts(site, args.posts) if args.posts else None
    results, live = _live_revisions(site, check(site, posts))
    errors = print_check(site, results, decisions(site, results), args.json, live)
    return POLICY if errors else OK


def _live_revisions(site: Site, checked: list[Checked]) -> tuple[list[Checked], dict[str, str]]:
    """The stale posts whose approved revision a build publishes meanwhile. A post whose
    header no longer reads is one of them when it was approved before: edited since, not a
    draft (the build publishes what was approved)."""
    edited = [c.post.slug for c in checked if c.status == "stale" or c.post.meta is None]
    live = live_revisions(site, edited)
    unreadable_but_live = {c.post.slug for c in checked if c.post.meta is None} & live.keys()
    return [
        replace(c, status="stale") if c.post.slug in unreadable_but_live else c for c in checked
    ], live


def cmd_submit(args: argparse.Namespace, root: Path) -> int:
    site = _site(args, root)
    outcome = submit(site, find_post(site, args.post))
    print_outcome(outcome)
    return OK if outcome.done else POLICY


def cmd_approve(args: argparse.Namespace, root: Path) -> int:
    site = _site(args, root)
    _refuse_a_lost_approval_log(site)  # (a new log would leave every earlier approval void)
    refused = 0
    key = Path(args.key) if args.key else None
    for outcome in approve(site, find_posts(site, args.posts), args.by, key):
        print_outcome(outcome)
        refused += not outcome.done
    return POLICY if refused else OK


def cmd_unapprove(args: argparse.Namespace, root: Path) -> int:
    site = _site(args, root)
    _refuse_a_lost_approval_log(site)  # (its entry would start a new log: the site empties)
    key = Path(args.key) if args.key else None
    outcomes = unapprove(site, find_posts(site, args.posts), args.by, key)
    for outcome in outcomes:
        print_outcome(outcome)
    return OK if all(o.done for o in outcomes) else POLICY


def cmd_status(args: argparse.Namespace, root: Path) -> int:
    site = _site(args, root)
    checked, live = _live_revisions(site, check(site))
    print_status(checked, site.config.authors, args.json, live, site)
    return OK


def cmd_faces(args: argparse.Namespace, root: Path) -> int:
    from sitegen.facesheet import write_sheets

    site = _site(args, root)
    if not site.photos.tools.faces:
        raise UsageError(
            'faces are not looked for on this site: policy.faces is "off" in site.toml, '
            "or OpenCV is not installed"
        )
    post = find_post(site, args.post)
    sheets, folder = write_sheets(site, post)
    print_faces(post, sheets, folder, root)
    return POLICY if any(sheet.problems for sheet in sheets) else OK


def cmd_build(args: argparse.Namespace, root: Path) -> int:
    timings = Timings()
    out_dir = Path(args.out).resolve() if args.out else root / "build"
    _buildable(root, out_dir, bool(args.out))
    if lost := records.ledger_lost(root):  # (a new ledger would hide what went out)
        raise UsageError(f"{lost}; nothing was built")
    # One build of a site at a time, wherever it writes: two record the same publications
    # in the one ledger (a build into build/ holds this lock itself, from the start).
    elsewhere = out_dir.resolve() != (root / "build").resolve()
    with (
        build_lock(root / "build", doing=f"build into {out_dir}") if elsewhere else nullcontext(),
        tree_check(out_dir) as check,  # first: it runs while the rest is read
    ):
        site = _site(args, root, published=True)
        _refuse_a_lost_approval_log(site)
        timings.mark("load the site")
        print_register_invalid(site.register.findings)
        with progress(err) as shown:
            result = build(site, out_dir, shown, timings, check)
    built_as_of(out_dir, site)
    strict = args.strict and bool(result.strict_failures)
    print_build(result, out_dir, root, args.timings, strict)
    return POLICY if strict else OK


def _refuse_a_lost_approval_log(site: Site) -> None:
    """No approval log while posts carry approvals: every approval would be invalid, and the
    build would take the whole site down and ask for every post to be removed everywhere."""
    try:
        log = site.root / AUDIT_LOG
        if log.stat().st_size > 4096 or log.read_bytes().strip():
            return
    except OSError:
        pass  # (missing)
    if approved := sum(1 for post in site.posts if post.approval):
        raise UsageError(
            f"{AUDIT_LOG.as_posix()} is missing or empty, though {approved} post(s) carry an "
            "approval: restore it from git or a backup (nothing was built or approved)"
        )


def _buildable(root: Path, out_dir: Path, chosen: bool) -> None:
    """Refuse what would publish an empty site by mistake, or write over someone's files: no
    content/posts/ folder (a wrong --site, a drive not mounted; a site with no posts yet has
    an empty one), or an --out folder with other files in it that no build made."""
    if not (root / CONFIG_FILE).exists():  # (said first: a wrong folder is the likelier cause)
        raise not_a_site(root)
    posts = root / POSTS_DIR
    if not posts.is_dir():
        what = "is not a folder" if posts.exists() else "is missing"
        raise UsageError(
            f"{POSTS_DIR.as_posix()}/ {what}: nothing was built (a site with no posts yet "
            "needs an empty folder there)",
            str(posts),
        )
    _refuse_an_out_folder_of_the_site(root, out_dir, chosen)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{out_dir} is a file, not a folder: move it, or build --out elsewhere")
    ours = (".lock", ".manifest-site.pickle")
    made_by_a_build = any((out_dir / name).exists() for name in ours)
    if chosen and out_dir.is_dir() and any(out_dir.iterdir()) and not made_by_a_build:
        raise UsageError(
            f"--out {out_dir}: this folder holds other files, and a build replaces its "
            "site/ and exports/: choose an empty folder, or one a build made",
        )


def _refuse_an_out_folder_of_the_site(root: Path, out_dir: Path, chosen: bool) -> None:
    """--out inside a folder whose files are published (templates/static/, build/site/ ...)
    or kept (content/) would put the exports, parents-only posts and the report on the
    website, or among the posts."""
    if chosen and (folder := site_part_holding(root, out_dir, (*PUBLISHED_FOLDERS, "content"))):
        raise UsageError(
            f"--out {out_dir} is inside {folder}/: its files are published or are the site's "
            "own, and a build's exports and report must never be; build --out outside them "
            "(or leave --out out: build/)"
        )


def cmd_audit(args: argparse.Namespace, root: Path) -> int:
    from sitegen.revisions import record_problems

    site = _site(args, root)
    if args.action == "repair":
        if not args.by:
            raise UsageError("audit repair needs --by LEADER: a senior leader repairs the log")
        if args.by not in site.config.leaders:
            raise RefusedError(f'"{args.by}" is not a senior leader (policy.leaders)')
        kept, problems = repair_audit_log(root, args.by, site.context.now)
        print_audit_repaired(kept, problems, root)
        return OK
    entries, problems = verify_audit_log(
        root, site.posts, site.config.leader_keys, site.config.require_signatures
    )
    problems += ledger_problems(root)  # (the ledger, read by sar and takedown: or lost)
    problems += record_problems(root)  # (the approved revisions a build may publish)
    approvals = sum(1 for p in site.posts if p.approval)
    print_audit_verified(len(entries), approvals, problems)
    return POLICY if problems else OK


def cmd_records(args: argparse.Namespace, root: Path) -> int:
    from sitegen.revisions import photo_names, prune, still_out_there

    site = _site(args, root)
    if unreadable := ledger_unreadable(root):  # (what is out there decides what is kept)
        raise unreadable
    ledger = records.read_ledger(site.root)
    posts, files = prune(root, *still_out_there(ledger))
    print_pruned(posts, files, photo_names(ledger))
    return OK


def cmd_serve(args: argparse.Namespace, root: Path) -> int:
    from sitegen.serve import serve

    if not (root / "site.toml").exists():
        _site(args, root)  # the usual clear message for a folder that is no site
    return serve(root, args.host, args.port, getattr(args, "now", None))


def ledger_unreadable(root: Path) -> UsageError | None:
    """Why `sar` and `takedown` cannot say what went out (a damaged ledger line, a ledger
    lost): a report to a parent that "no post went anywhere", or a list that says everything
    may stay, would be false."""
    problems = ledger_problems(root)
    if not problems:
        return None
    return UsageError(
        "the ledger cannot be read whole, so what went out cannot be told: "
        + "; ".join(problems)
        + ". Restore content/records/publications.jsonl from git or a backup "
        "(`git log -p content/records/publications.jsonl`), then run this again"
    )


def cmd_sar(args: argparse.Namespace, root: Path) -> int:
    from sitegen.content import load_post
    from sitegen.dpo import takedowns  # (none of these is needed by builds)
    from sitegen.revisions import kept_of_deleted_posts
    from sitegen.sar import subject_access

    if not args.pupil_id.strip():  # (was "error:   is not in the consent register ...")
        raise UsageError("give the pupil's id, as the register writes it: sitegen sar P1042")
    site = _site(args, root)
    if unreadable := ledger_unreadable(root):
        raise unreadable
    decided = decisions(site, check(site))
    # What must come down is judged as `takedown` judges it: an edited post's approved
    # version, which builds publish meanwhile, stays.
    published = _site(args, root, published=True)
    published_decided = decisions(published, check(published))
    pending = takedowns(published, published_decided)
    stale = {d.slug for d in decided if d.checked.status == "stale"}
    live_approved = {d.slug for d in published_decided if d.publishable and d.slug in stale}
    live = {post.slug: post for post in published.posts}  # (an edit's approved version)
    deleted = [
        load_post(root, folder, site.config.tz, site.config.language)
        for folder in kept_of_deleted_posts(root)
    ]
    report = subject_access(site, args.pupil_id, decided, pending, live, deleted, live_approved)
    print_sar(report, site.config, "json" if args.json else args.format, args.output)
    return OK


def cmd_register(args: argparse.Namespace, root: Path) -> int:
    from sitegen.register_report import register_data, register_html, register_json, register_text

    site = _site(args, root)
    data = register_data(site.register, site.config, site.context.today)
    if args.html:
        print_register_page(Path(args.html), register_html(data), site.config)
    if args.json:
        sys.stdout.write(register_json(data))
    elif not args.html:
        sys.stdout.write(register_text(data))
    return OK


def cmd_takedown(args: argparse.Namespace, root: Path) -> int:
    from sitegen.dpo import listed_on, mark_done, takedowns
    from sitegen.live import refresh_pending_after_takedown

    site = _site(args, root, published=True)
    decided = decisions(site, check(site))
    if args.done:
        if not args.platform:
            raise UsageError("--done needs --platform, for example --platform facebook")
        slugs = [args.done]
        if args.done == EVERY_LISTED:  # (SPEC: after uploading build/site/ by hand)
            slugs = listed_on(site, args.platform, decided)
        for slug in slugs:
            event = mark_done(site, slug, args.platform, decided)
            print_takedown_done(slug, args.platform, event.get("photos"))
        if args.platform != "website":  # (what waits to be posted may have changed with it)
            refresh_pending_after_takedown(root, root / "build", args.platform)
        return OK
    unreadable = ledger_unreadable(root)
    print_register_invalid(site.register.findings)
    found = takedowns(site, decided)
    if held := sum(t.register_only for t in found):  # (a typo must not empty the pages)
        print_warning(
            f"{held} more would come down only because the register is invalid: fix it "
            "first, then run `sitegen takedown` again"
        )
    shown = [t for t in found if not t.register_only]
    if unreadable and not shown:
        raise unreadable  # (never "nothing to take down" on a ledger read in part)
    print_takedowns(shown, args.json, site.config.deploy is not None)
    if unreadable:  # (what it can tell comes first: a withdrawal's removals are urgent)
        err.print(f"[bold red]error:[/] {escape(str(unreadable))}; more may be out there")
        return USAGE
    return OK


def cmd_deploy(args: argparse.Namespace, root: Path) -> int:
    from sitegen.deploy import deploy

    site = _site(args, root)
    done = deploy(site, _out(args, root), args.dry_run, args.moved)
    print_deployed(done, args.dry_run)
    return OK


def cmd_posted(args: argparse.Namespace, root: Path) -> int:
    from sitegen.dpo import first_taken_off
    from sitegen.live import WEBSITE, bulk_order, held_back, record_posted, today_versions

    site = _site(args, root, published=True)  # (each post as a build publishes it)
    if args.platform == WEBSITE:
        raise UsageError("the website is recorded by `sitegen deploy`, not `posted`")
    if args.platform not in site.config.platforms:
        known = ", ".join(p for p in site.config.platforms if p != WEBSITE)
        raise UsageError(f"{args.platform} is not a platform in site.toml (platforms: {known})")
    at = site.context.now.isoformat(timespec="seconds")
    slugs = [_slug_of(ref) for ref in args.slugs]  # (a post's folder or index.md, as elsewhere)
    # What may go there now, photo by photo: a consent withdrawn since the build holds back
    # the bundles it changes.
    decided = decisions(site, check(site))
    allowed = today_versions(decided, args.platform)
    # An update whose earlier version, posted there, shows what must come off: posted as a
    # new post (a scheduler's import of pending.csv), it would leave the earlier one up, and
    # recorded, nothing would ask for its removal any more. Its removal is recorded first.
    exported = set(bulk_order(_out(args, root), args.platform))
    first = first_taken_off(site, decided, args.platform, slugs, exported)
    may_go = {slug: photos for slug, photos in allowed.items() if slug not in first}
    recorded, left = record_posted(root, _out(args, root), args.platform, slugs, at, may_go)
    held = held_back(root, _out(args, root), args.platform, slugs, allowed)
    first = [slug for slug in first if slug not in held]  # (held back: never to post at all)
    already = [slug for slug in slugs if slug not in recorded and slug not in held + first]
    print_posted(args.platform, recorded, left, already, held, first)
    return POLICY if held or first else OK


def _slug_of(ref: str) -> str:
    path = Path(ref)
    return (path.parent if path.name == "index.md" else path).name


def _out(args: argparse.Namespace, root: Path) -> Path:
    return Path(args.out).resolve() if getattr(args, "out", None) else root / "build"


COMMANDS: dict[str, Callable[[argparse.Namespace, Path], int]] = {
    "new": cmd_new,
    "check": cmd_check,
    "submit": cmd_submit,
    "approve": cmd_approve,
    "unapprove": cmd_unapprove,
    "status": cmd_status,
    "faces": cmd_faces,
    "build": cmd_build,
    "audit": cmd_audit,
    "sar": cmd_sar,
    "serve": cmd_serve,
    "takedown": cmd_takedown,
    "register": cmd_register,
    "records": cmd_records,
    "deploy": cmd_deploy,
    "posted": cmd_posted,
}

if __name__ == "__main__":
    sys.exit(main())
