"""For the data protection lead: Subject Access Requests and takedowns, from posts and ledger."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import markdown

from sitegen import records
from sitegen.errors import UsageError
from sitegen.gate import WEBSITE, Decision
from sitegen.model import Pupil
from sitegen.pipeline import Site
from sitegen.policy.names import redact
from sitegen.register import lookup
from sitegen.text import fold_id


def _has(ids: Any, pupil_id: str) -> bool:
    return fold_id(pupil_id) in {fold_id(str(i)) for i in ids or ()}


def subject_access(site: Site, pupil_id: str, decided: list[Decision]) -> dict[str, Any]:
    """Everything about one pupil; other pupils' names are redacted from every text."""
    pupil = lookup(site.register, pupil_id)
    names = site.context.names
    assert names is not None
    status = {d.slug: d.checked.status for d in decided}

    def clean(text: str, tagged: Any = ()) -> str:
        """Other pupils' full names, and first names of those tagged with the pupil, go."""
        others = [
            p
            for pid in tagged or ()
            if (p := lookup(site.register, str(pid))) and fold_id(str(pid)) != fold_id(pupil_id)
        ]
        return redact(text, names, others, pupil)

    posts = []
    for post in site.posts:
        images = [ref.file for ref in post.images if _has(ref.pupils, pupil_id)]
        tagged, named = _has(post.pupils, pupil_id), _has(post.named, pupil_id)
        if tagged or named or images:
            posts.append(
                {
                    "slug": clean(post.slug, post.pupils),
                    "title": clean(post.title, post.pupils),
                    "status": status.get(post.slug, post.status),
                    "tagged": tagged,
                    "named": named,
                    "images": [clean(f, post.pupils) for f in images],
                    "path": post.path,
                }
            )
    events = records.read_ledger(site.root)
    publications = []
    for event in events:
        key = (event["slug"], event["platform"])
        if event["event"] != records.PUBLISHED:
            for pub in publications:
                if pub["where"] == key and "ended" not in pub:
                    pub["ended"] = {"event": event["event"], "at": event["at"]}
            continue
        images = [i["file"] for i in event.get("images") or [] if _has(i.get("pupils"), pupil_id)]
        if not (_has(event.get("pupils"), pupil_id) or images):
            continue
        for pub in publications:  # a republication ends the one before
            if pub["where"] == key and "ended" not in pub:
                pub["ended"] = {"event": "republished", "at": event["at"]}
        publications.append(
            {
                "where": key,  # (the ledger's own names, for the events that follow)
                "slug": clean(event["slug"], event.get("pupils")),
                "platform": event["platform"],
                "at": event["at"],
                "url": event.get("url"),
                "title": clean(event.get("title", ""), event.get("pupils")),
                "images": [clean(f, event.get("pupils")) for f in images],
            }
        )
    if pupil is None and not posts and not publications:
        raise UsageError(f"{pupil_id} is not in the consent register, any post or the ledger")
    for pub in publications:
        del pub["where"]
    return {"pupil": _record(pupil, pupil_id, site), "posts": posts, "publications": publications}


def _record(pupil: Pupil | None, pupil_id: str, site: Site) -> dict[str, Any]:
    if pupil is None:
        return {
            "pupil_id": pupil_id,
            "first_name": None,
            "last_name": None,
            "class": None,
            "consent": None,
            "withdrawn_on": None,
            "note": "not in the consent register (removed, or never added)",
        }
    consent: dict[str, Any] = dict(pupil.consent)
    consent["name"] = pupil.name_consent
    return {
        "pupil_id": pupil.pupil_id,
        "first_name": pupil.first_name,
        "last_name": pupil.last_name,
        "class": pupil.class_name or None,
        "consent": consent,
        "withdrawn_on": pupil.withdrawn_on.isoformat() if pupil.withdrawn_on else None,
    }


def sar_markdown(data: dict[str, Any], prepared: str, school: str) -> str:
    pupil = data["pupil"]
    yes = lambda v: "yes" if v else "no"  # noqa: E731
    lines = [
        f"# Subject Access Request: {pupil['pupil_id']}",
        "",
        f"Prepared on {prepared} from the news records of {school} (sitegen).",
        "",
        "## The pupil",
        "",
    ]
    if pupil["consent"] is None:
        lines += [f"{pupil['pupil_id']} is {pupil['note']}.", ""]
    else:
        lines += [
            "| | |",
            "|---|---|",
            f"| Pupil id | {pupil['pupil_id']} |",
            f"| Name | {pupil['first_name']} {pupil['last_name']} |",
            f"| Class | {pupil['class'] or '—'} |",
            f"| Consent withdrawn on | {pupil['withdrawn_on'] or '—'} |",
            "",
            "### Consent on record",
            "",
            "| Where | Consent |",
            "|---|---|",
        ]
        lines += [f"| {k} | {v if k == 'name' else yes(v)} |" for k, v in pupil["consent"].items()]
        lines.append("")
    lines += [f"## Posts that tag or name the pupil ({len(data['posts'])})", ""]
    if not data["posts"]:
        lines += ["None.", ""]
    for post in data["posts"]:
        lines += [
            f"### {post['title']}",
            "",
            f"- Post: `{post['slug']}` ({post['status']})",
            f"- Tagged: {yes(post['tagged'])}; named in the text: {yes(post['named'])}",
            f"- Photos of the pupil: {', '.join(post['images']) or 'none'}",
            "",
        ]
    lines += [f"## Where and when it was published ({len(data['publications'])})", ""]
    if data["publications"]:
        lines += [
            "| Date | Platform | Post | Address | Photos of the pupil | Ended |",
            "|---|---|---|---|---|---|",
        ]
        for pub in data["publications"]:
            ended = pub.get("ended")
            until = f"{ended['event']} {ended['at'][:10]}" if ended else "still published"
            lines.append(
                f"| {pub['at'][:10]} | {pub['platform']} | {pub['title']} | {pub['url'] or '—'} "
                f"| {', '.join(pub['images']) or '—'} "
                f"| {until} |"
            )
    else:
        lines.append("Nothing about this pupil has been published.")
    return "\n".join(lines) + "\n"


def sar_html(markdown_text: str, title: str) -> str:
    body = markdown.markdown(markdown_text, extensions=["tables"])
    escaped = title.replace("&", "&amp;").replace("<", "&lt;")
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escaped}</title><style>body{{font-family:sans-serif;max-width:50rem;"
        f"margin:2rem auto;padding:0 1rem}}table{{border-collapse:collapse}}td,th{{border:"
        f"1px solid #999;padding:.25rem .5rem}}</style></head><body>\n{body}\n</body></html>\n"
    )


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

    def as_json(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "platform": self.platform,
            "reason": self.reason,
            "published_at": self.published_at,
            "url": self.url,
            "title": self.title,
            "images": list(self.images),
        }


def takedowns(site: Site, decided: list[Decision]) -> list[Takedown]:
    """What the ledger shows as out there that is no longer publishable there."""
    by_slug = {d.slug: d for d in decided}
    out = []
    for (slug, platform), event in sorted(records.latest(records.read_ledger(site.root)).items()):
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


def _why(decision: Decision, platform: str) -> str:
    reason = next((r for p, r in decision.left_out if p == platform), "no longer published there")
    codes = {f.code for f in decision.checked.errors}
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
