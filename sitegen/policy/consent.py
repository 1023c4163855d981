"""Consent rules: platforms, pupil tags, per-platform and name consent (SG101-SG116, SG151)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import date

from sitegen.config import Config
from sitegen.findings import finding
from sitegen.model import ADULT, COVER, Finding, ImageRef, Post, Pupil, Register
from sitegen.register import lookup
from sitegen.text import CURLY_QUOTES, escape_unprintable, fold_id


def check_consent(post: Post, config: Config, register: Register, today: date) -> list[Finding]:
    """The post's consent findings, rule family by rule family in this order (check sorts
    findings by severity, line and code only, so equal keys keep it)."""
    findings = [*_platform_findings(post, config), *_image_outsider_findings(post)]
    if post.pupils and not register.valid:
        # An invalid register may hold some rows and lack others: no pupil is judged by it.
        findings.append(
            _finding(
                post,
                "SG160",
                "the consent register is invalid, so no consent for the tagged pupils can "
                f"be confirmed: fix {register.path or 'the register'}",
                "pupils",
            )
        )
        return findings
    platforms = [p for p in post.platforms if p in config.platforms]
    return [
        *findings,
        *_look_alike_id_findings(post, register),
        *_safeguarding_findings(post, register),
        *_pupil_findings(post, platforms, register, today, config.consent_notice_days),
        *_recorded_ending_findings(post, register, today, config.consent_notice_days),
        *_image_refusal_findings(post, platforms, register, today),
    ]


def _recorded_ending_findings(
    post: Post, register: Register, today: date, notice_days: int
) -> Iterator[Finding]:
    """SG161 for a pupil the ledger records on a photo of the post whom it does not tag:
    the photo comes down when their consent ends, as for a tagged pupil."""
    tagged = {fold_id(p) for p in post.pupils}
    recorded = {p for image in post.images for p in image.recorded if fold_id(p) not in tagged}
    for pupil_id in sorted(recorded):
        if (pupil := lookup(register, pupil_id)) is not None and not pupil.has_no_consent(today):
            yield from _ending_findings(post, pupil_id, pupil, today, notice_days)


def _finding(
    post: Post,
    code: str,
    message: str,
    key: str,
    *,
    pupil: str | None = None,
    platform: str | None = None,
    line: int | None = None,
) -> Finding:
    """A finding on the post, at `line` or else at the line of its header key `key`."""
    return finding(code, message, post.path, line or post.line_of(key), pupil, platform)


def _platform_findings(post: Post, config: Config) -> Iterator[Finding]:
    """SG101 for each platform the site does not know; SG151 for each public one a
    parents-only post names."""
    for platform in post.platforms:
        if platform not in config.platforms:
            yield _finding(
                post,
                "SG101",
                f'platform "{platform}" is not one of {", ".join(config.platforms)}',
                "platforms",
                platform=platform,
            )
    if post.audience == "parents":
        for platform in post.platforms:
            if platform in config.platforms and platform not in config.closed_platforms:
                yield _finding(
                    post,
                    "SG151",
                    f'a parents-only post cannot go to "{platform}", which is public; '
                    f"closed platforms: {', '.join(config.closed_platforms) or 'none'}",
                    "platforms",  # (where it is to be taken off)
                    platform=platform,
                )


def _image_outsider_findings(post: Post) -> Iterator[Finding]:
    """SG115 for each image showing pupils the post's own pupils leave out."""
    post_pupils = {fold_id(p) for p in post.pupils}
    for i, image in enumerate(post.images):
        outsiders = [p for p in image.pupils if fold_id(p) not in post_pupils]
        if outsiders:
            yield _finding(
                post,
                "SG115",
                f"image {image.file} shows {', '.join(outsiders)}, who "
                f"{'is' if len(outsiders) == 1 else 'are'} not in the post's pupils",
                f"images[{i}].pupils",
                line=post.line_of(f"images[{i}].pupils") or image.line,
                pupil=outsiders[0],
            )


def _look_alike_id_findings(post: Post, register: Register) -> Iterator[Finding]:
    """SG110 for each pupil id, wherever the post writes it, that matches the register
    only once look-alike letters are folded."""
    written = [*post.pupils, *post.named, *(p for image in post.images for p in image.pupils)]
    for pupil_id in dict.fromkeys(written):
        pupil = lookup(register, pupil_id)
        if pupil is not None and pupil_id.casefold() != pupil.pupil_id.casefold():
            # Matched only once look-alike letters are folded: a disguise, or a paste from
            # somewhere that will not match the register's own tools.
            foreign = ", ".join(
                f"{escape_unprintable(c)} is {unicodedata.name(c, 'an invisible character')}"
                for c in dict.fromkeys(pupil_id)
                if not c.isascii()
            )
            yield _finding(
                post,
                "SG110",
                f"pupil id {escape_unprintable(pupil_id)} is written with look-alike "
                f"characters ({foreign}): type it as {pupil.pupil_id}, as the register has it",
                "pupils",
                pupil=pupil.pupil_id,
            )


