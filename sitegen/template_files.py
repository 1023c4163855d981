"""A school's templates/ as the renderer reads them: compiled templates kept between runs,
the static/ files their pages link, and where in them an error is."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import FileSystemBytecodeCache
from jinja2.bccache import Bucket

from sitegen.errors import ConfigError

if TYPE_CHECKING:
    import traceback


class CompiledTemplates(FileSystemBytecodeCache):
    """Compiled templates kept between runs: a damaged file is compiled again, and a cache
    that cannot be written only costs time."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # any damage at all: compile from the source
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


# Where a school copies templates from: sitegen's own demo site, beside the package.
_DEMO = Path(__file__).resolve().parent.parent / "templates"
DEMO_TEMPLATES = str(_DEMO) if (_DEMO / "base.html").is_file() else "sitegen's demo site"
STATIC_LINK = re.compile(r"""static/([A-Za-z0-9_.\-/]+?)(?=["'?#)\s])""")


USES = re.compile(r"""\{%-?\s*(?:include|extends|import|from)\s+["']([^"']+)["']""")


def missing_templates(templates: Path, wanted: tuple[str, ...]) -> str | None:
    """What templates/ lacks of the pages sitegen renders and of the files they use (the
    school's copy where it has one, the demo's where not), as words to act on: an upgrade adds
    pages, said at once, not one a run. None when nothing is missing."""
    missing = [name for name in wanted if not (templates / name).is_file()]
    if not missing:
        return None
    used: list[str] = []
    queue = list(wanted)
    while queue:
        name = queue.pop(0)
        source = templates / name if (templates / name).is_file() else _DEMO / name
        with contextlib.suppress(OSError, UnicodeDecodeError):
            for uses in USES.findall(source.read_text(encoding="utf-8")):
                if not (templates / uses).is_file() and uses not in missing + used:
                    used.append(uses)
                    queue.append(uses)
    also = f" (and {', '.join(sorted(used))}, which they use)" if used else ""
    return (
        f"templates/ lacks {', '.join(missing)}{also}: copy those files from {DEMO_TEMPLATES} "
        "(your own templates stay as they are)"
    )


def check_static_links(texts: dict[str, str], sources: dict[str, bytes]) -> None:
    """A page must never link a stylesheet, icon or script that templates/static/ lacks (a
    site published unstyled, its icon missing): each template's `static/...` links, checked
    against the files read."""
    for name, text in sorted(texts.items()):
        for m in STATIC_LINK.finditer(text):
            if f"static/{m.group(1)}" not in sources:
                raise ConfigError(
                    f"it links static/{m.group(1)}, which templates/static/ lacks: copy it "
                    f"from {DEMO_TEMPLATES}/static/",
                    f"templates/{name}",
                    text.count("\n", 0, m.start()) + 1,
                )


def _template_frame(exc: BaseException) -> traceback.FrameSummary | None:
    """The last frame of the error's traceback in a template (Jinja names them by file)."""
    import traceback  # (only when a template fails)

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".html")]
    return frames[-1] if frames else None


def template_file(exc: BaseException) -> str | None:
    """The template the error happened in, by its path below templates/ (partials/x.html)."""
    frame = _template_frame(exc)
    return frame.filename.removeprefix("templates/") if frame else None


def template_line(exc: BaseException) -> int | None:
    frame = _template_frame(exc)
    return frame.lineno if frame else None
