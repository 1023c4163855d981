"""Text folding for matching: NFKC, no invisible characters, confusables as Latin, no accents."""

from __future__ import annotations

import bisect
import html
import json
import re
import unicodedata
import urllib.parse
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from itertools import repeat

CURLY_QUOTES = "“”‘’„"  # (as Word and phones type quotes: never quotes to YAML)

# What copy-paste and disguise insert inside words, and accents once letters are decomposed:
# format characters (zero-width, soft hyphens, bidi overrides, tags), controls that are not
# whitespace, combining and enclosing marks (variation selectors too) are all dropped.
DROPPED_CATEGORIES = frozenset({"Cf", "Cc", "Mn", "Me"})
# A word joined from capitalised words, as hashtags and file names write them ("MiaJones",
# "#WellDoneMia"), is read as its words: a space goes between an ASCII lower-case letter and
# the capital after it. (Names are folded the same way: "McDonald" reads as "mc donald".)
CAMEL = re.compile(r"([a-z])(?=[A-Z])")


def camel_split(text: str) -> str:
    """A space between a lower-case letter and the capital after it, in any script."""
    if text.isascii() or not NOT_ASCII_OR_PUNCTUATION.search(text):  # (no letter but ASCII)
        return CAMEL.sub(r"\1 ", text)
    out, previous = [], ""
    for char in text:
        if char.isupper() and previous.islower():
            out.append(" ")
        out.append(char)
        previous = char
    return "".join(out)


# U+202E (right-to-left override) shows the Latin letters after it in reverse order, up to
# U+202C (pop) or the end of the line: "\u202esenoJ aiM" is seen as "Mia Jones".
RIGHT_TO_LEFT_OVERRIDE = "\u202e"
OVERRIDDEN = re.compile("\u202e([^\u202c\n]*)")


def dropped(char: str) -> bool:
    """Whether folding drops this character (see DROPPED_CATEGORIES); whitespace stays."""
    return unicodedata.category(char) in DROPPED_CATEGORIES and not char.isspace()


class _DropTable(dict[int, str | None]):
    """str.translate's table for DROPPED_CATEGORIES, filled in as characters are met."""

    def __missing__(self, code: int) -> str | None:
        char = chr(code)
        value = None if dropped(char) else char
        self[code] = value
        return value


DROP = _DropTable()


def as_displayed(text: str) -> str:
    """The text in the order a reader sees it, where a right-to-left override reverses it."""
    return OVERRIDDEN.sub(lambda m: m.group(1)[::-1], text)


# HTML elements that separate words; every other tag joins what is either side of it.
BREAKING_TAGS = re.compile(
    r"^</?(br|p|div|li|ul|ol|h[1-6]|tr|td|th|table|blockquote|hr|figure|figcaption|section)\b",
    re.IGNORECASE,
)
MARKUP = re.compile(
    # (a tag begins with an ASCII letter, "/", "!" or "?": anything else is text to a browser)
    r"<[A-Za-z/!?][^<>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);|(?:%[0-9a-fA-F]{2})+"
    r"|[*_~`\\\[\]]"
)
MARKS_AND_ESCAPES = re.compile(r"(?:%[0-9a-fA-F]{2})+|[*_~`\\\[\]]")  # MARKUP, less HTML
# <https://example.com/Mia-Jones> and <mia.jones@example.com>: a reader sees what is inside.
AUTOLINK = re.compile(r"<(?:[A-Za-z][A-Za-z0-9+.-]*:[^<>\s]*|[^<>\s@]+@[^<>\s@]+)>\Z")
# MARKUP's single characters: emphasis and link marks go, and an underscore is read as a
# space (between words it is not emphasis: mia_jones.jpg shows two words).
MARKS = str.maketrans("_", " ", "*~`\\[]")


@cache
def confusables() -> dict[str, str]:
    """Letters of any script that look like a Latin letter (Cyrillic, Greek, Cherokee, Lisu,
    Armenian, mathematical ...), from Unicode's confusables list; ASCII is never changed."""
    data = json.loads(
        resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    )
    table: dict[str, str] = {}
    for char, entries in data.items():
        if len(char) != 1 or char.isascii():
            continue
        latin = [
            e["c"] for e in entries if len(e["c"]) == 1 and e["c"].isascii() and e["c"].isalpha()
        ]
        if latin:
            same_case = [c for c in latin if c.isupper() == char.isupper()]
            target = (same_case or latin)[0]
            # Unicode draws capital I and small l alike ("l"): a capital is an I to a reader.
            table[char] = "I" if target == "l" and char.isupper() else target
    return table | LOOK_ALIKES


