"""The plain data that flows between pipeline stages: Finding, Pupil, Register, Post, Site."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

Severity = Literal["error", "warning"]
NameConsent = Literal["no", "yes", "full"]


@dataclass(frozen=True)
class Finding:
    """One policy problem, as `sitegen check` reports it."""

    code: str
    severity: Severity
    message: str
    file: str
    line: int | None = None
    pupil: str | None = None
    platform: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "pupil": self.pupil,
            "platform": self.platform,
        }


@dataclass(frozen=True)
class Pupil:
    """One row of the consent register. Names are used only for detection, never published;
    nor is where consent came from (`consent_given_on`, `given_by`), shown only in `sar`."""

    pupil_id: str
    first_name: str
    last_name: str
    class_name: str
    consent: dict[str, bool]
    name_consent: NameConsent
    withdrawn_on: date | None
    line: int
    consent_until: date | None = None  # consent is given for a period: from this day, none
    consent_given_on: date | None = None
    given_by: str = ""
    safeguarding: bool = False  # never identifiable, whatever the other columns say

    def is_withdrawn(self, today: date) -> bool:
        return self.withdrawn_on is not None and self.withdrawn_on <= today

    def has_expired(self, today: date) -> bool:
        return self.consent_until is not None and self.consent_until <= today

    def has_no_consent(self, today: date) -> bool:
        """Whether every consent is "no" today: withdrawn, ended, or under safeguarding."""
        return self.safeguarding or self.is_withdrawn(today) or self.has_expired(today)

    def consents_to(self, platform: str, today: date) -> bool:
        return not self.has_no_consent(today) and self.consent.get(platform, False)

    def name_consent_on(self, today: date) -> NameConsent:
        return "no" if self.has_no_consent(today) else self.name_consent

    def ends_within(self, today: date, days: int) -> bool:
        """Whether the consent ends (consent_until) within `days` days from today (SG161)."""
        return (
            self.consent_until is not None
            and today < self.consent_until
            and (self.consent_until - today).days <= days
        )

    def withdrawn_from_later(self, today: date) -> date | None:
        """The day a withdrawal recorded ahead of time takes effect, while it is still to come."""
        return (
            self.withdrawn_on
            if self.withdrawn_on is not None and self.withdrawn_on > today
            else None
        )

    def consent_changes_on(self, today: date, notice_days: int = 0) -> date | None:
        """The next day after `today` on which the answers above change, or None: the
        withdrawal, the end of consent, and the first day of its notice period (SG161)."""
        days = [self.withdrawn_on, self.consent_until]
        if self.consent_until is not None:
            days.append(self.consent_until - timedelta(days=notice_days))
        return min((d for d in days if d is not None and d > today), default=None)


@dataclass(frozen=True)
class Register:
    """The consent register: pupils by id, plus the findings that make it invalid."""

    path: str
    pupils: dict[str, Pupil]
    findings: tuple[Finding, ...] = ()

    @property
    def valid(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)


ADULT, COVER = "adult", "cover"  # the words of an image's `faces` list that are not pupils


@dataclass(frozen=True)
class ImageRef:
    """An image as a post's front matter lists it."""

    file: str
    alt: str
    caption: str
    pupils: tuple[str, ...]
    line: int
    # Who each numbered face is, in order: a pupil id, ADULT or COVER (None: no list).
    faces: tuple[str, ...] | None = None
    # Pupils the publications ledger records on this photo's bytes whom `pupils` leaves out
    # (set when judged): an edit that leaves a pupil off a photo does not take them out of it.
    recorded: tuple[str, ...] = ()

    @property
    def shows(self) -> tuple[str, ...]:
        """Everyone on the photo: its `pupils`, and those the records put on its bytes."""
        return (*self.pupils, *self.recorded)


@dataclass(frozen=True)
class Approval:
    by: str
    at: str
    digest: str
    entry: str
    signature: str = ""  # the leader's SSH signature, when they have a key (signatures.py)


@dataclass(frozen=True)
class Post:
    """A post as read from disk. `meta` is None when the front matter could not be read."""

    slug: str
    folder: Path
    path: str  # index.md relative to the site root, POSIX style
    body: str
    body_line: int  # line number of the body's first line in index.md
    meta: dict[str, Any] | None
    key_lines: dict[str, int] = field(default_factory=dict)
    load_findings: tuple[Finding, ...] = ()
    # Typed views of the front matter; defaults stand in where the header is broken.
    title: str = ""
    date: datetime | None = None
    author: str = ""
    summary: str = ""
    tags: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    audience: str = "public"
    lang: str = "en"
    translation: str = ""  # the slug of the same post in the other language, or ""
    pupils: tuple[str, ...] = ()
    named: tuple[str, ...] = ()
    images: tuple[ImageRef, ...] = ()
    status: str = "draft"
    approval: Approval | None = None

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key)
