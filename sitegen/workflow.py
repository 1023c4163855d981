"""Staff and leader actions on posts: new, submit and approve, each writing files safely."""

from __future__ import annotations

import contextlib
import difflib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import frontmatter

from sitegen import revisions
from sitegen.approval import (
    AuditWriter,
    entries_of,
    post_digest,
    set_unsigned_keys,
    stamp,
    write_atomically,
)
from sitegen.checks import check
from sitegen.content import POSTS_DIR, load_post, post_folders
from sitegen.errors import RefusedError, UsageError
from sitegen.front_matter import FIRST_YEAR, LAST_YEAR
from sitegen.inspection import check_post
from sitegen.model import Post, Register
from sitegen.policy import Checked
from sitegen.policy.welsh import mutations
from sitegen.policy.writing import PLACEHOLDERS
from sitegen.signatures import (
    DEFAULT_KEY,
    message,
    public_key_of,
    same_key,
    sign,
    unapproval_message,
)
from sitegen.site import Site, reload_post
from sitegen.text import fold, fold_id, slugify, squashed


def new_post(site: Site, title: str, author: str, on: str | None, lang: str | None = None) -> Path:
    """Create content/posts/<date>-<slug>/index.md with every required key, as a draft
    (`lang`: the post's language, `site.language` unless said; its placeholder text in it)."""
    if not title.strip():
        raise UsageError("the title must not be empty")
    if lang is not None and lang not in site.config.languages:
        raise UsageError(
            f"--lang {lang!r} is not one of the site's languages "
            f"({', '.join(site.config.languages)}, site.languages in site.toml)"
        )
    day = on or site.context.now.date().isoformat()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        raise UsageError(f'--date "{day}" must be a date such as 2026-11-20')
    try:
        year = date.fromisoformat(day).year
    except ValueError as exc:  # 2026-02-30: the folder's name would carry it for good
        raise UsageError(f'--date "{day}" is not a day of the calendar ({exc})') from None
    if not FIRST_YEAR <= year <= LAST_YEAR:  # (as `check` judges a post's date)
        raise UsageError(f'--date "{day}" must be between {FIRST_YEAR} and {LAST_YEAR}')
    base = site.root / POSTS_DIR / f"{day}-{nameless_slug(title, site.register)}"
    folders = [base.with_name(f"{base.name}-{n}" if n > 1 else base.name) for n in range(1, 100)]
    for taken in (f for f in folders if f.exists()):
        if reload_title(site, taken) == title.strip():
            raise RefusedError(
                f"{taken.relative_to(site.root)} already exists: choose another title"
            )
    # Titles that differ only in a name left out meet in one folder name: number the next.
    folder = next(f for f in folders if not f.exists())
    language = lang or site.config.language
    post = frontmatter.Post(
        PLACEHOLDERS.get(language, PLACEHOLDERS["en"]) + "\n",
        title=title.strip(),
        date=day,
        author=author,
        summary="",
        tags=[],
        platforms=["website"],
        audience="public",
        lang=language,
        pupils=[],
        named=[],
        images=[],
        status="draft",
    )
    folder.mkdir(parents=True)
    text = frontmatter.dumps(post, sort_keys=False)
    # An unquoted ISO date reads back as a date, which is what the front matter means.
    text = text.replace(f"date: '{day}'", f"date: {day}")
    write_atomically(folder / "index.md", text + "\n")
    return folder / "index.md"


def reload_title(site: Site, folder: Path) -> str:
    post = load_post(site.root, folder, site.config.tz, site.config.language)
    return post.title.strip()


