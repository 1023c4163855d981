"""Subject Access Requests: everything the news records hold about one pupil, gathered from the
posts, the consent register and the publications ledger, with every other child's name and id
taken out. This module gathers and decides; sar_report.py lays the report out for the family,
sar_format.py writes it as Markdown or a web page, sar_files.py does the rest of the I/O."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sitegen import records
from sitegen.approval import image_hash
from sitegen.config import Config
from sitegen.consent_history import history_of
from sitegen.dpo import Takedown
from sitegen.errors import UsageError
from sitegen.faces import Box
from sitegen.gate import Decision
from sitegen.markup import plain_text
from sitegen.model import ImageRef, Post, Pupil, Register
from sitegen.policy.images import resolve_image
from sitegen.policy.names import NameIndex
from sitegen.register import lookup
from sitegen.sar_ledger import has, where_it_went
from sitegen.sar_mentions import earlier_words, mentions_of
from sitegen.sar_photos import (
    HeldCopies,
    add_where_it_went,
    cover_others,
    held_from_earlier_versions,
)
from sitegen.sar_status import PostStatus, held_back_by_naming
from sitegen.sar_words import (
    last_held,
    long_date,
    on_a_photo,
)
from sitegen.site import Site
from sitegen.text import fold_id, fold_markup, literal_trie

ANOTHER_PUPIL = "[another pupil]"
# Register columns that say where a consent came from: shown when the register has them.


@dataclass(frozen=True)
class SubjectAccess:
    """The report's data (what `sar --json` prints), and where each photo of the pupil can be
    read to make a scrubbed copy (the originals carry camera and location data: never shown)."""

    data: dict[str, Any]
    photo_sources: dict[str, Path] = field(default_factory=dict)  # sha256 -> original file
    # The faces each copy covers, by sha256: every face its `faces` list says is not the
    # pupil's (another child's, an adult's): the report is theirs alone.
    photo_covers: dict[str, tuple[Box, ...]] = field(default_factory=dict)
    # For the data protection lead before sending (never in the report): what a redaction of
    # words cannot take out, such as another child's name written on a photo.
    notes: list[str] = field(default_factory=list)


class Redactor:
    """Takes every other pupil out of a text: their full names and first names (SG114's
    detection, Welsh mutations in Welsh texts) and their pupil ids, each as "[another pupil]".
    First names of the whole register go, not only those tagged on the post: an untagged
    child named in a draft is still another child."""

    def __init__(
        self, register: Register, index: NameIndex, subject: Pupil | None, subject_id: str
    ):
        self.index = index
        self.subject = subject
        self.key = key = fold_id(subject_id)
        self.others = [p for p in register.pupils.values() if fold_id(p.pupil_id) != key]
        other_ids = [fold_id(p.pupil_id) for p in self.others]
        self.ids = re.compile(rf"(?<!\w)(?:{literal_trie(other_ids)})(?!\w)") if other_ids else None

    def __call__(self, text: str | None, welsh: bool = False) -> str:
        if not text:
            return text or ""
        folded = fold_markup(text, markup=False)
        mine = [self.subject] if self.subject else []
        found = self.index.find(folded, [*self.others, *mine], welsh)
        own = {(m.start, m.end) for m in found if fold_id(m.pupil.pupil_id) == self.key}
        spans = {(m.start, m.end) for m in found} - own
        if self.ids is not None:
            for m in self.ids.finditer(folded.text):
                start = folded.source_offset(m.start())
                spans.add((start, folded.source_offset(m.end() - 1) + 1))
        pieces, position = [], 0
        for start, end in sorted(spans):
            if start < position:  # overlapping a name already replaced
                continue
            pieces += [text[position:start], ANOTHER_PUPIL]
            position = end
        return "".join([*pieces, text[position:]])


def subject_access(
    site: Site,
    pupil_id: str,
    decided: list[Decision],
    pending: list[Takedown],
    live: dict[str, Post] | None = None,
    deleted: Sequence[Post] = (),
    live_approved: set[str] | None = None,
) -> SubjectAccess:
    """Everything about one pupil: their consent record, every post that shows, tags or names
    them (any status; `live`: each post as a build publishes it, whose approved version may
    show them where an edit since does not; `deleted`: the approved copies the school keeps
    of posts deleted since; `live_approved`: the edited posts whose approved version a build
    publishes), and every publication and export of those posts from the ledger."""
    config, register = site.config, site.register
    pupil = lookup(register, pupil_id)
    assert site.context.names is not None
    clean = Redactor(register, site.context.names, pupil, pupil_id)
    key = fold_id(pupil_id)
    today = site.context.today
    statuses = PostStatus.of(decided, pupil, key, today, live_approved)
    withdrawn_own = pupil is not None and (pupil.is_withdrawn(today) or pupil.has_expired(today))
    ledger = records.read_ledger(site.root)
    publications = where_it_went(ledger, key, clean, config, pending, withdrawn_own)
    sources: dict[str, Path] = {}
    covers: dict[str, tuple[Box, ...]] = {}
    notes: list[str] = []
    full_name_in = _full_name_in(site, key)
    posts: list[dict[str, Any]] = []
    showing: set[str] = set()
    gone = {post.slug for post in deleted}
    for post in sorted([*site.posts, *deleted], key=lambda p: (p.date is None, p.date, p.slug)):
        versions = [v for v in (post, (live or {}).get(post.slug)) if v and v.meta is not None]
        entry = _post_entry(site, versions, pupil, key, clean, sources, notes, full_name_in)
        if entry is None:
            continue
        cover_others(site, versions, entry, key, covers, notes)
        add_where_it_went(entry, post.slug, publications, config, notes)
        statuses.tell(entry, post.slug, post.status, deleted=post.slug in gone)
        posts.append(entry)
        showing.add(post.slug)
    history = _history(site, pupil_id)  # (a pupil who left the register: what it held)
    if pupil is None and not posts and not publications and not history:
        raise UsageError(f"{pupil_id} is not in the consent register, any post or the ledger")
    held = HeldCopies(sources, covers, notes)
    held_from_earlier_versions(site, publications, posts, ledger, held, key)
    now = {p.slug: [v for v in (p, (live or {}).get(p.slug)) if v] for p in [*site.posts, *deleted]}
    earlier = earlier_words(site, publications, now, pupil, clean)
    _mark_posts_gone(publications, {post.slug for post in site.posts}, showing, gone)
    held_back_by_naming(publications, statuses, config)
    _lead_notes(register, pupil, notes, history)
    data = {
        "pupil": record_of(pupil, pupil_id, config, today, history) | {"history": history},
        "school": {k: getattr(config, k) for k in ("title", "contact_email", "school_url")},
        "prepared_on": today.isoformat(),
        "posts": posts,
        "publications": publications,
        "earlier_words": earlier,
    }
    return SubjectAccess(data, sources, notes=notes, photo_covers=covers)


def _mark_posts_gone(
    publications: list[dict[str, Any]], held: set[str], showing: set[str], kept: set[str]
) -> None:
    """Each publication's post: deleted since (and not told of among the posts, as the copy
    kept of it is: `kept`), or still there but no longer showing them."""
    for pub in publications:
        slug = pub.pop("where")[0]
        pub["post_deleted"] = slug not in held and not (slug in kept and slug in showing)
        pub["post_edited"] = slug in held and slug not in showing


def _full_name_in(site: Site, key: str) -> set[str]:
    """The posts whose words hold the pupil's full name (SG114 finds it, tagged or not): found
    once per build of the check, so only these are scanned again for the report."""
    return {
        a.post.slug
        for a in site.analyses
        if any(h.full and fold_id(h.pupil_id) == key for h in a.names)
    }


def _lead_notes(
    register: Register, pupil: Pupil | None, notes: list[str], history: list[dict[str, Any]]
) -> None:
    """The notes for the data protection lead that concern the whole report."""
    if not register.valid:  # (a row it could not read may be this pupil's)
        notes.insert(0, _invalid_register_note(register))
    # (a pupil who left the register: as the register last held them)
    guarded = pupil.safeguarding if pupil else bool(last_held(history).get("safeguarding"))
    if guarded:
        # (the flag is in --json for the data protection lead; the letter never says it)
        who = pupil.pupil_id if pupil is not None else "This pupil"
        notes.append(
            f"{who} is under safeguarding: before sending this, check who is asking "
            "and that they may receive it (a court order may bar them); never send the "
            "--json form, which says so"
        )


def _not_in_register(history: list[dict[str, Any]]) -> str:
    """Why a pupil is not in the register, as far as its history says."""
    if history and history[-1].get("state") is None:
        return f"not in the consent register: taken out of it on {long_date(history[-1]['at'])}"
    return "not in the consent register (removed, or never added)"


def _invalid_register_note(register: Register) -> str:
    problems = [f"{f.file}:{f.line}: {f.message}" for f in register.findings if f.line]
    return (
        "the consent register is invalid, so the consent record in this report may be wrong "
        f"({'; '.join(problems[:3]) or 'see `sitegen check`'}): fix the register, then make "
        "this report again"
    )


def _post_entry(
    site: Site,
    versions: list[Post],
    pupil: Pupil | None,
    key: str,
    clean: Redactor,
    sources: dict[str, Path],
    notes: list[str],
    full_name_in: set[str],
) -> dict[str, Any] | None:
    """The first version of a post (as staff left it, then as a build publishes it) that
    shows, tags or names the pupil, as the report shows it; None when none does."""
    for post in versions:
        tagged, named = has(post.pupils, key), has(post.named, key)
        # A photo is theirs when it tags them, or when the records put them on its bytes.
        own_images = [
            ref
            for ref in post.images
            if has(ref.pupils, key)
            or (
                isinstance(path := resolve_image(post, ref), Path)
                and has(site.photos.recorded_on(path), key)
            )
        ]
        if tagged or named or own_images or post.slug in full_name_in:
            break
    else:
        return None
    written = _names_on_photos(site, post)
    mentions = mentions_of(site, post, pupil, clean, written) if pupil is not None else []
    welsh = post.lang == "cy"
    guarded = {fold_id(p.pupil_id) for p in site.register.pupils.values() if p.safeguarding}
    photos = _photos(post, own_images, written, key, clean, sources, notes, guarded)
    return {
        "slug": clean(post.slug),
        "title": clean(post.title, welsh),
        "date": post.date.date().isoformat() if post.date else None,
        "status": post.status,
        "tagged": tagged,
        "named": named,  # SPEC's: the front matter lists them in `named`
        # (a name OCR read on a photo is no name in its words: it is on the photo)
        "named_in_text": any(not on_a_photo(m) for m in mentions),
        "named_on_photo": any(on_a_photo(m) for m in mentions),
        "mentions": mentions,
        "images": [clean(ref.file, welsh) for ref in own_images],
        "text": _post_text(post, clean, welsh),
        "text_published": _published_text(post, versions[-1], clean),
        "photos": photos,
    }


def _photos(
    post: Post,
    own_images: list[ImageRef],
    written: dict[str, list[Pupil]],
    key: str,
    clean: Redactor,
    sources: dict[str, Path],
    notes: list[str],
    guarded: set[str],
) -> list[dict[str, Any]]:
    """The pupil's photos in the post, each noted in `sources` when its file is there to
    make a scrubbed copy of; another pupil's name written on one is a note, and so is a
    pupil under safeguarding on one (`guarded`, by folded id)."""
    welsh = post.lang == "cy"
    photos = []
    for number, ref in enumerate(own_images, start=1):
        if any(fold_id(p) in guarded and fold_id(p) != key for p in ref.pupils):
            notes.append(
                f"{post.slug}: the photo {ref.file} also shows a pupil under safeguarding, "
                "who must never be identifiable: leave the photo out of what you send, or "
                "cover them first"
            )
        others = [p for p in written.get(ref.file, []) if fold_id(p.pupil_id) != key]
        if others:
            notes.append(
                f"{post.slug}: the photo {ref.file} shows another pupil's name "
                f"({', '.join(p.pupil_id for p in others)}): cover it before sending"
            )
        path = resolve_image(post, ref)
        sha = image_hash(path) if isinstance(path, Path) else "missing"
        if isinstance(path, Path) and sha.startswith("sha256:"):
            sources[sha] = path
        photos.append(
            {
                "number": number,  # as the report numbers the pupil's photos in the post
                "file": clean(ref.file, welsh),
                "alt": clean(ref.alt, welsh),
                "caption": clean(ref.caption, welsh),
                "sha256": sha,
                "held": sha in sources,
                "others_on_photo": sum(1 for p in ref.pupils if fold_id(str(p)) != key),
            }
        )
    return photos


def _post_text(post: Post, clean: Redactor, welsh: bool) -> dict[str, Any]:
    """The post's words, every other pupil taken out."""
    return {
        "title": clean(post.title, welsh),
        "summary": clean(post.summary, welsh),
        "body": clean(plain_text(post.body), welsh),
        "images": [
            {
                "file": clean(ref.file, welsh),
                "alt": clean(ref.alt, welsh),
                "caption": clean(ref.caption, welsh),
            }
            for ref in post.images
        ],
    }


