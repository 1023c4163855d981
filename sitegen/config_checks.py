"""The checks of site.toml's values: each says what is wrong with a value, or None."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Check = Callable[[Any], str | None]


def _is_str(v: Any) -> str | None:
    return None if isinstance(v, str) else "must be a string"


def _is_nonempty_str(v: Any) -> str | None:
    return _is_str(v) or (None if v.strip() else "must not be empty")


def _inside_the_site(v: Any) -> str | None:
    """A path inside the site folder (the register is the site's own, never another file)."""
    if problem := _is_nonempty_str(v):
        return problem
    parts = v.replace("\\", "/").split("/")
    if v.startswith(("/", "~")) or ".." in parts or re.match(r"[A-Za-z]:", v):
        return "must be a path inside the site folder, such as content/consent.csv"
    return None


def _is_int(low: int, high: int | None = None) -> Check:
    def check(v: Any) -> str | None:
        if not isinstance(v, int) or isinstance(v, bool):
            return "must be a whole number"
        if v < low or (high is not None and v > high):
            return f"must be between {low} and {high}" if high else f"must be at least {low}"
        return None

    return check


def _is_float(v: Any) -> str | None:
    ok = isinstance(v, int | float) and not isinstance(v, bool)
    if ok and not math.isfinite(v):  # (nan compares false with everything: a check off)
        return "must be a number (not nan or inf)"
    return None if ok else "must be a number"


def _is_bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else "must be true or false"


def _one_of(*choices: str) -> Check:
    def check(v: Any) -> str | None:
        return None if v in choices else "must be one of " + ", ".join(f'"{c}"' for c in choices)

    return check


def _str_list(v: Any) -> str | None:
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        return "must be a list of strings"
    return None


def _int_list(v: Any) -> str | None:
    if not isinstance(v, list) or not v:
        return "must be a non-empty list of whole numbers"
    if not all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in v):
        return "must be a non-empty list of whole numbers"
    return None


def _base_url(v: Any) -> str | None:
    if not isinstance(v, str):
        return "must be a string"
    if not re.match(r"^https?://[^/\s]+/(\S*/)?$", v):
        return 'must be an absolute http(s) URL ending with "/"'
    return None


def _timezone(v: Any) -> str | None:
    if not isinstance(v, str):
        return "must be a string"
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError):
        return f'"{v}" is not a known time zone (for example "Europe/London")'
    return None


def _authors(v: Any) -> str | None:
    if not isinstance(v, dict) or not all(isinstance(x, str) for x in v.values()):
        return "must be a table of username = display name"
    return None


def _leader_keys(v: Any) -> str | None:
    """The table's shape; each key is checked at its own line (config._check_leader_keys)."""
    if not isinstance(v, dict) or not all(isinstance(k, str) for k in v.values()):
        return 'must be a table of leader = "ssh-ed25519 AAAA... (their public key)"'
    return None


def _str_table(v: Any) -> str | None:
    if not isinstance(v, dict) or not all(isinstance(x, str) and x.strip() for x in v.values()):
        return 'must be a table of column = "the header in your export"'
    return None


def _register_values(v: Any) -> str | None:
    """[register.values]: yes, no and full, each a list of the export's words for it."""
    example = 'for example yes = ["Granted"], no = ["Refused", "Not asked"]'
    if not isinstance(v, dict):
        return f"must be a table of yes, no and full: {example}"
    unknown = [k for k in v if k not in ("yes", "no", "full")]
    if unknown:
        return f"has {', '.join(unknown)}: only yes, no and full map ({example})"
    if any(_str_list(words) for words in v.values()):
        return f"must give each a list of strings: {example}"
    words = [w.strip().lower() for words in v.values() for w in words]
    twice = sorted({w for w in words if words.count(w) > 1})
    return f"gives {', '.join(twice)} two meanings: one each" if twice else None


def _languages(v: Any) -> str | None:
    if not isinstance(v, list) or not v or not all(x in ("en", "cy") for x in v):
        return 'must be a list of "en" and "cy", for example ["cy", "en"]'
    return "names a language twice" if len(set(v)) != len(v) else None


def _optional_url(v: Any) -> str | None:
    if not isinstance(v, str) or not re.match(r"^https?://[^/\s]+(/\S*)?$", v):
        return 'must be an absolute http(s) address, for example "https://www.example.sch.uk/"'
    return None


def _email(v: Any) -> str | None:
    if not isinstance(v, str) or not re.fullmatch(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+", v):
        return 'must be an e-mail address, for example "admin@example.sch.uk"'
    return None


def _static_file(v: Any) -> str | None:
    if not isinstance(v, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", v):
        return 'must be a file name in templates/static/, for example "logo.png"'
    return None


def _slug_list(v: Any) -> str | None:
    if _str_list(v):
        return "must be a list of strings"
    bad = [x for x in v if not re.fullmatch(r"[a-z][a-z0-9_-]*", x)]
    if bad:
        return f"has invalid names: {', '.join(bad)}"
    twice = sorted({x for x in v if v.count(x) > 1})
    return f"names {', '.join(twice)} twice: keep one" if twice else None
