"""What the commands about what is out there print: takedown, deploy, posted, records prune."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sitegen.report import err, out, print_json
from sitegen.terminal import escape

if TYPE_CHECKING:  # for annotations only
    from sitegen.deploy import Deployed
    from sitegen.dpo import Takedown


def print_takedown_done(slug: str, platform: str, photos: list[str] | None = None) -> None:
    if photos:
        listed = escape(", ".join(photos))
        out.print(f"recorded: {listed} of {escape(slug)} removed from {escape(platform)}")
        return
    out.print(f"recorded: {escape(slug)} removed from {escape(platform)}")


def print_takedowns(items: list[Takedown], as_json: bool, deploys: bool = False) -> None:
    """`takedown`: the urgent first (a pupil now under safeguarding), then by platform, each
    post (or its photos) to remove, where, who made it necessary, and what then (`deploys`:
    the website is copied by `sitegen deploy`, which records its removals)."""
    if as_json:
        print_json({"takedowns": [t.as_json() for t in items]})
        return
    if not items:
        out.print("[green]nothing to take down[/]: everything published may stay")
        return
    urgent = [t for t in items if t.urgent]
    if urgent:
        out.print(
            f"[bold red]URGENT[/]: {len(urgent)} to remove at once, wherever they went: they "
            "show a pupil now under safeguarding"
        )
        for t in urgent:
            _print_takedown(t, deploys, f"{t.platform}: ")
    rest = [t for t in items if not t.urgent]
    for platform in sorted({t.platform for t in rest}):  # (the same order every time)
        group = [t for t in rest if t.platform == platform]
        out.print(f"[bold]{platform}[/] ({len(group)} to remove)")
        for t in group:
            _print_takedown(t, deploys)


def _print_takedown(t: Takedown, deploys: bool, prefix: str = "") -> None:
    out.print(f"  {prefix}{escape(t.slug)}: {escape(t.reason)} (published {t.published_at[:10]})")
    photos_only = not t.whole
    what = "the photos" if photos_only else f'the post "{escape(t.title)}"'
    where = f" at {escape(t.url)}" if t.url and t.platform == "website" else ""
    its = "its photo" if len(t.images) == 1 else "its photos"
    names = escape(", ".join(t.images))
    photos = f" with {its} {names}" if t.images and not photos_only else ""
    if t.platform == "website" and t.images:
        # (the website's copies are named photo-1-480.jpg ..., not as the staff's files)
        photos = f" with {its} (the photo-… files made from {names})" if photos else ""
        names = f"made from {names} (their photo-… files)"
    if photos_only:
        what += f" {names}"
    out.print(f"    remove {what}{where}{photos}")
    for words in t.because:
        out.print(f"    because: {escape(words)}")
    done = f"sitegen takedown --done {escape(t.slug)} --platform {t.platform}"
    if t.platform != "website":
        out.print(f"    then: {done}")
    elif deploys:
        out.print("    `sitegen build` then `sitegen deploy`: it leaves this list once deployed")
    else:
        out.print(f"    `sitegen build`, upload build/site/ (with --delete), then: {done}")


def print_pruned(posts: list[str], files: list[str], names: dict[str, list[str]]) -> None:
    """`records prune`: what went (each photo by the post and name the ledger records it
    under: what the school no longer holds), and that nothing live or out there did."""
    if not posts and not files:
        out.print("nothing to prune: every approved revision kept is still needed")
        return
    if posts:
        out.print(f"removed the approved revisions of deleted posts: {escape(', '.join(posts))}")
    out.print(
        f"removed {len(files)} kept file(s) that no approved revision and nothing out there needs"
    )
    photos = sorted({name for sha in files for name in names.get(sha, ())})
    for name in photos:
        out.print(f"  photo {escape(name)}")
    if others := len([sha for sha in files if sha not in names]):
        out.print(
            f"  and {others} other file(s) of earlier approved versions: their text, or photos "
            "that never went out"
        )


def print_deployed(done: Deployed, dry_run: bool) -> None:
    """`deploy`: what changed on the server (or would), and what is live now."""
    copied = done.copied
    target = escape(done.target)
    if dry_run:
        out.print(
            f"would send {len(copied.sent)} file(s) to {target} and delete {len(copied.deleted)} "
            "there (a dry run: nothing was copied or recorded)"
        )
    elif not copied.sent and not copied.deleted:
        out.print(f"[green]deployed[/] to {target}: nothing had changed")
    else:
        out.print(
            f"[green]deployed[/] to {target}: sent {len(copied.sent)} file(s), "
            f"deleted {len(copied.deleted)}"
        )
    for verb, files in (("send", copied.sent), ("delete", copied.deleted)):
        for name in files[:20] if dry_run else ():
            out.print(f"  {verb} {escape(name)}")
        if dry_run and len(files) > 20:
            out.print(f"  ... and {len(files) - 20} more to {verb}")
    if not dry_run:
        said = "recorded in the ledger" if done.recorded else "as the ledger already had it"
        out.print(f"  {done.posts} post(s) live on the website ({said})")


def print_posted(
    platform: str,
    recorded: dict[str, bool],
    left: int,
    already: list[str] | None = None,
    held: list[str] | None = None,
    first: list[str] | None = None,
) -> None:
    """`posted`: what was recorded, what was recorded already, what may no longer go there
    (never recorded), the updates whose earlier version must come off first, and what still
    waits in pending.csv."""
    for slug in first or []:
        err.print(
            f"[bold red]not recorded:[/] {escape(slug)} is an update, and the version on "
            f"{platform} before it shows what must come off (`sitegen takedown` lists it): "
            "take that off the post there (or the post down), record it with `sitegen takedown "
            f"--done {escape(slug)} --platform {platform}`, run `sitegen build`, then post and "
            "record this update (posted as a new post, it would leave the earlier one up)"
        )
    for slug in held or []:
        err.print(
            f"[bold red]not recorded:[/] {escape(slug)} may no longer go on {platform} (a "
            "consent or an approval changed since the build): do not post it, and if it is "
            "there already, take it down; `sitegen build` then `sitegen takedown` say why"
        )
    for slug in already or []:
        out.print(f"{escape(slug)} was already recorded as posted on {platform} in this version")
    if not recorded and not already and not held and not first:
        out.print(f"nothing waits to be posted on {platform}")
    elif not recorded and not already:
        pass
    else:
        updates = [slug for slug, update in recorded.items() if update]
        out.print(
            f"[green]recorded[/] as posted on {platform}: {len(recorded)} bundle(s)"
            + (f", {len(updates)} an update of a post already there" if updates else "")
        )
        for slug, update in recorded.items():
            out.print(
                f"  {escape(slug)}"
                + (" (update: replace or edit the post there)" if update else "")
            )
    out.print(f"  {left} still to post on {platform} (build/exports/{platform}/pending.csv)")
