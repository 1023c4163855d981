"""Approved revisions: what `approve` keeps of each post (content/records/approved/), and which
revision of a post a build publishes: an edit goes live only once it is approved, and until
then the approved revision stays live (judged against today's register, clock and leaders)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sitegen.engine.keys import content_hash
from sitegen.errors import UsageError
from sitegen.files import read_file
from sitegen.front_matter import SLUG
from sitegen.model import Post
from sitegen.records import DEPLOYED, PUBLISHED, REMOVED, event_fingerprint, reduce, state_of

RECORDS = Path("content/records/approved")
BLOBS = "files"  # under RECORDS: every kept file by its hash, a photo once however often kept
BY_DIGEST = "versions"  # under RECORDS: every approval's record, by the approval's digest
LIVE = Path("build/.cache/revisions")  # approved revisions laid out as post folders


@dataclass(frozen=True)
class Revision:
    """The last approved revision of a post: its digest, who approved it and when, and each
    of its files (index.md and its photos) by hash."""

    slug: str
    digest: str
    by: str
    at: str
    files: dict[str, str]  # path in the post's folder -> "sha256:..."

    @property
    def folder_name(self) -> str:
        return self.digest.removeprefix("sha256:")[:16]


def kept_file(root: Path, digest: str) -> Path:
    """Where the file with this hash is kept, once for every revision that holds it."""
    return root / RECORDS / BLOBS / digest.removeprefix("sha256:")


def keep(
    root: Path, slug: str, folder: Path, files: Iterable[str], approval: dict[str, str]
) -> None:
    """Keep exactly what was approved: the post's index.md as approve wrote it, and the
    photos it names, by hash (a photo kept once, however many revisions show it)."""
    records = root / RECORDS
    (records / BLOBS).mkdir(parents=True, exist_ok=True)
    kept: dict[str, str] = {}
    for name in ["index.md", *files]:
        data = read_file(folder / name)
        digest = content_hash(data)
        blob = kept_file(root, digest)
        if not blob.exists():
            _write_new(blob, data)
        kept[name] = digest
    record = {
        "slug": slug,
        "digest": approval["digest"],
        "by": approval["by"],
        "at": approval["at"],
        "files": kept,
    }
    text = (json.dumps(record, indent=2) + "\n").encode()
    _write_new(records / f"{slug}.json", text)
    # (and by its digest, for good: the words of a version that went out and was edited
    # since are personal data the school holds, which a Subject Access Request must find)
    (records / BY_DIGEST).mkdir(exist_ok=True)
    _write_new(records / BY_DIGEST / f"{approval['digest'].removeprefix('sha256:')}.json", text)


def _write_new(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.part")
    partial.write_bytes(data)
    os.replace(partial, path)


def approved_revision(root: Path, slug: str) -> Revision | None:
    """The post's last approved revision, when approve kept one (older sites: none; a record
    that is not one approve could have written counts as none)."""
    try:
        data = json.loads((root / RECORDS / f"{slug}.json").read_text("utf-8"))
        revision = Revision(
            str(data["slug"]),
            str(data["digest"]),
            str(data["by"]),
            str(data["at"]),
            {str(k): str(v) for k, v in data["files"].items()},
        )
    except UNREADABLE:
        return None
    return revision if _well_formed(revision, slug) else None


DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
# What reading a record written by hand may raise (JSON nested ten thousand deep: recursion).
UNREADABLE = (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError)


def _well_formed(revision: Revision, slug: str) -> bool:
    """Only names inside a post's folder, and digests as approve writes them: a record
    edited to name another path must never make a build write there."""
    names_ok = all(
        name
        and not name.startswith("/")
        and "\\" not in name
        and all(part not in ("", ".", "..") for part in name.split("/"))
        for name in revision.files
    )
    return (
        revision.slug == slug
        and "index.md" in revision.files
        and names_ok
        and bool(DIGEST.fullmatch(revision.digest))
        and all(DIGEST.fullmatch(d) for d in revision.files.values())
    )


def carries(index: Path, revision: Revision) -> bool:
    """Whether the post's index.md still carries the approval the revision was kept for (an
    edit keeps it; a new post in the same folder, or an approval taken away, does not)."""
    try:
        header = read_file(index).decode("utf-8", "replace").split("\n---", 1)[0]
    except OSError:
        return False
    return bool(re.search(r"^status:\s*approved\s*$", header, re.M)) and revision.digest in header


def is_edited(revision: Revision, current: dict[str, str]) -> bool:
    """Whether the post's folder no longer holds exactly what was approved (`current`: each
    file's hash, by its path in the folder)."""
    return any(current.get(name) != digest for name, digest in revision.files.items())


