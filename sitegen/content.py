"""content/posts -> Post dataclasses: front matter read strictly, with a line for every key
(its values typed by front_matter.py)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from sitegen import fastpaths
from sitegen.files import MAX_TEXT_BYTES, UnsafeFile, read_file
from sitegen.findings import finding
from sitegen.front_matter import SLUG, typed_post
from sitegen.markup import body_problem
from sitegen.model import Finding, Post

POSTS_DIR = Path("content/posts")
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
    text = ""
    try:
        text = _read_text(folder, index)
        header, body, body_line = _split(text)
        if (problem := body_problem(body)) is not None:
            # Never handed to Markdown (it could take minutes, and stall every other post):
            # the post is shown as plain text in the preview, and cannot be published as it is.
            findings.append(
                finding("SG100", f"the text cannot be published: {problem}", rel, body_line)
            )
        meta, key_lines = _read_header(header, findings, rel)
    except Unreadable as exc:
        findings.append(finding("SG100", exc.message, rel, exc.line))
        # (its page in the preview is in the post's language, where a line of it says which)
        said = LANG_LINE.search(text)
        lang = said.group(1) if said else default_lang
        return Post(slug, folder, rel, "", 1, None, {}, tuple(findings), lang=lang)
    return typed_post(
        slug, folder, rel, body, body_line, meta, key_lines, findings, tz, default_lang
    )


class Unreadable(Exception):
    """A post file sitegen cannot read as a post: its message and line say why."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message, self.line = message, line

    def __reduce__(self) -> tuple[type[Unreadable], tuple[str, int | None]]:
        return Unreadable, (self.message, self.line)  # (pickled whole from a worker)


