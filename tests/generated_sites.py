"""Generated sites of N approved text posts, written for sitegen, Pelican and Hugo alike."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sitegen.approval import GENESIS, entry_hash, post_digest
from sitegen.content import load_post
from sitegen.model import Post

TOPICS = [
    "sport",
    "music",
    "science",
    "trips",
    "reading",
    "art",
    "eco-council",
    "cymraeg",
    "year-1",
    "year-2",
    "year-3",
    "year-4",
    "year-5",
    "year-6",
    "charity",
    "assemblies",
]
WORDS = [
    "school",
    "children",
    "class",
    "visit",
    "learned",
    "brilliant",
    "wonderful",
    "castle",
    "museum",
    "garden",
    "choir",
    "team",
    "project",
    "science",
    "reading",
    "library",
    "parents",
    "families",
    "thank",
    "everyone",
    "together",
    "painted",
    "built",
    "explored",
    "discovered",
    "celebrated",
    "enjoyed",
    "practised",
    "performed",
]
REGISTER = (
    "pupil_id,first_name,last_name,class,website,facebook,instagram,x,name,"
    "withdrawn_on\n"
    + "".join(
        f"P{i},Name{i},Surname{i},Year {i % 6 + 1},yes,yes,yes,no,no,\n" for i in range(1, 201)
    )
)
SITE_TOML = """\
[site]
title = "Ysgol Meincnod"
base_url = "https://bench.example.sch.uk/"
language = "en"
timezone = "Europe/London"
per_page = 10

[site.authors]
jjones = "Mrs Jones"

[policy]
leaders = ["head"]
platforms = ["website", "facebook", "instagram", "x"]
closed_platforms = ["facebook"]
approved_devices = []
ocr = "off"
faces = "off"

