"""The photo inspection stage: what each post's photos are and show, read before any rule runs.

Reading a photo is I/O (the file, the result store, Tesseract, the face detector): it happens
here, once per photo's bytes, so that the rules (policy.judge) are pure functions of what was
read. Results are kept by the photo's hash and the code that makes them.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.approval import image_hash
from sitegen.engine.hashes import FileHashes
from sitegen.engine.store import ResultFiles
from sitegen.faces import Faces, find_faces
from sitegen.images import ImageFacts, image_facts
from sitegen.model import Post
from sitegen.policy import Checked, Context, analyse, judge
from sitegen.policy.images import resolve_image
from sitegen.vision import Tools, read_words


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


@dataclass(frozen=True)
class PhotoReader:
    """Where photos' results are kept, and which checks can run on this machine."""

    files: ResultFiles
    hashes: FileHashes | None
    tools: Tools
    max_pixels: int

    def inspect(self, post: Post) -> PostPhotos:
        where = {ref.file: resolve_image(post, ref) for ref in post.images}
        unusable = {file: why for file, why in where.items() if isinstance(why, str)}
        facts = self._facts(post, {f: p for f, p in where.items() if not isinstance(p, str)})
        seen = self._seen(post, facts) if self.tools.ocr or self.tools.faces else {}
        return PostPhotos(facts, seen, unusable)

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

    def _seen(self, post: Post, facts: dict[str, ImageFacts]) -> dict[str, Seen]:
        """Words and faces on the post's readable photos."""
        readable = [ref.file for ref in post.images if (f := facts.get(ref.file)) and not f.error]
        seen = self.look_at([post.folder / file for file in readable])
        return dict(zip(readable, seen, strict=True))

    def look_at(self, paths: list[Path]) -> list[Seen]:
        """Words and faces on these photos, several at once: Tesseract and the face detector
        work outside Python's lock, so each core reads a photo."""

        def look(path: Path) -> Seen:
            digest = self.hash_of(path)
            words = read_words(path, digest, self.files) if self.tools.ocr else None
            faces = find_faces(path, digest, self.files) if self.tools.faces else None
            return Seen(words, faces)

        if len(paths) < 2:
            return [look(path) for path in paths]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            return list(pool.map(look, paths))


def check_post(post: Post, ctx: Context, photos: PhotoReader | None = None) -> Checked:
    """Every rule on one post, read from disk now: analysed, its photos inspected, judged."""
    analysed = analyse(post, ctx.names, ctx.register, ctx.config.tone_threshold <= 0)
    return judge(analysed, ctx, (photos or no_photo_reader(ctx.config.max_pixels)).inspect(post))


def no_photo_reader(max_pixels: int = 40_000_000) -> PhotoReader:
    """A reader that keeps nothing and runs neither OCR nor faces (tests, one-off checks)."""
    return PhotoReader(ResultFiles(None), None, Tools(False, False, ()), max_pixels)
