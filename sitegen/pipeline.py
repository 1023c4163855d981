"""The pipeline, top to bottom: config -> content -> policy -> images -> render -> write."""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from datetime import time as clock_time
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sitegen import feeds, records, translations
from sitegen.approval import AUDIT_LOG, valid_entries
from sitegen.config import Config, load_config
from sitegen.content import POSTS_DIR, load_post
from sitegen.engine.forking import Background, Forked, fork_map
from sitegen.engine.hashes import FileHashes
from sitegen.engine.keys import cache_key, content_hash
from sitegen.engine.manifests import TreeCheck, intact, manifests_print
from sitegen.engine.plan import Content, Missing, OutputPlan, Same
from sitegen.engine.standby import publish, whole_trees
from sitegen.engine.store import RecordFile, ResultFiles
from sitegen.engine.swap import build_lock
from sitegen.errors import ChangedError, UsageError
from sitegen.exports import ExportRow, bulk_csv
from sitegen.gate import WEBSITE, Decision, decide
from sitegen.images import Variant
from sitegen.inspection import PhotoReader
from sitegen.model import ImageRef, Post, Register
from sitegen.pages import list_pages, translated_pages
from sitegen.policy import Analysis, Checked, Context, analyse_many, judge
from sitegen.policy.names import NameIndex
from sitegen.policy.welsh import dictionary_installed
from sitegen.register import load_register
from sitegen.render import PostView, Renderer
from sitegen.units import (
    Item,
    Made,
    Maker,
    Progress,
    Record,
    Unit,
    current,
    made_from,
    make_chunk,
    seal,
    start_worker,
    unseal,
    work,
)
from sitegen.vision import tools

CACHE_DIR = Path("build/.cache")


def cache_root(root: Path) -> Path:
    """Where content-addressed results live: build/.cache, or SITEGEN_CACHE_DIR (which may be
    shared between sites, since every entry is keyed by the content that made it)."""
    shared = os.environ.get("SITEGEN_CACHE_DIR")
    return Path(shared) if shared else root / CACHE_DIR


@dataclass
class Store:
    """The build's memory between runs: analyses, preview pages, what the last build made
    (per post and per page), what the audit log and the ledger say, and known file hashes."""

    analyses: RecordFile
    pages: RecordFile
    memory: RecordFile
    audit: RecordFile
    ledger: RecordFile
    hashes: FileHashes

    @classmethod
    def open(cls, root: Path | None) -> Store:
        folder = root / CACHE_DIR / "packs" if root else None

        def pack(name: str) -> RecordFile:
            return RecordFile(folder / f"{name}.pack" if folder else None)

        return cls(
            pack("analyses"),
            pack("pages"),
            pack("memory"),
            pack("audit"),
            pack("ledger"),
            FileHashes(pack("hashes")),
        )

    def save(self, aside: Background | None = None) -> None:
        """Write what changed; with `aside`, every pack but the ledger's is written by a forked
        process (the ledger's is written here, after the build records what it published)."""
        packs = (self.analyses, self.pages, self.memory, self.audit, self.hashes.pack)

        def save() -> None:
            for pack in packs:
                pack.save()

        if aside is None:
            save()
        else:
            aside.run(save)
            for pack in packs:
                pack.saved_elsewhere()
        folder = self.memory.path.parent if self.memory.path else None
        if folder is not None:  # packs an older sitegen kept (logs.pack, say) go too
            for stale in set(folder.glob("*.pack")) - {p.path for p in (*packs, self.ledger)}:
                stale.unlink(missing_ok=True)

    def save_ledger(self) -> None:
        self.ledger.save()


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
    photos: PhotoReader  # the inspection stage's: where photos' results are kept
    store: Store
    sources: dict[str, str] = field(default_factory=dict)  # hashes of the bytes parsed
    _analyses: list[Analysis] | None = None
    _key_common: str | None = None
    _files: dict[str, list[str]] = field(default_factory=dict)  # each post folder's files
    _keys: tuple[list[str], list[str]] | None = None

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
    config, settings = _parsed(root / "site.toml", lambda: load_config(root))
    clock = parse_now(now, config.tz)
    register, register_hash = _parsed(config.register_path, lambda: load_register(config))
    store = Store.open(root)
    entries, audit = _parsed(root / AUDIT_LOG, lambda: valid_entries(root, store.audit))
    context = Context(config, register, clock, entries)
    photos = PhotoReader(
        ResultFiles(cache_root(root)),
        store.hashes,
        tools(config.ocr, config.faces),
        config.max_pixels,
    )
    sources = {"settings": settings, "register": register_hash, "audit": audit}
    return Site(root, config, register, context, photos, store, sources)


