"""Welsh for name detection: initial-consonant mutations of first names, and a Welsh word list."""

from __future__ import annotations

import glob
import shutil
import subprocess
from collections.abc import Iterable
from functools import cache

from sitegen.text import fold

# Welsh digraphs are single letters, so they are matched before their first character: "llinos"
# is ll+inos (soft "linos"), and "chloe", "thomas", "phoebe", "ffion", "dd..." and "ng..." start
# with letters that do not mutate at all, not with a "c", "t", "p", "f", "d" or "n".
DIGRAPHS = ("ch", "dd", "ff", "ng", "ll", "ph", "rh", "th")

# Initial letter -> {mutation kind: replacement}. A letter that is not here does not mutate.
MUTATIONS: dict[str, dict[str, str]] = {
    "p": {"soft": "b", "nasal": "mh", "aspirate": "ph"},
    "t": {"soft": "d", "nasal": "nh", "aspirate": "th"},
    "c": {"soft": "g", "nasal": "ngh", "aspirate": "ch"},
    "b": {"soft": "f", "nasal": "m"},
    "d": {"soft": "dd", "nasal": "n"},
    "g": {"soft": "", "nasal": "ng"},
    "m": {"soft": "f"},
    "ll": {"soft": "l"},
    "rh": {"soft": "r"},
}

VOWELS = frozenset("aeiouwy")

# The dictionary, in full forms: aspell-cy (Debian) has no affix file, so its word list already
# spells out mutated forms ("wen", "fach", "gath", "helin"). --encoding keeps the output UTF-8
# under a C locale, where aspell would otherwise write the dictionary's ISO 8859-14.
ASPELL_DUMP = ("--lang=cy", "--encoding=utf-8", "dump", "master")


def _initial(word: str) -> str:
    """The word's first Welsh letter: a digraph or a single character."""
    return word[:2] if word.startswith(DIGRAPHS) else word[:1]


def mutations(first_name: str) -> dict[str, str]:
    """The mutated forms of a folded first name, each mapped to its mutation kind.

    Only the first word mutates ("elin ffion" -> "helin ffion"). The name itself and forms of
    fewer than 2 letters (soft "g" dropped from "gi") are never returned.
    """
    name = " ".join(first_name.lower().split())
    if not name:
        return {}
    initial = _initial(name)
    rest = name[len(initial) :]
    forms: dict[str, str] = {}
    for kind, replacement in MUTATIONS.get(initial, {}).items():
        forms[replacement + rest] = kind
    if initial in VOWELS:
        forms["h" + name] = "h-prothesis"
    return {form: kind for form, kind in forms.items() if form != name and len(form) >= 2}


@cache
def _dictionary() -> frozenset[str] | None:
    """The folded lowercase words of aspell's Welsh dictionary, or None when it is not installed.

    Capitalised entries are proper nouns ("Catrin", "Iwan", "Llanelwy"): a name is not an
    ordinary word just because the dictionary knows it, so they are left out.
    """
    aspell = shutil.which("aspell")
    if aspell is None:
        return None
    try:
        result = subprocess.run(
            [aspell, *ASPELL_DUMP],
            capture_output=True,
            encoding="utf-8",
            errors="replace",
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:  # aspell without the cy dictionary says so on stderr
        return None
    # Lowercase ASCII entries are already folded; only the accented few (about 1%) need fold().
    words = frozenset(
        word if word.isascii() else fold(word)
        for word in result.stdout.split()
        if word == word.lower()
    )
    return words or None


def dictionary_installed() -> bool:
    """Whether aspell and its Welsh dictionary are on disk, told without running them (a
    command's start asks, for its cache keys: a result made without the dictionary must not
    outlive its installation)."""
    return shutil.which("aspell") is not None and any(
        glob.glob(pattern) for pattern in ("/usr/lib/aspell/cy.multi", "/usr/lib/*/aspell/cy.multi")
    )


def welsh_words_available() -> bool:
    """Whether a Welsh dictionary is installed (Debian: aspell-cy)."""
    return _dictionary() is not None


def welsh_words(forms: Iterable[str]) -> set[str] | None:
    """The forms (as given) that are ordinary Welsh words; None when no dictionary is installed."""
    words = _dictionary()
    if words is None:
        return None
    return {form for form in forms if fold(form) in words}


def is_welsh_word(word: str) -> bool | None:
    """Whether a word (folded as names are) is an ordinary Welsh word; None without a dictionary."""
    words = _dictionary()
    if words is None:
        return None
    return fold(word) in words
