"""The Subject Access Request's edges with the disk: the register's raw row (for columns the
parsed register does not keep), scrubbed copies of the photos, and the report written for its
owner's eyes only."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from sitegen.config import Config
from sitegen.engine.keys import content_hash
from sitegen.errors import UsageError
from sitegen.faces import Box
from sitegen.files import OWN_FILES, PUBLISHED_FOLDERS, read_file, site_part_holding
from sitegen.images import RenderSpec, render_image

PHOTO_WIDTH = 480  # the report's copies: large enough to recognise, small enough to mail


def write_private(path: Path, text: str, config: Config | None = None) -> None:
    """Write the report readable by its owner only (mode 0600), whatever the file was before:
    a new file beside it, made 0600 from the start, then renamed over it. Never inside a
    folder of the site that is published (PUBLISHED_FOLDERS), nor over the site's own files
    (OWN_FILES, and the consent register wherever site.toml keeps it)."""
    if config is not None:
        _refuse_a_place_of_the_site(path, config)
    if path.is_dir():
        raise UsageError(f"--output {path} is a folder: give a file name, such as {path}/sar.md")
    if not path.parent.is_dir():
        raise UsageError(f"--output {path}: there is no folder {path.parent} to write it in")
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, 0o600)  # (whatever the umask)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _refuse_a_place_of_the_site(path: Path, config: Config) -> None:
    """A report never goes where the site publishes files, nor over the site's own."""
    if folder := site_part_holding(config.root, path, PUBLISHED_FOLDERS):
        raise UsageError(
            f"--output {path} is inside {folder}/, whose files are published: write it "
            "outside the site's folders (it holds pupils' personal data)"
        )
    if own := site_part_holding(config.root, path, (*OWN_FILES, config.consent_register)):
        mine = config.root / own
        raise UsageError(
            f"--output {path} is the site's own {mine.name}{'/' if mine.is_dir() else ''}: a "
            "report written there would replace the site's files; write it outside the "
            "site's folders (it holds pupils' personal data)"
        )


def scrubbed_photos(
    sources: dict[str, Path],
    config: Config,
    on_error: Callable[[str, str], None] | None = None,
    covers: dict[str, tuple[Box, ...]] | None = None,
) -> dict[str, bytes]:
    """A small copy of each photo, rendered as the site publishes photos: resized and re-encoded
    with no metadata at all (render_image refuses any output that would carry some), and the
    faces in `covers` covered (every face but the pupil's)."""
    spec = RenderSpec((PHOTO_WIDTH,), quality=80, max_pixels=config.max_pixels, webp=False)
    copies: dict[str, bytes] = {}
    for sha, path in sources.items():
        try:
            source = read_file(path)
            if content_hash(source) != sha:
                raise ValueError("it changed while the report was being made")
            cover = (covers or {}).get(sha, ())
            _variants, made = render_image(source, path.name, spec, cover)
            copies[sha] = next(iter(made.values()))
        except Exception as exc:
            if on_error is not None:
                on_error(path.name, str(exc))
    return copies
