"""The whole-build memory: a build whose inputs are all as last time does nothing at all."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sitegen import records
from sitegen.engine.keys import cache_key
from sitegen.engine.manifests import TreeCheck, intact, manifests_print
from sitegen.engine.store import CACHE_DIR
from sitegen.making import (
    MadePost,
)
from sitegen.render import Renderer
from sitegen.summary import Summary


def read_or_nothing(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


if TYPE_CHECKING:
    from sitegen.site import Site

LAST_BUILD = "last-build.pickle"


OUTPUT_PARTS = ("site", "exports", "report.json")


TREES = ("site", "exports")  # the parts that are folders


def tree_check(out: Path) -> TreeCheck:
    """Start comparing the output trees with their manifests (see `TreeCheck`), first of all:
    it runs while the build reads everything else."""
    return TreeCheck(out, OUTPUT_PARTS)


def inputs_hash(site: Site, renderer: Renderer, out: Path) -> str:
    """The hash of everything a build's output is made of, but the clock."""
    _, keys = site.index.keys()
    return cache_key(
        "build",
        str(out),
        site.sources,
        read_or_nothing(
            site.root / records.LEDGER
        ),  # restored from a backup: what is live is recorded
        renderer.fingerprint,
        keys,
        sorted(site.index.edits.items()),  # (who their edits put on photos counts: see there)
        site.photos.tools,
    )


def remembered(
    site: Site, inputs: str, out: Path, check: TreeCheck | None
) -> dict[str, Any] | None:
    import pickle

    try:
        memo = pickle.loads((site.root / CACHE_DIR / LAST_BUILD).read_bytes())
    except Exception:  # damaged in any way (a flipped byte can name any class): ignored
        return None
    if (
        not isinstance(memo, dict)
        or memo.get("inputs") != inputs
        or not isinstance(memo.get("summary"), Summary)
        or not isinstance(memo.get("strict"), list)
        or not isinstance(memo.get("now"), datetime)
        or not isinstance(memo.get("valid_until"), datetime | None)
        or memo.get("trees") != manifests_print(out, list(OUTPUT_PARTS))
    ):
        return None
    until, made = memo.get("valid_until"), memo.get("now")
    if made is None or site.context.now < made:
        return None  # built for a later moment (--now): the clock went back
    if until is not None and site.context.now >= until:
        return None  # a post fell due or a consent was withdrawn since
    return memo if intact(out, list(OUTPUT_PARTS), check) else None


def forget(site: Site) -> None:
    """From here until `remember`, no memory may vouch for what is live."""
    (site.root / CACHE_DIR / LAST_BUILD).unlink(missing_ok=True)


def remember(
    site: Site,
    inputs: str,
    out: Path,
    units: list[MadePost],
    summary: Summary,
    strict: list[tuple[str, str, str]],
) -> None:
    """Note what this build made, and until when the same inputs make the same output."""
    import pickle

    moments = [u.until for u in units if u.until is not None]
    memo = {
        "inputs": inputs,
        "now": site.context.now,
        "valid_until": min(moments) if moments else None,
        "summary": summary,
        "trees": manifests_print(out, list(OUTPUT_PARTS)),
        "strict": strict,
    }
    path = site.root / CACHE_DIR / LAST_BUILD
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(pickle.dumps(memo))
        os.replace(tmp, path)
    except OSError:
        pass


def valid_until(root: Path) -> datetime | None:
    """Until when the last build's decisions hold (a post falls due, a consent ends or a
    withdrawal dated ahead comes), or None when nothing it decided changes with the clock,
    or no build is remembered."""
    import pickle

    try:
        memo = pickle.loads((root / CACHE_DIR / LAST_BUILD).read_bytes())
    except Exception:  # (no build remembered, or damaged: as for `remembered`)
        return None
    until = memo.get("valid_until") if isinstance(memo, dict) else None
    return until if isinstance(until, datetime) else None
