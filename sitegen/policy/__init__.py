"""The policy engine: pure rules from (Post, Register, Config, clock) to Findings."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sitegen.approval import post_digest, taken_back
from sitegen.config import Config
from sitegen.findings import finding
from sitegen.markup import markdown_to_html, render_body, text_with_addresses
from sitegen.model import Approval, Finding, Post, Register
from sitegen.policy import writing  # noqa: F401  (its @text_rule functions join TEXT_RULES)
from sitegen.policy.consent import check_consent
from sitegen.policy.fields import text_fields
from sitegen.policy.ids import find_ids
from sitegen.policy.images import check_image_refs
from sitegen.policy.markup import check_markup
from sitegen.policy.names import (
    NameHit,
    NameIndex,
    find_names,
    judge_names,
)
from sitegen.policy.photos import check_photos, check_vision
from sitegen.policy.rules import TEXT_RULES
from sitegen.policy.tone import Worst, judge_tone, worst_sentence

if TYPE_CHECKING:  # (the inspection stage runs before the rules, never from them)
    from sitegen.inspection import PostPhotos


@dataclass(frozen=True)
class Context:
    """What every rule may read: the site's settings, the register, the log, and the clock."""

    config: Config
    register: Register
    now: datetime
    audit_entries: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    # Each signed audit entry's check against its leader's key (None: it verifies), by hash:
    # made before any rule runs (signatures.check_entries), since checking is I/O.
    signatures: Mapping[str, str | None] = field(default_factory=dict)

    @functools.cached_property
    def names(self) -> NameIndex:
        """The register's names, compiled once for every post's texts: only when a post is
        read (a build that finds nothing changed never needs them)."""
        return NameIndex(self.register)

    @property
    def today(self) -> date:
        return self.now.astimezone(self.config.tz).date()

    @functools.cached_property
    def taken_back(self) -> Mapping[str, dict[str, Any]]:
        """The approvals a leader took back (`sitegen unapprove`), by their entries' hashes:
        each with the log's entry that took it back (approval.taken_back says which)."""
        return taken_back(self.audit_entries)


@dataclass(frozen=True)
class Checked:
    """A post with its findings, digest and workflow status."""

    post: Post
    findings: tuple[Finding, ...]
    digest: str
    status: str  # draft | submitted | approved | stale | blocked
    analysis: Analysis | None = None

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]


def check_approval(post: Post, digest: str, ctx: Context) -> list[Finding]:
    approval = post.approval
    line = post.line_of("approval") or post.line_of("status")
    if post.status != "approved":  # a draft, or submitted: an approval it carries is set aside
        return []
    if approval is None:
        return [
            finding(
                "SG150",
                "status is approved but there is no approval: only `sitegen approve` "
                "may approve a post",
                post.path,
                line,
            )
        ]
    findings = []
    if approval.digest != digest:
        findings.append(
            finding(
                "SG150",
                "the post was edited after approval (stale): a leader must approve it again",
                post.path,
                line,
            )
        )
    if approval.by not in ctx.config.leaders:
        findings.append(
            finding(
                "SG150",
                f"approved by {approval.by}, who is not a leader in site.toml",
                post.path,
                line,
            )
        )
    findings += _entry_findings(post, approval, ctx, line)
    return findings


def _entry_findings(
    post: Post, approval: Approval, ctx: Context, line: int | None
) -> list[Finding]:
    """SG150 when the approval's audit-log entry is missing, says otherwise, or its
    signature does not hold."""
    found: list[Finding] = []
    entry = ctx.audit_entries.get(approval.entry)
    broken = getattr(ctx.audit_entries, "broken", None)
    if entry is None:
        found.append(
            finding(
                "SG150",
                f"the audit log is broken ({broken}): every approval is blocked until it is "
                "repaired (restore it from a backup or git, or `sitegen audit repair --by "
                "LEADER`, then approve again)"
                if broken
                else "the approval's audit-log entry is missing or altered",
                post.path,
                line,
            )
        )
    elif entry.get("post") != post.slug and entry.get("action") == "approve":
        found.append(
            finding(
                "SG150",
                f"the approval was given to another post ({entry.get('post')}): a post copied "
                "or renamed needs its own approval",
                post.path,
                line,
            )
        )
    elif (
        entry.get("action"),
        entry.get("by"),
        entry.get("digest"),
        entry.get("at"),
    ) != ("approve", approval.by, approval.digest, approval.at):
        found.append(
            finding("SG150", "the approval does not match its audit-log entry", post.path, line)
        )
    elif problem := signature_problem(approval, entry, ctx):
        found.append(finding("SG150", f"the approval {problem}", post.path, line))
    elif (back := ctx.taken_back.get(approval.entry)) is not None:
        found.append(
            finding(
                "SG150",
                f"the approval was taken back by {back.get('by')} on {str(back.get('at'))[:10]} "
                "(sitegen unapprove): a leader must approve the post again",
                post.path,
                line,
            )
        )
    return found


def signature_problem(approval: Approval, entry: Mapping[str, Any], ctx: Context) -> str | None:
    """What is wrong with the approval's signature, or None: a leader with a key in
    site.toml signs every approval, and a signature must verify against that key."""
    key = ctx.config.leader_keys.get(approval.by)
    signed = approval.signature or entry.get("signature")
    if approval.signature != (entry.get("signature") or ""):
        return "has a signature that differs from its audit-log entry's"
    if key is None:
        if signed:
            return (
                f"is signed, but {approval.by} has no key in policy.leader_keys now, so the "
                "signature cannot be checked: restore the key, or approve again"
            )
        if ctx.config.require_signatures:
            return (
                f"is not signed, and policy.require_signatures is true: {approval.by} needs a "
                "key in policy.leader_keys, then approves again"
            )
        return None
    if not signed:
        return (
            f"is not signed, but {approval.by} has a key in policy.leader_keys: "
            f"approve again with {approval.by}'s key"
        )
    verdict = ctx.signatures.get(approval.entry, "was not checked")
    return f"signature {verdict}" if verdict else None


