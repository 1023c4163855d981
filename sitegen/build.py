"""build(): the policy's story, stage by stage, from the site as read to what goes live."""

from __future__ import annotations

import os
from collections.abc import Hashable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from sitegen import consent_history, live, records
from sitegen.engine.forking import Background, Forked
from sitegen.engine.lastbuild import forget, inputs_hash, remember, remembered
from sitegen.engine.manifests import TreeCheck
from sitegen.engine.options import DEFAULT, EngineOptions
from sitegen.engine.plan import Missing
from sitegen.engine.remembered import compiled_templates, post_outputs_by_key
from sitegen.engine.standby import publish
from sitegen.engine.swap import build_lock
from sitegen.errors import ChangedError
from sitegen.lists import export_plan, report_json, website_plan
from sitegen.making import MadePost, Progress
from sitegen.render import PostView, Renderer
from sitegen.site import Site, known_on_photos
from sitegen.summary import BuildResult, Summary, Timings, consents_ending


def build(
    site: Site,
    out: Path,
    progress: Progress | None = None,
    timings: Timings | None = None,
    check: TreeCheck | None = None,
    options: EngineOptions = DEFAULT,
) -> BuildResult:
    """Publish the site into `out`, in the policy's order, each stage timed for `--timings`:

    the site as read (settings, register, log, clock: `load_site`) -> read every post ->
    inspect its photos -> judge it (pure: findings) -> decide where it goes (the gate) ->
    make its outputs (page, photos, bundles, ledger records) -> lists, feeds and exports ->
    plan the output -> record in the ledger -> publish (each tree swapped in whole).

    The engine beneath (sitegen/engine/) only makes this fast: a post whose inputs are as
    last time gives back the outputs it made then, and a build whose inputs are all as last
    time does nothing. `check` (`tree_check`, started first) checks the output trees
    meanwhile."""
    timings = timings or Timings()
    ledger = _read_ledger_in_background(site, options)
    try:
        # The templates first: a template that does not compile stops us before anything.
        renderer = Renderer(site.config, site.root / "templates", compiled=compiled_templates(site))
        inputs = inputs_hash(site, renderer, out)  # every post's key, from its files' stats
        timings.mark("read posts")
        if (last := remembered(site, inputs, out, check)) is not None:
            timings.mark("unchanged")
            return BuildResult(out, last["summary"], timings, last["strict"])
        try:
            return _publish_judged(site, renderer, out, progress, timings, check, ledger, options)
        except Missing as missing:
            # A file the last build made is in neither tree any more (someone deleted it):
            # nothing remembered is taken on trust, everything is made again.
            timings.mark("missing")
            recorded = missing.recorded
        try:
            again = _publish_judged(
                site, renderer, out, progress, timings, check, ledger, options, False
            )
            # (what the first attempt recorded, the second finds in the ledger: told once)
            return (
                again if recorded is None else replace(again, changes=recorded.then(again.changes))
            )
        except Missing as exc:  # a photo deleted from the store during the build, say
            raise ChangedError(
                f"{exc} went missing while the build wrote it: build again"
            ) from None
    finally:
        if ledger is not None:
            ledger.close()


def _publish(
    site: Site,
    renderer: Renderer,
    out: Path,
    progress: Progress | None,
    timings: Timings,
    check: TreeCheck | None,
    ledger: Forked[dict[Hashable, Any]] | None,
    options: EngineOptions,
    trust: bool = True,
    rejudge: bool = True,
) -> BuildResult:
    with build_lock(out):  # (from the start: a first build's workers write into new trees)
        # The ledger first: who it records on each photo is one of the photos' facts. (A long
        # one was read meanwhile by a forked process: its work is taken, not done again.)
        ledger_state = _ledger_state(site, ledger)
        # Each post: read, its photos inspected, judged, decided, its outputs made (only for
        # the posts whose inputs changed: the others' are remembered).
        posts = post_outputs_by_key(site, renderer, out, progress, trust, options)
        timings.within("posts", posts.times)
        units = posts.units
        views = _newest_first(units)
        site_plan = website_plan(site, renderer, units, views, trust, options)
        exports, rows, to_post = export_plan(site, units, records.state_of(ledger_state))
        timings.mark("lists, feeds and exports")
        plan = {
            "site": site_plan,
            "exports": exports,
            "report.json": report_json(units, views, rows, _revisions_used(site)),
        }
        summary = _summary(site, units, views, rows, to_post)
        strict = [(u.slug, p, r) for u in units for p, r in u.strict]
        timings.mark("plan the output")
        background = Background()  # the other core, meanwhile: saving the memory, standby trees
        try:
            forget(site)  # (until this build is remembered, no memory vouches for what is live)
            site.store.save(background if posts.made >= options.save_in_background_from else None)
            # Recorded before anything goes live: a ledger that cannot be written stops the
            # build with the previous site in place, so `sar` and `takedown` never miss a live
            # post. (A build that fails after this leaves the ledger a step ahead, and the
            # next build finds nothing new to record.)
            changes, waiting, urgent, settled = _record(site, units, ledger_state, rejudge)
            summary = replace(summary, waiting=waiting, urgent=urgent)
            timings.mark("record in the ledger")
            _publish_trees(out, plan, check, background, changes)
            timings.mark("publish")
            site.store.save_ledger()
            # What this build made, under the inputs the next build will see (this ledger),
            # unless its records put a pupil on a photo anew: the next build judges them all.
            if settled:
                remember(site, inputs_hash(site, renderer, out), out, units, summary, strict)
            timings.mark("remember")
        finally:
            background.wait()  # (a standby tree left without its manifest goes next time)
            timings.mark("standby trees")
    return BuildResult(out, summary, timings, strict, changes)


