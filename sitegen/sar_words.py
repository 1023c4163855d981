"""Plain words for a Subject Access Request: what the ledger's events, a post's status and the
places a name was found mean to a parent. No raw name (`taken_down`, `sha256`, a finding code)
reaches the report: an event kind this version does not know is still said in words."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from sitegen.config import Config
from sitegen.policy.fields import AS_PUBLISHED

WEBSITE = "website"
WRITTEN_ON_A_PHOTO = "written on a photo"  # where a name OCR read on a photo was found
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
PLATFORM_NAMES = {
    WEBSITE: "the school website",
    "facebook": "Facebook",
    "instagram": "Instagram",
    "x": "X (Twitter)",
    "twitter": "Twitter",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "linkedin": "LinkedIn",
}
STATUS_WORDS = {
    "draft": "a draft, not approved for publication",
    "submitted": "waiting for a senior leader's approval",
    "approved": "approved by a senior leader",
    "stale": "edited after it was approved: the edit is not published until it is approved again",
    # (no reason given: it may be one the family must not be told, such as safeguarding)
    "blocked": "approved earlier, but now held back by the school's checks",
}
NAME_IN_POSTS = {  # the register's name consent, in a few words
    "no": "not published",
    "yes": "first name only",
    "full": "first and last name",
}
NAME_CONSENT_WORDS = {
    "no": "no: the name may not be published",
    "yes": "yes: the first name may be published",
    "full": "yes: the first and last name may be published",
}


def plain(raw: str) -> str:
    """A machine name in words: `taken_down` -> "taken down" (letters, digits and spaces only)."""
    return " ".join(re.sub(r"[\W_]+", " ", raw).split()) or "changed"


def platform_name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, plain(platform).title())


def platform_label(platform: str, config: Config) -> str:
    """The platform's name, with what kind of place it is when that matters to a parent."""
    if platform in config.closed_platforms:
        return f"{platform_name(platform)} (the school's closed page for parents)"
    return platform_name(platform)