T = TypeVar("T")


def _parsed(path: Path, parse: Callable[[], T]) -> tuple[T, str]:
    """What `parse` makes of a file, and the hash of the bytes it read: the file is read before
    and after, so that results are never remembered under the hash of other bytes."""

    def read() -> bytes | None:
        try:
            return path.read_bytes()
        except OSError:
            return None  # missing or unreadable: not the same as empty

    before = read()
    value = parse()
    if read() != before:
        raise ChangedError(
            "changed while sitegen was reading it: nothing was done, run the command again",
            str(path),
        )
    return value, content_hash(before) if before is not None else "unreadable"


ANALYSIS_VERSION = 1
PARALLEL_FROM = 24  # posts to analyse before starting worker processes pays off
SAVE_ASIDE_FROM = 500  # posts made before saving the memory in a forked process pays off
PAGES_PER_CORE = 64  # list pages to render before sharing them with a forked process pays off


def post_keys(site: Site) -> tuple[list[str], list[str]]:
    """Each post folder and the hash of everything its analysis is made of."""
    if site._keys is None:
        folders, keys = [], []
        posts = os.path.join(site.root, POSTS_DIR)
        for name, is_folder in _listing(site.store.hashes, posts):
            folder = os.path.join(posts, name)
            # (a link to a folder is a post too: never read through, but never passed over in
            # silence, its post says why it cannot be published)
            is_post = is_folder or (os.path.islink(folder) and os.path.isdir(folder))
            key = _post_key(site, folder) if is_post else None
            if key is not None:
                folders.append(folder)
                keys.append(key)
        site._keys = (folders, keys)
    return site._keys


def _post_key(site: Site, folder: str, fresh: bool = False) -> str | None:
    """The hash of a post's files and of what its analysis reads besides (the register's names,
    the settings it depends on); None when the folder holds no readable index.md. The files'
    hashes are pinned for the rest of the build; `fresh` reads them again instead."""
    common = _analysis_common(site)
    if os.path.islink(folder):
        try:
            return _hash_of(common, folder, "link:" + os.readlink(folder))
        except OSError:
            return None
    hashes = site.store.hashes
    tree = hashes.tree(folder)
    if tree is None:
        return None
    files = listed = tree[0]
    if not fresh:
        pinned = hashes.pinned
        files = tuple((rel, path, pinned.setdefault(path, digest)) for rel, path, digest in files)
        site._files[folder] = [path for _, path, _ in files]
    found = {rel: digest for rel, _, digest in files}
    # (a folder without its index.md is a post too: its finding says what is missing)
    # The key made from these very files last time (the tree's record is dropped with them).
    remembered = tree[1] if files == listed else None
    if isinstance(remembered, tuple) and remembered[0] == common:
        return str(remembered[1])
    digest = found.get("index.md", "missing")
    # Every file below the folder (images may sit in subfolders), and the folder's own path:
    # a renamed or copied post is a different post.
    below = sorted((r, h) for r, h in found.items() if r != "index.md")
    key = _hash_of(common, folder, digest, *(f"{r}\0{h}" for r, h in below))
    if files == listed:
        hashes.remember(folder, (common, key))
    return key


def _analysis_common(site: Site) -> str:
    """The part of every post's analysis key that is not the post: the register's names and
    the settings an analysis reads (and, through cache_key, sitegen's own code)."""
    if site._key_common is None:
        config = site.config
        names = sorted(
            (p.pupil_id, p.first_name, p.last_name) for p in site.register.pupils.values()
        )
        site._key_common = cache_key(
            "analysis",
            ANALYSIS_VERSION,
            str(site.root),
            names,
            config.timezone,
            config.language,
            config.tone_threshold <= 0,
            dictionary_installed(),  # Welsh posts' mutated names are judged by it
        )
    return site._key_common


def _listing(hashes: FileHashes, folder: str) -> tuple[tuple[str, bool], ...]:
    try:
        return hashes.listing(folder)
    except OSError:
        return ()


