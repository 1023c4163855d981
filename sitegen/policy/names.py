"""Name detection in every string a post publishes (SG114): full names of anyone (with a first
name Welsh mutates, too), first names of tagged pupils (in Welsh posts, their mutated forms
too). Pupil ids are policy/ids.py's."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from functools import cache, lru_cache

from sitegen.findings import finding
from sitegen.model import Finding, Post, Pupil, Register
from sitegen.policy.fields import (
    AS_PUBLISHED,
    Fields,
    Lines,
    source_line,
    text_fields,
    written_in,
)
from sitegen.policy.welsh import mutations, welsh_words
from sitegen.register import lookup
from sitegen.text import (
    Bounded,
    Folded,
    Spans,
    bounded_words,
    escape_unprintable,
    fold,
    fold_fast,
    fold_id,
    fold_markup,
    literal_trie,
    name_words,
    squashed,
)


@dataclass(frozen=True)
class NameMatch:
    pupil: Pupil
    full: bool
    start: int  # offset in the source text
    end: int  # offset just past the match in the source text
    text: str
    mutation: str | None = None  # a Welsh mutation of the first name ("soft" ...), or None
    partial: bool = False  # a later word of a first name of several ("May" of Ella May)
    another_name: bool = False  # a mutated first name that is a name too (Gemma -> Emma)


class NameIndex:
    """The register's names compiled once, for matching many texts."""

    def __init__(self, register: Register) -> None:
        self.register = register
        self.by_full: dict[str, list[Pupil]] = {}  # by the squashed full name
        phrases: dict[str, str] = {}
        for pupil, first, last in _full_names(register):
            phrase = f"{first} {last}"
            self.by_full.setdefault(squashed(phrase), []).append(pupil)
            phrases.setdefault(squashed(phrase), phrase)
        self.full_names = bounded_words(list(phrases.values())) if phrases else None
        # A full name inside a longer joined word, as a hashtag runs words together
        # (#welldonemiajones): the squashed names, wherever they begin.
        self.joined = re.compile(literal_trie(list(self.by_full))) if self.by_full else None
        # A full name with its first name mutated ("i Ddylan Watkins"), in any post; never a
        # pupil's own full name. How it is told: NameHit.warns, NameHit.quiet.
        self.by_mutated: dict[str, list[tuple[Pupil, str, bool]]] = {}
        given = {word for p in register.pupils.values() for word in first_names(p)}
        mutated: dict[str, str] = {}
        for pupil, first, last in _full_names(register):
            for form, kind in mutations(first).items():
                key = squashed(f"{form} {last}")
                if key in self.by_full:
                    continue
                named = form in given  # (Emma for Gemma, where an Emma is a pupil)
                self.by_mutated.setdefault(key, []).append((pupil, kind, named))
                mutated.setdefault(key, f"{form} {last}")
        self.mutated_names = bounded_words(list(mutated.values())) if mutated else None

    def find(self, folded: Folded, tagged: list[Pupil], welsh: bool = False) -> list[NameMatch]:
        """Full names of every pupil, and first names of the tagged ones outside full names
        (with `welsh`, their mutated forms too: Gwen -> wen, ngwen)."""
        matches: list[NameMatch] = []
        spans = Spans()
        if self.full_names is not None and self.joined is not None:
            for m in self.full_names.finditer(folded.text):
                for pupil in self.by_full.get(squashed(m.group(0)), []):
                    matches.append(_match(pupil, True, folded, m))
                spans.add(m.span())
            bounded = spans.frozen()
            for m in self.joined.finditer(folded.text):
                if not bounded.covers(m.start()):
                    matches += [_match(p, True, folded, m) for p in self.by_full[m.group(0)]]
                    spans.add(m.span())
        own: dict[str, list[tuple[int, int]]] = {}  # a mutated full name's span, by pupil
        if self.mutated_names is not None:  # (hiding the first names of others, never)
            bounded = spans.frozen()
            for m in self.mutated_names.finditer(folded.text):
                if not bounded.covers(m.start()):
                    for pupil, kind, named in self.by_mutated.get(squashed(m.group(0)), []):
                        matches.append(_match(pupil, True, folded, m, kind, another_name=named))
                        own.setdefault(pupil.pupil_id, []).append(m.span())
        spans = spans.frozen()
        by_first: dict[str, list[tuple[Pupil, str | None, bool]]] = {}
        phrases: dict[str, str] = {}
        for pupil in tagged:
            forms: dict[str, tuple[str | None, bool]] = {}
            later = later_names(pupil)
            for name in first_names(pupil):  # (the whole name and its first word first)
                for form, mutation in {name: None, **(mutations(name) if welsh else {})}.items():
                    forms.setdefault(form, (mutation, name in later))
            for form, (mutation, partial) in forms.items():
                by_first.setdefault(squashed(form), []).append((pupil, mutation, partial))
                phrases.setdefault(squashed(form), form)
        if by_first:
            for m in _bounded(tuple(sorted(phrases.values()))).finditer(folded.text):
                if spans.covers(m.start()):
                    continue
                for pupil, mutation, partial in by_first.get(squashed(m.group(0)), []):
                    if any(a <= m.start() < b for a, b in own.get(pupil.pupil_id, ())):
                        continue  # (told once: as the full name)
                    matches.append(_match(pupil, False, folded, m, mutation, partial))
        return matches


