"""For the data protection lead: takedowns, from the posts and the publications ledger (the
Subject Access Request is sar.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sitegen import live, records
from sitegen.errors import UsageError
from sitegen.gate import WEBSITE, Decision
from sitegen.policy.images import resolve_image
from sitegen.register import lookup
from sitegen.site import Site
from sitegen.text import fold_id

# --- takedowns ---------------------------------------------------------------------------

PHOTOS_ONLY = "photos no longer have consent there"
RECOVER = "a face on the photos must now be covered: replace them with the new copies"
EDITED_OUT = "photos taken out of the post by an approved edit"


@dataclass(frozen=True)
class Takedown:
    slug: str
    platform: str
    reason: str
    published_at: str
    url: str | None
    title: str
    images: tuple[str, ...]  # photos to remove, as they went out (all when the post must go)
    urgent: bool = False  # it shows a pupil now under safeguarding: first, and at once
    # Who made it necessary, and on which photo: "P1014 (consent withdrawn on ...) on 01-...".
    because: tuple[str, ...] = ()
    posted: bool | None = None  # a social platform: recorded as posted (None: the website)
    whole: bool = True  # the whole post must go (else only `images`)
    # Only because the register is invalid (SG160): a typo there, not a change of consent.
    register_only: bool = False
    photo_files: tuple[str, ...] = ()  # the photos to remove, by the post's own file names

    def as_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "platform": self.platform,
            "reason": self.reason,
            "published_at": self.published_at,
            "url": self.url,
            "title": self.title,
            "images": list(self.images),
            "urgent": self.urgent,
            "because": list(self.because),
            "posted": self.posted,
            "whole": self.whole,
        }


def takedowns(site: Site, decided: list[Decision]) -> list[Takedown]:
    """What the records show out there that is no longer allowed there: the website as last
    deployed (or uploaded), and every bundle exported and not taken down, posted or not.
    First, marked urgent, whatever shows a pupil now under safeguarding (every post and photo
    of theirs, wherever it went), then the rest."""
    events = records.read_ledger(site.root)
    state = records.state_of(records.reduce(events))
    allowed = {
        (d.slug, platform): {
            ref.file: tuple(d.covered.get(platform, {}).get(ref.file, ())) for ref in refs
        }
        for d in decided
        for platform, refs in d.platforms.items()
    }
    by_slug = {d.slug: d for d in decided}
    went_out = live.went_out(events)
    refuses = live.refusing(site.register, site.context.today)
    out = live.out_there(state)
    now_bytes = _allowed_bytes(site, decided)
    found = [
        _takedown(site, removal, by_slug.get(removal.out.slug), went_out, state, now_bytes)
        for removal in live.removals(out, allowed, refuses, now_bytes)
    ]
    listed = {(t.slug, t.platform) for t in found}
    found += [
        t
        for where, item in sorted(out.items())
        if where not in listed and (t := _earlier_words_out_there(site, item, went_out, by_slug))
    ]
    return sorted(found, key=lambda t: not t.urgent)  # (stable: the rest keep their order)


def _earlier_words_out_there(
    site: Site,
    item: live.OutThere,
    went_out: dict[tuple[str, str], dict[str, Any]],
    by_slug: dict[str, Decision],
) -> Takedown | None:
    """A version out there, older than the post as it stands, whose words name a pupil who
    may no longer appear there (a consent withdrawn, a name consent taken back): an edit
    since that took them out does not take them off the page where the old version is. Read
    from the words `approve` kept of it (`revisions.approved_version`), judged today."""
    from sitegen.policy.names import find_names, judge_names
    from sitegen.revisions import approved_version

    event = went_out.get((item.slug, item.platform)) or {}
    digest, decision = event.get("digest"), by_slug.get(item.slug)
    if not isinstance(digest, str) or decision is None or digest == decision.checked.digest:
        return None  # (the version out there is the post as it stands: judged as such)
    then = approved_version(site.root, item.slug, digest, site.config.tz, site.config.language)
    if then is None:
        return None
    today, register = site.context.today, site.register
    names = find_names(then, site.context.names, register)
    # (a pupil its words name, as `check` would tell it, an error: not a word that may be one,
    # "parents may collect", nor another pupil's name; a tag alone shows no one)
    named = dict.fromkeys(h.pupil_id for h in names if not h.maybe and not h.another_name)
    why = {p: said for p in named if (said := _no_consent(site, p, item.platform, today, True))}
    for f in judge_names(then, names, register, today):
        if f.severity == "error" and f.pupil:
            why.setdefault(f.pupil, "their name may no longer be published")
    if not why:
        return None
    return Takedown(
        item.slug,
        item.platform,
        "its words, in the version out there, name a pupil who may no longer appear there "
        "(an edit since took them out)",
        str(event.get("published_at") or event.get("at", "")),
        event.get("url"),
        str(event.get("title", "")),
        tuple(_exported_name(i) for i in event.get("images") or () if isinstance(i, dict)),
        urgent=any(_is_guarded(site, p) for p in why),
        because=tuple(
            f"{p} ({said}) in the words of the version out there" for p, said in why.items()
        ),
        posted=item.posted,
    )


def first_taken_off(
    site: Site, decided: list[Decision], platform: str, slugs: list[str], exported: set[str]
) -> list[str]:
    """The updates waiting on `platform` (those named, or all) whose earlier version, recorded
    as posted there, shows what consent no longer allows (a photo, an uncovered face): its
    removal is to be recorded (`takedown --done`) before the update is recorded as posted.
    (An edit's own changes alone, a photo swapped, are the update's to make.) Only bundles
    the last build `exported` there wait: one it no longer makes is `takedown`'s alone."""
    state = records.state_of(records.reduce(records.read_ledger(site.root)))
    waiting = {s: update for s, update in live.pending(state, platform).items() if s in exported}
    off = {
        t.slug
        for t in takedowns(site, decided)
        if t.platform == platform and t.posted and (t.because or RECOVER in t.reason)
    }
    return [s for s in (slugs or sorted(waiting)) if s in off and waiting.get(s)]


