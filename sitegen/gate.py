"""The publication gate: the one place that decides what is published where, with which images."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from sitegen.model import ImageRef, Post
from sitegen.policy import Checked, Context
from sitegen.policy.consent import covered_faces, refusing_pupils
from sitegen.register import lookup

WEBSITE = "website"


@dataclass(frozen=True)
class Decision:
    """What one post may publish: images per platform it goes to, and why it misses the others."""

    checked: Checked
    platforms: dict[str, tuple[ImageRef, ...]]
    left_out: tuple[tuple[str, str], ...]  # (platform, reason)
    # The faces covered in each platform's copy of an image, by number: platform -> file ->
    # numbers (only where any is covered).
    covered: dict[str, dict[str, tuple[int, ...]]] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.checked.post.slug

    @property
    def publishable(self) -> bool:
        return bool(self.platforms)

    @property
    def on_website(self) -> bool:
        return WEBSITE in self.platforms


def decide(checked: Checked, ctx: Context) -> Decision:
    """SPEC's rule, per platform: approved, valid, no errors, audience allows it, due now."""
    post = checked.post
    config = ctx.config
    targets = [p for p in post.platforms if p in config.platforms]
    blocker = _blocker(checked)
    published: dict[str, tuple[ImageRef, ...]] = {}
    covered: dict[str, dict[str, tuple[int, ...]]] = {}
    left_out: list[tuple[str, str]] = []
    for platform in dict.fromkeys(targets):
        if blocker:
            left_out.append((platform, blocker))
            continue
        if post.audience == "parents" and (
            platform == WEBSITE or platform not in config.closed_platforms
        ):
            left_out.append((platform, "parents-only post: closed platforms only"))
            continue
        if post.date is None or post.date > ctx.now:
            when = post.date.isoformat() if post.date else "no date"
            left_out.append((platform, f"scheduled for {when}"))
            continue
        images = consented_images(checked, platform, ctx)
        export = config.exports.get(platform)
        if export is not None and export.requires_image and not images:
            left_out.append((platform, f"{platform} needs an image and none may go there"))
            continue
        if export is not None:
            images = images[: export.max_images]
        published[platform] = images
        faces = {ref.file: covered_faces(ref, platform, ctx.register, ctx.today) for ref in images}
        if any(faces.values()):
            covered[platform] = {file: numbers for file, numbers in faces.items() if numbers}
    return Decision(checked, published, tuple(left_out), covered)


def consented_images(checked: Checked, platform: str, ctx: Context) -> tuple[ImageRef, ...]:
    """The post's images that may go to `platform` today: every pupil on each is in the
    register and consents there, or has their face in its `faces` list (covered there)."""
    return tuple(
        ref
        for ref in checked.post.images
        if all(lookup(ctx.register, p) is not None for p in ref.pupils)
        and not refusing_pupils(ref, platform, ctx.register, ctx.today)
    )


def changes_at(post: Post, ctx: Context) -> datetime | None:
    """The next moment at which the decision on this post can change with nothing edited, or
    None: when the post falls due (the gate's date rule), and when a consent of a pupil it
    tags, names or shows takes a new value or its consent's notice period begins (every
    consent rule reads the clock through `Pupil.consents_to`, `has_no_consent`,
    `name_consent_on` and `ends_within`, which change only then).
    A remembered result is valid until this moment; tests walk the clock to prove no decision
    changes before it."""
    moments = [post.date] if post.date is not None and post.date > ctx.now else []
    pupils = {*post.pupils, *post.named, *(p for ref in post.images for p in ref.shows)}
    for pupil_id in pupils:
        pupil = lookup(ctx.register, pupil_id)
        notice = ctx.config.consent_notice_days  # (SG161 begins then: a warning to show)
        changes_on = pupil.consent_changes_on(ctx.today, notice) if pupil else None
        if changes_on is not None:
            moments.append(datetime.combine(changes_on, time(0, 0), tzinfo=ctx.config.tz))
    return min(moments, default=None)


def _blocker(checked: Checked) -> str | None:
    status = checked.status
    if status in ("draft", "submitted"):
        return f"not approved (status {status})"
    if status == "stale":
        return "stale: edited after approval"
    if checked.errors:
        codes = ", ".join(sorted({f.code for f in checked.errors}))
        return f"blocked by errors: {codes}"
    return None
