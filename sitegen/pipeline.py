"""The pipeline, top to bottom: config -> content -> policy -> images -> render -> write."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sitegen import feeds, records
from sitegen.approval import AUDIT_LOG, image_hash, valid_entries
from sitegen.cache import Cache, FileHashes, Pack, cache_key
from sitegen.config import Config, load_config
from sitegen.content import load_post, post_folders
from sitegen.errors import UsageError
from sitegen.exports import Bundle, bulk_csv, bundle_files, compose, export_spec
from sitegen.gate import WEBSITE, Decision, decide
from sitegen.images import Job, RenderSpec, Variant, render_all
from sitegen.model import ImageRef, Post, Register
from sitegen.output import OutputPlan, build_lock, intact, publish
from sitegen.policy import Analysis, Checked, Context, analyse, judge
from sitegen.policy.names import NameIndex
from sitegen.register import load_register
from sitegen.render import PostView, Renderer, post_view, render_pages
from sitegen.vision import tools

CACHE_DIR = Path("build/.cache")


def cache_root(root: Path) -> Path:
    """Where content-addressed results live: build/.cache, or SITEGEN_CACHE_DIR (which may be
    shared between sites, since every entry is keyed by the content that made it)."""
    shared = os.environ.get("SITEGEN_CACHE_DIR")
    return Path(shared) if shared else root / CACHE_DIR


class Progress(Protocol):
    """Where a long stage reports how far it got (a rich progress bar on a terminal)."""

    def start(self, label: str, total: int) -> Callable[[int], None]: ...


@dataclass
class Store:
    """The build's memory between runs: packs of analyses and pages, and known file hashes."""

    analyses: Pack
    pages: Pack
    hashes: FileHashes

    @classmethod
    def open(cls, root: Path | None) -> Store:
        folder = root / CACHE_DIR / "packs" if root else None
        return cls(
            Pack(folder / "analyses.pack" if folder else None),
            Pack(folder / "pages.pack" if folder else None),
            FileHashes(Pack(folder / "hashes.pack" if folder else None)),
        )

    def save(self) -> None:
        for pack in (self.analyses, self.pages, self.hashes.pack):
            pack.save()


@dataclass
class Site:
    """Everything read from disk before any rule runs: gather first, then decide.

    Posts are read when first needed, through the store: a build of unchanged posts parses
    none of them.
    """

    root: Path
    config: Config
    register: Register
    context: Context
    store: Store
    _analyses: list[Analysis] | None = None
    _keys: tuple[list[Path], list[str]] | None = None

    @property
    def analyses(self) -> list[Analysis]:
        if self._analyses is None:
            self._analyses = analyse_all(self)
        return self._analyses

    @property
    def posts(self) -> tuple[Post, ...]:
        return tuple(a.post for a in self.analyses)


