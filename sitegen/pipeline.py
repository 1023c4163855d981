"""The pipeline, top to bottom: config -> content -> policy -> images -> render -> write."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from datetime import time as clock_time
from functools import partial
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sitegen import feeds, records
from sitegen.approval import AUDIT_LOG, valid_entries
from sitegen.cache import Cache, FileHashes, Pack, cache_key
from sitegen.config import Config, load_config
from sitegen.content import POSTS_DIR, load_post
from sitegen.errors import UsageError
from sitegen.exports import Bundle, bulk_csv, bundle_files, compose, export_spec
from sitegen.gate import WEBSITE, Decision, decide
from sitegen.images import Job, RenderSpec, Variant, render_all
from sitegen.model import ImageRef, Post, Register
from sitegen.output import (
    Content,
    Missing,
    OutputPlan,
    Same,
    build_lock,
    fingerprint,
    intact,
    publish,
)
from sitegen.policy import Analysis, Checked, Context, analyse, judge
from sitegen.policy.names import NameIndex
from sitegen.register import load_register
from sitegen.render import PostView, Renderer, list_pages, post_page, post_view
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
    """The build's memory between runs: analyses, preview pages, what the last build made
    (per post and per page), what the audit log and the ledger say, and known file hashes."""

    analyses: Pack
    pages: Pack
    memory: Pack
    logs: Pack
    hashes: FileHashes

    @classmethod
    def open(cls, root: Path | None) -> Store:
        folder = root / CACHE_DIR / "packs" if root else None

        def pack(name: str) -> Pack:
            return Pack(folder / f"{name}.pack" if folder else None)

        return cls(
            pack("analyses"),
            pack("pages"),
            pack("memory"),
            pack("logs"),
            FileHashes(pack("hashes")),
        )

    def save(self) -> None:
        for pack in (self.analyses, self.pages, self.memory, self.logs, self.hashes.pack):
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
        valid_entries(root, store.logs),
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
        common = cache_key(
            "analysis",
            ANALYSIS_VERSION,
            str(site.root),
            names,
            config.timezone,
            config.language,
            config.tone_threshold <= 0,
        )
        folders, keys = [], []
        hashes = site.store.hashes
        posts = os.path.join(site.root, POSTS_DIR)
        for name, is_folder in _listing(hashes, posts):
            folder = os.path.join(posts, name)
            files: dict[str, str] = {}
            if not is_folder or not _files_below(hashes, folder, "", files):
                continue
            index = files.pop("index.md", None)
            digest = hashes.hash(index) if index else "missing"
            if digest == "missing":
                continue
            # Every file below the folder (images may sit in subfolders), and the folder's
            # own path: a renamed or copied post is a different post.
            below = sorted((rel, hashes.hash(path)) for rel, path in files.items())
            folders.append(Path(folder))
            keys.append(cache_key(common, folder, digest, below))
        site._keys = (folders, keys)
    return site._keys


def _listing(hashes: FileHashes, folder: str) -> tuple[tuple[str, bool], ...]:
    try:
        return hashes.listing(folder)
    except OSError:
        return ()


def _files_below(hashes: FileHashes, folder: str, prefix: str, into: dict[str, str]) -> bool:
    """Every file below `folder`, by POSIX path relative to the post; False when unreadable."""
    try:
        entries = hashes.listing(folder)
    except OSError:
        return False
    for name, is_folder in entries:
        path = os.path.join(folder, name)
        if is_folder:
            _files_below(hashes, path, f"{prefix}{name}/", into)
        else:
            into[prefix + name] = path
    return True


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
    from concurrent.futures import ProcessPoolExecutor  # 13 ms to import: only when used

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
    report: dict[str, Any]
    timings: Timings
    strict_failures: list[tuple[str, str, str]]


def build(
    site: Site, out: Path, progress: Progress | None = None, timings: Timings | None = None
) -> BuildResult:
    """Gather and decide everything, make what changed in memory, then swap it into `out`."""
    timings = timings or Timings()
    compiled: Path | None = site.root / CACHE_DIR / "templates"
    try:
        compiled.mkdir(parents=True, exist_ok=True)  # type: ignore[union-attr]
    except OSError:
        compiled = None
    # Template problems stop us here, before anything is made.
    renderer = Renderer(site.config, site.root / "templates", compiled=compiled)
    inputs = _inputs(site, renderer, out)
    remembered = _remembered(site, inputs, out)
    timings.mark("inputs")
    if remembered is not None:
        timings.mark("unchanged")
        return BuildResult(out, remembered["report"], timings, remembered["strict"])
    try:
        return _build(site, renderer, inputs, out, progress, timings, trust=True)
    except Missing:
        # A file the last build made is in neither tree any more (someone deleted it):
        # nothing remembered is taken on trust, everything is made again.
        timings.mark("missing")
        return _build(site, renderer, inputs, out, progress, timings, trust=False)


def _build(
    site: Site,
    renderer: Renderer,
    inputs: str,
    out: Path,
    progress: Progress | None,
    timings: Timings,
    trust: bool,
) -> BuildResult:
    config = site.config
    units = _units(site, renderer, progress, timings, trust)
    views = sorted(
        (u.view for u in units if u.view is not None),
        key=lambda v: (v.date, v.slug),
        reverse=True,
    )
    site_plan = _website(site, renderer, units, views, trust)
    export_plan, bundles = _exports(site, units)
    timings.mark("lists")
    report = {
        "published": [{"slug": v.slug, "url": config.base_url + v.path} for v in views],
        "exported": {
            platform: [{"slug": b.slug, "images": [f for f, _ in b.images]} for b in items]
            for platform, items in bundles.items()
        },
        "left_out": [
            {"slug": u.slug, "platform": p, "reason": r} for u in units for p, r in u.left_out
        ],
    }
    strict = [(u.slug, p, r) for u in units for p, r in u.strict]
    with build_lock(out):
        publish(
            out,
            {
                "site": site_plan,
                "exports": export_plan,
                "report.json": _report_json(report),
            },
        )
        timings.mark("write")
        records.append(
            site.root,
            records.changes(
                records.current(site.root, site.store.logs),
                [p for u in units for p in u.publications],
                site.context.now,
            ),
        )
        timings.mark("ledger")
    site.store.save()
    _remember(site, inputs, units, report, strict)
    timings.mark("remember")
    return BuildResult(out, report, timings, strict)


def _report_json(report: dict[str, Any]) -> bytes:
    """report.json with one post per line: as readable as an indented dump, and written by
    json's fast encoder (indenting thousands of posts costs more than a one-post build)."""

    def items(values: list[Any], indent: str) -> str:
        if not values:
            return "[]"
        lines = (indent + "  " + json.dumps(v, ensure_ascii=False) for v in values)
        return "[\n" + ",\n".join(lines) + "\n" + indent + "]"

    exported = ",\n".join(
        f"    {json.dumps(platform)}: {items(values, '    ')}"
        for platform, values in report["exported"].items()
    )
    return (
        "{\n"
        f'  "published": {items(report["published"], "  ")},\n'
        f'  "exported": {{\n{exported}\n  }},\n'
        f'  "left_out": {items(report["left_out"], "  ")}\n'
        "}\n"
    ).encode()


