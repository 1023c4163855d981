"""sitegen's hand-written speed-ups of two libraries, fenced: all of them, and the one switch
that runs the stock libraries instead.

- `yaml_plain.py` replaces part of PyYAML: the plain front matter almost every post has is
  read with regular expressions (typed by PyYAML's own resolver), the rest by PyYAML's safe
  loader with plain strings constructed directly.
- `markdown_steps.py` replaces Python-Markdown's loops: its inline step, its block loop and
  two preprocessors skip what cannot match, and a text without a fence is converted
  without the fenced-code extension.

With `SITEGEN_STOCK_LIBRARIES=1` in the environment none of it is imported: front matter is
read by PyYAML's safe loader alone (libyaml's CSafeLoader when present), Markdown by a
`markdown.Markdown` with sitegen's extensions and nothing of sitegen's in it. Both ways
must make the same site, byte for byte: tests/test_stock_libraries.py builds the demo and
a generated site each way, in fresh processes, and compares every output file and
`check --json`; tests/test_content.py and tests/test_markup.py compare each fast path with
its library on generated input.

The switch is read here, once, when sitegen is imported: a process (and every worker forked
from it) runs one way from start to end. It lives in the environment, not in site.toml,
because it says how sitegen is made, not what a site is: a school's settings must never
change which code reads its posts, and a developer can run any site, or the whole test
suite, either way without touching it.

content.py and markup.py reach this package only through `front_matter_reading()` and
`markdown_converter()`: the two seams below.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import yaml

SWITCH = "SITEGEN_STOCK_LIBRARIES"


def switched_on(value: str | None) -> bool:
    """The switch's value read: 1 on; unset, empty or 0 off; anything else an error (a
    mistyped switch must not quietly leave the fast paths on)."""
    if value in (None, "", "0"):
        return False
    if value == "1":
        return True
    raise ValueError(f"{SWITCH} must be 1 (the stock libraries) or 0 (got {value!r})")


STOCK_LIBRARIES = switched_on(os.environ.get(SWITCH))

PlainReading = tuple[dict[str, Any], dict[str, int]]  # a header's values, and each key's line


def _never_plain(header: str) -> PlainReading | None:
    return None  # (every header is read by PyYAML)


def front_matter_reading() -> tuple[Any, Callable[[str], PlainReading | None]]:
    """How content.py reads front matter: the PyYAML loader class it composes and constructs a
    header with, and a reading of a plain header that gives its values and key lines without
    PyYAML, or None to leave the header to the loader."""
    if STOCK_LIBRARIES:
        return getattr(yaml, "CSafeLoader", yaml.SafeLoader), _never_plain
    from sitegen.fastpaths import yaml_plain

    return yaml_plain.Loader, yaml_plain.read_plain


Extensions = Callable[[bool], list[Any]]  # with fenced code or without: the extension objects


def markdown_converter(extensions: Extensions) -> Callable[[str], str]:
    """How markup.py converts a body: a function from Markdown to Python-Markdown's HTML, with
    `extensions(True)` (sitegen's extensions; `extensions(False)`, the same without fenced
    code, only for the fast path's fence-free texts). The converter is made at the first
    body, and reused."""
    if not STOCK_LIBRARIES:
        from sitegen.fastpaths import markdown_steps

        return markdown_steps.converting(extensions)
    import markdown

    made: list[markdown.Markdown] = []

    def convert(body: str) -> str:
        if not made:
            made.append(markdown.Markdown(extensions=extensions(True)))
        return made[0].reset().convert(body)

    return convert
