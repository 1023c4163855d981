"""The pipeline, top to bottom: config -> content -> policy -> images -> render -> write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from sitegen.approval import valid_entries
from sitegen.cache import Cache
from sitegen.config import Config, load_config
from sitegen.content import load_post, load_posts
from sitegen.errors import UsageError
from sitegen.gate import Decision, decide
from sitegen.model import Post, Register
from sitegen.policy import Checked, Context, check_post
from sitegen.register import load_register

CACHE_DIR = Path("build/.cache")


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
            parsed = datetime.combine(date.fromisoformat(value.strip()), time(0, 0))
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
