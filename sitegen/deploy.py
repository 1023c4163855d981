"""`sitegen deploy`: build/site/ copied to the web server with rsync, and what is live recorded."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sitegen import live, records
from sitegen.config import DeployConfig
from sitegen.engine.lastbuild import valid_until
from sitegen.engine.manifests import intact
from sitegen.engine.swap import build_lock
from sitegen.errors import RefusedError, UsageError
from sitegen.site import Site

# Over SSH: "host:path" or "user@host:path" (a local folder has no colon before its first slash).
REMOTE = re.compile(r"^(?:[^@/:\s]+@)?[^@/:\s]+:")
INSTALL = "rsync is not installed: apt-get install rsync"
TIMEOUT = 60 * 60  # seconds: a school's whole site over a slow line, and no more


@dataclass(frozen=True)
class Copied:
    """What a deploy (or a dry run) changed on the target, from rsync's itemised list."""

    sent: tuple[str, ...]  # files new or changed there
    deleted: tuple[str, ...]  # files removed there
    created: tuple[str, ...] = ()  # of `sent`: files not there before


@dataclass(frozen=True)
class Deployed:
    copied: Copied
    target: str
    posts: int  # website posts now live
    recorded: bool  # False: a dry run, or the same tree deployed already


def deploy(site: Site, out: Path, dry_run: bool = False, moved: bool = False) -> Deployed:
    """Copy `out`/site/ to the configured target; record a `deployed` event unless a dry run.
    Holds the build lock throughout, so no build swaps the tree while it is copied. A target
    other than the last deploy's is refused unless `moved`: the leader says the site has moved
    and the old target no longer carries it."""
    config, root = site.config.deploy, site.root
    if config is None:
        raise UsageError(
            'no [deploy] in site.toml: add target = "user@host:/var/www/news/" (or a folder), '
            "or upload build/site/ by hand and record each removal with "
            "`sitegen takedown --done SLUG --platform website`"
        )
    program = shutil.which("rsync")
    if program is None:
        raise UsageError(INSTALL)
    tree = out / "site"
    if lost := records.ledger_lost(root):  # (before the copy: its record could not be kept)
        raise UsageError(f"{lost}; nothing was copied")
    with build_lock(out, then="deploy", doing="deploy"):
        if not (tree / "index.html").is_file():
            raise UsageError(f"nothing to deploy: {tree} has no site yet: run `sitegen build`")
        if not intact(out, ["site"]):  # (a photo copied in by hand would go out, metadata and all)
            raise UsageError(
                f"{tree} is not as the last build left it (a file added, changed or removed "
                "since): build, then deploy"
            )
        events = records.read_ledger(site.root)
        _refuse_a_build_not_as_of_now(out, site)
        deploys = [e for e in events if e["event"] == records.DEPLOYED]
        if not moved:
            _refuse_a_new_target(deploys, config.target, root)
        elif deploys:
            _refuse_an_old_target_still_up(deploys[-1], config.target, root)
        # (the first deploy here since the site came: what it would delete is looked at first)
        first = not deploys or not same_place(deploys[-1].get("target"), config.target, root)
        if first and not dry_run:  # (what a first copy would delete, before it does)
            _refuse_a_stranger(_copy(program, tree, config, site.root, True), config.target)
        copied = _copy(program, tree, config, site.root, dry_run)
        if first and dry_run:
            _refuse_a_stranger(copied, config.target)
        built = records.latest(events)  # (each post's last version a build made)
        posts = live_posts(built, tree)
        event = {
            "event": records.DEPLOYED,
            "at": site.context.now.isoformat(timespec="seconds"),
            "target": config.target,
            "fingerprint": fingerprint(tree),
            "posts": posts,
        }
        if covered := covered_live(out, built, posts):
            event["covered"] = covered
        if photos := photos_live(built, posts):
            event["photos"] = photos
        recorded = not dry_run and not _same_as_last(deploys, event, root)
        if recorded:
            records.append(site.root, [event])
    return Deployed(copied, config.target, len(posts), recorded)


def _copy(program: str, tree: Path, config: DeployConfig, root: Path, dry_run: bool) -> Copied:
    done = _run(rsync_command(program, tree, config, root, dry_run))
    if done.returncode != 0:
        said = cause(done.stderr, done.returncode)
        raise RefusedError(f"deploy to {config.target} failed: {said}")
    return itemised(done.stdout)


AS_OF = ".built-as-of"  # in the build folder: what its last build was made as of


