"""Which pages the site has: each language's home and its pages, tag pages, month archive and
subscribe page; the 404 page; and the pages of posts whose language switch leads to their
translation. Planned as `PageSpec`s, rendered (or taken from the cache) by the caller."""

from __future__ import annotations

import math
from dataclasses import replace
from urllib.parse import urljoin

from sitegen.config import Config
from sitegen.i18n import in_language, list_language, list_prefix, posts_count, strings
from sitegen.render import PageSpec, PostView, post_page, stands_alone

Twin = tuple[str, str]  # a translation's language and path


def paginate(posts: list[PostView], per_page: int) -> list[list[PostView]]:
    pages = max(1, math.ceil(len(posts) / per_page))
    return [posts[i * per_page : (i + 1) * per_page] for i in range(pages)]


def page_path(number: int, base: str = "") -> str:
    return base if number == 1 else f"{base}page/{number}/"


def by_language(config: Config, posts: list[PostView]) -> dict[str, list[PostView]]:
    """Each of the site's languages with the posts its lists show, newest first as given."""
    listed: dict[str, list[PostView]] = {language: [] for language in config.languages}
    for post in posts:
        listed[list_language(config.languages, post.lang)].append(post)
    return listed


def twins(config: Config, posts: list[PostView]) -> dict[str, Twin]:
    """Each post whose `translation` names a published post in another of the site's
    languages: that post's language and path, where the language switch leads."""
    if len(config.languages) < 2:
        return {}
    published = {post.slug: post for post in posts}
    found = {}
    for post in posts:
        twin = published.get(post.translation) if post.translation else None
        if twin is None:
            continue  # not published (or no such post): the switch leads to the home page
        language = list_language(config.languages, twin.lang)
        if language != list_language(config.languages, post.lang):
            found[post.slug] = (language, twin.path)
    return found


def site_pages(config: Config, posts: list[PostView]) -> dict[str, PageSpec]:
    """Every HTML page of the site by output path: the lists and every post's page."""
    specs = list_pages(config, posts)
    found = twins(config, posts)
    specs.update(post_page(post, found.get(post.slug)) for post in posts)
    return specs


def translated_pages(config: Config, posts: list[PostView]) -> dict[str, PageSpec]:
    """The pages of posts that do not stand alone (`render.stands_alone`): made with the lists,
    which know whether each translation is published."""
    found = twins(config, posts)
    return dict(
        post_page(post, found.get(post.slug)) for post in posts if not stands_alone(post, config)
    )


def list_pages(config: Config, posts: list[PostView]) -> dict[str, PageSpec]:
    """Every language's list pages and the 404 page, by output path (posts newest first). A
    list page's language switch leads to the same page in the other language when there is
    one (the archive, a tag both languages use), else to that language's home page."""
    listed = by_language(config, posts)
    elsewhere = _elsewhere(config, listed, twins(config, posts))
    planned = {
        language: _language_pages(config, language, posts, elsewhere[language])
        for language, posts in listed.items()
    }
    out: dict[str, PageSpec] = {}
    for language, specs in planned.items():
        for local, spec in specs.items():
            switch = {  # (the home pages, "", are each other's too)
                other: list_prefix(config.languages, other) + local
                for other in config.languages
                if other != language and local in planned[other]
            }
            if switch:
                spec = replace(spec, context={**spec.context, "switch": switch})
            out[list_prefix(config.languages, language) + local + "index.html"] = spec
    first = config.languages[0]
    # (one page for every wrong address, whatever its language: said in each, first first)
    others = [
        {**strings(other), "language": other, "home": list_prefix(config.languages, other)}
        for other in config.languages[1:]
    ]
    out["404.html"] = PageSpec(
        "404.html",
        "404.html",
        (),
        {"title": strings(first)["not_found"], "language": first, "others": others},
    )
    return out


