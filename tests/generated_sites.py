"""Generated sites of N approved posts, written for sitegen, Pelican and Hugo alike.

Two corpora of the same texts: each post's title, date, tags, summary and body are the same in
both (the school corpus puts a sentence before the text of a post that names a pupil).

- `posts(n)`, the plain corpus the tests build: text posts to the website and X that tag no
  pupil, with a register whose names appear nowhere.
- `posts(n, school=True)`, a school's workload, which `make bench` builds. About 8 posts in
  100 are for parents only (`audience: parents`, to the closed Facebook page); the others go
  to all four platforms (website, facebook, instagram, x), and about 4 in 10 of those tag
  pupils of the register (36% of all posts). The register has 200 pupils, P1..P200, whose
  consents differ by platform (website 186 of them, facebook 179, instagram 147, x 109),
  91 may be named (66 `yes`, 25 `full`), four have withdrawn. A tagged post tags one to three
  pupils in its text, each with consent everywhere; about one in five of them names one
  (`named`, the first name in the text, or the full name where consent is `full`). Every
  36th tagged post has a photo, whose `pupils` lists one to four pupils of any consent: it
  is left out where one of them has none (SG116), and Instagram takes only posts with a
  photo. Some posts are blocked on purpose, as a school's are when the register changes after
  approval: every 33rd tagged post also tags a pupil whose consent was withdrawn (SG112),
  every 100th writes the first name of a tagged pupil who may not be named (SG114). No
  other pupil's name is in any text, and `sitegen check` finds exactly these errors.
  `census` counts all of it; `expected_website` is what the website must show.

The photos are few and small because sitegen checks each photo and renders it for every
platform it may go to (the website's 480 px as JPEG and WebP, 800 px for each export), while
Pelican and Hugo copy it as a plain file (shown by `![alt](file)` in the text, as their sites
would): a cold build's photos are work only sitegen does. So: one photo in about 100 posts
(10 at 1,000 posts, 40 at 4,000), 800 x 600, four scenes made once per process (with a
camera's grain, so that they cost what a photo costs to encode), each post's copy made
distinct by its EXIF time (its device, the school's iPad, an approved device). What they
cost, measured on this project's shared 2-core machine: the 1,000-post site's cold build
with its 10 photos (17 renders) against the same site without them, 9 rounds side by side,
took 0.40 s more CPU and 0.26 s more wall time (medians), on a build of about 1.5 s (+18%);
about 0.08 s of it is the first photo's (Pillow's encoders loaded), then about 35 ms of CPU
a photo. At 4,000 posts, 40 photos: about 1.4 s of CPU, 0.7 s of wall time (not measured).
A build with nothing changed or one post edited renders none (they are kept by their bytes).
OCR and face counting are off (`python -m bench vision` measures them per photo).
"""

from __future__ import annotations

import functools
import io
import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from shutil import copytree
from typing import Any
from zoneinfo import ZoneInfo

from sitegen.approval import GENESIS, entry_hash, post_digest
from sitegen.content import load_post
from sitegen.model import Post

REPO = Path(__file__).resolve().parent.parent

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

# --- the school corpus ---------------------------------------------------------------------

PLATFORMS = ["website", "facebook", "instagram", "x"]
DEVICE = ("Apple", "iPad (9th generation)")
SCHOOL_TOML = f"""\
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
consent_register = "content/consent.csv"
platforms = ["website", "facebook", "instagram", "x"]
closed_platforms = ["facebook"]
approved_devices = ["{DEVICE[0]} {DEVICE[1]}"]
ocr = "off"
faces = "off"

[images]
widths = [480, 960, 1600]
quality = 82

[exports.x]
max_chars = 280
link_chars = 23
max_images = 4

[exports.instagram]
max_chars = 2200
max_images = 10
requires_image = true

[exports.facebook]
max_chars = 60000
max_images = 10
"""
# Names no generated text holds (not a word of WORDS or TOPICS, not Dewi or Dafydd of the
# tables): a name in a text is always one the corpus put there on purpose.
FIRST_NAMES = [
    "Mia",
    "Osian",
    "Seren",
    "Gethin",
    "Cerys",
    "Tomos",
    "Ffion",
    "Lowri",
    "Harri",
    "Alys",
    "Nia",
    "Aled",
    "Catrin",
    "Elis",
    "Megan",
    "Rhys",
    "Mabli",
    "Ifan",
    "Efa",
    "Cai",
    "Swyn",
    "Jac",
    "Lili",
    "Owain",
    "Erin",
    "Noah",
    "Isla",
    "Oliver",
    "Freya",
    "Leo",
    "Evie",
    "Jacob",
    "Poppy",
    "Oscar",
    "Ava",
    "Arlo",
    "Elsie",
    "Theo",
    "Ruby",
    "Finley",
]
LAST_NAMES = [
    "Jones",
    "Davies",
    "Williams",
    "Evans",
    "Thomas",
    "Roberts",
    "Hughes",
    "Lewis",
    "Morgan",
    "Griffiths",
    "Price",
    "Edwards",
    "Rees",
    "Jenkins",
    "Owen",
    "Powell",
    "Pritchard",
    "Bowen",
    "Watkins",
    "Phillips",
    "Morris",
    "Lloyd",
    "Parry",
    "Howells",
    "Vaughan",
]
WITHDRAWN = (17, 58, 123, 181)  # withdrawn before any build the benchmark makes
WITHDRAWN_ON = "2026-03-01"
CONSENT_SHARE = {"website": 0.95, "facebook": 0.9, "instagram": 0.7, "x": 0.55}