def _full_names(register: Register) -> Iterator[tuple[Pupil, str, str]]:
    """Each pupil's full names, folded: with each first name they are called by ("Elin
    Davies" is Elin Ffion Davies too), where both names have a letter (a register's "-" for
    an unknown surname is none: "Mia" alone would be a full name)."""
    for pupil in register.pupils.values():
        last = fold(pupil.last_name)
        if name_words(last):
            yield from ((pupil, first, last) for first in first_names(pupil) if name_words(first))


def first_names(pupil: Pupil) -> tuple[str, ...]:
    """The first names a pupil is called by, folded: the whole of it, and each of its words
    when it has several (Elin Ffion is called Elin, and Ffion)."""
    return _called(pupil.first_name)


def later_names(pupil: Pupil) -> tuple[str, ...]:
    """The later words of a first name of several (Mae of Lily-Mae, May of Ella May): often
    ordinary words too ("parents may collect"), so found as a warning to check."""
    called = _called(pupil.first_name)
    return tuple(w for w in called[2:] if w not in called[:2])


@cache
def _called(first_name: str) -> tuple[str, ...]:
    """The whole folded first name, then its words: the first, then the later ones."""
    whole = fold(first_name)
    words = [w for w in re.split(r"[\s\-]+", whole) if w]  # (Elin Ffion, Lily-Mae, "Mia-")
    if len(words) < 2:
        return tuple(words)  # (one word: the name, whatever stray hyphen was typed with it)
    return (whole, *words)


@lru_cache(maxsize=1024)
def _bounded(phrases: tuple[str, ...]) -> Bounded:
    return bounded_words(list(phrases))


def allowed(pupil: Pupil, full: bool, named: set[str], today: date) -> bool:
    """The SG114 rule: a first name needs `named` + yes/full; a full name needs `named` + full."""
    if fold_id(pupil.pupil_id) not in named:
        return False
    consent = pupil.name_consent_on(today)
    return consent == "full" if full else consent in ("yes", "full")


