"""Plain output where there is no terminal: the same words rich would show, rich as the judge."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from rich.markup import escape as rich_escape
from rich.markup import render

from sitegen.terminal import escape, plain

TEXT = st.text(alphabet=st.sampled_from(list("ab [/]\\=#@:x")), max_size=30)


@given(TEXT)
def test_escape_is_riches(text: str) -> None:
    assert escape(text) == rich_escape(text)


@given(TEXT, TEXT)
def test_plain_text_is_what_rich_renders(before: str, after: str) -> None:
    markup = f"[green]{escape(before)}[/] [bold red]{escape(after)}[/]"
    assert plain(markup) == render(markup, emoji=False).plain  # a ":a:" stays as written