def nameless_slug(title: str, register: Register) -> str:
    """The title as a slug without any word that is a pupil's name or id: the folder's name
    is the post's address for good, and the title may still be fixed after it."""
    runs = _name_runs(register)
    longest = max((len(run) for run in runs), default=1)
    title_words = slugify(title).split("-")
    words, after_name, at = [], False, 0
    while at < len(title_words):
        # A name is a run of the slug's words ("morgan-williams", "o-brien", "lily-mae"):
        # the longest run that is one goes, and never a word of it alone ("o" is Welsh too).
        size = next(
            (n for n in range(longest, 0, -1) if tuple(title_words[at : at + n]) in runs), 0
        )
        # ("Mali's drawing" slugifies as mali-s-drawing: the possessive goes with the name)
        if size or (after_name and title_words[at] == "s"):
            after_name, at = True, at + max(size, 1)
            continue
        words.append(title_words[at])
        after_name, at = False, at + 1
    return slugify("-".join(words)) if words else "post"


def _name_runs(register: Register) -> set[tuple[str, ...]]:
    """Every pupil's names and id as runs of slug words: each word of a first name (and its
    Welsh mutated forms: "Da iawn Fia" is Mia's, whatever language the post), the last name
    and each of its words, the full name, and each of these run together ("MiaJones")."""
    # (and the first part of a hyphenated one: Lily-Mae is called Lily, as `check` knows; its
    # later parts are often words, "Mae" of Welsh, and stay)
    words = [w for p in register.pupils.values() for w in p.first_name.split()]
    firsts = {fold(part) for w in words for part in (w, slugify(w).split("-")[0]) if part}
    names = firsts | {m for name in firsts for m in mutations(name)}
    for pupil in register.pupils.values():
        names |= {pupil.last_name, *pupil.last_name.split()}
        names.add(f"{pupil.first_name} {pupil.last_name}")
    runs = {tuple(slugify(name).split("-")) for name in names if slugify(name) != "post"}
    runs |= {(squashed(fold(name)),) for name in names}
    return runs | {(fold_id(p.pupil_id),) for p in register.pupils.values()}


DATED = re.compile(r"\d{4}-\d{2}-\d{2}-")  # a folder name that starts with its date


def find_post(site: Site, ref: str) -> Post:
    """A post named by slug, folder or index.md path."""
    return find_posts(site, [ref])[0]


def find_posts(site: Site, refs: list[str]) -> list[Post]:
    """Posts named by slug, folder or index.md path: the site's folders are resolved once,
    however many posts are named (a leader may approve a term's posts at once)."""
    by_folder: dict[Path, Post] = {}
    for post in site.posts:
        with contextlib.suppress(OSError, RuntimeError):  # (a link in a loop resolves to nothing)
            by_folder.setdefault(post.folder.resolve(), post)
    found = []
    for ref in refs:
        for path in (Path(ref), site.root / ref, site.root / POSTS_DIR / ref):
            folder = path.parent if path.name == "index.md" else path
            try:
                post = by_folder.get(folder.resolve())
            except (OSError, RuntimeError, ValueError):
                continue
            if post is not None:
                found.append(post)
                break
        else:
            names = [p.name for p in post_folders(site.root)]
            raise UsageError(f'no post "{ref}" in {POSTS_DIR.as_posix()}{_nearest(ref, names)}')
    return found


def _nearest(ref: str, names: list[str]) -> str:
    """What the user most likely meant: the post whose name ends with `ref` (its date left
    off), else names a letter or two away (with or without their date), else the newest."""
    wanted = Path(re.sub(r"index\.md$", "", ref, flags=re.IGNORECASE).rstrip("/")).name.lower()
    undated = {name[len("2026-01-01-") :]: name for name in names if DATED.match(name)}
    close = [n for n in names if n.endswith("-" + wanted)] or [
        undated.get(n, n)
        for n in difflib.get_close_matches(wanted, [*names, *undated], n=3, cutoff=0.8)
    ]
    if close:
        return ": did you mean " + " or ".join(dict.fromkeys(close)) + "?"
    return f" (the newest: {', '.join(reversed(names[-5:]))})" if names else " (no posts yet)"


@dataclass(frozen=True)
class Outcome:
    slug: str
    done: bool
    message: str


