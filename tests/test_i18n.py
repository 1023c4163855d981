"""Dates in British and Welsh style: the same text Babel's own formatting gives."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date

from sitegen.i18n import LOCALES, long_date, strings


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
