"""Consent rules: platforms, pupil tags, per-platform and name consent (SG101-SG116, SG151)."""

from __future__ import annotations

import unicodedata
from datetime import date

from sitegen.config import Config
from sitegen.findings import finding
from sitegen.model import Finding, Post, Register
from sitegen.register import lookup
from sitegen.text import escape_unprintable, fold_id


def check_consent(post: Post, config: Config, register: Register, today: date) -> list[Finding]:
    findings: list[Finding] = []

    def add(
        code: str,
        message: str,
        key: str,
        *,
        pupil: str | None = None,
        platform: str | None = None,
        line: int | None = None,
    ) -> None:
        findings.append(
            finding(code, message, post.path, line or post.line_of(key), pupil, platform)
        )

    for platform in post.platforms:
        if platform not in config.platforms:
            add(
                "SG101",
                f'platform "{platform}" is not one of {", ".join(config.platforms)}',
                "platforms",
                platform=platform,
            )
    if post.audience == "parents":
        for platform in post.platforms:
            if platform in config.platforms and platform not in config.closed_platforms:
                add(
                    "SG151",
                    f'a parents-only post cannot go to "{platform}", which is public; '
                    f"closed platforms: {', '.join(config.closed_platforms) or 'none'}",
                    "audience",
                    platform=platform,
                )

    platforms = [p for p in post.platforms if p in config.platforms]
    post_pupils = {fold_id(p) for p in post.pupils}
    for i, image in enumerate(post.images):
        outsiders = [p for p in image.pupils if fold_id(p) not in post_pupils]
        if outsiders:
            add(
                "SG115",
                f"image {image.file} shows {', '.join(outsiders)}, who "
                f"{'is' if len(outsiders) == 1 else 'are'} not in the post's pupils",
                f"images[{i}].pupils",
                line=post.line_of(f"images[{i}].pupils") or image.line,
                pupil=outsiders[0],
            )

    if post.pupils and not register.valid:
        add(
            "SG160",
            "the consent register is invalid, so no consent for the tagged pupils can "
            "be confirmed: fix content/consent.csv",
            "pupils",
        )
        return findings

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
            add(
                "SG110",
                f"pupil id {escape_unprintable(pupil_id)} is written with look-alike "
                f"characters ({foreign}): type it as {pupil.pupil_id}, as the register has it",
                "pupils",
                pupil=pupil.pupil_id,
            )
    on_images = {fold_id(p) for image in post.images for p in image.pupils}
    named = {fold_id(p) for p in post.named}
    for pupil_id in post.pupils:
        pupil = lookup(register, pupil_id)
        key = fold_id(pupil_id)
        if pupil is None:
            add(
                "SG110",
                f"pupil {pupil_id} is not in the consent register",
                "pupils",
                pupil=pupil_id,
            )
            continue
        if pupil.is_withdrawn(today):
            add(
                "SG112",
                f"{pupil_id}'s consent was withdrawn on {pupil.withdrawn_on}: "
                "remove them from the post",
                "pupils",
                pupil=pupil_id,
            )
            continue
        if key in named or key not in on_images:
            why = "is named in the post" if key in named else "is tagged on no image"
            for platform in platforms:
                if not pupil.consents_to(platform, today):
                    add(
                        "SG111",
                        f"{pupil_id} {why} but has no consent for {platform}",
                        "pupils",
                        pupil=pupil_id,
                        platform=platform,
                    )
        if key in named and pupil.name_consent_on(today) == "no":
            add(
                "SG113",
                f"{pupil_id} is listed in named but has no consent to be named",
                "named",
                pupil=pupil_id,
            )

    for i, image in enumerate(post.images):
        for platform in platforms:
            refusing = [
                p
                for p in image.pupils
                if (pupil := lookup(register, p)) is not None
                and not pupil.consents_to(platform, today)
            ]
            if refusing:
                add(
                    "SG116",
                    f"image {image.file} is left out on {platform}: "
                    f"{', '.join(refusing)} {_has(refusing)} no consent there",
                    f"images[{i}]",
                    pupil=refusing[0],
                    platform=platform,
                    line=image.line,
                )
    return findings


def _has(pupils: list[str]) -> str:
    return "has" if len(pupils) == 1 else "have"
