"""The site as read from disk before any rule runs: settings, register, log, clock, posts."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock_time
from functools import cache, cached_property
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from sitegen import records
from sitegen.approval import AUDIT_LOG, valid_entries
from sitegen.config import Config, load_config
from sitegen.content import load_post
from sitegen.engine.analyses import analyse_all
from sitegen.engine.keys import content_hash
from sitegen.engine.memory import BuildMemory
from sitegen.engine.postkeys import PostIndex
from sitegen.engine.store import CACHE_DIR, ResultFiles
from sitegen.errors import ChangedError, UsageError
from sitegen.inspection import PhotoReader
from sitegen.model import ADULT, COVER, ImageRef, Post, Register
from sitegen.policy import Analysis, Context
from sitegen.register import load_register
from sitegen.revisions import LiveRevisions
from sitegen.signatures import check_entries
from sitegen.vision import tools


def cache_root(root: Path) -> Path:
    """Where content-addressed results live: build/.cache, or SITEGEN_CACHE_DIR (which may be
    shared between sites, since every entry is keyed by the content that made it)."""
    shared = os.environ.get("SITEGEN_CACHE_DIR")
    return Path(shared) if shared else root / CACHE_DIR


@dataclass(frozen=True)
class Site:
    """Everything read from disk before any rule runs: gather first, then decide.

    Posts are read when first needed, by their keys: a build of unchanged posts parses none.
    """

    root: Path
    config: Config
    register: Register
    context: Context
    photos: PhotoReader  # the inspection stage's: where photos' results are kept
    store: BuildMemory
    index: PostIndex  # each post folder's key
    sources: dict[str, str] = field(default_factory=dict)  # hashes of the bytes parsed
    revisions: LiveRevisions | None = None  # published: the approved revisions used instead

    @cached_property
    def analyses(self) -> list[Analysis]:
        return analyse_all(self)

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


def load_site(root: Path, now: str | None = None, published: bool = False) -> Site:
    """The site as read from disk. `published`: each post as a build publishes it (an edit
    not yet approved is replaced by its approved revision), not as staff left it."""
    config, settings = _parsed(root / "site.toml", lambda: load_config(root))
    clock = parse_now(now, config.tz)
    register, register_hash = _parsed(config.register_path, lambda: load_register(config))
    store = BuildMemory.open(root)
    entries, audit = _parsed(root / AUDIT_LOG, lambda: valid_entries(root, store.audit))
    signatures = {}
    if config.leader_keys:  # (checked before any rule runs, and once: ssh-keygen is a process)
        signatures = check_entries(
            ((h, entries[h]) for h in entries), config.leader_keys, store.audit
        )
        store.audit.save_added()
    context = Context(config, register, clock, entries, signatures=signatures)
    photos = PhotoReader(
        ResultFiles(cache_root(root)),
        store.hashes,
        tools(config.ocr, config.faces),
        config.max_pixels,
        cache(lambda: known_on_photos(root, store, config, index, live)),
    )
    sources = {"settings": settings, "register": register_hash, "audit": audit}
    live = LiveRevisions(root, config.tz) if published else None
    index = PostIndex(root, config, register, store.hashes, live.folder if live else None)
    return Site(root, config, register, context, photos, store, index, sources, live)


def known_on_photos(
    root: Path,
    store: BuildMemory,
    config: Config,
    index: PostIndex,
    live: LiveRevisions | None,
    ledger: dict[str, frozenset[str]] | None = None,
) -> dict[str, frozenset[str]]:
    """Who each photo shows, by its bytes' hash: every pupil the publications ledger records
    on them (`ledger`, when given: as a build is about to record it), and, for a build, every
    pupil the edit of a post published from its approved revision puts on them."""
    if ledger is None:
        ledger = records.state_of(records.current(root, store.ledger)).shows
    if live is None:
        return ledger
    index.keys()  # (which posts are published from their approved revision)

    def photos_of(folder: Path) -> list[tuple[Path, set[str]]]:
        post = load_post(root, folder, config.tz, config.language)
        return [(folder / ref.file, _on_photo(ref)) for ref in post.images]

    edited = live.edits_show(photos_of, store.hashes.hash)
    return {
        sha: ledger.get(sha, frozenset()) | edited.get(sha, frozenset())
        for sha in {*ledger, *edited}
    }


def _on_photo(ref: ImageRef) -> set[str]:
    """The pupils a photo's front matter puts on it: its `pupils`, and its `faces` list's."""
    return {*ref.pupils, *(f for f in ref.faces or () if f not in (ADULT, COVER))}


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


def reload_post(site: Site, post: Post) -> Post:
    return load_post(site.root, post.folder, site.config.tz, site.config.language)
