"""`check` warns of a body's links that lead parents nowhere on the website (links.py)."""

from __future__ import annotations

from tests.conftest import SiteDir

BODY = """Reception are rehearsing their nativity.

Here is the [letter for parents](letter.pdf), the [book fair](../book-fair/), our
[sports day](../sports-day/), the [fete](../fete/) and the [council's page](https://example.org/).

See the [stage](stage.jpg) full size, or [the top](#top).
"""


def warnings(run, site: SiteDir, slug: str) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    (post,) = [p for p in run(site, "check", "--json").json()["posts"] if p["slug"] == slug]
    return [f for f in post["findings"] if f["code"] == "SG130"]


def test_links_to_what_the_website_does_not_have_are_warned_of(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.post("book-fair", platforms=["website"])  # a draft
    site.post("sports-day", platforms=["website"])
    assert run(site, "approve", "sports-day", "--by", "head", now="2026-11-01T09:00").code == 0
    index = site.post(
        "nativity",
        body=BODY,
        files={"stage.jpg": "castle"},
        images=[{"file": "stage.jpg", "alt": "The hall stage", "pupils": []}],
        platforms=["website"],
    )
    (index.parent / "letter.pdf").write_bytes(b"%PDF-1.4\n")
    found = warnings(run, site, "nativity")
    assert all(f["severity"] == "warning" for f in found), found
    messages = sorted(str(f["message"]) for f in found)
    assert len(messages) == 3, messages
    assert (
        messages[0].startswith("the link to ../book-fair/ leads nowhere")
        and "a draft" in messages[0]
    )
    assert "../fete/" in messages[1] and "no content/posts/fete/" in messages[1]
    assert "letter.pdf is not published" in messages[2]
    # Each at its line of index.md (the body's third line holds the letter).
    lines = index.read_text().splitlines()
    for f in found:
        assert str(f["message"]).split()[3] in lines[int(f["line"]) - 1], f  # type: ignore[call-overload]
    # Warnings only: the post is still approved and published.
    assert run(site, "approve", "nativity", "--by", "head", now="2026-11-01T09:00").code == 0
    assert run(site, "build").code == 0
    assert (site.root / "build/site/posts/nativity/index.html").exists()


def test_a_link_to_a_post_taken_down_is_warned_of(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    site.post("trip", pupils=["P1"], platforms=["website"])
    site.post("news", body="As on our [trip](../trip/), the children were wonderful.\n")
    assert run(site, "approve", "trip", "news", "--by", "head", now="2026-11-01T09:00").code == 0
    assert warnings(run, site, "news") == []
    site.withdraw("P1", "2026-11-02")
    (found,) = warnings(run, site, "news")
    assert "the post trip is not on the website" in str(found["message"]), found


def test_links_as_teachers_write_them_and_a_series_of_posts(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """The site's own address copied from a browser, a file in another post's folder and a
    language before /posts/ lead nowhere too; a post scheduled before the one that links to
    it is there by then (found by a review)."""
    site.post("fair", date="2026-11-28T15:30", platforms=["website"])
    site.post("carols", date="2026-12-20", platforms=["website"])
    assert run(site, "approve", "fair", "carols", "--by", "head", now="2026-11-20T09:00").code == 0
    body = (
        "See [the draft](https://news.test.sch.uk/posts/draft/), [its tree](../fair/tree.jpg),"
        " [in English](/en/posts/fair/), [the fair](../fair/), [its photo](../fair/photo-1-480.jpg)"
        " and [the carols](https://news.test.sch.uk/posts/carols/).\n"
    )
    site.post("draft")
    site.post("news", body=body, date="2026-12-01", platforms=["website"])
    found = {str(f["message"]).split()[3]: str(f["message"]) for f in warnings(run, site, "news")}
    assert sorted(found) == [
        "../fair/tree.jpg",
        "/en/posts/fair/",
        "https://news.test.sch.uk/posts/carols/",
        "https://news.test.sch.uk/posts/draft/",
    ], found
    assert "tree.jpg is not published" in found["../fair/tree.jpg"]
    assert "posts live under /posts/" in found["/en/posts/fair/"]
    assert "scheduled for 2026-12-20" in found["https://news.test.sch.uk/posts/carols/"]
    assert "it is a draft" in found["https://news.test.sch.uk/posts/draft/"]


def test_a_post_s_own_photos_as_published_and_as_written(run, site: SiteDir) -> None:  # type: ignore[no-untyped-def]
    """A covered copy's published name is a photo of the post (it was said not published);
    a post's own photo named by a full path is not rewritten to its published copy, so that
    link leads nowhere (it was passed over; both found by a review)."""
    body = (
        "See [it](photo-1-covered-2-960.jpg), [full size](towers.jpg) and "
        "[by path](/posts/news/towers.jpg).\n"
    )
    site.post(
        "news",
        body=body,
        files={"towers.jpg": "castle"},
        images=[{"file": "towers.jpg", "alt": "The castle towers", "pupils": []}],
        platforms=["website"],
    )
    (found,) = warnings(run, site, "news")
    assert str(found["message"]).startswith("the link to /posts/news/towers.jpg leads nowhere")
