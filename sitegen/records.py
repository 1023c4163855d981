"""The publications ledger: what went where, when and with which images; append-only."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from sitegen.engine.store import fast_reduce, grown_log
from sitegen.errors import UsageError
from sitegen.jsonlines import append_lines, line_records, record_lines
from sitegen.text import fold_id

LEDGER = Path("content/records/publications.jsonl")
# A build records what it made: a page in build/site/ or a bundle in build/exports/
# (`published`), and a page it no longer makes (`removed`). What really went out is recorded
# apart: `deployed` (build/site/ copied to the web server) and `posted` (a leader uploaded a
# bundle); `taken_down` records a removal done by hand.
PUBLISHED, REMOVED, TAKEN_DOWN = "published", "removed", "taken_down"
POSTED, DEPLOYED = "posted", "deployed"
SHOWS = "shows"  # a reduced key: (SHOWS, a photo's sha256, a pupil recorded on it)
# A reduced key: (CARRIED, slug, platform) -> photos an earlier version had and the latest
# has not, or had with fewer faces covered (file, sha256, faces covered then), while nothing
# confirms what is out there (no deploy, not recorded as posted): the copy out there may
# show them still, until a takedown or a posting is recorded.
CARRIED = "carried"
# Reduced keys: (BUNDLE, slug, platform) -> the files (page or bundle, by their hash) the
# latest `published` event put there, and (POSTED_BUNDLE, slug, platform) -> the bundle a
# leader posted there (None once anything of it was taken down): a new version whose files
# are the same (a pupil tagged, a platform added) is no update, and does not wait to be
# posted again.
BUNDLE, POSTED_BUNDLE = "bundle", "posted_bundle"
# The events that say whether a build's output stands: what the build compares itself with.
STANDING = (PUBLISHED, REMOVED, TAKEN_DOWN)


class Publication(NamedTuple):
    """One post on one platform, as a build published it. (A tuple: every build reads one
    for each post and platform, from the units it remembers.)"""

    slug: str
    platform: str
    title: str
    url: str | None
    digest: str
    pupils: tuple[str, ...]
    images: tuple[dict[str, Any], ...]  # {"file", "sha256", "pupils"}
    bundle: str = ""  # the hash of the files that go out there: the page, or the bundle

    def fingerprint(self) -> tuple[Any, ...]:
        if not self.images:  # most posts: a build compares every publication with the ledger
            return (self.digest, ())
        return (self.digest, tuple(_photo_print(i) for i in self.images))

    def __reduce__(self) -> tuple[Any, ...]:
        return fast_reduce(self)


def read_ledger(root: Path) -> list[dict[str, Any]]:
    """Every event, oldest first; a line that is not JSON is skipped (and stays in the file)."""
    try:
        return _events((root / LEDGER).read_bytes())
    except FileNotFoundError:
        return []


def is_event(event: Any) -> bool:
    """A line the ledger's readers understand: a post's event on a platform, or a deploy."""
    if not isinstance(event, dict) or not {"event", "at"} <= set(event):
        return False
    if event["event"] == DEPLOYED:
        posts = event.get("posts")
        return isinstance(posts, dict) and all(
            isinstance(files, list) and all(isinstance(f, str) for f in files)
            for files in posts.values()
        )
    return {"slug", "platform"} <= set(event)


Standing = tuple[str, tuple[Any, ...], str | None]  # last event, its fingerprint, its url
Fingerprint = tuple[Any, ...]  # a version of a post on a platform: digest, photos by hash


class Deployed(NamedTuple):
    """The last deploy: where, and the website posts it carried with their photos' files."""

    at: str
    target: str
    posts: tuple[tuple[str, tuple[str, ...]], ...]  # (slug, photo files), by slug
    # (slug, ((photo file, faces covered), ...)): the faces covered on the copies it put live
    covered: tuple[tuple[str, tuple[tuple[str, tuple[int, ...]], ...]], ...] = ()
    # (slug, ((photo file, sha256), ...)): the bytes of the photos it put live, where known
    photos: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()