def analyse_all(site: Site, progress: Progress | None = None) -> list[Analysis]:
    """Every post's analysis: from the store when its files are unchanged, else made anew,
    over all cores when there are many."""
    folders, keys = post_keys(site)
    results = [unseal(site.store.analyses.get(k)) for k in keys]
    missing = [i for i, r in enumerate(results) if r is None]
    advance = progress.start("posts", len(missing)) if progress and missing else None
    fresh = _analyse(site, [Path(folders[i]) for i in missing], advance)
    for i, analysis in zip(missing, fresh, strict=True):
        results[i] = analysis
        if _post_key(site, folders[i], fresh=True) == keys[i]:  # else saved meanwhile
            site.store.analyses.put(keys[i], seal(analysis))
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
    posts = [load_post(root, folder, config.tz, config.language) for folder in folders]
    return analyse_many(posts, NameIndex(register), register, config.tone_threshold <= 0)


def reload_post(site: Site, post: Post) -> Post:
    return load_post(site.root, post.folder, site.config.tz, site.config.language)


def check(site: Site, posts: list[Post] | None = None) -> list[Checked]:
    """Judge every post (or `posts`) on today's register, log, settings and clock; and each
    post's `translation` against the other posts (warnings: see translations.py)."""
    everyone = translations.by_slug(site.posts)
    wanted = {p.folder for p in posts} if posts is not None else None
    checked = []
    for analysis in site.analyses:
        if wanted is None or analysis.post.folder in wanted:
            judged = judge(analysis, site.context, site.photos.inspect(analysis.post))
            if found := translations.translation_findings(judged.post, everyone):
                judged = replace(judged, findings=(*judged.findings, *found))
            checked.append(judged)
    return checked


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
class Summary:
    """What a build published, for the command line (report.json holds the details)."""

    published: int
    exported: dict[str, int]  # posts per platform
    left_out: list[str]  # slugs left out of some platform


@dataclass(frozen=True)
class BuildResult:
    out: Path
    summary: Summary
    timings: Timings
    strict_failures: list[tuple[str, str, str]]
    changes: records.Changes | None = None  # None: nothing changed since the last build


def build(
    site: Site,
    out: Path,
    progress: Progress | None = None,
    timings: Timings | None = None,
    check: TreeCheck | None = None,
) -> BuildResult:
    """Gather and decide everything, make what changed in memory, then swap it into `out`.
    `check` (from `tree_check`, started before anything else) compares the trees meanwhile."""
    timings = timings or Timings()
    ledger = _read_ledger_aside(site)
    try:
        return _build_or_remembered(site, out, progress, timings, check, ledger)
    finally:
        if ledger is not None:
            ledger.close()


def _build_or_remembered(
    site: Site,
    out: Path,
    progress: Progress | None,
    timings: Timings,
    check: TreeCheck | None,
    ledger: Forked[dict[Hashable, Any]] | None,
) -> BuildResult:
    # Template problems stop us here, before anything is made.
    renderer = Renderer(site.config, site.root / "templates", compiled=_compiled(site))
    inputs = _inputs(site, renderer, out)
    remembered = _remembered(site, inputs, out, check)
    timings.mark("inputs")
    if remembered is not None:
        timings.mark("unchanged")
        return BuildResult(out, remembered["summary"], timings, remembered["strict"])
    try:
        return _build(site, renderer, out, progress, timings, check, ledger, trust=True)
    except Missing:
        # A file the last build made is in neither tree any more (someone deleted it):
        # nothing remembered is taken on trust, everything is made again.
        timings.mark("missing")
    try:
        return _build(site, renderer, out, progress, timings, check, ledger, trust=False)
    except Missing as exc:  # a cached photo deleted during the build, say
        raise ChangedError(
            f"{exc} went missing while the build was writing it: build again", str(out)
        ) from None


