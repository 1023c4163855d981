"""Name detection in a post's text (SG114): full names of anyone, first names of tagged pupils."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from sitegen.model import Finding, Post, Pupil, Register
from sitegen.register import lookup
from sitegen.text import (
    Bounded,
    Folded,
    bounded_words,
    fold,
    fold_fast,
    fold_id,
    fold_markup,
)


@dataclass(frozen=True)
class NameMatch:
    pupil: Pupil
    full: bool
    start: int  # offset in the source text
    end: int  # offset just past the match in the source text
    text: str


class NameIndex:
    """The register's names compiled once, for matching many texts."""

    def __init__(self, register: Register) -> None:
        self.register = register
        self.by_full: dict[str, list[Pupil]] = {}
        for pupil in register.pupils.values():
            if pupil.first_name and pupil.last_name:
                self.by_full.setdefault(
                    _words(fold(f"{pupil.first_name} {pupil.last_name}")), []
                ).append(pupil)
        self.full_names = bounded_words(list(self.by_full)) if self.by_full else None

    def find(self, folded: Folded, tagged: list[Pupil]) -> list[NameMatch]:
        """Full names of every pupil, and first names of the tagged ones outside full names."""
        matches: list[NameMatch] = []
        spans: list[tuple[int, int]] = []
        if self.full_names:
            for m in self.full_names.finditer(folded.text):
                for pupil in self.by_full.get(_words(m.group(0)), []):
                    matches.append(_match(pupil, True, folded, m))
                spans.append(m.span())
        by_first: dict[str, list[Pupil]] = {}
        for pupil in tagged:
            if pupil.first_name:
                by_first.setdefault(_words(fold(pupil.first_name)), []).append(pupil)
        if by_first:
            pattern = bounded_words(list(by_first))
            for m in pattern.finditer(folded.text):
                if any(s <= m.start() < e for s, e in spans):
                    continue
                for pupil in by_first.get(_words(m.group(0)), []):
                    matches.append(_match(pupil, False, folded, m))
        return matches


def allowed(pupil: Pupil, full: bool, named: set[str], today: date) -> bool:
    """The SG114 rule: a first name needs `named` + yes/full; a full name needs `named` + full."""
    if fold_id(pupil.pupil_id) not in named:
        return False
    consent = pupil.name_consent_on(today)
    return consent == "full" if full else consent in ("yes", "full")


@dataclass(frozen=True)
class NameHit:
    """A pupil's name found in one of a post's texts (found once, judged on every build)."""

    label: str
    line: int
    pupil_id: str
    full: bool


def text_fields(post: Post) -> list[tuple[str, str, int]]:
    """(label, text, line of the text's start) for every text a reader sees."""
    fields = [
        ("title", post.title, post.line_of("title") or 2),
        ("summary", post.summary, post.line_of("summary") or 2),
    ]
    for i, image in enumerate(post.images):
        for key in ("alt", "caption"):
            value = getattr(image, key)
            line = post.line_of(f"images[{i}].{key}") or image.line
            fields.append((f"{key} text of {image.file}", value, line))
    fields.append(("body", post.body, post.body_line))
    # Attribute values readers see (a link's or abbreviation's title, an image's alt text):
    # the markup folding drops whole tags, so these are scanned on their own.
    for m in SHOWN_ATTRIBUTE.finditer(post.body) if "=" in post.body else ():
        line = post.body_line + post.body.count("\n", 0, m.start())
        fields.append((f"{m.group(1).lower()} attribute in the body", m.group(3), line))
    return fields


