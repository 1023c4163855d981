"""Cross-post bundles per platform: post.txt within the platform's limits, images, manifest, CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sitegen.config import Config, ExportConfig
from sitegen.engine.store import fast_reduce
from sitegen.images import RenderSpec, Variant
from sitegen.markup import text_with_addresses
from sitegen.model import ImageRef, Post
from sitegen.text import hashtag

# What X counts as a link (link_chars each, however long): an address, up to the punctuation
# that ends its sentence ("(https://bit.ly/ab)." is a link and two characters), and a bare
# domain ("www.example.sch.uk", "forms.gle/AbC"), which X makes a link too. Counting more
# than X does is safe; counting less would cut the text over the limit. (A domain never
# starts inside a word, an address or a number, so no text is read twice over.)
ENDS = r"(?=[.,;:!?)\]'\"]*(?:\s|$))"  # (where a link ends: punctuation, then a space or the end)
URL = re.compile(rf"https?://\S+?{ENDS}")
# What X may make a link of, or not (forms.gle/AbC is one; a file's name, letter.pdf, is
# not): counted as the longer of its own length and a link's, so never less than X counts.
MAYBE_LINK = re.compile(
    rf"(?<![\w.@/-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{{2,}}\b(?:/\S*?{ENDS})?", re.IGNORECASE
)
# X weighs a character 1 in these ranges (Latin letters, common punctuation) and 2 anywhere
# else: an emoji, the ellipsis a cut adds, Welsh's ŵ and ŷ do not (they are in the first).
X_LIGHT = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))
ELLIPSIS = "…"
HASHTAG_PLATFORMS = ("instagram", "x")
LONGEST_SIDE = 2048
INSTAGRAM_WIDTH = 1080


def export_spec(platform: str, config: Config) -> RenderSpec:
    """Images sized for the platform: 2048 px on the longest side, Instagram 1080 px wide."""
    if platform == "instagram":
        return RenderSpec((INSTAGRAM_WIDTH,), 88, config.max_pixels, webp=False)
    return RenderSpec((LONGEST_SIDE,), 88, config.max_pixels, webp=False, max_side=LONGEST_SIDE)


def counted_length(text: str, link_chars: int | None) -> int:
    """Length as the platform counts it: with link_chars, as X does, every URL counts that
    many (a bare domain at least that many) and every character its weight (X_LIGHT)."""
    if link_chars is None:
        return len(text)
    links = link_chars * len(URL.findall(text))
    rest = URL.sub("", text)
    maybe = sum(max(_weighed(m), link_chars) for m in MAYBE_LINK.findall(rest))
    return _weighed(MAYBE_LINK.sub("", rest)) + links + maybe


def _weighed(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(1 if any(a <= ord(c) <= b for a, b in X_LIGHT) else 2 for c in text)


# Where a cut text may end: after a sentence (or a paragraph: a title, a summary), else
# after a clause, else after a word. A shorter text that ends where a sentence ends reads
# better than a longer one cut mid-phrase, but not one that throws most of the room away.
SENTENCE_END = re.compile(r"[.!?…][\"”’)]*(?=\s)|\n\n")
CLAUSE_END = re.compile(r"[,;:](?=\s)|\s[–—-](?=\s)")
KEEP_SENTENCE = 0.5  # of the room, at least, for a cut at a sentence's end
KEEP_CLAUSE = 0.6


def _cut(text: str, budget: int) -> str:
    """At most `budget` characters: the whole text, or cut after its last sentence that fits
    (no ellipsis: it reads as written), else after a clause or a word, with an ellipsis."""
    if len(text) <= budget:
        return text
    if budget <= len(ELLIPSIS):
        return ""
    window = text[: budget + 1]  # (the character after the room tells whether one ends)
    sentences = [m.end() for m in SENTENCE_END.finditer(window) if m.end() <= budget]
    if sentences and sentences[-1] >= budget * KEEP_SENTENCE:
        return text[: sentences[-1]].rstrip()
    room = budget - len(ELLIPSIS)
    clauses = [m.start() for m in CLAUSE_END.finditer(text[: room + 1]) if m.start() <= room]
    if clauses and clauses[-1] >= budget * KEEP_CLAUSE:
        return text[: clauses[-1]].rstrip() + ELLIPSIS
    cut = text[:room]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space > budget // 3:
        cut = cut[:space]
    return cut.rstrip(" \n,;:.-–—") + ELLIPSIS


@dataclass(frozen=True)
class Composed:
    """A post's text for one platform: `text` to paste (post.txt), and `for_csv`, the same
    without the link, which bulk.csv gives in its own column (a scheduler adds it)."""

    text: str
    for_csv: str


# What Instagram shows instead of a link, which it never makes clickable in a caption.
LINK_IN_BIO = {"en": "Link in bio", "cy": "Dolen yn y bio"}


def compose(
    post: Post, platform: str, export: ExportConfig, link: str | None, body: str | None = None
) -> Composed:
    """Title, summary and body, cut to fit; hashtags and the link (as `export.link` says:
    the address, "Link in bio", or nothing) kept whole after them."""
    parts = [post.title.strip()]
    if post.summary.strip():
        parts.append(post.summary.strip())
    body = text_with_addresses(post.body) if body is None else body
    if body:
        parts.append(body)
    main = "\n\n".join(parts)
    hashtags = ""
    if platform in HASHTAG_PLATFORMS and post.tags:
        hashtags = " ".join(f"#{word}" for t in post.tags if (word := hashtag(t)))
    shown_link = None
    if link and export.link == "text":
        shown_link = link
    elif link and export.link == "bio":
        shown_link = LINK_IN_BIO.get(post.lang, LINK_IN_BIO["en"])
    tail = [part for part in (hashtags, shown_link) if part]
    fixed = counted_length("\n\n" + "\n\n".join(tail), export.link_chars) if tail else 0
    if fixed >= export.max_chars and hashtags:
        hashtags = ""  # hashtags go first when space is short
        tail = [shown_link] if shown_link else []
        fixed = counted_length("\n\n" + "\n\n".join(tail), export.link_chars) if tail else 0
    text = _fitted(main, export.max_chars - fixed, export.link_chars)
    return Composed(
        "\n\n".join([text, *tail]).strip(),
        "\n\n".join([text, *([hashtags] if hashtags else [])]).strip(),
    )


def _fitted(main: str, budget: int, link_chars: int | None) -> str:
    """`main` cut to `budget` as the platform counts: URLs inside the text also count as
    link_chars, so shrink until the whole fits."""
    text = _cut(main, budget)
    for _ in range(SHRINKS):
        over = counted_length(text, link_chars) - budget
        if over <= 0 or not text:
            return text
        text = _cut(text, len(text) - 1 - over)
    if counted_length(text, link_chars) > budget:
        text = _longest_fit(main, budget, link_chars)
    return text


# Rounds of shrinking by what is over. A round takes off at least one character but may take
# off no more: a cut inside a long link leaves it counted as link_chars all the same, and a
# text of many short links and one long one (60,000 characters for Facebook) took a round for
# each character of it. After these rounds the cut is found by halving instead.
SHRINKS = 8


def _longest_fit(main: str, budget: int, link_chars: int | None) -> str:
    """`main` cut at the longest length (found by halving) whose cut fits `budget`."""
    low, high = 0, budget  # a cut at `low` fits (the empty text does)
    while low < high:
        middle = (low + high + 1) // 2
        if counted_length(_cut(main, middle), link_chars) <= budget:
            low = middle
        else:
            high = middle - 1
    return _cut(main, low)


class ExportRow(NamedTuple):
    """A post's row of a platform's bulk.csv, with what orders the rows (oldest first)."""

    platform: str
    timestamp: float
    slug: str
    line: bytes  # as bulk.csv holds it (encoded once, where the post is made)

    def __reduce__(self) -> tuple[Any, ...]:
        return fast_reduce(self)


@dataclass(frozen=True)
class Bundle:
    """One post's export for one platform."""

    slug: str
    platform: str
    title: str
    date: datetime
    text: str
    link: str | None
    images: tuple[tuple[str, str], ...]  # (file in the bundle, alt text)
    csv_text: str = ""  # the text without the link, for bulk.csv (which has a link column)

    def row(self) -> ExportRow:
        """Its row of bulk.csv, and where the row goes (kept with the post's unit: a build of
        thousands of posts joins them)."""
        line = _csv_line(
            [
                self.date.isoformat(timespec="seconds"),
                self.csv_text or self.text,
                self.link or "",
                "|".join(f"{self.slug}/{file}" for file, _ in self.images),
            ]
        )
        return ExportRow(self.platform, self.date.timestamp(), self.slug, line.encode("utf-8"))

    def manifest(self) -> bytes:
        data = {
            "slug": self.slug,
            "title": self.title,
            "platform": self.platform,
            "date": self.date.isoformat(timespec="seconds"),
            "text": self.text,
            "link": self.link,
            "images": [{"file": file, "alt": alt} for file, alt in self.images],
        }
        return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def bundle_files(images: list[tuple[ImageRef, list[Variant]]]) -> list[tuple[str, Variant, str]]:
    """(file in the bundle, variant, alt) for each image, numbered in front-matter order."""
    out = []
    for number, (ref, variants) in enumerate(images, 1):
        jpeg = [v for v in variants if v.format == "jpeg"][-1]
        out.append((f"{number:02d}-{jpeg.file}", jpeg, ref.alt))
    return out


def bulk_order(rows: list[ExportRow]) -> list[ExportRow]:
    """The rows as bulk.csv lists them: oldest post first."""
    return sorted(rows, key=lambda r: (r.timestamp, r.slug))


def bulk_csv(rows: list[ExportRow]) -> bytes:
    """One row per post: date, text, link, images (paths from the platform folder, `|`-joined)."""
    lines = [r.line for r in bulk_order(rows)]
    return _csv_line(["date", "text", "link", "images"]).encode("utf-8") + b"".join(lines)


def _csv_line(values: list[str]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([inert(v) for v in values])
    return buffer.getvalue()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(cell: str) -> str:
    """A cell a spreadsheet shows as text, never runs: one starting like a formula (=, +, -,
    @, tab, carriage return) gets a leading apostrophe, as OWASP's CSV-injection advice says.
    (A scheduler importing bulk.csv may be a spreadsheet first.)"""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell
