"""Pupil ids in every string a post publishes (SG114): an id of the register is never
published, however it is written."""

from __future__ import annotations

import re
from functools import cache

from sitegen.findings import finding
from sitegen.model import Finding, Post, Register
from sitegen.policy.fields import AS_PUBLISHED, Fields, source_line, text_fields, written_in
from sitegen.text import Bounded, fold_fast, fold_markup


def find_ids(post: Post, register: Register, fields: Fields | None = None) -> list[Finding]:
    """Pupil ids are never published: an id of the register in any text is an error."""
    if not register.pupils:
        return []
    ids = _id_pattern(tuple(register.pupils))
    findings = []
    told: set[tuple[str, str]] = set()  # (the field, the id): an id is told where written
    for label, text, line in text_fields(post) if fields is None else fields:
        if not text:
            continue
        markup = label == "body"
        quick = fold_fast(text, markup)
        if quick is not None and not any(
            m.group(0) in register.pupils for m in ids.finditer(quick)
        ):
            continue  # the quick whole-string fold finds no id: no need to track offsets
        full = fold_markup(text, markup)
        for m in ids.finditer(full.text):
            pupil = register.pupils.get(m.group(0))
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
    return Bounded([re.escape(key) for key in ids], list(ids))