def long_date(value: str | date | None) -> str:
    """20 November 2026 (a date, or the date of an ISO datetime as written)."""
    if value is None:
        return "an unknown date"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00")).date()
        except ValueError:
            return plain(value)
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def long_datetime(value: str, config: Config) -> str:
    """20 November 2026 at 10:00, in the school's time zone."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return plain(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(config.tz)
    return f"{long_date(moment.date())} at {moment:%H:%M}"


def event_words(
    kind: str, at: str, platform: str, website: bool, config: Config, deploys: bool = False
) -> str:
    """One ledger event in words, with its date and time (`deploys`: the school copies the
    website with `sitegen deploy`, so a build only makes it ready)."""
    where, when = platform_name(platform), long_datetime(at, config)
    if kind == "published":
        if website and deploys:
            return f"made ready for the school website on {when}"
        if website:
            return f"put on the school website on {when}"
        return f"exported for {where} on {when}: prepared for staff to post by hand"
    if kind == "removed":
        return f"taken out of the files of {where} on {when} (off the live site once it is updated)"
    if kind == "taken_down":
        return f"recorded as taken down from {where} on {when}"
    if kind == "photos_taken_down":
        return f"some of its photos recorded as taken down from {where} on {when}"
    if kind == "posted":
        return f"recorded as posted on {where} by the school on {when}"
    if kind == "deployed":
        return f"copied to the live school website on {when}"
    if kind == "off_live_site":
        return f"taken off the live school website on {when}"
    if kind == "replaced_on_live_site":
        return f"replaced on the live school website by an updated version on {when}"
    if kind in ("republished", "replaced_posted"):
        return f"replaced on {where} by an updated version on {when}"
    if kind == "same_as_remained":
        return (
            f"the same as what remained on {where} once some photos were taken off by hand "
            f"on {when}: nothing more to post"
        )
    if kind == "updated_export":
        return f"an updated version was exported for {where} on {when}, not yet recorded as posted"
    return f"{_capital(where)}: {plain(kind)} on {when}"  # a kind this version does not know


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def removal_words(reason: str | None) -> str | None:
    """Why `sitegen takedown` asks for a removal, in words; None when nothing must go."""
    if reason is None:
        return None
    for start, words in (
        ("consent withdrawn", "consent was withdrawn"),
        ("consent ended", "consent ended"),
        ("the post was deleted", "the post was deleted"),
        ("photos no longer", "some photos no longer have consent there"),
        ("a face on the photos", "some photos must now have a face covered"),
        ("photos taken out", "some photos were taken out of the post"),
        ("edited after approval", "it was edited after its approval"),
        ("approval no longer valid", "its approval is no longer valid"),
        ("consent no longer covers it", "consent no longer covers it"),
    ):
        if reason.startswith(start):
            return words
    return "it may no longer be published there"


def publication_summary(pub: dict[str, Any], config: Config) -> str:
    """One sentence: where the post went, from when until when, and what followed."""
    platform, ended = pub["platform"], pub.get("ended")
    name = platform_name(platform)
    if pub["kind"] == "website" and pub.get("live_site_recorded"):
        text = _deployed_words(pub)
    elif pub["kind"] == "website":
        # (built before the school deployed with sitegen: uploaded by hand, then deployed)
        deployed = [e for e in pub["events"] if e["event"] == "deployed"][:1]
        since = "".join(f" (copied to the live website on {long_date(e['at'])})" for e in deployed)
        if ended is None:
            text = f"On the school website since {long_date(pub['at'])}{since}"
            text += _taken_out_of_the_build(pub)
        elif ended["event"] == "removed" and pub.get("pending_removal"):
            text = (
                f"On the school website since {long_date(pub['at'])}{since}; taken out of the "
                f"school's copy of the site on {long_date(ended['at'])}"
            )
        else:
            text = (
                f"On the school website from {long_date(pub['at'])}{since} until "
                f"{long_date(ended['at'])}"
            )
            if ended["event"] == "republished":
                text += ", when an updated version replaced it"
            elif ended["event"] == "off_live_site":
                text += ", when it was taken off the live website"
            elif ended["event"] == "replaced_on_live_site":
                text += ", when an updated version replaced it on the live website"
            elif ended["event"] != "removed":
                text += f" ({plain(ended['event'])})"
    else:
        text = _export_words(pub, name)
    said = ("posted", "republished", "replaced_posted", "removed", "taken_down")
    if pub["kind"] == "website":
        said += ("deployed",)  # (said first, with when it went live)
    if pub.get("live_site_recorded"):
        said += ("off_live_site",)  # (_deployed_words says it)
    # (the event that ended it is said above, with its date)
    others = [e for e in pub["events"][1:] if e["event"] not in said and e is not ended]
    text += "".join(f"; {e['words']}" for e in others)
    why = pub.get("pending_removal")
    photos_only = bool(why) and why.startswith("some photos")
    what = "some of its photos" if photos_only else "it"
    if why and pub["kind"] == "website":
        comes = "come" if photos_only else "comes"
        text += f". Because {why}, {what} {comes} off the website at its next update"
    elif why:
        posted = any(e["event"] == "posted" for e in pub["events"])
        must = f"{what} must be taken down" + ("" if posted else " if it was posted")
        text += f". Because {why}, {must}; the school has not recorded doing so yet"
    return text + "."


def _export_words(pub: dict[str, Any], name: str) -> str:
    """An export: made, posted (as recorded), and how it ended."""
    ended = pub.get("ended")
    text = f"Exported for {name} on {long_date(pub['at'])} (the school posts it by hand)"
    posted = [e for e in pub["events"] if e["event"] == "posted"]
    text += "".join(f"; posted on {name} on {long_date(e['at'])}" for e in posted)
    if ended is not None:
        if ended["event"] == "taken_down" and not posted:
            text += (
                f"; never recorded as posted, and on {long_date(ended['at'])} the school "
                f"recorded that it is not on {name}"
            )
        elif ended["event"] == "taken_down":
            text += f"; taken down from {name} on {long_date(ended['at'])}"
        elif ended["event"] == "republished":
            text += f"; an updated version was exported on {long_date(ended['at'])}"
        elif ended["event"] == "replaced_posted":
            text += f"; replaced on {name} by an updated version on {long_date(ended['at'])}"
        elif ended["event"] == "same_as_remained":
            text += (
                f"; the same as what remained on {name} once some photos were taken off the "
                f"post there by hand on {long_date(ended['at'])}, so not posted again"
            )
        else:
            text += f"; {plain(ended['event'])} on {long_date(ended['at'])}"
    return text


def _deployed_words(pub: dict[str, Any]) -> str:
    """The website where `sitegen deploy` records what is live: made ready, then live."""
    text = f"Made ready for the school website on {long_date(pub['at'])}"
    if pub.get("deployed_at") is None:
        return text + ", not recorded as copied to the live website"
    text += f"; on the live website from {long_date(pub['deployed_at'])}"
    if pub.get("off_live_site_at"):
        return text + f" until {long_date(pub['off_live_site_at'])}"
    return text + _taken_out_of_the_build(pub)


def _taken_out_of_the_build(pub: dict[str, Any]) -> str:
    """A version still live that a build has taken out of the site (it comes off the live
    site at its next update, which the removal's own sentence says)."""
    removed = [e for e in pub["events"] if e["event"] == "removed"]
    if not removed or not pub.get("pending_removal"):
        return ""
    return f"; taken out of the school's copy of the site on {long_date(removed[-1]['at'])}"


def status_words(status: str, withdrawn: bool = False, ended: bool = False) -> str:
    """A post's workflow status in words (`withdrawn`: held back by the pupil's withdrawal,
    or by the end of their consent when `ended`)."""
    why = "their consent ended" if ended else "consent was withdrawn"
    if status == "blocked" and withdrawn:
        return f"approved earlier, but now held back because {why}"
    if status == "stale" and withdrawn:  # (the edit cannot be approved either while so)
        return f"edited after it was approved, and held back because {why}"
    return STATUS_WORDS.get(status, plain(status))


def where_words(label: str) -> str:
    """Where in a post a name was found (the labels of fields.text_fields), in words."""
    label = label.removesuffix(AS_PUBLISHED)  # (the text as published is the text)
    fixed = {
        "title": "the title",
        "summary": "the summary",
        "tags": "the post's tags",
        "folder name": "the post's web address",
        "body": "the text",
    }
    if label in fixed:
        return fixed[label]
    if label.startswith("file name "):
        return "a photo's file name"
    if label.startswith("alt text of "):
        return "a photo's description"
    if label.startswith("caption text of "):
        return "a photo's caption"
    if label.endswith("attribute in the body"):
        return "a link or picture in the text"
    return plain(label)


def earlier_version(pub: dict[str, Any], first: str) -> str:
    """A version of a post that no longer shows the pupil (edited since, or deleted): where
    it went, and the pupil's photos that went with it, by the names they had."""
    line = f"“{pub['title']}”: {pub['summary']}"
    if pub["images"]:
        which = "photo" if len(pub["images"]) == 1 else "photos"
        line += f" With {first}'s {which} {and_list(pub['images'])}."
    return line


def photos_there(pub: dict[str, Any], numbers: dict[str, int], first: str) -> str:
    """Which of the pupil's photos (numbered as the post shows them) went with a publication."""
    shown = sorted({numbers[h] for h in pub["photo_hashes"] if h in numbers})  # (same bytes: once)
    changed = sum(1 for h in pub["photo_hashes"] if h not in numbers)
    parts = []
    if shown:
        parts.append(
            f"{'photos' if len(shown) > 1 else 'photo'} {and_list([str(n) for n in shown])}"
        )
    if changed:
        parts.append(count_of(changed, "photo") + " since changed or removed from the post")
    if not parts:
        return f"No photo of {first} went with it."
    covered = sorted({numbers[h] for h in pub["face_covered"] if h in numbers})
    if not covered:
        return f"With {and_list(parts)} of {first}."
    if covered == shown and not changed:
        return f"With {and_list(parts)} of {first}, {first}'s face covered."
    numbered = f"{'photos' if len(covered) > 1 else 'photo'} {and_list([str(n) for n in covered])}"
    return f"With {and_list(parts)} of {first}, {first}'s face covered on {numbered}."


def photo_places(photo: dict[str, Any], first: str) -> str:
    """Where the photo went: with the pupil's face showing, with it covered, and first
    showing, then covered."""
    changes = photo.get("face_changes") or {}
    since = {p: at for p, at in (photo.get("face_covered_since") or {}).items() if p not in changes}
    shown_since = {
        p: at for p, at in (photo.get("face_shown_since") or {}).items() if p not in changes
    }
    out = photo.get("out_on", photo["went_to"])
    covered = [platform_name(p) for p in photo["face_covered_on"] if p in out]
    showing = [
        platform_name(p)
        for p in out
        if p not in photo["face_covered_on"]
        and p not in since
        and p not in shown_since
        and p not in changes
    ]
    prepared = [platform_name(p) for p in photo["went_to"] if p not in out]
    if not showing and not covered and not since and not changes and not prepared:
        return "Not published anywhere."
    said = [f"Shown on {and_list(showing)}"] if showing else []
    if covered:
        said.append(f"on {and_list(covered)} with {first}'s face covered")
    said += [
        f"on {platform_name(p)} until {long_date(at)}, then with {first}'s face covered"
        for p, at in since.items()
    ]
    said += [  # (consent given again: the face shows on the copy out there since)
        f"on {platform_name(p)} with {first}'s face covered until {long_date(at)}, then shown"
        for p, at in shown_since.items()
    ]
    said += [  # (covered, shown, covered again ...: each change, with its day)
        f"on {platform_name(p)} with {first}'s face "
        + ", then ".join(
            f"{'covered' if covered else 'shown'} from {long_date(at)}" for covered, at in states
        )
        for p, states in changes.items()
    ]
    if prepared:
        said.append(f"made ready for {and_list(prepared)}, not recorded as posted there")
    text = "; ".join(said)
    text = text[:1].upper() + text[1:] + "."
    still = photo.get("still_on", photo["went_to"])
    if gone := [platform_name(p) for p in photo["went_to"] if p not in still]:
        text += (
            " No copy is out there now, by the school's records."
            if not still
            else f" Since taken off {and_list(gone)}."
        )
    return text


def count_of(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def and_list(parts: list[str]) -> str:
    """a, b and c."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def first_name(pupil: dict[str, Any]) -> str:
    """The pupil's first name for the letter (their id when the register has none)."""
    return pupil.get("first_name") or f"pupil {pupil['pupil_id']}"


def full_name(pupil: dict[str, Any]) -> str:
    """The pupil's first and last names (their id when the register has neither)."""
    names = [pupil.get("first_name"), pupil.get("last_name")]
    return " ".join(n for n in names if n) or f"pupil {pupil['pupil_id']}"


def sentence_list(parts: list[str]) -> str:
    """A, b and c: the start of a sentence."""
    text = and_list(parts) if parts else ""
    return text[:1].upper() + text[1:]


def on_a_photo(mention: dict[str, Any]) -> bool:
    """Whether a mention of the pupil is their name read on a photo (OCR), not in the words."""
    return str(mention["where"]).startswith(WRITTEN_ON_A_PHOTO)


def last_held(history: list[dict[str, Any]]) -> dict[str, Any]:
    """The pupil's row as the register last held it (their consent history's last state),
    or nothing."""
    held = [h["state"] for h in history if h.get("state")]
    return held[-1] if held else {}
