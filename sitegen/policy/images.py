"""Image references in front matter: paths that stay in the post folder, alt text (SG120, SG122)."""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from sitegen import files
from sitegen.findings import finding
from sitegen.model import Finding, ImageRef, Post

FILE_LIKE = re.compile(r"^[\w.-]+\.(jpe?g|png|gif|webp|heic|heif|tiff?|bmp|svg)$", re.IGNORECASE)
CAMERA_NAME = re.compile(r"^(img|dsc|dscn|dcim|pxl|photo|image|screenshot)[\s_-]*\d+$", re.I)


def unlisted_photos(post: Post) -> list[str]:
    """The photo files in the post's folder that its `images` do not list."""
    listed = {os.path.normpath(ref.file) for ref in post.images}  # (./towers.jpg is listed)
    try:
        names = sorted(entry.name for entry in os.scandir(post.folder) if entry.is_file())
    except OSError:
        return []
    return [
        name
        for name in names
        if Path(name).suffix.lower() in PHOTO_SUFFIXES  # (IMG_1234 (1).jpg too)
        and name not in listed
        and not name.startswith(".")
    ]


PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".heif", ".tif", ".tiff"}


def resolve_image(post: Post, ref: ImageRef) -> Path | str:
    """The image's path inside the post folder, or why it cannot be used. Nothing is followed
    through a link (a link could lead to any file, to a device or round in a loop), and only
    a regular file within the size bound is an image (a named pipe would hang the reading)."""
    if any(ord(c) < 32 for c in ref.file):
        return "has a control character in its name"
    rel = PurePosixPath(ref.file.replace("\\", "/"))
    if rel.is_absolute() or ref.file.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", ref.file):
        return "is an absolute path: images must sit in the post's folder"
    if ".." in rel.parts:
        return 'leaves the post folder (".."): images must sit in the post\'s folder'
    folder = post.folder
    for part in rel.parts[:-1]:
        folder = folder / part
        if folder.is_symlink():
            return f'is in "{part}", a link to another folder: put the photo itself in the post'
    path = post.folder / rel
    problem = files.problem(path, files.MAX_IMAGE_BYTES)
    if problem == "is missing":
        return "is missing from the post folder"
    if problem is not None and path.is_symlink():
        return "is a symbolic link: copy the photo itself into the post's folder"
    return problem or path


# ![alt](file), brackets in the alt text nested at most one deep (as Markdown reads them), or
# <img ... src=file>. Neither part reads past the next "[" or "<" it cannot use: a try from
# each of thousands of "![" or "<img" never closed would read on to the end of the body.
BODY_IMAGE = re.compile(
    r"!\[[^\[\]]*+(?:\[[^\[\]]*+\][^\[\]]*+)*+\]\(\s*(?:<([^<>\n]+)>|([^)\s>]+))"
    r"|<img\b[^<>]*\bsrc=[\"']?([^\"'\s>]+)",
    re.I,
)


def check_image_refs(post: Post, unusable: dict[str, str]) -> list[Finding]:
    """SG120/SG121 for photos that cannot be used (`unusable`: file -> why, as the inspection
    stage found it with `resolve_image`), SG120 for photos used but not listed, SG122."""
    findings: list[Finding] = []
    listed = {ref.file for ref in post.images}
    line, counted = post.body_line, 0  # lines counted up to `counted` (matches come in order)
    for match in BODY_IMAGE.finditer(post.body):
        src = match.group(1) or match.group(2) or match.group(3)
        src = src.removeprefix("./")  # (the post's own folder, as written out)
        if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I) or {src, unquote(src)} & listed:
            continue  # a web address (SG130 judges its scheme), or a listed image
        line += post.body.count("\n", counted, match.start())
        counted = match.start()
        findings.append(
            finding(
                "SG120",
                f"image {src} is used in the body but not listed under images: list it there "
                "with its alt text and the pupils on it",
                post.path,
                line,
            )
        )
    for i, ref in enumerate(post.images):
        resolved = unusable.get(ref.file)
        if resolved is not None:
            # Too large is a fault of the photo (SG121); anything else, of where it is (SG120).
            code = "SG121" if resolved.endswith(" MB limit") else "SG120"
            findings.append(finding(code, f"image {ref.file} {resolved}", post.path, ref.line))
        alt_line = post.line_of(f"images[{i}].alt") or ref.line
        if not alt_text_ok(ref):
            problem = "has no alt text" if not ref.alt.strip() else "has a file name as alt text"
            findings.append(
                finding(
                    "SG122",
                    f"image {ref.file} {problem}: "
                    "describe what it shows for readers who cannot see it",
                    post.path,
                    alt_line,
                )
            )
    return findings


def alt_text_ok(ref: ImageRef) -> bool:
    alt = ref.alt.strip()
    if not alt:
        return False
    name = PurePosixPath(ref.file).name
    stem = PurePosixPath(ref.file).stem
    return not (
        alt.lower() in (name.lower(), stem.lower())
        or FILE_LIKE.match(alt)
        or CAMERA_NAME.match(alt)
    )
