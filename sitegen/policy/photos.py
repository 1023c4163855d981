"""What a photo's file says (SG121, SG123, SG124, SG127), judged from its inspected facts."""

from __future__ import annotations

from sitegen.config import Config
from sitegen.images import ImageFacts, device_approved, device_name
from sitegen.model import Finding, ImageRef, Post, Severity


def check_photos(post: Post, facts: dict[str, ImageFacts], config: Config) -> list[Finding]:
    findings: list[Finding] = []
    for ref in post.images:
        fact = facts.get(ref.file)
        if fact is not None:  # None: missing or outside the folder, which SG120 reports
            findings += [
                Finding(code, severity, f"image {ref.file} {message}", post.path, ref.line)
                for code, severity, message in _judge(ref, fact, config)
            ]
    return findings


def _judge(ref: ImageRef, fact: ImageFacts, config: Config) -> list[tuple[str, Severity, str]]:
    if fact.error:
        return [("SG121", "error", fact.error)]
    out: list[tuple[str, Severity, str]] = []
    if config.approved_devices:
        if not (fact.make or fact.model):
            out.append(
                (
                    "SG127",
                    "warning",
                    "has no camera make or model, so its device is "
                    "unknown: use a school or approved device",
                )
            )
        elif not device_approved(fact.make, fact.model, config.approved_devices):
            out.append(
                (
                    "SG123",
                    "error",
                    f'was taken on "{device_name(fact.make, fact.model)}", which is not an '
                    f"approved device ({', '.join(config.approved_devices)})",
                )
            )
    if fact.personal:
        out.append(
            ("SG124", "warning", f"carries {', '.join(fact.personal)}: it is removed on publish")
        )
    return out