def _safeguarding_findings(post: Post, register: Register) -> Iterator[Finding]:
    """SG162 for each pupil under safeguarding the post tags anywhere: in its pupils, named,
    or on a photo (a covered face too). Nothing makes such a post publishable: no approval,
    no covering."""
    written = [*post.pupils, *post.named, *(p for image in post.images for p in image.pupils)]
    reported = set()
    for pupil_id in written:
        pupil = lookup(register, pupil_id)
        if pupil is None or not pupil.safeguarding or pupil.pupil_id in reported:
            continue
        reported.add(pupil.pupil_id)
        photos = [image.file for image in post.images if fold_id(pupil_id) in _ids(image.pupils)]
        on_photos = f", and every photo they are on ({', '.join(photos)})" if photos else ""
        yield _finding(
            post,
            "SG162",
            f"{pupil.pupil_id} is under safeguarding and must never be identifiable: take "
            f"them out of the post{on_photos}, covered face or not; until then it cannot be "
            "approved or published",
            "pupils",
            pupil=pupil.pupil_id,
        )


DIGIT_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _ids(pupils: tuple[str, ...]) -> set[str]:
    return {fold_id(p) for p in pupils}


def _pupil_findings(
    post: Post, platforms: list[str], register: Register, today: date, notice_days: int
) -> Iterator[Finding]:
    """Each of the post's pupils in turn: SG110 if not in the register, SG112 if their
    consent is withdrawn or has ended, else SG111 and SG113, and SG161 when it ends soon.
    (A pupil under safeguarding is SG162's.)"""
    on_images = {fold_id(p) for image in post.images for p in image.pupils}
    named = {fold_id(p) for p in post.named}
    for pupil_id in post.pupils:
        pupil = lookup(register, pupil_id)
        if pupil is None:
            # (only a letter typed for a digit is suggested: a near id is another child)
            meant = lookup(register, pupil_id.upper().translate(DIGIT_LOOKALIKES))
            hint = f" (did you mean {meant.pupil_id}?)" if meant else ""
            unquoted = pupil_id.strip(CURLY_QUOTES)  # (Word's quotes, typed round it)
            if unquoted != pupil_id and lookup(register, unquoted):
                hint = f": curly quotes (“ ”) are not quotes in the header: write {unquoted}"
            yield _finding(
                post,
                "SG110",
                f"pupil {pupil_id} is not in the consent register{hint}",
                "pupils",
                pupil=pupil_id,
            )
        elif pupil.safeguarding:
            continue
        elif pupil.is_withdrawn(today):
            yield _finding(
                post,
                "SG112",
                f"{pupil_id}'s consent was withdrawn on {pupil.withdrawn_on}: "
                "remove them from the post",
                "pupils",
                pupil=pupil_id,
            )
        elif pupil.has_expired(today):
            yield _finding(
                post,
                "SG112",
                f"{pupil_id}'s consent ended on {pupil.consent_until} (consent_until): remove "
                "them from the post, or record the renewed consent in the register",
                "pupils",
                pupil=pupil_id,
            )
        else:
            key = fold_id(pupil_id)
            yield from _pupil_consent_findings(
                post, pupil_id, pupil, key in named, key in on_images, platforms, today
            )
            yield from _ending_findings(post, pupil_id, pupil, today, notice_days)


def _ending_findings(
    post: Post, pupil_id: str, pupil: Pupil, today: date, notice_days: int
) -> Iterator[Finding]:
    """SG161: a withdrawal recorded for a later day (whenever it falls), else a consent that
    ends within the notice period."""
    if later := pupil.withdrawn_from_later(today):
        days = (later - today).days
        yield _finding(
            post,
            "SG161",
            f"{pupil_id}'s consent is withdrawn from {later}, in {days} "
            f"day{'s' if days != 1 else ''}: from then it is not published, and comes down "
            "wherever it is out (a withdrawal is the parents' decision: nothing to renew)",
            "pupils",
            pupil=pupil_id,
        )
    elif pupil.ends_within(today, notice_days):
        assert pupil.consent_until is not None
        days = (pupil.consent_until - today).days
        yield _finding(
            post,
            "SG161",
            f"{pupil_id}'s consent ends on {pupil.consent_until}, in {days} "
            f"day{'s' if days != 1 else ''}: ask for it to be renewed, and record the "
            "new date in the register (consent_until), or the post is taken down then",
            "pupils",
            pupil=pupil_id,
        )


