"""The pipeline, top to bottom: config -> content -> policy -> images -> render -> write."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

from sitegen import feeds
from sitegen.approval import valid_entries
from sitegen.cache import Cache
from sitegen.config import Config, load_config
from sitegen.content import load_post, load_posts
from sitegen.errors import UsageError
from sitegen.gate import WEBSITE, Decision, decide
from sitegen.images import Job, RenderSpec, Variant, render_all
from sitegen.model import ImageRef, Post, Register
from sitegen.output import OutputPlan, build_lock, publish
from sitegen.policy import Checked, Context, check_post
from sitegen.register import load_register
from sitegen.render import Renderer, post_view, render_pages

CACHE_DIR = Path("build/.cache")


class Progress(Protocol):
    """Where a long stage reports how far it got (a rich progress bar on a terminal)."""

    def start(self, label: str, total: int) -> Callable[[int], None]: ...


@dataclass(frozen=True)
class Site:
    """Everything read from disk before any rule runs: gather first, then decide."""

    root: Path
    config: Config
    register: Register
    posts: tuple[Post, ...]
    context: Context


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
    posts = tuple(load_posts(root, config.tz, config.language))
    context = Context(config, register, clock, valid_entries(root), cache=Cache(root / CACHE_DIR))
    return Site(root, config, register, posts, context)


def reload_post(site: Site, post: Post) -> Post:
    return load_post(site.root, post.folder, site.config.tz, site.config.language)


def check(site: Site, posts: list[Post] | None = None) -> list[Checked]:
    return [check_post(post, site.context) for post in (site.posts if posts is None else posts)]


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
    renderer = Renderer(site.config, site.root / "templates")  # template problems stop us here
    checked = check(site)
    timings.mark("check")
    decided = decisions(site, checked)
    website = [d for d in decided if d.on_website]
    timings.mark("gate")

    spec = RenderSpec(site.config.image_widths, site.config.image_quality, site.config.max_pixels)
    jobs = [
        (d, ref, Job(d.checked.post.folder / ref.file, ref.file, spec))
        for d in website
        for ref in d.platforms[WEBSITE]
    ]
    advance = progress.start("images", len(jobs)) if progress else None
    rendered = render_all([job for _, _, job in jobs], site.context.cache, progress=advance)
    images: dict[str, list[tuple[ImageRef, list[Variant], dict[str, Any]]]] = {}
    failed: dict[str, str] = {}
    for (decision, ref, _), result in zip(jobs, rendered, strict=True):
        if isinstance(result, Exception):
            failed[decision.slug] = f"image {ref.file} could not be published: {result}"
            continue
        variants, files = result
        images.setdefault(decision.slug, []).append((ref, variants, files))
    timings.mark("images")

    site_plan = OutputPlan()
    views = []
    for decision in website:
        post = decision.checked.post
        if post.slug in failed:
            continue
        post_images = images.get(post.slug, [])
        views.append(post_view(post, site.config, [(ref, v) for ref, v, _ in post_images]))
        for _, _, files in post_images:
            for name, content in files.items():
                site_plan.add(f"posts/{post.slug}/{name}", content)
    views.sort(key=lambda v: (v.date, v.slug), reverse=True)
    for path, page in render_pages(renderer, views).items():
        site_plan.add(path, page)
    timings.mark("render")

    site_plan.add("feed.xml", feeds.atom(site.config, views))
    site_plan.add("feed.json", feeds.json_feed(site.config, views))
    site_plan.add(
        "sitemap.xml",
        feeds.sitemap(
            site.config,
            {
                path.removesuffix("index.html"): None
                for path in site_plan.files
                if path.endswith("index.html")
            }
            | {v.path: v.date.date().isoformat() for v in views},
        ),
    )
    site_plan.add("robots.txt", feeds.robots(site.config))
    _add_static(site_plan, site.root / "templates" / "static")
    timings.mark("feeds")

    published_slugs = {v.slug for v in views}
    left_out = [(d.slug, p, r) for d in decided for p, r in d.left_out]
    left_out += [(slug, WEBSITE, reason) for slug, reason in failed.items()]
    report = {
        "published": [
            {"slug": v.slug, "url": urljoin(site.config.base_url, v.path)} for v in views
        ],
        "exported": {},
        "left_out": [{"slug": s, "platform": p, "reason": r} for s, p, r in left_out],
    }
    strict = [
        (s, p, r)
        for d in decided
        for s, p, r in [(d.slug, p, r) for p, r in d.left_out]
        if d.checked.post.approval is not None and not r.startswith("scheduled")
    ]
    strict += [(s, WEBSITE, r) for s, r in failed.items()]
    assert published_slugs <= {d.slug for d in website}
    with build_lock(out):
        publish(
            out,
            {
                "site": site_plan,
                "exports": OutputPlan(),
                "report.json": (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode(),
            },
        )
    timings.mark("write")
    return BuildResult(out, decided, report, timings, strict)


def _add_static(plan: OutputPlan, folder: Path) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            plan.add(f"static/{rel.as_posix()}", path)
