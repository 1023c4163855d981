"""Tone of a post (SG140): VADER's packaged lexicon tuned for school news, and a Welsh list."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources

from vaderSentiment import vaderSentiment as vader
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from sitegen.findings import finding
from sitegen.model import Finding, Post

# School news talks about history, science and charity: these words are topics there, not
# judgements ("the Second World War", "fire safety", "maths problems", "crazy hair day").
SCHOOL_NEUTRAL = (
    "war",
    "wars",
    "fire",
    "fires",
    "battle",
    "battles",
    "fight",
    "fighting",
    "poverty",
    "death",
    "deaths",
    "died",
    "dead",
    "killed",
    "victims",
    "attack",
    "bomb",
    "bombs",
    "destroyed",
    "tragedy",
    "disaster",
    "hard",
    "tough",
    "struggle",
    "no",
    "hurt",
    "sick",
    "miss",
    "missed",
    "lost",
    "lose",
    "losing",
    "loss",
    "scary",
    "crazy",
    "problem",
    "problems",
    "cancer",
    "hunger",
    "homeless",
    "pain",
    "cry",
    "crying",
    "ill",
    "illness",
    "emergency",
    "injury",
    "danger",
    "dangerous",
    "risk",
    "risks",
    "fear",
    "afraid",
    "evil",
    "villain",
    "monster",
    "monsters",
    "witch",
    "witches",
    "ghost",
    "ghosts",
    "zombie",
    "pirate",
    "pirates",
    "cut",
    "shark",
    "sharks",
    "stop",
    "storm",
    "rainy",
    "cold",
    "mess",
    "messy",
    "grave",
    "graves",
    "honestly",
    "mia",
    "weird",
    "silly",
    "goofy",
    "cheeky",
    "blind",
    "deaf",
    "disabled",
    "wheelchair",
    "heavy",
)
SCHOOL_MILD = {"sad": -0.6, "sadly": -0.6, "unfortunately": -0.5, "poor": -0.6}
# Disparaging words about people that VADER's lexicon lacks or underrates.
DISPARAGING = {
    "naughty": -2.2,
    "shambles": -2.6,
    "whinge": -1.8,
    "whinging": -1.8,
    "whingeing": -1.8,
    "nightmare": -2.2,
    "smelly": -1.8,
    "feral": -2.8,
    "brat": -2.6,
    "brats": -2.6,
    "moron": -2.8,
    "morons": -2.8,
    "clueless": -2.2,
    "hopeless": -2.3,
    "lazy": -2.2,
    "useless": -2.6,
    "spoilt": -2.0,
    "spoiled": -1.8,
    "rubbish": -2.2,
    "dreadful": -2.5,
    "thick": -1.2,
    "dim": -1.0,
    "unruly": -2.2,
    "disruptive": -2.0,
    "badly-behaved": -2.5,
    "incapable": -2.2,
    "idiots": -2.6,
    "troublemaker": -2.4,
    "troublemakers": -2.4,
    "disgraceful": -2.8,
    "embarrassment": -2.2,
    "moaning": -1.6,
    "nuisance": -2.0,
    "slow": -0.8,
    "worse": -1.8,
    "inept": -2.4,
    "rude": -2.2,
}
# A sentence ends at . ! or ? and the spaces after it (a lookbehind would be tried at every
# character). Markdown's marks, link addresses and tags are noise, matched within a line.
# A tag holds no "<", and a link address no "(" but in pairs (Wikipedia's "Foo_(bar)"): a try
# from a "<" or "(" never closed then stops at the next one, instead of reading on to the end
# of the line, once for each of thousands ("<a <a <a ...").
SENTENCE_END = re.compile(r"[.!?]\s+")
MARKDOWN_NOISE = re.compile(
    r"[#*_>`~\[\]]"
    r"|\([^\S\n]*https?://[^()\n]*+(?:\([^()\n]*+\)[^()\n]*+)*+\)"
    r"|!\["
    r"|<[^<>\n]+>"
)
# VADER's time grows with the square of a sentence's words (it copies the sentence for each
# word): a longer "sentence" (a line without a full stop, a title of thousands of words) is
# scored in parts of this many words. A school's sentences are far shorter.
MAX_SENTENCE_WORDS = 100


@cache
def analyzer(lang: str) -> SentimentIntensityAnalyzer:
    engine = SentimentIntensityAnalyzer()
    lexicon = engine.lexicon
    for word in SCHOOL_NEUTRAL:
        lexicon[word] = 0.0
    lexicon.update(SCHOOL_MILD)
    lexicon.update(DISPARAGING)
    if lang == "cy":
        lexicon.update(welsh_lexicon())
    return engine


@cache
def welsh_lexicon() -> dict[str, float]:
    text = resources.files("sitegen").joinpath("data/tone_cy.tsv").read_text("utf-8")
    words: dict[str, float] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            word, valence = line.rsplit(None, 1)
            words[word.strip().lower()] = float(valence)
    return words


def sentences(post: Post) -> list[tuple[str, int]]:
    """The post's readable sentences with their lines: title, summary, captions, body."""
    out: list[tuple[str, int]] = []
    for key, value in (("title", post.title), ("summary", post.summary)):
        if value:
            out.append((value, post.line_of(key) or 2))
    for image in post.images:
        if image.caption:
            out.append((image.caption, image.line))
    in_code = False
    # The noise never spans lines, so one pass over the body cleans every line.
    cleaned = MARKDOWN_NOISE.sub(" ", post.body).split("\n")
    for offset, raw in enumerate(post.body.split("\n")):
        if raw.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        clean = cleaned[offset].strip()
        start = 0
        for end in SENTENCE_END.finditer(clean):
            part = clean[start : end.start() + 1].strip()
            if part:
                out.append((part, post.body_line + offset))
            start = end.end()
        if part := clean[start:].strip():
            out.append((part, post.body_line + offset))
    return [(part, line) for text, line in out for part in _bounded(text)]