@dataclass(frozen=True)
class Analysis:
    """The costly part of checking a post, which depends only on its files and the register's
    names: cached by their hash, so an unchanged post is never parsed or scanned again."""

    post: Post
    digest: str
    names: tuple[NameHit, ...]
    ids: tuple[Finding, ...]
    markup: tuple[Finding, ...]
    tone: Worst | None
    body_html: str
    export_text: str  # the body as a platform's post says it (markup.text_with_addresses)


# What an analysis reads of the register (Pupil's fields): an analysis is remembered by the
# hash of these alone, so a rule that reads another field here must name it, or its results
# would outlive a change to it (tests/test_gate.py changes each field to prove the list whole).
ANALYSIS_READS = ("pupil_id", "first_name", "last_name")


def analyse(post: Post, names: NameIndex, register: Register, prefilter: bool = True) -> Analysis:
    return analyse_many([post], names, register, prefilter)[0]


def analyse_many(
    posts: list[Post], names: NameIndex, register: Register, prefilter: bool = True
) -> list[Analysis]:
    """Many posts' analyses, made step by step (every body to HTML, then every name scan...)
    rather than post by post: each step's code and tables stay warm in the processor's caches,
    which makes the whole a quarter faster than the same work done post after post."""
    out: list[Analysis] = []
    for start in range(0, len(posts), STEP):  # (a step's results stay in markup.py's caches)
        out += _analyse_steps(posts[start : start + STEP], names, register, prefilter)
    return out


STEP = 256


def _analyse_steps(
    posts: list[Post], names: NameIndex, register: Register, prefilter: bool
) -> list[Analysis]:
    readable = [p for p in posts if p.meta is not None]
    for post in readable:  # Markdown, then the sanitizer: remembered for the steps below
        markdown_to_html(post.body)
    html = [render_body(p.body) for p in readable]
    fields = [text_fields(p) for p in readable]
    found = [find_names(p, names, register, f) for p, f in zip(readable, fields, strict=True)]
    ids = [tuple(find_ids(p, register, f)) for p, f in zip(readable, fields, strict=True)]
    markup = [tuple(check_markup(p)) for p in readable]
    tone = [worst_sentence(p, prefilter) for p in readable]
    digests = [post_digest(p) for p in readable]
    text = [text_with_addresses(p.body) for p in readable]
    steps = zip(readable, digests, found, ids, markup, tone, html, text, strict=True)
    made = iter(Analysis(*parts) for parts in steps)
    return [
        next(made) if p.meta is not None else Analysis(p, "", (), (), (), None, "", "")
        for p in posts
    ]


def judge(analysis: Analysis, ctx: Context, photos: PostPhotos) -> Checked:
    """Every rule on one post, from its analysis, its photos as inspected, and today's register,
    log, settings and clock. Pure: what it reads was read before (analysis, inspection).
    Each photo carries who the publications ledger records on its bytes (`ImageRef.recorded`):
    its consent rules count them, and so does every stage after this one."""
    post, digest = with_recorded(analysis.post, photos.recorded), analysis.digest
    findings = list(post.load_findings)
    if post.meta is not None:
        for rule in TEXT_RULES:
            findings += rule(post, ctx)
        findings += check_consent(post, ctx.config, ctx.register, ctx.today)
        hits = analysis.names + author_names(post, ctx)
        findings += judge_names(post, hits, ctx.register, ctx.today)
        findings += analysis.ids
        findings += analysis.markup
        findings += judge_tone(post, analysis.tone, ctx.config.tone_threshold)
        findings += check_image_refs(post, photos.unusable)
        findings += check_approval(post, digest, ctx)
        findings += check_photos(post, photos.facts, ctx.config)
        findings += check_vision(post, photos, ctx.register, ctx.today)
    findings.sort(key=lambda f: (f.severity != "error", f.line or 0, f.code))
    back = post.approval is not None and post.approval.entry in ctx.taken_back
    return Checked(
        post, tuple(findings), digest, workflow_status(post, findings, digest, back), analysis
    )


AUTHOR = "author's name as site.toml shows it ([site.authors])"


def author_names(post: Post, ctx: Context) -> tuple[NameHit, ...]:
    """Names in the name the post shows as its author's, which site.toml gives (a pupil
    reporter: "Mia Jones, Year 1 reporter"): published on every post by them, and in feeds."""
    shown = ctx.config.authors.get(post.author, "")
    if not shown:
        return ()
    return find_names(post, ctx.names, ctx.register, [(AUTHOR, shown, 0)])


def with_recorded(post: Post, recorded: Mapping[str, tuple[str, ...]]) -> Post:
    """The post, each photo with the pupils the records put on its bytes and its `pupils`
    leave out."""
    if not recorded:
        return post
    images = tuple(
        replace(ref, recorded=recorded[ref.file]) if ref.file in recorded else ref
        for ref in post.images
    )
    return replace(post, images=images)


def workflow_status(
    post: Post, findings: list[Finding], digest: str, taken_back: bool = False
) -> str:
    """Where the post is in its workflow. An approval taken back (`sitegen unapprove`) is
    blocked whatever the file says since: no version of it is live, edited or not."""
    if post.status != "approved":  # (an approval it carries is set aside: taken back by hand)
        return post.status
    if taken_back:
        return "blocked"
    if post.approval is not None and post.approval.digest != digest:
        return "stale"
    if post.approval is None or any(f.severity == "error" for f in findings):
        return "blocked"
    return "approved"
