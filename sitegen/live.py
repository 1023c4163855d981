"""What is out there, from the ledger: the website as last deployed (or uploaded by hand), the
bundles a leader posted; what waits to be removed, and what waits to be posted (pending.csv)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from sitegen import records
from sitegen.engine.swap import build_lock
from sitegen.errors import UsageError
from sitegen.model import Register
from sitegen.records import PUBLISHED, REMOVED, Fingerprint, LedgerState
from sitegen.register import lookup
from sitegen.text import fold_id

WEBSITE = "website"
PENDING = "pending.csv"


class OutThere(NamedTuple):
    """A post out on a platform as the records show it, with its photos' files there. (A
    tuple: a build makes one for every post on every platform.)"""

    slug: str
    platform: str
    files: tuple[str, ...]
    posted: bool | None = None  # a social platform: recorded as posted (else only exported)
    covered: tuple[tuple[str, tuple[int, ...]], ...] = ()  # faces covered on its photos
    shows: tuple[tuple[str, frozenset[str]], ...] = ()  # who each photo shows, by the records
    hashes: tuple[tuple[str, str], ...] = ()  # (file, its bytes' hash), where the records say


def out_there(state: LedgerState) -> dict[tuple[str, str], OutThere]:
    """Every post the records show out there. The website: what the last deploy carried;
    with no deploy recorded, what builds made and no `takedown --done` removed (the leader
    uploads build/site/ by hand). A social platform: every bundle exported and not taken down,
    posted or not (a bundle not recorded as posted may still have been posted)."""
    found: dict[tuple[str, str], OutThere] = {}
    for (slug, platform), (event, fingerprint, _) in state.standing.items():
        # Unconfirmed (no deploy, not recorded as posted): an earlier version's photos too.
        maybe = (fingerprint[0], (*fingerprint[1], *state.carried.get((slug, platform), ())))
        if platform == WEBSITE:
            if state.deployed is None and event in (PUBLISHED, REMOVED):
                covered = tuple(covered_of(maybe).items())
                shows = shows_of(maybe, state.shows)
                found[(slug, platform)] = OutThere(
                    slug, platform, files_of(maybe), None, covered, shows, hashes_of(maybe)
                )
        elif event == PUBLISHED:
            posted = state.posted.get((slug, platform))
            went = posted if posted is not None else maybe
            covered = tuple(covered_of(went).items())
            shows = shows_of(went, state.shows)
            found[(slug, platform)] = OutThere(
                slug, platform, files_of(went), posted is not None, covered, shows, hashes_of(went)
            )
    if state.deployed is not None:
        covered, photos = dict(state.deployed.covered), dict(state.deployed.photos)
        for slug, files in state.deployed.posts:
            prints = ("", photos.get(slug, ()))  # (as a fingerprint: its photos by hash)
            found[(slug, WEBSITE)] = OutThere(
                slug,
                WEBSITE,
                files,
                None,
                covered.get(slug, ()),
                shows_of(prints, state.shows),
                hashes_of(prints),
            )
    return found


def files_of(fingerprint: Fingerprint) -> tuple[str, ...]:
    """The photo files of a version (and of earlier copies it may stand for), each once."""
    photos = fingerprint[1] if len(fingerprint) > 1 else ()
    return tuple(dict.fromkeys(str(photo[0]) for photo in photos))


def hashes_of(fingerprint: Fingerprint) -> tuple[tuple[str, str], ...]:
    """Each photo file of a version (and of the copies it stands for) with its bytes' hash."""
    photos = fingerprint[1] if len(fingerprint) > 1 else ()
    return tuple(dict.fromkeys((str(p[0]), str(p[1])) for p in photos if len(p) > 1 and p[1]))


def shows_of(
    fingerprint: Fingerprint, shows: Mapping[str, frozenset[str]]
) -> tuple[tuple[str, frozenset[str]], ...]:
    """Who each photo of a version shows, by file: every pupil any record put on its bytes."""
    photos = fingerprint[1] if len(fingerprint) > 1 else ()
    return tuple((str(p[0]), shows[p[1]]) for p in photos if len(p) > 1 and p[1] in shows)


def covered_of(fingerprint: Fingerprint) -> dict[str, tuple[int, ...]]:
    """The faces covered on each photo of a version, by file (photos with none left out);
    where it stands for several copies of a photo (see records.CARRIED), the faces covered
    on every one of them."""
    photos = fingerprint[1] if len(fingerprint) > 1 else ()
    found: dict[str, tuple[int, ...]] = {}
    for photo in photos:
        faces = tuple(photo[2]) if len(photo) > 2 else ()
        file = str(photo[0])
        found[file] = faces if file not in found else tuple(f for f in found[file] if f in faces)
    return {file: faces for file, faces in found.items() if faces}