def _allowed_bytes(site: Site, decided: list[Decision]) -> dict[tuple[str, str], dict[str, str]]:
    """The hash of each photo file each post may show on each platform now."""
    found = {}
    for d in decided:
        hashes = {}
        for ref in {ref.file: ref for refs in d.platforms.values() for ref in refs}.values():
            path = resolve_image(d.checked.post, ref)
            if isinstance(path, Path) and (sha := site.photos.hash_of(path)).startswith("sha256:"):
                hashes[ref.file] = sha
        for platform in d.platforms:
            found[(d.slug, platform)] = hashes
    return found


def _takedown(
    site: Site,
    removal: live.Removal,
    decision: Decision | None,
    went_out: dict[tuple[str, str], dict[str, Any]],
    state: records.LedgerState,
    now_bytes: dict[tuple[str, str], dict[str, str]],
) -> Takedown:
    out = removal.out
    where = (out.slug, out.platform)
    event = went_out.get(where, {})
    photos = _photos_out_there(event, () if out.posted else state.carried.get(where, ()), state)
    images = photos if removal.whole else _to_remove(photos, removal, now_bytes.get(where, {}))
    recovered = {
        str(i.get("file")): _newly_covered(decision, out.platform, i)
        for i in images
        if decision is not None and i.get("file") in removal.recover
    }
    gone = "the post was deleted" if decision is None else _why(decision, out.platform)
    # Whose consent matters: for a photo, its pupils' consent to the platform; for the whole
    # post, what changed for a pupil, unless the post is sound and only this platform lost it
    # (no photo may go there now): then its photos' pupils, as for a photo.
    by_photo = not removal.whole or (decision is not None and not decision.checked.errors)
    because = _because(site, out.platform, event, images, removal.whole, recovered, by_photo)
    if removal.whole and decision is not None:
        because += _holding_back(decision, {who for who, _ in because})
    if removal.whole:
        reason = gone
    elif set(removal.photos) <= set(removal.recover):
        reason = RECOVER
    else:
        reason = PHOTOS_ONLY if because else EDITED_OUT
        if removal.recover:  # (some left out, and on others a face to cover: both said)
            reason += f"; on {', '.join(sorted(removal.recover))}, {RECOVER}"
    if out.posted is False:
        reason += "; exported, not recorded as posted: check the page"
    carried = {str(image.get("sha256")) for image in images}  # (by bytes: a file renamed)
    urgent = _urgent(site, [who for who, _ in because], decision, carried)
    reason = urgent or reason
    codes = {f.code for f in decision.checked.errors} if decision is not None else set()
    return Takedown(
        out.slug,
        out.platform,
        reason,
        str(event.get("published_at") or event.get("at", "")),
        event.get("url"),
        str(event.get("title", "")),
        tuple(_exported_name(i) for i in images) or removal.photos,
        urgent=urgent is not None,
        because=tuple(words for _, words in because),
        posted=out.posted,
        whole=removal.whole,
        # (a pupil the register still reads, withdrawn or under safeguarding, is a reason)
        register_only=codes == {"SG160"} and not because,
        photo_files=removal.photos,
    )


