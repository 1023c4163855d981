"""The lists, feeds and exports made from every post's outputs: what build/ holds besides."""

from __future__ import annotations

import contextlib
import json
from functools import partial
from pathlib import Path
from typing import Any

from sitegen import feeds
from sitegen.engine.forking import fork_map
from sitegen.engine.keys import cache_key
from sitegen.engine.options import DEFAULT, EngineOptions
from sitegen.engine.plan import Fresh, OutputPlan
from sitegen.engine.remembered import made_or_remembered
from sitegen.engine.store import CACHE_DIR
from sitegen.errors import ConfigError
from sitegen.exports import ExportRow, bulk_csv, bulk_order
from sitegen.gate import WEBSITE
from sitegen.images import Variant
from sitegen.live import PENDING, is_pending
from sitegen.making import (
    MadePost,
    current,
)
from sitegen.model import ImageRef
from sitegen.pages import list_pages, translated_pages
from sitegen.records import LedgerState
from sitegen.render import PostView, Renderer
from sitegen.site import Site


def report_json(
    units: list[MadePost],
    views: list[PostView],
    rows: dict[str, list[ExportRow]],
    revisions: dict[str, str] | None = None,
) -> bytes:
    """report.json with one post per line: as readable as an indented dump, and made of lines
    each post's unit keeps (encoding thousands of posts costs more than a one-post build).
    `revisions`: the posts published as their approved revision (an edit not yet approved),
    with that approval's time: marked `"revision": "approved"`."""
    revisions = revisions or {}
    platforms = list(rows)
    sections: dict[str, list[str]] = {"published": [], "left_out": []}
    sections |= {f"exported:{p}": [] for p in platforms}
    published: dict[str, str] = {}
    for unit in units:
        for section, line in unit.report:
            if unit.slug in revisions:
                line = _as_revision(line, revisions[unit.slug])
            if section == "published":
                published[unit.slug] = line
            else:
                sections[section].append(line)
    sections["published"] = [published[v.slug] for v in views]

    def items(lines: list[str], indent: str) -> str:
        if not lines:
            return "[]"
        return "[\n" + ",\n".join(indent + "  " + line for line in lines) + "\n" + indent + "]"

    # The post of each row of each platform's bulk.csv (and so of pending.csv), in order.
    bulk = ",\n".join(
        f"    {json.dumps(p)}: {json.dumps([r.slug for r in bulk_order(rows[p])])}"
        for p in platforms
    )
    exported = ",\n".join(
        f"    {json.dumps(p)}: {items(sections[f'exported:{p}'], '    ')}" for p in platforms
    )
    return (
        "{\n"
        f'  "published": {items(sections["published"], "  ")},\n'
        f'  "exported": {{\n{exported}\n  }},\n'
        f'  "left_out": {items(sections["left_out"], "  ")},\n'
        f'  "bulk": {{\n{bulk}\n  }}\n'
        "}\n"
    ).encode()


Rendered = dict[tuple[str, str], list[tuple[ImageRef, list[Variant], dict[str, Any]]]]


def _as_revision(line: str, at: str) -> str:
    item = json.loads(line)
    return json.dumps({**item, "revision": "approved", "approved_at": at}, ensure_ascii=False)


def website_plan(
    site: Site,
    renderer: Renderer,
    units: list[MadePost],
    views: list[PostView],
    trust: bool,
    options: EngineOptions = DEFAULT,
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
    rendered = fork_map(lambda p: specs[p].render(renderer), stale, least=options.pages_per_core)
    made = dict(zip(stale, rendered, strict=True))
    for path in specs:
        plan.add(
            path, made_or_remembered(site, trust, path, keys[path], partial(made.__getitem__, path))
        )
    for feed in feeds.language_feeds(config, views):
        newest = [v.fingerprint for v in feed.newest]
        for name, make in feeds.FEED_FILES:
            path = feed.prefix + name
            key = cache_key(path, repr(config), newest)
            make_feed = partial(make, config, feed.posts, None, feed)
            plan.add(path, made_or_remembered(site, trust, path, key, make_feed))
    pages = {
        path.removesuffix("index.html"): None for path in plan.files if path.endswith("index.html")
    }
    pages |= {v.path: v.last_changed.date().isoformat() for v in views}
    plan.add(
        "sitemap.xml",
        made_or_remembered(
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


def export_plan(
    site: Site, units: list[MadePost], ledger: LedgerState
) -> tuple[OutputPlan, dict[str, list[ExportRow]], dict[str, dict[str, bool]]]:
    """build/exports/<platform>/<slug>/ bundles, each platform's bulk.csv (every post), and
    its pending.csv: the posts not yet recorded as posted there in this version. Returns the
    plan, each platform's rows, and its posts waiting to be posted (slug -> an update?)."""
    plan = OutputPlan()
    rows: dict[str, list[ExportRow]] = {p: [] for p in site.config.platforms if p != WEBSITE}
    waiting: dict[str, list[ExportRow]] = {p: [] for p in rows}
    for unit in units:
        for path, content in unit.exports.items():
            plan.add(path, content)
        exported = {p.platform: p for p in unit.publications}
        for row in unit.rows:
            rows[row.platform].append(row)
            version = exported[row.platform]
            if is_pending(ledger, unit.slug, row.platform, version.fingerprint(), version.bundle):
                waiting[row.platform].append(row)
    for platform, items in rows.items():
        every = Fresh.of(bulk_csv(items))
        plan.add(f"{platform}/bulk.csv", every)
        # (until a school records what it posted, every post waits: the same bytes again)
        waits = waiting[platform]
        plan.add(f"{platform}/{PENDING}", every if len(waits) == len(items) else bulk_csv(waits))
    to_post = {
        p: {r.slug: (r.slug, p) in ledger.posted for r in bulk_order(items)}
        for p, items in waiting.items()
    }
    return plan, rows, to_post


def add_static(plan: OutputPlan, renderer: Renderer) -> None:
    """templates/static/ as the renderer read it (the bytes its fingerprint names), copied:
    never linked, or an edit of a source would change the live site without a build. A
    picture with metadata goes out without it (`pixels.static_copy`), made once and kept in
    build/.cache/static/."""
    kept = renderer.templates.parent / CACHE_DIR / "static"
    for name, data in sorted((renderer.sources or {}).items()):
        rel = name.removeprefix("static/")
        if rel != name and not any(part.startswith(".") for part in rel.split("/")):
            plan.add(f"static/{rel}", _without_metadata(f"templates/{name}", data, kept))


def _without_metadata(path: str, data: bytes, kept: Path) -> bytes:
    from sitegen.imageverify import ImageStructureError, check_publishable_static

    try:
        check_publishable_static(data)
        return data  # (most files: no picture, or a clean one; Pillow never imported)
    except ImageStructureError:
        from sitegen.pixels import static_copy
    copy = kept / cache_key("static", data)
    try:
        return copy.read_bytes()
    except OSError:
        pass
    try:
        clean = static_copy(data)
    except ImageStructureError as exc:
        raise ConfigError(f"{exc} (it is published without metadata, or not at all)", path) from exc
    with contextlib.suppress(OSError):  # (a copy not kept is made again next time)
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.with_suffix(".part").write_bytes(clean)
        copy.with_suffix(".part").replace(copy)
    return clean