# --- a post's part of a build, remembered between builds ---------------------------------


@dataclass(frozen=True)
class Unit:
    """Everything one post puts into a build: its files, its view for the lists, its bundles,
    its ledger entries, and why it misses a platform. Kept between builds (files by their
    fingerprints), so a post whose inputs did not change costs nothing."""

    slug: str
    made: datetime
    until: datetime | None  # a post falls due or a consent is withdrawn then
    view: PostView | None  # on the website
    site: dict[str, Content]
    exports: dict[str, Content]
    bundles: tuple[Bundle, ...]
    publications: tuple[records.Publication, ...]
    left_out: tuple[tuple[str, str], ...]  # (platform, reason)
    strict: tuple[tuple[str, str], ...]  # left out although approved (`build --strict`)

    def valid_at(self, now: datetime) -> bool:
        return self.made <= now and (self.until is None or now < self.until)

    def kept(self) -> Unit:
        """The unit as remembered: files by fingerprint, never their bytes."""
        return replace(
            self,
            site={p: _same(c) for p, c in self.site.items()},
            exports={p: _same(c) for p, c in self.exports.items()},
        )


def _same(content: Content) -> Content:
    return Same(fingerprint(content)) if isinstance(content, bytes) else content


def _units(
    site: Site,
    renderer: Renderer,
    progress: Progress | None,
    timings: Timings,
    trust: bool,
) -> list[Unit]:
    """Every post's unit: remembered when its files, its approval's audit entry and the site's
    settings, register and templates are as they were, else made anew."""
    ctx, memory = site.context, site.store.memory
    _, keys = post_keys(site)
    common = cache_key(
        "unit",
        _read(site.root / "site.toml"),
        _read(site.config.register_path),
        renderer.fingerprint,
        ctx.tools,
    )

    def unit_key(key: str, entry: str) -> str:
        # A valid entry's hash names its content, and the post (in `key`) names the entry.
        return cache_key(common, key, entry in ctx.audit_entries)

    units: list[Unit | None] = []
    known: list[bool] = []
    memory.entries  # noqa: B018 (read now, so that --timings shows it apart)
    timings.mark("recall")
    for key in keys:
        entry = memory.get("approval\0" + key)  # the approval's entry, when last analysed
        unit = memory.get("unit\0" + unit_key(key, entry)) if trust and entry is not None else None
        units.append(unit if isinstance(unit, Unit) and unit.valid_at(ctx.now) else None)
        known.append(entry is not None)
    missing = [i for i, u in enumerate(units) if u is None]
    if missing:
        analyses = _analyses_of(site, missing, [known[i] for i in missing])
        decided = [decide(judge(a, ctx), ctx) for a in analyses]
        timings.mark("check")
        images, failed = _render_images(site, decided, progress)
        timings.mark("images")
        for i, d in zip(missing, decided, strict=True):
            unit = _make_unit(site, renderer, d, images, failed, trust)
            approval = d.checked.post.approval
            entry = approval.entry if approval else ""
            memory.put("approval\0" + keys[i], entry)
            memory.put("unit\0" + unit_key(keys[i], entry), unit.kept())
            units[i] = unit
    timings.mark("posts")
    return [u for u in units if u is not None]


