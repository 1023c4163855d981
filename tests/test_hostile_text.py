"""Hostile post bodies: what Python-Markdown would take minutes over is never handed to it, and
sitegen's own passes give the right answer on them with work that does not grow with the
square of the text. (No figure of time here: `python -m bench.hostile_text` measures.)"""

from __future__ import annotations

import math
from pathlib import Path

import frontmatter
import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.hostile_text import HOSTILE, repeat
from sitegen import exports, markup
from sitegen.config import ExportConfig
from sitegen.model import Post
from sitegen.policy import tone
from sitegen.policy.images import check_image_refs
from sitegen.policy.markup import MAX_LISTED, check_markup
from sitegen.policy.tone import MAX_SENTENCE_WORDS, sentences, worst_sentence
from tests.generated_sites import posts as bench_posts

REPO = Path(__file__).resolve().parent.parent

# Bodies of 100,000 characters on which Python-Markdown takes from seconds to minutes (see
# the benchmark): each must be refused.
SLOW_IN_MARKDOWN = [
    "unclosed [a](",
    "unclosed ![a](",
    "unclosed [a](<",
    'unclosed <a href="',
    "<a (unclosed tags)",
    "bad links (SG130)",
    "body images",
    "references",
    "\\ run",
    "\\* runs",
    "backticks",
    "headers #",
    "setext",
    "deep > (one line)",
    "deep > (lines)",
    "deep list",
]


def post(body: str, **fields: object) -> Post:
    fields.setdefault("title", "A day out")
    return Post("p", Path("p"), "p/index.md", body, 10, {}, **fields)  # type: ignore[arg-type]


def stock(text: str) -> str:
    return markdown.Markdown(extensions=markup._extensions()).convert(text)


@pytest.mark.parametrize("name", SLOW_IN_MARKDOWN)
def test_bodies_that_stall_markdown_are_refused(name: str) -> None:
    assert markup.body_problem(HOSTILE[name](100_000))


def test_real_posts_are_never_refused() -> None:
    bodies = [frontmatter.load(p).content for p in REPO.glob("content/posts/*/index.md")]
    bodies += [str(item["body"]) for item in bench_posts(200)]
    assert bodies and not [b[:60] for b in bodies if markup.body_problem(b)]
    # A long post, a list of 300 links, a table, quotes and lists three deep: all fine.
    links = "".join(f"- [Link {i}](https://example.org/{i})\n" for i in range(300))
    assert markup.body_problem(links) is None
    assert markup.body_problem(HOSTILE["prose (normal)"](100_000)) is None
    assert markup.body_problem(HOSTILE["huge table"](50_000)) is None
    assert markup.body_problem("> > > quoted\n\n- a\n    - b\n        - c\n") is None


def test_the_reasons_are_plain() -> None:
    assert "200,000" in (markup.body_problem("a" * 200_001) or "")
    assert markup.body_problem("a" * 200_000) is None
    assert "21 deep" in (markup.body_problem("> " * 21 + "x") or "")
    assert markup.body_problem("> " * 20 + "x") is None
    assert "[" in (markup.body_problem(repeat("[a](", 50_000)) or "")
    assert "HTML tags" in (markup.body_problem(repeat("<a ", 50_000)) or "")
    assert "marks" in (markup.body_problem(repeat("\\", 100_000)) or "")
    assert "lines" in (markup.body_problem(repeat("# a\n", 100_000)) or "")


def test_nesting_counts_quotes_and_list_indents_not_code() -> None:
    assert markup.nesting("> > > x") == 3
    assert markup.nesting(">>>> x\n") == 4
    assert markup.nesting("- a\n    - b\n        - c\n") == 2
    assert markup.nesting("\t\t- b\n") == 2
    assert markup.nesting("    > x\n") == 2
    assert markup.nesting("                    deeply indented code\n") == 0
    assert markup.nesting("plain\ntext > here\n") == 0


def test_a_list_is_counted_item_by_item_and_anything_else_whole() -> None:
    assert markup._text_runs("- a\n- b\n* c") == ["- a", "- b", "* c"]
    assert markup._text_runs("1. a\n2. b") == ["1. a", "2. b"]
    # Not all items (a paragraph line, a header, items of two kinds): Markdown may take it as
    # one text, so it is counted as one.
    for block in ("- a\ntext\n- b", "- a\n# h\n- b", "- a\n1. b", "text\n- a\n- b"):
        assert markup._text_runs(block) == [block]


