"""A Subject Access Request's record of where a pupil's posts went, from the ledger: each
version made (built or exported), copied to the live website, posted, replaced, removed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sitegen import records
from sitegen.config import Config
from sitegen.dpo import Takedown
from sitegen.gate import WEBSITE
from sitegen.sar_words import event_words, publication_summary, removal_words
from sitegen.text import fold_id

if TYPE_CHECKING:
    from sitegen.sar import Redactor


def has(ids: Iterable[Any] | None, key: str) -> bool:
    """Whether the pupil (`key`, a folded id) is among `ids`."""
    return key in {fold_id(str(i)) for i in ids or ()}


def where_it_went(
    ledger: list[dict[str, Any]],
    key: str,
    clean: Redactor,
    config: Config,
    pending: list[Takedown],
    withdrawn: bool = False,
) -> list[dict[str, Any]]:
    """Each time a post showing or naming the pupil was published or exported, with what
    followed it (posted, removed, taken down ...), oldest first. `withdrawn`: their own."""
    out: list[dict[str, Any]] = []
    t = _Trail()
    # Who each photo shows, by its bytes (a version that leaves the pupil off it still does).
    shows = records.state_of(records.reduce(ledger)).shows
    for event in ledger:
        if event["event"] == records.DEPLOYED:
            built = {slug: p for (slug, where), p in t.latest.items() if where == WEBSITE}
            _deployed(event, built, t.live, config, None if t.deploys else t.gone)
            t.deploys = True
            continue
        where = (str(event["slug"]), str(event["platform"]))
        at = str(event["at"])  # (some photos taken down: the post stays, a note, not its end)
        kind = "photos_taken_down" if records.is_partial(event) else str(event["event"])
        if kind == "photos_taken_down":
            _photos_taken_off(event, where, t)
        if (
            (t.deploys and _kept_live(event, where, t))
            or _what_remained(event, where, t, config)
            or _same_files(event, where, t.made, t.latest)
            or _back_to_posted(event, where, t.latest, t.posted, t.bundles, config)
        ):
            continue  # (nothing new went out: the version out there stays, as it is)
        pub, images = None, _photos_of(event, key, shows)
        if kind == records.PUBLISHED and (has(event.get("pupils"), key) or images):
            pub = _publication(event, images, clean, config, t.deploys, key)
            out.append(pub)
            t.shown_last[where] = pub
        if where[1] == WEBSITE:
            _on_website(kind, at, where, pub, t, config)
        else:
            _on_platform(kind, at, where, pub, t.latest, t.posted, config)
            _same_bundle(event, where, pub, t.bundles, t.posted, config)
    # (each removal said on what is out there: posted, built, uploaded, or last made)
    live = {(slug, WEBSITE): version for slug, version in t.live.items()}  # (by the deploys)
    out_there = [t.posted, live, t.latest, {} if t.deploys else t.gone, t.shown_last]
    for removal in pending:
        there = (removal.slug, removal.platform)
        there_now = next((v for d in out_there if (v := d.get(there))), None)
        _tie_removal(removal, there_now, out, clean, withdrawn or _names(removal, key))
    return _summarised(out, config)


Where = tuple[str, str]  # a post and a platform
Version = dict[str, Any]  # one version of a post there, as the report tells it


@dataclass
class _Trail:
    """What the ledger's events have said so far, as `where_it_went` follows them."""

    # The latest version made (None: none, or one that does not show the pupil), and on a
    # social platform the pupil's version recorded as posted there.
    latest: dict[Where, Version | None] = field(default_factory=dict)
    posted: dict[Where, Version] = field(default_factory=dict)
    # Each platform's latest files (page or bundle, by hash) and the bundle posted, and when:
    # a later version with the same files (a pupil tagged since) is what is out there already.
    made: dict[Where, str | None] = field(default_factory=dict)
    bundles: dict[Where, tuple[str, str]] = field(default_factory=dict)
    # The pupil's version of each post on the live server: what the last deploy copied.
    live: dict[str, Version] = field(default_factory=dict)
    # Without deploys, a version taken out of build/site/: live until `takedown --done` says.
    gone: dict[Where, Version] = field(default_factory=dict)
    shown_last: dict[Where, Version] = field(default_factory=dict)  # (what a copy may show)
    deploys: bool = False  # (from the first deploy on, a build only makes the website ready)
    # With deploys: a version a build left out while still live, and its files (`_kept_live`).
    parked: dict[Where, tuple[str | None, Version | None]] = field(default_factory=dict)
    # What remained of a posted version once some of its photos were taken down by hand, and
    # each platform's last export (digest and photos), to tell when the two are the same.
    remains: dict[Where, tuple[Any, ...]] = field(default_factory=dict)
    printed: dict[Where, tuple[Any, ...]] = field(default_factory=dict)


