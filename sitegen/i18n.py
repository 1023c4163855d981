"""The site's interface text in English and Welsh, and dates in British and Welsh style."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache, lru_cache

from babel.dates import get_month_names

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "skip": "Skip to content",
        "home": "Home",
        "news": "Latest news",
        "newer": "Newer posts",
        "older": "Older posts",
        "page_of": "Page {page} of {pages}",
        "tagged": "Posts tagged “{tag}”",
        "tags": "Tags",
        "by": "By {author}",
        "subscribe": "Subscribe",
        "atom": "Atom feed",
        "json_feed": "JSON feed",
        "not_found": "Page not found",
        "not_found_text": "Sorry, there is no page at this address. Try the latest news.",
        "posts_nav": "Pages of posts",
        "read_more": "Read “{title}”",
        "no_posts": "No news yet.",
        "site_nav": "Site",
        "footer": "News from {school}",
    },
    "cy": {
        "skip": "Neidio i’r cynnwys",
        "home": "Hafan",
        "news": "Newyddion diweddaraf",
        "newer": "Negeseuon mwy newydd",
        "older": "Negeseuon hŷn",
        "page_of": "Tudalen {page} o {pages}",
        "tagged": "Negeseuon gyda’r tag “{tag}”",
        "tags": "Tagiau",
        "by": "Gan {author}",
        "subscribe": "Tanysgrifio",
        "atom": "Ffrwd Atom",
        "json_feed": "Ffrwd JSON",
        "not_found": "Heb ddod o hyd i’r dudalen",
        "not_found_text": "Mae’n ddrwg gennym, does dim tudalen yn y cyfeiriad hwn. "
        "Rhowch gynnig ar y newyddion diweddaraf.",
        "posts_nav": "Tudalennau o negeseuon",
        "read_more": "Darllen “{title}”",
        "no_posts": "Dim newyddion eto.",
        "site_nav": "Safle",
        "footer": "Newyddion o {school}",
    },
}
LOCALES = {"en": "en_GB", "cy": "cy"}


def strings(language: str) -> dict[str, str]:
    return STRINGS.get(language, STRINGS["en"])


def long_date(moment: datetime, language: str) -> str:
    """25 November 2026 / 25 Tachwedd 2026."""
    return _long_date(moment.date(), language)


@lru_cache(maxsize=8192)  # each post's date is shown on several list pages
def _long_date(day: date, language: str) -> str:
    # Babel's "d MMMM y": the day, the month's name in the locale's own form, the year. Its
    # pattern machinery costs more per date than the rest of a list page.
    return f"{day.day} {month_names(language)[day.month]} {day.year}"


@cache
def month_names(language: str) -> dict[int, str]:
    """The months as Babel writes them in a date ("format" context, "wide" width)."""
    return dict(get_month_names("wide", "format", LOCALES.get(language, "en_GB")))
