"""Output for people: rich's colours on a terminal, the same words as plain text elsewhere."""

from __future__ import annotations

import re
import sys
from typing import Any, TextIO

from sitegen.text import escape_unprintable

# rich's own markup grammar (rich.markup): a tag, and the backslashes that may escape it.
TAG = re.compile(r"((\\*)\[([a-z#/@][^[]*?)])")
_ESCAPABLE = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")


def escape(text: str) -> str:
    """Text that markup must show as it is (rich.markup.escape, without importing rich), its
    unprintable characters (controls, bidi overrides) made visible as \\uXXXX."""
    text = _ESCAPABLE.sub(
        lambda m: f"{m.group(1)}{m.group(1)}\\{m.group(2)}", escape_unprintable(text)
    )
    if text.endswith("\\") and not text.endswith("\\\\"):
        return text + "\\"
    return text


def plain(markup: str) -> str:
    """Markup as rich renders its text: tags dropped, escaped brackets kept."""
    out, position = [], 0
    for match in TAG.finditer(markup):
        full, escapes, _ = match.groups()
        out.append(_text(markup[position : match.start()]))
        backslashes, escaped = divmod(len(escapes), 2)
        out.append("\\" * backslashes)
        if escaped:
            out.append(full[len(escapes) :])
        position = match.end()
    out.append(_text(markup[position:]))
    return "".join(out)


def _text(text: str) -> str:
    return text.replace("\\[", "[")  # an escaped bracket that opens no tag, as rich has it


class Plain:
    """A console where output is not a terminal (CI, pipes, files): no colour, and rich is
    never imported (a fifth of the start of every command)."""

    is_terminal = False

    def __init__(self, stderr: bool = False) -> None:
        self.stderr = stderr

    @property
    def file(self) -> TextIO:
        return sys.stderr if self.stderr else sys.stdout  # looked up each time, as rich does

    def print(self, *objects: Any, **_: Any) -> None:
        self.file.write(" ".join(plain(str(o)) for o in objects) + "\n")
        self.file.flush()  # as rich does: stdout and stderr stay in order in one log


def console(stderr: bool = False) -> Any:
    """rich's Console on a terminal, `Plain` elsewhere."""
    stream = sys.stderr if stderr else sys.stdout
    if not stream.isatty():
        return Plain(stderr)
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True, emoji=False)
