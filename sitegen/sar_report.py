"""A Subject Access Request report a school can send: a covering note, the consent record, and
each post that shows or names the pupil with what it says, its photos and where it went. The
words are laid out once, as a list of blocks, which sar_format.py writes as Markdown or as a
self-contained web page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Union

from sitegen.config import Config
from sitegen.sar_letter import covering_note
from sitegen.sar_words import (
    NAME_CONSENT_WORDS,
    NAME_IN_POSTS,
    capital,
    count_of,
    earlier_version,
    first_name,
    full_name,
    last_held,
    long_date,
    on_a_photo,
    photo_places,
    photos_there,
    platform_label,
    platform_name,
    sentence_list,
)


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class Para:
    text: str
    label: str = ""  # shown in bold before the text


@dataclass(frozen=True)
class Items:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Quote:
    label: str
    text: str  # paragraphs separated by blank lines


@dataclass(frozen=True)
class Photo:
    sha256: str
    number: int
    alt: str
    caption: str
    note: str
    held: bool = True  # False: the school no longer holds the file (no copy can be shown)


Block = Union[Heading, Para, Items, Table, Quote, Photo]  # noqa: UP007 - a runtime alias


def report_blocks(data: dict[str, Any], config: Config) -> list[Block]:
    pupil = data["pupil"]
    who = full_name(pupil)
    blocks: list[Block] = [
        Heading(1, f"Subject Access Request: {who}"),
        Para(
            f"From the news records of {data['school']['title']}, "
            f"prepared on {long_date(data['prepared_on'])}."
        ),
        Heading(2, "A note for the family"),
        *(Para(text) for text in covering_note(data, config)),
        Heading(2, capital(f"{first_name(pupil)}'s consent record")),
        *_consent_blocks(pupil, data, config),
        Heading(2, f"News posts that show or name {first_name(pupil)} ({len(data['posts'])})"),
    ]
    if not data["posts"]:
        blocks.append(Para(f"No news post shows, tags or names {first_name(pupil)}."))
    for number, post in enumerate(data["posts"], start=1):
        blocks += _post_blocks(number, post, data, config)
    edited = [p for p in data["publications"] if p.get("post_edited")]
    if edited:
        blocks += [
            Heading(2, f"Posts that showed {first_name(pupil)} before they were edited"),
            Para(
                f"These posts are still in the news system, but since an edit they no longer "
                f"show, tag or name {first_name(pupil)}. This is where they went while they did."
            ),
            Items(tuple(earlier_version(p, first_name(pupil)) for p in edited)),
        ]
    deleted = [p for p in data["publications"] if p["post_deleted"]]
    if deleted:
        blocks += [
            Heading(2, "Posts published earlier and since deleted"),
            Para(
                "These posts are no longer in the news system; the school's record of what "
                f"went where is all it still holds of {first_name(pupil)} in them."
            ),
            Items(tuple(earlier_version(p, first_name(pupil)) for p in deleted)),
        ]
    blocks += list(_earlier_photo_blocks(data["publications"], first_name(pupil)))
    blocks += list(_earlier_words_blocks(data.get("earlier_words") or [], first_name(pupil)))
    blocks += [
        Heading(2, "About this report"),
        Para(
            "Other children's names are replaced by “[another pupil]”. The photos are small "
            "copies made the way the website publishes photos: hidden data such as the camera "
            "and the place where a photo was taken is removed, and the faces of everyone else "
            "the school has listed on a photo are covered. The report holds personal data: "
            "please keep it safe."
        ),
    ]
    return blocks


def _consent_blocks(pupil: dict[str, Any], data: dict[str, Any], config: Config) -> list[Block]:
    if pupil["consent"] is None:
        return _left_the_register(pupil, config)
    consent, today = pupil["consent"], data["prepared_on"]
    withdrawn, until = pupil.get("withdrawn_on"), pupil.get("consent_until")
    # After a withdrawal, or the end of the period it was given for, every consent is a no:
    # the table says so beside what was given, so that no "yes" reads as still standing.
    ended = min((d for d in (withdrawn, until) if d and d <= today), default=None)
    rows = [
        (capital(platform_label(p, config)), "yes" if v else "no")
        for p, v in consent.items()
        if p != "name"
    ]
    rows.append(("Their name in posts", NAME_CONSENT_WORDS.get(consent["name"], consent["name"])))
    header: tuple[str, ...] = ("Where", "Consent given")
    if ended:
        header += (f"From {long_date(ended)}",)
        rows = [(*row, "no") for row in rows]
    blocks: list[Block] = [
        Table(
            ("", ""),
            (
                ("Name", full_name(pupil)),
                ("Class", pupil["class"] or "not recorded"),
                ("School reference", pupil["pupil_id"]),
            ),
        ),
        Table(header, tuple(rows)),
    ]
    if withdrawn:
        tense = "was" if withdrawn <= today else "is to be"
        blocks.append(
            Para(
                f"Consent {tense} withdrawn on {long_date(withdrawn)}: from that date every "
                "consent above counts as no."
            )
        )
    if until and not (withdrawn and withdrawn <= today):  # (a withdrawal ends it already)
        blocks.append(
            Para(
                f"Consent was given for a period, which ended on {long_date(until)}: "
                "from that date every consent above counts as no, until it is renewed."
                if until <= today
                else f"Consent was given for a period: it ends on {long_date(until)}, "
                "unless it is renewed."
            )
        )
    return blocks + _where_consent_came_from(pupil, config)


def _left_the_register(pupil: dict[str, Any], config: Config) -> list[Block]:
    """A pupil no longer in the register: what it held of them, while it did."""
    blocks: list[Block] = [Para(f"{pupil['pupil_id']} is {pupil['note']}.")]
    held = last_held(pupil.get("history") or [])
    if held.get("consent_given_on") or held.get("given_by"):
        when, by = held.get("consent_given_on"), held.get("given_by")
        blocks.append(
            Para(
                "When the register last held them, it recorded consent as given"
                + (f" on {long_date(when)}" if when else "")
                + (f" by {by}" if by else "")
                + "."
            )
        )
    if changes := _history_lines(pupil.get("history") or [], config):
        blocks += [
            Para("What the register held, as the news system found it:"),
            Items(tuple(changes)),
        ]
    return blocks


def _where_consent_came_from(pupil: dict[str, Any], config: Config) -> list[Block]:
    """When and by whom the register says consent was given, and how it changed since."""
    given_on, given_by = pupil.get("consent_given_on"), pupil.get("given_by")
    if given_on or given_by:
        when = f" on {long_date(given_on)}" if given_on else ""
        by = f" by {given_by}" if given_by else ""
        blocks: list[Block] = [Para(f"Consent recorded{when}{by}.")]
    else:
        blocks = [Para("The register does not record when or by whom consent was given.")]
    if changes := _history_lines(pupil.get("history") or [], config):
        blocks += [
            Para(
                f"How {first_name(pupil)}'s consent record changed, as the news system found the "
                "register each time it published (its first line is when the news system first "
                "read the register, not when consent was given):"
            ),
            Items(tuple(changes)),
        ]
    return blocks


def _history_lines(history: list[dict[str, Any]], config: Config) -> list[str]:
    """Each change of the pupil's consent record, dated (the first entry: when it was first
    found). A change of safeguarding is for the data protection lead, never the letter."""
    lines = []
    previous: dict[str, Any] | None = None
    for number, entry in enumerate(history):
        when, state = long_date(entry["at"]), entry["state"]
        if state is None:
            lines.append(f"{when}: taken out of the register")
        elif previous is None:
            found = "as first read in" if number == 0 else "back in"
            lines.append(f"{when}: {found} the register: {_state_words(state, config)}")
        else:
            changes = entry["changes"]
            words = [_change_words(what, was, now, config) for what, was, now in changes]
            asked = _asked(state, changes)
            if said := [w for w in words if w]:
                told = f" (the register records it as given {asked})" if asked else ""
                lines.append(f"{when}: {'; '.join(said)}{told}")
            elif asked:
                lines.append(f"{when}: the register records the consent as given {asked}")
        previous = state
    return lines


def _state_words(state: dict[str, Any], config: Config) -> str:
    """A row of the register in words: each platform, the name, and any end to consent."""
    order = {p: i for i, p in enumerate(config.platforms)}
    consent = sorted(state["consent"].items(), key=lambda pv: order.get(pv[0], len(order)))
    words = ", ".join(f"{platform_name(p)} {'yes' if v else 'no'}" for p, v in consent)
    words += f"; their name: {NAME_IN_POSTS.get(state['name'], state['name'])}"
    if state.get("withdrawn_on"):
        words += f"; withdrawn from {long_date(state['withdrawn_on'])}"
    if state.get("consent_until"):
        words += f"; given until {long_date(state['consent_until'])}"
    return words


def _asked(state: dict[str, Any], changes: list[Any]) -> str:
    """When and by whom the register says the consent of this change was given ("on 5
    December 2026 by father"), where the school wrote it with the change (consent_given_on,
    given_by): who asked and when, not only when the news system found the change."""
    if not {what for what, _, _ in changes} & {"consent_given_on", "given_by"}:
        return ""
    changed = {what for what, _, _ in changes}  # (only what was written with the change)
    day = state.get("consent_given_on") if "consent_given_on" in changed else None
    who = state.get("given_by") if "given_by" in changed else None
    return " ".join(part for part in (day and f"on {long_date(day)}", who and f"by {who}") if part)


def _change_words(what: str, was: Any, now: Any, config: Config) -> str:
    def yes(value: Any) -> str:
        return "yes" if value else "no"

    if what == "name":
        was, now = (NAME_IN_POSTS.get(v or "no", v) for v in (was, now))
        return f"their name in posts changed from {was} to {now}"
    if what == "withdrawn_on":
        return f"withdrawal recorded, from {long_date(now)}" if now else "withdrawal removed"
    if what == "consent_until":
        return f"consent given until {long_date(now)}" if now else "no end date any more"
    if what in ("consent_given_on", "given_by", "safeguarding"):  # (see `_asked`)
        return ""
    return f"{capital(platform_label(what, config))} changed from {yes(was)} to {yes(now)}"


def _post_blocks(
    number: int, post: dict[str, Any], data: dict[str, Any], config: Config
) -> Iterator[Block]:
    """One post: why it is in the report, where and when it went, what its words say about
    the pupil, the pupil's photos in it, and its words as written."""
    first = first_name(data["pupil"])
    dated = f"dated {long_date(post['date'])}" if post["date"] else "without a date"
    yield Heading(3, f"{number}. {post['title']}")
    yield Para(f"A post {dated}: {post['status_words']}.")
    yield Para(_why_it_is_here(post, first), label="Why it is here:")
    yield from _where_it_went(post, data["publications"], first)
    yield from _what_it_says(post, first)
    yield from _photo_blocks(post, first)
    yield from _words_as_written(post)