def _build(
    site: Site,
    renderer: Renderer,
    out: Path,
    progress: Progress | None,
    timings: Timings,
    check: TreeCheck | None,
    ledger: Forked[dict[Hashable, Any]] | None,
    trust: bool,
) -> BuildResult:
    # Locked from the start: the workers of a first build write into the new trees.
    with build_lock(out):
        units, made = _units(site, renderer, out, progress, timings, trust)
        views = sorted(
            (u.view for u in units if u.view is not None),
            key=lambda v: (v.date, v.slug),
            reverse=True,
        )
        site_plan = _website(site, renderer, units, views, trust)
        export_plan, rows = _exports(site, units)
        timings.mark("lists")
        summary = Summary(
            len(views),
            {platform: len(items) for platform, items in rows.items()},
            sorted({u.slug for u in units if u.left_out}),
        )
        strict = [(u.slug, p, r) for u in units for p, r in u.strict]
        aside = Background()  # the other core, meanwhile: saving the memory, the standby trees
        try:
            # From here until the new memo is written, no memo may vouch for what is live.
            (site.root / CACHE_DIR / LAST_BUILD).unlink(missing_ok=True)
            # Saving the memory of thousands of new posts takes a while: the other core does
            # it. (Forking costs the build its shared pages: not for a few posts.)
            site.store.save(aside if made >= SAVE_ASIDE_FROM else None)
            # Recorded before anything goes live: a ledger that cannot be written stops the
            # build with the previous site in place, so `sar` and `takedown` never miss a post
            # that is live. (A build that fails after this leaves the ledger a step ahead,
            # and the next build finds nothing new to record.)
            if ledger is not None and (read := ledger.result()) is not None:
                site.store.ledger.take(read)  # (checked against the ledger as it is now)
            state = records.current(site.root, site.store.ledger)
            publications = [p for u in units for p in u.publications]
            events = records.changes(state, publications, site.context.now)
            changes = records.what_changed(state, events, publications)
            records.append(site.root, events)
            timings.mark("ledger")
            publish(
                out,
                {
                    "site": site_plan,
                    "exports": export_plan,
                    "report.json": _report_json(units, views, list(rows)),
                },
                check,
                aside,
            )
            timings.mark("write")
            site.store.save_ledger()
            # The inputs as the next build will see them: with the ledger as this build left.
            _remember(site, _inputs(site, renderer, out), out, units, summary, strict)
            timings.mark("remember")
        finally:
            aside.wait()  # (a spare tree left without its manifest is removed next time)
            timings.mark("spare")
    return BuildResult(out, summary, timings, strict, changes)


LEDGER_ASIDE_FROM = 256 * 1024  # bytes of ledger to read before a forked process pays off


def _read_ledger_aside(site: Site) -> Forked[dict[Hashable, Any]] | None:
    """With no memory of the ledger (a first build), a long ledger read by a forked process
    while this one reads everything else: what it learned, for the ledger's pack. The pack
    keeps it by the hash of the ledger's bytes, so a ledger that grew or changed since is
    read again from where the two part."""
    pack = site.store.ledger
    try:
        long = os.path.getsize(site.root / records.LEDGER) >= LEDGER_ASIDE_FROM
    except OSError:
        return None
    if not long or pack.path is None or pack.path.exists():
        return None

    def read() -> dict[Hashable, Any]:
        records.current(site.root, pack)
        return {key: pack.entries[key] for key in pack.changed}

    return Forked(read)


def _report_json(units: list[Unit], views: list[PostView], platforms: list[str]) -> bytes:
    """report.json with one post per line: as readable as an indented dump, and made of lines
    each post's unit keeps (encoding thousands of posts costs more than a one-post build)."""
    sections: dict[str, list[str]] = {"published": [], "left_out": []}
    sections |= {f"exported:{p}": [] for p in platforms}
    published: dict[str, str] = {}
    for unit in units:
        for section, line in unit.report:
            if section == "published":
                published[unit.slug] = line
            else:
                sections[section].append(line)
    sections["published"] = [published[v.slug] for v in views]

    def items(lines: list[str], indent: str) -> str:
        if not lines:
            return "[]"
        return "[\n" + ",\n".join(indent + "  " + line for line in lines) + "\n" + indent + "]"

    exported = ",\n".join(
        f"    {json.dumps(p)}: {items(sections[f'exported:{p}'], '    ')}" for p in platforms
    )
    return (
        "{\n"
        f'  "published": {items(sections["published"], "  ")},\n'
        f'  "exported": {{\n{exported}\n  }},\n'
        f'  "left_out": {items(sections["left_out"], "  ")}\n'
        "}\n"
    ).encode()


# --- a post's part of a build, remembered between builds ---------------------------------