class LedgerState(NamedTuple):
    """What the ledger says now: where each build output stands, what a leader posted, and
    what the last deploy put live."""

    standing: dict[tuple[str, str], Standing]  # (slug, platform) -> the build's last event
    posted: dict[tuple[str, str], Fingerprint]  # on the platform, as posted (not taken down)
    deployed: Deployed | None
    # Who each photo shows, by its bytes' hash: every pupil any record put on those bytes. A
    # later version that leaves a pupil off the same photo does not take them out of it.
    shows: dict[str, frozenset[str]]
    carried: dict[tuple[str, str], tuple[tuple[Any, ...], ...]]  # (slug, platform): see CARRIED
    bundles: dict[tuple[str, str], str]  # (slug, platform) -> the bundle exported last
    posted_bundles: dict[tuple[str, str], str]  # -> the bundle posted there (see BUNDLE)


def current(root: Path, memo: Any = None) -> dict[tuple[Any, ...], Any]:
    """The ledger reduced, a key each: (slug, platform) -> its `Standing`, (POSTED, slug,
    platform) -> the fingerprint posted there (None once taken down), (DEPLOYED,) -> the last
    deploy. `memo` (a cache RecordFile of its own) remembers it up to the ledger's last whole
    line: the ledger only grows, so a build reads the lines added since."""
    try:
        data = (root / LEDGER).read_bytes()
    except FileNotFoundError:
        return {}
    return grown_log(data, memo, _reduce_bytes)


def state_of(reduced: dict[tuple[Any, ...], Any]) -> LedgerState:
    """`current` (or `reduce`) as its parts, sorted out in one pass over its keys (a build
    asks for them more than once, and a school's ledger has tens of thousands)."""
    standing: dict[tuple[Any, ...], Standing] = {}
    shows: dict[str, set[str]] = {}
    # The keys (KIND, slug, platform) -> their values, for each kind (those set to None: gone).
    by_kind: dict[str, dict[tuple[str, str], Any]] = {
        kind: {} for kind in (POSTED, CARRIED, BUNDLE, POSTED_BUNDLE)
    }
    for key, value in reduced.items():
        if len(key) == 2:
            standing[key] = value
        elif len(key) == 3 and key[0] == SHOWS:
            shows.setdefault(key[1], set()).add(key[2])
        elif len(key) == 3 and value and (kind := by_kind.get(key[0])) is not None:
            kind[(key[1], key[2])] = value
    return LedgerState(
        standing,
        by_kind[POSTED],
        reduced.get((DEPLOYED,)),
        {sha: frozenset(pupils) for sha, pupils in shows.items()},
        by_kind[CARRIED],
        by_kind[BUNDLE],
        by_kind[POSTED_BUNDLE],
    )


def judged_alike(
    before: dict[str, frozenset[str]],
    after: dict[str, frozenset[str]],
    publications: list[Publication],
) -> bool:
    """Whether the pupils the records put on each published photo beyond its own `pupils`
    are the same `after` as `before` (a build recording a photo's own pupils changes no
    judgement; recording it with a pupil another post leaves off does)."""
    added = {sha: pupils - before.get(sha, frozenset()) for sha, pupils in after.items()}
    return all(
        added.get(str(image.get("sha256")), frozenset()) <= set(image.get("pupils") or ())
        for pub in publications
        for image in pub.images
    )


def _reduce_bytes(data: bytes) -> dict[tuple[Any, ...], Any]:
    return reduce(_events(data))


