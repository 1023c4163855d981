"""Every post read and analysed: from the store when its files are unchanged, else made anew."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen.config import Config
from sitegen.content import load_post
from sitegen.engine.options import DEFAULT, EngineOptions
from sitegen.making import Progress, pickled, unpickled
from sitegen.model import Register
from sitegen.policy import Analysis, analyse_many
from sitegen.policy.names import NameIndex

if TYPE_CHECKING:
    from sitegen.site import Site


def analyse_all(
    site: Site, progress: Progress | None = None, options: EngineOptions = DEFAULT
) -> list[Analysis]:
    """Every post's analysis: remembered by its key, else made anew, over all cores when there
    are many."""
    folders, keys = site.index.keys()
    results = [unpickled(site.store.analyses.get(k)) for k in keys]
    missing = [i for i, r in enumerate(results) if r is None]
    advance = progress.start("posts", len(missing)) if progress and missing else None
    fresh = _analyse(site, [Path(folders[i]) for i in missing], advance, options)
    for i, analysis in zip(missing, fresh, strict=True):
        results[i] = analysis
        if site.index.key(folders[i], fresh=True) == keys[i]:  # else saved meanwhile
            site.store.analyses.put(keys[i], pickled(analysis))
    return [r for r in results if r is not None]


def _analyse(
    site: Site,
    folders: list[Path],
    advance: Callable[[int], None] | None,
    options: EngineOptions,
) -> list[Analysis]:
    config, register = site.config, site.register
    workers = min(os.cpu_count() or 1, 8)
    if len(folders) < options.parallel_from or workers < 2:
        out = analyse_folders(site.root, config, register, folders)
        if advance:
            advance(len(folders))
        return out
    size = max(16, len(folders) // (workers * 4))
    chunks = [folders[i : i + size] for i in range(0, len(folders), size)]
    out = []
    from concurrent.futures import ProcessPoolExecutor  # 13 ms to import: only when used

    from sitegen.engine.forking import pool_worker, stopped_if_interrupted

    with (
        ProcessPoolExecutor(max_workers=workers, initializer=pool_worker) as pool,
        stopped_if_interrupted(pool),
    ):
        for result in pool.map(
            analyse_folders,
            *zip(*[(site.root, config, register, c) for c in chunks], strict=True),
        ):
            out.extend(result)
            if advance:
                advance(len(result))
    return out


def analyse_folders(
    root: Path, config: Config, register: Register, folders: list[Path]
) -> list[Analysis]:
    """The posts in these folders, read and analysed (in a worker, or here)."""
    posts = [load_post(root, folder, config.tz, config.language) for folder in folders]
    return analyse_many(posts, NameIndex(register), register, config.tone_threshold <= 0)