def _urgent(site: Site, who: list[str], decision: Decision | None, carried: set[str]) -> str | None:
    """Why a removal is urgent, or None: it shows a pupil under safeguarding, or the copy out
    there (`carried`: its photos' hashes) has a photo of their class with faces no one has
    named (SG126 as an error, at that photo's line: one may be theirs)."""
    guarded = sorted({pupil for pupil in who if _is_guarded(site, pupil)})
    if guarded:
        return (
            f"URGENT: {', '.join(guarded)} is under safeguarding and must never be "
            "identifiable (remove it now)"
        )
    if decision is not None and _class_photos(site, decision) & carried:
        return (
            "URGENT: a photo of the class of a pupil under safeguarding, with faces no one has "
            "named: one may be theirs (remove it now)"
        )
    return None


def _class_photos(site: Site, decision: Decision) -> set[str]:
    """The hashes of the post's photos that SG126, as an error, is about (at their lines)."""
    lines = {
        f.line for f in decision.checked.findings if f.code == "SG126" and f.severity == "error"
    }
    post = decision.checked.post
    paths = [resolve_image(post, ref) for ref in post.images if lines and ref.line in lines]
    return {site.photos.hash_of(path) for path in paths if isinstance(path, Path)}


def _to_remove(
    photos: list[dict[str, Any]], removal: live.Removal, now_bytes: dict[str, str]
) -> list[dict[str, Any]]:
    """The photos a removal of some photos concerns: of a file with several copies out there
    (another photo saved since under its name), not the one that goes on now, unless a face
    on it must now be covered (`recover`: that copy goes, the new one replaces it)."""
    named = [i for i in photos if i.get("file") in removal.photos]
    copies = Counter(i.get("file") for i in named)
    return [
        i
        for i in named
        if copies[i.get("file")] == 1
        or i.get("file") in removal.recover
        or now_bytes.get(str(i.get("file"))) != i.get("sha256")
    ]


def _photos_out_there(
    event: dict[str, Any], carried: tuple[tuple[Any, ...], ...], state: records.LedgerState
) -> list[dict[str, Any]]:
    """The photos of the version out there, and those an unconfirmed copy may still show
    (records.CARRIED: a photo left out since, or one with fewer faces covered), each with
    every pupil the records put on its bytes (an edit may have left one off)."""
    recorded = [dict(i) for i in event.get("images") or [] if isinstance(i, dict)]
    listed = {(i.get("file"), i.get("sha256")): i for i in recorded}
    for photo in carried:  # (a photo is its file and its bytes: see records._carried)
        if (image := listed.get((photo[0], photo[1]))) is None:
            recorded.append({"file": photo[0], "sha256": photo[1]})
        elif len(photo) > 2:  # (the faces covered on every copy that may be out there)
            image["covered"] = [f for f in image.get("covered") or () if f in photo[2]]
            image.pop("exported_as", None)  # (an earlier copy's name is not this one's)
    shows = state.shows
    return [
        {**i, "pupils": sorted({*(i.get("pupils") or ()), *shows.get(str(i.get("sha256")), ())})}
        for i in recorded
    ]


