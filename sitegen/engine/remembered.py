"""Each post's outputs for its key: remembered from the last build, or made (in workers)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from sitegen.engine.forking import stopped_if_interrupted
from sitegen.engine.keys import cache_key
from sitegen.engine.lastbuild import TREES
from sitegen.engine.options import DEFAULT, EngineOptions
from sitegen.engine.plan import Content, Same
from sitegen.engine.standby import whole_trees
from sitegen.engine.store import CACHE_DIR
from sitegen.errors import ChangedError
from sitegen.making import (
    Item,
    Made,
    MadePost,
    Maker,
    Progress,
    Record,
    made_from,
    make_chunk,
    start_worker,
    work,
)
from sitegen.render import Renderer
from sitegen.site import cache_root

if TYPE_CHECKING:
    from sitegen.site import Site


class PostsMade(NamedTuple):
    """Every post's outputs (a `MadePost` each), how many were made rather than remembered, and
    the seconds the making spent in each stage (summed over worker processes)."""

    units: list[MadePost]
    made: int
    times: dict[str, float]


def post_outputs_by_key(
    site: Site,
    renderer: Renderer,
    out: Path,
    progress: Progress | None,
    trust: bool,
    options: EngineOptions = DEFAULT,
) -> PostsMade:
    """Each post's outputs for its key: remembered when its files, its approval's audit entry
    and the site's settings, register and templates are as they were (and its decision still
    holds: `MadePost.valid_at`), else made by the post stages (`Maker.units`), here or in worker
    processes when there are many. `trust`: False takes nothing remembered on trust."""
    folders, keys = site.index.keys()
    unit_key = _unit_key(site, renderer)
    memory = site.store.memory
    units: list[MadePost | None] = []
    seen: list[bool] = []
    for folder, key in zip(folders, keys, strict=True):
        entry = memory.get("approval\0" + key)  # the approval's entry, when last analysed
        known = trust and entry is not None
        unit = memory.get("unit\0" + unit_key(folder, key, entry)) if known else None
        units.append(
            unit if isinstance(unit, MadePost) and unit.valid_at(site.context.now) else None
        )
        seen.append(entry is not None)
    missing = [i for i, u in enumerate(units) if u is None]
    for i, unit in enumerate(units):
        if unit is not None:  # its page's record stays for when the unit is made again
            memory.keep([f"made\0posts/{os.path.basename(folders[i])}/index.html"])
    if not missing:
        return PostsMade([u for u in units if u is not None], 0, {})
    made = _make(site, renderer, out, progress, trust, options, [(i, seen[i]) for i in missing])
    for i in missing:  # files saved during the build: nothing is remembered or published
        if site.index.key(folders[i], fresh=True) != keys[i]:
            raise ChangedError(
                "changed while the build was reading it: nothing was published, build again",
                os.path.relpath(folders[i], site.root),
            )
    pack = site.store.analyses
    for i, unit, entry, sealed in zip(missing, made.units, made.entries, made.sealed, strict=True):
        if sealed is not None:
            pack.put(keys[i], sealed)
        memory.put("approval\0" + keys[i], entry)
        memory.put("unit\0" + unit_key(folders[i], keys[i], entry), unit.kept())
        units[i] = unit
    for path, record in made.pages.items():
        memory.put("made\0" + path, record)
    if pack.loaded:  # every current post's analysis stays, used by this build or not
        pack.keep(keys)
    return PostsMade([u for u in units if u is not None], len(missing), made.times)


def _unit_key(site: Site, renderer: Renderer) -> Callable[[str, str, str], str]:
    """A post's unit's key, from its folder, its post key and its approval's audit entry:
    with the settings, register and templates, the checks the machine can run, and who the
    ledger records on the post's photos."""
    common = cache_key(
        "unit",
        site.sources["settings"],
        site.sources["register"],
        renderer.fingerprint,
        site.photos.tools,
    )
    entries, taken_back = site.context.audit_entries, site.context.taken_back
    shows, pinned = site.photos.shows(), site.store.hashes.pinned

    def unit_key(folder: str, key: str, entry: str) -> str:
        # A valid entry's hash names its content, and the post (in `key`) names the entry.
        # (Both parts are hashes already: joined, not hashed again, thousands of times.)
        recorded = [
            f"{pinned[path]}:{','.join(sorted(shows[pinned[path]]))}"
            for path in site.index.files.get(folder, ())
            if pinned.get(path) in shows
        ]
        valid = entry in entries and entry not in taken_back
        return f"{common}\0{key}\0{'valid' if valid else '-'}\0{';'.join(recorded)}"

    return unit_key


