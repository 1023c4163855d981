"""The finding codes: one registry of code, severity and title, used by every rule."""

from __future__ import annotations

from dataclasses import dataclass

from sitegen.model import Finding, Severity


@dataclass(frozen=True)
class Code:
    """A finding code as users meet it: its severity (and the other one it may take, for the
    few codes whose severity depends on the case) and what it is about."""

    code: str
    severity: Severity
    title: str
    or_else: Severity | None = None  # the other severity some cases take, if any


CODES = {
    c.code: c
    for c in (
        # A warning when `translation` names no post, or one in the same language.
        Code(
            "SG100",
            "error",
            "front matter: YAML error, missing or unknown key, wrong type, bad date or slug",
            "warning",
        ),
        Code("SG101", "error", "a platform not in policy.platforms"),
        Code(
            "SG102", "error", "the post still holds new's placeholder text, or no title or no text"
        ),
        Code("SG103", "warning", "the author has no display name in [site.authors]"),
        Code(
            "SG110", "error", "a pupil id not in the register (or written with look-alike letters)"
        ),
        Code("SG111", "error", "a pupil in the text lacks consent for one of the post's platforms"),
        Code("SG112", "error", "a tagged pupil's consent was withdrawn or has ended"),
        Code("SG113", "error", "a pupil listed in named has no name consent"),
        # A warning when the match is a Welsh mutation that is also an ordinary word.
        Code("SG114", "error", "a pupil's name or id in a published string", "warning"),
        Code("SG115", "error", "an image's pupils are not all in the post's pupils"),
        Code("SG116", "warning", "an image is left out on a platform for lack of consent"),
        Code("SG117", "warning", "a face on an image is covered on a platform"),
        Code("SG120", "error", "an image is missing, outside the post folder, or not a file"),
        Code("SG121", "error", "an image is unreadable, corrupt, unsupported or too large"),
        Code("SG122", "error", "an image has no alt text, or only a file name"),
        Code("SG123", "error", "an image was taken on a device that is not approved"),
        Code("SG124", "warning", "an image carries GPS or other personal metadata"),
        Code("SG125", "error", "text in an image shows a pupil's name beyond what is allowed"),
        # An error when a tagged pupil's class holds a pupil under safeguarding.
        Code(
            "SG126",
            "warning",
            "an image without `faces` shows more faces than pupils tagged",
            "error",
        ),
        # An error unless the school accepts the risk (policy.unknown_device = "warning").
        Code("SG127", "error", "an image has no camera make or model", "warning"),
        Code("SG128", "error", "an image's `faces` list does not match the photo"),
        Code("SG129", "warning", "an image is narrower than the smallest width the site shows"),
        # A warning when a link leads nowhere on the website (a file beside the post, a draft).
        Code("SG130", "error", "raw HTML or a link scheme outside the allow-list", "warning"),
        Code("SG140", "warning", "negative or disparaging tone"),
        Code("SG150", "error", "an approval that is not valid"),
        Code("SG151", "error", "a parents-only post on a platform that is not closed"),
        Code("SG160", "error", "the consent register is invalid"),
        Code("SG161", "warning", "a tagged pupil's consent ends within the notice period"),
        Code("SG162", "error", "a pupil under safeguarding is tagged on the post"),
    )
}


def finding(
    code: str,
    message: str,
    file: str,
    line: int | None = None,
    pupil: str | None = None,
    platform: str | None = None,
    severity: Severity | None = None,
) -> Finding:
    """A finding of a registered code, with its registered severity (or, for the codes that
    have one, the other: asking for a severity a code cannot have is a programming error)."""
    entry = CODES[code]
    chosen = severity or entry.severity
    if chosen not in (entry.severity, entry.or_else):
        raise ValueError(f"{code} is never a {chosen}")
    return Finding(code, chosen, message, file, line or None, pupil, platform)
