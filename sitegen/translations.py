"""What `sitegen check` says about a post's `translation`: one that names no post, the post
itself, or a post in the same language leads parents nowhere new.

These are warnings (code SG100, the front matter's), never errors: the site stays right either
way (the language switch then leads to the other language's home page), and whether a
translation is right depends on other posts, which a post's approval must not."""

from __future__ import annotations

from collections.abc import Iterable

from sitegen.findings import finding
from sitegen.model import Finding, Post

LANGUAGE_NAMES = {"en": "English", "cy": "Welsh"}


def translation_findings(post: Post, posts: dict[str, Post]) -> list[Finding]:
    """`posts`: every post of the site, by slug (whatever its status)."""
    if not post.translation or post.meta is None:
        return []
    line = post.line_of("translation")
    twin = posts.get(post.translation)
    if post.translation == post.slug:
        problem = "names this post itself: name the post in the other language"
    elif twin is None:
        problem = (
            f"names no post (there is no content/posts/{post.translation}/): check the "
            "spelling, or write that post first"
        )
    elif twin.meta is not None and twin.lang == post.lang:
        language = LANGUAGE_NAMES.get(post.lang, post.lang)
        problem = (
            f'names "{post.translation}", which is in {language} too: name the post in the '
            "other language"
        )
    else:
        return []
    message = f"translation {problem}; until then its language switch leads to the home page"
    return [finding("SG100", message, post.path, line, severity="warning")]


def by_slug(posts: Iterable[Post]) -> dict[str, Post]:
    return {post.slug: post for post in posts}