def _units(
    site: Site,
    renderer: Renderer,
    out: Path,
    progress: Progress | None,
    timings: Timings,
    trust: bool,
) -> tuple[list[Unit], int]:
    """Every post's unit: remembered when its files, its approval's audit entry and the site's
    settings, register and templates are as they were, else made anew; and how many were
    made."""
    ctx, memory = site.context, site.store.memory
    folders, keys = post_keys(site)
    common = cache_key(
        "unit",
        site.sources["settings"],
        site.sources["register"],
        renderer.fingerprint,
        site.photos.tools,
    )

    def unit_key(key: str, entry: str) -> str:
        # A valid entry's hash names its content, and the post (in `key`) names the entry.
        # (Both parts are hashes already: joined, not hashed again, thousands of times.)
        return f"{common}\0{key}\0{'valid' if entry in ctx.audit_entries else '-'}"

    units: list[Unit | None] = []
    seen: list[bool] = []
    memory.entries  # noqa: B018 (read now, so that --timings shows it apart)
    timings.mark("recall")
    for key in keys:
        entry = memory.get("approval\0" + key)  # the approval's entry, when last analysed
        unit = memory.get("unit\0" + unit_key(key, entry)) if trust and entry is not None else None
        units.append(unit if isinstance(unit, Unit) and unit.valid_at(ctx.now) else None)
        seen.append(entry is not None)
    missing = [i for i, u in enumerate(units) if u is None]
    for i, unit in enumerate(units):
        if unit is not None:  # its page's record stays for when the unit is made again
            memory.keep([f"made\0posts/{os.path.basename(folders[i])}/index.html"])
    if not missing:
        return [u for u in units if u is not None], 0
    pack = site.store.analyses
    known: dict[str, Record] = {}
    if trust:
        for i in missing:
            path = f"posts/{os.path.basename(folders[i])}/index.html"
            if isinstance(record := memory.get("made\0" + path), tuple):
                known[path] = record
    items = [(Path(folders[i]), pack.get(keys[i]) if seen[i] else None) for i in missing]
    workers = min(os.cpu_count() or 1, 8)
    if len(missing) >= PARALLEL_FROM and workers > 1:
        made = _make_in_workers(site, renderer, out, items, known, workers, progress)
    else:
        maker = Maker(ctx, site.photos, renderer, known)
        names = ctx.names or NameIndex(site.register)
        keep = pack.loaded or len(missing) >= PARALLEL_FROM  # (not read only to add a few)
        made = make_chunk(maker, names, site.root, items, progress, keep=keep)
    for i in missing:  # files saved during the build: nothing is remembered or published
        if _post_key(site, folders[i], fresh=True) != keys[i]:
            raise ChangedError(
                "changed while the build was reading it: nothing was published, build again",
                os.path.relpath(folders[i], site.root),
            )
    for i, unit, entry, sealed in zip(missing, made.units, made.entries, made.sealed, strict=True):
        if sealed is not None:
            pack.put(keys[i], sealed)
        memory.put("approval\0" + keys[i], entry)
        memory.put("unit\0" + unit_key(keys[i], entry), unit.kept())
        units[i] = unit
    for path, record in made.pages.items():
        memory.put("made\0" + path, record)
    if pack.loaded:  # every current post's analysis stays, used by this build or not
        pack.keep(keys)
    timings.mark("posts")
    return [u for u in units if u is not None], len(missing)


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
    made = Made([], [], [], {})
    setup = (
        site.config,
        site.register,
        ctx.now,
        ctx.audit_entries,
        cache_root(site.root),
        site.photos.tools,
        site.root,
        _compiled(site),
        renderer.sources,
        # A first build's workers write each post's files into the new trees themselves:
        # the pages never travel back to this process, nor are they written by it.
        whole_trees(out, TREES),
    )
    renderer.compile_all()  # (the workers read the compiled templates from the cache)
    with ProcessPoolExecutor(workers, initializer=start_worker, initargs=setup) as pool:
        futures = []
        pinned = site.store.hashes.pinned
        for chunk in shrinking_chunks(items, workers):
            paths = {f"posts/{folder.name}/index.html" for folder, _ in chunk}
            pins = {
                path: pinned[path]
                for folder, _ in chunk
                for path in site._files.get(str(folder), [])
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


def _hash_of(*parts: str) -> str:
    """The hash of strings, for keys made thousands of times a build from keys that already
    name the code version (`cache_key` serialises any value, at ten times the cost)."""
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def _compiled(site: Site) -> Path | None:
    """Where compiled templates are kept (none when the folder cannot be made)."""
    folder = site.root / CACHE_DIR / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""


def _made(site: Site, trust: bool, path: str, key: str, make: Callable[[], bytes]) -> Content:
    """An output made from inputs hashed as `key`: the last build's file when the key is the
    same (the live or spare tree has it), else made now."""
    memory = site.store.memory
    content, record = made_from(memory.get("made\0" + path) if trust else None, key, make)
    if not isinstance(content, Same):
        memory.put("made\0" + path, record)
    return content


# --- the whole build's memory: a build of unchanged inputs does nothing -------------------

LAST_BUILD = "last-build.pickle"
OUTPUT_PARTS = ("site", "exports", "report.json")
TREES = ("site", "exports")  # the parts that are folders


def tree_check(out: Path) -> TreeCheck:
    """Start comparing the output trees with their manifests (see `TreeCheck`), first of all:
    it runs while the build reads everything else."""
    return TreeCheck(out, OUTPUT_PARTS)


def _inputs(site: Site, renderer: Renderer, out: Path) -> str:
    """The hash of everything a build's output is made of, but the clock."""
    _, keys = post_keys(site)
    return cache_key(
        "build",
        str(out),
        site.sources,
        _read(site.root / records.LEDGER),  # restored from a backup: what is live is recorded
        renderer.fingerprint,
        keys,
        site.photos.tools,
    )


def _remembered(
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


def _remember(
    site: Site,
    inputs: str,
    out: Path,
    units: list[Unit],
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


Rendered = dict[tuple[str, str], list[tuple[ImageRef, list[Variant], dict[str, Any]]]]


def _website(
    site: Site, renderer: Renderer, units: list[Unit], views: list[PostView], trust: bool
) -> OutputPlan:
    """build/site: every post's files, then the lists, feeds and sitemap made from the views."""
    config = site.config
    plan = OutputPlan()
    for unit in units:
        for path, content in unit.site.items():
            plan.add(path, content)
    specs = list_pages(config, views)
    # Pages whose language switch leads to a translation: they depend on other posts.
    specs.update(translated_pages(config, views))
    keys = {path: spec.key(renderer) for path, spec in specs.items()}
    memory = site.store.memory
    stale = [p for p in specs if not (trust and current(memory.get("made\0" + p), keys[p]))]
    # A cold build renders a page per ten posts and each tag's pages too: on every core.
    rendered = fork_map(lambda p: specs[p].render(renderer), stale, least=PAGES_PER_CORE)
    made = dict(zip(stale, rendered, strict=True))
    for path in specs:
        plan.add(path, _made(site, trust, path, keys[path], partial(made.__getitem__, path)))
    for feed in feeds.language_feeds(config, views):
        newest = [v.fingerprint for v in feed.newest]
        for name, make in feeds.FEED_FILES:
            path = feed.prefix + name
            key = cache_key(path, repr(config), newest)
            make_feed = partial(make, config, feed.posts, None, feed)
            plan.add(path, _made(site, trust, path, key, make_feed))
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
    add_static(plan, renderer)
    return plan


def _exports(site: Site, units: list[Unit]) -> tuple[OutputPlan, dict[str, list[ExportRow]]]:
    """build/exports/<platform>/<slug>/ bundles and each platform's bulk.csv."""
    plan = OutputPlan()
    rows: dict[str, list[ExportRow]] = {p: [] for p in site.config.platforms if p != WEBSITE}
    for unit in units:
        for path, content in unit.exports.items():
            plan.add(path, content)
        for row in unit.rows:
            rows[row.platform].append(row)
    for platform, items in rows.items():
        plan.add(f"{platform}/bulk.csv", bulk_csv(items))
    return plan, rows


def add_static(plan: OutputPlan, renderer: Renderer) -> None:
    """templates/static/ as the renderer read it (the bytes its fingerprint names), copied:
    never linked, or an edit of a source would change the live site without a build."""
    for name, data in sorted((renderer.sources or {}).items()):
        rel = name.removeprefix("static/")
        if rel != name and not any(part.startswith(".") for part in rel.split("/")):
            plan.add(f"static/{rel}", data)