def _exported_name(image: dict[str, Any]) -> str:
    """A photo as it went out: the bundle's file name, with the post's own (older records
    name only the post's)."""
    file = str(image.get("file", ""))
    exported = image.get("exported_as")
    return f"{exported} ({file})" if exported else file


def _newly_covered(decision: Decision, platform: str, image: dict[str, Any]) -> set[str]:
    """The pupils whose faces the photo's copy for `platform` covers now and the copy that
    went out did not (its `faces` list names each numbered face)."""
    ref = next((r for r in decision.checked.post.images if r.file == image.get("file")), None)
    if ref is None or not ref.faces:
        return set()
    now = set(decision.covered.get(platform, {}).get(ref.file, ()))
    was = set(image.get("covered") or ())
    return {ref.faces[n - 1] for n in now - was if 0 < n <= len(ref.faces)}


def _because(
    site: Site,
    platform: str,
    event: dict[str, Any],
    images: list[dict[str, Any]],
    whole: bool,
    recovered: dict[str, set[str]],
    by_photo: bool,
) -> list[tuple[str, str]]:
    """Each pupil out there whose consent no longer lets it stay, and where: on which photo
    (as it went out), or in the post. For the whole post, what changed for a pupil
    (withdrawn, ended, safeguarding); a photo's pupil also when the platform's "yes" went;
    on a photo whose faces must now be covered (`recovered`), those pupils alone."""
    today = site.context.today
    found: list[tuple[str, str]] = []
    for image in images:
        shown = image.get("pupils") or []
        if str(image.get("file")) in recovered:  # (as `faces` writes them: any case)
            newly = {fold_id(who) for who in recovered[str(image.get("file"))]}
            shown = [p for p in shown if fold_id(str(p)) in newly]
        for pupil_id in shown:
            if records.face_covered(image, fold_id(str(pupil_id))):
                continue  # (their face was covered on the copy out there: not why it goes)
            if problem := _no_consent(site, str(pupil_id), platform, today, by_photo):
                found.append((str(pupil_id), f"{pupil_id} ({problem}) on {_exported_name(image)}"))
    on_photos = {who for who, _ in found}
    if whole:
        for pupil_id in event.get("pupils") or []:
            if pupil_id not in on_photos and (
                problem := _no_consent(site, str(pupil_id), platform, today)
            ):
                found.append((str(pupil_id), f"{pupil_id} ({problem}) in the post"))
    return found


def _holding_back(decision: Decision, told: set[str]) -> list[tuple[str, str]]:
    """The pupils whose consent holds the whole post back now (an error on them, such as a
    named pupil without consent for one of its platforms), as its finding says it."""
    found = []
    for f in decision.checked.errors:
        if f.pupil and f.pupil not in told and f.code in CONSENT_CODES:
            found.append((f.pupil, f"{f.message} ({f.code})"))
            told = told | {f.pupil}
    return found


CONSENT_CODES = ("SG111", "SG113", "SG114", "SG125")  # (a pupil's consent, not a withdrawal)


def _no_consent(
    site: Site, pupil_id: str, platform: str, today: Any, on_platform: bool = False
) -> str | None:
    pupil = lookup(site.register, pupil_id)
    if pupil is None and not site.register.valid:
        # (their row may be one that cannot be read: whether the pupil may stay is not known,
        # and it must not be told as a change of their consent)
        return "the consent register cannot be read whole: fix it, then run takedown again"
    if pupil is None:
        return "no longer in the consent register"
    if pupil.safeguarding:
        return "under safeguarding"
    if pupil.is_withdrawn(today):
        return f"consent withdrawn on {pupil.withdrawn_on}"
    if pupil.has_expired(today):
        return f"consent ended on {pupil.consent_until}"
    if on_platform and not pupil.consent.get(platform, False):
        return f"no consent for {platform}"
    return None


def _is_guarded(site: Site, pupil_id: str) -> bool:
    pupil = lookup(site.register, pupil_id)
    return pupil is not None and pupil.safeguarding


