"""The preview build: every post into build/preview/, drafts too, bannered if not on the website."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sitegen import feeds
from sitegen.checks import live_revisions, missed_once_approved, not_on_website
from sitegen.engine.plan import OutputPlan
from sitegen.engine.standby import publish
from sitegen.engine.swap import build_lock
from sitegen.faces import Box
from sitegen.facesheet import numbered_copy, photo_faces, sheet_name
from sitegen.gate import WEBSITE, consented_images, decide
from sitegen.images import Job, RenderSpec, render_all
from sitegen.inspection import PostPhotos
from sitegen.links import NotOnWebsite, dead_links
from sitegen.lists import add_static
from sitegen.making import published_name
from sitegen.model import ImageRef, Post
from sitegen.policy import Analysis, Checked, Context, judge
from sitegen.policy.consent import covered_faces, refusing_pupils
from sitegen.policy.images import unlisted_photos
from sitegen.render import PostView, Renderer, post_view, render_pages
from sitegen.site import Site

PREVIEW = "preview"  # build/preview/
RELOAD_JS = "/__sitegen/reload.js"  # every preview page loads it (serve.py answers it)

# One post of the preview: as checked, as shown (a placeholder when its header cannot be read),
# the photos shown with it, and its banner (None: it is on the website).
Item = tuple[Checked, Post, list[ImageRef], dict[str, Any] | None]


def _banner(checked: Checked, reasons: list[str], notes: Sequence[str] = ()) -> dict[str, Any]:
    findings = [
        {
            "code": f.code,
            "severity": f.severity,
            "message": f.message,
            "where": f"{f.file}:{f.line}" if f.line else f.file,
        }
        for f in checked.findings
    ]
    status = checked.status if checked.post.meta is not None else "error"
    summary = "; ".join(dict.fromkeys(reasons)) or "not published"
    if not summary.startswith("edited: the version approved"):  # (that one is live)
        summary = f"not on the website: {summary}"
    return {
        "status": status,
        "summary": summary,
        "findings": findings,
        "notes": list(notes),  # (what `check` says besides its findings)
        "faces": [],  # (_with_faces fills it)
    }


def _notes(checked: Checked, ctx: Context, nowhere: NotOnWebsite) -> list[str]:
    """What `check` tells a post's author besides its errors: photos in the folder that
    `images` leaves out, platforms the post misses even once approved, and links that lead
    nowhere on the website (SG130's warnings, which come from other posts)."""
    assert checked.analysis is not None
    html = checked.analysis.body_html
    notes = [f.message for f in dead_links(checked.post, html, ctx.config.base_url, nowhere)]
    notes += [
        f"{name} is in the folder but not in images: it is not published"
        for name in unlisted_photos(checked.post)
    ]
    notes += [
        f"not on {platform}, even once approved: {why}"
        for platform, why in missed_once_approved(ctx, checked)
    ]
    return notes


def _placeholder(post: Post, now: datetime) -> Post:
    """A post whose header cannot be read still gets a page: the banner says why."""
    return replace(post, title=post.title or post.slug, date=post.date or now, body="")


def build_preview(site: Site) -> int:
    """Every post, publishable or not, into build/preview/; returns how many posts."""
    renderer = Renderer(
        site.config,
        site.root / "templates",
        preview=True,
        extra_head=f'<script src="{RELOAD_JS}" defer></script>',
    )
    photos = site.photos.inspect_all([a.post for a in site.analyses])
    plan = OutputPlan()
    edited = [a.post.slug for a in site.analyses if _edited_since_approval(a)]
    live = live_revisions(site, edited)
    judged: dict[str, Checked] = {}  # (a post linked to is judged once: as it comes, or then)
    nowhere = not_on_website(site, judged)
    items = []
    for analysis, post_photos in zip(site.analyses, photos, strict=True):
        item = _item(analysis, site.context, post_photos, live, nowhere)
        judged[analysis.post.slug] = item[0]
        items.append(_with_faces(site, item, post_photos, plan))
    views = _views(site, items, photos, plan)
    views.sort(key=lambda v: (v.date, v.slug), reverse=True)
    for path, page in render_pages(renderer, views, site.store.pages).items():
        plan.add(path, page)
    for path, feed in feeds.feed_files(site.config, views, site.store.pages).items():
        plan.add(path, feed)
    add_static(plan, renderer)
    with build_lock(
        site.root / "build", doing="preview", wait=True
    ):  # (a leader's build: after it)
        publish(site.root / "build", {PREVIEW: plan})
    site.store.save()
    return len(views)


def _website_cover(
    ref: ImageRef, photos: PostPhotos, ctx: Context
) -> tuple[tuple[int, ...], tuple[Box, ...]]:
    """The numbers and boxes of the faces the website's copy covers (`cover`, or a pupil
    without website consent), as the build covers them; none where the faces list does not
    fit the faces found (SG128 in the banner says so)."""
    numbers = covered_faces(ref, WEBSITE, ctx.register, ctx.today)
    seen = photos.seen.get(ref.file)
    found = seen.faces if seen else None
    if not numbers or found is None or max(numbers) > len(found.boxes):
        return (), ()
    return numbers, tuple(found.boxes[n - 1] for n in numbers)


def _edited_since_approval(analysis: Analysis) -> bool:
    approval = analysis.post.approval
    return approval is not None and approval.digest != analysis.digest


def _item(
    analysis: Analysis,
    ctx: Context,
    photos: PostPhotos,
    live: dict[str, str] | None = None,
    nowhere: NotOnWebsite = lambda slug, when: None,
) -> Item:
    """One post judged as a build would, with the photos the website would show and, when the
    website would not show it, a banner saying why (`live`: the edited posts whose approved
    version a build publishes, with its approval time)."""
    checked = judge(analysis, ctx, photos)
    decision = decide(checked, ctx)
    post = checked.post
    if post.meta is None or post.date is None:
        banner = _banner(checked, ["the file cannot be read"])
        return checked, _placeholder(post, ctx.now), [], banner
    refs = list(decision.platforms.get(WEBSITE) or consented_images(checked, WEBSITE, ctx))
    if decision.on_website:
        return checked, post, refs, None
    reasons = [r for p, r in decision.left_out if p == WEBSITE]
    if checked.status == "stale" and post.slug in (live or {}):
        reasons = [
            f"edited: the version approved on {(live or {})[post.slug][:10]} is live; approve "
            "to publish the edit"
        ]
    if WEBSITE not in post.platforms:
        reasons.append("website is not in its platforms")
    return checked, post, refs, _banner(checked, reasons, _notes(checked, ctx, nowhere))


def _with_faces(site: Site, item: Item, photos: PostPhotos, plan: OutputPlan) -> Item:
    """The item with its photos' numbered faces in the banner: for each photo, a copy with
    every face's box and number, and each platform's copy as it would go out, its covered
    faces filled (the copies live in the preview only, under faces/<slug>/, where `sitegen
    faces` writes them too)."""
    checked, post, refs, banner = item
    if not site.photos.tools.faces or post.meta is None:
        return item
    ctx = site.context
    shown = []
    for sheet in photo_faces(post, photos):
        if sheet.faces is None or not len(sheet.faces):
            continue
        path = post.folder / sheet.ref.file
        copies = []
        for platform in [None, *(p for p in post.platforms if p in ctx.config.platforms)]:
            if platform and refusing_pupils(sheet.ref, platform, ctx.register, ctx.today):
                copies.append({"platform": platform, "src": None})  # left out there (SG116)
                continue
            covered = (
                covered_faces(sheet.ref, platform, ctx.register, ctx.today) if platform else ()
            )
            name = sheet_name(sheet.ref, platform)
            copy = numbered_copy(path, sheet.faces, set(covered), site.photos.files)
            plan.add(f"faces/{post.slug}/{name}", copy)
            copies.append({"platform": platform, "src": f"../../faces/{post.slug}/{name}"})
        shown.append({"file": sheet.ref.file, "copies": copies, "problems": sheet.problems})
    if not shown:
        return item
    # A post on the website has no banner but this: no summary, no findings (a site's own
    # older _banner.html reads both).
    shown_banner = banner or {"status": checked.status, "summary": "", "findings": []}
    return checked, post, refs, {**shown_banner, "faces": shown}


def _views(
    site: Site, items: list[Item], photos: list[PostPhotos], plan: OutputPlan
) -> list[PostView]:
    """Each post's view, its photos rendered (all posts' at once, with the faces covered that
    the website's copy covers) and added to `plan`."""
    spec = RenderSpec(site.config.image_widths, site.config.image_quality, site.config.max_pixels)
    jobs = [
        Job(
            post.folder / ref.file,
            published_name(post, ref, numbers),
            spec,
            site.store.hashes.hash(post.folder / ref.file),
            boxes,
        )
        for (_, post, refs, _), seen in zip(items, photos, strict=True)
        for ref in refs
        for numbers, boxes in [_website_cover(ref, seen, site.context)]
    ]
    results = iter(render_all(jobs, site.photos.files))
    views: list[PostView] = []
    for checked, post, refs, banner in items:
        images = []
        for ref in refs:
            result = next(results)
            if isinstance(result, Exception):
                continue  # SG121 is in the banner already
            variants, files = result
            images.append((ref, variants))
            for name, content in files.items():
                path = f"posts/{post.slug}/{name}"
                if path not in plan.files:
                    plan.add(path, content)
        analysis = checked.analysis
        views.append(
            post_view(
                post,
                site.config,
                images,
                banner,
                body_html=analysis.body_html if analysis and post.body else "",
                digest=checked.digest,
            )
        )
    return views
