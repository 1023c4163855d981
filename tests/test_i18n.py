"""Dates in British and Welsh style: the same text Babel's own formatting gives."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date

from sitegen.i18n import LOCALES, list_language, list_prefix, long_date, month_year, strings


@pytest.mark.parametrize("language", ["en", "cy", "fr"])
def test_long_dates_are_babels(language: str) -> None:
    tz = ZoneInfo("Europe/London")
    day = date(2023, 12, 25)
    for _ in range(800):  # every month and day, leap day included
        expected = format_date(day, format="d MMMM y", locale=LOCALES.get(language, "en_GB"))
        moment = datetime(day.year, day.month, day.day, 9, 30, tzinfo=tz)
        assert long_date(moment, language) == expected
        day += timedelta(days=1)


def test_welsh_months_and_interface() -> None:
    moment = datetime(2026, 10, 9, tzinfo=ZoneInfo("Europe/London"))
    assert long_date(moment, "cy") == "9 Hydref 2026"
    assert long_date(moment, "en") == "9 October 2026"
    assert strings("cy")["news"] != strings("en")["news"]


@pytest.mark.parametrize("language", ["en", "cy"])
def test_month_headings_are_babels(language: str) -> None:
    """The archive's headings: a month on its own (Babel's stand-alone "LLLL y")."""
    tz = ZoneInfo("Europe/London")
    for month in range(1, 13):
        moment = datetime(2026, month, 1, tzinfo=tz)
        expected = format_date(moment.date(), format="LLLL y", locale=LOCALES[language])
        assert month_year(moment, language) == expected
    assert month_year(datetime(2026, 11, 3, tzinfo=tz), "cy") == "Tachwedd 2026"


def test_every_interface_text_in_both_languages() -> None:
    assert strings("en").keys() == strings("cy").keys()
    for key, english in strings("en").items():
        welsh = strings("cy")[key]
        assert welsh and english, key
        # The same placeholders, so that either language's text fills the same way.
        assert sorted(re.findall(r"\{\w+\}", welsh)) == sorted(re.findall(r"\{\w+\}", english))


def test_where_each_language_lists_live() -> None:
    assert list_prefix(("cy", "en"), "cy") == "" and list_prefix(("cy", "en"), "en") == "en/"
    assert list_prefix(("en",), "cy") == ""  # one language: every post is listed at the root
    assert list_language(("en",), "cy") == "en" and list_language(("cy", "en"), "en") == "en"
