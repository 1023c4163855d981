"""The letter that opens a Subject Access Request report: what the school holds, where the
posts went, what became of them since a consent stopped, and how to withdraw or renew."""

from __future__ import annotations

from typing import Any

from sitegen.config import Config
from sitegen.sar_words import (
    and_list,
    capital,
    count_of,
    first_name,
    full_name,
    long_date,
    platform_name,
    sentence_list,
)


def covering_note(data: dict[str, Any], config: Config) -> list[str]:
    """The letter's paragraphs: what the school holds, what went where, how to withdraw."""
    return [
        *_what_the_school_holds(data),
        *_where_posts_went(data["posts"], data["publications"]),
        *_withdrawal_and_contact(data),
    ]


def _what_the_school_holds(data: dict[str, Any]) -> list[str]:
    """The greeting, what the report answers, and how many posts and photos it holds."""
    pupil, school, posts = data["pupil"], data["school"], data["posts"]
    first, who = first_name(pupil), full_name(pupil)
    photos = sum(len(p["photos"]) for p in posts)
    paragraphs = [
        "Dear parent or carer,",
        f"This report answers your request for the personal data about {who} held in the "
        f"news records of {school['title']}: the system the school uses to publish news on "
        "its website and to prepare posts for its social media pages.",
    ]
    if pupil["consent"] is None:
        note = str(pupil.get("note") or "not in the consent register").replace(
            "the consent register", "the school's consent register"
        )
        still = (
            "; the posts and records below still mention them"
            if posts or data["publications"]
            else ""
        )
        paragraphs.append(f"{capital(who)} is {note}{still}.")
    record = f"{first}'s consent record and " if pupil["consent"] is not None else ""
    if posts:
        verbs = "shows, tags or names" if len(posts) == 1 else "show, tag or name"
        paragraphs.append(
            f"The school holds {record}{count_of(len(posts), 'news post')} "
            f"that {verbs} {first}, "
            + (
                f"with {count_of(photos, 'photo')} of {first}. "
                if photos
                else f"with no photo of {first}. "
            )
            + "Each post is shown below with what its words say about "
            f"{first}, its photos of {first}, and where and when it went."
        )
    else:
        held = f"The school holds {first}'s consent record; n" if record else "N"
        earlier = {
            p["slug"] for p in data["publications"] if p.get("post_deleted") or p.get("post_edited")
        }
        since = (
            f" now; its records of where posts went show {count_of(len(earlier), 'earlier post')} "
            f"that did, deleted or edited since, listed below"
            if earlier
            else ""
        )
        paragraphs.append(f"{held}o news post shows, tags or names {first}{since}.")
    return [*paragraphs, *_earlier_photos(data, first)]


def _earlier_photos(data: dict[str, Any], first: str) -> list[str]:
    """The photos from earlier versions of posts: those held, and those only recorded."""
    earlier = {
        h["sha256"]: h["held"] for p in data["publications"] for h in p.get("held_photos") or ()
    }
    paragraphs: list[str] = []
    if kept := sum(earlier.values()):
        paragraphs.append(
            f"It also holds {count_of(kept, 'photo')} of {first} from earlier "
            "versions of posts, since edited or deleted: they are shown at the end."
        )
    if said := len(data.get("earlier_words") or ()):
        paragraphs.append(
            f"Earlier versions of {count_of(said, 'post')} that went out named {first} in "
            "words the posts no longer say: the school still holds those words, quoted at the "
            "end."
        )
    if gone := len(earlier) - kept:
        paragraphs.append(
            f"Its records also tell of {count_of(gone, 'photo')} of {first} from earlier "
            "versions of posts that it no longer holds: where they went is told at the end."
        )
    return paragraphs


