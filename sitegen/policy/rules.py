"""The text rules: functions of a post and the rules' context that judge() runs on every post."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sitegen.model import Finding, Post

if TYPE_CHECKING:  # (the context is the policy package's; rules only read it)
    from sitegen.policy import Context

TextRule = Callable[[Post, "Context"], list[Finding]]

# Filled as the modules holding rules are imported (sitegen.policy imports them all), in that
# order; judge() sorts the findings, so the order rules run in never shows.
TEXT_RULES: list[TextRule] = []


def text_rule(rule: TextRule) -> TextRule:
    """Register `rule` for judge() to run on every post with a header: adding a rule is this
    decorator on one function, and its code's line in sitegen/findings.py."""
    TEXT_RULES.append(rule)
    return rule
