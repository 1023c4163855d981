"""What a build tells the leader who runs it: what it published, what changed, its timings."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen import records
from sitegen.model import Register
from sitegen.register import lookup

if TYPE_CHECKING:
    from sitegen.config import Config
    from sitegen.making import MadePost


@dataclass
class Timings:
    """Seconds per stage, in order, for `--timings` (like Zola's per-step log)."""

    stages: list[tuple[str, float]] = field(default_factory=list)
    _start: float = field(default_factory=time.perf_counter)

    def mark(self, stage: str) -> None:
        """The stage that just ended, with the seconds since the last mark."""
        now = time.perf_counter()
        self.stages.append((stage, now - self._start))
        self._start = now

    def within(self, stage: str, parts: dict[str, float]) -> None:
        """A stage that just ended, and the seconds its parts took (summed over the processes
        that shared them, so they may add up to more than the stage itself)."""
        self.mark(stage)
        self.stages += [(f"  {part}", seconds) for part, seconds in parts.items()]


@dataclass(frozen=True)
class Summary:
    """What a build published, for the command line (report.json holds the details)."""

    published: int
    exported: dict[str, int]  # posts per platform
    left_out: list[str]  # slugs left out of some platform
    # Pupils in what went out whose consent ends within the notice period (SG161): id, date.
    ending: tuple[tuple[str, str], ...] = ()
    # Removals that wait, per platform: out there by the records, no longer allowed there.
    waiting: dict[str, int] = field(default_factory=dict)
    # Bundles to post (pending.csv), per platform: slug -> an update of one posted earlier.
    to_post: dict[str, dict[str, bool]] = field(default_factory=dict)
    # The register was invalid: some removals may wait only because of that (`takedown`
    # holds them back and says how many).
    register_invalid: bool = False
    urgent: int = 0  # of the removals waiting: those of a pupil under safeguarding


@dataclass(frozen=True)
class BuildResult:
    out: Path
    summary: Summary
    timings: Timings
    strict_failures: list[tuple[str, str, str]]
    changes: records.Changes | None = None  # None: nothing changed since the last build


def consents_ending(
    register: Register, units: list[MadePost], today: date, config: Config
) -> tuple[tuple[str, str], ...]:
    """The pupils in what a build publishes or exports whose consent ends within the notice
    period (SG161), with the day it ends: for the leader, who must ask in time."""
    shown = {
        pupil_id
        for unit in units
        for publication in unit.publications
        for pupil_id in (
            *publication.pupils,
            *(p for image in publication.images for p in image.get("pupils") or []),
        )
    }
    pupils = [pupil for pupil_id in shown if (pupil := lookup(register, pupil_id)) is not None]
    ending = {
        (pupil.pupil_id, pupil.consent_until.isoformat())
        for pupil in pupils
        if pupil.consent_until is not None and pupil.ends_within(today, config.consent_notice_days)
    }
    # A withdrawal recorded ahead of time: whenever it falls, the leader hears of it now.
    ending |= {
        (pupil.pupil_id, f"withdrawn from {later}")
        for pupil in pupils
        if (later := pupil.withdrawn_from_later(today)) is not None
    }
    return tuple(sorted(ending, key=lambda e: (e[1].removeprefix("withdrawn from "), e[0])))