def _where_posts_went(posts: list[dict[str, Any]], pubs: list[dict[str, Any]]) -> list[str]:
    """How many posts went on the website, how many were exported for each platform, and
    how many never went anywhere."""
    website = {p["slug"] for p in pubs if p["kind"] == "website"}
    exported: dict[str, set[str]] = {}
    for pub in pubs:
        if pub["kind"] != "website":
            exported.setdefault(pub["platform"], set()).add(pub["slug"])
    went = []
    if website:
        went.append(f"{count_of(len(website), 'post')} went on the school website.")
    by_count: dict[int, list[str]] = {}  # "2 were exported for Facebook and Instagram"
    for platform, slugs in exported.items():
        by_count.setdefault(len(slugs), []).append(platform_name(platform))
    if by_count:
        counted = [
            f"{count_of(n, 'post')} {'was' if n == 1 else 'were'} exported for {and_list(names)}"
            if i == 0
            else f"{n} for {and_list(names)}"
            for i, (n, names) in enumerate(by_count.items())
        ]
        went.append(
            sentence_list(counted)
            + ". “Exported” means the news system prepared the post for a member of staff to "
            "put on that page by hand; the report says “posted” where the school recorded "
            "doing so."
        )
    paragraphs = [" ".join(went)] if went else []
    never = [p for p in posts if not p["published_on"]]
    if never:
        paragraphs.append(f"{count_of(len(never), 'post')} never went anywhere.")
    return paragraphs


CAME_DOWN = (
    "taken_down",
    "off_live_site",
    "republished",
    "replaced_posted",
    "replaced_on_live_site",
    "photos_taken_down",
)


def _since_then(data: dict[str, Any], day: str) -> str:
    """What became of the pupil's posts since their consent stopped on `day`: what is still to
    be taken down, or when the last copy came down, by the school's records."""
    first = first_name(data["pupil"])
    still = [p for p in data["publications"] if p.get("pending_removal")]
    if still:
        posts = len({p["slug"] for p in still})
        places = f" (from {len(still)} places)" if len(still) > posts else ""
        return (
            f"Since then no new post shows {first}, but {count_of(posts, 'post')} made before "
            f"{'is' if posts == 1 else 'are'} still to be taken down{places}, as marked below."
        )
    # (each copy that showed them ended: taken down, off the live site, replaced by a version
    # without them, or its photo of them taken down)
    came_down = [
        str(e["at"])
        for p in data["publications"]
        for e in [p.get("ended") or {}, *p["events"]]
        if e.get("event") in CAME_DOWN and str(e["at"])[:10] > day
    ]
    if came_down:
        return (
            f"Since then no new post shows {first}; the last copy that went out before came "
            f"down on {long_date(max(came_down))}, and the school's records show none "
            "still out there."
        )
    return f"Since then no post shows {first}."


def _withdrawal_and_contact(data: dict[str, Any]) -> list[str]:
    """A withdrawal already recorded, how to withdraw or change consent, whom to ask, and the
    school's name to sign off."""
    pupil, school = data["pupil"], data["school"]
    first = first_name(pupil)
    email = school.get("contact_email")
    write_to = f"writing to the school at {email}" if email else "contacting the school office"
    contact = email or "the school office"
    paragraphs: list[str] = []
    withdrawn, until = pupil.get("withdrawn_on"), pupil.get("consent_until")
    today = data["prepared_on"]
    if withdrawn and withdrawn <= today:
        since = _since_then(data, withdrawn)
        paragraphs.append(f"Consent for {first} was withdrawn from {long_date(withdrawn)}. {since}")
    elif until and until <= today:  # (ended already: a withdrawal to come changes nothing)
        paragraphs.append(
            f"Consent for {first} was given until {long_date(until)}, and has ended. "
            f"{_since_then(data, until)} To renew it, "
            + (f"write to the school at {email}." if email else "contact the school office.")
        )
    elif withdrawn:
        paragraphs.append(
            f"Consent for {first} is withdrawn from {long_date(withdrawn)}: from that day no "
            f"post shows {first}, and what went out before is taken down."
        )
    return [
        *paragraphs,
        f"You can withdraw or change consent at any time, for one place or for all of them, "
        f"by {write_to}. From the date the school records it, no new "
        f"post shows {first}; posts already on the website come off it at its next update, "
        "and staff take down what was posted on social media pages.",
        f"If anything here is unclear, or you think something is missing, contact {contact}."
        + (f" The school's website: {school['school_url']}" if school.get("school_url") else ""),
        f"{school['title']}",
    ]