def built_as_of(out: Path, site: Site) -> None:
    """Note what a build was made as of, for deploy to read: the moment (`--now`, or now), and
    the consent register and approval log it read."""
    until = valid_until(site.root)
    noted = {
        "now": site.context.now.isoformat(timespec="seconds"),
        "until": until.isoformat(timespec="seconds") if until else None,
        "register": site.sources.get("register"),
        "audit": site.sources.get("audit"),
        "settings": _settings_but_deploy(site),
        "posts": _posts_listed(site),
    }
    with contextlib.suppress(OSError):
        (out / AS_OF).write_text(json.dumps(noted) + "\n", encoding="utf-8")


def _refuse_a_build_not_as_of_now(out: Path, site: Site) -> None:
    """build/site/ goes live only as a build now would make it, as far as consent goes: not
    built as of a later moment (`--now`: posts not due would go out early), and not before
    the consent register or the approval log changed (a withdrawal, an approval taken back:
    the post would go live after all, and be recorded as live)."""
    try:
        noted = json.loads((out / AS_OF).read_text(encoding="utf-8"))
        made = datetime.fromisoformat(noted["now"])
    except (OSError, ValueError, KeyError, TypeError):
        raise UsageError(
            "build/site/ does not say what it was built as of (built by an older sitegen?): "
            "build, then deploy"
        ) from None
    if made.tzinfo is None or made > site.context.now:
        raise UsageError(
            f"build/site/ was built as of {made.isoformat(timespec='minutes')}, later than "
            "now (a build with --now): build again without --now, then deploy"
        )
    until = noted.get("until")
    if until and site.context.now >= datetime.fromisoformat(until):
        raise UsageError(
            f"build/site/ holds until {until[:16]} (a post fell due, a consent ended or a "
            "withdrawal came since it was built): build, then deploy"
        )
    now = {**site.sources, "settings": _settings_but_deploy(site), "posts": _posts_listed(site)}
    for source, what in (
        ("register", "the consent register"),
        ("audit", "the approval log"),
        ("settings", "site.toml"),
        ("posts", "the list of posts"),
    ):
        if noted.get(source) != now.get(source):
            raise UsageError(
                f"{what} changed since build/site/ was built: build, then deploy (a copy "
                "built before would put live what may no longer go out)"
            )


def _settings_but_deploy(site: Site) -> str:
    """site.toml's settings as read, but [deploy] (where the site goes changes no post)."""
    return hashlib.sha256(repr(replace(site.config, deploy=None)).encode()).hexdigest()


def _posts_listed(site: Site) -> str:
    """The posts' folders by name (a post deleted since a build must not go live)."""
    folder = site.root / "content/posts"
    names = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    return hashlib.sha256("\n".join(names).encode()).hexdigest()


def _refuse_a_new_target(deploys: list[dict[str, Any]], target: str, root: Path) -> None:
    """Everything the ledger says is live is what the last deploy copied, where it copied
    it: a deploy elsewhere (a typo in the target, a new server) would leave the old copy up,
    with `takedown` and `sar` then saying that its posts came down."""
    if not deploys or same_place((last := deploys[-1]).get("target"), target, root):
        return
    posts = last.get("posts")
    count = len(posts) if isinstance(posts, dict | list) else 0
    raise RefusedError(
        f"deploy.target is {target}, but the last deploy ({last.get('at')}) went to "
        f"{last.get('target')}, which still carries {count} post(s) as far as the ledger knows. "
        "If the target is mistyped, correct it in site.toml. If the news site has really "
        f"moved, take it off {last.get('target')} first, then run `sitegen deploy --moved` "
        "(nothing was copied)"
    )


def _refuse_an_old_target_still_up(last: dict[str, Any], target: str, root: Path) -> None:
    """`--moved`: the leader says the old target no longer carries the site. Where it is a
    folder here, that is checked: a post still there would stay up while `takedown` and `sar`
    said it had come down. (Over SSH, the leader's word is taken.)"""
    old = str(last.get("target") or "")
    if not old or REMOTE.match(old) or same_place(old, target, root):
        return  # (not moved at all: the same place)
    try:
        folder = local_target(old, root)
    except UsageError:
        return  # (a target refused as a folder now: nothing of the site can be there)
    posts = last.get("posts") if isinstance(last.get("posts"), dict) else {}
    still = sorted(s for s in posts or {} if (folder / "posts" / str(s) / "index.html").exists())
    if still:
        raise RefusedError(
            f"--moved: the last deploy's target {old} still holds {len(still)} post(s) "
            f"({', '.join(still[:3])}{', ...' if len(still) > 3 else ''}): take the site off "
            "it first (nothing was copied)"
        )