def reads_as_approved(root: Path, folder: Path, revision: Revision, tz: ZoneInfo) -> bool:
    """Whether the post reads as what was approved (its digest leaves out the status, the
    approval block and how the file is laid out: line endings, comments, quoting), so that
    only its approval changed (`by`, `entry` or a signature, by hand): no edit waits for
    approval, and no approved copy is published instead; the post is judged as it is, and
    its approval fails (SG150)."""
    from sitegen.approval import post_digest
    from sitegen.content import load_post

    post = load_post(root, folder, tz)
    return post.meta is not None and post_digest(post) == revision.digest


class LiveRevisions:
    """For a build: the folder each post is published from. A post edited since its last
    approval is published from that approved revision, laid out as a post folder under
    build/.cache/revisions/ (its files linked from content/records/approved/)."""

    def __init__(self, root: Path, tz: ZoneInfo) -> None:
        self.root = root
        self.tz = tz  # (the school's: a post's dates are read in it)
        self.used: dict[str, Revision] = {}  # slug -> the revision published instead
        # Who the edits of those posts put on their photos, by the photos' hashes (`edits_show`).
        self.edited: dict[str, frozenset[str]] | None = None
        self._kept: set[str] | None = None  # the records' file names, listed once a build

    def folder(self, folder: str, current: dict[str, str]) -> str | None:
        """The folder to publish the post in `folder` from, when not that one."""
        slug = os.path.basename(folder)
        if self._kept is None:
            try:
                self._kept = set(os.listdir(self.root / RECORDS))
            except OSError:
                self._kept = set()
        if f"{slug}.json" not in self._kept:
            return None  # (never approved by `approve`: published from its own folder)
        revision = approved_revision(self.root, slug)
        if revision is None or not is_edited(revision, current):
            return None
        if not carries(Path(folder) / "index.md", revision):
            return None  # (not this approval's post any more: judged as it is)
        if reads_as_approved(self.root, Path(folder), revision, self.tz):
            return None  # (no edit waiting: an approval altered, judged as it is: SG150)
        laid_out = lay_out(self.root, revision)
        if laid_out is None:
            return None  # (a kept file is missing: the edit is judged, stale, as before)
        self.used[slug] = revision
        return str(laid_out)

    def edits_show(
        self,
        photos_of: Callable[[Path], Iterable[tuple[Path, Iterable[str]]]],
        hash_of: Callable[[Path], str],
    ) -> dict[str, frozenset[str]]:
        """Who the edit of each post published from its approved revision puts on its photos,
        by the photos' hashes (`photos_of`: an edit's photo files, each with the pupils its
        front matter puts on it). A pupil found on a photo after its approval is on those bytes
        from the moment staff say so, not from the next approval."""
        if self.edited is None:
            found: dict[str, set[str]] = {}
            for slug in sorted(self.used):
                for path, pupils in photos_of(self.root / "content/posts" / slug):
                    if (sha := hash_of(path)).startswith("sha256:"):  # (not a missing file)
                        found.setdefault(sha, set()).update(pupils)
            self.edited = {sha: frozenset(p) for sha, p in found.items() if p}
        return self.edited