def standing(events: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The last event for each (slug, platform) that published or removed it."""
    return records.latest(events)


def _why(decision: Decision, platform: str) -> str:
    reason = next((r for p, r in decision.left_out if p == platform), "no longer published there")
    codes = {f.code for f in decision.checked.errors}
    if "SG162" in codes:
        return f"a pupil on it is under safeguarding ({reason})"
    if "SG112" in codes:
        ended = all(
            "consent ended" in f.message for f in decision.checked.errors if f.code == "SG112"
        )
        return f"{'consent ended' if ended else 'consent withdrawn'} ({reason})"
    if decision.checked.status == "stale":
        return "edited after approval: not approved in this form"
    if "SG150" in codes:
        return f"approval no longer valid ({reason})"
    if codes & {"SG111", "SG113", "SG114", "SG110"}:
        return f"consent no longer covers it ({reason})"
    return reason


def listed_on(site: Site, platform: str, decided: list[Decision]) -> list[str]:
    """The posts `takedown` lists for removal from this platform (never those that would
    come down only because the register cannot be read)."""
    _recorded_by_hand(site, platform)
    listed = [t for t in takedowns(site, decided) if t.platform == platform and not t.register_only]
    if not listed:
        raise UsageError(f"nothing to take down on {platform}: see `sitegen takedown` for the list")
    for item in listed:  # (some photos of a post: the post stays, less those)
        _refuse_a_page_still_built(site, platform, item.slug, item.whole)
    return list(dict.fromkeys(t.slug for t in listed))


def _refuse_a_page_still_built(site: Site, platform: str, slug: str, whole: bool = True) -> None:
    """A website removal recorded by hand is the upload of a build/site/ without the post:
    while build/site/ still has it, no upload took it off."""
    if platform != WEBSITE:
        return
    if whole and (site.root / "build/site/posts" / slug).is_dir():
        raise UsageError(
            f"build/site/ still has {slug}: build first (it leaves the post out), upload "
            "build/site/ (with --delete), then record it"
        )
    # (some photos: the build that fixes them may show the same names, a face now covered
    # or other bytes, so no name in build/site/ says whether it was built yet)


def _recorded_by_hand(site: Site, platform: str) -> None:
    """Refuse a platform whose removals are not recorded by hand, or that is none."""
    if platform == WEBSITE and site.config.deploy is not None:
        raise UsageError(
            "the website is recorded by `sitegen deploy`: build, then deploy, and the post "
            "leaves the list once the live site no longer has it"
        )
    if platform not in site.config.platforms:
        raise UsageError(
            f"{platform!r} is not one of this site's platforms "
            f"({', '.join(site.config.platforms)}, in site.toml's policy.platforms)"
        )


def mark_done(site: Site, slug: str, platform: str, decided: list[Decision]) -> dict[str, Any]:
    """Record in the ledger that a leader removed the post from a platform by hand (the website
    too, where there is no [deploy] and the leader uploads build/site/ themselves)."""
    _recorded_by_hand(site, platform)
    item = {(t.slug, t.platform): t for t in takedowns(site, decided)}.get((slug, platform))
    if item is None:
        raise UsageError(
            f"nothing to take down for {slug} on {platform}: see `sitegen takedown` for the list"
        )
    _refuse_a_page_still_built(site, platform, slug, item.whole)
    event: dict[str, Any] = {
        "event": records.TAKEN_DOWN,
        "at": site.context.now.isoformat(timespec="seconds"),
        "slug": slug,
        "platform": platform,
    }
    if not item.whole:  # some photos: the post stays where it is, less those
        went = live.went_out(records.read_ledger(site.root)).get((slug, platform), {})
        images = [i for i in went.get("images") or [] if isinstance(i, dict)]
        event |= {
            "whole": False,
            "photos": list(item.photo_files),
            "posted": bool(item.posted),
            "title": went.get("title", item.title),
            "url": went.get("url"),
            "digest": went.get("digest"),
            "images": [i for i in images if i.get("file") not in item.photo_files],
            # (what remains is still that post: who it tags, and when it went out)
            "pupils": went.get("pupils") or [],
            "published_at": went.get("published_at") or went.get("at"),
        }
    records.append(site.root, [event])
    return event