def submit(site: Site, post: Post) -> Outcome:
    checked = check_post(post, site.context, site.photos)
    if checked.status != "draft":
        next_step = {
            "stale": ": ask a leader to approve the edit (`sitegen approve "
            f"{post.slug}`); the version approved before stays live meanwhile",
            "blocked": f": run `sitegen check {post.slug}` for what blocks it",
        }.get(checked.status, "")
        return Outcome(
            post.slug,
            checked.status == "submitted",
            f"{post.slug} is {checked.status}, not a draft: nothing to submit{next_step}",
        )
    if checked.errors:
        return Outcome(
            post.slug,
            False,
            f"{post.slug} has {len(checked.errors)} error(s): run `sitegen check "
            f"{post.slug}` and fix them first",
        )
    _rewrite(post, "submitted", None)
    return Outcome(post.slug, True, f"submitted {post.slug}: a senior leader can now approve it")


def approve(site: Site, posts: list[Post], by: str, key: Path | None = None) -> list[Outcome]:
    """Leader approval, each post on its own: refuse one with errors, else log the approval,
    then write it into the post. The audit log is locked and read once for them all."""
    if by not in site.config.leaders:
        raise RefusedError(
            f'"{by}" is not a senior leader: only {", ".join(site.config.leaders)} '
            "may approve (policy.leaders in site.toml)"
        )
    _leader_key(site, by, key)
    outcomes = []
    said = _signed_words(site)  # (and each approval made here, as it is made)
    with AuditWriter(site.root) as log:
        for checked in check(site, posts):
            outcomes.append(_approve_one(site, checked, by, log, key, said))
    return outcomes


def _signed_words(site: Site) -> set[tuple[str, str, str]]:
    """The words each approval in the log signed: (digest, leader, time)."""
    found = entries_of(site.context.audit_entries, "approve")
    return {(str(e.get("digest")), str(e.get("by")), str(e.get("at"))) for e in found}


def _approval_time(
    digest: str, by: str, now: datetime, said: set[tuple[str, str, str]]
) -> datetime:
    """Now, to the second; a second on while an approval of the same version by the same
    leader signed that time (`said`, which this one joins): signed words said twice are a
    copy (signatures.check_entries), as when approved again within the second the approval
    was taken back, or two posts alike approved at once."""
    at = now.astimezone(UTC).replace(microsecond=0)
    while (digest, by, stamp(at)) in said:
        at += timedelta(seconds=1)
    said.add((digest, by, stamp(at)))
    return at


UNAPPROVE = "unapprove"  # the audit log's action for an approval taken back


def unapprove(site: Site, posts: list[Post], by: str, key: Path | None = None) -> list[Outcome]:
    """A leader takes approvals back: each is logged as taken back, signed as approvals are
    (a copy of the post put back by hand, approval and all, is blocked by that entry:
    SG150), and the post waits for a leader again (`status: submitted`, its approval block
    removed). The next build leaves it out, and `takedown` lists wherever it went."""
    if by not in site.config.leaders:
        raise RefusedError(
            f'"{by}" is not a senior leader: only {", ".join(site.config.leaders)} '
            "may take an approval back (policy.leaders in site.toml)"
        )
    leader_key = _leader_key(site, by, key)
    outcomes = []
    with AuditWriter(site.root) as log:
        for post in posts:
            if post.approval is None:
                outcomes.append(Outcome(post.slug, False, f"{post.slug} has no approval"))
                continue
            at = site.context.now.astimezone(UTC).replace(microsecond=0)
            words = unapproval_message(post.approval.entry, by, stamp(at))
            signature = sign(words, key) if leader_key is not None else ""
            log.append(UNAPPROVE, post.slug, by, at, post.approval.entry, signature)
            _rewrite(post, "submitted", None)
            outcomes.append(
                Outcome(
                    post.slug,
                    True,
                    f"took back {post.approval.by}'s approval of {post.slug} "
                    f"({post.approval.at[:10]}): it waits for a leader again; the next build "
                    "leaves it out, and `sitegen takedown` lists where it went",
                )
            )
    return outcomes