def approved_version(
    root: Path, slug: str, digest: str, tz: ZoneInfo, language: str
) -> Post | None:
    """The words of the post's version approved with this digest (its index.md, read as a
    post: laid out alone under build/.cache/revisions/), while the school keeps them (None:
    never kept, an approval older than the record, pruned since, or unreadable)."""
    from sitegen.content import load_post  # (content is read by builds; this by commands)

    try:
        path = root / RECORDS / BY_DIGEST / f"{digest.removeprefix('sha256:')}.json"
        data = json.loads(path.read_text("utf-8"))
        kept = str(data["files"]["index.md"])
        text = read_file(kept_file(root, kept)) if DIGEST.fullmatch(kept) else b""
    except UNREADABLE:
        return None
    if str(data.get("slug")) != slug or content_hash(text) != kept or not SLUG.fullmatch(slug):
        return None
    folder = root / LIVE / f"words-{kept.removeprefix('sha256:')[:16]}" / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.md").write_bytes(text)
    post = load_post(root, folder, tz, language)
    return post if post.meta is not None else None


def lay_out(root: Path, revision: Revision) -> Path | None:
    """The revision laid out as a post folder under build/.cache/revisions/ (its files copied
    from content/records/approved/), or None when a kept file is missing or not as approved."""
    laid_out = root / LIVE / revision.folder_name / revision.slug
    if _complete(laid_out, revision):
        return laid_out
    shutil.rmtree(laid_out, ignore_errors=True)
    try:
        for name, digest in revision.files.items():
            blob = kept_file(root, digest)
            target = laid_out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            data = read_file(blob)
            if content_hash(data) != digest:
                raise OSError(f"{blob} is not the file that was approved")
            target.write_bytes(data)  # (a copy: the kept file stays as approved, whatever)
    except OSError:
        shutil.rmtree(laid_out, ignore_errors=True)
        return None
    return laid_out


def _complete(laid_out: Path, revision: Revision) -> bool:
    """Laid out already, each file as approved (a copy edited in place is laid out anew)."""
    try:
        return all(
            content_hash(read_file(laid_out / name)) == digest
            for name, digest in revision.files.items()
        )
    except OSError:
        return False


def kept_of_deleted_posts(root: Path) -> list[Path]:
    """The approved revisions the school still keeps of posts whose folder is gone (until
    `records prune`), each laid out as a post folder: personal data it holds, for `sar`."""
    folders = []
    for path in sorted((root / RECORDS).glob("*.json")):
        if (root / "content/posts" / path.stem).exists():
            continue
        revision = approved_revision(root, path.stem)
        if revision is not None and (laid_out := lay_out(root, revision)) is not None:
            folders.append(laid_out)
    return folders


def still_out_there(events: list[dict[str, Any]]) -> tuple[set[str], set[str], set[str]]:
    """The posts, the photos (by their hash) and the versions (by their approval's digest,
    whose kept words `takedown` reads) the records say may still be out there: each latest
    version a build made (a page removed too, while no deploy confirms it went), each version
    posted and not taken down, the photos an unconfirmed copy may still show, and the
    website's versions the last deploy put live. What `records prune` must keep."""
    state = state_of(reduce(events))
    versions = [fp for kind, fp, _ in state.standing.values() if kind in (PUBLISHED, REMOVED)]
    versions += list(state.posted.values())
    website: dict[str, dict[str, Any]] = {}
    live: list[dict[str, Any]] = []
    for event in events:
        if event["event"] == PUBLISHED and event["platform"] == "website":
            website[event["slug"]] = event
        elif event["event"] == DEPLOYED:
            live = [website[slug] for slug in event.get("posts") or {} if slug in website]
    versions += [event_fingerprint(event) for event in live]
    photos = {str(p[1]) for fp in versions for p in fp[1] if len(p) > 1}
    photos |= {  # (a posting replaces what an earlier, unconfirmed copy showed)
        str(p[1])
        for where, carried in state.carried.items()
        if where not in state.posted
        for p in carried
    }
    slugs = {slug for (slug, _), (kind, _, _) in state.standing.items() if kind == PUBLISHED}
    slugs |= {slug for slug, _ in state.posted} | {str(e["slug"]) for e in live}
    digests = {str(fp[0]) for fp in versions if fp}
    return slugs, {photo.removeprefix("sha256:") for photo in photos}, digests


