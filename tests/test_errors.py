"""sitegen's errors: each survives the trip back from a worker process whole."""

from __future__ import annotations

import pickle

import pytest

from sitegen.content import Refused, Unreadable
from sitegen.errors import ChangedError, ConfigError, RefusedError, UsageError
from sitegen.files import UnsafeFile


@pytest.mark.parametrize(
    "error",
    [
        Unreadable("the header is not YAML", 3),
        Refused("anchors are not allowed", 4),
        UnsafeFile("content/posts/a/photos", "is a folder, not a regular file"),
        RefusedError("refused", "site.toml", 2),
        ConfigError("no site.toml here", "site.toml"),
        ChangedError("changed while the build read it", "content/posts/a"),
        UsageError("no such post"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_an_error_raised_in_a_worker_comes_back_whole(error: Exception) -> None:
    """An exception pickled with OSError's or Exception's own arguments when its class takes
    others failed to unpickle, which breaks the whole pool (the preview's BrokenProcessPool)."""
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error) and str(back) == str(error)
    assert getattr(back, "line", None) == getattr(error, "line", None)