PARENTS_SHARE = 0.08  # of all posts
TAGGED_SHARE = 0.40  # of the public posts
PHOTO_EVERY = 36  # tagged posts: one photo in about 100 posts (see the module's doc)
NAMED_SHARE = 0.25  # of the tagged posts
WITHDRAWN_EVERY = 33  # tagged posts: one tags a pupil whose consent was withdrawn (SG112)
STRAY_NAME_EVERY = 100  # tagged posts: one names a pupil who may not be named (SG114)

SCENES = {  # tests/imagegen's scenes, with what a leader would write as their alt text
    "castle": "Pupils sketching the castle towers from the lawn",
    "sport": "The team on the school field with the football goal",
    "music": "The choir on stage in the school hall",
    "science": "Children at the science table with their experiment",
}
PHOTO_SIZE = (800, 600)


@functools.cache
def register() -> tuple[dict[str, Any], ...]:
    """The school corpus's 200 pupils: consents per platform and name, full names unique."""
    rng = random.Random("register")
    pupils, full_names = [], set()
    for i in range(1, 201):
        first = FIRST_NAMES[i % len(FIRST_NAMES)]
        last = rng.choice(LAST_NAMES)
        while (first, last) in full_names:
            last = rng.choice(LAST_NAMES)
        full_names.add((first, last))
        consent = {p: rng.random() < share for p, share in CONSENT_SHARE.items()}
        roll = rng.random()
        name = "full" if roll < 0.1 else "yes" if roll < 0.45 else "no"
        pupils.append(
            {
                "id": f"P{i}",
                "first": first,
                "last": last,
                "class": f"Year {i % 6 + 1}",
                "consent": consent,
                "name": name,
                "withdrawn_on": WITHDRAWN_ON if i in WITHDRAWN else "",
            }
        )
    return tuple(pupils)


def school_register() -> str:
    yes = {True: "yes", False: "no"}
    rows = [
        f"{p['id']},{p['first']},{p['last']},{p['class']},"
        + ",".join(yes[p["consent"][platform]] for platform in PLATFORMS)
        + f",{p['name']},{p['withdrawn_on']}\n"
        for p in register()
    ]
    return REGISTER.split("\n", 1)[0] + "\n" + "".join(rows)


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


