"""Exports per platform: consent per image, text limits as platforms count, bundles and CSV."""

from __future__ import annotations

import csv
import io
import json
import re

from sitegen.config import ExportConfig
from sitegen.exports import compose, counted_length
from sitegen.markup import plain_text
from sitegen.model import Post
from tests.conftest import SiteDir

LONG_BODY = (
    "Year 4 spent a brilliant day at the castle, sketching towers and learning "
    "about the people who built it. " * 12
)


def approve(run, site: SiteDir, *slugs: str) -> None:  # type: ignore[no-untyped-def]
    result = run(site, "approve", *slugs, "--by", "head", now="2026-11-21T09:00")
    assert result.code == 0, result.err


def exports(site: SiteDir) -> dict[str, dict[str, dict]]:
    out: dict[str, dict[str, dict]] = {}
    for manifest in (site.root / "build/exports").glob("*/*/manifest.json"):
        data = json.loads(manifest.read_text())
        out.setdefault(data["platform"], {})[data["slug"]] = data
    return out


def test_consent_per_image_across_platforms(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    # P1: every platform; P2: website + facebook; P4: website only.
    site.post(
        "trip",
        files={"all.jpg": "castle", "two.jpg": "beach", "web.jpg": "books"},
        pupils=["P1", "P2", "P4"],
        platforms=["website", "facebook", "instagram", "x"],
        body="A trip.\n",
        images=[
            {"file": "all.jpg", "alt": "Towers", "pupils": ["P1"]},
            {"file": "two.jpg", "alt": "The beach", "pupils": ["P1", "P2"]},
            {"file": "web.jpg", "alt": "Books", "pupils": ["P4"]},
        ],
    )
    approve(run, site, "trip")
    assert run(site, "build").code == 0
    got = {
        platform: [i["file"] for i in bundles["trip"]["images"]]
        for platform, bundles in exports(site).items()
    }
    assert set(got) == {"facebook", "instagram", "x"}
    # photo-N: the image's place in the post (all.jpg 1, two.jpg 2, web.jpg 3).
    assert [f.split("-")[2] for f in got["facebook"]] == ["1", "2"]
    assert [f.split("-")[2] for f in got["instagram"]] == ["1"]
    assert [f.split("-")[2] for f in got["x"]] == ["1"]
    website = sorted(p.name for p in (site.root / "build/site/posts/trip").glob("*.jpg"))
    assert {name.split("-")[1] for name in website} == {"1", "2", "3"}
    report = json.loads((site.root / "build/report.json").read_text())
    assert report["exported"]["instagram"] == [{"slug": "trip", "images": got["instagram"]}]
    # Export images are sized for the platform.
    from PIL import Image

    with Image.open(next((site.root / "build/exports/instagram/trip").glob("*.jpg"))) as img:
        assert img.width == 640  # smaller than 1080: never enlarged
    checked = run(site, "check", "--json").json()["posts"][0]["findings"]
    assert {(f["code"], f["platform"]) for f in checked} >= {("SG116", "instagram"), ("SG116", "x")}


def test_x_text_within_280_with_the_link_whole(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.post("long", body=LONG_BODY, platforms=["website", "x"], tags=["year-4", "trips"])
    approve(run, site, "long")
    assert run(site, "build").code == 0
    text = (site.root / "build/exports/x/long/post.txt").read_text().rstrip("\n")
    link = "https://news.test.sch.uk/posts/long/"
    assert text.endswith(link)
    assert counted_length(text, 23) <= 280
    assert counted_length(text, 23) > 140  # it uses at least half the room it has
    words = text.split("\n\n#year4")[0]
    assert words.endswith("who built it.") and "…" not in words  # at a sentence's end
    assert "#year4 #trips" in text
    manifest = json.loads((site.root / "build/exports/x/long/manifest.json").read_text())
    assert manifest["text"] == text and manifest["link"] == link
    assert set(manifest) >= {"slug", "title", "platform", "date", "text", "link", "images"}


def test_instagram_skips_posts_without_images(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.post("words", platforms=["website", "instagram"])
    site.post(
        "shy",
        files={"a.jpg": "castle"},
        platforms=["website", "instagram"],
        pupils=["P2"],
        images=[{"file": "a.jpg", "alt": "Towers", "pupils": ["P2"]}],
    )
    approve(run, site, "words", "shy")
    assert run(site, "build").code == 0
    report = json.loads((site.root / "build/report.json").read_text())
    assert report["exported"]["instagram"] == []
    reasons = {(x["slug"], x["platform"]): x["reason"] for x in report["left_out"]}
    assert "needs an image" in reasons[("words", "instagram")]
    assert "needs an image" in reasons[("shy", "instagram")]  # its one photo lacks consent
    assert not (site.root / "build/exports/instagram/words").exists()
    assert (
        site.root / "build/exports/instagram/bulk.csv"
    ).read_text().strip() == "date,text,link,images"


def test_parents_only_goes_only_to_the_closed_platform_without_a_link(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.post(
        "evening",
        audience="parents",
        platforms=["facebook"],
        body="Parents' evening is on Thursday.\n",
    )
    approve(run, site, "evening")
    assert run(site, "build").code == 0
    got = exports(site)
    assert list(got) == ["facebook"] and got["facebook"]["evening"]["link"] is None
    text = (site.root / "build/exports/facebook/evening/post.txt").read_text()
    assert "http" not in text
    assert not (site.root / "build/site/posts/evening").exists()
    assert "evening" not in (site.root / "build/site/feed.xml").read_text()


def test_bulk_csv_has_spec_columns_and_relative_images(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.post(
        "a",
        files={"a.jpg": "castle", "b.jpg": "beach"},
        platforms=["website", "facebook"],
        images=[{"file": "a.jpg", "alt": "Towers"}, {"file": "b.jpg", "alt": "Sand"}],
    )
    site.post(
        "b", date="2026-11-21", platforms=["website", "facebook"], body='He said "hi", then left.\n'
    )
    approve(run, site, "a", "b")
    assert run(site, "build").code == 0
    folder = site.root / "build/exports/facebook"
    rows = list(csv.DictReader(io.StringIO((folder / "bulk.csv").read_text())))
    assert list(rows[0]) == ["date", "text", "link", "images"]
    assert [r["link"] for r in rows] == [
        "https://news.test.sch.uk/posts/a/",
        "https://news.test.sch.uk/posts/b/",
    ]
    images = rows[0]["images"].split("|")
    assert len(images) == 2 and all((folder / path).is_file() for path in images)
    assert rows[1]["images"] == "" and "“hi”" in rows[1]["text"]


def test_max_images_keeps_the_first(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    files = {f"picture-{i}.jpg": "castle" for i in range(6)}
    site.post(
        "many",
        files=files,
        platforms=["website", "x"],
        images=[
            {"file": f"picture-{i}.jpg", "alt": f"Picture {i}", "pupils": []} for i in range(6)
        ],
    )
    approve(run, site, "many")
    assert run(site, "build").code == 0
    x = exports(site)["x"]["many"]["images"]
    assert [i["alt"] for i in x] == ["Picture 0", "Picture 1", "Picture 2", "Picture 3"]


def test_counted_length_and_compose_edge_cases() -> None:
    assert counted_length("see https://example.org/a/very/long/path/indeed", 23) == 4 + 23
    assert counted_length("no links", 23) == 8
    post = Post(
        slug="s",
        folder=None,
        path="p",
        body="https://example.org/" + "x" * 300,  # type: ignore[arg-type]
        body_line=1,
        meta={},
        title="T" * 400,
        summary="",
        tags=("a",),
    )
    text = compose(post, "x", ExportConfig("x", 280, 4, 23), "https://n.example/posts/s/").text
    assert counted_length(text, 23) <= 280 and text.endswith("https://n.example/posts/s/")
    assert plain_text("Line one\nline two\n\n* item") == "Line one line two\n\n• item"


def test_hashtags_keep_welsh_letters() -> None:
    """#côr is a choir; #cor, what the accent-stripping made of it, another word. A tag with
    no letter (#100) is no hashtag on Instagram or X (found by a head's tour)."""
    post = Post(
        slug="s",
        folder=None,  # type: ignore[arg-type]
        path="p",
        body="Da iawn pawb.",
        body_line=1,
        meta={},
        title="Cyngerdd",
        summary="",
        tags=("côr", "Tŷ Dewi", "gŵyl-dewi", "100", "year-4"),
    )
    text = compose(post, "x", ExportConfig("x", 280, 4, 23), "https://n.example/posts/s/").text
    assert "#côr #tŷdewi #gŵyldewi #year4" in text and "#100" not in text, text


# --- exports a leader can paste without re-editing ------------------------------------------

CASTLE = (
    "We had a wonderful day at the castle. Everyone drew the towers and learned about "
    "the Marquess of Bute, who rebuilt it in the 1870s. Thank you to all the parents who "
    "helped on the day, and to the staff at Cadw for a warm welcome and a brilliant tour "
    "of the kitchens, the towers and the gardens, which the children loved.\n"
)


def test_x_text_ends_at_a_sentence_where_it_can(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.post("castle", body=CASTLE, summary="", tags=[], platforms=["website", "x"])
    approve(run, site, "castle")
    assert run(site, "build").code == 0
    text = exports(site)["x"]["castle"]["text"]
    words, link = text.rsplit("\n\n", 1)
    assert link == "https://news.test.sch.uk/posts/castle/"
    assert counted_length(text, 23) <= 280
    assert words.endswith("in the 1870s.") and "…" not in words  # a whole sentence, as written


def test_a_cut_with_no_sentence_end_is_at_a_clause_or_a_word_with_an_ellipsis() -> None:
    from sitegen.exports import _cut

    one_sentence = "Thank you to all the parents who helped, and to the staff at Cadw for a tour"
    assert _cut(one_sentence, 60) == "Thank you to all the parents who helped…"
    no_commas = "Thank you to all the parents who helped on the day at the castle in the rain"
    assert _cut(no_commas, 41) == "Thank you to all the parents who helped…"


def test_instagram_captions_link_as_spec_says_or_as_the_school_says(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.post(
        "castle",
        body=CASTLE,
        files={"a.jpg": "castle"},
        platforms=["website", "instagram", "facebook"],
        images=[{"file": "a.jpg", "alt": "The castle", "pupils": []}],
    )
    approve(run, site, "castle")
    assert run(site, "build").code == 0
    bundles = exports(site)
    # As SPEC lays post.txt out: the link to the website post, on Instagram too (found by
    # the SPEC audit: Instagram said "Link in bio" unless told otherwise).
    assert bundles["instagram"]["castle"]["text"].endswith("/posts/castle/")
    assert bundles["facebook"]["castle"]["text"].endswith("/posts/castle/")
    # The school may say otherwise per platform: "Link in bio" (Instagram never makes an
    # address in a caption a link), or no link at all.
    toml = (site.root / "site.toml").read_text()
    site.config(toml.replace("requires_image = true", 'requires_image = true\nlink = "bio"'))
    assert run(site, "build").code == 0
    caption = exports(site)["instagram"]["castle"]["text"]
    assert caption.endswith("Link in bio") and "https://" not in caption
    site.config(toml.replace("requires_image = true", 'requires_image = true\nlink = "none"'))
    assert run(site, "build").code == 0
    caption = exports(site)["instagram"]["castle"]["text"]
    assert "Link in bio" not in caption and "https://" not in caption


def test_bulk_csv_text_leaves_the_link_to_its_own_column(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.post("castle", body=CASTLE, platforms=["website", "facebook"])
    approve(run, site, "castle")
    assert run(site, "build").code == 0
    rows = list(
        csv.DictReader(io.StringIO((site.root / "build/exports/facebook/bulk.csv").read_text()))
    )
    (row,) = rows
    assert row["link"] == "https://news.test.sch.uk/posts/castle/"
    assert row["link"] not in row["text"] and row["text"].endswith("the children loved.")
    post_txt = (site.root / "build/exports/facebook/castle/post.txt").read_text()
    assert post_txt.rstrip().endswith(row["link"])  # pasted by hand, the link comes with it


def test_a_link_in_the_text_keeps_its_address_in_every_export(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """ "More details are in the term dates page." reached Facebook, X and bulk.csv with no
    address: parents had no way to the details (found by the exports tour)."""
    body = (
        "More details are in the [term dates page](https://www.example.sch.uk/term-dates).\n\n"
        "Write to [the office](mailto:office@example.sch.uk) or see "
        "<https://www.example.sch.uk/>.\n"
    )
    site.post("dates", body=body, platforms=["website", "facebook", "x"])
    approve(run, site, "dates")
    assert run(site, "build").code == 0
    for platform in ("facebook", "x"):
        text = (site.root / f"build/exports/{platform}/dates/post.txt").read_text()
        assert "the term dates page (https://www.example.sch.uk/term-dates)." in text, text
        assert "the office (office@example.sch.uk)" in text
        assert (
            text.count("https://www.example.sch.uk/ ") + text.count("https://www.example.sch.uk/.")
            == 1
        )  # (an address written as itself is not said twice)
        assert counted_length(text, 23 if platform == "x" else None) <= (
            280 if platform == "x" else 60000
        )
    with (site.root / "build/exports/facebook/bulk.csv").open() as handle:
        (row,) = list(csv.DictReader(handle))
    assert "(https://www.example.sch.uk/term-dates)" in row["text"]


def test_a_spelled_out_address_is_counted_as_x_counts_it_and_never_twice(
    run, site: SiteDir
) -> None:  # type: ignore[no-untyped-def]
    """X counts an address as 23 up to the punctuation after it, and a bare domain as an
    address: "(https://bit.ly/ab)." was counted as one address, and the text went 2 over
    280. A link whose words are its address was written twice (found by a review)."""
    body = (
        " ".join(["The whole class had a brilliant day at the castle."] * 5)
        + " Term dates are on [www.example.sch.uk](https://www.example.sch.uk/). The form is on"
        " the [trip page](https://bit.ly/ab). Tickets: [example.sch.uk/tickets]"
        "(https://example.sch.uk/tickets?event=42).\n"
    )
    site.post("trip", body=body, platforms=["website", "x", "facebook"])
    approve(run, site, "trip")
    assert run(site, "build").code == 0
    x = (site.root / "build/exports/x/trip/post.txt").read_text().rstrip("\n")
    as_x_counts = re.sub(r"https?://[^\s)]+|\bwww\.[^\s)]+?(?=[.,]?(?:\s|$))", "x" * 23, x)
    assert len(as_x_counts) <= 280, (len(as_x_counts), x)
    facebook = (site.root / "build/exports/facebook/trip/post.txt").read_text()
    assert "www.example.sch.uk." in facebook and "(https://www.example.sch.uk/)" not in facebook
    assert "the trip page (https://bit.ly/ab)." in facebook
    assert "(https://example.sch.uk/tickets?event=42)" in facebook  # (its query is its own)
    assert counted_length("a (https://bit.ly/ab).", 23) == len("a (") + 23 + len(").")
    assert counted_length("see www.example.sch.uk", 23) == len("see ") + 23
    # As twitter-text counts (a third review checked against it): short domains with a path
    # are links, emoji and the ellipsis weigh 2, Welsh letters 1, an e-mail is no link.
    assert counted_length("Book at forms.gle/AbC or youtu.be/dQw.", 23) == 8 + 23 + 4 + 23 + 1
    assert counted_length("🎉 Da iawn… Siôn ŵ", 23) == 2 + 1 + 7 + 2 + 1 + 4 + 2
    assert counted_length("admin@example.sch.uk", 23) == len("admin@example.sch.uk")
    # A file's name is no link to X: counted whole, never as 23 (a fourth review).
    letter = "christmas-fair-letter-for-parents-december-2026.pdf"
    assert counted_length(f"See {letter}.", 23) == len(f"See {letter}.")


def test_an_x_text_of_emoji_is_cut_to_280_as_x_counts_it(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.post("party", body="🎉 " * 200 + "\n", platforms=["website", "x"])
    approve(run, site, "party")
    assert run(site, "build").code == 0
    text = (site.root / "build/exports/x/party/post.txt").read_text().rstrip("\n")
    assert counted_length(text, 23) <= 280
    assert (
        sum(
            2 if ord(c) > 0x10FF else 1
            for c in text.replace("https://news.test.sch.uk/posts/party/", "")
        )
        + 23
        <= 280
    )
