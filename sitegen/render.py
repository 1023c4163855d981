"""Pages from published posts: Markdown + nh3 + Jinja2 (autoescaped, strict) -> HTML files."""

from __future__ import annotations

import contextlib
import hashlib
import html
import io
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote, unquote, urljoin, urlparse

from jinja2 import (
    Environment,
    FunctionLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
    select_autoescape,
)
from markupsafe import Markup

from sitegen.config import Config
from sitegen.engine.keys import cache_key
from sitegen.engine.store import RecordFile, fast_reduce
from sitegen.errors import ConfigError
from sitegen.i18n import list_language, list_prefix, long_date, month_year, strings
from sitegen.images import Variant
from sitegen.markup import render_body
from sitegen.model import ImageRef, Post
from sitegen.template_files import (
    DEMO_TEMPLATES,
    CompiledTemplates,
    check_static_links,
    missing_templates,
    template_file,
    template_line,
)
from sitegen.text import slugify

TEMPLATES = (
    "base.html",
    "index.html",
    "post.html",
    "tag.html",
    "archive.html",
    "subscribe.html",
    "404.html",
)
CSP = "default-src 'none'; img-src 'self'; style-src 'self'; base-uri 'none'; form-action 'none'"
# The preview also runs its reload script and listens for rebuilds, from its own origin only.
PREVIEW_CSP = CSP + "; script-src 'self'; connect-src 'self'"
SIZES = "(min-width: 48rem) 44rem, calc(100vw - 2rem)"
# An image in the body: alone in its paragraph (a photo placed between paragraphs, shown as a
# figure with its caption) or within a line of text.
# (Two branches, each starting with its literal: an optional <p> before <img made the regex
# engine try every position of every post, a tenth of a second over a school's site.)
BODY_IMAGE = re.compile(r"(?P<alone><p>\s*(?P<img><img\b[^>]*>)\s*</p>)|<img\b[^>]*>")
LINK_START = re.compile(r'(<a\b[^>]*?\bhref=")([^"]*)("[^>]*>)')
ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')
# A card's picture is a thumbnail beside its text on a wide screen (see site.css).
CARD_SIZES = "(min-width: 40rem) 14rem, calc(100vw - 2rem)"
# An SVG logo's size, from its viewBox ("min-x min-y width height").
SVG_VIEWBOX = re.compile(rb"""<svg\b[^>]*?\bviewBox=["'][^"']*?([\d.]+)[\s,]+([\d.]+)\s*["']""")


