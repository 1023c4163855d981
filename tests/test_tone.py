"""SG140's tuning: cheerful school news never warns; disparaging text always does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.model import Post
from sitegen.policy.tone import (
    analyzer,
    could_be_negative,
    score,
    sentence_score,
    sentences,
    worst_sentence,
)

CHEERFUL = """\
Year 4 had a fantastic day at Castell Coch, sketching the towers and learning about the Marquess of Bute.
Well done to our netball team, who played brilliantly in the county tournament!
Year 6 have been learning about the Second World War and met a visitor who was an evacuee.
Our Eco Council collected 40 bags of litter from the beach this morning.
Reception enjoyed crazy hair day to raise money for Children in Need.
We lost 2-1 in the final, but the team showed great sportsmanship.
The fire brigade visited to teach Year 1 about fire safety.
Year 5 solved tricky maths problems using place value counters.
Our choir sang beautifully at the Urdd Eisteddfod.
Thank you to all the parents who came to our coffee morning for Macmillan Cancer Support.
No one could believe how tall the sunflowers grew!
Year 3 learned how volcanoes erupt and built their own models.
We will miss Mrs Davies, who retires this summer after 30 years at the school.
Pupils dressed as pirates and monsters for World Book Day.
Year 2 investigated which materials keep ice cold for longest.
The Romans built roads and forts across Wales; Year 4 found out why.
Despite the rain, everyone had a brilliant sports day.
It was a tough match, but our team never gave up.
The children learned about the Great Fire of London and made Tudor houses.
Year 6 performed a play about the Aberfan disaster with great sensitivity.
Please remember that the school is closed on Friday for staff training.
Our new library is open, with over 500 new books to explore.
Nursery children planted bulbs in the garden.
The orchestra practised hard for the winter concert.
Our team won the county tournament without losing a single game!
Mia from the library read a story to Reception.""".splitlines()

DISPARAGING = """\
The parents who complained are idiots.
Year 5 were a disgrace on the trip and behaved appallingly.
Some pupils are lazy and useless at maths.
Mrs Jones's class is a shambles.
The staff are incompetent and the school is failing.
Those children are naughty brats.
What a terrible, embarrassing performance from Year 3.
The worst behaved class in the school, as usual.
Parents who can't be bothered to read the newsletter are hopeless.
The new teacher is clueless and rude.
Year 2 were badly behaved and ruined the assembly.
Honestly, the school play was awful.
Disgusting behaviour from a few pupils at lunch today.
Some children are too stupid to follow simple instructions.
The PTA are a bunch of moaning whingers.""".splitlines()

CHEERFUL_CY = [
    "Roedd y dosbarth wrth eu bodd yn ymweld â'r castell.",
    "Llongyfarchiadau i'r tîm pêl-droed am ennill y gynghrair!",
    "Cawsom ddiwrnod gwych ar y traeth.",
    "Diolch yn fawr i'r rhieni a ddaeth i'n cefnogi.",
    # Everyday Welsh words that English scores as bad ones (found by a Welsh tour):
    "Bydd bore coffi i rieni ddydd Gwener.",  # a coffee morning
    "Aethon ni ar y bad i Ynys Enlli.",  # the boat
    "Mae'r ysgol ar gau bore Llun, a does dim clwb.",
    "Dull newydd o ddysgu darllen: nag oes unrhyw waith cartref!",
]
DISPARAGING_CY = [
    "Roedd y disgyblion yn ddrwg ac yn ddiog.",
    "Mae'r athrawon yn anobeithiol.",
    "Perfformiad gwarthus gan Flwyddyn 6.",
    "Roedd y cyngerdd yn ofnadwy ac yn siomedig.",
]


@pytest.mark.parametrize("text", CHEERFUL)
def test_cheerful_news_never_warns(text: str) -> None:
    assert score(text, "en") >= -0.05


@pytest.mark.parametrize("text", DISPARAGING)
def test_disparaging_text_always_warns(text: str) -> None:
    assert score(text, "en") < -0.05


@pytest.mark.parametrize(
    ("text", "negative"), [(t, False) for t in CHEERFUL_CY] + [(t, True) for t in DISPARAGING_CY]
)
def test_welsh(text: str, negative: bool) -> None:
    assert (score(text, "cy") < -0.05) is negative


WORDS = sorted(analyzer("en").lexicon)[:: max(1, len(analyzer("en").lexicon) // 600)]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [*WORDS, "not", "never", "but", "very", "least", "the", "children", "!", "isn't"]
        ),
        min_size=1,
        max_size=10,
    )
)
def test_the_quick_filter_never_hides_a_negative_sentence(words: list[str]) -> None:
    text = " ".join(words)
    if score(text, "en") < 0:
        assert could_be_negative(text, "en")


def worst_one_by_one(post: Post) -> tuple[float, str, int] | None:
    """The quick filter applied sentence by sentence, as it first was."""
    worst = None
    for text, line in sentences(post):
        value = sentence_score(text, post.lang, 0.0)
        if worst is None or value < worst[0]:
            worst = (value, text, line)
    return worst


SENTENCE_WORDS = st.lists(
    st.sampled_from([*WORDS[:200], "not", "isn't", "**bad**", "[awful](https://x.org)", "."]),
    min_size=1,
    max_size=8,
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(SENTENCE_WORDS, min_size=0, max_size=6), st.text(max_size=20))
def test_the_whole_post_filter_finds_the_same_worst_sentence(body: list[str], title: str) -> None:
    post = Post("p", Path("p"), "p/index.md", "\n\n".join(body), 20, {}, title=title)
    assert worst_sentence(post) == worst_one_by_one(post)


def sentences_line_by_line(post: Post) -> list[tuple[str, int]]:
    """How sentences were first found: each line cleaned and split on its own."""
    out = [(t, 2) for t in (post.title, post.summary) if t]
    # (As first written, a tag ran to the next ">" and an address to the next ")", "<" and "("
    # included; neither holds them now, except one pair of brackets in an address: see tone.py.)
    noise = re.compile(r"[#*_>`~\[\]]|\(\s*https?://[^()]*(?:\([^()]*\)[^()]*)*\)|!\[|<[^<>]+>")
    in_code = False
    for offset, raw in enumerate(post.body.split("\n")):
        if raw.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        clean = noise.sub(" ", raw).strip()
        for part in re.split(r"(?<=[.!?])\s+|\n\s*\n", clean):
            if part.strip():
                out.append((part.strip(), post.body_line + offset))
    return out


BODY_PIECES = [
    "Well done",
    " ",
    "\n",
    "\n\n",
    "\t",
    "\x85",
    "\u2028",
    ".",
    "!",
    "?",
    "...",
    "**",
    "_",
    "#",
    "> ",
    "`",
    "```",
    "(https://x.org/a b)",
    "( http://y",
    ")",
    "<b>",
    "<",
    ">",
    "![",
    "[a]",
    "~",
]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(BODY_PIECES), max_size=30).map("".join))
def test_sentences_are_found_as_line_by_line(body: str) -> None:
    post = Post("p", Path("p"), "p/index.md", body, 9, {}, title="A title")
    assert sentences(post) == sentences_line_by_line(post)


@pytest.mark.parametrize(
    ("text", "negative"),
    [
        ("Odd Socks Day for Anti-Bullying Week.", False),
        ("We held an anti-bullying assembly.", False),
        ("Diwrnod Sanau Od ar gyfer wythnos gwrth-fwlio.", False),
        ("There was bullying in the playground.", True),
    ],
)
def test_a_campaign_against_something_is_not_negative_news(text: str, negative: bool) -> None:
    """ "Odd Socks Day for Anti-Bullying Week" was a negative sentence (SG140) for "bullying"."""
    from sitegen.policy.tone import sentence_score

    lang = "cy" if "gwrth" in text else "en"
    assert (sentence_score(text, lang, -0.05) < -0.05) is negative