def reduce(events: list[dict[str, Any]]) -> dict[tuple[Any, ...], Any]:
    """Events, oldest first, reduced as `current` keeps them (later keys replace earlier)."""
    state: dict[tuple[Any, ...], Any] = {}
    for event in events:
        kind = event["event"]
        if kind == DEPLOYED:
            posts = event.get("posts") or {}
            state[(DEPLOYED,)] = Deployed(
                str(event["at"]),
                str(event.get("target", "")),
                tuple(sorted((str(s), tuple(map(str, f))) for s, f in posts.items())),
                _covered_live(event.get("covered")),
                _photos_live(event.get("photos")),
            )
            continue
        where = (event["slug"], event["platform"])
        if kind in (PUBLISHED, POSTED):
            for image in event.get("images") or ():
                if isinstance(image, dict) and isinstance(image.get("pupils"), list):
                    for pupil in image["pupils"]:
                        state[(SHOWS, str(image.get("sha256")), str(pupil))] = True
        some = is_partial(event)  # some photos removed by hand: what remains is in the event
        if kind in STANDING and not some:
            state[where] = (kind, event_fingerprint(event), event.get("url"))
        elif some and not event.get("posted"):  # (an unconfirmed copy: it is what remains)
            # Marked as no version a build made: the next build records its own, even the
            # same photos, so that what waits to be posted is what it exported, not what the
            # removal left of an older export.
            digest, photos = event_fingerprint(event)
            state[where] = (PUBLISHED, (f"{digest} (what remains)", photos), event.get("url"))
        if kind == PUBLISHED and isinstance(carried := event.get("carried"), list):
            state[(CARRIED, *where)] = tuple(
                photo for p in carried if (photo := _carried_print(p)) is not None
            )
        elif kind == TAKEN_DOWN:  # (a posting needs none: what was posted is what is there)
            state[(CARRIED, *where)] = ()
        if kind == POSTED or (some and event.get("posted")):
            state[(POSTED, *where)] = event_fingerprint(event)  # (as posted, or what remains)
        elif kind == TAKEN_DOWN and not some:
            state[(POSTED, *where)] = None
        if kind == PUBLISHED and event.get("bundle"):  # (older sitegens wrote none)
            state[(BUNDLE, *where)] = event["bundle"]
        elif kind == POSTED:  # (a posting without one: what went is not known by its files)
            state[(POSTED_BUNDLE, *where)] = event.get("bundle") or None
        if kind == PUBLISHED and event.get("as_posted") and event.get("bundle"):
            state[(POSTED_BUNDLE, *where)] = event["bundle"]
        elif kind == TAKEN_DOWN:  # (what remains of a posting is no bundle that was exported)
            state[(POSTED_BUNDLE, *where)] = None
    return state


def _photos_live(photos: Any) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """A deploy's `photos` ({slug: {file: sha256}}) as `Deployed.photos` (what is not of that
    shape is passed over: those photos are matched by name)."""
    if not isinstance(photos, dict):
        return ()
    return tuple(
        sorted(
            (str(slug), tuple(sorted((str(f), str(h)) for f, h in hashes.items())))
            for slug, hashes in photos.items()
            if isinstance(hashes, dict)
        )
    )


def _covered_live(covered: Any) -> tuple[tuple[str, tuple[tuple[str, tuple[int, ...]], ...]], ...]:
    """A deploy's `covered` ({slug: {file: [faces]}}) as `Deployed.covered`; what is not of that
    shape (hand-edited) is passed over: its photos then count as showing every face."""
    if not isinstance(covered, dict):
        return ()
    return tuple(
        sorted(
            (
                str(slug),
                tuple(
                    (str(file), tuple(f for f in faces if isinstance(f, int)))
                    for file, faces in sorted(photos.items())
                    if isinstance(faces, list)
                ),
            )
            for slug, photos in covered.items()
            if isinstance(photos, dict)
        )
    )


def _carried_print(entry: Any) -> tuple[Any, ...] | None:
    """A `carried` entry as a photo's print: (file, sha256), or (file, sha256, faces covered)
    for a copy with fewer faces covered; None when hand-edited out of shape."""
    if not isinstance(entry, list) or len(entry) < 2:
        return None
    if len(entry) == 2:
        return (str(entry[0]), str(entry[1]))
    faces = entry[2] if isinstance(entry[2], list) else []
    return (str(entry[0]), str(entry[1]), tuple(f for f in faces if isinstance(f, int)))


def _events(data: bytes) -> list[dict[str, Any]]:
    return [event for line in record_lines(data) for event in line_events(line)]


def line_events(line: str) -> list[dict[str, Any]]:
    """A ledger line's events (none: damaged, so told): its records, read as
    `jsonlines.line_records` reads them (sitegen before 2026-12-07 could glue them)."""
    records = line_records(line)
    if not records or not all(is_event(record) for record in records):
        return []
    return records


def is_partial(event: dict[str, Any]) -> bool:
    """A `taken_down` event for some photos only: the post stays where it is."""
    return event["event"] == TAKEN_DOWN and event.get("whole") is False