@dataclass(frozen=True)
class ImageView:
    """One published image: its files in the post folder, and what a reader is told about it."""

    alt: str
    caption: str
    variants: tuple[Variant, ...]

    @property
    def jpegs(self) -> list[Variant]:
        return [v for v in self.variants if v.format == "jpeg"]

    @property
    def largest(self) -> Variant:
        return self.jpegs[-1]

    @property
    def fallback(self) -> Variant:
        """The src for browsers without srcset: the middle size."""
        return self.jpegs[len(self.jpegs) // 2]

    def srcset(self, fmt: str, prefix: str = "") -> str:
        return ", ".join(f"{prefix}{v.file} {v.width}w" for v in self.variants if v.format == fmt)


class PostView(NamedTuple):
    """A post as the templates see it: only what may be published, nothing from the register.
    (A tuple: a build reads one back for every post of the site.)"""

    slug: str
    title: str
    summary: str
    date: datetime
    lang: str
    author: str | None
    tags: tuple[tuple[str, str], ...]  # (name, slug)
    body: str  # sanitized HTML (a plain str: thousands of views are read back each build)
    images: tuple[ImageView, ...]  # the photos not placed in the body, shown around it
    banner: dict[str, Any] | None = None  # preview only: status and findings
    fingerprint: str = ""  # the hash of everything the view is made of
    translation: str = ""  # the slug of the same post in the other language, or ""
    # When this version was approved, when after its date: feed readers and search engines
    # take a post as changed only when this changes (a correction must reach them).
    updated: datetime | None = None
    # The post's picture on its card and in the feeds: its first published photo, in the body
    # or not (a photo placed in the text was missing from the card).
    picture: ImageView | None = None

    @property
    def last_changed(self) -> datetime:
        return self.updated or self.date

    @property
    def body_html(self) -> Markup:
        return Markup(self.body)

    @property
    def path(self) -> str:
        return f"posts/{self.slug}/"

    def __reduce__(self) -> tuple[Any, ...]:
        return fast_reduce(self)


def post_view(
    post: Post,
    config: Config,
    images: list[tuple[ImageRef, list[Variant]]],
    banner: dict[str, Any] | None = None,
    body_html: str | None = None,
    digest: str = "",
) -> PostView:
    """`body_html`: the post's sanitized HTML when already made; `digest`: its content hash,
    which with the images and banner names everything the view is made of."""
    by_file = {ref.file: ImageView(ref.alt, ref.caption, tuple(v)) for ref, v in images if v}
    assert post.date is not None
    html = render_body(post.body) if body_html is None else body_html
    fingerprint = cache_key(
        "view",
        digest or post.body,
        post.slug,
        post.title,
        post.summary,
        str(post.date),
        post.lang,
        post.author,
        post.tags,
        post.translation,
        [(ref.file, ref.alt, ref.caption, [asdict(v) for v in vs]) for ref, vs in images],
        banner,
        post.approval.at if post.approval else None,
    )
    return PostView(
        fingerprint=fingerprint,
        slug=post.slug,
        title=post.title,
        summary=post.summary,
        date=post.date.astimezone(config.tz),
        lang=post.lang,
        author=config.authors.get(post.author),
        tags=tuple((tag, slugify(tag)) for tag in dict.fromkeys(post.tags)),
        body=str(_body_images(html, by_file, frozenset(ref.file for ref in post.images))),
        images=tuple(view for file, view in by_file.items() if not _in_body(post.body, file)),
        picture=next(iter(by_file.values()), None),
        banner=banner,
        translation=post.translation,
        updated=_approved_after(post, config),
    )


def _approved_after(post: Post, config: Config) -> datetime | None:
    """When the post's version was approved, if after its date (in the school's time zone)."""
    assert post.date is not None
    if post.approval is None:
        return None
    try:
        at = datetime.fromisoformat(post.approval.at.replace("Z", "+00:00"))
    except ValueError:
        return None
    if at.tzinfo is None or at <= post.date:
        return None
    return at.astimezone(config.tz).replace(microsecond=0)


def _in_body(body: str, file: str) -> bool:
    written = "|".join(re.escape(f) for f in {file, quote(file)})  # (a space written %20)
    place = r"\s*<?(?:\./)?"
    return bool(
        re.search(rf"!\[[^\]]*\]\({place}(?:{written})|src=[\"']?(?:\./)?(?:{written})", body)
    )


def _body_images(
    sanitized: str, by_file: dict[str, ImageView], listed: frozenset[str] = frozenset()
) -> str:
    """Images in the body: front-matter images (`listed`) become their published files, and
    links to them go to those files; others go."""

    def replace(match: re.Match[str]) -> str:
        attrs = {k: html.unescape(v) for k, v in ATTR.findall(match.group(0))}
        src = attrs.get("src", "").removeprefix("./")
        view = by_file.get(src) or by_file.get(unquote(src))
        alone = match.group("alone") is not None
        if view is None:  # not published here (consent, or not listed under images)
            return ""
        img = Markup(
            '<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}" loading="lazy">'
        ).format(
            view.fallback.file,
            view.srcset("jpeg"),
            SIZES,
            view.largest.width,
            view.largest.height,
            view.alt,
        )
        if alone and view.caption:  # (as the photos around the body show theirs)
            return str(
                Markup("<figure>{}<figcaption>{}</figcaption></figure>").format(img, view.caption)
            )
        if not alone:
            return str(img)
        start, end = (at - match.start() for at in match.span("img"))
        return match.group(0)[:start] + str(img) + match.group(0)[end:]  # (its spaces kept)

    def linked(match: re.Match[str]) -> str:
        """A link to a listed photo ("see it full size") goes to its largest published copy:
        the original is never published, so the link led nowhere; where the photo is not
        published, the link goes and its words stay."""
        written = html.unescape(match.group(2)).removeprefix("./")
        address = written if written in listed else unquote(written)
        if address not in listed:
            return match.group(0)
        view = by_file.get(address)
        if view is None:
            return "<a>"  # (no address: its words stay, as words)
        return f"{match.group(1)}{html.escape(view.largest.file)}{match.group(3)}"

    return LINK_START.sub(linked, BODY_IMAGE.sub(replace, sanitized))


@dataclass
class Renderer:
    config: Config
    templates: Path
    preview: bool = False
    extra_head: str = ""
    compiled: Path | None = None  # where compiled templates are kept between runs
    # Every file below templates/, read once: pages are rendered from exactly the bytes the
    # fingerprint names, even if a template is saved during the build (workers get these).
    sources: dict[str, bytes] | None = None
    env: Environment = field(init=False)
    fingerprint: str = field(init=False)
    logo: dict[str, Any] | None = field(init=False)  # site.logo: its file and size

    def __post_init__(self) -> None:
        if missing := missing_templates(self.templates, TEMPLATES):
            raise ConfigError(missing, str(self.templates))
        if self.sources is None:
            self.sources = {
                p.relative_to(self.templates).as_posix(): p.read_bytes()
                for p in sorted(self.templates.rglob("*"))
                if p.is_file()
            }
        texts = {}
        for name, data in self.sources.items():
            try:
                texts[name] = data.decode("utf-8")
            except UnicodeDecodeError:
                if name in TEMPLATES:
                    raise ConfigError(
                        "a template must be UTF-8 text", f"templates/{name}"
                    ) from None
        check_static_links(texts, self.sources)
        self.env = Environment(
            # (each named by its file: an error in one says where)
            loader=FunctionLoader(
                lambda name: (
                    (texts[name], f"templates/{name}", lambda: True) if name in texts else None
                )
            ),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            # Jinja checks each template's source against what it compiled: never stale.
            bytecode_cache=CompiledTemplates(str(self.compiled)) if self.compiled else None,
            # The sources are the bytes read above, which cannot change: no check at each page.
            auto_reload=False,
        )
        self.env.globals.update(sizes=SIZES, card_sizes=CARD_SIZES, strings=strings)
        self.env.filters["longdate"] = long_date
        self.env.filters["monthyear"] = month_year
        logo = self.sources.get(f"static/{self.config.logo}") if self.config.logo else None
        self.logo = None
        if logo is not None:
            width, height = logo_size(logo)
            self.logo = {"file": f"static/{self.config.logo}", "width": width, "height": height}
        self.fingerprint = cache_key(
            "renderer",
            sorted(self.sources.items()),
            repr(self.config),
            self.preview,
            self.extra_head,
        )

    def compile_all(self) -> None:
        """Compile every template now (kept in the compiled-templates folder, if any)."""
        for name in TEMPLATES:
            with contextlib.suppress(TemplateError):  # (reported when the page is made)
                self.env.get_template(name)

    def page(
        self,
        template: str,
        path: str,
        language: str | None = None,
        switch: dict[str, str] | None = None,
        **context: Any,
    ) -> bytes:
        """Render one page at `path` (relative to the site root, "" for the home page), its
        interface in `language` (the site's first by default). Its language switch leads to
        `switch`'s page for a language (a path below the site), else to that language's home."""
        language = language or self.config.languages[0]
        try:
            text = self.env.get_template(template).render(
                **self._around(template, path, language, switch or {}), **context
            )
        except TemplateNotFound as exc:
            raise ConfigError(
                f"it uses {exc.name}, which templates/ lacks: copy it from {DEMO_TEMPLATES}",
                f"templates/{template}",
            ) from None
        except TemplateError as exc:
            line = getattr(exc, "lineno", None) or template_line(exc)
            # (the file at fault: base.html, say, which every page extends)
            name = getattr(exc, "name", None) or template_file(exc) or template
            raise ConfigError(f"template error: {exc}", f"templates/{name}", line) from None
        except Exception as exc:  # a template's own expression failing ({{ 1/0 }}, say)
            raise ConfigError(
                f"template error: {type(exc).__name__}: {exc}",
                f"templates/{template_file(exc) or template}",
                template_line(exc),
            ) from None
        return text.encode("utf-8")

    def _around(
        self, template: str, path: str, language: str, switch: dict[str, str]
    ) -> dict[str, Any]:
        """What every page has around its own content: the site, its strings, its menu and
        language switch, its address and its alternates, the logo and the security policy."""
        config = self.config
        root = "../" * path.count("/") if path != "404.html" else urlparse(config.base_url).path
        here = root + list_prefix(config.languages, language)  # this language's lists
        listed = list_language(config.languages, language)
        leads = {
            other: switch.get(other, list_prefix(config.languages, other))
            for other in config.languages
            if other != listed
        }
        return {
            "site": config,
            "t": strings(language),
            "root": root,
            "canonical": urljoin(config.base_url, path),
            "language": language,
            "nav": {
                "home": here or "./",
                "archive": here + "archive/",
                "tags": here + "tags/",
                "subscribe": here + "subscribe/",
                "atom": here + "feed.xml",
                "json": here + "feed.json",
            },
            "switch": [
                {
                    "language": other,
                    "name": strings(other)["language_name"],
                    "href": (root + lead) or "./",
                }
                for other, lead in leads.items()
            ],
            # The same page in another language (a post's published translation, a list both
            # have): for search engines, beside the switch (which else leads to a home page).
            "alternates": [
                {"language": other, "href": urljoin(config.base_url, lead)}
                for other, lead in switch.items()
            ],
            "current": _current(template, path, list_prefix(config.languages, language)),
            "logo": self.logo,
            "preview": self.preview,
            "csp": PREVIEW_CSP if self.preview else CSP,
            "extra_head": Markup(self.extra_head),
        }


def logo_size(data: bytes) -> tuple[int, int]:
    """A logo's width and height in pixels (an SVG's from its viewBox), for the img tag that
    keeps the header from jumping while it loads; a square when they cannot be read."""
    if match := SVG_VIEWBOX.search(data[:4096]):
        width, height = (round(float(n)) for n in match.groups())
        return (width, height) if width > 0 and height > 0 else (1, 1)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (UnidentifiedImageError, OSError, ValueError):
        return (1, 1)


@dataclass(frozen=True)
class PageSpec:
    """One page to make: its template, its posts and its context, before any rendering.
    `brief`: the page shows only each post's title, date and address (the archive), so its key
    names only those, and an edit of a post's text or photos leaves the page alone."""

    template: str
    path: str  # the page's URL path below the site ("" for home), or "404.html"
    views: tuple[PostView, ...]
    context: dict[str, Any]
    brief: bool = False

    def key(self, renderer: Renderer) -> str:
        """The hash of everything the page is made of (posts by their fingerprints). Made for
        every list page of every build: the parts are joined, not serialised (the renderer's
        fingerprint names sitegen's code already)."""
        parts = ["page", renderer.fingerprint, self.template, self.path, repr(self.context)]
        if self.brief:
            parts += [f"{v.slug}\1{v.title}\1{v.date.isoformat()}\1{v.lang}" for v in self.views]
        else:
            parts += [v.fingerprint for v in self.views]
        return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()

    def render(self, renderer: Renderer) -> bytes:
        context = dict(self.context)
        if self.template == "post.html":
            context["post"] = self.views[0]
        elif self.views or self.template != "404.html":
            context["posts"] = list(self.views)
        return renderer.page(self.template, self.path, **context)


def _current(template: str, path: str, home: str) -> str | None:
    """Which link of the site's menu is this page (`aria-current`): none for a post or tag."""
    if template == "index.html":
        return "home" if path == home else None
    return {"archive.html": "archive", "subscribe.html": "subscribe"}.get(template)


def stands_alone(post: PostView, config: Config) -> bool:
    """Whether the post's page is made of the post alone. Not when its language switch may
    lead to its translation: that depends on whether the translation is published, so the page
    is made with the lists (`pages.site_pages`), which see every published post."""
    return not (post.translation and len(config.languages) > 1)


def post_page(post: PostView, twin: tuple[str, str] | None = None) -> tuple[str, PageSpec]:
    """The post's page; `twin`: the language and path of its published translation."""
    context: dict[str, Any] = {"title": post.title, "language": post.lang}
    if twin is not None:
        context["switch"] = {twin[0]: twin[1]}
    return post.path + "index.html", PageSpec("post.html", post.path, (post,), context)


def render_pages(
    renderer: Renderer, posts: list[PostView], cache: RecordFile | None = None
) -> dict[str, bytes]:
    """Every HTML page of the site, by output path (the preview's way: in this process); a
    page whose inputs are unchanged comes from `cache`, keyed by the templates, the settings
    and the fingerprints of its posts."""
    from sitegen.pages import site_pages  # (built on this module)

    out: dict[str, bytes] = {}
    for path, spec in site_pages(renderer.config, posts).items():
        key = spec.key(renderer)
        hit = cache.get(key) if cache is not None else None
        if not isinstance(hit, bytes):
            hit = spec.render(renderer)
            if cache is not None:
                cache.put(key, hit)
        out[path] = hit
    return out