SHOWN_ATTRIBUTE = re.compile(r"""\b(title|alt)\s*=\s*(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)


Fields = list[tuple[str, str, int]]


def find_names(
    post: Post, index: NameIndex, register: Register, fields: Fields | None = None
) -> tuple[NameHit, ...]:
    """Every name in the post's texts: the costly part, which depends only on names."""
    tagged = [p for pid in post.pupils if (p := lookup(register, pid)) is not None]
    hits: list[NameHit] = []
    for label, text, line in text_fields(post) if fields is None else fields:
        if not text:
            continue
        quick = fold_fast(text)
        if quick is not None and not index.find(Folded(quick, ()), tagged):
            continue  # the quick whole-string fold finds no name: no need to track offsets
        for m in index.find(fold_markup(text), tagged):
            hits.append(
                NameHit(label, line + text.count("\n", 0, m.start), m.pupil.pupil_id, m.full)
            )
    return tuple(hits)


def judge_names(
    post: Post, hits: tuple[NameHit, ...], register: Register, today: date
) -> list[Finding]:
    """SG114 for the names found: allowed only with `named` and enough name consent today."""
    named = {fold_id(p) for p in post.named}
    findings: list[Finding] = []
    reported: set[tuple[str, str, bool]] = set()
    labels = dict.fromkeys(h.label for h in hits)
    for label in labels:
        found = [
            (h, p)
            for h in hits
            if h.label == label
            if (p := lookup(register, h.pupil_id)) is not None
        ]
        first_ok = {
            fold(p.first_name) for h, p in found if not h.full and allowed(p, h.full, named, today)
        }
        for hit, pupil in found:
            if allowed(pupil, hit.full, named, today):
                continue
            # A first name shared by several tagged pupils is fine when one of them may be named.
            if not hit.full and fold(pupil.first_name) in first_ok:
                continue
            key = (label, pupil.pupil_id, hit.full)
            if key not in reported:
                reported.add(key)
                findings.append(
                    Finding(
                        "SG114",
                        "error",
                        _message(pupil, hit.full, label, named, today),
                        post.path,
                        hit.line,
                        pupil.pupil_id,
                    )
                )
    return findings


def find_ids(post: Post, register: Register, fields: Fields | None = None) -> list[Finding]:
    """Pupil ids are never published: an id of the register in any text is an error."""
    if not register.pupils:
        return []
    ids = _id_pattern(tuple(register.pupils))
    findings = []
    for label, text, line in text_fields(post) if fields is None else fields:
        quick = fold_fast(text) if text else None
        folded = quick if quick is not None else (fold_markup(text).text if text else "")
        for m in ids.finditer(folded):
            pupil = register.pupils.get(m.group(0))
            if pupil is None:
                continue
            at = line + (
                text.count("\n", 0, fold_markup(text).source_offset(m.start()))
                if quick is None
                else 0
            )
            findings.append(
                Finding(
                    "SG114",
                    "error",
                    f"the pupil id {pupil.pupil_id} appears in the {label}: "
                    "pupil ids are never published",
                    post.path,
                    at,
                    pupil.pupil_id,
                )
            )
            break
    return findings


@cache
def _id_pattern(ids: tuple[str, ...]) -> Bounded:
    return Bounded([re.escape(key) for key in ids], list(ids))


def _message(pupil: Pupil, full: bool, label: str, named: set[str], today: date) -> str:
    kind = "full name" if full else "first name"
    consent = pupil.name_consent_on(today)
    if fold_id(pupil.pupil_id) not in named:
        fix = f"remove it, or list {pupil.pupil_id} in named if their parent consented"
    elif full:
        fix = f"{pupil.pupil_id}'s name consent is {consent!r}: a full name needs 'full'"
    else:
        fix = f"{pupil.pupil_id} has no consent to be named"
    return f"the {kind} of {pupil.pupil_id} appears in the {label}: {fix}"


def _match(pupil: Pupil, full: bool, folded: Folded, m: re.Match[str]) -> NameMatch:
    start = folded.source_offset(m.start())
    return NameMatch(pupil, full, start, folded.source_offset(m.end() - 1) + 1, m.group(0))


def redact(
    text: str,
    index: NameIndex,
    others: list[Pupil],
    keep: Pupil | None,
    replacement: str = "[another pupil]",
) -> str:
    """`text` with every other pupil's name replaced: full names always, first names of `others`."""
    found = index.find(fold_markup(text), [*others, *([keep] if keep else [])])
    own = {(m.start, m.end) for m in found if keep and m.pupil.pupil_id == keep.pupil_id}
    spans = sorted({(m.start, m.end) for m in found} - own, reverse=True)
    limit = len(text)
    for start, end in spans:
        if end <= limit:  # overlapping spans: the later one is already replaced
            text = text[:start] + replacement + text[end:]
            limit = start
    return text


def _words(matched: str) -> str:
    return " ".join(re.split(r"[\s-]+", matched.strip()))