def _published_text(post: Post, live: Post, clean: Redactor) -> dict[str, Any] | None:
    """The words a build publishes, when they are not `post`'s: an edit waits for approval
    and the approved version is what went out (the family is shown both)."""
    if live is post:
        return None
    published = _post_text(live, clean, live.lang == "cy")
    return published if published != _post_text(post, clean, post.lang == "cy") else None


def _names_on_photos(site: Site, post: Post) -> dict[str, list[Pupil]]:
    """The pupils whose names OCR reads on each of the post's photos, by SG125's rule (the
    words come from the cache that `check` filled)."""
    if not site.photos.tools.ocr or not post.images:
        return {}
    from sitegen.policy.photos import names_in_words
    from sitegen.vision import read_words

    tagged = [p for pid in post.pupils if (p := lookup(site.register, pid)) is not None]
    written: dict[str, list[Pupil]] = {}
    for ref in post.images:
        path = resolve_image(post, ref)
        if not isinstance(path, Path):
            continue
        try:
            words = read_words(path, image_hash(path), site.photos.files)
        except Exception:  # an unreadable photo is `check`'s to report, not the report's
            continue
        if found := names_in_words(words, site.register, tagged):
            written[ref.file] = [p for p, _full in found]
    return written


def record_of(
    pupil: Pupil | None,
    pupil_id: str,
    config: Config,
    today: date | None = None,
    history: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The pupil's row of the register, as SPEC's `pupil`, with where their consent came from
    and until when, when the register says it; with `today`, what its cells allow that day
    (`consent_today`: a withdrawal or an ended period makes every one no)."""
    if pupil is None:
        return {
            "pupil_id": pupil_id,
            "first_name": None,
            "last_name": None,
            "class": None,
            "consent": None,
            "withdrawn_on": None,
            "note": _not_in_register(history or []),
        }
    consent: dict[str, Any] = dict(pupil.consent)
    consent["name"] = pupil.name_consent
    allowed = {p: pupil.consents_to(p, today) for p in config.platforms} if today else None
    record = {
        "pupil_id": pupil.pupil_id,
        "first_name": pupil.first_name,
        "last_name": pupil.last_name,
        "class": pupil.class_name or None,
        "consent": consent,
        "withdrawn_on": pupil.withdrawn_on.isoformat() if pupil.withdrawn_on else None,
        **({"consent_today": allowed} if allowed is not None else {}),
    }
    # Where consent came from, and for how long (SPEC: shown in `sar`, never published).
    if pupil.consent_given_on:
        record["consent_given_on"] = pupil.consent_given_on.isoformat()
    if pupil.given_by:
        record["given_by"] = pupil.given_by
    if pupil.consent_until:
        record["consent_until"] = pupil.consent_until.isoformat()
    if pupil.safeguarding:
        record["safeguarding"] = True
    return record


def _history(site: Site, pupil_id: str) -> list[dict[str, Any]]:
    """How the pupil's consents changed, as builds found the register (consent_history)."""
    now = site.context.now
    return [
        entry
        for entry in history_of(site.root, pupil_id)
        if _moment(entry["at"]) <= now  # (a report as of --now leaves later records out)
    ]


def _moment(stamp: object) -> datetime:
    """A record's time (one that does not read as a time comes after any report)."""
    try:
        moment = datetime.fromisoformat(str(stamp))
    except ValueError:
        return datetime.max.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
