"""A Subject Access Request's record of where a pupil's posts went, from the ledger: each
version made (built or exported), copied to the live website, posted, replaced, removed."""

from __future__ import annotations

from collections.abc import Iterable
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
) -> list[dict[str, Any]]:
    """Each time a post showing or naming the pupil was published or exported, with what
    followed it on that platform (posted, removed, taken down, replaced ...), oldest first."""
    to_remove = {(t.slug, t.platform): t.reason for t in pending}
    out: list[dict[str, Any]] = []
    open_: dict[tuple[str, str], dict[str, Any]] = {}
    # The version of each post in build/site/ (None: none, or one that does not show the
    # pupil), and the pupil's version of each post on the live server: what a deploy copies.
    built: dict[str, dict[str, Any] | None] = {}
    live: dict[str, dict[str, Any]] = {}
    deploys = False  # (from the first deploy on, a build only makes the website ready)
    for event in ledger:
        if event["event"] == records.DEPLOYED:
            _deployed(event, built, live, config)
            deploys = True
            continue
        where = (str(event["slug"]), str(event["platform"]))
        kind, at = str(event["event"]), str(event["at"])
        platform, website = where[1], where[1] == WEBSITE
        before = open_.get(where)
        if website:
            built[where[0]] = None  # (until this event's version is known to show the pupil)
        if kind != records.PUBLISHED:
            if before is not None:
                words = event_words(kind, at, platform, website, config)
                before["events"].append({"event": kind, "at": at, "words": words})
                if kind == records.POSTED and before["posted_at"] is None:
                    before["posted_at"] = at
                if kind in (records.REMOVED, records.TAKEN_DOWN):
                    before["ended"] = {"event": kind, "at": at, "words": words}
                    del open_[where]
            continue
        if before is not None:  # a new version replaces the one before
            words = event_words("republished", at, platform, website, config)
            before["ended"] = {"event": "republished", "at": at, "words": words}
            before["events"].append({"event": "republished", "at": at, "words": words})
            del open_[where]
        images = [i for i in event.get("images") or [] if has(i.get("pupils"), key)]
        if not (has(event.get("pupils"), key) or images):
            continue
        pub = _publication(event, images, clean, config, deploys)
        open_[where] = pub
        out.append(pub)
        if website:
            built[where[0]] = pub
    for where, pub in open_.items():
        reason = to_remove.get(where)
        pub["pending_removal"] = removal_words(reason)
    for pub in out:
        pub.setdefault("pending_removal", None)
        pub["summary"] = publication_summary(pub, config)
    return out


def _publication(
    event: dict[str, Any],
    images: list[dict[str, Any]],
    clean: Redactor,
    config: Config,
    deploys: bool,
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
        "images": [clean(str(i.get("file", ""))) for i in images],
        "photo_hashes": [i.get("sha256") for i in images],
        "events": [{"event": str(event["event"]), "at": at, "words": words}],
        "ended": None,
    }


def _deployed(
    event: dict[str, Any],
    built: dict[str, dict[str, Any] | None],
    live: dict[str, dict[str, Any]],
    config: Config,
) -> None:
    """A deploy copies build/site/: the version of each post built then is live from now (if
    it shows the pupil), and the version live before is off the live website (replaced, or
    taken off)."""
    at, carried = str(event["at"]), set(event.get("posts") or {})
    for slug in set(built) | set(live):
        current = built.get(slug) if slug in carried else None
        before = live.get(slug)
        if before is not None and before is not current:
            before["off_live_site_at"] = at
            kind = "replaced_on_live_site" if slug in carried else "off_live_site"
            words = event_words(kind, at, WEBSITE, True, config)
            before["events"].append({"event": kind, "at": at, "words": words})
            del live[slug]
        if current is not None and current is not before:
            current["deployed_at"] = current["deployed_at"] or at
            words = event_words(records.DEPLOYED, at, WEBSITE, True, config)
            current["events"].append({"event": records.DEPLOYED, "at": at, "words": words})
            live[slug] = current