def prune(
    root: Path, out_there: set[str], photos_out: set[str], words_out: set[str] | None = None
) -> tuple[list[str], list[str]]:
    """Remove approved revisions no longer needed: a post's whose folder is gone and that is
    out nowhere (`out_there`: the posts the ledger says may still be out), and every kept
    file no remaining revision holds, no photo out there is (`photos_out`, by hash), and no
    version out there says (`words_out`, by digest: `takedown` reads its words).
    Returns the posts whose revision went, and the hashes of the files that went."""
    records = root / RECORDS
    unreadable = [p.name for p in records.glob("*.json") if approved_revision(root, p.stem) is None]
    if unreadable:  # (its files would look needed by nothing, and go)
        raise UsageError(
            f"cannot read {', '.join(sorted(unreadable))} in {RECORDS.as_posix()}/: restore it "
            "from git or a backup, then prune; nothing was removed"
        )
    gone = []
    for path in sorted(records.glob("*.json")):
        slug = path.stem
        if not (root / "content/posts" / slug).exists() and slug not in out_there:
            path.unlink()
            gone.append(slug)
    held = set(photos_out)
    for digest in words_out or ():  # (the words of a version out there)
        with contextlib.suppress(*UNREADABLE):
            version = root / RECORDS / BY_DIGEST / f"{digest.removeprefix('sha256:')}.json"
            held.add(str(json.loads(version.read_text("utf-8"))["files"]["index.md"])[7:])
    for path in records.glob("*.json"):
        revision = approved_revision(root, path.stem)
        if revision is not None:
            held |= {d.removeprefix("sha256:") for d in revision.files.values()}
    removed = []
    for blob in sorted((records / BLOBS).glob("*")) if (records / BLOBS).is_dir() else ():
        if blob.name not in held:
            blob.unlink()
            removed.append(f"sha256:{blob.name}")
    for version in (records / BY_DIGEST).glob("*.json") if (records / BY_DIGEST).is_dir() else ():
        try:
            words = json.loads(version.read_text("utf-8"))["files"]["index.md"]
        except UNREADABLE:
            continue
        if str(words).removeprefix("sha256:") not in held:  # (its words went: so does it)
            version.unlink()
    shutil.rmtree(root / LIVE, ignore_errors=True)  # (laid out again by the next build)
    return gone, removed


def photo_names(events: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Each photo the ledger records (by its hash), as `<post>/<file>` for every post and
    name it went out under."""
    names: dict[str, list[str]] = {}
    for event in events:
        for image in event.get("images") or ():
            if isinstance(image, dict) and image.get("sha256") and image.get("file"):
                name = f"{event.get('slug')}/{image['file']}"
                known = names.setdefault(str(image["sha256"]), [])
                if name not in known:
                    known.append(name)
    return names


def record_problems(root: Path) -> list[str]:
    """Each kept revision that cannot be used: a record that cannot be read, or a kept file
    missing or altered (for `audit verify`: the post would come down at its next edit)."""
    records = root / RECORDS
    problems = []
    for path in sorted(records.glob("*.json")):
        where = path.relative_to(root).as_posix()
        revision = approved_revision(root, path.stem)
        if revision is None:
            problems.append(f"{where}: cannot be read: restore it from git or a backup")
            continue
        for name, digest in revision.files.items():
            blob = kept_file(root, digest)
            try:
                altered = content_hash(read_file(blob)) != digest
            except OSError:
                altered = True
            if altered:
                problems.append(f"{where}: its kept {name} is missing or altered")
    return problems
