"""Every string a post publishes, for the name and id checks: as staff wrote it (each with the
line it begins on) and as readers and platforms get it."""

from __future__ import annotations

import bisect
import html
import re

from sitegen.markup import shown_text
from sitegen.model import Post
from sitegen.text import RIGHT_TO_LEFT_OVERRIDE, as_displayed, hashtag, slugify

Fields = list[tuple[str, str, int]]


def text_fields(post: Post) -> list[tuple[str, str, int]]:
    """(label, text, line of the text's start) for every string that reaches any output:
    what a reader sees, the addresses it follows, and the names files and pages go by."""
    fields = [
        ("title", post.title, post.line_of("title") or 2),
        ("summary", post.summary, post.line_of("summary") or 2),
        ("tags", ", ".join(post.tags), post.line_of("tags") or 2),
        # The folder is the post's address (/posts/<folder>/): line 0, no line to show.
        ("folder name", post.slug, 0),
    ]
    for i, image in enumerate(post.images):
        fields.append((f"file name {image.file}", image.file, image.line))
        for key in ("alt", "caption"):
            value = getattr(image, key)
            line = post.line_of(f"images[{i}].{key}") or image.line
            fields.append((f"{key} text of {image.file}", value, line))
    fields.append(("body", post.body, post.body_line))
    # Attribute values readers see or follow (a link's address or title, an image's alt
    # text): the markup folding drops whole tags, so these are scanned on their own.
    if "=" in post.body:
        lines = Lines(post.body)
        for m in SHOWN_ATTRIBUTE.finditer(post.body):
            value = m.group(2) if m.group(2) is not None else m.group(3) or m.group(4) or ""
            label = f"{m.group(1).lower()} attribute in the body"
            fields.append((label, value, post.body_line + lines.index(m.start())))
    fields += published_fields(post)
    # A right-to-left override shows the letters after it reversed: read as they are seen.
    for label, text, line in list(fields):
        if RIGHT_TO_LEFT_OVERRIDE in text:
            fields.append((label, as_displayed(text), line))
    return fields


# What a post publishes, as readers and platforms get it, beside what staff wrote (a field
# "body" has its twin "body as published"): the body's text as a reader copies it, with every
# attribute value its HTML keeps, decoded; the tags as hashtags and addresses. Markup can
# split a name that readers see whole ("[Deio](#) Morgan"), and a tag's hashtag joins what its
# writing kept apart ("Os ian Prit chard" is #osianpritchard).
AS_PUBLISHED = " as published"


def published_fields(post: Post) -> Fields:
    fields = [("body" + AS_PUBLISHED, shown_text(post.body), post.body_line)]
    if post.tags:
        forms = [f"#{hashtag(tag) or ''} {slugify(tag)}" for tag in post.tags]
        fields.append(("tags" + AS_PUBLISHED, "\n".join(forms), post.line_of("tags") or 2))
    return fields


def written_in(label: str) -> str:
    """The field a label's text comes from: "body" for the body as published and for the
    attributes written in the body, "tags" for the tags as published."""
    label = label.removesuffix(AS_PUBLISHED)
    return "body" if label.endswith(" in the body") else label


def source_line(post: Post, label: str, line: int, word: str) -> int:
    """Where to look in the file for a name found in what a field publishes: the first line of
    the body that holds its letters in order with only marks, digits or entities between them
    ("[Tomos][1] Bowen", "M[i](#)a", "T&#111;mos"), else its first word, else the field's
    first line."""
    if written_in(label) != "body":
        return line
    source = html.unescape(post.body).lower()  # (an entity holds no line break: lines stay)
    for words in (word, (word.split() or [""])[0]):
        letters = [c for c in words.lower() if c.isalpha()]
        if letters and (found := re.search(r"[^a-z]*?".join(map(re.escape, letters)), source)):
            return post.body_line + source.count("\n", 0, found.start())
    return line


# title="...", alt='...', href=...: each value is scanned up to its own closing quote (a
# pattern that can only stop at the next quote is read in one pass, whatever the body holds).
SHOWN_ATTRIBUTE = re.compile(
    r"""\b(title|alt|href|src)[ \t\n]*=[ \t\n]*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""",
    re.IGNORECASE,
)


class Lines:
    """Line numbers of offsets in a text, by one scan of its line breaks."""

    def __init__(self, text: str) -> None:
        self.starts = [0, *(m.end() for m in re.finditer("\n", text))]

    def index(self, offset: int) -> int:
        """How many line breaks come before `offset`."""
        return bisect.bisect_right(self.starts, offset) - 1