def _elsewhere(
    config: Config, listed: dict[str, list[PostView]], found: dict[str, Twin]
) -> dict[str, list[dict[str, object]]]:
    """For each language's home and archive: how many posts each other language has that are
    not also in this one, and where to read them. Each language's lists show its own posts,
    and a parent reading in Welsh took the three Welsh posts for all the school's news."""
    def only_in(theirs: list[PostView], language: str) -> int:
        """How many of `theirs` have no translation in `language`, whichever side names it."""
        named_here = {found[q.slug][1] for q in listed[language] if q.slug in found}
        return sum(
            p.path not in named_here and found.get(p.slug, ("",))[0] != language for p in theirs
        )

    return {
        language: [
            {
                "language": other,
                "name": in_language(language, other),
                "count": posts_count(language, count),
                "href": list_prefix(config.languages, other) + "archive/",
            }
            for other, theirs in listed.items()
            if other != language and (count := only_in(theirs, language))
        ]
        for language in listed
    }


def _language_pages(
    config: Config, language: str, posts: list[PostView], elsewhere: list[dict[str, object]]
) -> dict[str, PageSpec]:
    """One language's list pages, by their path below that language's lists ("" for home)."""
    t = strings(language)
    prefix = list_prefix(config.languages, language)
    out: dict[str, PageSpec] = {}
    pages = paginate(posts, config.per_page)
    for number, chunk in enumerate(pages, 1):
        out[page_path(number)] = PageSpec(
            "index.html",
            page_path(number, prefix),
            tuple(chunk),
            {
                "title": config.title if number == 1 else t["news_page"].format(page=number),
                "language": language,
                "elsewhere": elsewhere if number == 1 else [],
                **_neighbours(number, len(pages), prefix),
            },
        )
    out.update(_tag_pages(config, language, posts))
    out["archive/"] = _archive(config, language, posts, elsewhere)
    out["subscribe/"] = PageSpec(
        "subscribe.html",
        f"{prefix}subscribe/",
        (),
        {
            "title": t["subscribe_title"],
            "language": language,
            # (`feeds`: this language's, as templates written for earlier versions read it)
            "feeds": _feeds(config, language)[0],
            "every_feed": _feeds(config, language),
        },
    )
    return out


def _tag_pages(config: Config, language: str, posts: list[PostView]) -> dict[str, PageSpec]:
    """One language's tag pages, by their path below that language's lists."""
    t, prefix = strings(language), list_prefix(config.languages, language)
    out: dict[str, PageSpec] = {}
    tags: dict[str, tuple[str, list[PostView]]] = {}
    for post in posts:
        for name, slug in post.tags:
            tags.setdefault(slug, (name, []))[1].append(post)
    for slug, (name, tagged) in sorted(tags.items()):
        chunks = paginate(tagged, config.per_page)
        for number, chunk in enumerate(chunks, 1):
            title = t["tagged"] if number == 1 else t["tagged_page"]
            out[page_path(number, f"tags/{slug}/")] = PageSpec(
                "tag.html",
                page_path(number, f"{prefix}tags/{slug}/"),
                tuple(chunk),
                {
                    "tag": name,
                    "title": title.format(tag=name, page=number),
                    "language": language,
                    **_neighbours(number, len(chunks), f"{prefix}tags/{slug}/"),
                },
            )
    return out


def _archive(
    config: Config, language: str, posts: list[PostView], elsewhere: list[dict[str, object]]
) -> PageSpec:
    """One language's month archive: every post it lists, and what the other has besides."""
    t, prefix = strings(language), list_prefix(config.languages, language)
    return PageSpec(
        "archive.html",
        f"{prefix}archive/",
        tuple(posts),
        {
            "title": (
                t["archive_title_in"].format(language=in_language(language, language))
                if len(config.languages) > 1
                else t["archive_title"]
            ),
            "language": language,
            "elsewhere": elsewhere,
        },
        brief=True,
    )


def _feeds(config: Config, language: str) -> list[dict[str, str]]:
    """Every language's feed addresses, this page's language first: a bilingual school writes
    some news in one language only, and a parent who subscribes to one feed misses the rest
    unless the page says so."""
    order = [language, *(other for other in config.languages if other != language)]
    return [
        {
            "language": each,
            "name": strings(each)["language_name"],
            "atom": urljoin(config.base_url, list_prefix(config.languages, each) + "feed.xml"),
            "json": urljoin(config.base_url, list_prefix(config.languages, each) + "feed.json"),
        }
        for each in order
    ]


def _neighbours(number: int, pages: int, base: str) -> dict[str, object]:
    return {
        "page": number,
        "pages": pages,
        "newer": page_path(number - 1, base) if number > 1 else None,
        "older": page_path(number + 1, base) if number < pages else None,
    }