def parse_now(value: str | None, tz: ZoneInfo) -> datetime:
    """`--now` as an aware datetime; a date or a naive time means the site's time zone."""
    if value is None:
        return datetime.now(tz)
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value.strip()), clock_time(0, 0))
        except ValueError:
            raise UsageError(
                f'--now "{value}" is not an ISO date or datetime, '
                "for example 2026-11-20 or 2026-11-20T14:30"
            ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def load_site(root: Path, now: str | None = None) -> Site:
    config = load_config(root)
    clock = parse_now(now, config.tz)
    register = load_register(config)
    store = Store.open(root)
    context = Context(
        config,
        register,
        clock,
        valid_entries(root, store.analyses),
        cache=Cache(cache_root(root)),
        hashes=store.hashes,
        tools=tools(config.ocr, config.faces),
    )
    return Site(root, config, register, context, store)


ANALYSIS_VERSION = 1
PARALLEL_FROM = 24  # posts to analyse before starting worker processes pays off


def post_keys(site: Site) -> tuple[list[Path], list[str]]:
    """Each post folder and the hash of everything its analysis is made of."""
    if site._keys is None:
        config = site.config
        names = sorted(
            (p.pupil_id, p.first_name, p.last_name) for p in site.register.pupils.values()
        )
        common = (
            ANALYSIS_VERSION,
            str(site.root),
            names,
            config.timezone,
            config.language,
            config.tone_threshold <= 0,
        )
        folders = post_folders(site.root)
        keys = []
        for folder in folders:
            # Every file below the folder (images may sit in subfolders), and the folder's
            # own path: a renamed or copied post is a different post.
            files = sorted(
                (p.relative_to(folder).as_posix(), site.store.hashes.hash(p))
                for p in folder.rglob("*")
                if p.is_file() and p.name != "index.md"
            )
            keys.append(
                cache_key(
                    "analysis", common, str(folder), (folder / "index.md").read_bytes(), files
                )
            )
        site._keys = (folders, keys)
    return site._keys


def analyse_all(site: Site, progress: Progress | None = None) -> list[Analysis]:
    """Every post's analysis: from the store when its files are unchanged, else made anew,
    over all cores when there are many."""
    folders, keys = post_keys(site)
    results: list[Analysis | None] = [site.store.analyses.get(k) for k in keys]
    missing = [i for i, r in enumerate(results) if r is None]
    advance = progress.start("posts", len(missing)) if progress and missing else None
    fresh = _analyse(site, [folders[i] for i in missing], advance)
    for i, analysis in zip(missing, fresh, strict=True):
        results[i] = analysis
        site.store.analyses.put(keys[i], analysis)
    return [r for r in results if r is not None]


def _analyse(
    site: Site, folders: list[Path], advance: Callable[[int], None] | None
) -> list[Analysis]:
    config, register = site.config, site.register
    workers = min(os.cpu_count() or 1, 8)
    if len(folders) < PARALLEL_FROM or workers < 2:
        out = _analyse_chunk(site.root, config, register, folders)
        if advance:
            advance(len(folders))
        return out
    size = max(16, len(folders) // (workers * 4))
    chunks = [folders[i : i + size] for i in range(0, len(folders), size)]
    out = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for result in pool.map(
            _analyse_chunk, *zip(*[(site.root, config, register, c) for c in chunks], strict=True)
        ):
            out.extend(result)
            if advance:
                advance(len(result))
    return out


def _analyse_chunk(
    root: Path, config: Config, register: Register, folders: list[Path]
) -> list[Analysis]:
    names = NameIndex(register)
    prefilter = config.tone_threshold <= 0
    return [
        analyse(load_post(root, folder, config.tz, config.language), names, register, prefilter)
        for folder in folders
    ]


def reload_post(site: Site, post: Post) -> Post:
    return load_post(site.root, post.folder, site.config.tz, site.config.language)


def check(site: Site, posts: list[Post] | None = None) -> list[Checked]:
    """Judge every post (or `posts`) on today's register, log, settings and clock."""
    if posts is None:
        return [judge(a, site.context) for a in site.analyses]
    wanted = {p.folder for p in posts}
    return [judge(a, site.context) for a in site.analyses if a.post.folder in wanted]


def decisions(site: Site, checked: list[Checked]) -> list[Decision]:
    return [decide(c, site.context) for c in checked]


# --- build -------------------------------------------------------------------------------


@dataclass
class Timings:
    """Seconds per stage, in order, for `--timings` (like Zola's per-step log)."""

    stages: list[tuple[str, float]] = field(default_factory=list)
    _start: float = field(default_factory=time.perf_counter)

    def mark(self, stage: str) -> None:
        now = time.perf_counter()
        self.stages.append((stage, now - self._start))
        self._start = now


@dataclass(frozen=True)
class BuildResult:
    out: Path
    decisions: list[Decision]
    report: dict[str, Any]
    timings: Timings
    strict_failures: list[tuple[str, str, str]]


def build(
    site: Site, out: Path, progress: Progress | None = None, timings: Timings | None = None
) -> BuildResult:
    """Gather and decide everything, render it all in memory, then swap it into `out`."""
    timings = timings or Timings()
    config = site.config
    renderer = Renderer(config, site.root / "templates")  # template problems stop us here
    inputs = _inputs(site, renderer, out)
    remembered = _remembered(site, inputs, out)
    if remembered is not None:
        timings.mark("unchanged")
        return BuildResult(out, [], remembered["report"], timings, remembered["strict"])
    decided = decisions(site, check(site))
    timings.mark("check")

    images, failed = _render_images(site, decided, progress)
    timings.mark("images")

    site_plan, views = _website(site, renderer, decided, images, failed)
    timings.mark("render")
    on_website = {v.slug for v in views}
    export_plan, bundles = _exports(site, decided, images, failed, on_website)
    timings.mark("exports")

    left_out = [(d.slug, p, r) for d in decided for p, r in d.left_out]
    left_out += [(slug, p, r) for (slug, p), r in sorted(failed.items())]
    report = {
        "published": [{"slug": v.slug, "url": config.base_url + v.path} for v in views],
        "exported": {
            platform: [{"slug": b.slug, "images": [f for f, _ in b.images]} for b in items]
            for platform, items in bundles.items()
        },
        "left_out": [{"slug": s, "platform": p, "reason": r} for s, p, r in left_out],
    }
    strict = [
        (d.slug, p, r)
        for d in decided
        for p, r in d.left_out
        if d.checked.post.approval is not None and not r.startswith("scheduled")
    ]
    strict += [(s, p, r) for (s, p), r in sorted(failed.items())]
    with build_lock(out):
        publish(
            out,
            {
                "site": site_plan,
                "exports": export_plan,
                "report.json": (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode(),
            },
        )
        records.append(
            site.root,
            records.changes(
                records.read_ledger(site.root),
                _publications(site, decided, failed, on_website),
                site.context.now,
            ),
        )
    site.store.save()
    _remember(site, inputs, out, decided, report, strict)
    timings.mark("write")
    return BuildResult(out, decided, report, timings, strict)


# --- the whole build's memory: a build of unchanged inputs does nothing -------------------

LAST_BUILD = "last-build.pickle"
OUTPUT_PARTS = ("site", "exports", "report.json")


def _inputs(site: Site, renderer: Renderer, out: Path) -> str:
    """The hash of everything a build's output is made of, but the clock."""

    def read(path: Path) -> bytes:
        try:
            return path.read_bytes()
        except OSError:
            return b""

    _, keys = post_keys(site)
    return cache_key(
        "build",
        str(out),
        read(site.root / "site.toml"),
        read(site.config.register_path),
        read(site.root / AUDIT_LOG),
        renderer.fingerprint,
        keys,
        site.context.tools,
    )


def _remembered(site: Site, inputs: str, out: Path) -> dict[str, Any] | None:
    import pickle

    try:
        memo = pickle.loads((site.root / CACHE_DIR / LAST_BUILD).read_bytes())
    except (OSError, pickle.PickleError, EOFError, ValueError, TypeError, AttributeError):
        return None
    if not isinstance(memo, dict) or memo.get("inputs") != inputs:
        return None
    until, made = memo.get("valid_until"), memo.get("now")
    if made is None or site.context.now < made:
        return None  # built for a later moment (--now): the clock went back
    if until is not None and site.context.now >= until:
        return None  # a post fell due or a consent was withdrawn since
    return memo if intact(out, list(OUTPUT_PARTS)) else None


def _remember(
    site: Site,
    inputs: str,
    out: Path,
    decided: list[Decision],
    report: dict[str, Any],
    strict: list[tuple[str, str, str]],
) -> None:
    """Note what this build made, and until when the same inputs make the same output."""
    import pickle

    now, tz = site.context.now, site.config.tz
    moments = [
        d.checked.post.date
        for d in decided
        if d.checked.post.date is not None and d.checked.post.date > now
    ]
    moments += [
        datetime.combine(p.withdrawn_on, clock_time(0, 0), tzinfo=tz)
        for p in site.register.pupils.values()
        if p.withdrawn_on is not None
    ]
    moments = [m for m in moments if m > now]
    memo = {
        "inputs": inputs,
        "now": now,
        "valid_until": min(moments) if moments else None,
        "report": report,
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


Rendered = dict[tuple[str, str], list[tuple[ImageRef, list[Variant], dict[str, Any]]]]


def published_name(post: Post, ref: ImageRef) -> str:
    """Published files are named by the image's place in the post, never by its file name,
    which staff may have made from a child's name."""
    return f"photo-{post.images.index(ref) + 1}"


def _render_images(
    site: Site,
    decided: list[Decision],
    progress: Progress | None,
) -> tuple[Rendered, dict[tuple[str, str], str]]:
    """Every image each platform may show, rendered once per size set, over all cores."""
    config = site.config
    website_spec = RenderSpec(config.image_widths, config.image_quality, config.max_pixels)
    jobs = []
    for d in decided:
        for platform, refs in d.platforms.items():
            spec = website_spec if platform == WEBSITE else export_spec(platform, config)
            for ref in refs:
                path = d.checked.post.folder / ref.file
                job = Job(
                    path, published_name(d.checked.post, ref), spec, site.store.hashes.hash(path)
                )
                jobs.append((d.slug, platform, ref, job))
    advance = progress.start("images", len(jobs)) if progress else None
    results = render_all([job for *_, job in jobs], site.context.cache, progress=advance)
    rendered: Rendered = {(d.slug, p): [] for d in decided for p in d.platforms}
    failed: dict[tuple[str, str], str] = {}
    for (slug, platform, ref, _), result in zip(jobs, results, strict=True):
        if isinstance(result, Exception):
            failed[(slug, platform)] = f"image {ref.file} could not be published: {result}"
        else:
            rendered[(slug, platform)].append((ref, *result))
    return rendered, failed


def _website(
    site: Site,
    renderer: Renderer,
    decided: list[Decision],
    images: Rendered,
    failed: dict[tuple[str, str], str],
) -> tuple[OutputPlan, list[PostView]]:
    plan = OutputPlan()
    views: list[PostView] = []
    for d in decided:
        if not d.on_website or (d.slug, WEBSITE) in failed:
            continue
        post_images = images[(d.slug, WEBSITE)]
        analysis = d.checked.analysis
        views.append(
            post_view(
                d.checked.post,
                site.config,
                [(ref, v) for ref, v, _ in post_images],
                body_html=analysis.body_html if analysis else None,
                digest=d.checked.digest,
            )
        )
        for _, _, files in post_images:
            for name, content in files.items():
                plan.add(f"posts/{d.slug}/{name}", content)
    views.sort(key=lambda v: (v.date, v.slug), reverse=True)
    for path, page in render_pages(renderer, views, site.store.pages).items():
        plan.add(path, page)
    config = site.config
    plan.add("feed.xml", feeds.atom(config, views, site.store.pages))
    plan.add("feed.json", feeds.json_feed(config, views, site.store.pages))
    pages = {
        path.removesuffix("index.html"): None for path in plan.files if path.endswith("index.html")
    }
    plan.add(
        "sitemap.xml",
        feeds.sitemap(config, pages | {v.path: v.date.date().isoformat() for v in views}),
    )
    plan.add("robots.txt", feeds.robots(config))
    _add_static(plan, site.root / "templates" / "static")
    return plan, views


def _exports(
    site: Site,
    decided: list[Decision],
    images: Rendered,
    failed: dict[tuple[str, str], str],
    on_website: set[str],
) -> tuple[OutputPlan, dict[str, list[Bundle]]]:
    """build/exports/<platform>/<slug>/ bundles and each platform's bulk.csv."""
    config = site.config
    plan = OutputPlan()
    bundles: dict[str, list[Bundle]] = {p: [] for p in config.platforms if p != WEBSITE}
    for d in decided:
        post = d.checked.post
        link = f"{config.base_url}posts/{d.slug}/" if d.slug in on_website else None
        for platform in d.platforms:
            if platform == WEBSITE or (d.slug, platform) in failed:
                continue
            rendered = images[(d.slug, platform)]
            files = bundle_files([(ref, variants) for ref, variants, _ in rendered])
            sources: dict[str, Any] = {}
            for _, _, produced in rendered:
                sources.update(produced)
            assert post.date is not None
            bundle = Bundle(
                d.slug,
                platform,
                post.title,
                post.date,
                compose(
                    post,
                    platform,
                    config.export_for(platform),
                    link,
                    d.checked.analysis.plain_text if d.checked.analysis else None,
                ),
                link,
                tuple((name, alt) for name, _, alt in files),
            )
            folder = f"{platform}/{d.slug}"
            plan.add(f"{folder}/post.txt", (bundle.text + "\n").encode("utf-8"))
            plan.add(f"{folder}/manifest.json", bundle.manifest())
            for name, variant, _ in files:
                plan.add(f"{folder}/{name}", sources[variant.file])
            bundles[platform].append(bundle)
    for platform, items in bundles.items():
        plan.add(f"{platform}/bulk.csv", bulk_csv(items))
    return plan, bundles


def _publications(
    site: Site, decided: list[Decision], failed: dict[tuple[str, str], str], on_website: set[str]
) -> list[records.Publication]:
    """What this build put where, for the ledger: posts, platforms, images by content hash."""
    out = []
    for d in decided:
        post = d.checked.post
        url = f"{site.config.base_url}posts/{d.slug}/" if d.slug in on_website else None
        for platform, refs in d.platforms.items():
            if (d.slug, platform) in failed:
                continue
            out.append(
                records.Publication(
                    d.slug,
                    platform,
                    post.title,
                    url,
                    d.checked.digest,
                    tuple(post.pupils),
                    tuple(
                        {
                            "file": ref.file,
                            "sha256": image_hash(post.folder / ref.file),
                            "pupils": list(ref.pupils),
                        }
                        for ref in refs
                    ),
                )
            )
    return out


def _add_static(plan: OutputPlan, folder: Path) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            plan.add(f"static/{rel.as_posix()}", path)
