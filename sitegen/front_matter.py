"""A post's front matter typed into its Post, key by key: each value of the wrong type is an
SG100 finding at its key's line, with the key's default standing in for it."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sitegen.findings import finding
from sitegen.model import Approval, Finding, ImageRef, Post
from sitegen.text import fold_id, slugify

SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")  # a post folder's name, as "translation" names one
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
IMAGE_KEYS = ("file", "alt", "caption", "pupils", "faces")
APPROVAL_KEYS = ("by", "at", "digest", "entry")
STATUSES = ("draft", "submitted", "approved")


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


def typed_post(
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
    """The post with its header's values typed, key by key: a value of the wrong type is an
    SG100 finding at its key's line, and the key's default stands in for it."""
    header = _Header(meta, key_lines, rel, findings)
    header.check_keys()
    title = header.text("title")  # (an empty one is SG102: the post is not written yet)
    post_date = _post_date(header, tz)
    platforms, pupils, named = _tagging(header)
    images = _images(meta.get("images"), key_lines, header.bad, tagged=bool(pupils))
    approval = _approval(meta.get("approval"), header.bad)
    audience = header.choice("audience", ("public", "parents"), "public")
    lang = header.choice("lang", ("en", "cy"), default_lang)
    status = header.choice("status", STATUSES, "draft")
    author, summary = header.text("author"), header.text("summary")
    tags = _tags(meta.get("tags"), header.bad)
    translation = _translation(header)
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


@dataclass
class _Header:
    """A post's front matter being typed, and the findings its values earn (each at its key's
    line, or its top-level key's, or the header's first)."""

    meta: dict[str, Any]
    key_lines: dict[str, int]
    rel: str
    findings: list[Finding]

    def bad(self, key: str, message: str) -> None:
        line = self.key_lines.get(key) or self.key_lines.get(key.split(".")[0].split("[")[0]) or 2
        self.findings.append(finding("SG100", message, self.rel, line))

    def check_keys(self) -> None:
        """Every key sitegen does not know (with the nearest it does), then every required
        key missing."""
        for key in self.meta:
            if key not in KNOWN:
                hint = _suggest(str(key), KNOWN)
                self.bad(str(key), f'unknown key "{key}"{hint}')
        for key in REQUIRED:
            if key not in self.meta:
                self.findings.append(finding("SG100", f'missing required key "{key}"', self.rel, 2))

    def text(self, key: str, default: str = "") -> str:
        value = self.meta.get(key, default)
        if value is None:
            return default
        if not isinstance(value, str):
            self.bad(key, f'"{key}" must be text (put it in quotes)')
            return str(value)
        return value

    def id_list(self, key: str) -> tuple[str, ...]:
        value = self.meta.get(key, [])
        if value is None and key in ("pupils", "named"):
            # A header that says nothing here must never mean "no children".
            self.bad(key, f'"{key}" is empty (~ or nothing): write {key}: [] if there are none')
            return ()
        if value is None:
            return ()
        return _words(key, value, self.bad)

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self.meta.get(key, default)
        if value not in choices:
            self.bad(key, f'"{key}" must be one of {", ".join(choices)} (got {value!r})')
            return default
        return value


def _post_date(header: _Header, tz: ZoneInfo) -> datetime | None:
    """The post's date, or None when it has none or none that can be used."""
    if "date" not in header.meta:
        return None
    written = header.meta["date"]
    post_date = parse_post_date(written, tz)
    if post_date is not None and not FIRST_YEAR <= post_date.year <= LAST_YEAR:
        header.bad("date", f'"date" must be between {FIRST_YEAR} and {LAST_YEAR} (got {written})')
        return None
    if post_date is None:
        header.bad(
            "date",
            f'"date" must be a date such as 2026-11-20 or 2026-11-20T14:30 (got {written!r})',
        )
    return post_date


def _tagging(header: _Header) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The post's platforms, pupils and named pupils (each named one must be a pupil too)."""
    platforms = header.id_list("platforms")
    if "platforms" in header.meta and not platforms:
        header.bad(
            "platforms", '"platforms" must list at least one platform, for example [website]'
        )
    pupils = header.id_list("pupils")
    named = header.id_list("named")
    pupil_keys = {fold_id(p) for p in pupils}
    for p in named:
        if fold_id(p) not in pupil_keys:
            header.bad(
                "named", f'{p} is in "named" but not in "pupils": tag every pupil in the post'
            )
    return platforms, pupils, named


def _translation(header: _Header) -> str:
    """The slug of the post in the other language, or "" (also when it is no slug)."""
    translation = header.text("translation").strip()
    if translation and not SLUG.fullmatch(translation):
        header.bad(
            "translation",
            f'"translation" must name a post folder, such as 2026-11-20-trip (got "{translation}")',
        )
        return ""
    return translation


FIRST_YEAR, LAST_YEAR = 1900, 2999  # (a year-1 date overflows on the way to the site's time)
EXAMPLES = {
    "pupils": "pupils: [P1042, P1077]",
    "named": "named: [P1042]",
    "platforms": "platforms: [website, facebook]",
    "tags": "tags: [year-4, trips]",
    "faces": "faces: [P1042, adult, cover]",
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
        if file is not None and not isinstance(file, str | list | dict):  # (file: 123)
            bad(f"{where}.file", f'"file" of image {i + 1} must be a file name, such as {file}.jpg')
            continue
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
        faces = None  # who each numbered face is: [P1042, adult, cover]
        if "faces" in item:
            faces = _words(f"{where}.faces", item["faces"] or [], bad)
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
                faces=faces,
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
    signature = value.get("signature")
    return Approval(
        str(value["by"]),
        at_text,
        str(value["digest"]),
        str(value["entry"]),
        signature if isinstance(signature, str) else "",
    )


def _suggest(key: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    return f' (did you mean "{close[0]}"?)' if close else ""