def _what_remained(event: dict[str, Any], where: Where, t: _Trail, config: Config) -> bool:
    """Whether a build exports exactly what remained out there of the version posted, once
    some of its photos were taken down by hand: no new version, and nothing waits to be
    posted (`posted` says so too); the version posted goes on, with that removal noted, and
    an export made since and never posted is replaced."""
    if records.is_partial(event) and event.get("posted"):
        t.remains[where] = records.event_fingerprint(event)
        if t.printed.get(where) == t.remains[where]:  # (the build came first: its export is it)
            _replace_the_export(where, t, "same_as_remained", str(event["at"]), config)
        return False
    if event["event"] == records.PUBLISHED:
        t.printed[where] = records.event_fingerprint(event)
    remained = t.remains.pop(where, None)
    if event["event"] != records.PUBLISHED or remained != records.event_fingerprint(event):
        return False
    _replace_the_export(where, t, "republished", str(event["at"]), config)
    t.made[where] = event.get("bundle")
    return True


def _replace_the_export(where: Where, t: _Trail, why: str, at: str, config: Config) -> None:
    """The version posted is what is out there: an export made since and never posted ends
    (`why`), and no longer waits to be posted."""
    before, up = t.latest.get(where), t.posted.get(where)
    if before is not None and before is not up:
        _end(before, why, at, config)
    if up is not None:
        _waits_no_more(up)
    t.latest[where] = up


def _photos_taken_off(event: dict[str, Any], where: Where, t: _Trail) -> None:
    """Some photos taken off a post by hand (`takedown --done`): the version out there
    keeps the rest (the event lists what remains), and no longer shows those."""
    remaining = {i.get("sha256") for i in event.get("images") or () if isinstance(i, dict)}
    # (the version the removal was done on: the one posted, or else the one made last; a
    # newer export never posted keeps its photos, which may go out when it is posted)
    version = t.posted.get(where) if event.get("posted") else t.latest.get(where)
    if version is not None:
        off = {h for h in version["photo_hashes"] if h not in remaining}
        version["photos_taken_off"] = sorted(off | set(version.get("photos_taken_off", ())))


def _waits_no_more(posted: Version) -> None:
    """The export noted on a posted version as waiting to be posted waits no more (posted
    itself, or replaced)."""
    posted["events"] = [e for e in posted["events"] if e["event"] != "updated_export"]


def _summarised(out: list[dict[str, Any]], config: Config) -> list[dict[str, Any]]:
    for pub in out:
        pub.setdefault("pending_removal", None)
        pub["summary"] = publication_summary(pub, config)
    return out


Versions = dict[tuple[str, str], dict[str, Any] | None]


def _names(removal: Takedown, key: str) -> bool:
    """Whether the removal's reasons name the pupil (`key`: their folded id)."""
    return any(fold_id(who.split(" ", 1)[0]) == key for who in removal.because)


def _tie_removal(
    removal: Takedown,
    target: dict[str, Any] | None,
    out: list[dict[str, Any]],
    clean: Redactor,
    theirs: bool,
) -> None:
    """A pending removal, said on the version it concerns: `target` (what is out there), or
    for some photos the last version of theirs that had one of them (a later one may not).
    Another family's withdrawal is never told as such: "a consent changed"."""
    where = (removal.slug, removal.platform)
    wanted = {clean(f) for f in removal.photo_files} if not removal.whole else set()
    had = [v for v in out if v["where"] == where and wanted & set(v["images"])]
    words = removal_words(removal.reason)
    if not theirs and removal.reason.startswith(("consent withdrawn", "consent ended")):
        words = "a consent changed"
    # (the version out there, when it has the photos; else the last that had them)
    if not any(v is target for v in had):
        target = had[-1] if had else target
    if target is not None:
        target["pending_removal"] = words


def _photos_of(
    event: dict[str, Any], key: str, shows: dict[str, frozenset[str]]
) -> list[dict[str, Any]]:
    """The event's photos that show the pupil: tagged, or put on those bytes by a record."""
    return [
        i
        for i in event.get("images") or []
        if isinstance(i, dict)
        and has([*(i.get("pupils") or ()), *shows.get(str(i.get("sha256")), ())], key)
    ]