def _bounded(sentence: str) -> list[str]:
    """The sentence, or its parts of at most MAX_SENTENCE_WORDS words when it is longer."""
    words = sentence.split()
    if len(words) <= MAX_SENTENCE_WORDS:
        return [sentence]
    step = MAX_SENTENCE_WORDS
    return [" ".join(words[i : i + step]) for i in range(0, len(words), step)]


@cache
def negative_cues(lang: str) -> frozenset[str]:
    """Words without which VADER cannot score a sentence below zero: negative words, negators."""
    negative = {word for word, valence in analyzer(lang).lexicon.items() if valence < 0}
    return frozenset(negative | {n.lower() for n in vader.NEGATE} | {"least"})


TOKEN_EDGES = "".join(c for c in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~“”‘’…")


def could_be_negative(text: str, lang: str) -> bool:
    lower = text.lower()
    if "n't" in lower:
        return True
    tokens = set(lower.split())
    tokens.update(t.strip(TOKEN_EDGES) for t in list(tokens))
    return not negative_cues(lang).isdisjoint(tokens)


@lru_cache(maxsize=4096)
def score(text: str, lang: str) -> float:
    return analyzer(lang).polarity_scores(text)["compound"]


# What a school campaigns against is no negative news: "Anti-Bullying Week", "wythnos
# gwrth-fwlio", and its Odd Socks Day (VADER scored "Odd Socks Day for Anti-Bullying Week"
# -0.32, for "odd" and "bullying").
AGAINST = re.compile(r"\b(?:anti|gwrth)-\w+|\bodd socks\b", re.IGNORECASE)


def sentence_score(text: str, lang: str, threshold: float) -> float:
    """VADER's compound score; skipped (0.0) when it cannot fall below a threshold <= 0."""
    text = AGAINST.sub("", text)
    if threshold <= 0 and not could_be_negative(text, lang):
        return 0.0
    return score(text, lang)


Worst = tuple[float, str, int]  # (score, sentence, line)


def worst_sentence(post: Post, prefilter: bool = True) -> Worst | None:
    """The post's most negative sentence; with `prefilter`, sentences that cannot be negative
    are not scored (exact for any threshold <= 0)."""
    found = sentences(post)
    # Words split at spaces: those of all sentences joined are those of each sentence. When
    # none of them could be negative, no sentence scores below zero and the first one stands.
    if prefilter and found and not could_be_negative(" ".join(t for t, _ in found), post.lang):
        return (0.0, *found[0])
    worst: Worst | None = None
    for text, line in found:
        value = sentence_score(text, post.lang, 0.0 if prefilter else 1.0)
        if worst is None or value < worst[0]:
            worst = (value, text, line)
    return worst


def judge_tone(post: Post, worst: Worst | None, threshold: float) -> list[Finding]:
    if worst is None or worst[0] >= threshold:
        return []
    value, text, line = worst
    quoted = text if len(text) <= 80 else text[:77] + "..."
    return [
        finding(
            "SG140",
            f'negative or disparaging tone (score {value:+.2f}): "{quoted}"; '
            "posts should be positive",
            post.path,
            line,
        )
    ]