[exports.x]
max_chars = 280
link_chars = 23
max_images = 4
"""


def paragraph(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def body(rng: random.Random) -> str:
    """About 400 words of Markdown: paragraphs, emphasis, a list, a link, sometimes a table."""
    parts = [paragraph(rng, 60), f"Our **{rng.choice(WORDS)}** day was *{rng.choice(WORDS)}*."]
    parts.append("\n".join(f"- {paragraph(rng, 8)}" for _ in range(4)))
    parts.append(paragraph(rng, 80) + " See [our newsletter](https://example.sch.uk/news).")
    if rng.random() < 0.3:
        parts.append("| Team | Points |\n|---|---:|\n| Dewi | 12 |\n| Dafydd | 9 |")
    parts.append("## What next\n\n" + paragraph(rng, 70))
    parts.append(paragraph(rng, 90))
    return "\n\n".join(parts) + "\n"


def posts(count: int, seed: int = 1) -> list[dict[str, object]]:
    rng = random.Random(seed)
    start = date(2016, 1, 1)
    out = []
    for i in range(count):
        day = start + timedelta(days=i * 3650 // max(count, 1))
        title = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} news {i}"
        out.append(
            {
                "slug": f"{day.isoformat()}-post-{i:05d}",
                "title": title,
                "date": day,
                "tags": rng.sample(TOPICS, 2),
                "summary": paragraph(rng, 14),
                "body": body(rng),
            }
        )
    return out


def write_sitegen(root: Path, items: list[dict[str, object]]) -> None:
    """A sitegen site whose posts are all approved, with a real audit chain."""
    from shutil import copytree

    repo = Path(__file__).resolve().parent.parent
    (root / "content/posts").mkdir(parents=True)
    (root / "content/records").mkdir(parents=True)
    copytree(repo / "templates", root / "templates")
    (root / "site.toml").write_text(SITE_TOML)
    (root / "content/consent.csv").write_text(REGISTER)
    prev, lines = GENESIS, []
    at = datetime(2026, 1, 1, tzinfo=UTC)
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Europe/London")
    for seq, item in enumerate(items, 1):
        folder = root / "content/posts" / str(item["slug"])
        folder.mkdir()
        header = (
            f"title: {item['title']}\ndate: {item['date']}\nauthor: jjones\n"
            f"summary: {item['summary']}\ntags: [{', '.join(item['tags'])}]\n"  # type: ignore[arg-type]
            "platforms: [website, x]\naudience: public\nlang: en\npupils: []\n"
            "named: []\nimages: []\n"
        )
        (folder / "index.md").write_text(f"---\n{header}status: draft\n---\n{item['body']}")
        post: Post = load_post(root, folder, tz)
        digest = post_digest(post)
        data = {
            "seq": seq,
            "at": at.isoformat().replace("+00:00", "Z"),
            "action": "approve",
            "post": post.slug,
            "by": "head",
            "digest": digest,
            "prev": prev,
        }
        data["hash"] = prev = entry_hash(data)
        lines.append(data)
        approval = (
            f'status: approved\napproval:\n  by: "head"\n  at: "{data["at"]}"\n'
            f'  digest: "{digest}"\n  entry: "{data["hash"]}"\n'
        )
        (folder / "index.md").write_text(f"---\n{header}{approval}---\n{item['body']}")
    import json

    (root / "content/records/audit.jsonl").write_text(
        "".join(json.dumps(line, sort_keys=True) + "\n" for line in lines)
    )


def write_pelican(root: Path, items: list[dict[str, object]]) -> None:
    (root / "content").mkdir(parents=True)
    for item in items:
        (root / "content" / f"{item['slug']}.md").write_text(
            f"Title: {item['title']}\nDate: {item['date']}\nSlug: {item['slug']}\n"
            f"Tags: {', '.join(item['tags'])}\nSummary: {item['summary']}\n"  # type: ignore[arg-type]
            f"Author: Mrs Jones\n\n{item['body']}"
        )
    (root / "pelicanconf.py").write_text(
        'AUTHOR = "Mrs Jones"\nSITENAME = "Ysgol Meincnod"\nSITEURL = ""\nPATH = "content"\n'
        'TIMEZONE = "Europe/London"\nDEFAULT_LANG = "en"\nDEFAULT_PAGINATION = 10\n'
        "FEED_ALL_ATOM = 'feeds/all.atom.xml'\nCATEGORY_FEED_ATOM = None\n"
        "FEED_MAX_ITEMS = 20\n"  # as sitegen's feeds
        "TRANSLATION_FEED_ATOM = None\nAUTHOR_FEED_ATOM = None\nAUTHOR_FEED_RSS = None\n"
        "ARTICLE_URL = 'posts/{slug}/'\nARTICLE_SAVE_AS = 'posts/{slug}/index.html'\n"
        "LOAD_CONTENT_CACHE = True\nCACHE_CONTENT = True\nCONTENT_CACHING_LAYER = 'reader'\n"
        "CACHE_PATH = 'cache'\n"
        # Closer to the pages sitegen makes (posts, the paginated home and tag pages, a feed):
        # no author or archive pages, no lists of tags, categories or authors. The category
        # pages stay (Pelican's theme needs every post to have one): 400 more list pages.
        "AUTHOR_SAVE_AS = ''\nAUTHORS_SAVE_AS = ''\nCATEGORIES_SAVE_AS = ''\n"
        "ARCHIVES_SAVE_AS = ''\nTAGS_SAVE_AS = ''\n"
    )


HUGO_LAYOUTS = {
    "_default/baseof.html": (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}'
        '</title></head><body><main>{{ block "main" . }}{{ end }}</main></body></html>'
    ),
    "_default/single.html": (
        '{{ define "main" }}<article><h1>{{ .Title }}</h1><p>{{ .Date.Format "2 January 2006" }}'
        "</p>{{ .Content }}<ul>{{ range .Params.tags }}<li>{{ . }}</li>{{ end }}</ul></article>"
        "{{ end }}"
    ),
    "_default/list.html": (
        '{{ define "main" }}{{ $p := .Paginate .Pages 10 }}{{ range $p.Pages }}<article><h2>'
        '<a href="{{ .RelPermalink }}">{{ .Title }}</a></h2><p>{{ .Summary }}</p></article>'
        '{{ end }}{{ if $p.HasNext }}<a href="{{ $p.Next.URL }}">Older</a>{{ end }}{{ end }}'
    ),
    "index.html": (
        # Every regular page is a post: paginating them directly, not through `where`, which
        # Hugo 0.111 evaluates again for each of the 400 home pages (3 s of a 5 s build).
        '{{ define "main" }}{{ $p := .Paginate .Site.RegularPages 10 }}'
        '{{ range $p.Pages }}<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>'
        "<p>{{ .Summary }}</p></article>{{ end }}{{ end }}"
    ),
}


def write_hugo(root: Path, items: list[dict[str, object]]) -> None:
    (root / "content/posts").mkdir(parents=True)
    for item in items:
        folder = root / "content/posts" / str(item["slug"])
        folder.mkdir()
        (folder / "index.md").write_text(
            f'---\ntitle: "{item["title"]}"\ndate: {item["date"]}\n'
            f'tags: [{", ".join(item["tags"])}]\nsummary: "{item["summary"]}"\n---\n'  # type: ignore[arg-type]
            f"{item['body']}"
        )
    for name, text in HUGO_LAYOUTS.items():
        path = root / "layouts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "hugo.toml").write_text(
        'baseURL = "https://bench.example.sch.uk/"\ntitle = "Ysgol Meincnod"\n'
        'languageCode = "en-gb"\nrssLimit = 20\n'
        # The pages sitegen makes, no more: not the posts section's list, the list of tags,
        # or a feed for every tag.
        'disableKinds = ["section", "taxonomy"]\nignoreErrors = ["error-disable-taxonomy"]\n'
        '[outputs]\nhome = ["HTML", "RSS"]\nterm = ["HTML"]\n'
        '[taxonomies]\ntag = "tags"\n'
    )
