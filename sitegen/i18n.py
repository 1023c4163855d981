"""The site's interface text in English and Welsh, dates in British and Welsh style, and where
each language's list pages live."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache, lru_cache

from babel.dates import get_month_names

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "language_name": "English",
        "language_nav": "Language",
        "skip": "Skip to content",
        "home": "Home",
        "news": "Latest news",
        "news_page": "Latest news — page {page}",
        "newer": "Newer posts",
        "older": "Older posts",
        "page_of": "Page {page} of {pages}",
        "tagged": "Posts tagged “{tag}”",
        "tagged_page": "Posts tagged “{tag}” — page {page}",
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
        "archive": "Archive",
        "archive_title": "All the news, month by month",
        "archive_title_in": "All the news in {language}, month by month",
        "elsewhere": "Some news is written in {language} only ({count}):",
        "elsewhere_link": "read it in {language}",
        "school_website": "School website",
        "contact": "Contact the school",
        "logo": "{school} logo",
        "subscribe_title": "Subscribe to the news",
        "subscribe_intro": "You can have the school’s news come to you, instead of visiting "
        "this site to look for it. Every new post goes into a news feed: an address that a "
        "feed reader app checks for you, and shows you what is new.",
        "subscribe_how": "How to subscribe",
        "subscribe_step_app": "Install a feed reader app on your phone or computer, or use one "
        "built into your e-mail program (look for “feeds” or “RSS”).",
        "subscribe_step_copy": "Copy one of the addresses below.",
        "subscribe_step_paste": "In the app, choose to add a feed or a subscription, and paste "
        "the address.",
        "subscribe_addresses": "The addresses to copy",
        "subscribe_atom": "News feed (Atom: works in almost every app)",
        "subscribe_json": "JSON Feed (for apps that ask for one)",
        "subscribe_languages": "Each feed carries the news written in its language, and the "
        "school writes some news in one language only: to have all of it, subscribe to both.",
        "subscribe_privacy": "There is nothing to sign up for and no e-mail address to give: "
        "the school cannot see who subscribes. To stop, remove the feed in your app.",
    },
    "cy": {
        "language_name": "Cymraeg",
        "language_nav": "Iaith",
        "skip": "Neidio i’r cynnwys",
        "home": "Hafan",
        "news": "Newyddion diweddaraf",
        "news_page": "Newyddion diweddaraf — tudalen {page}",
        "newer": "Negeseuon mwy newydd",
        "older": "Negeseuon hŷn",
        "page_of": "Tudalen {page} o {pages}",
        "tagged": "Negeseuon gyda’r tag “{tag}”",
        "tagged_page": "Negeseuon gyda’r tag “{tag}” — tudalen {page}",
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
        "archive": "Archif",
        "archive_title": "Yr holl newyddion, fesul mis",
        "archive_title_in": "Yr holl newyddion yn {language}, fesul mis",
        "elsewhere": "Mae rhai newyddion yn {language} yn unig ({count}):",
        "elsewhere_link": "darllenwch nhw yn {language}",
        "school_website": "Gwefan yr ysgol",
        "contact": "Cysylltu â’r ysgol",
        "logo": "Logo {school}",
        "subscribe_title": "Tanysgrifio i’r newyddion",
        "subscribe_intro": "Gallwch gael newyddion yr ysgol yn dod atoch chi, yn lle ymweld "
        "â’r wefan hon i chwilio amdanyn nhw. Mae pob neges newydd yn mynd i ffrwd newyddion: "
        "cyfeiriad y mae ap darllen ffrydiau yn ei wirio ar eich rhan, gan ddangos beth sy’n "
        "newydd.",
        "subscribe_how": "Sut i danysgrifio",
        "subscribe_step_app": "Gosodwch ap darllen ffrydiau ar eich ffôn neu eich cyfrifiadur, "
        "neu defnyddiwch un sydd yn eich rhaglen e-bost (chwiliwch am “ffrydiau” neu “RSS”).",
        "subscribe_step_copy": "Copïwch un o’r cyfeiriadau isod.",
        "subscribe_step_paste": "Yn yr ap, dewiswch ychwanegu ffrwd neu danysgrifiad, a "
        "gludwch y cyfeiriad.",
        "subscribe_addresses": "Y cyfeiriadau i’w copïo",
        "subscribe_atom": "Ffrwd newyddion (Atom: yn gweithio ym mron pob ap)",
        "subscribe_json": "JSON Feed (ar gyfer apiau sy’n gofyn am un)",
        "subscribe_languages": "Mae pob ffrwd yn rhoi’r newyddion a ysgrifennwyd yn ei hiaith "
        "hi, ac mae’r ysgol yn ysgrifennu rhai newyddion mewn un iaith yn unig: i gael y cyfan, "
        "tanysgrifiwch i’r ddwy.",
        "subscribe_privacy": "Does dim angen cofrestru na rhoi cyfeiriad e-bost: dydy’r ysgol "
        "ddim yn gweld pwy sy’n tanysgrifio. I stopio, tynnwch y ffrwd o’ch ap.",
    },
}
LOCALES = {"en": "en_GB", "cy": "cy"}
# A language's name as it follows "in" / "yn" in a page's language ("yn Gymraeg": mutated).
IN_LANGUAGE = {"en": {"en": "English", "cy": "Welsh"}, "cy": {"en": "Saesneg", "cy": "Gymraeg"}}


def posts_count(language: str, count: int) -> str:
    """"1 post", "3 posts"; "3 neges" (a Welsh noun after a number stays singular)."""
    if language == "cy":
        return f"{count} neges"
    return f"{count} post" if count == 1 else f"{count} posts"


def in_language(page: str, language: str) -> str:
    """`language`'s name as a page in `page`'s language says "in English", "yn Gymraeg"."""
    return IN_LANGUAGE.get(page, IN_LANGUAGE["en"]).get(language, language)


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


def month_year(moment: datetime, language: str) -> str:
    """November 2026 / Tachwedd 2026: a month as a heading names it (Babel's "MMMM y")."""
    return f"{month_names(language, 'stand-alone')[moment.month]} {moment.year}"


@cache
def month_names(language: str, context: str = "format") -> dict[int, str]:
    """The months as Babel writes them: in a date ("format") or on their own ("stand-alone"),
    in full ("wide")."""
    return dict(get_month_names("wide", context, LOCALES.get(language, "en_GB")))


# --- where each language's list pages live ----------------------------------------------------


def list_language(languages: tuple[str, ...], language: str) -> str:
    """The language whose lists show a post (or whose lists a page's links lead to): its own
    on a bilingual site, the site's one language otherwise (where every post is listed)."""
    return language if len(languages) > 1 and language in languages else languages[0]


def list_prefix(languages: tuple[str, ...], language: str) -> str:
    """Where the lists in `language` live below the site: the first language at the root, the
    others under `<lang>/`."""
    listed = list_language(languages, language)
    return "" if listed == languages[0] else f"{listed}/"