def latest(events: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The last event for each (slug, platform) of the kinds that say where a build's output
    stands (published, removed, taken down): a `posted` or `deployed` event leaves it, and so
    does the removal of some photos by hand."""
    state: dict[tuple[str, str], dict[str, Any]] = {}
    for event in events:
        if event["event"] in STANDING and not is_partial(event):
            state[(event["slug"], event["platform"])] = event
    return state


def changes(
    ledger: LedgerState,
    now: list[Publication],
    at: datetime,
    website: str = "website",
) -> list[dict[str, Any]]:
    """The events a build adds to the ledger whose `current` state is `ledger`: new or changed
    publications (each with the photos an unconfirmed copy may still show, `CARRIED`), the
    same again where it puts a pupil on a photo the records had not (an edit waiting for its
    approval says who is on it: takedown and the SAR read the records), and website pages it
    removed."""
    stamp = at.isoformat(timespec="seconds")
    added: list[dict[str, Any]] = []
    state = ledger.standing
    current = {(p.slug, p.platform) for p in now}
    for pub in now:
        where = (pub.slug, pub.platform)
        before, fingerprint = state.get(where), pub.fingerprint()
        same = before and before[0] == PUBLISHED and before[1] == fingerprint
        if same and not (pub.images and _shows_anew(pub, ledger.shows)):
            continue
        event = {
            "event": PUBLISHED,
            "at": stamp,
            "slug": pub.slug,
            "platform": pub.platform,
            "title": pub.title,
            "url": pub.url,
            "digest": pub.digest,
            "pupils": list(pub.pupils),
            "images": list(pub.images),
        }
        if pub.bundle:
            event["bundle"] = pub.bundle
            if ledger.posted.get(where) == fingerprint and where not in ledger.posted_bundles:
                # (exactly what remained posted once some photos came off by hand: these
                # files are what is out there, so a later version with them waits for nothing)
                event["as_posted"] = True
        unconfirmed = (
            ledger.deployed is None if pub.platform == website else where not in ledger.posted
        )
        if unconfirmed and before and before[0] == PUBLISHED:
            carried = _carried([*ledger.carried.get(where, ()), *before[1][1]], fingerprint)
            if carried or ledger.carried.get(where):  # (an empty list clears the last one)
                event["carried"] = carried
        added.append(event)
    gone = [
        (where, before)
        for where, before in state.items()
        if where[1] == website and before[0] == PUBLISHED and where not in current
    ]
    for (slug, platform), before in sorted(gone):
        removed = {"event": REMOVED, "at": stamp, "slug": slug, "platform": platform}
        # (the photos that were on the page: still on the server until it is updated)
        photos = [{"file": p[0], "sha256": p[1]} for p in before[1][1]]
        added.append({**removed, "url": before[2], "images": photos})
    return added


@dataclass(frozen=True)
class Changes:
    """What a build changed out there, by platform, for the leader who runs it."""

    joined: dict[str, list[str]] = field(default_factory=dict)  # slugs now out there
    updated: dict[str, list[str]] = field(default_factory=dict)  # out there in a new form
    left: dict[str, list[str]] = field(default_factory=dict)  # website pages this build removed

    def then(self, later: Changes | None) -> Changes:
        """These changes and those recorded after them in the same build."""
        if later is None:
            return self
        return Changes(
            *(
                {p: [*mine.get(p, []), *theirs.get(p, [])] for p in {**mine, **theirs}}
                for mine, theirs in (
                    (self.joined, later.joined),
                    (self.updated, later.updated),
                    (self.left, later.left),
                )
            )
        )


def what_changed(state: LedgerState, added: list[dict[str, Any]]) -> Changes:
    """`added` (this build's events, from `changes`) told by platform: a new version whose
    files are the ones out there already (a pupil tagged, say) is not told."""
    changes = Changes()
    for event in added:
        where = (event["slug"], event["platform"])
        if event["event"] == REMOVED:
            kind = changes.left
        elif (before := state.standing.get(where)) is not None and before[0] == PUBLISHED:
            if event.get("bundle") and state.bundles.get(where) == event["bundle"]:
                continue
            kind = changes.updated
        else:
            kind = changes.joined
        kind.setdefault(event["platform"], []).append(event["slug"])
    return changes


def event_fingerprint(event: dict[str, Any]) -> tuple[Any, ...]:
    images = event.get("images") or []
    return (event.get("digest"), tuple(_photo_print(i) for i in images if isinstance(i, dict)))


def _photo_print(image: dict[str, Any]) -> tuple[Any, ...]:
    """A photo in a version's fingerprint: its file, its source by hash, and the faces covered
    on the copy that went out (a face covered since makes it another version)."""
    covered = tuple(image.get("covered") or ())
    if covered:
        return (image.get("file"), image.get("sha256"), covered)
    return (image.get("file"), image.get("sha256"))


def _shows_anew(pub: Publication, shows: dict[str, frozenset[str]]) -> bool:
    """Whether the publication puts a pupil on a photo whom no record put on its bytes."""
    return any(
        not set(image.get("pupils") or ()) <= shows.get(str(image.get("sha256")), frozenset())
        for image in pub.images
    )


def face_covered(image: dict[str, Any], key: str) -> bool:
    """Whether a pupil's face (`key`: their folded id) was covered on the copy of the photo
    a record describes: its `faces` list names whose each numbered face is (older records
    do not, and say no)."""
    faces, covered = image.get("faces"), image.get("covered")
    if not isinstance(faces, list) or not isinstance(covered, list):  # (or hand-edited)
        return False
    numbers = [n for n, who in enumerate(faces, start=1) if fold_id(str(who)) == key]
    return bool(numbers) and all(n in covered for n in numbers)


def _carried(was: list[tuple[Any, ...]], now: Fingerprint) -> list[list[Any]]:
    """The photos of earlier copies (`was`: photo prints) that an unconfirmed copy out there may
    show and the new version `now` does not: those it leaves out ([file, sha256]), and those
    it has with a face covered that an earlier copy showed ([file, sha256, faces covered]).
    A photo is its file and its bytes: another photo saved under an earlier one's name leaves
    the earlier one out (who is on those bytes still counts, wherever it may be)."""
    covered = {(p[0], p[1]): set(p[2]) if len(p) > 2 else set() for p in now[1]}
    carried: dict[tuple[Any, Any], list[Any]] = {}
    for photo in was:
        key, faces = (photo[0], photo[1]), set(photo[2]) if len(photo) > 2 else set()
        if key not in covered:
            carried[key] = list(photo[:2])
        elif covered[key] - faces:
            shown = faces & set(carried[key][2]) if len(carried.get(key, ())) > 2 else faces
            carried[key] = [*photo[:2], sorted(shown)]
    return [carried[key] for key in sorted(carried, key=lambda k: (str(k[0]), str(k[1])))]


def append(root: Path, events: list[dict[str, Any]]) -> None:
    if not events:
        return
    if lost := ledger_lost(root):  # (a new ledger would hide what went out)
        raise UsageError(f"{lost}; nothing was recorded")
    append_lines(root / LEDGER, events)
    if not (root / STARTED).exists():  # (the time of its first record: read back)
        with (root / LEDGER).open(encoding="utf-8", errors="replace") as ledger:
            first = next(iter(line_events(ledger.readline().rstrip("\n"))), events[0])
        (root / STARTED).write_text(f"{first['at']}\n", encoding="utf-8")


# Written beside the ledger with its first record, and kept: a ledger missing or empty after
# that was lost (deleted, or restored from a backup of nothing), wherever the builds write.
STARTED = LEDGER.with_name("ledger-started")


def has_records(root: Path) -> bool:
    """Whether the ledger holds anything (a file of blank lines holds nothing)."""
    with contextlib.suppress(OSError):
        return (root / LEDGER).stat().st_size > 64 or bool((root / LEDGER).read_bytes().strip())
    return False


def ledger_lost(root: Path) -> str | None:
    """Why the ledger is missing (or empty) when it is not new: it held records once (see
    STARTED; for a ledger older than that, build/report.json lists posts a build published
    or exported, and each build records those in the ledger first)."""
    if has_records(root):
        return None
    said = f"{LEDGER.as_posix()} is missing or empty, though "
    if (root / STARTED).exists():
        return said + f"{STARTED.as_posix()} says it held records: restore it from git or a backup"
    try:
        report = json.loads((root / "build/report.json").read_text(encoding="utf-8"))
        made = bool(report.get("published")) or any(report.get("exported", {}).values())
    except (OSError, ValueError, AttributeError):
        return None
    said += "build/report.json lists posts a build published: restore it from git or a backup"
    return said if made else None