def _analyses_of(site: Site, indices: list[int], known: list[bool]) -> list[Analysis]:
    """The analyses of some posts: from the store for posts analysed before, else made (over
    all cores when there are many). A handful of new posts does not load the store."""
    folders, keys = post_keys(site)
    pack = site.store.analyses
    results: list[Analysis | None] = [
        pack.get(keys[i]) if seen else None for i, seen in zip(indices, known, strict=True)
    ]
    todo = [n for n, r in enumerate(results) if r is None]
    fresh = _analyse(site, [folders[indices[n]] for n in todo], None)
    keep = pack.loaded or len(todo) >= PARALLEL_FROM
    for n, analysis in zip(todo, fresh, strict=True):
        results[n] = analysis
        if keep:
            pack.put(keys[indices[n]], analysis)
    return [r for r in results if r is not None]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _made(site: Site, trust: bool, path: str, key: str, make: Callable[[], bytes]) -> Content:
    """An output made from inputs hashed as `key`: the last build's file when the key is the
    same (the live or spare tree has it), else made now."""
    memory = site.store.memory
    record = memory.get("made\0" + path) if trust else None
    if isinstance(record, tuple) and record[0] == key:
        return Same(record[1])
    data = make()
    memory.put("made\0" + path, (key, fingerprint(data)))
    return data