def _refuse_a_stranger(copied: Copied, target: str) -> None:
    """A first deploy to a folder that holds files but no index.html is refused: it is not
    the news site's folder (a home folder, a mistyped path), and a deploy deletes there
    whatever build/site/ does not hold."""
    if copied.deleted and "index.html" in copied.created:
        raise RefusedError(
            f"deploy.target {target} holds {len(copied.deleted)} file(s) and no index.html: it "
            "does not look like the news site's folder, and a deploy deletes there whatever "
            "build/site/ does not hold. Check the target; if it is right, empty the folder "
            "first (nothing was copied or deleted)"
        )


def rsync_command(
    program: str, tree: Path, config: DeployConfig, root: Path, dry_run: bool
) -> list[str]:
    """rsync -a --delete --checksum, each file's change listed. Updates wait until every file
    has arrived (--delay-updates, --delete-after): a copy cut short leaves the live site as it
    was, not half old and half new."""
    command = [program, "-a", "--delete", "--checksum", "--delay-updates", "--delete-after"]
    command += ["--itemize-changes", "--out-format=%i %n"]
    if dry_run:
        command.append("--dry-run")
    target = config.target
    if REMOTE.match(target):
        command += ["-e", shlex.join(ssh_command(config, root))]
    else:
        target = str(local_target(config.target, root))
    return [*command, f"{tree}/", target.rstrip("/") + "/"]


def local_target(target: str, root: Path) -> Path:
    """A folder target, refused where rsync --delete would remove the school's own files:
    the site's folder, anything in it (content/, build/ ...), or a folder that holds it."""
    folder = (root / Path(target).expanduser()).resolve()  # (relative: to the site's folder)
    site = root.resolve()
    if folder == site or folder.is_relative_to(site) or site.is_relative_to(folder):
        raise UsageError(
            f"deploy.target {target} is {folder}: "
            + (
                "inside the site's folder"
                if folder != site and folder.is_relative_to(site)
                else "the site's folder, or holds it"
            )
            + ", where deploying (which deletes whatever build/site/ does not hold) would remove "
            "the school's own files: choose a folder outside it, such as /var/www/news/"
        )
    if not folder.parent.is_dir():
        raise UsageError(f"deploy.target {target}: its folder {folder.parent} does not exist")
    return folder


def ssh_command(config: DeployConfig, root: Path) -> list[str]:
    """ssh that never asks anything: no password, no passphrase, no unknown host key."""
    command = ["ssh", "-p", str(config.ssh_port), "-o", "BatchMode=yes"]
    command += ["-o", "ConnectTimeout=20", "-o", "ServerAliveInterval=15"]
    if config.identity_file:
        identity = root / Path(config.identity_file).expanduser()
        if not identity.is_file():
            raise UsageError(f"deploy.identity_file {config.identity_file}: no such key file")
        command += ["-i", str(identity), "-o", "IdentitiesOnly=yes"]
    if config.known_hosts:
        command += ["-o", f"UserKnownHostsFile={root / Path(config.known_hosts).expanduser()}"]
    return command


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            command,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=TIMEOUT,
            check=False,
            start_new_session=True,  # (no terminal: ssh cannot ask for anything)
            env={**os.environ, "SSH_ASKPASS_REQUIRE": "never", "LC_ALL": "C"},
        )
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(command, 1, "", f"no answer in {TIMEOUT} s")


# What rsync and ssh say, and what it means for the leader who runs the deploy.
CAUSES = (
    ("Connection refused", "the server refused the connection: is it up, and is ssh_port right?"),
    ("Could not resolve hostname", "no such host: check the host name in deploy.target"),
    ("timed out", "the server did not answer: is it up, and is this computer online?"),
    ("No route to host", "the server cannot be reached from here (no route to host)"),
    (
        "Host key verification failed",
        "ssh does not know the server's host key yet: connect once "
        "with ssh and check its fingerprint with the server's administrator, or set "
        "deploy.known_hosts",
    ),
    (
        "Permission denied (publickey",
        "the server refused the key: is identity_file the key "
        "the server's administrator authorised?",
    ),
    ("No space left on device", "the server's disk is full: ask its administrator for space"),
    ("Disk quota exceeded", "the deploy account's disk quota is used up"),
    ("Permission denied", "the deploy account may not write to the target folder"),
    ("command not found", "rsync is not installed on the server"),
    ("connection unexpectedly closed", "the connection was lost during the copy"),
    ("Broken pipe", "the connection was lost during the copy"),
    ("Connection reset", "the connection was lost during the copy"),
)


PARTIAL = (23, 24)  # rsync: some files were not transferred, or vanished: the rest may be in


