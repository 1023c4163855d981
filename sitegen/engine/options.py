"""The engine's thresholds, in one place: when sharing work with other processes pays off."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EngineOptions:
    """Sizes from which the engine shares work with other processes. Starting one costs tens of
    milliseconds, more than a few posts' work: below these sizes the build does it itself. (A
    test that wants the other way passes other options; nothing patches a module global.)"""

    parallel_from: int = 24  # posts to make before starting worker processes pays off
    save_in_background_from: int = 500  # posts made before saving the memory in a fork pays off
    pages_per_core: int = 64  # list pages before sharing them with a forked process pays off
    ledger_in_background_from: int = 256 * 1024  # bytes of ledger before a forked read pays off


DEFAULT = EngineOptions()
