"""A build's progress for people: a bar on a terminal, plain lines in CI or when piped."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from typing import Any


class _PlainProgress:
    """Progress as plain lines (CI, a pipe): said only for work that takes a while, so that
    a quick build prints nothing more, and a long one is never a silent minute."""

    QUIET_FOR = 2.0  # seconds before the first line
    EVERY = 10.0  # seconds between lines

    def __init__(self, console: Any) -> None:
        self.console = console

    def start(self, label: str, total: int) -> Callable[[int], None]:
        began = time.monotonic()
        said = [began + self.QUIET_FOR - self.EVERY]  # when a line was last printed
        done = [0]

        def advance(n: int) -> None:
            done[0] += n
            now = time.monotonic()
            if now - said[0] >= self.EVERY or (done[0] >= total and said[0] > began):
                said[0] = now
                self.console.print(f"{label}: {done[0]} of {total} ({now - began:.0f} s)")

        return advance


class _RichProgress:
    def __init__(self, bar: Any) -> None:
        self.bar = bar

    def start(self, label: str, total: int) -> Callable[[int], None]:
        task = self.bar.add_task(label, total=total)
        return lambda n: self.bar.advance(task, n)


@contextlib.contextmanager
def progress(console: Any) -> Iterator[_RichProgress | _PlainProgress]:
    """A progress bar on `console` when it is a terminal; plain lines in CI or when output
    is piped."""
    if not console.is_terminal or os.environ.get("CI"):
        yield _PlainProgress(console)
        return
    from rich.progress import Progress  # only on a terminal

    with Progress(console=console, transient=True) as bar:
        yield _RichProgress(bar)