def _pupil_consent_findings(
    post: Post,
    pupil_id: str,
    pupil: Pupil,
    is_named: bool,
    is_on_an_image: bool,
    platforms: list[str],
    today: date,
) -> Iterator[Finding]:
    """SG111 for each platform a named pupil, or one on no image, has no consent for (a
    pupil only on images is the images' matter: SG116); SG113 if named without consent to
    be named."""
    if is_named or not is_on_an_image:
        why = "is named in the post" if is_named else "is tagged on no image"
        for platform in platforms:
            if not pupil.consents_to(platform, today):
                yield _finding(
                    post,
                    "SG111",
                    f"{pupil_id} {why} but has no consent for {platform}",
                    "pupils",
                    pupil=pupil_id,
                    platform=platform,
                )
    if is_named and pupil.name_consent_on(today) == "no":
        yield _finding(
            post,
            "SG113",
            f"{pupil_id} is listed in named but has no consent to be named",
            "named",
            pupil=pupil_id,
        )


def _image_refusal_findings(
    post: Post, platforms: list[str], register: Register, today: date
) -> Iterator[Finding]:
    """SG116 for each image on each platform where a pupil it shows has no consent and no
    face of their own in its `faces` list: the image is left out there. SG117 where a face
    is covered instead."""
    for i, image in enumerate(post.images):
        for platform in platforms:
            refusing = refusing_pupils(image, platform, register, today)
            if refusing:
                untagged = [p for p in refusing if p in image.recorded]
                note = (
                    f" ({', '.join(untagged)} {'is' if len(untagged) == 1 else 'are'} on this "
                    "photo by the publications ledger: leaving a pupil off its `pupils` does "
                    "not take them out of the picture; use another photo)"
                    if untagged
                    else ""
                )
                yield _finding(
                    post,
                    "SG116",
                    f"image {image.file} is left out on {platform}: "
                    f"{', '.join(refusing)} {_has(refusing)} no consent there{note}",
                    f"images[{i}]",
                    pupil=refusing[0],
                    platform=platform,
                    line=image.line,
                )
            elif covered := _covered_to_say(image, platform, register, today):
                yield _finding(
                    post,
                    "SG117",
                    f"image {image.file} goes to {platform} with "
                    + ", ".join(_who(image, n) for n in covered)
                    + " covered",
                    f"images[{i}]",
                    platform=platform,
                    line=image.line,
                )


def _covered_to_say(
    image: ImageRef, platform: str, register: Register, today: date
) -> tuple[int, ...]:
    """The faces SG117 tells of: those covered, but a withdrawn or ended pupil's (SG112 holds
    the post back for them already: 'goes to website with their face covered' beside it
    would read as if it went)."""
    gone = {
        number
        for number, entry in enumerate(image.faces or (), 1)
        if (pupil := lookup(register, entry)) is not None
        and (pupil.is_withdrawn(today) or pupil.has_expired(today))
    }
    return tuple(n for n in covered_faces(image, platform, register, today) if n not in gone)


def listed_faces(image: ImageRef) -> dict[str, int]:
    """The pupils an image's `faces` list names (by folded id), with their face's number."""
    return {
        fold_id(entry): number
        for number, entry in enumerate(image.faces or (), 1)
        if entry.lower() not in (ADULT, COVER)
    }


def refusing_pupils(image: ImageRef, platform: str, register: Register, today: date) -> list[str]:
    """The pupils on the image who lack consent for `platform` and whose face is not listed
    to be covered: while there is one, the image does not go there. A pupil the records put
    on it (`recorded`) who is no longer in the register counts as one."""
    listed = listed_faces(image)
    tagged = [
        p
        for p in image.pupils
        if (pupil := lookup(register, p)) is not None
        and not pupil.consents_to(platform, today)
        # (covering never makes a photo of a pupil under safeguarding publishable)
        and (fold_id(p) not in listed or pupil.safeguarding)
    ]
    recorded = [
        p
        for p in image.recorded
        if (pupil := lookup(register, p)) is None or not pupil.consents_to(platform, today)
    ]
    return tagged + recorded


def covered_faces(
    image: ImageRef, platform: str, register: Register, today: date
) -> tuple[int, ...]:
    """The numbers of the faces covered in the image's copy for `platform`: every `cover`
    face, and every listed pupil's face when that pupil has no consent there."""
    covered = []
    for number, entry in enumerate(image.faces or (), 1):
        if entry.lower() == COVER:
            covered.append(number)
        elif entry.lower() != ADULT:
            pupil = lookup(register, entry)
            if pupil is None or not pupil.consents_to(platform, today):
                covered.append(number)
    return tuple(covered)


def _who(image: ImageRef, number: int) -> str:
    entry = (image.faces or ())[number - 1]
    return f"face {number} ({entry})" if entry.lower() != COVER else f"face {number}"


def _has(pupils: list[str]) -> str:
    return "has" if len(pupils) == 1 else "have"
