"""Work shared between this process and forked copies of it, which inherit what it reads."""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def pool_worker() -> None:
    """Set up a process pool's worker: Ctrl-C is the build's to handle, never a worker's (a
    worker interrupted while it takes work from the pool's queue can leave the pool waiting
    for good, and the build with it), and a worker dies with the process that started it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):  # (Linux's prctl; elsewhere, none)
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


PR_SET_PDEATHSIG = 1


@contextlib.contextmanager
def stopped_if_interrupted(pool: Any) -> Iterator[Any]:
    """Within it, a pool whose workers stop at once when the build stops (Ctrl-C, an error):
    else leaving the pool's block waits for each worker to finish what it was doing."""
    try:
        yield pool
    except BaseException:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
        raise


def fork_map(
    function: Callable[[T], R], items: Sequence[T], processes: int | None = None, least: int = 64
) -> list[R]:
    """`[function(item) for item in items]`, the items shared out between this process and
    forked children (one per further core). A child inherits everything the function reads,
    so nothing is sent to it: only its results come back, pickled. Fewer than `least` items,
    one core, or no fork: all done here. A child that fails or dies has its share done again
    here, so an error is raised as this process would raise it."""
    count = min(processes or os.cpu_count() or 1, len(items) // max(1, least))
    if count < 2 or not hasattr(os, "fork"):
        return [function(item) for item in items]
    cut = [len(items) * n // count for n in range(count + 1)]
    shares = [items[cut[n] : cut[n + 1]] for n in range(count)]
    children = [_fork(function, share) for share in shares[1:]]
    try:
        results = [function(item) for item in shares[0]]
    finally:
        answers = [_answer(child) for child in children]
    for share, answer in zip(shares[1:], answers, strict=True):
        results += answer if answer is not None else [function(item) for item in share]
    return results


def _fork(function: Callable[[T], R], share: Sequence[T]) -> tuple[int, int]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: work, answer, and leave without any of the parent's exit steps
        status = 1
        try:
            os.close(read)
            gc.disable()  # short-lived: collecting would only copy the parent's pages
            payload = pickle.dumps([function(item) for item in share], pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write, "wb") as out:
                out.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    return pid, read


def _answer(child: tuple[int, int]) -> list[R] | None:
    """A child's results, or None when it failed in any way."""
    pid, read = child
    with os.fdopen(read, "rb") as handle:
        payload = handle.read()
    _, status = os.waitpid(pid, 0)
    if status != 0 or not payload:
        return None
    try:
        answer = pickle.loads(payload)
    except Exception:
        return None
    return answer if isinstance(answer, list) else None


class Background:
    """Work handed to forked children while this process goes on; `wait` for it before
    relying on what it makes (and before letting go of anything that guards it)."""

    def __init__(self) -> None:
        self._children: list[int] = []

    def run(self, work: Callable[[], None]) -> None:
        if not hasattr(os, "fork"):
            work()
            return
        pid = os.fork()
        if pid == 0:
            status = 1
            try:
                gc.disable()
                work()
                status = 0
            finally:
                os._exit(status)
        self._children.append(pid)

    def wait(self) -> bool:
        """Whether every piece of work handed aside was done whole."""
        done = True
        while self._children:
            _, status = os.waitpid(self._children.pop(), 0)
            done = done and status == 0
        return done


class Forked(Generic[R]):
    """`work()` done by a forked child while this process goes on. `result` is its answer, or
    None when the child failed in any way (do the work here then); `close` ends a child whose
    answer is not wanted. (On a system without fork there is no child, and no answer.)"""

    def __init__(self, work: Callable[[], R]) -> None:
        self._child = _fork(lambda _: work(), [None]) if hasattr(os, "fork") else None

    def result(self) -> R | None:
        if self._child is None:
            return None
        child, self._child = self._child, None
        answer = _answer(child)
        return answer[0] if answer else None

    def close(self) -> None:
        if self._child is None:
            return
        (pid, read), self._child = self._child, None
        os.close(read)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