def _on_website(
    kind: str, at: str, where: tuple[str, str], pub: Any, t: _Trail, config: Config
) -> None:
    """A build's event for the website: a new version replaces the one before in build/site/,
    a removal ends it (and `takedown --done` says when the uploaded copy went too). A version
    a deploy put live ends only when a deploy replaces it there (`_deployed`)."""
    latest, gone = t.latest, t.gone
    before = latest.get(where)
    if kind == records.PUBLISHED:
        if before is not None and before is t.live.get(where[0]):
            _note(before, "republished", at, config)  # (still what the live site shows)
        elif before is not None:
            _end(before, "republished", at, config)
        latest[where] = pub
        gone.pop(where, None)
    elif kind in (records.REMOVED, records.TAKEN_DOWN):
        if before is not None and kind == records.REMOVED and before is t.live.get(where[0]):
            _note(before, kind, at, config)  # (still live: a deploy takes it off, and ends it)
            gone[where] = before
        elif before is not None:
            _end(before, kind, at, config)
            gone[where] = before
        elif kind == records.TAKEN_DOWN and (removed := gone.pop(where, None)) is not None:
            _end(removed, kind, at, config)  # (the upload that took it off, recorded)
        latest[where] = None
    elif before is not None:
        _note(before, kind, at, config)


def _on_platform(
    kind: str,
    at: str,
    where: tuple[str, str],
    pub: Any,
    latest: Versions,
    posted: dict[tuple[str, str], dict[str, Any]],
    config: Config,
) -> None:
    """An event on a social platform. A version posted there stays there until another is
    posted or it is taken down, whatever is exported meanwhile; a version exported and never
    posted is replaced by the next export."""
    before, up = latest.get(where), posted.get(where)
    if kind == records.PUBLISHED:
        if before is not None and before is not up:
            _end(before, "republished", at, config)
        elif before is not None:
            _note(before, "updated_export", at, config)
        latest[where] = pub
    elif kind == records.POSTED:
        if up is not None and up is not before:
            # (the export noted as "not yet recorded as posted" is posted now: it has its own
            # line, and this one ends where it replaced it)
            _waits_no_more(up)
            _end(up, "replaced_posted", at, config)
            del posted[where]
        if before is not None and before is not up:
            before["posted_at"] = before["posted_at"] or at
            _note(before, kind, at, config)
            posted[where] = before
    elif kind == records.TAKEN_DOWN:
        for version in {id(v): v for v in (before, up) if v is not None}.values():
            _end(version, kind, at, config)
        latest[where] = None
        posted.pop(where, None)
    elif (version := up or before) is not None:
        _note(version, kind, at, config)


def _kept_live(event: dict[str, Any], where: Where, t: _Trail) -> bool:
    """Whether a build puts back on the website the very files of the version another build
    left out, no deploy between: the live website never changed (a register with a bad cell,
    fixed), so that version goes on (the build that left it out only noted it there)."""
    if where[1] != WEBSITE:
        return False
    live = t.live.get(where[0])
    if event["event"] == records.REMOVED and not records.is_partial(event):
        if (removed := t.latest.get(where)) is not None and removed is live:
            t.parked[where] = (t.made.get(where), removed)
        return False
    files, version = t.parked.pop(where, (None, None))
    if event["event"] != records.PUBLISHED or version is None or live is not version:
        return False
    if not files or event.get("bundle") != files:
        return False
    t.made[where], t.latest[where] = files, version
    return True


def _same_files(
    event: dict[str, Any],
    where: tuple[str, str],
    made: dict[tuple[str, str], str | None],
    latest: Versions,
) -> bool:
    """Whether a `published` event puts there the very files the pupil's version there has
    (`made`: each platform's latest files, followed here): a re-approval that changed
    nothing that goes out (a pupil tagged, a platform added) is no new version."""
    if event["event"] != records.PUBLISHED:
        if event["event"] in (records.REMOVED, records.TAKEN_DOWN) and not records.is_partial(
            event
        ):
            made.pop(where, None)
        return False
    bundle = event.get("bundle")
    same = bool(bundle) and made.get(where) == bundle and latest.get(where) is not None
    made[where] = bundle
    return same


def _back_to_posted(
    event: dict[str, Any],
    where: tuple[str, str],
    latest: Versions,
    posted: dict[tuple[str, str], dict[str, Any]],
    bundles: dict[tuple[str, str], tuple[str, str]],
    config: Config,
) -> bool:
    """Whether a `published` event exports again the very bundle posted there, the pupil's
    version (an edit undone): that posted version is the latest again, and the export made
    in between is replaced; no new version, nothing posted anew."""
    up, bundle = posted.get(where), event.get("bundle")
    if event["event"] != records.PUBLISHED or up is None or not bundle:
        return False
    if bundles.get(where, ("",))[0] != bundle:
        return False
    before = latest.get(where)
    if before is not None and before is not up:
        _end(before, "republished", str(event["at"]), config)
    # (the export between, noted as waiting to be posted, waits no more)
    _waits_no_more(up)
    latest[where] = up
    return True


