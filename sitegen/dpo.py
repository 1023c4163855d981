"""For the data protection lead: takedowns, from the posts and the publications ledger (the
Subject Access Request is sar.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sitegen import records
from sitegen.errors import UsageError
from sitegen.gate import WEBSITE, Decision
from sitegen.site import Site
from sitegen.text import fold_id

# --- takedowns ---------------------------------------------------------------------------

PHOTOS_ONLY = "photos no longer have consent there"


@dataclass(frozen=True)
class Takedown:
    slug: str
    platform: str
    reason: str
    published_at: str
    url: str | None
    title: str
    images: tuple[str, ...]  # photos to remove (all of the post's when the post must go)
    urgent: bool = False  # it shows a pupil now under safeguarding: first, and at once

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
        }


def takedowns(site: Site, decided: list[Decision]) -> list[Takedown]:
    """What the ledger shows as out there that is no longer publishable there: first, marked
    urgent, whatever shows a pupil now under safeguarding (every post and photo of theirs,
    wherever it went), then the rest."""
    found = _takedowns(site, decided)
    guarded = {fold_id(p.pupil_id) for p in site.register.pupils.values() if p.safeguarding}
    events = standing(records.read_ledger(site.root))
    marked = []
    for item in found:
        event = events.get((item.slug, item.platform), {})
        shown = {fold_id(p) for p in event.get("pupils") or []}
        shown |= {fold_id(p) for i in event.get("images") or [] for p in i.get("pupils") or []}
        if shown & guarded:
            who = ", ".join(
                sorted(
                    p.pupil_id
                    for p in site.register.pupils.values()
                    if fold_id(p.pupil_id) in shown & guarded
                )
            )
            item = replace(
                item,
                urgent=True,
                reason=f"URGENT: {who} is under safeguarding and must never be identifiable "
                "(remove it now)",
            )
        marked.append(item)
    return sorted(marked, key=lambda t: not t.urgent)  # (stable: the rest keep their order)


def _takedowns(site: Site, decided: list[Decision]) -> list[Takedown]:
    by_slug = {d.slug: d for d in decided}
    out = []
    for (slug, platform), event in sorted(standing(records.read_ledger(site.root)).items()):
        if event["event"] != records.PUBLISHED:
            continue
        published = [i["file"] for i in event.get("images") or []]
        decision = by_slug.get(slug)
        if decision is None:
            reason = "the post was deleted"
        elif platform not in decision.platforms:
            reason = _why(decision, platform)
        else:
            allowed = {ref.file for ref in decision.platforms[platform]}
            gone = tuple(f for f in published if f not in allowed)
            if not gone:
                continue
            out.append(
                Takedown(
                    slug,
                    platform,
                    PHOTOS_ONLY,
                    event["at"],
                    event.get("url"),
                    event.get("title", ""),
                    gone,
                )
            )
            continue
        out.append(
            Takedown(
                slug,
                platform,
                reason,
                event["at"],
                event.get("url"),
                event.get("title", ""),
                tuple(published),
            )
        )
    return out


# The events that say whether a post is out there on a platform; any other kind (`posted`,
# `deployed`, and kinds later versions add) records what happened to it, and leaves it standing.
STANDING = (records.PUBLISHED, records.REMOVED, records.TAKEN_DOWN)


def standing(events: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The last event for each (slug, platform) that published or removed it."""
    return records.latest([e for e in events if e["event"] in STANDING])


def _why(decision: Decision, platform: str) -> str:
    reason = next((r for p, r in decision.left_out if p == platform), "no longer published there")
    codes = {f.code for f in decision.checked.errors}
    if "SG162" in codes:
        return f"a pupil on it is under safeguarding ({reason})"
    if "SG112" in codes:
        return f"consent withdrawn ({reason})"
    if decision.checked.status == "stale":
        return "edited after approval: not approved in this form"
    if "SG150" in codes:
        return f"approval no longer valid ({reason})"
    if codes & {"SG111", "SG113", "SG114", "SG110"}:
        return f"consent no longer covers it ({reason})"
    return reason


def mark_done(site: Site, slug: str, platform: str, decided: list[Decision]) -> dict[str, Any]:
    """Record in the ledger that a leader removed the post from an external platform."""
    if platform == WEBSITE:
        raise UsageError("the website is updated by `sitegen build`, not by hand: build again")
    pending = {(t.slug, t.platform) for t in takedowns(site, decided)}
    if (slug, platform) not in pending:
        raise UsageError(
            f"nothing to take down for {slug} on {platform}: see `sitegen takedown` for the list"
        )
    event = {
        "event": records.TAKEN_DOWN,
        "at": site.context.now.isoformat(timespec="seconds"),
        "slug": slug,
        "platform": platform,
    }
    records.append(site.root, [event])
    return event