def posts(count: int, seed: int = 1, school: bool = False) -> list[dict[str, Any]]:
    """`count` posts over ten years; `school`: the school corpus (see the module's doc)."""
    rng = random.Random(seed)
    start = date(2016, 1, 1)
    out: list[dict[str, Any]] = []
    for i in range(count):
        day = start + timedelta(days=i * 3650 // max(count, 1))
        title = f"{rng.choice(WORDS).capitalize()} {rng.choice(WORDS)} news {i}"
        out.append(
            {
                "corpus": "school" if school else "plain",
                "slug": f"{day.isoformat()}-post-{i:05d}",
                "title": title,
                "date": day,
                "tags": rng.sample(TOPICS, 2),
                "summary": paragraph(rng, 14),
                "body": body(rng),
                "platforms": ["website", "x"],
                "audience": "public",
                "pupils": [],
                "named": [],
                "images": [],
                "blocked": None,  # or the code that blocks it, on purpose
            }
        )
    if school:
        _school(out, random.Random(f"school-{seed}"))
    return out


def _school(items: list[dict[str, Any]], rng: random.Random) -> None:
    """Audiences, platforms, pupils, names and photos, from a generator of their own: the texts
    stay those of the plain corpus."""
    pupils = register()
    active = [p for p in pupils if not p["withdrawn_on"]]
    everywhere = [p for p in active if all(p["consent"].values())]  # may be in the text
    may_be_named = [p for p in everywhere if p["name"] != "no"]
    never_named = [p for p in everywhere if p["name"] == "no"]
    withdrawn = [p for p in pupils if p["withdrawn_on"]]
    verbs = ["performed", "practised", "painted", "built", "explored", "discovered"]
    tagged = 0
    for i, item in enumerate(items):
        if rng.random() < PARENTS_SHARE:
            item.update(audience="parents", platforms=["facebook"])
            continue
        item["platforms"] = list(PLATFORMS)
        if rng.random() >= TAGGED_SHARE:
            continue
        tagged += 1
        in_text = rng.sample(everywhere, rng.choice((1, 1, 1, 2, 2, 3)))
        images = []
        if tagged % PHOTO_EVERY == PHOTO_EVERY // 2:
            kind = rng.choice(sorted(SCENES))
            shown = rng.sample(active, rng.choice((1, 2, 2, 3, 4)))
            in_text = [p for p in in_text[: rng.choice((0, 0, 1))] if p not in shown]
            images.append(
                {
                    "file": f"{kind}-1.jpg",
                    "alt": SCENES[kind],
                    "pupils": [p["id"] for p in shown],
                    "scene": kind,
                    "stamp": i,
                }
            )
        lead = ""
        if tagged % WITHDRAWN_EVERY == 20:
            in_text.append(rng.choice(withdrawn))
            item["blocked"] = "SG112"
        elif tagged % STRAY_NAME_EVERY == 40:
            stray = rng.choice(never_named)
            if stray not in in_text:
                in_text.append(stray)
            lead = f"Thank you to {stray['first']} for helping."
            item["blocked"] = "SG114"
        elif rng.random() < NAMED_SHARE:
            named = rng.choice(may_be_named)
            if named not in in_text:
                in_text.append(named)
            name = named["first"]
            if named["name"] == "full" and rng.random() < 0.5:
                name += " " + named["last"]
            item["named"] = [named["id"]]
            lead = f"Well done to {name}, who {rng.choice(verbs)} so well this week."
        ids = {p["id"] for p in in_text} | {pid for image in images for pid in image["pupils"]}
        item["pupils"] = sorted(ids, key=lambda pid: int(pid[1:]))
        item["images"] = images
        if lead:
            item["body"] = f"{lead}\n\n{item['body']}"


def photo_allowed(image: dict[str, Any], platform: str) -> bool:
    """Whether every pupil on the photo has consent for `platform`."""
    by_id = {p["id"]: p for p in register()}
    return all(by_id[pid]["consent"][platform] for pid in image["pupils"])


def expected_website(items: list[dict[str, Any]]) -> list[str]:
    """The slugs the website shows: public posts not blocked (every date is in the past)."""
    return [
        str(it["slug"])
        for it in items
        if it["audience"] == "public" and not it["blocked"] and "website" in it["platforms"]
    ]


def editable(items: list[dict[str, Any]]) -> list[str]:
    """Posts a benchmark may edit and have approved again: public and not blocked."""
    return expected_website(items)


def census(items: list[dict[str, Any]]) -> dict[str, int]:
    """What the corpus holds, and the photo renders a cold build of it makes."""
    live = [it for it in items if not it["blocked"]]
    renders = 0
    for it in live:
        for image in it["images"]:
            for platform in it["platforms"]:
                if photo_allowed(image, platform):
                    renders += 1
    return {
        "posts": len(items),
        "tagged": sum(bool(it["pupils"]) for it in items),
        "named": sum(bool(it["named"]) for it in items),
        "pupils on photos": sum(any(im["pupils"] for im in it["images"]) for it in items),
        "photos": sum(len(it["images"]) for it in items),
        "platforms": len({p for it in items for p in it["platforms"]}),
        "parents-only": sum(it["audience"] == "parents" for it in items),
        "blocked": sum(bool(it["blocked"]) for it in items),
        "blocked SG112": sum(it["blocked"] == "SG112" for it in items),
        "blocked SG114": sum(it["blocked"] == "SG114" for it in items),
        "on the website": len(expected_website(items)),
        "photo renders": renders,
    }


@functools.cache
def _scene_jpeg(kind: str) -> bytes:
    """One of the few photos, made once: a drawn scene with a camera's grain, 800 x 600."""
    from PIL import Image

    from tests.imagegen import scene

    img = scene(kind, PHOTO_SIZE, seed=7)
    noise = Image.effect_noise(PHOTO_SIZE, 24).convert("RGB")
    img = Image.blend(img, noise, 0.1)
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def photo_bytes(image: dict[str, Any]) -> bytes:
    """The post's own copy of its scene: the school iPad's EXIF, its own time of taking."""
    import piexif

    stamp = int(image["stamp"])
    taken = datetime(2025, 1, 1) + timedelta(minutes=stamp * 7)
    exif = piexif.dump(
        {
            "0th": {
                piexif.ImageIFD.Make: DEVICE[0].encode(),
                piexif.ImageIFD.Model: DEVICE[1].encode(),
            },
            "Exif": {piexif.ExifIFD.DateTimeOriginal: taken.strftime("%Y:%m:%d %H:%M:%S")},
            "GPS": {},
            "1st": {},
            "thumbnail": None,
        }
    )
    out = io.BytesIO()
    piexif.insert(exif, _scene_jpeg(str(image["scene"])), out)
    return out.getvalue()


def _ids(values: list[str]) -> str:
    return f"[{', '.join(values)}]"


def _header(item: dict[str, Any]) -> str:
    header = (
        f"title: {item['title']}\ndate: {item['date']}\nauthor: jjones\n"
        f"summary: {item['summary']}\ntags: {_ids(item['tags'])}\n"
        f"platforms: {_ids(item['platforms'])}\naudience: {item['audience']}\nlang: en\n"
        f"pupils: {_ids(item['pupils'])}\nnamed: {_ids(item['named'])}\n"
    )
    if not item["images"]:
        return header + "images: []\n"
    header += "images:\n"
    for image in item["images"]:
        header += (
            f"  - file: {image['file']}\n    alt: {image['alt']}\n"
            f"    pupils: {_ids(image['pupils'])}\n"
        )
    return header


def write_sitegen(
    root: Path, items: list[dict[str, Any]], templates: Path = REPO / "templates"
) -> None:
    """A sitegen site whose posts are all approved, with a real audit chain."""
    school = bool(items) and items[0]["corpus"] == "school"
    (root / "content/posts").mkdir(parents=True)
    (root / "content/records").mkdir(parents=True)
    copytree(templates, root / "templates")
    (root / "site.toml").write_text(SCHOOL_TOML if school else SITE_TOML)
    (root / "content/consent.csv").write_text(school_register() if school else REGISTER)
    prev, lines = GENESIS, []
    at = datetime(2026, 1, 1, tzinfo=UTC)
    tz = ZoneInfo("Europe/London")
    for seq, item in enumerate(items, 1):
        folder = root / "content/posts" / str(item["slug"])
        folder.mkdir()
        for image in item["images"]:
            (folder / image["file"]).write_bytes(photo_bytes(image))
        header = _header(item)
        (folder / "index.md").write_text(f"---\n{header}status: draft\n---\n{item['body']}")
        post: Post = load_post(root, folder, tz)
        digest = post_digest(post)
        data: dict[str, Any] = {
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
    (root / "content/records/audit.jsonl").write_text(
        "".join(json.dumps(line, sort_keys=True) + "\n" for line in lines)
    )


def write_pelican(root: Path, items: list[dict[str, Any]]) -> None:
    """The same posts for Pelican; a photo is a static file the post's text shows."""
    (root / "content").mkdir(parents=True)
    for item in items:
        shown = ""
        for image in item["images"]:
            name = f"{item['slug']}-{image['file']}"
            (root / "content/images").mkdir(exist_ok=True)
            (root / "content/images" / name).write_bytes(photo_bytes(image))
            shown += f"![{image['alt']}]({{static}}/images/{name})\n\n"
        (root / "content" / f"{item['slug']}.md").write_text(
            f"Title: {item['title']}\nDate: {item['date']}\nSlug: {item['slug']}\n"
            f"Tags: {', '.join(item['tags'])}\nSummary: {item['summary']}\n"
            f"Author: Mrs Jones\n\n{shown}{item['body']}"
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


def write_hugo(root: Path, items: list[dict[str, Any]]) -> None:
    """The same posts for Hugo; a photo sits in its post's bundle, shown by the text."""
    (root / "content/posts").mkdir(parents=True)
    for item in items:
        folder = root / "content/posts" / str(item["slug"])
        folder.mkdir()
        shown = ""
        for image in item["images"]:
            (folder / image["file"]).write_bytes(photo_bytes(image))
            shown += f"![{image['alt']}]({image['file']})\n\n"
        (folder / "index.md").write_text(
            f'---\ntitle: "{item["title"]}"\ndate: {item["date"]}\n'
            f'tags: [{", ".join(item["tags"])}]\nsummary: "{item["summary"]}"\n---\n'
            f"{shown}{item['body']}"
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


if __name__ == "__main__":
    import sys

    for size in [int(n) for n in sys.argv[1:]] or [1000, 4000]:
        print(size, census(posts(size, school=True)))