def cause(stderr: str, code: int = 1) -> str:
    """One sentence naming why the copy failed, with rsync's own words, and what that leaves
    on the server: as it was, unless rsync finished with some files not sent (the others
    may then be live)."""
    said = [line.strip() for line in stderr.splitlines() if line.strip()]
    where = (
        "nothing was recorded; some files may already be updated on the server: deploy "
        "again once this is put right"
        if code in PARTIAL
        else "nothing was recorded, the live site is as it was"
    )
    for words, meaning in CAUSES:
        if any(words.lower() in line.lower() for line in said):
            return f"{meaning} ({words}); {where}"
    return f"{said[-1] if said else 'no message'}; {where}"


def itemised(stdout: str) -> Copied:
    """The files rsync sent (new or changed) and deleted, from --itemize-changes."""
    sent, deleted, created = [], [], []
    for line in stdout.splitlines():
        code, _, name = line.partition(" ")
        if code == "*deleting":
            deleted.append(name.strip())
        elif code[:1] in "<>" and code[1:2] == "f":
            sent.append(name)
            if code[2:3] == "+":  # (">f+++++++++": a new file)
                created.append(name)
    return Copied(tuple(sent), tuple(deleted), tuple(created))


def fingerprint(tree: Path) -> str:
    """The hash of every file of the tree, by path: what was copied."""
    digest = hashlib.sha256()
    for path in sorted(p for p in tree.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(tree).as_posix()}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return "sha256:" + digest.hexdigest()


def live_posts(built: dict[tuple[str, str], dict[str, Any]], tree: Path) -> dict[str, list[str]]:
    """The website posts in the tree, each with its photos (the post's own file names, as the
    build that made the tree recorded them: `built`, each post's last version)."""
    slugs = sorted(p.parent.name for p in (tree / "posts").glob("*/index.html"))
    posts = {}
    for slug in slugs:
        event: dict[str, Any] = built.get((slug, live.WEBSITE), {})
        posts[slug] = [str(i.get("file")) for i in event.get("images") or []]
    return posts


def covered_live(
    out: Path, built: dict[tuple[str, str], dict[str, Any]], posts: dict[str, list[str]]
) -> dict[str, Any]:
    """The faces covered on each live post's photos (slug -> file -> face numbers), as the
    build that made the tree says (its report.json, beside it): a copy already covered is no
    removal. (Without a report to read: the ledger's last website version.)"""
    try:
        report = json.loads((out / "report.json").read_text("utf-8"))
        published = {str(p["slug"]): p for p in report["published"]}
    except (OSError, ValueError, KeyError, TypeError):
        published = None
    covered: dict[str, Any] = {}
    for slug in posts:
        if published is not None:
            said = published.get(slug, {}).get("covered")
            if isinstance(said, dict) and said:
                covered[slug] = said
            continue
        for image in built.get((slug, live.WEBSITE), {}).get("images") or []:
            if isinstance(image, dict) and image.get("covered"):
                covered.setdefault(slug, {})[str(image.get("file"))] = list(image["covered"])
    return covered


def photos_live(
    built: dict[tuple[str, str], dict[str, Any]], posts: dict[str, list[str]]
) -> dict[str, Any]:
    """Each live post's photos by their bytes' hashes (slug -> file -> sha256), from the
    ledger's last website version when its photos are the ones the tree has: who is on
    those bytes is then known for the live copy (a photo replaced under the same name, a
    pupil left off it). Where they differ, none: the names alone are matched."""
    found: dict[str, Any] = {}
    for slug, files in posts.items():
        images = [
            i
            for i in built.get((slug, live.WEBSITE), {}).get("images") or []
            if isinstance(i, dict)
        ]
        hashes = {str(i.get("file")): str(i.get("sha256")) for i in images if i.get("sha256")}
        if hashes and sorted(hashes) == sorted(files):
            found[slug] = hashes
    return found


def _same_as_last(deploys: list[dict[str, Any]], event: dict[str, Any], root: Path) -> bool:
    return (
        bool(deploys)
        and same_place(deploys[-1].get("target"), event["target"], root)
        and all(deploys[-1].get(k) == event.get(k) for k in ("fingerprint", "posts", "covered"))
    )


def same_place(recorded: object, target: str, root: Path) -> bool:
    """Whether a recorded deploy went to `target`: the same folder, written with its last
    slash or without, and a folder here however it is written (relative to the site, say)."""
    if not isinstance(recorded, str):
        return False
    if recorded.rstrip("/") == target.rstrip("/"):
        return True
    if REMOTE.match(recorded) or REMOTE.match(target):
        return False
    return (root / Path(recorded).expanduser()).resolve() == (
        root / Path(target).expanduser()
    ).resolve()