def _why_it_is_here(post: dict[str, Any], first: str) -> str:
    reasons = []
    if post["photos"]:
        reasons.append(f"{first} is in {count_of(len(post['photos']), 'photo')}")
    if post["tagged"]:
        reasons.append(f"the school marked {first} as being in it")
    words, on_photos = _mentions_by_kind(post)
    if words:
        reasons.append(f"its words name {first}")
    if on_photos:
        reasons.append(f"{first}'s name is written on {count_of(len(on_photos), 'photo')} in it")
    if not words and post["named"]:
        reasons.append(f"it is marked as naming {first}")
    return sentence_list(reasons) + "."


def _where_it_went(
    post: dict[str, Any], publications: list[dict[str, Any]], first: str
) -> Iterator[Block]:
    went = [p for p in publications if p["slug"] == post["slug"]]
    numbers = {photo["sha256"]: n for n, photo in enumerate(post["photos"], start=1)}
    yield Heading(4, "Where and when it went")
    if went:
        items = []
        for pub in went:
            line = f"{pub['summary']} {photos_there(pub, numbers, first)}"
            if pub["url"]:
                # (a version still to come off the website is there until then)
                there = pub["ended"] is None or pub.get("pending_removal")
                now = "Its address" if there else "Its address was"
                line += f" {now}: {pub['url']}"
            items.append(line)
        yield Items(tuple(items))
    else:
        yield Para("Nowhere: it was never put on the website or exported.")


