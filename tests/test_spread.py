"""fork_map: the same results as a plain loop, from forked processes; failures redone here.
Forked: work done aside, answered once, or ended when not wanted."""

from __future__ import annotations

import os
import time

import pytest

from sitegen.engine.forking import Forked, fork_map


def test_results_in_order_and_made_in_other_processes() -> None:
    parent = os.getpid()
    results = fork_map(lambda n: (n * n, os.getpid()), list(range(300)), processes=3, least=10)
    assert [square for square, _ in results] == [n * n for n in range(300)]
    pids = {pid for _, pid in results}
    assert parent in pids and len(pids) == 3  # the first share here, the others in children


def test_the_function_may_read_anything_the_parent_holds() -> None:
    unpicklable = {"lock": __import__("threading").Lock(), "factor": 7}
    assert fork_map(lambda n: n * unpicklable["factor"], list(range(200)), 2, 10) == [
        n * 7 for n in range(200)
    ]


def test_a_child_that_fails_has_its_share_done_here_and_the_error_raised_here() -> None:
    parent = os.getpid()

    def flaky(n: int) -> int:
        if n == 150 and os.getpid() != parent:
            os._exit(3)  # a child dies without a word
        return n + 1

    assert fork_map(flaky, list(range(200)), 2, 10) == [n + 1 for n in range(200)]

    def broken(n: int) -> int:
        if n == 150:
            raise ValueError("item 150")
        return n

    with pytest.raises(ValueError, match="item 150"):
        fork_map(broken, list(range(200)), 2, 10)


def test_few_items_are_done_here() -> None:
    parent = os.getpid()
    assert fork_map(lambda n: os.getpid(), list(range(20)), 2, 64) == [parent] * 20


def test_forked_work_answers_from_another_process() -> None:
    parent = os.getpid()
    work = Forked(lambda: (os.getpid(), [1, 2, 3]))
    pid, numbers = work.result()  # type: ignore[misc]
    assert pid != parent and numbers == [1, 2, 3]
    assert work.result() is None  # (answered once)


def test_forked_work_that_fails_answers_none() -> None:
    def fails() -> int:
        raise RuntimeError("no")

    assert Forked(fails).result() is None


def test_forked_work_not_wanted_is_ended_and_reaped() -> None:
    work = Forked(lambda: time.sleep(30))
    assert work._child is not None
    pid = work._child[0]
    work.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # gone, not a zombie
