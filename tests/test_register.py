"""The consent register: spellings, withdrawals, name consent and faults."""

from __future__ import annotations

from datetime import date

from sitegen.register import parse_register, parse_yes_no

PLATFORMS = ("website", "facebook")


def test_yes_no_spellings() -> None:
    for value in ("yes", "Y", "TRUE", "1", " yes "):
        assert parse_yes_no(value) is True
    for value in ("no", "n", "False", "0", ""):
        assert parse_yes_no(value) is False
    assert parse_yes_no("maybe") is None


def test_columns_in_any_order_and_withdrawal() -> None:
    text = (
        "website,withdrawn_on,name,facebook,last_name,first_name,pupil_id,class\n"
        "yes,2026-11-15,full,no,Jones,Mia,P1,Year 4\n"
    )
    register = parse_register(text, "consent.csv", PLATFORMS)
    assert register.valid
    pupil = register.pupils["p1"]
    assert pupil.consent == {"website": True, "facebook": False}
    assert pupil.name_consent == "full"
    assert pupil.consents_to("website", date(2026, 11, 14))
    assert not pupil.consents_to("website", date(2026, 11, 15))
    assert pupil.name_consent_on(date(2026, 11, 15)) == "no"


def test_duplicate_ids_fold_like_front_matter() -> None:
    text = "pupil_id,first_name,last_name,website,facebook\nP1,A,B,yes,yes\np1 ,C,D,yes,yes\n"
    register = parse_register(text, "consent.csv", PLATFORMS)
    assert [(f.code, f.line) for f in register.findings] == [("SG160", 3)]


def test_quoted_fields_and_blank_lines() -> None:
    text = (
        'pupil_id,first_name,last_name,website,facebook\n\n"P1","Elin Ffion","Davies, Jr",yes,no\n'
    )
    register = parse_register(text, "consent.csv", PLATFORMS)
    assert register.valid and register.pupils["p1"].last_name == "Davies, Jr"


def test_missing_name_column_means_no_name_consent() -> None:
    register = parse_register(
        "pupil_id,first_name,last_name,website,facebook\nP1,A,B,1,1\n", "consent.csv", PLATFORMS
    )
    assert register.valid and register.pupils["p1"].name_consent == "no"


def test_a_quote_left_open_never_swallows_the_rows_after_it() -> None:
    """An open quote in P2's first name read the rest of the file into it: the register was
    valid, and P3 (under safeguarding) unknown, so a post naming her in full went out."""
    text = (
        "pupil_id,first_name,last_name,website,facebook,safeguarding\n"
        "P1,Mia,Jones,yes,yes,no\n"
        'P2,"Osian,Pritchard,yes,yes,no\n'
        "P3,Deio,Morgan,yes,yes,yes\n"
    )
    register = parse_register(text, "consent.csv", PLATFORMS)
    assert not register.valid
    assert [(f.code, f.line) for f in register.findings] == [("SG160", 3)]
    assert "quote left open" in register.findings[0].message
    assert set(register.pupils) == {"p1", "p2", "p3"} and register.pupils["p3"].safeguarding
    # P2's row cannot be trusted: no consent anywhere, never named, their name still known
    # to the checks.
    osian = register.pupils["p2"]
    assert (osian.first_name, osian.last_name) == ("Osian", "Pritchard")
    assert not any(osian.consent.values()) and osian.name_consent == "no"


def test_a_row_with_a_comma_too_many_or_too_few_is_never_read() -> None:
    """A comma too many moved each consent one column on: a "no" for Facebook read as yes."""
    text = (
        "pupil_id,first_name,last_name,website,facebook\n"
        "P1,Alys,Edwards,,no,\n"  # one too many: facebook would read "no"... and more
        "P2,Osian,Pritchard,no,yes\n"
        "P3,Elin,Davies,no\n"  # one too few
        "P4,Tomos,Bowen,yes,yes\r\n"
    )
    register = parse_register(text, "consent.csv", PLATFORMS)
    assert [(f.line, f.pupil) for f in register.findings] == [(2, "P1"), (4, "P3")]
    assert "has 6 cells and the header 5 columns" in register.findings[0].message
    assert {k for k, p in register.pupils.items() if any(p.consent.values())} == {"p2", "p4"}
    assert not any(register.pupils["p1"].consent.values())  # (held back: no consent)
    assert register.pupils["p4"].consent == {"website": True, "facebook": True}


def test_an_invisible_character_in_a_row_is_said_never_read() -> None:
    """A zero-width space in an id made another child's id look like it (and `check` then
    advised typing it, invisible character and all); a NUL hid in a name. What other columns
    hold is not sitegen's to refuse (a family emoji is joined by U+200D)."""
    text = (
        "pupil_id,first_name,last_name,website,facebook,notes\n"
        "P10\u200b06,Mia,Jones,yes,yes,\n"
        "P2,Osi\x00an,Pritchard,yes,yes,\n"
        "P3,Elin,Davies,yes,yes,\U0001f468\u200d\U0001f469\u200d\U0001f467 family\n"
    )
    register = parse_register(text, "consent.csv", PLATFORMS)
    assert [(f.line, f.message) for f in register.findings] == [
        (
            2,
            "P10\\u200b06: the row holds an invisible character (U+200B) in pupil_id (copied from another program?): retype it",
        ),
        (
            3,
            "P2: the row holds an invisible character (U+0000) in first_name (copied from another program?): retype it",
        ),
    ]
    assert {k for k, p in register.pupils.items() if any(p.consent.values())} == {"p3"}


def test_a_cell_on_two_lines_is_read_and_a_quote_left_open_is_not() -> None:
    """Alt+Enter in an Excel cell makes a valid cell of two lines: reading the register line
    by line refused it, and the safeguarded pupil on that row went unknown (their name then
    unchecked in posts that tag nobody). A quote never closed still swallows nothing."""
    text = (
        "pupil_id,first_name,last_name,website,facebook,given_by\n"
        'P1,Deio,Morgan,yes,yes,"local authority\n(looked-after child)"\n'
        'P2,"Osian,Pritchard,yes,yes,mother\n'
        "P3,Elin,Davies,yes,yes,father\n"
    )
    register = parse_register(text, "consent.csv", PLATFORMS)
    assert [f.line for f in register.findings] == [4]
    assert {k for k, p in register.pupils.items() if any(p.consent.values())} == {"p1", "p3"}
    assert not any(register.pupils["p2"].consent.values())  # (the open quote's row: held back)
    assert register.pupils["p1"].given_by == "local authority\n(looked-after child)"


def test_a_value_under_no_column_is_a_comma_too_many() -> None:
    """A header ending in an empty column (Excel's) gave a row with a comma too many the
    header's width: its consents moved on a column, a "no" read as a "yes"."""
    text = "pupil_id,first_name,last_name,website,facebook,\nP1,Mia,Jones,,yes,no\nP2,Osian,Pritchard,yes,no,\n"
    register = parse_register(text, "consent.csv", PLATFORMS)
    assert [(f.line, f.pupil) for f in register.findings] == [(2, "P1")]
    assert "under no column" in register.findings[0].message
    assert {k for k, p in register.pupils.items() if any(p.consent.values())} == {"p2"}
