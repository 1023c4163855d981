"""A SAR's photos of the pupil: where each went out, with their face showing or covered,
and the faces the report's own copies cover (everyone's but theirs)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sitegen.approval import image_hash
from sitegen.config import Config
from sitegen.faces import Box, find_faces
from sitegen.model import ImageRef, Post
from sitegen.policy.images import resolve_image
from sitegen.revisions import kept_file
from sitegen.site import Site
from sitegen.text import fold_id


def add_where_it_went(
    entry: dict[str, Any],
    slug: str,
    publications: list[dict[str, Any]],
    config: Config,
    notes: list[str],
) -> None:
    """The platforms the post, and each of the pupil's photos in it, went to; a photo never
    published that shows other pupils too is a note for the data protection lead."""
    went = [p for p in publications if p["where"][0] == slug]
    entry["published_on"] = [p["platform"] for p in went]
    for photo in entry["photos"]:
        shown = {p["platform"] for p in went if photo["sha256"] in p["photo_hashes"]}
        photo["went_to"] = _platform_order(config, shown)
        # Where every copy that went covered the pupil's face.
        showing = {
            p["platform"]
            for p in went
            if photo["sha256"] in p["photo_hashes"] and photo["sha256"] not in p["face_covered"]
        }
        photo["face_covered_on"] = _platform_order(config, shown - showing)
        photo["face_covered_since"] = _covered_since(photo["sha256"], went)
        photo["face_shown_since"] = _covered_since(photo["sha256"], went, covered=False)
        photo["face_changes"] = _face_changes(photo["sha256"], went)
        # Where a copy went out (posted, deployed; the website uploaded by hand as built),
        # not only made ready.
        out = {p["platform"] for p in went if photo["sha256"] in p["photo_hashes"] and _out_at(p)}
        photo["out_on"] = _platform_order(config, out)
        # Where a copy may still be: not ended, or ended in a build with its removal to come,
        # and not taken off the post there by hand.
        still = {
            p["platform"]
            for p in went
            if photo["sha256"] in p["photo_hashes"]
            and (p["ended"] is None or p.get("pending_removal"))
            and photo["sha256"] not in p.get("photos_taken_off", ())
        }
        photo["still_on"] = _platform_order(config, still)
        if photo["others_on_photo"] and not shown:
            notes.append(
                f"{slug}: the photo {photo['file']} was never published and shows "
                f"{photo['others_on_photo']} other pupil(s) too: check it before sending"
            )


def _covered_since(sha: str, went: list[dict[str, Any]], covered: bool = True) -> dict[str, str]:
    """The platforms where the photo went out first with the pupil's face showing and where
    the copy out there now covers it: since when it went out so (`covered` False: the other
    way round, as when a consent comes back). Only what went out counts (posted, or deployed;
    the website uploaded by hand, as built): a covered copy made but not yet posted leaves
    the uncovered one there."""
    since: dict[str, str] = {}
    for platform in dict.fromkeys(p["platform"] for p in went):
        out = [
            (p, when)
            for p in went
            if p["platform"] == platform and sha in p["photo_hashes"] and (when := _out_at(p))
        ]
        states = [(sha in p["face_covered"]) is covered for p, _ in out]
        if states and states[-1] and not all(states):
            first = len(states) - states[::-1].index(False)  # (after the last other one)
            since[platform] = out[first][1]
    return since


def _face_changes(sha: str, went: list[dict[str, Any]]) -> dict[str, list[list[Any]]]:
    """The platforms where the copy out there covered the pupil's face, then showed it, and
    so on, more than once ([covered, since when] at each change): a sentence of since and
    until would leave a change out."""
    changes: dict[str, list[list[Any]]] = {}
    for platform in dict.fromkeys(p["platform"] for p in went):
        states: list[list[Any]] = []
        for pub in went:
            if pub["platform"] == platform and sha in pub["photo_hashes"] and _out_at(pub):
                covered = sha in pub["face_covered"]
                if not states or states[-1][0] != covered:
                    states.append([covered, _out_at(pub)])
        if len(states) > 2:
            changes[platform] = states
    return changes


def _out_at(pub: dict[str, Any]) -> str | None:
    """When a version went out: posted, deployed, or (the website uploaded by hand) built."""
    if pub["kind"] == "website" and not pub.get("live_site_recorded"):
        return str(pub["at"])
    return pub.get("posted_at") or pub.get("deployed_at")


def cover_others(
    site: Site,
    versions: list[Post],
    entry: dict[str, Any],
    key: str,
    covers: dict[str, tuple[Box, ...]],
    notes: list[str],
) -> None:
    """The faces to cover on the report's copy of each of the pupil's photos: all but theirs,
    by the photo's `faces` list and the faces found on it. Where that cannot be done (no
    list, or detection off), a photo that shows other pupils is a note for the lead."""
    for photo in entry["photos"]:
        found = _photo_ref(versions, photo["sha256"])
        if found is None:
            continue
        post, ref = found
        seen = site.photos.inspect(post).seen.get(ref.file)
        faces = seen.faces if seen else None
        if ref.faces is not None and faces is not None and len(faces.boxes) == len(ref.faces):
            others = [n for n, who in enumerate(ref.faces, 1) if fold_id(who) != key]
            covers[photo["sha256"]] = tuple(faces.boxes[n - 1] for n in others)
        elif (
            photo["others_on_photo"]
            or any(fold_id(who) != key for who in ref.faces or ())
            or (faces is not None and len(faces.boxes) > 1)  # (no list: whose are they?)
        ):
            why = (
                "face detection is off"
                if faces is None
                else "it has no faces list"
                if ref.faces is None
                else "its faces list does not fit the faces found"
            )
            notes.append(
                f"{entry['slug']}: the photo {photo['file']} shows faces other than the "
                f"pupil's ({photo['others_on_photo']} other pupil(s) by the records), which the "
                f"report could not cover ({why}): cover them before sending"
            )


def _photo_ref(versions: list[Post], sha: str) -> tuple[Post, ImageRef] | None:
    """The post version and image whose file has these bytes."""
    for post in versions:
        for ref in post.images:
            path = resolve_image(post, ref)
            if isinstance(path, Path) and image_hash(path) == sha:
                return post, ref
    return None


def _platform_order(config: Config, platforms: set[str]) -> list[str]:
    """Platforms in site.toml's order (any the settings no longer list, after them)."""
    known = [p for p in config.platforms if p in platforms]
    return known + sorted(platforms - set(known))


