"""Welsh mutations of first names, and the Welsh word list (Debian's aspell-cy) they are checked against."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitegen.policy.welsh import (
    is_welsh_word,
    mutations,
    welsh_words,
    welsh_words_available,
)

KINDS = {"soft", "nasal", "aspirate", "h-prothesis"}

needs_dictionary = pytest.mark.skipif(
    not welsh_words_available(),
    reason="no Welsh dictionary: apt-get install -y --no-install-recommends aspell-cy",
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("gwen", {"wen": "soft", "ngwen": "nasal"}),
        ("mali", {"fali": "soft"}),
        ("tomos", {"domos": "soft", "nhomos": "nasal", "thomos": "aspirate"}),
        ("catrin", {"gatrin": "soft", "nghatrin": "nasal", "chatrin": "aspirate"}),
        ("llinos", {"linos": "soft"}),
        ("rhys", {"rys": "soft"}),
        ("dafydd", {"ddafydd": "soft", "nafydd": "nasal"}),
        ("bethan", {"fethan": "soft", "methan": "nasal"}),
        ("pedr", {"bedr": "soft", "mhedr": "nasal", "phedr": "aspirate"}),
        ("glyn", {"lyn": "soft", "nglyn": "nasal"}),
    ],
)
def test_consonant_mutations(name: str, expected: dict[str, str]) -> None:
    assert mutations(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("elin", "helin"),
        ("osian", "hosian"),
        ("alaw", "halaw"),
        ("iwan", "hiwan"),
        ("ulrika", "hulrika"),
        ("wyn", "hwyn"),
        ("ynyr", "hynyr"),
    ],
)
def test_vowel_names_take_h(name: str, expected: str) -> None:
    assert mutations(name) == {expected: "h-prothesis"}


@pytest.mark.parametrize(
    "name",
    # Digraphs are letters of their own: none of these starts with c, t, p, f, d, n or l+l.
    ["chloe", "thomas", "phoebe", "ffion", "ddwynwen", "ngozi"],
)
def test_digraph_initials_do_not_mutate_as_their_first_letter(name: str) -> None:
    assert mutations(name) == {}


def test_ll_and_rh_are_one_letter() -> None:
    assert mutations("llew") == {"lew": "soft"}  # never "l" + "lew"
    assert mutations("rhodri") == {"rodri": "soft"}
    # A single l or r is a different letter, and does not mutate.
    assert mutations("lowri") == {}
    assert mutations("rian") == {}


@pytest.mark.parametrize("name", ["nia", "seren", "harri", "ffion", "lowri", "sion", "jac"])
def test_names_that_do_not_mutate(name: str) -> None:
    assert mutations(name) == {}


def test_only_the_first_word_of_a_name_mutates() -> None:
    assert mutations("elin ffion") == {"helin ffion": "h-prothesis"}
    assert mutations("catrin mair") == {
        "gatrin mair": "soft",
        "nghatrin mair": "nasal",
        "chatrin mair": "aspirate",
    }
    assert mutations("ffion  tomos") == {}  # the second word's t stays put


def test_input_is_lowercased_and_spaced_like_a_folded_name() -> None:
    assert mutations("Gwen") == {"wen": "soft", "ngwen": "nasal"}
    assert mutations(" Elin\tFfion ") == {"helin ffion": "h-prothesis"}
    assert mutations("") == {}
    assert mutations("   ") == {}


def test_no_form_is_shorter_than_two_letters() -> None:
    assert mutations("gi") == {"ngi": "nasal"}  # soft "i" dropped
    assert mutations("g") == {"ng": "nasal"}


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", max_size=12))
def test_forms_are_never_the_name_nor_too_short(name: str) -> None:
    folded = " ".join(name.split())
    for form, kind in mutations(name).items():
        assert form != folded
        assert len(form) >= 2
        assert kind in KINDS
        # Everything after the first word is untouched.
        assert form.split(" ")[1:] == folded.split(" ")[1:]


def test_no_dictionary_answers_none(monkeypatch: pytest.MonkeyPatch) -> None:
    from sitegen.policy import welsh

    monkeypatch.setattr(welsh, "_dictionary", lambda: None)
    assert welsh.welsh_words_available() is False
    assert welsh.is_welsh_word("wen") is None
    assert welsh.welsh_words(["wen"]) is None


@needs_dictionary
@pytest.mark.parametrize(
    "word",
    [
        "wen",  # gwen, white (f.)
        "fach",  # bach, small
        "dda",  # da, good
        "gath",  # cath, cat
        "ty",  # tŷ: folded words lose their accents as names do
        "ngwen",  # ngwên, nasal of gwên (smile): a surprise for pupils called Gwen
        "helin",  # ei helin, her elbow: so "Elin" is ambiguous after "ei"
        "Wen",
    ],
)
def test_real_welsh_words(word: str) -> None:
    assert is_welsh_word(word) is True


@needs_dictionary
@pytest.mark.parametrize(
    "word",
    [
        "domos",
        "nghatrin",
        "ddafydd",
        "nhomos",
        "catrin",  # in the dictionary only as the name "Catrin": a proper noun is not a word
        "dafydd",
        "qwxz",
    ],
)
def test_non_words(word: str) -> None:
    assert is_welsh_word(word) is False


@needs_dictionary
def test_batch_returns_the_forms_as_given() -> None:
    forms = [*mutations("gwen"), *mutations("tomos"), *mutations("catrin"), "Fach", "tŷ"]
    assert welsh_words(forms) == {"wen", "ngwen", "Fach", "tŷ"}
    assert welsh_words([]) == set()


@needs_dictionary
def test_fali_is_a_word_in_aspell_cy() -> None:
    # "fali" (Mali, soft) is listed by aspell-cy: checked so a dictionary change is noticed.
    assert is_welsh_word("fali") is True


def test_every_form_of_a_name_in_a_text_is_told_at_once(run, site) -> None:  # type: ignore[no-untyped-def]
    """ "Diolch i Domos a Thomos": only “Domos” was told; the teacher removed it, ran check
    again, and was told “Thomos” (found by a Welsh teacher's tour)."""
    site.post("p", lang="cy", pupils=["P4"], body="Diolch i Domos a Thomos am helpu.\n")
    (found,) = [
        f
        for f in run(site, "check", "--json").json()["posts"][0]["findings"]
        if f["code"] == "SG114"
    ]
    assert found["message"].startswith("“Domos” (the first name of P4, soft mutation)")
    assert found["message"].endswith(" (also written “Thomos”)"), found["message"]
