"""The check stage: every post (or some) judged on today's register, log, settings and clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import cache

from sitegen import translations
from sitegen.gate import WEBSITE, Decision, decide
from sitegen.links import dead_links
from sitegen.model import Post
from sitegen.policy import Checked, Context, judge
from sitegen.site import Site


def check(site: Site, posts: list[Post] | None = None) -> list[Checked]:
    """Judge every post (or `posts`) on today's register, log, settings and clock; and each
    post's `translation` against the other posts, and the body's links to what the website
    does not have (warnings: see translations.py and links.py)."""
    everyone = translations.by_slug(site.posts)
    wanted = {p.folder for p in posts} if posts is not None else None
    chosen = [a for a in site.analyses if wanted is None or a.post.folder in wanted]
    photos = site.photos.inspect_all([a.post for a in chosen])
    judged = [judge(a, site.context, p) for a, p in zip(chosen, photos, strict=True)]
    nowhere = not_on_website(site, {c.post.slug: c for c in judged})
    checked = []
    for analysis, post in zip(chosen, judged, strict=True):
        found = translations.translation_findings(post.post, everyone)
        found += dead_links(post.post, analysis.body_html, site.config.base_url, nowhere)
        checked.append(replace(post, findings=(*post.findings, *found)) if found else post)
    return checked


def not_on_website(
    site: Site, judged_now: dict[str, Checked] | None = None
) -> Callable[[str, datetime | None], str | None]:
    """Why the post in a folder is not on the website as a build would make it when the post
    that links to it goes out (now, or its date if later), or None when it is (its edit
    waiting for approval while the version approved is live, too). `judged_now`: the posts
    judged already, now, by slug (filled as they are judged): none is judged twice."""
    by_slug = {a.post.slug: a for a in site.analyses}
    known = judged_now if judged_now is not None else {}

    @cache
    def decided(slug: str, when: datetime | None) -> Decision:
        ctx = replace(site.context, now=when) if when else site.context
        checked = known.get(slug) if when is None else None
        if checked is None:
            (photos,) = site.photos.inspect_all([by_slug[slug].post])
            checked = judge(by_slug[slug], ctx, photos)
        return decide(checked, ctx)

    def why(slug: str, when: datetime | None) -> str | None:
        if slug not in by_slug:
            return f"there is no content/posts/{slug}/ (check the spelling)"
        later = when if when is not None and when > site.context.now else None  # (a series)
        decision = decided(slug, later)
        status = decision.checked.status
        if decision.on_website or (status == "stale" and live_revisions(site, [slug])):
            return None
        if status in ("draft", "submitted"):
            return f"it is {'a draft' if status == 'draft' else 'waiting for approval'}"
        return next((r for p, r in decision.left_out if p == WEBSITE), "it does not go there")

    return why


def decisions(site: Site, checked: list[Checked]) -> list[Decision]:
    return [decide(c, site.context) for c in checked]


def missed_once_approved(ctx: Context, checked: Checked) -> list[tuple[str, str]]:
    """The platforms a post would miss even once approved, and why, for its author to know
    before then: a platform that needs a photo and has none that may go there. (What its
    findings say, an approval or its date would change is not repeated.)"""
    due = replace(checked.post, date=ctx.now)  # (a post for later, as if due)
    would = decide(replace(checked, post=due, status="approved", findings=()), ctx)
    return [(p, why) for p, why in would.left_out if why.endswith("none may go there")]


def live_revisions(site: Site, slugs: list[str]) -> dict[str, str]:
    """Of these edited posts, those whose approved revision a build publishes meanwhile
    (judged as a build judges it: today's register, leaders and clock), with the time of
    that approval: what `status`, `check` and the preview call live."""
    from sitegen.revisions import approved_revision
    from sitegen.site import load_site

    kept = {slug: revision.at for slug in slugs if (revision := approved_revision(site.root, slug))}
    if not kept:
        return {}
    published = load_site(site.root, site.context.now.isoformat(), published=True)
    revised = check(published, [p for p in published.posts if p.slug in kept])
    return {d.slug: kept[d.slug] for d in decisions(published, revised) if d.publishable}
