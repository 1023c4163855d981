"""Where a post's words name the pupil, for a Subject Access Request: in each post now, and in
the earlier versions that went out and were edited since (their words are personal data the
school still holds, in content/records/approved/, until `records prune`)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sitegen.markup import every_published_word
from sitegen.model import Post, Pupil
from sitegen.policy.fields import AS_PUBLISHED, text_fields, written_in
from sitegen.register import lookup
from sitegen.revisions import approved_version
from sitegen.sar_words import WRITTEN_ON_A_PHOTO, where_words
from sitegen.text import fold_id, fold_markup

if TYPE_CHECKING:
    from sitegen.sar import Redactor
    from sitegen.site import Site


def earlier_words(
    site: Site,
    publications: list[dict[str, Any]],
    now: dict[str, list[Post]],
    pupil: Pupil | None,
    clean: Redactor,
) -> list[dict[str, Any]]:
    """Each earlier version of a post that went out showing the pupil and whose words name
    them in ways no version there now does (`now`: each post's versions, by slug), while the
    school still keeps it: what it said that is said no more, and where it went."""
    if pupil is None:
        return []
    found: dict[tuple[str, str], dict[str, Any]] = {}
    passed: set[tuple[str, str]] = set()  # (versions read and not told)
    said_now: dict[str, set[tuple[str, str]]] = {}  # (where, excerpt) of a post's now, by slug
    for pub in publications:
        slug, digest = pub["where"][0], pub.get("digest")
        if not isinstance(digest, str) or (slug, digest) in passed:
            continue
        if (slug, digest) in found:
            found[(slug, digest)]["went"].append(pub["summary"])
            continue
        passed.add((slug, digest))
        post = approved_version(site.root, slug, digest, site.config.tz, site.config.language)
        if post is None:
            continue
        if slug not in said_now:
            said_now[slug] = {
                (m["where"], m["excerpt"])
                for version in now.get(slug, ())
                for m in mentions_of(site, version, pupil, clean, {})
            }
        # (every place it named them, a caption or a photo's description too, but those the
        # post still says: told with the post)
        said = [
            m
            for m in mentions_of(site, post, pupil, clean, {})
            if (m["where"], m["excerpt"]) not in said_now[slug]
        ]
        if said:
            passed.discard((slug, digest))
            found[(slug, digest)] = {
                "slug": clean(slug),
                "title": clean(post.title, post.lang == "cy"),
                "went": [pub["summary"]],
                "mentions": said,
            }
    return list(found.values())


def mentions_of(
    site: Site, post: Post, pupil: Pupil, clean: Redactor, written: dict[str, list[Pupil]]
) -> list[dict[str, Any]]:
    """Where the post's words name the pupil, by SG114's detection: their full name anywhere,
    their first name when they are tagged (and its mutations in a Welsh post), and any name
    the photos show (read by OCR, when the site checks photos for names)."""
    index = site.context.names
    assert index is not None
    tagged = [p for pid in post.pupils if (p := lookup(site.register, pid)) is not None]
    welsh = post.lang == "cy"
    found: dict[tuple[str, str], dict[str, Any]] = {}
    as_written: set[tuple[str, bool]] = set()  # (field, full name): told as staff wrote it
    for label, text, _line in text_fields(post):
        if label == "body":  # (the words as readers have them, each sentence once)
            text = every_published_word(post.body)
        if not text or label == "body" + AS_PUBLISHED:
            continue  # (the body is read whole, as published, above)
        for m in index.find(fold_markup(text, False), tagged, welsh):
            if fold_id(m.pupil.pupil_id) != fold_id(pupil.pupil_id):
                continue
            if m.mutation and m.full and m.another_name and not welsh and not pupil.safeguarding:
                continue  # (an English post's "Emma Jones" is not Gemma's: as check says)
            if label.endswith(AS_PUBLISHED) and (written_in(label), m.full) in as_written:
                continue  # (the same name, told where it is written)
            as_written.add((written_in(label), m.full))
            excerpt = clean(" ".join(_sentence(text, m.start, m.end).split()), welsh)
            mention = {"where": where_words(label), "full_name": m.full, "excerpt": excerpt}
            found.setdefault((mention["where"], excerpt), mention)
    for file, pupils in written.items():
        if any(fold_id(p.pupil_id) == fold_id(pupil.pupil_id) for p in pupils):
            where = f"{WRITTEN_ON_A_PHOTO} ({clean(file, welsh)})"
            found.setdefault((where, ""), {"where": where, "full_name": None, "excerpt": None})
    return list(found.values())


SENTENCE_END = re.compile(r"[.!?](?=\s)|\n\s*\n")


def _sentence(text: str, start: int, end: int, limit: int = 240) -> str:
    """The sentence around text[start:end], cut to about `limit` characters around it."""
    ends_before = [m.end() for m in SENTENCE_END.finditer(text, 0, start)]
    sentence_start = ends_before[-1] if ends_before else 0
    after = SENTENCE_END.search(text, end)
    sentence_end = after.end() if after else len(text)
    begin = max(sentence_start, start - limit // 2)
    finish = min(sentence_end, end + limit // 2)
    prefix = "…" if begin > sentence_start else ""
    suffix = "…" if finish < sentence_end else ""
    return f"{prefix}{text[begin:finish].strip()}{suffix}"