class SharedPhoto(Exception):
    """This build's records would put a pupil on a photo that a post was judged without:
    `shows` is who each photo shows with them, to judge the posts again."""

    def __init__(self, shows: dict[str, frozenset[str]]) -> None:
        super().__init__("a photo shared between posts shows a pupil anew")
        self.shows = shows


def _publish_judged(
    site: Site,
    renderer: Renderer,
    out: Path,
    progress: Progress | None,
    timings: Timings,
    check: TreeCheck | None,
    ledger: Forked[dict[Hashable, Any]] | None,
    options: EngineOptions,
    trust: bool = True,
) -> BuildResult:
    """`_publish`, and when its records would put a pupil on a photo another post shows
    (the same bytes, tagged anew), again with that known: the other post is judged with the
    pupil before anything goes out, not a build later. (A third pass, which two photos
    passing pupils back and forth could want, is not taken: that build is not remembered,
    and the next one judges everything again.)"""
    for rejudge in (True, True, False):
        try:
            return _publish(
                site, renderer, out, progress, timings, check, ledger, options, trust, rejudge
            )
        except SharedPhoto as shared:
            timings.mark("photos shared between posts: judged again")
            shows = known_on_photos(
                site.root, site.store, site.config, site.index, site.revisions, shared.shows
            )
            site = replace(site, photos=replace(site.photos, shows=partial(dict, shows)))
    raise AssertionError("unreachable: the last pass does not rejudge")


def _publish_trees(
    out: Path,
    plan: dict[str, Any],
    check: TreeCheck | None,
    background: Background,
    recorded: records.Changes,
) -> None:
    """`publish`, telling a `Missing` what this attempt recorded in the ledger (the attempt
    that follows finds it there already, and would tell nothing)."""
    try:
        publish(out, plan, check, background)
    except Missing as missing:
        missing.recorded = recorded
        raise


def _summary(
    site: Site,
    units: list[MadePost],
    views: list[PostView],
    rows: dict[str, list[Any]],
    to_post: dict[str, dict[str, bool]],
) -> Summary:
    """What the build's closing lines say (the removals waiting come once recorded)."""
    return Summary(
        len(views),
        {platform: len(items) for platform, items in rows.items()},
        sorted({u.slug for u in units if u.left_out}),
        consents_ending(site.register, units, site.context.today, site.config),
        to_post=to_post,
        register_invalid=not site.register.valid,
    )


def _revisions_used(site: Site) -> dict[str, str]:
    """The posts published as their approved revision (edited since), with its approval time."""
    used = site.revisions.used if site.revisions else {}
    return {slug: revision.at for slug, revision in used.items()}


def _newest_first(units: list[MadePost]) -> list[PostView]:
    views = (u.view for u in units if u.view is not None)
    return sorted(views, key=lambda v: (v.date, v.slug), reverse=True)


def _ledger_state(
    site: Site, ledger: Forked[dict[Hashable, Any]] | None
) -> dict[tuple[Any, ...], Any]:
    """The ledger as it is now, reduced (`records.current`)."""
    if ledger is not None and (read := ledger.result()) is not None:
        site.store.ledger.take(read)  # (checked against the ledger as it is now)
    return records.current(site.root, site.store.ledger)


def _record(
    site: Site, units: list[MadePost], reduced: dict[tuple[Any, ...], Any], rejudge: bool
) -> tuple[records.Changes, dict[str, int], int, bool]:
    """What this build publishes and exports, appended to the ledger; what changed, how
    many removals then wait on each platform (what the records show out there, and this
    build no longer allows there), how many of them concern a pupil under safeguarding,
    and whether who the records put on each photo is as this
    build judged it. When it is not, and `rejudge`: `SharedPhoto`, before anything is
    recorded (the posts that share the photo are judged again with what it shows)."""
    state = records.state_of(reduced)
    publications = [p for u in units for p in u.publications]
    events = records.changes(state, publications, site.context.now)
    after = records.state_of({**reduced, **records.reduce(events)})
    settled = records.judged_alike(site.photos.shows(), after.shows, publications)
    if not settled and rejudge:
        raise SharedPhoto(after.shows)
    records.append(site.root, events)
    consent_history.record(site.root, site.register, site.context.now)  # (what changed)
    allowed, same = live.allowed_now((p.slug, p.platform, p.fingerprint()) for p in publications)
    refuses = live.refusing(site.register, site.context.today)
    removals = live.removals(live.out_there(after), allowed, refuses, same)
    # Held back for a pupil under safeguarding: tagged (SG162), or maybe on a class photo
    # (SG126 as an error). (Counted for every copy of the post: `takedown` tells which of
    # them carry the class photo.)
    guarded = {
        u.slug
        for u in units
        if any(code in reason for _, reason in u.left_out for code in ("SG162", "SG126"))
    }
    urgent = live.urgent(removals, site.register, guarded, site.root)
    return records.what_changed(state, events), live.waiting(removals), urgent, settled


def _read_ledger_in_background(
    site: Site, options: EngineOptions
) -> Forked[dict[Hashable, Any]] | None:
    """With no memory of the ledger (a first build), a long ledger read by a forked process
    while this one reads everything else: what it learned, for the ledger's record file.
    That keeps it by the hash of the ledger's bytes, so a ledger that grew or changed since
    is read again from where the two part."""
    memory = site.store.ledger
    try:
        long = os.path.getsize(site.root / records.LEDGER) >= options.ledger_in_background_from
    except OSError:
        return None
    if not long or memory.path is None or memory.path.exists():
        return None

    def read() -> dict[Hashable, Any]:
        records.current(site.root, memory)
        return {key: memory.entries[key] for key in memory.changed}

    return Forked(read)
