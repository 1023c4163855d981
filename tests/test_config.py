"""site.toml: loaded, validated, and every problem named by key and line with exit code 2."""

from __future__ import annotations

import pytest

from tests.conftest import SITE_TOML


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("per_page = 3", 'per_page = "ten"'), "site.per_page must be a whole number"),
        (('leaders = ["head", "deputy"]', 'leaders = "head"'), "policy.leaders must be a list"),
        (('base_url = "https://news.test.sch.uk/"', 'base_url = "news.test"'), "site.base_url"),
        (('timezone = "Europe/London"', 'timezone = "Europe/Cardiff"'), "not a known time zone"),
        (('ocr = "off"', 'ocr = "maybe"'), "policy.ocr must be one of"),
        (
            ("quality = 80", "qualty = 80"),
            "images.qualty is not a known setting (did you mean quality?",
        ),
        (('title = "Ysgol Prawf"\n', ""), "site.title is required"),
        (("max_chars = 280", "max_chars = 280.5"), "exports.x.max_chars must be a whole number"),
        (("[exports.x]", "[exports.tiktok]"), "exports.tiktok is not an export platform"),
        (("[exports.x]", "[export.x]"), "export is not a known section (did you mean exports?"),
        (('closed_platforms = ["facebook"]', 'closed_platforms = ["myspace"]'), "closed_platforms"),
        (
            ('closed_platforms = ["facebook"]', 'closed_platforms = ["website"]'),
            "website is public",
        ),
        # nan compares false with everything: the tone check was silently off
        (("tone_threshold = -0.05", "tone_threshold = nan"), "policy.tone_threshold must be a"),
        (
            ('"instagram", "x"]', '"instagram", "x", "facebook"]'),
            "policy.platforms names facebook twice",
        ),
        (
            ('consent_register = "content/consent.csv"', 'consent_register = "/etc/passwd"'),
            "policy.consent_register must be a path inside the site folder",
        ),
        (
            ('consent_register = "content/consent.csv"', 'consent_register = "../other/c.csv"'),
            "policy.consent_register must be a path inside the site folder",
        ),
        # A typo: the build went on without a register, every tagged post taken down (a tour)
        (
            ('consent_register = "content/consent.csv"', 'consent_register = "content/nope.csv"'),
            'policy.consent_register "content/nope.csv" is not a file in the site',
        ),
    ],
)
def test_bad_values_exit_2_naming_key_and_line(run, site, change, words):  # type: ignore[no-untyped-def]
    old, new = change
    assert old in SITE_TOML
    site.config(SITE_TOML.replace(old, new, 1))
    result = run(site, "check")
    assert result.code == 2
    assert words in result.err
    assert "site.toml:" in result.err
    assert "Traceback" not in result.err + result.out
    assert len(result.err.strip().splitlines()) == 1  # one problem, one line


def test_all_problems_at_once(run, site):  # type: ignore[no-untyped-def]
    site.config(
        SITE_TOML.replace("per_page = 3", "per_page = 0").replace(
            "quality = 80", 'quality = "high"'
        )
    )
    result = run(site, "status")
    assert result.code == 2
    assert "site.per_page" in result.err and "images.quality" in result.err


def test_invalid_toml_and_missing_file(run, site):  # type: ignore[no-untyped-def]
    site.config(SITE_TOML.replace("per_page = 3", "per_page = = 3"))
    result = run(site, "check")
    assert result.code == 2 and "site.toml:6" in result.err and "TOML" in result.err
    (site.root / "site.toml").unlink()
    result = run(site, "check")
    assert result.code == 2 and "no site.toml" in result.err


def test_line_for_key(run, site):  # type: ignore[no-untyped-def]
    site.config(SITE_TOML.replace("tone_threshold = -0.05", 'tone_threshold = "low"'))
    result = run(site, "check")
    line = SITE_TOML.split("\n").index("tone_threshold = -0.05") + 1
    assert f"site.toml:{line}: policy.tone_threshold must be a number" in result.err


def test_defaults_apply(tmp_path):  # type: ignore[no-untyped-def]
    from sitegen.config import load_config

    (tmp_path / "site.toml").write_text(
        '[site]\ntitle = "T"\nbase_url = "https://x.org/"\n[policy]\nleaders = ["head"]\n'
    )
    config = load_config(tmp_path)
    assert config.platforms == ("website", "facebook", "instagram", "x")
    assert config.per_page == 10 and config.image_widths == (480, 960, 1600)
    assert config.timezone == "Europe/London" and config.exports == {}


def test_a_byte_order_mark_is_no_error(run, site):  # type: ignore[no-untyped-def]
    """Notepad saves UTF-8 with a BOM: site.toml:1 read as "Invalid statement"."""
    (site.root / "site.toml").write_bytes("\ufeff".encode() + SITE_TOML.encode())
    assert run(site, "check").code in (0, 1)  # (a policy finding or none: read)


def test_a_key_without_a_line_is_never_given_another_tables(run, site) -> None:  # type: ignore[no-untyped-def]
    """`[exports]` with a dotted `tiktok.max_chars`, after `[exports.x]`: tiktok's missing
    setting was told at the `[exports.x]` line (found by a review)."""
    from tests.conftest import SITE_TOML

    toml = SITE_TOML.replace('"instagram", "x"]', '"instagram", "x", "tiktok"]')
    site.config(toml + "\n[exports]\ntiktok.max_chars = 2200\n")
    result = run(site, "check")
    lines = [line for line in result.err.splitlines() if "tiktok" in line]
    x_line = next(n for n, t in enumerate(toml.splitlines(), 1) if t.startswith("[exports.x]"))
    assert lines and not any(f"site.toml:{x_line}:" in line for line in lines), result.err
