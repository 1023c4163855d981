"""What a build tells the leader who runs it: what it published, what changed, its timings."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from sitegen import records


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


@dataclass(frozen=True)
class BuildResult:
    out: Path
    summary: Summary
    timings: Timings
    strict_failures: list[tuple[str, str, str]]
    changes: records.Changes | None = None  # None: nothing changed since the last build
