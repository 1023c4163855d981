"""content/posts -> Post dataclasses: front matter read strictly, with a line for every key."""

from __future__ import annotations

import difflib
import re
import unicodedata
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from sitegen import fastpaths
from sitegen.files import MAX_TEXT_BYTES, UnsafeFile, read_file
from sitegen.findings import finding
from sitegen.markup import body_problem
from sitegen.model import Approval, Finding, ImageRef, Post
from sitegen.text import fold_id, slugify

POSTS_DIR = Path("content/posts")
SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")
REQUIRED = ("title", "date", "author", "platforms", "pupils")
KNOWN = (
    "title",
    "date",
    "author",
    "summary",
    "tags",
    "platforms",
    "audience",
    "lang",
    "translation",
    "pupils",
    "named",
    "images",
    "status",
    "approval",
)
IMAGE_KEYS = ("file", "alt", "caption", "pupils")
APPROVAL_KEYS = ("by", "at", "digest", "entry")
STATUSES = ("draft", "submitted", "approved")
FENCE = re.compile(r"^(---|\.\.\.)[ \t]*$")
# The one seam to the YAML fast paths (sitegen/fastpaths): the loader for a header, PyYAML's
# safe loader or sitegen's, and a reading of a plain header without PyYAML (or None).
LOADER, read_plain = fastpaths.front_matter_reading()


def post_folders(root: Path) -> list[Path]:
    """Every post folder (one holding index.md), sorted by name."""
    posts = root / POSTS_DIR
    if not posts.is_dir():
        return []
    return sorted(p for p in posts.iterdir() if p.is_dir() and (p / "index.md").is_file())