def _same_bundle(
    event: dict[str, Any],
    where: tuple[str, str],
    pub: dict[str, Any] | None,
    bundles: dict[tuple[str, str], tuple[str, str]],
    posted: dict[tuple[str, str], dict[str, Any]],
    config: Config,
) -> None:
    """Follow the bundle posted on a social platform: a version exported with the very files
    posted there (`bundle`) is out there since that posting, and replaces the one before."""
    kind, bundle = event["event"], event.get("bundle")
    if kind == records.POSTED and bundle:
        bundles[where] = (str(bundle), str(event["at"]))
    elif kind == records.TAKEN_DOWN or kind == records.POSTED:
        bundles.pop(where, None)
    elif kind == records.PUBLISHED and pub is not None and bundle:
        if bundles.get(where, ("",))[0] != bundle:
            return
        up = posted.get(where)
        if up is not None and up is not pub:
            _waits_no_more(up)
            _end(up, "replaced_posted", str(event["at"]), config)
        pub["posted_at"] = bundles[where][1]
        _note(pub, records.POSTED, bundles[where][1], config)  # (as the posting said it)
        posted[where] = pub


def _note(pub: dict[str, Any], kind: str, at: str, config: Config) -> None:
    words = event_words(kind, at, pub["platform"], pub["kind"] == "website", config)
    pub["events"].append({"event": kind, "at": at, "words": words})


def _end(pub: dict[str, Any], kind: str, at: str, config: Config) -> None:
    _note(pub, kind, at, config)
    pub["ended"] = pub["events"][-1]


def _publication(
    event: dict[str, Any],
    images: list[dict[str, Any]],
    clean: Redactor,
    config: Config,
    deploys: bool,
    key: str,
) -> dict[str, Any]:
    """A version of a post made for a platform (built into the site, or exported)."""
    slug, platform, at = str(event["slug"]), str(event["platform"]), str(event["at"])
    website = platform == WEBSITE
    words = event_words(str(event["event"]), at, platform, website, config, deploys)
    return {
        "where": (slug, platform),  # (the ledger's own names, to follow its later events)
        "slug": clean(slug),
        "platform": platform,
        "kind": "website" if website else "export",
        "at": at,  # made: built into the site, or exported as a bundle
        # Out there: copied to the live website (`sitegen deploy`), or recorded as posted by
        # the school (`sitegen posted`); None while neither is recorded.
        "deployed_at": None,
        "off_live_site_at": None,
        "posted_at": None,
        "live_site_recorded": deploys and website,
        "url": clean(event.get("url")) if website else None,
        "title": clean(str(event.get("title") or "")),
        "digest": event.get("digest"),  # (the version's approval: its words, while kept)
        "images": [clean(str(i.get("file", ""))) for i in images],
        "photo_hashes": [i.get("sha256") for i in images],
        # (the photos that went with the pupil's face covered, by its `faces` list then)
        "face_covered": [i.get("sha256") for i in images if records.face_covered(i, key)],
        "events": [{"event": str(event["event"]), "at": at, "words": words}],
        "ended": None,
    }


def _deployed(
    event: dict[str, Any],
    built: dict[str, dict[str, Any] | None],
    live: dict[str, dict[str, Any]],
    config: Config,
    uploaded: dict[tuple[str, str], dict[str, Any]] | None = None,
) -> None:
    """A deploy copies build/site/: the version of each post built then is live from now (if
    it shows the pupil), and the version live before is off the live website (replaced, or
    taken off): its end. The first deploy also takes off what a build took out of the site
    uploaded by hand before (`uploaded`), unless `takedown --done` said it went already."""
    at, carried = str(event["at"]), set(event.get("posts") or {})
    for (slug, platform), version in (uploaded or {}).items():
        if platform == WEBSITE and slug not in carried and version["off_live_site_at"] is None:
            version["off_live_site_at"] = at
            _end(version, "off_live_site", at, config)
    for slug in set(built) | set(live):
        current = built.get(slug) if slug in carried else None
        before = live.get(slug)
        if before is not None and before is not current:
            before["off_live_site_at"] = at
            kind = "replaced_on_live_site" if slug in carried else "off_live_site"
            words = event_words(kind, at, WEBSITE, True, config)
            before["events"].append({"event": kind, "at": at, "words": words})
            before["ended"] = before["events"][-1]  # (off the server: whatever a build said)
            del live[slug]
        if current is not None and current is not before:
            current["deployed_at"] = current["deployed_at"] or at
            words = event_words(records.DEPLOYED, at, WEBSITE, True, config)
            current["events"].append({"event": records.DEPLOYED, "at": at, "words": words})
            live[slug] = current