@dataclass(frozen=True)
class NameHit:
    """A pupil's name found in one of a post's texts (found once, judged on every build)."""

    label: str
    line: int
    pupil_id: str
    full: bool
    word: str = ""  # what the text says, as written (for the message)
    mutation: str | None = None  # a Welsh mutation of the first name, or None
    ordinary_word: bool = False  # the mutated form is also an ordinary Welsh word ("wen")
    joined: bool = False  # inside a word that runs words together (#welldonemia)
    partial: bool = False  # a later word of a first name of several ("May" of Ella May)
    another_name: bool = False  # a mutated first name that is a name too (Gemma -> Emma)

    @property
    def maybe(self) -> bool:
        """Found where it may be another word or name: a warning to check, not an error (a
        mutated full name: as `warns` says)."""
        return self.ordinary_word or self.joined or self.partial

    @property
    def mutated_full_name(self) -> bool:
        """A full name with its first name mutated ("i Ddylan Watkins")."""
        return self.full and self.mutation is not None

    def warns(self, pupil: Pupil, welsh: bool) -> bool:
        """Whether this is a warning to check rather than an error. A mutated full name is an
        error for a pupil under safeguarding, and in a Welsh post unless the mutated first
        name may be a name or word of its own (Emma for Gemma, Helen for Elen); elsewhere a
        warning (an English post quotes Welsh only now and then), or nothing (`quiet`)."""
        if not self.mutated_full_name:
            return self.maybe
        if pupil.safeguarding:
            return False
        return not welsh or self.another_name or self.ordinary_word

    def quiet(self, pupil: Pupil, welsh: bool) -> bool:
        """A mutated full name in an English post whose mutated first name may be a name or
        word of its own ("Mrs Helen Davies" for Elen Davies): not told at all, unless the
        pupil is under safeguarding."""
        return (
            self.mutated_full_name
            and not welsh
            and (self.another_name or self.ordinary_word)
            and not pupil.safeguarding
        )


def _untold(
    matches: list[NameMatch], label: str, written: set[tuple[str, str, bool]]
) -> list[NameMatch]:
    """The matches in a field, less those of a published field found where staff wrote it:
    a name is told once, at its line in the file."""
    if not label.endswith(AS_PUBLISHED):
        return matches
    return [m for m in matches if (written_in(label), m.pupil.pupil_id, m.full) not in written]


def _told_as_written(hit: NameHit, written: set[tuple[str, str, bool]]) -> bool:
    return (
        hit.label.endswith(AS_PUBLISHED)
        and (written_in(hit.label), hit.pupil_id, hit.full) in written
    )


def find_names(
    post: Post, index: NameIndex, register: Register, fields: Fields | None = None
) -> tuple[NameHit, ...]:
    """Every name in the post's texts: the costly part, which depends only on names (and, for
    a Welsh post's mutated first names, on the Welsh dictionary)."""
    tagged = [p for pid in post.pupils if (p := lookup(register, pid)) is not None]
    welsh = post.lang == "cy"
    hits: list[NameHit] = []
    written: set[tuple[str, str, bool]] = set()  # (field, pupil, full name) found as written
    for label, text, line in text_fields(post) if fields is None else fields:
        if not text:
            continue
        markup = label == "body"  # every other text is shown as it is written
        quick = fold_fast(text, markup)
        if quick is not None and not _untold(
            index.find(Folded(quick, ()), tagged, welsh), label, written
        ):
            continue  # the quick whole-string fold finds no name: no need to track offsets
        lines = Lines(text)
        for m in _untold(index.find(fold_markup(text, markup), tagged, welsh), label, written):
            word = escape_unprintable(" ".join(text[m.start : m.end].split()))[:60]
            at = line + lines.index(m.start) if line else 0
            if label.endswith(AS_PUBLISHED):
                at = source_line(post, label, line, word)
            else:
                written.add((written_in(label), m.pupil.pupil_id, m.full))
            hits.append(
                NameHit(
                    label,
                    at,
                    m.pupil.pupil_id,
                    m.full,
                    word,
                    m.mutation,
                    partial=m.partial,
                    another_name=m.another_name,
                )
            )
    joined = _in_joined_words(text_fields(post) if fields is None else fields, tagged, hits)
    written |= {
        (written_in(h.label), h.pupil_id, h.full) for h in joined if AS_PUBLISHED not in h.label
    }
    hits += [h for h in joined if not _told_as_written(h, written)]

    # (a mutated first name may be an ordinary Welsh word: of a full name, its first word)
    def said(hit: NameHit) -> str:
        return fold(hit.word).split()[0] if hit.full else fold(hit.word)

    # A tagged pupil's mutated first name alone, only where it is written as a word is (in
    # lower case): "Da iawn, Wen!" is a name. (A full name's: "Mrs Helen Davies" may be.)
    def may_be_a_word(hit: NameHit) -> bool:
        return bool(hit.mutation and fold(hit.word)) and (hit.full or hit.word[:1].islower())

    mutated = {said(h) for h in hits if may_be_a_word(h)}
    ordinary = (welsh_words(mutated) or set()) if mutated else set()
    return tuple(
        replace(h, ordinary_word=said(h) in ordinary) if may_be_a_word(h) else h for h in hits
    )


