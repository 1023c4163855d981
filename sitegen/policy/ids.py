"""Pupil ids in every string a post publishes (SG114): an id of the register is never
published, however it is written."""

from __future__ import annotations

import re
from functools import cache

from sitegen.findings import finding
from sitegen.model import Finding, Post, Register
from sitegen.policy.fields import AS_PUBLISHED, Fields, source_line, text_fields, written_in
from sitegen.text import Bounded, fold_fast, fold_markup, literal_trie


def find_ids(post: Post, register: Register, fields: Fields | None = None) -> list[Finding]:
    """Pupil ids are never published: an id of the register in any text is an error."""
    if not register.pupils:
        return []
    ids = _id_pattern(tuple(register.pupils))
    keys = {_id_of(key): key for key in register.pupils}  # (by the id without separators)
    findings = []
    told: set[tuple[str, str]] = set()  # (the field, the id): an id is told where written
    for label, text, line in text_fields(post) if fields is None else fields:
        if not text:
            continue
        markup = label == "body"
        quick = fold_fast(text, markup)
        if quick is not None and not any(_id_of(m.group(0)) in keys for m in ids.finditer(quick)):
            continue  # the quick whole-string fold finds no id: no need to track offsets
        full = fold_markup(text, markup)
        for m in ids.finditer(full.text):
            pupil = register.pupils.get(keys.get(_id_of(m.group(0)), ""))
            if pupil is None or (written_in(label), pupil.pupil_id) in told:
                continue
            told.add((written_in(label), pupil.pupil_id))
            at = (line + text.count("\n", 0, full.source_offset(m.start()))) if line else None
            if label.endswith(AS_PUBLISHED):
                at = source_line(post, label, line, pupil.pupil_id)
            findings.append(
                finding(
                    "SG114",
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
    """The register's ids (folded), each written with or without a separator where letters
    and digits meet, or where the id has one: P1042 as "P-1042", "P 1042", "P.1042". Ids of
    letters then digits, as schools' are, are one alternative for each prefix, its numbers
    a trie: the regex engine tries one at each word that begins so, not hundreds."""
    numbers: dict[str, list[str]] = {}  # by the letters they follow
    patterns, firsts = [], []
    for key in ids:
        runs = RUNS.findall(key)
        if len(runs) == 2 and runs[0].isalpha() and runs[1].isdigit():
            numbers.setdefault(runs[0], []).append(runs[1])
        elif runs:
            patterns.append(SEPARATOR.join(re.escape(run) for run in runs))
            firsts.append(runs[0])
    for letters, digits in numbers.items():
        patterns.append(f"{re.escape(letters)}{SEPARATOR}{literal_trie(digits)}")
        firsts.append(letters)
    return Bounded(patterns, firsts)


DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2212"  # (hyphens and dashes, as typed or pasted)
RUNS = re.compile(rf"[a-z]+|\d+|[^a-z\d\s.{DASHES}]+")  # (an id's letters, digits and the rest)
SEPARATOR = rf"[{DASHES}\s.]?"
SEPARATORS = re.compile(rf"[{DASHES}\s.]")


def _id_of(written: str) -> str:
    """An id as written, without its separators (the key ids are looked up by)."""
    return SEPARATORS.sub("", written)
