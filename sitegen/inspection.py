"""The photo inspection stage: what each post's photos are and show, read before any rule runs.

Reading a photo is I/O (the file, the result store, Tesseract, the face detector): it happens
here, once per photo's bytes, so that the rules (policy.judge) are pure functions of what was
read. Results are kept by the photo's hash and the code that makes them.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen.approval import image_hash
from sitegen.engine.hashes import FileHashes
from sitegen.engine.store import ResultFiles
from sitegen.faces import Faces, find_faces
from sitegen.files import read_file
from sitegen.images import ImageFacts, image_facts
from sitegen.model import Post
from sitegen.policy import Checked, Context, analyse, judge
from sitegen.policy.images import resolve_image
from sitegen.text import fold_id
from sitegen.vision import Tools, read_words

if TYPE_CHECKING:
    from PIL import Image


@dataclass(frozen=True)
class Seen:
    """What a photo shows: the words read on it and the faces found (None: not looked for)."""

    words: list[str] | None
    faces: Faces | None


@dataclass(frozen=True)
class PostPhotos:
    """A post's photos as inspected: what each file is, and what it shows."""

    facts: dict[str, ImageFacts] = field(default_factory=dict)  # by file, when it could be read
    seen: dict[str, Seen] = field(default_factory=dict)  # by file, for readable photos
    unusable: dict[str, str] = field(default_factory=dict)  # by file: why it cannot be used
    # By file: pupils the publications ledger records on the photo's bytes, not in its `pupils`.
    recorded: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class PhotoReader:
    """Where photos' results are kept, and which checks can run on this machine."""

    files: ResultFiles
    hashes: FileHashes | None
    tools: Tools
    max_pixels: int
    # Who each photo shows by the ledger's records, by its bytes' hash (records.LedgerState):
    # asked for only when a post has photos.
    shows: Callable[[], Mapping[str, frozenset[str]]] = lambda: {}

    def inspect(self, post: Post) -> PostPhotos:
        return self.inspect_all([post])[0]

    def inspect_all(
        self, posts: list[Post], progress: Callable[[int], None] | None = None
    ) -> list[PostPhotos]:
        """Each post's photos: what each file is, then the words and faces on all the readable
        ones together (several at once, whichever post they are in); `progress` is told of
        each photo looked at."""
        found = []
        for post in posts:
            where = {ref.file: resolve_image(post, ref) for ref in post.images}
            unusable = {file: why for file, why in where.items() if isinstance(why, str)}
            usable = {f: p for f, p in where.items() if not isinstance(p, str)}
            facts = self._facts(post, usable)
            found.append((post, facts, unusable, self._recorded(post, usable)))
            if progress:  # (a photo that is looked at is counted once it has been)
                looking = self.tools.ocr or self.tools.faces
                progress(sum(1 for f in facts.values() if f.error or not looking) + len(unusable))
        readable = [
            (i, ref.file)
            for i, (post, facts, _, _) in enumerate(found)
            for ref in post.images
            if (fact := facts.get(ref.file)) and not fact.error
        ]
        seen: list[dict[str, Seen]] = [{} for _ in posts]
        if self.tools.ocr or self.tools.faces:
            looked = self.look_at([found[i][0].folder / file for i, file in readable], progress)
            for (i, file), what in zip(readable, looked, strict=True):
                seen[i][file] = what
        return [
            PostPhotos(facts, seen[i], unusable, recorded)
            for i, (_, facts, unusable, recorded) in enumerate(found)
        ]

    def recorded_on(self, path: Path) -> frozenset[str]:
        """The pupils the publications ledger records on this photo's bytes."""
        return self.shows().get(self.hash_of(path), frozenset())

    def _recorded(self, post: Post, usable: dict[str, Path]) -> dict[str, tuple[str, ...]]:
        """For each usable photo: the pupils the ledger records on its bytes whom its
        `pupils` leave out."""
        if not usable or not self.shows():
            return {}
        found = {}
        for ref in post.images:
            if (path := usable.get(ref.file)) is not None:
                tagged = {fold_id(p) for p in ref.pupils}
                others = sorted(p for p in self.recorded_on(path) if fold_id(p) not in tagged)
                if others:
                    found[ref.file] = tuple(others)
        return found

    def hash_of(self, path: object) -> str:
        return self.hashes.hash(path) if self.hashes else image_hash(path)  # type: ignore[arg-type]

    def _facts(self, post: Post, usable: dict[str, Path]) -> dict[str, ImageFacts]:
        """Open every usable photo (missing, a link, outside the folder: SG120 says so) through
        the store, and learn what it is."""
        facts: dict[str, ImageFacts] = {}
        for file, path in usable.items():
            try:
                known = self.hashes.hash(path) if self.hashes else None
                facts[file] = image_facts(path, self.max_pixels, self.files, known)
            except OSError as exc:
                facts[file] = ImageFacts(
                    None, 0, 0, "", "", (), f"cannot be read: {exc.strerror or exc}"
                )
        return facts

    def look_at(
        self, paths: list[Path], progress: Callable[[int], None] | None = None
    ) -> list[Seen]:
        """Words and faces on these photos, several at once: Tesseract and the face detector
        work outside Python's lock, so each core reads a photo."""

        def look(path: Path) -> Seen:
            digest = self.hash_of(path)
            picture = _decoded_once(path)
            words = read_words(path, digest, self.files, picture) if self.tools.ocr else None
            faces = find_faces(path, digest, self.files, picture) if self.tools.faces else None
            if progress:
                progress(1)
            return Seen(words, faces)

        if len(paths) < 2:
            return [look(path) for path in paths]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            return list(pool.map(look, paths))


def _decoded_once(path: Path) -> Callable[[], Image.Image]:
    """The photo as the checks see it, decoded when first asked for (both checks' results
    may be known already) and then kept for the other."""

    @functools.cache
    def decode() -> Image.Image:
        from sitegen.pixels import upright_picture  # (Pillow: only when a photo is decoded)

        return upright_picture(read_file(path))

    return decode


def check_post(post: Post, ctx: Context, photos: PhotoReader | None = None) -> Checked:
    """Every rule on one post, read from disk now: analysed, its photos inspected, judged."""
    analysed = analyse(post, ctx.names, ctx.register, ctx.config.tone_threshold <= 0)
    return judge(analysed, ctx, (photos or no_photo_reader(ctx.config.max_pixels)).inspect(post))


def no_photo_reader(max_pixels: int = 40_000_000) -> PhotoReader:
    """A reader that keeps nothing and runs neither OCR nor faces (tests, one-off checks)."""
    return PhotoReader(ResultFiles(None), None, Tools(False, False, ()), max_pixels)