# Where words run together, written as one: a hashtag (#welldonemia), a tag (which
# Instagram and X show as one), the post's folder name.
HASHTAG = re.compile(r"#(\w+)")
JOINED_FIELDS = ("tags", "folder name")
MIN_JOINED = 3  # (a first name of two letters inside a longer word is too often chance)


def _in_joined_words(fields: Fields, tagged: list[Pupil], found: list[NameHit]) -> list[NameHit]:
    """A tagged pupil's first name inside a word that runs words together, however it is
    written (#WELLDONEMIA, #teammia, welldonemia): where no other match found them. A
    warning, since such a word may hold the name by chance (#academia, #tomorrow)."""
    told = {(h.label, h.pupil_id) for h in found}
    hits = []
    for label, text, line in fields:
        words = (
            [(m.group(0), m.start()) for m in HASHTAG.finditer(text)]
            if label not in JOINED_FIELDS
            else [(w, text.find(w)) for w in re.split(r"[\s,]+", text) if w]
        )
        for word, at in words:
            joined = squashed(fold(word))
            for pupil in tagged:
                if (label, pupil.pupil_id) in told:
                    continue
                if any(len(n) >= MIN_JOINED and squashed(n) in joined for n in first_names(pupil)):
                    where = line + text.count("\n", 0, at) if line else 0
                    hits.append(
                        NameHit(label, where, pupil.pupil_id, False, word[:60], joined=True)
                    )
                    told.add((label, pupil.pupil_id))
    return hits


def judge_names(
    post: Post, hits: tuple[NameHit, ...], register: Register, today: date
) -> list[Finding]:
    """SG114 for the names found: allowed only with `named` and enough name consent today;
    one finding for a pupil's name in one text, at its first line, naming the others (a
    teacher fixes them all at once, not one `check` at a time)."""
    named = {fold_id(p) for p in post.named}
    reported: dict[tuple[str, str, bool, bool], tuple[NameHit, Pupil, list[int], list[str]]] = {}
    labels = dict.fromkeys(h.label for h in hits)
    welsh = post.lang == "cy"
    for label in labels:
        found = [
            (h, p)
            for h in hits
            if h.label == label
            if (p := lookup(register, h.pupil_id)) is not None
        ]
        first_ok = {  # (the words said, as found: "Elin" may be Elin, or Elin Ffion)
            fold(h.word)
            for h, p in found
            if not h.full and not h.partial and allowed(p, h.full, named, today)
        }
        for hit, pupil in found:
            if allowed(pupil, hit.full, named, today) or hit.quiet(pupil, welsh):
                continue
            # A first name shared by several tagged pupils is fine when one of them may be named.
            if not hit.full and fold(hit.word) in first_ok:
                continue
            key = (label, pupil.pupil_id, hit.full, hit.warns(pupil, welsh))
            told = reported.setdefault(key, (hit, pupil, [], []))
            told[2].append(hit.line)
            told[3].append(hit.word)
    findings = []
    for hit, pupil, lines, words in reported.values():
        others = [str(n) for n in sorted({n for n in lines if n and n != hit.line})]
        also = ""
        if others:
            numbers = (
                others[0] if len(others) == 1 else f"{', '.join(others[:-1])} and {others[-1]}"
            )
            also = f" (also on line{'s' if len(others) > 1 else ''} {numbers})"
        # (every way the text writes it, so the teacher fixes them all at once: Domos, Thomos)
        forms: dict[str, str] = {}
        for word in words:
            forms.setdefault(fold(word), word)
        forms.pop(fold(hit.word), None)
        if forms:
            also += " (also written " + ", ".join(f"\u201c{w}\u201d" for w in forms.values()) + ")"
        findings.append(
            finding(
                "SG114",
                _message(pupil, hit, named, today, hit.warns(pupil, welsh)) + also,
                post.path,
                hit.line or None,
                pupil.pupil_id,
                severity="warning" if hit.warns(pupil, welsh) else "error",
            )
        )
    return findings