def _read_text(folder: Path, index: Path) -> str:
    """The post's index.md as text, read from the folder itself (never through a link)."""
    if folder.is_symlink():
        raise Unreadable(
            "the post folder is a symbolic link: sitegen never publishes a folder from "
            "elsewhere; move the folder itself into content/posts"
        )
    try:
        raw = read_file(index, MAX_TEXT_BYTES)
    except FileNotFoundError:
        raise Unreadable(
            "the folder has no index.md (the post's text): add one, or move the folder out "
            "of content/posts"
        ) from None
    except OSError as exc:
        raise Unreadable(
            f"cannot read the file: it {exc.strerror}"
            if isinstance(exc, UnsafeFile)
            else f"cannot read the file: {exc.strerror or exc}"
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise Unreadable(
            f"the file is not UTF-8 (byte {exc.start}): save it as UTF-8", line
        ) from None
    if not text.strip():
        raise Unreadable("the file is empty: it needs a front matter header between --- lines", 1)
    return text


def _split(text: str) -> tuple[str, str, int]:
    """The front matter header between its --- lines, the body after it, and the line the
    body starts on."""
    lines = text.replace("\r\n", "\n").split("\n")
    if not FENCE.match(lines[0]) or lines[0].startswith("..."):
        raise Unreadable("the file must start with a front matter header: a line with only ---", 1)
    end = next((i for i in range(1, len(lines)) if FENCE.match(lines[i])), None)
    if end is None:
        raise Unreadable(
            "the front matter header is not closed: add a line with only --- after it", 1
        )
    return "\n".join(lines[1:end]), "\n".join(lines[end + 1 :]), end + 2


def _read_header(
    header: str, findings: list[Finding], rel: str
) -> tuple[dict[str, Any], dict[str, int]]:
    """The header's values and the line of each key (a key written twice: a finding)."""
    plain = read_plain(header)
    try:
        node, meta = (None, plain[0]) if plain is not None else _parse_yaml(header)
    except yaml.YAMLError as exc:
        raise Unreadable(*_yaml_problem(exc, header)) from None
    except Refused as exc:
        raise Unreadable(exc.message, exc.line) from None
    except (ValueError, OverflowError) as exc:  # PyYAML's own: 2026-02-30 is no date
        bad = _impossible_date(header)
        line = 1 + header[: bad.start()].count("\n") + 1 if bad else 2
        said = str(exc)
        if (
            bad
            and isinstance(exc, ValueError)
            and any(w in said for w in ("month", "day", "offset"))
        ):
            written = _shortened(YAML_LINES.split(header)[line - 2].strip())
            raise Unreadable(
                f"`{written}` has a time zone offset of a day or more: write the time without it "
                "(2026-09-04 10:00, in site.timezone) or with one such as +01:00"
                if "offset" in said  # (+25:00: Python's words are about timedelta)
                else f"`{written}` is not a date the calendar has ({said}): write it as YYYY-MM-DD",
                line,
            ) from None
        if "integer string conversion" in said:  # (Python's words, and its advice, for a number)
            long = re.search(r"\d{4301,}", header)
            line = header[: long.start()].count("\n") + 2 if long else line
            said = "a number of thousands of digits"
        raise Unreadable(f"a value in the front matter is not valid: {said}", line) from None
    except (RecursionError, MemoryError):
        raise Unreadable("the front matter is nested too deeply to read", 2) from None
    except Exception as exc:  # a constructor's own failure (`!!bool maybe`: a KeyError)
        raise Unreadable(
            f"a value in the front matter cannot be read ({type(exc).__name__})", 2
        ) from None
    if meta is None:
        meta, node = {}, None
    if not isinstance(meta, dict):
        raise Unreadable("the front matter must be a set of `key: value` lines", 2)
    key_lines: dict[str, int] = {}
    if plain is not None:
        key_lines = plain[1]
    elif isinstance(node, yaml.MappingNode):
        _record_lines(node, "", key_lines, findings, rel)
    return meta, key_lines


def _impossible_date(header: str) -> re.Match[str] | None:
    """The first value that YAML reads as a date and the calendar does not have (2026-02-30),
    else the first date-like text."""
    found = list(DATE_VALUE.finditer(header))
    for m in found:
        try:
            date(*map(int, m.group(1, 2, 3)))
        except ValueError:
            return m
    return found[0] if found else None


# A value YAML reads as a date: the whole value after `key:`, `- ` or in a [list] (words
# around it make it text), a time after it too (2026-02-30T09:00).
DATE_VALUE = re.compile(
    r"(?m)(?:^[ \t]*(?:-[ \t]+)?(?:[\w-]+:[ \t]*)?|[\[,][ \t]*)"
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?=[ \t]*(?:$|[,\]#])|[Tt ]\d)"
)


def _yaml_problem(exc: yaml.YAMLError, header: str) -> tuple[str, int]:
    """A YAML error in words a teacher can act on, at the line to fix. YAML notices some
    mistakes only on the line after them (a missing colon), and a quote never closed only at
    the end of the header: each is told where it is."""
    context, problem = getattr(exc, "context", None), getattr(exc, "problem", None)
    opened = getattr(exc, "context_mark", None)
    if context and "quoted scalar" in context and opened is not None:
        return f"{YAML_ERROR}: a quote opened here is never closed", opened.line + 2
    mark = getattr(exc, "problem_mark", None) or opened
    problem = problem or str(exc).splitlines()[0]
    if mark is None:
        return f"{YAML_ERROR}: {problem}", 2
    lines, at, said = YAML_LINES.split(header), mark.line, problem
    lines += [""] * (at + 1 - len(lines))  # (a mark may fall past the last line)
    # A quote left open runs on to the next quote, lines below, where YAML stops: the line
    # that opened it is the one to fix.
    # (only where YAML stopped on the line of the quote that closed it: a value written over
    # several lines in quotes is YAML too, and another mistake below it is that mistake)
    unclosed = next((i for i in range(at + 1) if OPEN_QUOTE.match(lines[i])), None)
    if unclosed is not None and unclosed < at and '"' in lines[at][: mark.column + 1]:
        return f"{YAML_ERROR}: a quote opened here is never closed on its line", unclosed + 2
    if context and "flow sequence" in context and opened is not None:
        after = lines[opened.line][opened.column :] if opened.line < len(lines) else ""
        if "]" not in after:
            return (
                f"{YAML_ERROR}: a list opened with [ here is never closed: end it with ]",
                opened.line + 2,
            )
    if AFTER_QUOTES.match(lines[at]):
        said = "a value in quotes ends at its closing quote: put all of it inside the quotes"
        return f"{YAML_ERROR}: {said}", at + 2
    indented = problem.startswith("expected <block end>") or "expected '-' indicator" in problem
    if indented and KEY_LINE.match(lines[at]):
        return (
            f"{YAML_ERROR}: this line is indented differently from the lines above it: line "
            "it up, with spaces, with the line it belongs with",
            at + 2,
        )
    if "expected ':'" in problem and opened is not None:
        at = opened.line
        said = _missing_colon(lines[at])
    elif problem.startswith("mapping values are not allowed"):
        before = max((i for i in range(at) if lines[i].strip()), default=None)
        if ":" in lines[at][: mark.column]:  # (a second colon, in the value)
            said = _colon_in_value(lines[at])
        elif before is not None and KEY_LINE.match(lines[before]):
            said = f"this line starts with more spaces than `{_key_of(lines[before])}` above it"
        elif before is not None:  # (the line before has no colon: read as one value with this)
            at, said = before, _missing_colon(lines[before])
    elif "tab character" in problem or lines[at][mark.column : mark.column + 1] == "\t":
        said = "a tab: indent the header with spaces, never tabs"
    if CURLY_OPENING.search(lines[at]):
        said += (
            "; curly quotes (“ ” ‘ ’, as Word types them) are not quotes in the header: "
            'type straight ones (")'
        )
    return f"{YAML_ERROR}: {said}", at + 2


YAML_ERROR = "YAML error in the front matter"
LANG_LINE = re.compile(r"^lang:\s*[\"']?(en|cy)[\"']?\s*$", re.MULTILINE)
YAML_LINES = re.compile("\r\n|[\r\n\x85\u2028\u2029]")  # (what YAML counts as a line break)
KEY_LINE = re.compile(r"^\s*(-\s+)?[\w-]+:(\s|$)")  # `key: value`, `key:`, `- key: value`
CURLY_OPENING = re.compile(r"(^|[:\[,-])\s*[“‘„]")  # a value opened with Word's quote
# `key: "value" more`, `- "value" more`: words after a quoted value's closing quote.
AFTER_QUOTES = re.compile(r'^\s*(?:-\s+)?(?:[\w-]+:\s*)?"(?:[^"\\]|\\.)*"\s*[^\s,\]#]')
# `key: "value` with no closing quote on the line (a quote inside it doubled or escaped).
OPEN_QUOTE = re.compile(r'^\s*(?:-\s+)?[\w-]+:\s*"(?:[^"\\]|\\.)*$')


def _key_of(line: str) -> str:
    return line.strip().removeprefix("-").strip().split(":", 1)[0]


def _missing_colon(line: str) -> str:
    text = line.strip()
    dash = "- " if text.startswith("- ") else ""
    text = text.removeprefix(dash).strip()
    if re.match(r"^[\w-]+:\S", text):  # (`title:Year 4`: a colon, but no space after it)
        key, value = text.split(":", 1)
        return f"a colon needs a space after it: write `{dash}{key}: {_shortened(value)}`"
    key, _, value = text.partition(" ")
    if not value:
        return f"`{dash}{key}` needs a colon after it"
    return f"a colon is missing after `{key}`: write `{dash}{key}: {_shortened(value)}`"


def _colon_in_value(line: str) -> str:
    key, _, value = line.strip().partition(":")
    value = value.strip()
    curly = value[:1] in "“‘„" and value[-1:] in "”’“"  # (in Word's quotes: the quotes go)
    if curly or value[:1] == value[-1:] == '"':
        value = value[1:-1]
    # (a value holding a double quote goes in single quotes, a single quote in it doubled)
    quoted, mark = (value.replace("'", "''"), "'") if '"' in value else (value, '"')
    return (
        "a value with a colon in it needs quotes around it: "
        f"write `{key}: {mark}{_shortened(quoted)}{mark}`"
    )


def _shortened(text: str, most: int = 40) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


class Refused(Exception):
    """Front matter sitegen will not construct: its message and line say why."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message, self.line = message, line

    def __reduce__(self) -> tuple[type[Refused], tuple[str, int]]:
        return Refused, (self.message, self.line)  # (pickled whole from a worker)


MAX_DEPTH = 6  # images[0].pupils is three deep; nothing a post needs goes further
MAX_NODES = 20_000  # a long post has a few hundred
MERGE = "tag:yaml.org,2002:merge"  # YAML's `<<:` key


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
            if any(key.tag == MERGE for key, _ in node.value):
                # (its keys would come in under no line of their own, and one written out
                # beside it would silently win over the merged one)
                raise Refused(
                    "merge keys (<<) are not allowed in front matter: write each key out", line
                )
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
