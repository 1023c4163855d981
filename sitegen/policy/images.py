"""Image references in front matter: paths that stay in the post folder, alt text (SG120, SG122)."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from sitegen.model import Finding, ImageRef, Post

FILE_LIKE = re.compile(r"^[\w.-]+\.(jpe?g|png|gif|webp|heic|heif|tiff?|bmp|svg)$", re.IGNORECASE)
CAMERA_NAME = re.compile(r"^(img|dsc|dscn|dcim|pxl|photo|image|screenshot)[\s_-]*\d+$", re.I)


def resolve_image(post: Post, ref: ImageRef) -> Path | str:
    """The image's real path inside the post folder, or why it cannot be used."""
    if any(ord(c) < 32 for c in ref.file):
        return "has a control character in its name"
    rel = PurePosixPath(ref.file.replace("\\", "/"))
    if rel.is_absolute() or ref.file.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", ref.file):
        return "is an absolute path: images must sit in the post's folder"
    if ".." in rel.parts:
        return 'leaves the post folder (".."): images must sit in the post\'s folder'
    path = post.folder / rel
    folder = post.folder.resolve()
    try:
        real = path.resolve()
    except OSError as exc:
        return f"cannot be resolved: {exc.strerror}"
    if not real.is_relative_to(folder):
        return "is a link that leaves the post folder"
    if not path.exists():
        return "is missing from the post folder"
    if not path.is_file():
        return "is not a file"
    return path


BODY_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)|<img\b[^>]*\bsrc=[\"']?([^\"'\s>]+)", re.I)


def check_image_refs(post: Post) -> list[Finding]:
    findings: list[Finding] = []
    listed = {ref.file for ref in post.images}
    for match in BODY_IMAGE.finditer(post.body):
        src = match.group(1) or match.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I) or src in listed:
            continue  # a web address (SG130 judges its scheme), or a listed image
        line = post.body_line + post.body.count("\n", 0, match.start())
        findings.append(
            Finding(
                "SG120",
                "error",
                f"image {src} is used in the body but not listed under images: list it there "
                "with its alt text and the pupils on it",
                post.path,
                line,
            )
        )
    for i, ref in enumerate(post.images):
        resolved = resolve_image(post, ref)
        if isinstance(resolved, str):
            findings.append(
                Finding("SG120", "error", f"image {ref.file} {resolved}", post.path, ref.line)
            )
        alt_line = post.line_of(f"images[{i}].alt") or ref.line
        if not alt_text_ok(ref):
            problem = "has no alt text" if not ref.alt.strip() else "has a file name as alt text"
            findings.append(
                Finding(
                    "SG122",
                    "error",
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