def load_post(root: Path, folder: Path, tz: ZoneInfo, default_lang: str = "en") -> Post:
    """Read one post; every problem with its file becomes an SG100 finding, never an exception."""
    index = folder / "index.md"
    rel = index.relative_to(root).as_posix() if index.is_relative_to(root) else str(index)
    slug = folder.name
    findings: list[Finding] = []

    def broken(message: str, line: int | None = None) -> Post:
        findings.append(finding("SG100", message, rel, line))
        return Post(slug, folder, rel, "", 1, None, {}, tuple(findings))

    if not SLUG.fullmatch(slug):
        findings.append(
            finding(
                "SG100",
                f'folder name "{slug}" is not a valid slug: '
                "use lowercase letters, digits and hyphens",
                rel,
                None,
            )
        )
    if folder.is_symlink():
        return broken(
            "the post folder is a symbolic link: sitegen never publishes a folder from "
            "elsewhere; move the folder itself into content/posts"
        )
    try:
        raw = read_file(index, MAX_TEXT_BYTES)
    except FileNotFoundError:
        return broken(
            "the folder has no index.md (the post's text): add one, or move the folder out "
            "of content/posts"
        )
    except OSError as exc:
        return broken(
            f"cannot read the file: it {exc.strerror}"
            if isinstance(exc, UnsafeFile)
            else f"cannot read the file: {exc.strerror or exc}"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return broken(f"the file is not UTF-8 (byte {exc.start}): save it as UTF-8", line)
    if not text.strip():
        return broken("the file is empty: it needs a front matter header between --- lines", 1)
    text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    if not FENCE.match(lines[0]) or lines[0].startswith("..."):
        return broken("the file must start with a front matter header: a line with only ---", 1)
    end = next((i for i in range(1, len(lines)) if FENCE.match(lines[i])), None)
    if end is None:
        return broken("the front matter header is not closed: add a line with only --- after it", 1)
    header = "\n".join(lines[1:end])
    body = "\n".join(lines[end + 1 :])
    body_line = end + 2
    if (problem := body_problem(body)) is not None:
        # Never handed to Markdown (it could take minutes, and stall every other post): the
        # post is shown as plain text in the preview, and cannot be published as it is.
        findings.append(
            finding("SG100", f"the text cannot be published: {problem}", rel, body_line)
        )

    key_lines: dict[str, int] = {}
    plain = read_plain(header)
    try:
        node, meta = (None, plain[0]) if plain is not None else _parse_yaml(header)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 2 if mark is not None else 2
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return broken(f"YAML error in the front matter: {problem}", line)
    except Refused as exc:
        return broken(exc.message, exc.line)
    except (ValueError, OverflowError) as exc:  # PyYAML's own: 2026-02-30 is no date
        bad = re.search(r"\d{4}-\d{1,2}-\d{1,2}", header)
        line = 1 + header[: bad.start()].count("\n") + 1 if bad else 2
        return broken(f"a value in the front matter is not valid: {exc}", line)
    except (RecursionError, MemoryError):
        return broken("the front matter is nested too deeply to read", 2)
    except Exception as exc:  # a constructor's own failure (`!!bool maybe`: a KeyError)
        return broken(f"a value in the front matter cannot be read ({type(exc).__name__})", 2)
    if meta is None:
        meta, node = {}, None
    if not isinstance(meta, dict):
        return broken("the front matter must be a set of `key: value` lines", 2)

    if plain is not None:
        key_lines = plain[1]
    elif isinstance(node, yaml.MappingNode):
        _record_lines(node, "", key_lines, findings, rel)
    return _typed(slug, folder, rel, body, body_line, meta, key_lines, findings, tz, default_lang)


class Refused(Exception):
    """Front matter sitegen will not construct: its message and line say why."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message, self.line = message, line


MAX_DEPTH = 6  # images[0].pupils is three deep; nothing a post needs goes further
MAX_NODES = 20_000  # a long post has a few hundred


def _parse_yaml(header: str, loader_class: Any = None) -> tuple[yaml.Node | None, object]:
    """Compose once (for key lines), refuse what no post needs and what could hang or crash
    the reading (aliases: "billion laughs", recursion; deep nesting), then construct from the
    same nodes (for values). By LOADER, unless the tests name another."""
    loader = (loader_class or LOADER)(header)
    try:
        node = loader.get_single_node()
        if node is not None:
            _refuse_unneeded(node)
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _refuse_unneeded(root: yaml.Node) -> None:
    """Walk the composed nodes once: a node met twice is an alias (YAML's `*name`), which a
    post never needs and which can make a small header expand without end."""
    seen: set[int] = set()
    too_deep: Refused | None = None  # (an alias is the likelier cause: it is told first)
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        line = node.start_mark.line + 2
        if id(node) in seen:
            raise Refused(
                "anchors and aliases (&name, *name) are not allowed in front matter: "
                "write each value out",
                line,
            )
        seen.add(id(node))
        if depth > MAX_DEPTH and too_deep is None:
            too_deep = Refused(f"the front matter is nested more than {MAX_DEPTH} levels", line)
        if len(seen) > MAX_NODES:
            raise Refused(f"the front matter has more than {MAX_NODES:,} values", line)
        if isinstance(node, yaml.MappingNode):
            stack += [(n, depth + 1) for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            stack += [(n, depth + 1) for n in node.value]
    if too_deep is not None:
        raise too_deep


def _record_lines(
    node: yaml.MappingNode, prefix: str, lines: dict[str, int], findings: list[Finding], rel: str
) -> None:
    """Note the line of every key (images[0].alt ...) and refuse duplicate keys."""
    for key_node, value_node in node.value:
        key = f"{prefix}{key_node.value}"
        line = key_node.start_mark.line + 2
        if key in lines:
            findings.append(
                finding(
                    "SG100",
                    f'key "{key}" appears twice (first on line {lines[key]})',
                    rel,
                    line,
                )
            )
        lines.setdefault(key, line)
        if isinstance(value_node, yaml.SequenceNode):
            for i, item in enumerate(value_node.value):
                lines.setdefault(f"{key}[{i}]", item.start_mark.line + 2)
                if isinstance(item, yaml.MappingNode):
                    _record_lines(item, f"{key}[{i}].", lines, findings, rel)
        elif isinstance(value_node, yaml.MappingNode):
            _record_lines(value_node, f"{key}.", lines, findings, rel)


def parse_post_date(value: Any, tz: ZoneInfo) -> datetime | None:
    """A front-matter date as an aware datetime; dates mean midnight in the site's zone."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tzinfo=tz)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)
    return None


def _typed(
    slug: str,
    folder: Path,
    rel: str,
    body: str,
    body_line: int,
    meta: dict[str, Any],
    key_lines: dict[str, int],
    findings: list[Finding],
    tz: ZoneInfo,
    default_lang: str,
) -> Post:
    def bad(key: str, message: str) -> None:
        line = key_lines.get(key) or key_lines.get(key.split(".")[0].split("[")[0]) or 2
        findings.append(finding("SG100", message, rel, line))

    for key in meta:
        if key not in KNOWN:
            hint = _suggest(str(key), KNOWN)
            bad(str(key), f'unknown key "{key}"{hint}')
    for key in REQUIRED:
        if key not in meta:
            findings.append(finding("SG100", f'missing required key "{key}"', rel, 2))

    def text(key: str, default: str = "") -> str:
        value = meta.get(key, default)
        if value is None:
            return default
        if not isinstance(value, str):
            bad(key, f'"{key}" must be text (put it in quotes)')
            return str(value)
        return value

    def id_list(key: str) -> tuple[str, ...]:
        value = meta.get(key, [])
        if value is None and key in ("pupils", "named"):
            # A header that says nothing here must never mean "no children".
            bad(key, f'"{key}" is empty (~ or nothing): write {key}: [] if there are none')
            return ()
        if value is None:
            return ()
        return _words(key, value, bad)

    def choice(key: str, choices: tuple[str, ...], default: str) -> str:
        value = meta.get(key, default)
        if value not in choices:
            bad(key, f'"{key}" must be one of {", ".join(choices)} (got {value!r})')
            return default
        return value

    title = text("title")  # (an empty one is SG102: the post is not written yet)
    post_date = None
    if "date" in meta:
        post_date = parse_post_date(meta["date"], tz)
        if post_date is not None and not FIRST_YEAR <= post_date.year <= LAST_YEAR:
            bad("date", f'"date" must be between {FIRST_YEAR} and {LAST_YEAR} (got {meta["date"]})')
            post_date = None
        elif post_date is None:
            bad(
                "date",
                f'"date" must be a date such as 2026-11-20 or 2026-11-20T14:30 '
                f"(got {meta['date']!r})",
            )
    platforms = id_list("platforms")
    if "platforms" in meta and not platforms:
        bad("platforms", '"platforms" must list at least one platform, for example [website]')
    pupils = id_list("pupils")
    named = id_list("named")
    pupil_keys = {fold_id(p) for p in pupils}
    for p in named:
        if fold_id(p) not in pupil_keys:
            bad("named", f'{p} is in "named" but not in "pupils": tag every pupil in the post')

    images = _images(meta.get("images"), key_lines, bad, tagged=bool(pupils))
    approval = _approval(meta.get("approval"), bad)
    audience = choice("audience", ("public", "parents"), "public")
    lang = choice("lang", ("en", "cy"), default_lang)
    status = choice("status", STATUSES, "draft")
    author, summary, tags = text("author"), text("summary"), _tags(meta.get("tags"), bad)
    translation = text("translation").strip()
    if translation and not SLUG.fullmatch(translation):
        bad(
            "translation",
            f'"translation" must name a post folder, such as 2026-11-20-trip (got "{translation}")',
        )
        translation = ""
    return Post(
        slug=slug,
        folder=folder,
        path=rel,
        body=body,
        body_line=body_line,
        meta=meta,
        key_lines=key_lines,
        load_findings=tuple(findings),
        title=title,
        date=post_date,
        author=author,
        summary=summary,
        tags=tags,
        platforms=platforms,
        audience=audience,
        lang=lang,
        translation=translation,
        pupils=pupils,
        named=named,
        images=images,
        status=status,
        approval=approval,
    )


FIRST_YEAR, LAST_YEAR = 1900, 2999  # (a year-1 date overflows on the way to the site's time)
EXAMPLES = {
    "pupils": "pupils: [P1042, P1077]",
    "named": "named: [P1042]",
    "platforms": "platforms: [website, facebook]",
    "tags": "tags: [year-4, trips]",
}


def _words(key: str, value: Any, bad: Any) -> tuple[str, ...]:
    """A one-line list of ids or names (`[P1042, P1077]`), each item text or a number."""
    example = EXAMPLES.get(key.rsplit(".", 1)[-1], f"{key}: [a, b]")
    if not isinstance(value, list):
        bad(key, f'"{key}" must be a list, for example {example}')
        return ()
    items = []
    for number, item in enumerate(value, 1):
        if isinstance(item, bool) or not isinstance(item, str | int):
            shown = "empty" if item is None else repr(item)
            bad(key, f'item {number} of "{key}" ({shown}) is not a word: for example {example}')
            continue
        items.append(str(item).strip())
    return tuple(items)


def _tags(value: Any, bad: Any) -> tuple[str, ...]:
    """Tags as words: width and case do not make two tags ("Art", "ART" and "Ａｒｔ" are one,
    shown as first written), and a tag must have a letter or a digit to have a page."""
    if value is None:
        return ()
    tags: dict[str, str] = {}
    for tag in _words("tags", value, bad):
        shown = " ".join(unicodedata.normalize("NFKC", tag).split())
        if not any(c.isalnum() for c in shown):
            bad("tags", f'the tag "{tag}" has no letter or digit: every tag needs a word')
            continue
        if len(shown) > MAX_TAG:  # (kept, so that every rule still reads it)
            bad("tags", f'the tag "{shown[:20]}…" is longer than {MAX_TAG} characters')
        tags.setdefault(slugify(shown), shown)
    return tuple(tags.values())


MAX_TAG = 40


def _images(
    value: Any, key_lines: dict[str, int], bad: Any, tagged: bool = False
) -> tuple[ImageRef, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        bad("images", '"images" must be a list of entries with file, alt and pupils')
        return ()
    refs = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        where = f"images[{i}]"
        if isinstance(item, str):
            item = {"file": item}
        if not isinstance(item, dict):
            bad(where, f"image {i + 1} must be an entry with file, alt and pupils")
            continue
        for key in item:
            if key not in IMAGE_KEYS:
                bad(
                    f"{where}.{key}",
                    f'unknown key "{key}" in image {i + 1}{_suggest(str(key), IMAGE_KEYS)}',
                )
        file = item.get("file")
        if not isinstance(file, str) or not file.strip():
            bad(where, f'image {i + 1} has no "file"')
            continue
        if "pupils" not in item and tagged:
            # In a post that tags pupils, a photo that says nothing of who is on it must
            # never pass as a photo of nobody.
            bad(where, f'image {file} has no "pupils": list who is on it ([] if nobody)')
        elif "pupils" in item and item["pupils"] is None:
            bad(f"{where}.pupils", f'"pupils" of image {file} is empty: write [] if nobody')
        pupils = _words(f"{where}.pupils", item.get("pupils") or [], bad)
        if file.strip() in seen:
            bad(where, f"image {file} is listed twice: list each photo once, with everyone on it")
        seen.add(file.strip())
        alt, caption = item.get("alt"), item.get("caption")
        for key, val in (("alt", alt), ("caption", caption)):
            if val is not None and not isinstance(val, str):
                bad(f"{where}.{key}", f'"{key}" of image {file} must be text')
        refs.append(
            ImageRef(
                file=file.strip(),
                alt=alt if isinstance(alt, str) else "",
                caption=caption if isinstance(caption, str) else "",
                pupils=pupils,
                line=key_lines.get(where, 2),
            )
        )
    return tuple(refs)


def _approval(value: Any, bad: Any) -> Approval | None:
    if value is None:
        return None
    if not isinstance(value, dict) or any(k not in value for k in APPROVAL_KEYS):
        bad(
            "approval",
            '"approval" is incomplete: it is written by `sitegen approve`, never by hand',
        )
        return None
    at = value["at"]
    at_text = at.isoformat().replace("+00:00", "Z") if isinstance(at, datetime) else str(at)
    return Approval(str(value["by"]), at_text, str(value["digest"]), str(value["entry"]))


def _suggest(key: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""
