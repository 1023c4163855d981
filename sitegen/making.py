"""Making posts: the post stages (inspect photos, judge, decide, make outputs), in a pool."""

from __future__ import annotations

import contextlib
import pickle
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from sitegen import records
from sitegen.config import Config
from sitegen.content import load_post
from sitegen.engine.forking import pool_worker
from sitegen.engine.hashes import FileHashes
from sitegen.engine.plan import Content, Fresh, Placed, Same, fingerprint
from sitegen.engine.standby import place
from sitegen.engine.store import RecordFile, ResultFiles, fast_reduce
from sitegen.exports import ExportRow, export_spec
from sitegen.faces import Box
from sitegen.gate import WEBSITE, Decision, changes_at, decide
from sitegen.images import Job, RenderSpec, Variant, render_all
from sitegen.inspection import PhotoReader, PostPhotos, Seen
from sitegen.model import ImageRef, Post, Register
from sitegen.outputs import post_outputs
from sitegen.policy import Analysis, Context, analyse_many, judge
from sitegen.policy.names import NameIndex
from sitegen.render import PostView, Renderer, post_page, stands_alone
from sitegen.vision import Tools


class Progress(Protocol):
    """Where a long stage reports how far it got (a rich progress bar on a terminal)."""

    def start(self, label: str, total: int) -> Callable[[int], None]: ...


Record = tuple[str, str]  # an output's input key and its fingerprint
Rendered = dict[tuple[str, str], list[tuple[ImageRef, list[Variant], dict[str, Any]]]]


