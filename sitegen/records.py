"""The publications ledger: what went where, when and with which images; append-only."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from sitegen.engine.store import fast_reduce, grown_log

LEDGER = Path("content/records/publications.jsonl")
PUBLISHED, REMOVED, TAKEN_DOWN = "published", "removed", "taken_down"


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

    def fingerprint(self) -> tuple[Any, ...]:
        if not self.images:  # most posts: a build compares every publication with the ledger
            return (self.digest, ())
        return (self.digest, tuple((i["file"], i["sha256"]) for i in self.images))

    def __reduce__(self) -> tuple[Any, ...]:
        return fast_reduce(self)


def damaged_lines(root: Path) -> list[str]:
    """The ledger's lines that are not events, each with its number: they are left out of
    `sar` and `takedown`, which say so instead of passing over them in silence."""
    try:
        data = (root / LEDGER).read_bytes()
    except FileNotFoundError:
        return []
    damaged = []
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
        except (ValueError, RecursionError):
            event = None
        if not (isinstance(event, dict) and {"event", "slug", "platform", "at"} <= set(event)):
            damaged.append(f"{LEDGER.as_posix()}:{number}: not an event (damaged or edited)")
    return damaged


def read_ledger(root: Path) -> list[dict[str, Any]]:
    """Every event, oldest first; a line that is not JSON is skipped (and stays in the file)."""
    try:
        return _events((root / LEDGER).read_bytes())
    except FileNotFoundError:
        return []


Standing = tuple[str, tuple[Any, ...], str | None]  # last event, its fingerprint, its url


def current(root: Path, memo: Any = None) -> dict[tuple[str, str], Standing]:
    """Where each (slug, platform) stands after the ledger's last event for it. `memo` (a cache
    RecordFile of its own) remembers it up to the ledger's last whole line: the ledger only grows,
    so a build reads the lines added since."""
    try:
        data = (root / LEDGER).read_bytes()
    except FileNotFoundError:
        return {}
    return grown_log(data, memo, _standing)


def _standing(data: bytes) -> dict[tuple[str, str], Standing]:
    return {
        where: (event["event"], _fingerprint(event), event.get("url"))
        for where, event in latest(_events(data)).items()
    }


def _events(data: bytes) -> list[dict[str, Any]]:
    lines = data.decode("utf-8", "replace").splitlines()
    events = []
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and {"event", "slug", "platform", "at"} <= set(event):
            events.append(event)
    return events


def latest(events: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The last event for each (slug, platform)."""
    state: dict[tuple[str, str], dict[str, Any]] = {}
    for event in events:
        state[(event["slug"], event["platform"])] = event
    return state


def changes(
    state: dict[tuple[str, str], Standing],
    now: list[Publication],
    at: datetime,
    website: str = "website",
) -> list[dict[str, Any]]:
    """The events a build adds to the ledger whose `current` state is `state`: new or changed
    publications, and website pages it removed."""
    stamp = at.isoformat(timespec="seconds")
    added: list[dict[str, Any]] = []
    current = {(p.slug, p.platform) for p in now}
    for pub in now:
        before = state.get((pub.slug, pub.platform))
        if before and before[0] == PUBLISHED and before[1] == pub.fingerprint():
            continue
        added.append(
            {
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
        )
    gone = [
        (where, before)
        for where, before in state.items()
        if where[1] == website and before[0] == PUBLISHED and where not in current
    ]
    for (slug, platform), before in sorted(gone):
        added.append(
            {"event": REMOVED, "at": stamp, "slug": slug, "platform": platform, "url": before[2]}
        )
    return added


@dataclass(frozen=True)
class Changes:
    """What a build changed out there, by platform, for the leader who runs it."""

    joined: dict[str, list[str]] = field(default_factory=dict)  # slugs now out there
    updated: dict[str, list[str]] = field(default_factory=dict)  # out there in a new form
    left: dict[str, list[str]] = field(default_factory=dict)  # website pages this build removed
    # Exported to a social platform earlier and no longer allowed there (or some of their
    # photos): the school must remove them by hand, until `takedown --done` records it.
    by_hand: dict[str, list[str]] = field(default_factory=dict)


def what_changed(
    state: dict[tuple[str, str], Standing],
    added: list[dict[str, Any]],
    now: list[Publication],
    website: str = "website",
) -> Changes:
    """`added` (this build's events, from `changes`) told by platform, and what waits to be
    removed by hand: what the ledger has out there on a social platform that `now` no longer
    holds, or holds with fewer photos."""
    changes = Changes()
    for event in added:
        where = (event["slug"], event["platform"])
        if event["event"] == REMOVED:
            kind = changes.left
        elif (before := state.get(where)) is not None and before[0] == PUBLISHED:
            kind = changes.updated
        else:
            kind = changes.joined
        kind.setdefault(event["platform"], []).append(event["slug"])
    current = {(p.slug, p.platform): p for p in now}
    for (slug, platform), (event, fingerprint, _) in sorted(state.items()):
        if platform == website or event != PUBLISHED:
            continue
        publication = current.get((slug, platform))
        photos_before = {file for file, _ in fingerprint[1]}
        photos_now = {file for file, _ in publication.fingerprint()[1]} if publication else set()
        if publication is None or photos_before - photos_now:
            changes.by_hand.setdefault(platform, []).append(slug)
    return changes


def _fingerprint(event: dict[str, Any]) -> tuple[Any, ...]:
    images = event.get("images") or []
    return (event.get("digest"), tuple((i.get("file"), i.get("sha256")) for i in images))


def append(root: Path, events: list[dict[str, Any]]) -> None:
    if not events:
        return
    path = root / LEDGER
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as ledger:
        for event in events:
            ledger.write(json.dumps(event, ensure_ascii=False, sort_keys=True) + "\n")
        ledger.flush()
        os.fsync(ledger.fileno())