class Removal(NamedTuple):
    """Something out there that may no longer be: the whole post, or some of its photos."""

    out: OutThere
    photos: tuple[str, ...]  # the photos to remove (all of them when the whole post goes)
    whole: bool
    recover: tuple[str, ...] = ()  # of `photos`: allowed still, with a face now to cover


Allowed = Mapping[tuple[str, str], Mapping[str, tuple[int, ...]]]
AllowedBytes = Mapping[tuple[str, str], Mapping[str, str]]  # the hash of each file allowed


def allowed_now(
    fingerprints: Iterable[tuple[str, str, Fingerprint]],
) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """What a build would publish now, for `removals`: each post and platform with the faces
    to cover on each of its photos, by file; and each of those files' bytes, by hash."""
    allowed, allowed_bytes = {}, {}
    for slug, platform, fp in fingerprints:
        allowed[(slug, platform)] = {file: covered_of(fp).get(file, ()) for file in files_of(fp)}
        allowed_bytes[(slug, platform)] = dict(hashes_of(fp))
    return allowed, allowed_bytes


def _same_photos(
    item: OutThere, allowed: Mapping[str, object], hashes: Mapping[str, str]
) -> dict[str, str]:
    """Each photo out there that a build would publish now: out there's file -> today's file
    that is the same photo. A file still in the post is itself (new bytes under its name are
    an update: who is on the old bytes is `removals`' to weigh); a file gone from it is the
    same photo as today's file with its bytes (renamed in the post's folder), when the
    records know them, and every copy they know under that name has them."""
    by_bytes = {sha: file for file, sha in hashes.items() if file in allowed}
    known: dict[str, set[str]] = {}
    for file, sha in item.hashes:
        known.setdefault(file, set()).add(sha)
    same = {}
    for file in item.files:
        if file in allowed:
            same[file] = file
        elif known.get(file):
            matches = {by_bytes.get(sha) for sha in known[file]}
            if len(matches) == 1 and (match := matches.pop()) is not None:
                same[file] = match
    return same


def removals(
    out: Mapping[tuple[str, str], OutThere],
    allowed: Allowed,
    refuses: Callable[[str, str], bool] = lambda pupil, platform: False,
    allowed_bytes: AllowedBytes | None = None,
) -> list[Removal]:
    """What is out there and not allowed now (`allowed`: each post and platform a build would
    publish now, with the faces to cover on each photo it may show there), in slug and
    platform order. A photo out there with a face uncovered that must now be covered goes too:
    the new copy replaces it. So does a photo whose bytes the records show with a pupil who
    `refuses` the platform now, no face covered on it: an edit that leaves the pupil off the
    same photo does not take them out of the picture. A photo renamed in the post's folder is
    the same photo (`allowed_bytes`: the hash of each file allowed)."""
    found = []
    for where, item in sorted(out.items()):
        now = allowed.get(where)
        if now is None:
            found.append(Removal(item, item.files, True))
            continue
        if not item.files:
            continue
        was = dict(item.covered)
        shown = {
            file
            for file, pupils in item.shows
            if not was.get(file) and any(refuses(p, item.platform) for p in pupils)
        }
        same = _same_photos(item, now, (allowed_bytes or {}).get(where, {}))
        gone = tuple(f for f in item.files if f not in same or f in shown)
        recover = tuple(
            f for f in item.files if f in same and set(now[same[f]]) - set(was.get(f, ()))
        )
        if gone or recover:
            photos = tuple(f for f in item.files if f in gone or f in recover)
            found.append(Removal(item, photos, False, recover))
    return found


def refusing(register: Register, today: date) -> Callable[[str, str], bool]:
    """Whether a pupil may not appear on a platform today (for `removals`)."""

    def refuses(pupil_id: str, platform: str) -> bool:
        pupil = lookup(register, pupil_id)
        return pupil is None or not pupil.consents_to(platform, today)

    return refuses


