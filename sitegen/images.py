"""Photos: what the checks learn of each, what is published of it, and the cache of both."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sitegen.engine.keys import cache_key, content_hash, source_version
from sitegen.engine.store import ResultFiles
from sitegen.faces import Box
from sitegen.files import read_file

FACTS_VERSION = 1
# What makes facts and renders: a change elsewhere in sitegen keeps them.
IMAGE_CODE = source_version("images.py", "pixels.py", "imageverify.py", "faces.py")
RENDER_VERSION = 1


@dataclass(frozen=True)
class ImageFacts:
    """What the policy needs to know about one image file; cached by its bytes."""

    format: str | None
    width: int  # as displayed, after orientation
    height: int
    make: str
    model: str
    personal: tuple[str, ...]  # kinds of personal metadata found (all removed on publish)
    error: str | None  # why it cannot be published (SG121), or None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImageFacts:
        return cls(**{**data, "personal": tuple(data["personal"])})


def device_name(make: str, model: str) -> str:
    """SPEC's device name: Model alone when it already starts with Make's first word."""
    make, model = " ".join(make.split()), " ".join(model.split())
    first = make.split(" ")[0].lower() if make else ""
    if first and model.lower().startswith(first):
        return model
    return f"{make} {model}".strip()


def device_approved(make: str, model: str, approved: Iterable[str]) -> bool:
    names = {_squash(device_name(make, model)), _squash(f"{make} {model}")}
    return any(_squash(entry) in names for entry in approved)


def _squash(text: str) -> str:
    return " ".join(text.split()).lower()


def inspect_image(source: bytes, max_pixels: int) -> ImageFacts:
    """Open, read the metadata, and decode (cheaply) to prove the file is whole."""
    from sitegen import pixels  # Pillow is loaded only by a build that opens a photo

    return pixels.inspect(source, max_pixels)


def render_image(
    source: bytes, name: str, spec: RenderSpec, cover: tuple[Box, ...] = ()
) -> tuple[list[Variant], dict[str, bytes]]:
    """The published files of one image, with the `cover` faces covered. Raises
    ImageStructureError if anything would leak."""
    from sitegen import pixels

    return pixels.render(source, name, spec, cover)


def image_facts(
    path: Path, max_pixels: int, cache: ResultFiles, source_hash: str | None = None
) -> ImageFacts:
    """The facts of the image at `path`, by its content hash: read only when not known yet."""
    source: bytes | None = None
    if source_hash is None:
        source = read_file(path)
        source_hash = content_hash(source)
    key = cache_key("facts", FACTS_VERSION, source_hash, max_pixels, code=IMAGE_CODE)
    cached = cache.get_json("facts", key)
    if isinstance(cached, dict):
        try:
            return ImageFacts.from_json(cached)
        except TypeError:
            pass
    if source is None:
        source = read_file(path)
    facts = inspect_image(source, max_pixels)
    if content_hash(source) == source_hash:  # else the file changed since it was hashed
        cache.put_json("facts", key, asdict(facts))
    return facts


# --- publishing: what is made of a photo, and where it is kept ------------------------------


@dataclass(frozen=True)
class Variant:
    """One published file of an image."""

    file: str
    width: int
    height: int
    format: str  # "jpeg" | "webp"


@dataclass(frozen=True)
class RenderSpec:
    widths: tuple[int, ...]
    quality: int
    max_pixels: int
    webp: bool = True
    max_side: int | None = None  # exports: longest side at most this


def safe_stem(name: str) -> str:
    stem = Path(name).stem.lower()
    return re.sub(r"[^a-z0-9]+", "-", stem).strip("-") or "image"


def target_widths(width: int, height: int, spec: RenderSpec) -> list[int]:
    limit = width
    if spec.max_side:
        limit = min(limit, int(width * min(1.0, spec.max_side / max(width, height))))
    chosen = [w for w in spec.widths if w <= limit]
    return chosen or [limit]


@dataclass(frozen=True)
class Job:
    source: Path
    name: str
    spec: RenderSpec
    source_hash: str = ""  # known already (FileHashes): the file is read only to render it
    cover: tuple[Box, ...] = ()  # faces covered in this copy (faces.py), before resizing

    def key(self, source: bytes | None = None) -> str:
        digest = self.source_hash or content_hash(
            source if source is not None else read_file(self.source)
        )
        name, spec = safe_stem(self.name), asdict(self.spec)
        cover = [asdict(box) for box in self.cover]
        return cache_key("render", RENDER_VERSION, digest, name, spec, cover, code=IMAGE_CODE)


def _render_job(
    job: Job, cache_root: Path | None
) -> tuple[list[Variant], dict[str, Path] | dict[str, bytes]]:
    """Render one image that the cache does not have (render_all looked already)."""
    source = read_file(job.source)
    if job.source_hash and content_hash(source) != job.source_hash:
        # Replaced since it was hashed (and perhaps approved): never rendered, never stored
        # under the hash of other bytes.
        raise ValueError(f"{job.source.name} changed while the build was reading it")
    variants, data = render_image(source, job.name, job.spec, job.cover)
    stored = ResultFiles(cache_root).put_files(
        "render", job.key(source), data, [asdict(v) for v in variants]
    )
    return variants, stored if stored is not None else data


def render_all(
    jobs: list[Job],
    cache: ResultFiles,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[tuple[list[Variant], dict[str, Path] | dict[str, bytes]] | Exception]:
    """Render every job: cached ones at once, the rest over all cores; errors are values."""
    results: list[Any] = [None] * len(jobs)
    pending: list[int] = []
    for i, job in enumerate(jobs):
        key_known = _cached(job, cache)
        if key_known is not None:
            results[i] = key_known
            if progress:
                progress(1)
        else:
            pending.append(i)
    workers = workers or os.cpu_count() or 1
    if len(pending) > 1 and workers > 1:
        from concurrent.futures import (
            BrokenExecutor,
            ProcessPoolExecutor,  # 13 ms to import: only when used
        )

        from sitegen.engine.forking import pool_worker, stopped_if_interrupted

        with (
            ProcessPoolExecutor(min(workers, len(pending)), initializer=pool_worker) as pool,
            stopped_if_interrupted(pool),
        ):
            futures = {i: pool.submit(_render_job, jobs[i], cache.root) for i in pending}
            for i, future in futures.items():
                try:
                    results[i] = future.result()
                except BrokenExecutor:
                    # A worker killed (out of memory, Ctrl-C): no photo's fault. Taken for one,
                    # its post would be left out and the site published without it.
                    raise
                except Exception as exc:
                    results[i] = exc
                if progress:
                    progress(1)
    else:
        for i in pending:
            try:
                results[i] = _render_job(jobs[i], cache.root)
            except Exception as exc:
                results[i] = exc
            if progress:
                progress(1)
    return results


def _cached(job: Job, cache: ResultFiles) -> tuple[list[Variant], dict[str, Path]] | None:
    if cache.root is None:
        return None
    try:
        key = job.key()
    except OSError:
        return None
    hit = cache.get_files("render", key)
    if hit is None:
        return None
    files, meta = hit
    return [Variant(**v) for v in meta], files