def _leader_key(site: Site, by: str, key: Path | None = None) -> str | None:
    """The leader's public key in site.toml (None: they sign nothing); refused before
    anything is written when signatures are required and they have none, or when the key
    file given is not theirs."""
    leader_key = site.config.leader_keys.get(by)
    if leader_key is None and site.config.require_signatures:
        raise RefusedError(
            f"{by} has no key in policy.leader_keys, and policy.require_signatures is true: "
            "add their public key (ssh-ed25519 ...) to site.toml first"
        )
    if leader_key is not None:
        check_key(by, leader_key, key)
    return leader_key


def check_key(by: str, leader_key: str, key: Path | None) -> None:
    """The key file given (or the default) must be the leader's own, as site.toml says."""
    path = (key or DEFAULT_KEY).expanduser()
    if not path.is_file():
        raise UsageError(
            f"no key file {path}: {by} signs approvals with their SSH key (policy.leader_keys): "
            "give it with --key FILE (a private key, or its .pub when the SSH agent holds it)"
        )
    public = public_key_of(path)
    if public is not None and not same_key(public, leader_key):
        raise RefusedError(
            f"the key {path} is not {by}'s key in policy.leader_keys: approve with {by}'s own key"
        )


def approval_signature(site: Site, digest: str, by: str, at: str, key: Path | None) -> str:
    """The leader's signature of this approval, when site.toml gives them a key."""
    if by not in site.config.leader_keys:
        return ""
    return sign(message(digest, by, at), key)


def _approve_one(
    site: Site,
    checked: Checked,
    by: str,
    log: AuditWriter,
    key: Path | None,
    said: set[tuple[str, str, str]],
) -> Outcome:
    post = checked.post
    if checked.status == "approved":
        return Outcome(
            post.slug,
            True,
            f"{post.slug} is already approved by {post.approval.by if post.approval else '?'}",
        )
    # A new approval replaces the old one, so the old approval's problems do not count.
    errors = [f for f in checked.errors if f.code != "SG150"]
    if post.meta is None or errors:
        return Outcome(
            post.slug,
            False,
            f"refused {post.slug}: {len(errors)} error(s) "
            f"({', '.join(sorted({f.code for f in errors}))}); "
            f"run `sitegen check {post.slug}`",
        )
    at = _approval_time(checked.digest, by, site.context.now, said)
    signature = approval_signature(site, checked.digest, by, stamp(at), key)
    entry = log.append("approve", post.slug, by, at, checked.digest, signature)
    approval = {"by": by, "at": stamp(at), "digest": checked.digest, "entry": entry}
    if signature:
        approval["signature"] = signature
    original = _rewrite(post, "approved", approval)
    if post_digest(reload_post(site, post)) != checked.digest:
        # The edit must never change what was approved; put the file back as it was.
        write_atomically(post.folder / "index.md", original)
        raise RefusedError(
            f"approving {post.slug} would change its content; it was left "
            "as it was: tell the developers",
            post.path,
        )
    try:  # (what is approved stays live through later edits only if it is kept)
        revisions.keep(
            site.root, post.slug, post.folder, [ref.file for ref in post.images], approval
        )
    except OSError as exc:
        write_atomically(post.folder / "index.md", original)  # (not approved after all)
        raise RefusedError(
            f"{post.slug} was not approved: a copy of what was approved could not be kept in "
            f"{revisions.RECORDS.as_posix()}/ ({exc.strerror or exc}; is the disk full?)",
            post.path,
        ) from None
    # (the leader confirms the post as it is, warnings and all: they are said, not hidden)
    warned = [f"\n  {f.code} warning: {f.message}" for f in checked.warnings]
    if warned:
        warned.insert(0, f"\n  approved with {len(warned)} warning(s): read them now")
    return Outcome(
        post.slug, True, f"approved {post.slug} ({checked.digest[:19]}…)" + "".join(warned)
    )


def _rewrite(post: Post, status: str, approval: dict[str, str] | None) -> str:
    """Set status (and approval) in the file; returns the text it had before."""
    index = post.folder / "index.md"
    original = index.read_bytes().decode("utf-8")  # (as saved: Windows line ends kept)
    write_atomically(index, set_unsigned_keys(original, status, approval))
    return original