def held_from_earlier_versions(
    site: Site,
    publications: list[dict[str, Any]],
    posts: list[dict[str, Any]],
    ledger: list[dict[str, Any]],
    held: HeldCopies,
    key: str,
) -> None:
    """The pupil's photos that went out with an earlier version of a post (edited since, or
    deleted) and that no post shows now: `held_photos` of every publication that carried
    them, with a copy for the report where the school still holds one (kept with an approved
    revision, or left in the post's folder), on which every face but the pupil's is covered
    where the records say who each face is. The report told only their file names."""
    shown_now = {photo["sha256"] for post in posts for photo in post["photos"]}
    shows = site.photos.shows()
    faces_of = _recorded_faces(ledger)
    gone: set[str] = set()  # (photos no longer held: told to the lead once)
    for pub in publications:
        pub["held_photos"] = []
        for sha, name in zip(pub["photo_hashes"], pub["images"], strict=True):
            if not sha or sha in shown_now:
                continue
            path = held.sources.get(sha) or _held_copy(site.root, sha, pub["where"][0])
            pub["held_photos"].append({"file": name, "sha256": sha, "held": path is not None})
            if path is None and sha not in gone:
                gone.add(sha)
                held.notes.append(
                    f"{pub['slug']}: the photo {name} (from an earlier version) is no longer "
                    "held (`records prune`, or deleted): the report says where it went, "
                    "with no copy of it"
                )
            if path is None or sha in held.sources:
                continue  # (each photo is copied, and its faces covered, once)
            held.sources[sha] = path
            others = len({fold_id(p) for p in shows.get(sha, ())} - {key})
            faces = faces_of.get(sha)
            # (a face listed as `cover` or another pupil's was covered on every copy too)
            if not others and not any(fold_id(who) != key for who in faces or ()):
                continue
            boxes = _all_but_theirs(site, path, sha, faces, key)
            if boxes is not None:
                held.covers[sha] = boxes
            else:
                held.notes.append(
                    f"{pub['slug']}: the photo {name} (from an earlier version) shows "
                    f"faces other than the pupil's ({others} other pupil(s) by the records), "
                    "which the report could not cover: cover them before sending"
                )


@dataclass
class HeldCopies:
    """What the report shows of photos: their files, the faces to cover on each (by hash),
    and the notes for the lead."""

    sources: dict[str, Path]
    covers: dict[str, tuple[Box, ...]]
    notes: list[str]


def _recorded_faces(ledger: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Who each face on a photo is, by its bytes' hash: the last `faces` list recorded."""
    found: dict[str, list[str]] = {}
    for event in ledger:
        for image in event.get("images") or ():
            if isinstance(image, dict) and isinstance(image.get("faces"), list):
                found[str(image.get("sha256"))] = [str(who) for who in image["faces"]]
    return found


def _all_but_theirs(
    site: Site, path: Path, sha: str, faces: list[str] | None, key: str
) -> tuple[Box, ...] | None:
    """The faces on the photo that are not the pupil's, where a `faces` list recorded for it
    numbers as many faces as are found on it; None where that cannot be said."""
    if faces is None or not site.photos.tools.faces:
        return None
    found = find_faces(path, sha, site.photos.files)
    if len(found.boxes) != len(faces):
        return None
    return tuple(box for box, who in zip(found.boxes, faces, strict=True) if fold_id(who) != key)


def _held_copy(root: Path, sha: str, slug: str) -> Path | None:
    """A file the school holds with these bytes: kept with an approved revision, or still in
    the post's folder."""
    kept = kept_file(root, sha)
    if kept.is_file() and image_hash(kept) == sha:
        return kept
    folder = root / "content/posts" / slug
    for path in sorted(folder.iterdir()) if folder.is_dir() else ():
        if path.is_file() and path.name != "index.md" and image_hash(path) == sha:
            return path
    return None