@pytest.mark.parametrize("name", [*SLOW_IN_MARKDOWN, "mixed"])
def test_a_refused_body_is_rendered_without_markdown(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = HOSTILE[name](100_000) + "\n\nend & <b>bold</b>"
    if not markup.body_problem(body):
        pytest.skip("not refused")

    def never(text: str) -> str:
        raise AssertionError("Markdown was called")

    monkeypatch.setattr(markup, "convert", never)
    html = markup.markdown_to_html(body)
    assert html.endswith("<p>end &amp; &lt;b&gt;bold&lt;/b&gt;</p>")
    assert "<b>" not in markup.render_body(body)
    assert markup.plain_text(body).endswith("end & <b>bold</b>")
    assert check_markup(post(body)) == []  # nothing raw is passed on, so nothing to remove


# Hostile but allowed: sitegen's faster Markdown steps must still give Python-Markdown's HTML.
@pytest.mark.parametrize(
    "unit",
    ["\\", "\\*a ", "`a ", "* * *\n", "# a\n", "a\n=\n", "&amp; ", "[a](", "<a ", "**a _b "],
)
def test_same_html_as_python_markdown_on_hostile_text(unit: str) -> None:
    body = repeat(unit, 2000)
    assert markup.body_problem(body) is None
    assert markup.convert(body) == stock(body)


def test_smarten_leaves_a_tail_of_unclosed_tags_as_text() -> None:
    html = "<div>\n" + "<a " * 2000 + 'it\'s\n</div>\n<p>"hi"</p>\n' + "<b " * 2000 + "'x'"
    out = markup.smarten(html)
    assert out.startswith("<div>\n<a <a ")  # the unclosed "<a" run ends at </div>: a "tag"
    assert "<p>\u201chi\u201d</p>" in out
    assert out.endswith("<b \u2018x\u2019")


def test_sg130_lists_twenty_removals_then_counts_the_rest() -> None:
    body = "Hello.\n\n" + "".join(f"<script>x{i}</script>\n\n" for i in range(100))
    found = check_markup(post(body))
    assert len(found) == MAX_LISTED + 1
    assert [f.line for f in found[:3]] == [12, 14, 16]  # the body starts on line 10
    assert "80 more" in found[-1].message and found[-1].line == 10 + 2 + 2 * MAX_LISTED


def test_image_references_on_hostile_bodies() -> None:
    body = repeat("![a ", 50_000) + "\n![b](p.png)\n" + repeat("<img a ", 50_000) + "\n"
    body += '<img alt="x" src="q.png">\n![a [b] c](r.png)\n![a [b](s.png)\n'
    found = check_image_refs(post(body), {})
    assert [f.message.split()[1] for f in found] == ["p.png", "q.png", "r.png"]
    assert [f.line for f in found] == [11, 13, 14]


def test_tone_noise_on_unclosed_tags_and_addresses() -> None:
    body = (
        "<a " * 5000
        + "\n"
        + "(http://a " * 5000
        + "\nA <b>good</b> day (https://x.org/a_(b)) here.\n"
    )
    found = sentences(post(body))
    assert found[-1] == ("A  good  day   here.", 12)
    assert found[0] == ("A day out", 2)
    # The unclosed tags and addresses stay as text, in parts of at most 100 words.
    assert all(len(text.split()) <= MAX_SENTENCE_WORDS for text, _ in found)
    assert sum(len(text.split()) for text, line in found if line == 10) == 5000
    assert sum(len(text.split()) for text, line in found if line == 11) == 5000


def test_vader_never_sees_more_than_a_hundred_words(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real = tone.score.__wrapped__

    def counting(text: str, lang: str) -> float:
        seen.append(len(text.split()))
        return real(text, lang)

    monkeypatch.setattr(tone, "score", counting)
    long_line = "The trip was dreadful but everyone was kind " * 2000
    worst = worst_sentence(post(long_line, title="Awful " * 500), prefilter=False)
    assert worst is not None and worst[0] < 0
    assert seen and max(seen) <= MAX_SENTENCE_WORDS
    assert sum(seen) == 16000 + 500


def test_a_short_sentence_is_scored_whole() -> None:
    text = "Year 4 had a wonderful day at the castle, and " * 9 + "everyone enjoyed it."
    assert len(text.split()) < MAX_SENTENCE_WORDS
    assert sentences(post(text)) == [("A day out", 2), (text.strip(), 10)]


def test_compose_shrinks_a_text_of_many_links_in_few_rounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Many short links and one long one: each cut inside the long link left the count the
    same, and the loop took a round (a count of the whole text) per character of it."""
    calls = 0
    real = exports.counted_length

    def counting(text: str, link_chars: int | None) -> int:
        nonlocal calls
        calls += 1
        return real(text, link_chars)

    monkeypatch.setattr(exports, "counted_length", counting)
    budget = 60_000
    body = "http://a\u00a0" * 2499 + "http://" + "b" * 40_000
    limits = ExportConfig("facebook", max_chars=budget, max_images=1, link_chars=23)
    text = exports.compose(post(body), "facebook", limits, None, body=body).text
    assert real(text, 23) <= budget and len(text) > budget // 3
    assert exports.SHRINKS < calls <= exports.SHRINKS + 3 + 2 * math.ceil(math.log2(budget))


def shrunk_as_first_written(main: str, budget: int, link_chars: int) -> tuple[str, int]:
    """compose's shrinking loop as it was, and its number of rounds."""
    text, rounds = exports._cut(main, budget), 0
    while exports.counted_length(text, link_chars) > budget and text:
        over = exports.counted_length(text, link_chars) - budget
        text, rounds = exports._cut(text, len(text) - 1 - over), rounds + 1
    return text, rounds


WORDS_AND_LINKS = st.lists(
    st.sampled_from(["a", "word", "longer-word", "\n", "https://x.org/a", "http://b.co/"]),
    max_size=60,
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(WORDS_AND_LINKS, st.integers(min_value=30, max_value=200))
def test_compose_cuts_as_before_where_the_rounds_were_few(body: str, max_chars: int) -> None:
    limits = ExportConfig("x", max_chars=max_chars, max_images=4, link_chars=23)
    text = exports.compose(post(body, summary=""), "x", limits, None, body=body).text
    main = "\n\n".join(["A day out", body] if body else ["A day out"])
    before, rounds = shrunk_as_first_written(main, max_chars, 23)
    assert exports.counted_length(text, 23) <= max_chars
    if rounds <= exports.SHRINKS:
        assert text == before.strip()