class MadePost(NamedTuple):
    """Everything one post puts into a build: its files, its view for the lists, its bundles,
    its ledger entries, and why it misses a platform. Kept between builds (files by their
    fingerprints, bundles by their rows of bulk.csv), so a post whose inputs did not change
    costs nothing. (A tuple: a build reads one back for every post of the site.)"""

    slug: str
    made: datetime
    until: datetime | None  # a post falls due or a consent is withdrawn then
    view: PostView | None  # on the website
    site: dict[str, Content]
    exports: dict[str, Content]
    rows: tuple[ExportRow, ...]  # of each platform's bulk.csv
    publications: tuple[records.Publication, ...]
    left_out: tuple[tuple[str, str], ...]  # (platform, reason)
    strict: tuple[tuple[str, str], ...]  # left out although approved (`build --strict`)
    report: tuple[tuple[str, str], ...]  # its lines of report.json, by section

    def valid_at(self, now: datetime) -> bool:
        return self.made <= now and (self.until is None or now < self.until)

    def kept(self) -> MadePost:
        """The unit as remembered: files by fingerprint, never their bytes."""
        return self._replace(
            site={p: _same(c) for p, c in self.site.items()},
            exports={p: _same(c) for p, c in self.exports.items()},
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return fast_reduce(self)


def _same(content: Content) -> Content:
    # (a file placed in a tree by a worker is, from then on, a file some tree has)
    return Same(fingerprint(content)) if isinstance(content, bytes | Fresh | Placed) else content


def current(record: object, key: str) -> bool:
    """Whether the last build's record of a file names these inputs."""
    return isinstance(record, tuple) and record[0] == key


def made_from(record: object, key: str, make: Callable[[], bytes]) -> tuple[Content, Record]:
    """A file made from inputs hashed as `key`: the last build's (the live or spare tree has
    it) when its record names the same key, else made now; and the record to keep."""
    if current(record, key):
        assert isinstance(record, tuple)
        return Same(record[1]), record
    made = Fresh.of(make())
    return made, (key, made.fp)


@dataclass
class Maker:
    """What making posts' units needs, in the build's process or in a worker: the rules'
    context, the templates, and the last build's records of the pages it made."""

    context: Context
    photos: PhotoReader
    renderer: Renderer
    known: dict[str, Record] = field(default_factory=dict)
    made: dict[str, Record] = field(default_factory=dict)  # records of this build's pages
    times: dict[str, float] = field(default_factory=dict)  # seconds in each stage, summed

    def units(
        self,
        analyses: list[Analysis],
        progress: Progress | None = None,
        workers: int | None = None,
    ) -> list[MadePost]:
        """The policy's story for these posts, stage by stage: inspect their photos, judge
        them, decide where each goes (the gate), and make their outputs."""
        ctx = self.context
        with self.timed("inspect photos"):  # (the long part of a first build: OCR, faces)
            count = sum(len(a.post.images) for a in analyses)
            advance = progress.start("checking photos", count) if progress and count else None
            photos = self.photos.inspect_all([a.post for a in analyses], advance)
        with self.timed("judge"):
            checked = [judge(a, ctx, p) for a, p in zip(analyses, photos, strict=True)]
        with self.timed("decide"):
            decided = [decide(c, ctx) for c in checked]
        with self.timed("make outputs"):
            images, failed = render_images(
                ctx.config, self.photos, decided, progress, workers, photos
            )
            return [self.unit(d, images, failed) for d in decided]

    @contextlib.contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.times[stage] = self.times.get(stage, 0.0) + time.perf_counter() - start

    @property
    def hashes(self) -> FileHashes:
        return self.photos.hashes or FileHashes(RecordFile(None))

    def output(self, path: str, key: str, make: Callable[[], bytes]) -> Content:
        content, self.made[path] = made_from(self.known.get(path), key, make)
        return content

    def unit(self, d: Decision, images: Rendered, failed: dict[tuple[str, str], str]) -> MadePost:
        """The post's outputs (outputs.py decides them), with how long they hold."""
        ctx, post = self.context, d.checked.post
        failures = {p: reason for (slug, p), reason in failed.items() if slug == d.slug}

        def page(view: PostView) -> dict[str, Content]:
            if not stands_alone(view, ctx.config):  # (made with the lists: translated_pages)
                return {}
            path, spec = post_page(view)
            return {
                path: self.output(
                    path, spec.key(self.renderer), partial(spec.render, self.renderer)
                )
            }

        outputs = post_outputs(
            d,
            {p: images[(d.slug, p)] for p in d.platforms if (d.slug, p) not in failed},
            failures,
            ctx.config,
            {ref.file: self.hashes.hash(post.folder / ref.file) for ref in post.images},
            page,
        )
        # A photo that failed may be a passing fault (memory, a killed worker): a unit with a
        # failure is never remembered as valid, so the next build tries again.
        until = ctx.now if failures else changes_at(post, ctx)
        return MadePost(outputs.slug, ctx.now, until, *outputs[1:])


def published_name(post: Post, ref: ImageRef, covered: tuple[int, ...] = ()) -> str:
    """Published files are named by the image's place in the post, never by its file name,
    which staff may have made from a child's name; and by the faces covered on the copy, so
    that a copy that covers another face has another address (a browser, a cache or a link
    preview can never show the copy before it under the same one)."""
    faces = "".join(f"-{n}" for n in sorted(covered))
    return f"photo-{post.images.index(ref) + 1}" + (f"-covered{faces}" if faces else "")


def render_images(
    config: Config,
    reader: PhotoReader,
    decided: list[Decision],
    progress: Progress | None = None,
    workers: int | None = None,
    photos: list[PostPhotos] | None = None,
) -> tuple[Rendered, dict[tuple[str, str], str]]:
    """Every image each platform may show, rendered once per size set and covered faces,
    over all cores (or `workers`). `photos`: each decided post's photos as inspected (the
    faces the gate's numbers name)."""
    hashes = reader.hashes or FileHashes(RecordFile(None))
    website_spec = RenderSpec(config.image_widths, config.image_quality, config.max_pixels)
    seen = {d.slug: p.seen for d, p in zip(decided, photos or [], strict=False)}
    unfound: dict[tuple[str, str], str] = {}
    jobs = []
    for d in decided:
        for platform, refs in d.platforms.items():
            spec = website_spec if platform == WEBSITE else export_spec(platform, config)
            for ref in refs:
                path = d.checked.post.folder / ref.file
                cover = covered_boxes(d, platform, ref, seen.get(d.slug, {}))
                if cover is None:  # never published uncovered: left out there instead
                    unfound[(d.slug, platform)] = f"image {ref.file}: its faces were not found"
                    continue
                numbers = d.covered.get(platform, {}).get(ref.file, ())
                name = published_name(d.checked.post, ref, numbers)
                job = Job(path, name, spec, hashes.hash(path), cover)
                jobs.append((d.slug, platform, ref, job))
    advance = progress.start("images", len(jobs)) if progress and jobs else None
    results = render_all([job for *_, job in jobs], reader.files, workers, advance)
    rendered: Rendered = {(d.slug, p): [] for d in decided for p in d.platforms}
    failed: dict[tuple[str, str], str] = dict(unfound)
    for (slug, platform, ref, _), result in zip(jobs, results, strict=True):
        if isinstance(result, Exception):
            failed[(slug, platform)] = f"image {ref.file} could not be published: {result}"
        else:
            rendered[(slug, platform)].append((ref, *result))
    return rendered, failed


def covered_boxes(
    decision: Decision, platform: str, ref: ImageRef, seen: dict[str, Seen]
) -> tuple[Box, ...] | None:
    """The boxes of the faces the gate covers in the image's copy for `platform`, or None
    when they are not known. (The gate lets a photo with covered faces out only when its
    `faces` list fits the faces found, else SG128 blocks the post: None is a fault.)"""
    numbers = decision.covered.get(platform, {}).get(ref.file, ())
    if not numbers:
        return ()
    found = seen[ref.file].faces if ref.file in seen else None
    if found is None or max(numbers) > len(found):
        return None
    return tuple(found.boxes[n - 1] for n in numbers)


# --- many posts at once, over worker processes --------------------------------------------

_worker: tuple[Maker, NameIndex, Path, dict[str, tuple[str, str]] | None] | None = None


def start_worker(
    config: Config,
    register: Register,
    now: datetime,
    audit_entries: Mapping[str, dict[str, Any]],
    cache_root: Path,
    tools: Tools,
    root: Path,
    compiled: Path | None,
    templates: dict[str, bytes],
    trees: dict[str, tuple[str, str]] | None = None,
    signatures: Mapping[str, str | None] | None = None,
    shows: Mapping[str, frozenset[str]] | None = None,
) -> None:
    """Set a worker process up once: everything but the posts, which come in chunks; with
    `trees` (`whole_trees`), the folders it writes each post's new files into; `shows`: who
    each photo shows by the ledger's records (PhotoReader.shows)."""
    global _worker
    pool_worker()
    context = Context(config, register, now, audit_entries, signatures=signatures or {})
    photos = PhotoReader(
        ResultFiles(cache_root),
        FileHashes(RecordFile(None)),
        tools,
        config.max_pixels,
        lambda: shows or {},
    )
    renderer = Renderer(config, root / "templates", compiled=compiled, sources=templates)
    _worker = (Maker(context, photos, renderer), context.names, root, trees)


class Made(NamedTuple):
    """What a chunk of posts gave: their units, their approvals' audit entries, the analyses
    made for them (sealed: the build keeps them without reading them), and page records."""

    units: list[MadePost]
    entries: list[str]
    sealed: list[bytes | None]  # None where the analysis was remembered already
    pages: dict[str, Record]
    times: dict[str, float]  # seconds in each stage (read posts, inspect photos, judge ...)


def pickled(analysis: Analysis) -> bytes:
    return pickle.dumps(analysis, protocol=pickle.HIGHEST_PROTOCOL)


def unpickled(sealed: object) -> Analysis | None:
    """A pickled analysis, or None when it is not one (damaged, another version's)."""
    if not isinstance(sealed, bytes):
        return None
    try:
        analysis = pickle.loads(sealed)
    except Exception:
        return None
    return analysis if isinstance(analysis, Analysis) else None


Item = tuple[Path, bytes | None]  # a post's folder, and its analysis when remembered (sealed)


def make_chunk(
    maker: Maker,
    names: NameIndex,
    root: Path,
    items: list[Item],
    progress: Progress | None = None,
    workers: int | None = None,
    keep: bool = True,
) -> Made:
    """A chunk of posts analysed (unless remembered), judged, decided and made; with `keep`,
    the analyses made are returned sealed."""
    config, register = maker.context.config, maker.context.register
    maker.made, maker.times = {}, {}
    with maker.timed("read and analyse"):
        given = [unpickled(sealed) if sealed is not None else None for _, sealed in items]
        posts = [
            load_post(root, folder, config.tz, config.language)
            for (folder, _), analysis in zip(items, given, strict=True)
            if analysis is None
        ]
        fresh = iter(analyse_many(posts, names, register, config.tone_threshold <= 0))
        analyses = [analysis or next(fresh) for analysis in given]
    units = maker.units(analyses, progress, workers)
    return Made(
        units,
        [a.post.approval.entry if a.post.approval else "" for a in analyses],
        [pickled(a) if keep and g is None else None for a, g in zip(analyses, given, strict=True)],
        maker.made,
        maker.times,
    )


def work(items: list[Item], known: dict[str, Record], pins: dict[str, str]) -> Made:
    """A chunk of posts, in a worker, with the last build's records of their pages and the
    file hashes the build's keys were made from (`pins`)."""
    assert _worker is not None, "start_worker runs first"
    maker, names, root, trees = _worker
    if maker.photos.hashes is not None:
        maker.photos.hashes.pinned = pins
    maker.known = known
    made = make_chunk(maker, names, root, items, workers=1)
    if trees is not None:
        made.units[:] = [_placed(unit, trees) for unit in made.units]
    return made


def _placed(unit: MadePost, trees: dict[str, tuple[str, str]]) -> MadePost:
    """The unit with its new files written into the trees being made, known by their records."""

    def placed(tree: tuple[str, str], files: dict[str, Content]) -> dict[str, Content]:
        return {
            path: place(tree, path, content) if isinstance(content, Fresh) else content
            for path, content in files.items()
        }

    return unit._replace(
        site=placed(trees["site"], unit.site), exports=placed(trees["exports"], unit.exports)
    )