def _look_alikes() -> dict[str, str]:
    """What a reader reads as Latin letters or a space though Unicode neither decomposes it
    nor lists it as confusable: letters with a stroke (Łukasz typed as Lukasz, Sørensen as
    Sorensen), small capitals (ᴍɪᴀ), and the Hangul fillers, which show as a blank."""
    table = {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ħ": "h", "Ħ": "H"}
    table |= dict.fromkeys("\u115f\u1160\u3164\uffa0\u2800", " ")
    for code in [*range(0x0250, 0x02B0), *range(0x1D00, 0x1D2C), *range(0xA720, 0xA800)]:
        name = unicodedata.name(chr(code), "")
        if name.startswith("LATIN LETTER SMALL CAPITAL ") and len(name.split()[-1]) == 1:
            table[chr(code)] = name.split()[-1].lower()
    return table


LOOK_ALIKES = _look_alikes()


@cache  # (a text is folded character by character: each is worked out once)
def fold_char(char: str) -> str:
    """One source character as it is compared: possibly empty, possibly several characters."""
    out = []
    for c in unicodedata.normalize("NFKC", char):
        if dropped(c):
            continue
        c = confusables().get(c, c)
        for d in unicodedata.normalize("NFKD", c):
            if not dropped(d):
                out.append(d)
    return "".join(out).casefold()


@cache
def fold(text: str) -> str:
    """Fold a short string (a name, an id) for comparison; whitespace runs become one space."""
    text = camel_split(text)
    if text.isascii() and text.isprintable():  # all the full fold does to such ASCII
        return " ".join(text.lower().split())
    return " ".join("".join(fold_char(c) for c in text).split())


def fold_id(pupil_id: str) -> str:
    return fold(str(pupil_id))


@dataclass(frozen=True)
class Folded:
    """Text folded for matching, with each folded character's offset in the source."""

    text: str
    offsets: tuple[int, ...]

    def source_offset(self, index: int) -> int:
        return self.offsets[min(index, len(self.offsets) - 1)] if self.offsets else 0


def fold_markup(source: str, markup: bool = True) -> Folded:
    """Fold Markdown/HTML text: tags, entities, percent-escapes and emphasis marks stop
    hiding the words, and autolinks show theirs. Without `markup` (a title, a file name:
    text shown as it is written), tags and entities stay as the characters they are."""
    chars: list[str] = []
    offsets: list[int] = []
    previous = [""]  # the last source character emitted (for "MiaJones")

    def emit(text: str, where: Iterable[int]) -> None:
        """Fold `text`, each character found at its offset in `where`."""
        for char, at in zip(text, where, strict=False):  # (`where` may repeat one offset)
            if char.isupper() and previous[0].islower() and chars and chars[-1] != " ":
                chars.append(" ")
                offsets.append(at)
            previous[0] = char
            for folded in fold_char(char):
                if folded.isspace():
                    if chars and chars[-1] != " ":
                        chars.append(" ")
                        offsets.append(at)
                else:
                    chars.append(folded)
                    offsets.append(at)

    # Invisible characters go first, so that none can break up the markup around a name
    # ("&\u200bnbsp;" reads as "&nbsp;"); `origin` keeps each kept character's offset.
    visible, origin = _visible(source)
    position = 0
    for m in (MARKUP if markup else MARKS_AND_ESCAPES).finditer(visible):
        emit(visible[position : m.start()], origin[position : m.start()])
        token = m.group(0)
        if token.startswith(("&", "%", "_")) or AUTOLINK.match(token):
            emit(_unmark(m), repeat(origin[m.start()]))
        elif token.startswith("<") and BREAKING_TAGS.match(token):
            emit(" ", repeat(origin[m.start()]))
        position = m.end()
    emit(visible[position:], origin[position:])
    return Folded("".join(chars), tuple(offsets))


def _visible(source: str) -> tuple[str, list[int]]:
    """The source without the characters folding drops, and each kept one's source offset."""
    if source.isascii() and not ASCII_CONTROL.search(source):
        return source, list(range(len(source)))
    kept = [(i, c) for i, c in enumerate(source) if not dropped(c)]
    return "".join(c for _, c in kept), [i for i, _ in kept]


ASCII_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")  # (\t \n \v \f \r \x1c-\x1f are spaces)
WHITESPACE = re.compile(r"\s+")


def one_space(text: str) -> str:
    """`WHITESPACE.sub(" ", text)`, by str.split: a regular expression scanning every
    character cost more than the rest of the fold."""
    words = text.split()
    if not words:
        return " " if text else ""
    joined = " ".join(words)
    if text[0].isspace():
        joined = " " + joined
    return joined + " " if text[-1].isspace() else joined


@cache
def _confusable_table() -> dict[int, str]:
    return {ord(k): v for k, v in confusables().items()}


def _unmark(match: re.Match[str]) -> str:
    token = match.group(0)
    if token.startswith("&"):
        return html.unescape(token)
    if token.startswith("%"):  # a URL's escapes, as a browser shows them: Mia%20Jones
        return urllib.parse.unquote(token, errors="ignore")
    if token == "_":
        return " "
    if AUTOLINK.match(token):
        return f" {token[1:-1]} "
    return " " if token.startswith("<") and BREAKING_TAGS.match(token) else ""


# Non-ASCII characters the quick fold may leave as they are: punctuation that is the same
# whichever way it is folded. Any other non-ASCII character sends the text to the full fold.
SAFE_PUNCTUATION = dict.fromkeys(map(ord, "’‘“”–—•·«»£€§°©®"), None)
# A character that is neither ASCII nor one of those: a text without one is ASCII as far as
# letters go (so is a school's text typed in Word, with its curly quotes and dashes), and
# scanning for one costs far less than translating the text character by character.
NOT_ASCII_OR_PUNCTUATION = re.compile("[^\x00-\x7f’‘“”–—•·«»£€§°©®]")


@lru_cache(maxsize=4096)  # each text of a post is scanned for names and for ids
def fold_fast(source: str, markup: bool = True) -> str | None:
    """The same folding as `fold_markup`, whole-string and without offsets, for a quick test;
    None when the text holds characters only the full fold is sure to treat right."""
    if ASCII_CONTROL.search(source) or (
        not source.isascii() and NOT_ASCII_OR_PUNCTUATION.search(source)
    ):
        source = source.translate(DROP)  # (first, as fold_markup does; DROP keeps punctuation)
    if not markup:
        unmarked = MARKS_AND_ESCAPES.sub(_unmark, source) if "%" in source else source
        unmarked = unmarked.translate(MARKS)
    elif "<" in source or "&" in source or "%" in source:
        unmarked = MARKUP.sub(_unmark, source)
    else:  # no tag, entity or escape: only marks, which go
        unmarked = source.translate(MARKS)
    unmarked = camel_split(unmarked)
    if unmarked.isascii() and (unmarked.isprintable() or not ASCII_CONTROL.search(unmarked)):
        return one_space(unmarked.lower())  # what the steps below do to such ASCII
    text = unicodedata.normalize("NFKC", unmarked).translate(DROP)
    text = unicodedata.normalize("NFKD", text.translate(_confusable_table()))
    text = one_space(text.translate(DROP).casefold())
    if not text.isascii() and not text.translate(SAFE_PUNCTUATION).isascii():
        return None
    return text


# What may stand between the words of a name: spaces and line breaks, hyphens and dots (an
# e-mail address, a URL), a slash, brackets, an underscore, a middle dot and the like (which
# still let a reader see the name: "Deio/Morgan", "Osian (Pritchard)"), what looks like an
# HTML entity but is none (so is shown as it is: "MIA&NBSP;JONES"), or nothing at all
# (#MiaJones). Marks that end a clause or list an item (, ; : ! ? | & +) join two words only
# written straight on ("Deio,Morgan"): "Cai, Owen and Rhys" names three children, not Cai
# Owen, and "Well done Cai!" ends before the next sentence's first word.
NAME_GAP = r"(?:&#?[a-z0-9]{1,8};|[^\w,;:!?|&+]|_|[,;:!?|&+](?=\w))*"  # (an entity: whole)


def name_words(name: str) -> list[str]:
    """A name's words as matched, folded: its runs of letters and digits, so that what
    stands between them in the register (a hyphen, an apostrophe) may be anything NAME_GAP
    allows in a post (Pritchard Jones, O’Brien for O'Brien)."""
    return WORD.findall(fold(name))


WORD = re.compile(r"\w+")


def name_pattern(name: str) -> str | None:
    """A regex for a name's words, with NAME_GAP between them."""
    words = name_words(name)
    if not words:
        return None
    return NAME_GAP.join([re.escape(words[0]), *map(_prefixed, words[1:])])


def _prefixed(word: str) -> str:
    """A later word of a name, where a space may follow its prefix: camel_split reads a
    post's "McDonald", "MacLeod" or "DeSouza" as "mc donald" ..., which the register may
    write "Mcdonald"."""
    if len(word) < 5:
        return re.escape(word)
    return " ?".join(map(re.escape, (word[:2], word[2], word[3:])))


def squashed(text: str) -> str:
    """A folded name or match without what NAME_GAP allows: "mia.jones" -> "miajones"."""
    return SQUASH.sub("", text)


SQUASH = re.compile(NAME_GAP)


class Bounded:
    r"""Alternatives matched as whole words: `(?<!\w)(?:a|b|...)(?!\w)`, longest first. Each
    alternative begins with a literal string (`firsts`), and a lookahead made of those strings,
    shared by their common beginnings, comes before the alternatives: the regex engine tries
    the hundreds of alternatives of a school's register only where one of them can begin, not
    at every word of the text. The same matches, seven times faster for 300 names."""

    def __init__(self, alternatives: list[str], firsts: list[str]) -> None:
        body = "|".join(sorted(alternatives, key=len, reverse=True))
        self.regex = re.compile(rf"(?<!\w)(?={literal_trie(firsts)})(?:{body})(?!\w)")

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.regex.finditer(text)


def literal_trie(strings: list[str]) -> str:
    """A regular expression that matches any of these strings and nothing else, with common
    beginnings written once: `ab(?:c|d)` for abc and abd."""
    trie: dict[str, dict] = {}
    for literal in set(strings):
        node = trie
        for char in literal:
            node = node.setdefault(char, {})
        node[""] = {}  # a string ends here

    def expression(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + expression(node[char]) for char in sorted(node) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return expression(trie) if trie else "(?!)"


def bounded_words(phrases: list[str]) -> Bounded:
    """Folded names (words separated by spaces) as whole words, with any whitespace or hyphens
    between their words."""
    alternatives = [p for phrase in phrases if (p := name_pattern(phrase))]
    return Bounded(alternatives, [words[0] for phrase in phrases if (words := name_words(phrase))])


# Characters that change what a terminal or a page shows without being seen themselves:
# controls (but line breaks and tabs), format characters (bidi overrides, zero-width),
# private-use, surrogates and unassigned code points.
UNPRINTABLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn"})


def escape_unprintable(text: str) -> str:
    """The text with every unprintable character written as \\uXXXX, so a message shows
    what a file holds instead of letting it rewrite the line (U+202E reverses it)."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(
        f"\\u{ord(c):04x}"
        if c not in "\n\t" and unicodedata.category(c) in UNPRINTABLE_CATEGORIES
        else c
        for c in text
    )


def hashtag(tag: str) -> str | None:
    """A tag as a hashtag's word, without the #: its letters and digits run together, in
    lower case, Welsh letters kept (#côr, not #cor: another word); None when it has no letter
    (#100 is no hashtag on Instagram or X)."""
    word = "".join(char for char in unicodedata.normalize("NFC", tag).lower() if char.isalnum())
    return word if any(char.isalpha() for char in word) else None


def slugify(title: str) -> str:
    """A URL-safe slug: ASCII letters and digits joined by hyphens."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:60].rstrip("-") or "post"


class Spans:
    """Spans of a text (start, end), asked whether they cover an offset: by bisection over
    their starts and the furthest end reached so far, so thousands of names in one text cost
    n log n, not n squared."""

    def __init__(self) -> None:
        self.spans: list[tuple[int, int]] = []
        self.starts: list[int] = []
        self.reach: list[int] = []  # the furthest end of the spans up to each one

    def add(self, span: tuple[int, int]) -> None:
        self.spans.append(span)

    def frozen(self) -> Spans:
        done = Spans()
        done.spans = sorted(self.spans)
        done.starts = [s for s, _ in done.spans]
        furthest = -1
        for _, end in done.spans:
            furthest = max(furthest, end)
            done.reach.append(furthest)
        return done

    def covers(self, offset: int) -> bool:
        at = bisect.bisect_right(self.starts, offset) - 1
        return at >= 0 and self.reach[at] > offset