def _make_unit(
    site: Site,
    renderer: Renderer,
    d: Decision,
    images: Rendered,
    failed: dict[tuple[str, str], str],
    trust: bool,
) -> Unit:
    config, post, slug = site.config, d.checked.post, d.slug
    failures = sorted((p, r) for (s, p), r in failed.items() if s == slug)
    on_website = d.on_website and (slug, WEBSITE) not in failed
    site_files: dict[str, Content] = {}
    view = None
    if on_website:
        post_images = images[(slug, WEBSITE)]
        analysis = d.checked.analysis
        view = post_view(
            post,
            config,
            [(ref, v) for ref, v, _ in post_images],
            body_html=analysis.body_html if analysis else None,
            digest=d.checked.digest,
        )
        for _, _, files in post_images:
            for name, content in files.items():
                site_files[f"posts/{slug}/{name}"] = content
        path, spec = post_page(view)
        site_files[path] = _made(
            site, trust, path, spec.key(renderer), partial(spec.render, renderer)
        )
    link = f"{config.base_url}posts/{slug}/" if on_website else None
    export_files: dict[str, Content] = {}
    bundles = []
    for platform in d.platforms:
        if platform == WEBSITE or (slug, platform) in failed:
            continue
        rendered = images[(slug, platform)]
        files = bundle_files([(ref, variants) for ref, variants, _ in rendered])
        sources: dict[str, Any] = {}
        for _, _, produced in rendered:
            sources.update(produced)
        assert post.date is not None
        bundle = Bundle(
            slug,
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
        folder = f"{platform}/{slug}"
        export_files[f"{folder}/post.txt"] = (bundle.text + "\n").encode("utf-8")
        export_files[f"{folder}/manifest.json"] = bundle.manifest()
        for name, variant, _ in files:
            export_files[f"{folder}/{name}"] = sources[variant.file]
        bundles.append(bundle)
    publications = tuple(
        records.Publication(
            slug,
            platform,
            post.title,
            link,
            d.checked.digest,
            tuple(post.pupils),
            tuple(
                {
                    "file": ref.file,
                    "sha256": site.store.hashes.hash(post.folder / ref.file),
                    "pupils": list(ref.pupils),
                }
                for ref in refs
            ),
        )
        for platform, refs in d.platforms.items()
        if (slug, platform) not in failed
    )
    now, tz = site.context.now, site.config.tz
    moments = [post.date] if post.date is not None and post.date > now else []
    moments += [
        when
        for p in site.register.pupils.values()
        if p.withdrawn_on is not None
        and (when := datetime.combine(p.withdrawn_on, clock_time(0, 0), tzinfo=tz)) > now
    ]
    return Unit(
        slug=slug,
        made=now,
        until=min(moments) if moments else None,
        view=view,
        site=site_files,
        exports=export_files,
        bundles=tuple(bundles),
        publications=publications,
        left_out=(*d.left_out, *failures),
        strict=(
            *(
                (p, r)
                for p, r in d.left_out
                if post.approval is not None and not r.startswith("scheduled")
            ),
            *failures,
        ),
    )


# --- the whole build's memory: a build of unchanged inputs does nothing -------------------

LAST_BUILD = "last-build.pickle"
OUTPUT_PARTS = ("site", "exports", "report.json")


def _inputs(site: Site, renderer: Renderer, out: Path) -> str:
    """The hash of everything a build's output is made of, but the clock."""
    _, keys = post_keys(site)
    return cache_key(
        "build",
        str(out),
        _read(site.root / "site.toml"),
        _read(site.config.register_path),
        _read(site.root / AUDIT_LOG),
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
    units: list[Unit],
    report: dict[str, Any],
    strict: list[tuple[str, str, str]],
) -> None:
    """Note what this build made, and until when the same inputs make the same output."""
    import pickle

    moments = [u.until for u in units if u.until is not None]
    memo = {
        "inputs": inputs,
        "now": site.context.now,
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
    site: Site, renderer: Renderer, units: list[Unit], views: list[PostView], trust: bool
) -> OutputPlan:
    """build/site: every post's files, then the lists, feeds and sitemap made from the views."""
    config = site.config
    plan = OutputPlan()
    for unit in units:
        for path, content in unit.site.items():
            plan.add(path, content)
    for path, spec in list_pages(config, views).items():
        plan.add(path, _made(site, trust, path, spec.key(renderer), partial(spec.render, renderer)))
    newest = [v.fingerprint for v in views[: feeds.FEED_ITEMS]]
    plan.add(
        "feed.xml",
        _made(
            site,
            trust,
            "feed.xml",
            cache_key("atom", repr(config), newest),
            partial(feeds.atom, config, views),
        ),
    )
    plan.add(
        "feed.json",
        _made(
            site,
            trust,
            "feed.json",
            cache_key("json", repr(config), newest),
            partial(feeds.json_feed, config, views),
        ),
    )
    pages = {
        path.removesuffix("index.html"): None for path in plan.files if path.endswith("index.html")
    }
    pages |= {v.path: v.date.date().isoformat() for v in views}
    plan.add(
        "sitemap.xml",
        _made(
            site,
            trust,
            "sitemap.xml",
            cache_key("sitemap", config.base_url, sorted(pages.items())),
            partial(feeds.sitemap, config, pages),
        ),
    )
    plan.add("robots.txt", feeds.robots(config))
    _add_static(plan, site.root / "templates" / "static")
    return plan


def _exports(site: Site, units: list[Unit]) -> tuple[OutputPlan, dict[str, list[Bundle]]]:
    """build/exports/<platform>/<slug>/ bundles and each platform's bulk.csv."""
    plan = OutputPlan()
    bundles: dict[str, list[Bundle]] = {p: [] for p in site.config.platforms if p != WEBSITE}
    for unit in units:
        for path, content in unit.exports.items():
            plan.add(path, content)
        for bundle in unit.bundles:
            bundles[bundle.platform].append(bundle)
    for platform, items in bundles.items():
        plan.add(f"{platform}/bulk.csv", bulk_csv(items))
    return plan, bundles


def _add_static(plan: OutputPlan, folder: Path) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            plan.add(f"static/{rel.as_posix()}", path)