def _make(
    site: Site,
    renderer: Renderer,
    out: Path,
    progress: Progress | None,
    trust: bool,
    options: EngineOptions,
    missing: list[tuple[int, bool]],
) -> Made:
    """The posts at these indexes made by the post stages, with their analyses when
    remembered (a post whose approval was seen before has its analysis kept)."""
    folders, keys = site.index.keys()
    pack, memory = site.store.analyses, site.store.memory
    known: dict[str, Record] = {}
    if trust:
        for i, _ in missing:
            path = f"posts/{os.path.basename(folders[i])}/index.html"
            if isinstance(record := memory.get("made\0" + path), tuple):
                known[path] = record
    items = [(Path(folders[i]), pack.get(keys[i]) if seen else None) for i, seen in missing]
    workers = min(os.cpu_count() or 1, 8)
    if len(missing) >= options.parallel_from and workers > 1:
        return _make_in_workers(site, renderer, out, items, known, workers, progress)
    maker = Maker(site.context, site.photos, renderer, known)
    keep = pack.loaded or len(missing) >= options.parallel_from  # (not read only to add a few)
    return make_chunk(maker, site.context.names, site.root, items, progress, keep=keep)


def _make_in_workers(
    site: Site,
    renderer: Renderer,
    out: Path,
    items: list[Item],
    known: dict[str, Record],
    workers: int,
    progress: Progress | None,
) -> Made:
    """Posts analysed, judged and made in worker processes, in chunks that keep every core
    busy to the end."""
    from concurrent.futures import ProcessPoolExecutor  # 13 ms to import: only when used

    ctx = site.context
    advance = progress.start("posts", len(items)) if progress else None
    made = Made([], [], [], {}, {})
    setup = (
        site.config,
        site.register,
        ctx.now,
        ctx.audit_entries,
        cache_root(site.root),
        site.photos.tools,
        site.root,
        compiled_templates(site),
        renderer.sources,
        # A first build's workers write each post's files into the new trees themselves:
        # the pages never travel back to this process, nor are they written by it.
        whole_trees(out, TREES),
        ctx.signatures,  # (checked once, in this process: ssh-keygen is not run again)
        site.photos.shows(),
    )
    renderer.compile_all()  # (the workers read the compiled templates from the cache)
    with (
        ProcessPoolExecutor(workers, initializer=start_worker, initargs=setup) as pool,
        stopped_if_interrupted(pool),
    ):
        futures = []
        pinned = site.store.hashes.pinned
        for chunk in shrinking_chunks(items, workers):
            paths = {f"posts/{folder.name}/index.html" for folder, _ in chunk}
            pins = {
                path: pinned[path]
                for folder, _ in chunk
                for path in site.index.files.get(str(folder), [])
                if path in pinned
            }
            records = {p: known[p] for p in paths & known.keys()}
            futures.append(pool.submit(work, chunk, records, pins))
        for future in futures:
            done = future.result()
            made.units.extend(done.units)
            made.entries.extend(done.entries)
            made.sealed.extend(done.sealed)
            made.pages.update(done.pages)
            for stage, seconds in done.times.items():  # (each worker's, summed)
                made.times[stage] = made.times.get(stage, 0.0) + seconds
            if advance:
                advance(len(done.units))
    return made


T_item = TypeVar("T_item")


def shrinking_chunks(items: list[T_item], workers: int, least: int = 24) -> list[list[T_item]]:
    """Large chunks first (each step of the analysis runs over a whole chunk, and every chunk
    costs a round trip), then smaller and smaller, so that the cores finish together."""
    chunks, start = [], 0
    while start < len(items):
        size = max(least, (len(items) - start) // (workers * 3))
        chunks.append(items[start : start + size])
        start += size
    return chunks


def compiled_templates(site: Site) -> Path | None:
    """Where compiled templates are kept (none when the folder cannot be made)."""
    folder = site.root / CACHE_DIR / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def made_or_remembered(
    site: Site, trust: bool, path: str, key: str, make: Callable[[], bytes]
) -> Content:
    """An output made from inputs hashed as `key`: the last build's file when the key is the
    same (the live or spare tree has it), else made now."""
    memory = site.store.memory
    content, record = made_from(memory.get("made\0" + path) if trust else None, key, make)
    if not isinstance(content, Same):
        memory.put("made\0" + path, record)
    return content