def _mentions_by_kind(post: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """The post's mentions of the pupil: in its words, and written on its photos (OCR)."""
    on_photos = [m for m in post["mentions"] if on_a_photo(m)]
    return [m for m in post["mentions"] if m not in on_photos], on_photos


def _what_it_says(post: dict[str, Any], first: str) -> Iterator[Block]:
    yield Heading(4, f"What its words say about {first}")
    words, on_photos = _mentions_by_kind(post)
    if words:
        yield Items(tuple(f"In {m['where']}: “{m['excerpt']}”" for m in words))
    else:
        yield Para(f"Its words do not name {first}.")
    if on_photos:
        yield Items(tuple(f"{first}'s name is {m['where']}." for m in on_photos))


def _photo_blocks(post: dict[str, Any], first: str) -> Iterator[Block]:
    if post["photos"]:
        yield Heading(4, f"Photos of {first}")
        for index, photo in enumerate(post["photos"], start=1):
            note = photo_places(photo, first)
            if not photo["held"]:
                note += " Its file is not in the post's folder, so there is no copy of it here."
            # (a photo of a post now that cannot be read is not one the school no longer
            # holds: its file may be missing, a link, or too large to copy)
            yield Photo(photo["sha256"], index, photo["alt"], photo["caption"], note)


def _earlier_photo_blocks(publications: list[dict[str, Any]], first: str) -> Iterator[Block]:
    """The pupil's photos that went out with earlier versions of posts, which no post shows
    now: copies of those the school still holds."""
    held = [(pub, photo) for pub in publications for photo in pub.get("held_photos") or ()]
    if not held:
        return
    yield Heading(2, f"Photos of {first} from earlier versions of posts")
    files = {photo["sha256"]: photo["held"] for _, photo in held}
    kept = sum(files.values())
    still = (
        "The school still holds them."
        if kept == len(files)
        else "The school no longer holds "
        + ("them" if not kept else f"{len(files) - kept} of them")
        + ": of those, this record of where they went is all it holds."
    )
    yield Para(
        f"These photos of {first} were in a version of a post that went on the school "
        "website or was made ready for a social media page; the post has been edited or "
        f"deleted since, and no post shows them now. {still}"
    )
    by_photo: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {}
    for pub, photo in held:  # (one photo, told once with every version it went with)
        by_photo.setdefault(photo["sha256"], []).append((pub, photo))
    for number, went in enumerate(by_photo.values(), start=1):
        pub, photo = went[0]
        note = f"It went with “{pub['title']}”: " + " ".join(p["summary"] for p, _ in went)
        if not photo["held"]:
            note += " The photo file itself is no longer in the news system."
        alt = f"the photo file {photo['file']}"
        yield Photo(photo["sha256"], number, alt, "", note, photo["held"])


def _earlier_words_blocks(versions: list[dict[str, Any]], first: str) -> Iterator[Block]:
    """The words of earlier versions of posts that named the pupil, which the school still
    holds though the posts no longer say them."""
    if not versions:
        return
    yield Heading(2, f"What earlier versions of posts said about {first}")
    yield Para(
        f"These versions of posts went out with words that name {first}. The posts have been "
        "edited since and no longer say this, but the school still holds these words."
    )
    for version in versions:
        yield Para(f"“{version['title']}”: " + " ".join(version["went"]))
        yield Items(tuple(f"In {m['where']}: “{m['excerpt']}”" for m in version["mentions"]))


def _words_as_written(post: dict[str, Any]) -> Iterator[Block]:
    if (published := post.get("text_published")) is not None:
        went = bool(post.get("published_on"))
        yield Heading(
            4,
            "The post's words, as published"
            if went
            else "The post's words, as approved (not published)",
        )
        yield from _words(published, post)
        yield Heading(4, "The words of its edit, waiting for approval (not published)")
    else:
        yield Heading(4, "The post's words, as written")
    yield from _words(post["text"], post)


def _words(text: dict[str, Any], post: dict[str, Any]) -> Iterator[Block]:
    yield Quote("Title", text["title"])
    if text["summary"]:
        yield Quote("Summary", text["summary"])
    yield Quote("Text", text["body"])
    own = iter(range(1, len(post["photos"]) + 1))
    for image in text["images"]:
        # (the post's own list of photos: the pupil's are numbered as above, in the same order)
        which = f"photo {next(own, '?')}" if image["file"] in post["images"] else "another photo"
        yield Quote(f"Description of {which}", image["alt"])
        if image["caption"]:
            yield Quote(f"Caption of {which}", image["caption"])
