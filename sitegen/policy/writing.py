"""Text rules on what staff must still write (SG102) and who signs it (SG103).

A new rule on a post's words goes here: one function marked @text_rule, and one line for its
code in sitegen/findings.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sitegen.findings import finding
from sitegen.model import Finding, Post
from sitegen.policy.rules import text_rule

if TYPE_CHECKING:
    from sitegen.policy import Context

# The text `sitegen new` puts where the post goes: a post that still holds it was never
# written, whatever else it says.
PLACEHOLDERS = {
    "en": "Write your post here, in Markdown. Celebrate what the children did; "
    "no names unless their parents consented.",
    # (no "dim": the tone check would read the post's own placeholder as negative)
    "cy": "Ysgrifennwch eich neges yma, yn Markdown. Dathlwch yr hyn a wnaeth y plant; "
    "enwau plant gyda chaniatâd eu rhieni yn unig.",
}
# (each found even when the rest was edited)
PLACEHOLDER_STARTS = tuple(text.split(",")[0] for text in PLACEHOLDERS.values())


@text_rule
def check_writing(post: Post, ctx: Context) -> list[Finding]:
    findings = []

    def add(code: str, message: str, line: int | None) -> None:
        findings.append(finding(code, message, post.path, line))

    if not post.title.strip():
        add("SG102", "the title is empty: give the post a title", post.line_of("title"))
    if not post.body.strip():
        add("SG102", "the post has no text: write it under the --- line", post.body_line)
    elif start := next((s for s in PLACEHOLDER_STARTS if s in post.body), None):
        line = post.body_line + post.body[: post.body.index(start)].count("\n")
        add(
            "SG102",
            f"the post still holds the text `sitegen new` wrote (“{start}…”): "
            "replace it with the post",
            line,
        )
    if post.author and post.author not in ctx.config.authors:
        known = ", ".join(sorted(ctx.config.authors)) or "none yet"
        add(
            "SG103",
            f"the author “{post.author}” has no display name in [site.authors] in site.toml "
            f"(known: {known}), so no author is shown: add one, or fix the username",
            post.line_of("author"),
        )
    return findings