def name_fix(pupil: Pupil, full: bool, named: set[str], today: date, remove: str) -> str:
    """What to do about a pupil's name where it may not be (`remove`: how to take it out)."""
    consent = pupil.name_consent_on(today)
    who = pupil.pupil_id
    if pupil.safeguarding:
        return f"{remove}: {who} is under safeguarding and may never be named"
    if consent != pupil.name_consent:  # (withdrawn or ended)
        return f"{who} may no longer be named: every consent of theirs is 'no' now"
    if consent == "no":  # (listing them in named would change nothing)
        return f"{remove}: {who}'s name consent is 'no', so their name may not appear"
    if fold_id(who) not in named:
        if full and consent == "yes":
            return (
                f"{remove}, or write the first name only and list {who} in named ({who}'s "
                "name consent is 'yes': a full name needs 'full')"
            )
        return f"{remove}, or list {who} in named if their parent consented"
    if full:
        return (
            f"{pupil.pupil_id}'s name consent is {consent!r}: a full name needs 'full' "
            f"({remove}, or keep the first name only)"
        )
    return f"{pupil.pupil_id} has no consent to be named"


def _message(pupil: Pupil, hit: NameHit, named: set[str], today: date, warns: bool) -> str:
    kind = "full name" if hit.full else "first name"
    if hit.label == "folder name":
        fix = "rename the post's folder (its name is the post's address)"
    else:
        fix = name_fix(pupil, hit.full, named, today, "remove it")
    word = f"\u201c{hit.word}\u201d" if hit.word else "a name"
    if hit.partial:  # (a warning: "parents may collect")
        return (
            f"{word} (part of the first name of {pupil.pupil_id}) appears in the {hit.label}; "
            f"it may be an ordinary word, so check it does not mean the pupil: if it does, {fix}"
        )
    if hit.joined:  # (a warning: "#academia" holds "mia" too)
        return (
            f"{word} runs the first name of {pupil.pupil_id} into other words in the "
            f"{hit.label}: check it does not name the pupil: if it does, {fix}"
        )
    if hit.mutated_full_name:
        seen = (
            f"{word} (the full name of {pupil.pupil_id}, its first name with the "
            f"{hit.mutation} mutation)"
        )
        if not warns:
            return f"{seen} appears in the {hit.label}: {fix}"
        return (
            f"{seen} appears in the {hit.label}; it may be another person's name, so check it "
            f"does not mean the pupil: if it does, {fix}"
        )
    if hit.mutation is None:
        return f"{word} ({kind} of {pupil.pupil_id}) appears in the {hit.label}: {fix}"
    seen = f"{word} (the first name of {pupil.pupil_id}, {hit.mutation} mutation)"
    if hit.ordinary_word:
        return (
            f"{seen} appears in the {hit.label}; it is also an ordinary Welsh word, so check "
            f"it does not mean the pupil: if it does, {fix}"
        )
    return f"{seen} appears in the {hit.label}: {fix}"


def _match(
    pupil: Pupil,
    full: bool,
    folded: Folded,
    m: re.Match[str],
    mutation: str | None = None,
    partial: bool = False,
    another_name: bool = False,
) -> NameMatch:
    start = folded.source_offset(m.start())
    end = folded.source_offset(m.end() - 1) + 1
    return NameMatch(pupil, full, start, end, m.group(0), mutation, partial, another_name)


def redact(
    text: str,
    index: NameIndex,
    others: list[Pupil],
    keep: Pupil | None,
    replacement: str = "[another pupil]",
    markup: bool = False,
) -> str:
    """`text` with every other pupil's name replaced: full names always, first names of `others`."""
    found = index.find(fold_markup(text, markup), [*others, *([keep] if keep else [])])
    own = {(m.start, m.end) for m in found if keep and m.pupil.pupil_id == keep.pupil_id}
    pieces, position = [], 0
    for start, end in sorted({(m.start, m.end) for m in found} - own):
        if start < position:  # overlapping a name already replaced
            continue
        pieces += [text[position:start], replacement]
        position = end
    return "".join([*pieces, text[position:]])
