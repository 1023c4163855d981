"""What a photo's file says (SG121, SG123, SG124, SG127), judged from its inspected facts."""

from __future__ import annotations

from datetime import date

from sitegen.config import Config
from sitegen.findings import finding
from sitegen.images import ImageFacts, device_approved, device_name
from sitegen.model import Finding, ImageRef, Post, Pupil, Register, Severity
from sitegen.policy.names import allowed
from sitegen.register import lookup
from sitegen.text import fold, fold_id

PUNCTUATION = "!\"#$%&'()*+,./:;<=>?@[\\]^_`{|}~“”‘’…—–«»|"


def check_photos(post: Post, facts: dict[str, ImageFacts], config: Config) -> list[Finding]:
    findings: list[Finding] = []
    for ref in post.images:
        fact = facts.get(ref.file)
        if fact is not None:  # None: missing or outside the folder, which SG120 reports
            findings += [
                finding(code, f"image {ref.file} {message}", post.path, ref.line, severity=severity)
                for code, severity, message in _judge(ref, fact, config)
            ]
    return findings


def _judge(ref: ImageRef, fact: ImageFacts, config: Config) -> list[tuple[str, Severity, str]]:
    if fact.error:
        return [("SG121", "error", fact.error)]
    out: list[tuple[str, Severity, str]] = []
    devices = ", ".join(config.approved_devices)
    if config.approved_devices:
        if not (fact.make or fact.model):
            # A photo sent through a messaging app, or a screenshot, has lost its camera: it
            # may come from any phone. An error, unless the school accepts that risk.
            severity: Severity = "warning" if config.unknown_device == "warning" else "error"
            out.append(
                (
                    "SG127",
                    severity,
                    "has no camera make or model (messaging apps and screenshots remove them), "
                    "so its device is unknown: copy the original from the school device "
                    f"({devices})",
                )
            )
        elif not device_approved(fact.make, fact.model, config.approved_devices):
            out.append(
                (
                    "SG123",
                    "error",
                    f'was taken on "{device_name(fact.make, fact.model)}", which is not an '
                    f"approved device: take the photo on a school device ({devices}), or ask a "
                    "leader to add this one to policy.approved_devices in site.toml",
                )
            )
    if fact.personal:
        out.append(
            ("SG124", "warning", f"carries {', '.join(fact.personal)}: it is removed on publish")
        )
    smallest = min(config.image_widths)
    if fact.width < smallest:
        out.append(
            (
                "SG129",
                "warning",
                f"is only {fact.width} pixels wide, narrower than the smallest size the site "
                f"shows ({smallest}): it will look small and blurred; use a larger photo",
            )
        )
    return out


def _close(token: str, word: str) -> bool:
    """Equal, or one letter wrong (added, lost or changed) in a word of five or more."""
    if token == word:
        return True
    if len(word) < 5 or abs(len(token) - len(word)) > 1:
        return False
    if len(token) == len(word):
        return sum(a != b for a, b in zip(token, word, strict=True)) <= 1
    short, long_ = sorted((token, word), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _appears(tokens: list[str], words: list[str]) -> bool:
    n = len(words)
    return n > 0 and any(
        all(_close(tokens[i + j], words[j]) for j in range(n)) for i in range(len(tokens) - n + 1)
    )


def names_in_words(
    words: list[str], register: Register, tagged: list[Pupil]
) -> list[tuple[Pupil, bool]]:
    """Pupils whose full name (anyone) or first name (tagged) the OCR words show."""
    tokens = [t for w in words if (t := fold(w).strip(PUNCTUATION))]
    found: list[tuple[Pupil, bool]] = []
    for pupil in register.pupils.values():
        if pupil.last_name and _appears(
            tokens, fold(f"{pupil.first_name} {pupil.last_name}").split()
        ):
            found.append((pupil, True))
    fully = {p.pupil_id for p, _ in found}
    for pupil in tagged:
        if pupil.pupil_id not in fully and _appears(tokens, fold(pupil.first_name).split()):
            found.append((pupil, False))
    return found


def check_vision(
    post: Post,
    seen: dict[str, tuple[list[str] | None, int | None]],
    register: Register,
    today: date,
) -> list[Finding]:
    """SG125 (a name readable in a photo, by SG114's rule) and SG126 (uncounted faces)."""
    findings: list[Finding] = []
    named = {fold_id(p) for p in post.named}
    tagged = [p for pid in post.pupils if (p := lookup(register, pid)) is not None]
    for ref in post.images:
        words, faces = seen.get(ref.file, (None, None))
        for pupil, full in names_in_words(words or [], register, tagged):
            if allowed(pupil, full, named, today):
                continue
            kind = "full name" if full else "first name"
            findings.append(
                finding(
                    "SG125",
                    f"image {ref.file} shows the {kind} of {pupil.pupil_id} (read from the "
                    f"photo): cover or crop it, or list {pupil.pupil_id} in named if their "
                    "parent consented",
                    post.path,
                    ref.line,
                    pupil.pupil_id,
                )
            )
        if faces is not None and faces > len(ref.pupils):
            tagged_here = len(ref.pupils)
            findings.append(
                finding(
                    "SG126",
                    f"image {ref.file} shows {faces} face{'s' if faces != 1 else ''}, "
                    f"{tagged_here} pupil{'s' if tagged_here != 1 else ''} tagged: tag every pupil "
                    "pictured (adults need no tag)",
                    post.path,
                    ref.line,
                )
            )
    return findings
