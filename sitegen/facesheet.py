"""Numbered faces for staff: what `sitegen faces POST` prints, and the numbered copies it and
the preview show (never published: they live under build/preview/)."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen.engine.keys import cache_key, source_version
from sitegen.engine.store import ResultFiles
from sitegen.faces import Faces, draw_numbers
from sitegen.files import read_file
from sitegen.inspection import PostPhotos
from sitegen.model import ADULT, COVER, ImageRef, Post
from sitegen.policy.photos import faces_list_problems

if TYPE_CHECKING:
    from sitegen.site import Site

SHEET_CODE = source_version("facesheet.py", "faces.py")
SHEET_SIDE = 1200  # the numbered copy's longest side: numbers readable on a laptop


@dataclass(frozen=True)
class PhotoFaces:
    """One photo's faces as staff see them: numbered, each with its `faces` entry (if any)."""

    ref: ImageRef
    faces: Faces | None  # None: face detection is off, cannot run, or the photo is unreadable
    problems: tuple[str, ...]  # what SG128 says of its `faces` list

    def lines(self) -> list[str]:
        if self.faces is None:
            return [f"  {self.ref.file}: faces were not looked for (unreadable, or detection off)"]
        count = len(self.faces)
        head = f"  {self.ref.file}: {count} face{'s' if count != 1 else ''}"
        rows = [head + (":" if count else "")]
        entries = self.ref.faces or ()
        for number, box in enumerate(self.faces.boxes, 1):
            entry = entries[number - 1] if number <= len(entries) else "?"
            x, y = box.centre
            rows.append(f"    {number:>2}  {entry:<12} at {x:.0%} across, {y:.0%} down")
        if self.ref.faces is None and count:
            listing = ", ".join(["P…"] * min(count, 3)) + (", …" if count > 3 else "")
            rows.append(
                f"      say who each is, left to right: faces: [{listing}] "
                f"(a pupil's id, {ADULT} or {COVER})"
            )
        rows += [f"      SG128: {problem}" for problem in self.problems]
        return rows


def photo_faces(post: Post, photos: PostPhotos) -> list[PhotoFaces]:
    out = []
    for ref in post.images:
        seen = photos.seen.get(ref.file)
        found = seen.faces if seen else None
        problems = faces_list_problems(ref, found, post.slug) if ref.faces is not None else []
        out.append(PhotoFaces(ref, found, tuple(problems if found is not None else ())))
    return out


def numbered_copy(path: Path, faces: Faces, covered: set[int], store: ResultFiles) -> bytes:
    """A JPEG of the photo, upright and no larger than SHEET_SIDE, with every face's box and
    number drawn (and the `covered` ones filled): no metadata, kept by what made it."""
    from PIL import Image

    from sitegen.faces import upright_rgb
    from sitegen.pixels import upright_picture

    source = read_file(path)
    key = cache_key("numbered", faces, sorted(covered), source, code=SHEET_CODE)
    known = store.get_files("numbered", key)
    if known is not None:
        return read_file(known[0]["copy.jpg"])
    picture = Image.fromarray(upright_rgb(upright_picture(source), SHEET_SIDE))
    buffer = io.BytesIO()
    draw_numbers(picture, faces.boxes, covered).save(buffer, "JPEG", quality=85)
    data = buffer.getvalue()
    store.put_files("numbered", key, {"copy.jpg": data}, [])
    return data


def write_sheets(site: Site, post: Post) -> tuple[list[PhotoFaces], Path]:
    """The post's photos' faces, and their numbered copies written to
    build/preview/faces/<slug>/ (that folder, which the preview also fills)."""
    sheets = photo_faces(post, site.photos.inspect(post))
    folder = site.root / "build" / "preview" / "faces" / post.slug
    for sheet in sheets:
        if sheet.faces is None:
            continue
        folder.mkdir(parents=True, exist_ok=True)
        data = numbered_copy(post.folder / sheet.ref.file, sheet.faces, set(), site.photos.files)
        target = folder / sheet_name(sheet.ref)
        partial = target.with_name(f".{target.name}.part")  # (never a half-written copy)
        partial.write_bytes(data)
        os.replace(partial, target)
    return sheets, folder


def sheet_name(ref: ImageRef, platform: str | None = None) -> str:
    """A numbered copy's file name: the photo's own stem (this is staff's view, never
    published), and the platform whose covering it shows, if any."""
    return f"{Path(ref.file).stem}-faces{f'-{platform}' if platform else ''}.jpg"