def went_out(events: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """For each post and platform, the event that says what went out: the version posted, if
    one was recorded since the last removal; on the website, the version the last deploy put
    live; else the last one a build made."""
    went: dict[tuple[str, str], dict[str, Any]] = {}
    posted: dict[tuple[str, str], dict[str, Any]] = {}
    deployed: dict[tuple[str, str], dict[str, Any]] = {}
    for event in events:
        if event["event"] == records.DEPLOYED:
            built = {slug: e for (slug, where), e in went.items() if where == WEBSITE}
            deployed = {
                (slug, WEBSITE): built[slug] for slug in event.get("posts") or {} if slug in built
            }
            continue
        where = (event["slug"], event["platform"])
        if event["event"] == records.POSTED:
            posted[where] = event
        elif records.is_partial(event):  # (what remains, posted or not: it names it)
            (posted if event.get("posted") else went)[where] = event
        elif event["event"] == records.TAKEN_DOWN:
            posted.pop(where, None)
        elif event["event"] == records.PUBLISHED:
            went[where] = event
    return went | deployed | posted


def urgent(
    removals_: list[Removal], register: Register, guarded_posts: set[str], root: Path
) -> int:
    """How many removals concern a pupil under safeguarding, as `takedown` finds them (it
    lists them first, as URGENT): a post held back for one (`guarded_posts`: SG162, or SG126
    as an error), or the version out there (posted, deployed, or made last) tagging one, in
    the post or on a photo, or a photo the records put one on."""
    guarded = {fold_id(p.pupil_id) for p in register.pupils.values() if p.safeguarding}
    if not guarded or not removals_:
        return 0
    there = went_out(records.read_ledger(root))

    def tags_one(event: dict[str, Any]) -> bool:
        photos = [i for i in event.get("images") or () if isinstance(i, dict)]
        pupils = [*(event.get("pupils") or ()), *(p for i in photos for p in i.get("pupils") or ())]
        return any(fold_id(str(p)) in guarded for p in pupils)

    return sum(
        1
        for r in removals_
        if r.out.slug in guarded_posts
        or tags_one(there.get((r.out.slug, r.out.platform), {}))
        or any(fold_id(p) in guarded for _, who in r.out.shows for p in who)
    )


def waiting(removals_: list[Removal]) -> dict[str, int]:
    """How many removals wait, per platform (the build's closing line)."""
    counts: dict[str, int] = {}
    for removal in removals_:
        counts[removal.out.platform] = counts.get(removal.out.platform, 0) + 1
    return counts


# --- posting: what a leader has posted, and what waits (pending.csv) ----------------------


def is_pending(
    state: LedgerState, slug: str, platform: str, exported: Fingerprint, bundle: str = ""
) -> bool:
    """An exported bundle waits to be posted unless this very version was recorded posted,
    or a version whose bundle (`bundle`: the hash of its files) is the very one posted: a
    pupil tagged or a platform added changes the post, not what goes out."""
    where = (slug, platform)
    if state.posted.get(where) == exported:
        return False
    return not bundle or state.posted_bundles.get(where) != bundle


def pending(state: LedgerState, platform: str) -> dict[str, bool]:
    """The bundles exported for `platform` (as the ledger has them) that wait to be posted:
    slug -> whether it is an update (an earlier version was posted)."""
    return {
        slug: (slug, where) in state.posted
        for (slug, where), (event, fingerprint, _) in sorted(state.standing.items())
        if where == platform
        and event == PUBLISHED
        and is_pending(state, slug, platform, fingerprint, state.bundles.get((slug, where), ""))
    }


def posted_events(
    events: list[dict[str, Any]], platform: str, slugs: Iterable[str], at: str
) -> list[dict[str, Any]]:
    """A `posted` event for each slug: the version exported last (its digest and photos, as
    the ledger recorded them), now recorded as posted."""
    exported = records.latest(events)
    made = []
    for slug in slugs:
        event = exported[(slug, platform)]
        made.append(
            {
                "event": records.POSTED,
                "at": at,
                "slug": slug,
                "platform": platform,
                "title": event.get("title", ""),
                "url": event.get("url"),
                "digest": event.get("digest"),
                "pupils": event.get("pupils") or [],
                "images": event.get("images") or [],
                **({"bundle": event["bundle"]} if event.get("bundle") else {}),
            }
        )
    return made


def pending_csv(bulk: bytes, slugs: list[str], waiting_: Mapping[str, bool]) -> bytes:
    """bulk.csv's rows whose post waits to be posted (`slugs`: each row's post, in order)."""
    rows = list(csv.reader(io.StringIO(bulk.decode("utf-8"), newline="")))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(rows[0] if rows else ["date", "text", "link", "images"])
    for slug, row in zip(slugs, rows[1:], strict=False):
        if slug in waiting_:
            writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


def bulk_order(out: Path, platform: str) -> list[str]:
    """The post of each row of the last build's bulk.csv for `platform` (report.json's
    `bulk`): what is exported there now."""
    try:
        report = json.loads((out / "report.json").read_text("utf-8"))
        order = report["bulk"][platform]
        (out / "exports" / platform / "bulk.csv").stat()
    except (OSError, ValueError, KeyError, TypeError):
        raise UsageError(
            f"no export bundles for {platform} in {out}: run `sitegen build` first"
        ) from None
    return [str(slug) for slug in order]


def refresh_pending(out: Path, platform: str, state: LedgerState, order: list[str]) -> int:
    """Write build/exports/<platform>/pending.csv again after `posted` (bulk.csv's rows,
    `order` naming each row's post); returns how many rows it holds."""
    folder = out / "exports" / platform
    waiting_ = pending(state, platform)
    data = pending_csv((folder / "bulk.csv").read_bytes(), order, waiting_)
    part = folder / f".{PENDING}.part"
    part.write_bytes(data)
    part.replace(folder / PENDING)
    return sum(1 for slug in order if slug in waiting_)


def refresh_pending_after_takedown(root: Path, out: Path, platform: str) -> None:
    """pending.csv written again after `takedown --done` (a posting that lost photos may now
    be what was exported); nothing when no build has exported there yet."""
    try:
        order = bulk_order(out, platform)
    except UsageError:
        return
    with build_lock(out, then="record the takedown", doing="record of takedowns"):
        refresh_pending(
            out, platform, records.state_of(records.reduce(records.read_ledger(root))), order
        )


Photos = dict[str, tuple[int, ...]]  # a version's photos, each with the faces covered on it


def today_versions(decided: Iterable[Any], platform: str) -> dict[str, Photos]:
    """What a build would export to `platform` today, post by post (`decided`: the gate's
    decisions): each photo with the faces covered on it. (An edit approved since that left
    the photos as they were changes nothing that matters here: a pupil tagged, a platform
    added; what it changes goes again as an update.)"""
    return {
        d.slug: {ref.file: tuple(d.covered.get(platform, {}).get(ref.file, ())) for ref in refs}
        for d in decided
        if (refs := d.platforms.get(platform)) is not None
    }


def _may_go(exported: dict[str, Any], allowed: dict[str, Photos]) -> bool:
    """Whether the version a posting would record (`exported`: the last export there, whole)
    may go as it is today: its photos and the faces covered on them, as a build makes them."""
    photos = [i for i in exported.get("images") or () if isinstance(i, dict)]
    version = {str(i.get("file")): tuple(i.get("covered") or ()) for i in photos}
    return allowed.get(str(exported.get("slug"))) == version


def held_back(
    root: Path, out: Path, platform: str, slugs: list[str], allowed: dict[str, Photos]
) -> list[str]:
    """The bundles waiting on `platform` (those named, or all) that may no longer go there as
    they are (`allowed`: what a build would export there today): a consent withdrawn, a
    photo's consent lost or a face now to cover, an approval lost, since the build."""
    events = records.read_ledger(root)
    waiting_ = pending(records.state_of(records.reduce(events)), platform)
    exported = records.latest(events)
    return [
        s
        for s in (slugs or bulk_order(out, platform))
        if s in waiting_ and not _may_go(exported[(s, platform)], allowed)
    ]


def record_posted(
    root: Path,
    out: Path,
    platform: str,
    slugs: list[str],
    at: str,
    allowed: dict[str, Photos] | None = None,
) -> tuple[dict[str, bool], int]:
    """Record that a leader posted these bundles on `platform` (every one waiting, without
    `slugs`), then write pending.csv again. Only what the last build exported there counts
    (bulk.csv), and only a version that may go there now as it is (`allowed`: what a build
    would export there today, when a consent changed since that build): a bundle no longer
    allowed there is never recorded as posted. Returns what was recorded (slug -> an
    update?) and how many bundles still wait."""
    with build_lock(out, then="record what was posted", doing="record of posts"):
        order = bulk_order(out, platform)
        for slug in slugs:
            if slug not in order:
                raise UsageError(
                    f"{slug} has no bundle for {platform} in the last build: see "
                    f"build/exports/{platform}/{PENDING} for what waits"
                )
        events = records.read_ledger(root)
        waiting_ = pending(records.state_of(records.reduce(events)), platform)
        exported = records.latest(events)
        chosen = {
            s: waiting_[s]
            for s in (slugs or order)
            if s in waiting_ and (allowed is None or _may_go(exported[(s, platform)], allowed))
        }
        recorded = posted_events(events, platform, chosen, at)
        records.append(root, recorded)
        after = records.state_of(records.reduce(events + recorded))
        left = refresh_pending(out, platform, after, order)
    return chosen, left
