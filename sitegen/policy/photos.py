"""What a photo is and shows, judged from its inspected facts: its file (SG121, SG123, SG124,
SG127, SG129), names on it (SG125), its faces (SG126, SG128)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sitegen.config import Config
from sitegen.findings import finding
from sitegen.images import ImageFacts, device_approved, device_name
from sitegen.model import ADULT, COVER, Finding, ImageRef, Post, Pupil, Register, Severity
from sitegen.policy.names import allowed, name_fix
from sitegen.register import lookup
from sitegen.text import fold, fold_id

if TYPE_CHECKING:  # (the inspection stage runs before the rules: they only read its facts)
    from sitegen.faces import Faces
    from sitegen.inspection import PostPhotos

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


def check_vision(post: Post, photos: PostPhotos, register: Register, today: date) -> list[Finding]:
    """SG125 (a name readable in a photo, by SG114's rule), SG126 (more faces than pupils,
    where no `faces` list says who they are) and SG128 (a `faces` list that does not match)."""
    findings: list[Finding] = []
    named = {fold_id(p) for p in post.named}
    tagged = [p for pid in post.pupils if (p := lookup(register, pid)) is not None]
    guarded = classes_with_safeguarding(register) & {p.class_name for p in tagged}
    for ref in post.images:
        fact = photos.facts.get(ref.file)
        if fact is None or fact.error:  # SG120 or SG121 says why it cannot be read
            continue
        seen = photos.seen.get(ref.file)
        words = seen.words if seen else None
        for pupil, full in names_in_words(words or [], register, tagged):
            if allowed(pupil, full, named, today):
                continue
            kind = "full name" if full else "first name"
            findings.append(
                finding(
                    "SG125",
                    f"image {ref.file} shows the {kind} of {pupil.pupil_id} (read from the "
                    f"photo): {name_fix(pupil, full, named, today, 'cover or crop it')}",
                    post.path,
                    ref.line,
                    pupil.pupil_id,
                )
            )
        found = seen.faces if seen else None
        if ref.faces is not None:
            faces_line = post.line_of(f"images[{post.images.index(ref)}].faces") or ref.line
            findings += [
                finding("SG128", f"image {ref.file}: {problem}", post.path, faces_line)
                for problem in faces_list_problems(ref, found, post.slug)
            ]
        elif found is not None and len(found) > len(ref.pupils):
            findings.append(_uncounted_faces(post, ref, len(found), guarded))
    return findings


def classes_with_safeguarding(register: Register) -> set[str]:
    return {p.class_name for p in register.pupils.values() if p.safeguarding and p.class_name}


def _uncounted_faces(post: Post, ref: ImageRef, faces: int, guarded: set[str]) -> Finding:
    """SG126: more faces than pupils tagged on a photo without a `faces` list. An error when
    the post tags a pupil of a class that holds a pupil under safeguarding: an untagged face
    may be theirs."""
    tagged_here = len(ref.pupils)
    shown = (
        f"image {ref.file} shows {faces} face{'s' if faces != 1 else ''}, "
        f"{tagged_here} pupil{'s' if tagged_here != 1 else ''} tagged"
    )
    if guarded:
        classes = " and ".join(sorted(guarded))
        return finding(
            "SG126",
            f"{shown}, and {classes} {'has' if len(guarded) == 1 else 'have'} a pupil who must "
            "never be identifiable: an untagged face may be theirs. Tag every pupil on it, or "
            f"say who each face is in `faces`, with cover for anyone not tagged (`sitegen faces "
            f"{post.slug}` numbers them)",
            post.path,
            ref.line,
            severity="error",
        )
    return finding(
        "SG126",
        f"{shown}: tag every pupil pictured (adults need no tag), or say who each face is in "
        f"`faces` (`sitegen faces {post.slug}` numbers them)",
        post.path,
        ref.line,
    )


def faces_list_problems(ref: ImageRef, found: Faces | None, slug: str) -> list[str]:
    """What is wrong with an image's `faces` list, given the faces found on it (None: face
    detection is off or cannot run)."""
    entries = ref.faces or ()
    if found is None:
        return [
            "it has a `faces` list, but face detection is off (policy.faces) or cannot run "
            "here, so no face can be covered: it cannot be published until faces are found"
        ]
    problems = []
    if len(entries) != len(found):
        problems.append(
            f"`faces` lists {len(entries)} face{'s' if len(entries) != 1 else ''}, but "
            f"{len(found)} {'were' if len(found) != 1 else 'was'} found: give every numbered "
            f"face one entry, in order (`sitegen faces {slug}` shows the numbers)"
        )
    pupils = {fold_id(p) for p in ref.pupils}
    listed: set[str] = set()
    for entry in entries:
        if entry.lower() in (ADULT, COVER):
            continue
        key = fold_id(entry)
        if not key:
            problems.append(
                f"`faces` has an empty entry: each face is a pupil on the photo, {ADULT} or {COVER}"
            )
        elif key not in pupils:
            problems.append(
                f"`faces` names {entry}, who is not in the image's pupils: a face is a pupil "
                f"on the photo, {ADULT} or {COVER}"
            )
        elif key in listed:
            problems.append(f"`faces` lists {entry} twice: each pupil has one face")
        listed.add(key)
    return problems
