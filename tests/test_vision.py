"""SG125: names on certificates, read by OCR (tesserocr), cached by the photo's bytes.
(Faces are tests/test_faces.py's.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from imagegen import certificate  # type: ignore[import-not-found]

from sitegen import vision
from sitegen.engine.store import ResultFiles
from sitegen.images import content_hash
from sitegen.policy.photos import names_in_words
from sitegen.register import parse_register
from tests.conftest import FIXTURES, REGISTER, SITE_TOML, SiteDir

PLATFORMS = ("website", "facebook", "instagram", "x")
FACES = FIXTURES / "faces"


def words_in(image_path: Path, tmp_path: Path) -> list[str]:
    return vision.read_words(
        image_path, content_hash(image_path.read_bytes()), ResultFiles(tmp_path / "cache")
    )


def register():  # type: ignore[no-untyped-def]
    return parse_register(REGISTER, "consent.csv", PLATFORMS)


@pytest.mark.parametrize(
    ("font", "angle"),
    [
        ("DejaVuSerif-Bold.ttf", 0),
        ("DejaVuSans.ttf", 6),
        ("LiberationSerif-Bold.ttf", -10),
        ("LiberationSans-Regular.ttf", 9),
    ],
)
def test_a_name_on_a_photographed_certificate_is_read(
    font: str, angle: float, tmp_path: Path
) -> None:
    path = tmp_path / "cert.jpg"
    certificate("Osian Pritchard", font, angle, seed=int(angle) + 20).save(path, quality=85)
    found = names_in_words(words_in(path, tmp_path), register(), [])
    assert [(p.pupil_id, full) for p, full in found] == [("P2", True)]


def test_sideways_certificate_is_read_after_turning(tmp_path: Path) -> None:
    path = tmp_path / "sideways.jpg"
    certificate("Osian Pritchard", "DejaVuSans.ttf", 3).rotate(90, expand=True).save(path)
    assert [p.pupil_id for p, _ in names_in_words(words_in(path, tmp_path), register(), [])] == [
        "P2"
    ]


@pytest.mark.parametrize("angle", [180, 20, -30, 40, 200])
def test_a_certificate_upside_down_or_leaning_is_read(angle: float, tmp_path: Path) -> None:
    """Photographed across a table, or leaning 20 degrees and more: the name was published
    (found by the photo tour)."""
    path = tmp_path / "cert.jpg"
    certificate("Osian Pritchard", "DejaVuSans.ttf", angle, seed=7).save(path, quality=90)
    assert ("P2", True) in [
        (p.pupil_id, full) for p, full in names_in_words(words_in(path, tmp_path), register(), [])
    ]


def test_a_name_turned_another_way_than_the_rest_of_a_board_is_read(tmp_path: Path) -> None:
    """A display board: an upright certificate with no name, and one turned sideways that
    names Osian. Words read upright ended the search, and the name was published."""
    from PIL import Image

    board = Image.new("RGB", (1600, 1200), (200, 190, 170))
    blank = certificate(None, "DejaVuSans.ttf", 0, size=(1100, 780))
    named = certificate("Osian Pritchard", "DejaVuSans.ttf", 0, size=(1100, 780))
    board.paste(blank.resize((880, 624)), (20, 40))
    board.paste(named.resize((880, 624)).rotate(90, expand=True), (940, 40))
    path = tmp_path / "board.jpg"
    board.save(path, quality=90)
    words = words_in(path, tmp_path)
    assert "Certificate" in " ".join(words)
    assert [p.pupil_id for p, _ in names_in_words(words, register(), [])] == ["P2"]


def test_an_upright_card_before_slanting_stripes_is_read(tmp_path: Path) -> None:
    """Bunting or a tablecloth's stripes at 25 degrees behind an upright card: the photo was
    read only levelled to the stripes, and the card's name was missed (found by a review of
    the first every-way-up reading)."""
    from imagegen import font  # type: ignore[import-not-found]
    from PIL import Image, ImageDraw

    stripes = Image.new("L", (6000, 6000), 235)
    draw = ImageDraw.Draw(stripes)
    for y in range(0, 6000, 90):  # (lines 25 degrees from level, once turned)
        draw.rectangle([0, y, 6000, y + 30], fill=40)
    stripes = stripes.rotate(25, resample=Image.Resampling.BICUBIC).crop((1000, 1500, 5000, 3000))
    photo = Image.new("L", (4000, 3000), 235)
    photo.paste(stripes, (0, 1500))
    card = Image.new("L", (1500, 160), 250)
    ImageDraw.Draw(card).text(
        (40, 50), "Star of the week: Osian Pritchard", fill=10, font=font("DejaVuSans.ttf", 48)
    )
    photo.paste(card, (1200, 700))
    path = tmp_path / "card.jpg"
    photo.convert("RGB").save(path, quality=90)
    found = names_in_words(words_in(path, tmp_path), register(), [])
    assert [p.pupil_id for p, _ in found] == ["P2"]


def test_blanked_certificate_shows_no_name(tmp_path: Path) -> None:
    path = tmp_path / "blank.jpg"
    certificate(None, "DejaVuSerif-Bold.ttf", 5).save(path, quality=85)
    words = words_in(path, tmp_path)
    assert "Certificate" in " ".join(words)  # the OCR did read the certificate
    assert names_in_words(words, register(), list(register().pupils.values())) == []


def test_ocr_tolerates_one_wrong_letter_in_long_names_only() -> None:
    reg = register()
    tagged = [reg.pupils["p1"], reg.pupils["p2"]]
    assert [p.pupil_id for p, _ in names_in_words(["Osian", "Pritchord"], reg, [])] == ["P2"]
    assert [p.pupil_id for p, _ in names_in_words(["0sian"], reg, tagged)] == ["P2"]  # 5 letters
    assert [p.pupil_id for p, _ in names_in_words(["Osiann,"], reg, tagged)] == ["P2"]
    assert names_in_words(["Mla", "Jones"], reg, tagged) == []  # Mia: too short to guess
    assert [(p.pupil_id, f) for p, f in names_in_words(["MIA"], reg, tagged)] == [("P1", False)]
    assert names_in_words(["Mia"], reg, []) == []  # a first name alone: only if tagged


def site_with(
    site: SiteDir, photo: Path, pupils: list[str], ocr: str = "on", faces: str = "on"
) -> None:
    site.config(
        SITE_TOML.replace('ocr = "off"', f'ocr = "{ocr}"').replace(
            'faces = "off"', f'faces = "{faces}"'
        )
    )
    folder = site.root / "content/posts/p"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(photo, folder / photo.name)
    site.post(
        "p",
        pupils=pupils,
        images=[{"file": photo.name, "alt": "A photograph of the visit", "pupils": pupils}],
    )


def test_sg125_via_check_and_named_consent(run, site: SiteDir, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "award.jpg"
    certificate("Elin Ffion Davies", "DejaVuSerif-Bold.ttf", 4).save(path, quality=85)
    site_with(site, path, ["P3"], faces="off")
    result = run(site, "check", "--json")
    (f,) = [f for f in result.json()["posts"][0]["findings"] if f["code"] == "SG125"]
    assert f["pupil"] == "P3" and f["line"] and result.code == 1
    index = site.root / "content/posts/p/index.md"
    index.write_text(index.read_text().replace("named: []", "named:\n- P3"))
    result = run(site, "check", "--json")  # P3 has full name consent: named, it may show
    assert "SG125" not in {f["code"] for f in result.json()["posts"][0]["findings"]}


def test_a_name_held_in_a_photos_transparency_is_read(run, site: SiteDir, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A PNG whose colours are all black and whose picture is in its transparency: the
    published copy, shown on white, reads "Osian Pritchard", but OCR read its black colours
    and found nothing (found by a security review)."""
    from PIL import Image

    paper = certificate("Osian Pritchard", "DejaVuSans.ttf", 0).convert("L")
    hidden = Image.new("RGBA", paper.size, (0, 0, 0, 0))
    hidden.putalpha(paper.point(lambda value: 255 - value))  # dark ink: opaque
    path = tmp_path / "award.png"
    hidden.save(path)
    site_with(site, path, ["P2"], faces="off")
    result = run(site, "check", "--json")
    (f,) = [f for f in result.json()["posts"][0]["findings"] if f["code"] == "SG125"]
    assert f["pupil"] == "P2"


def test_sg125_says_a_full_name_needs_full_consent(run, site: SiteDir, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """P2 is named with name consent 'yes': a full name on the certificate still needs
    'full', and the message says so (listing them in named again would change nothing)."""
    path = tmp_path / "award.jpg"
    certificate("Osian Pritchard", "DejaVuSans.ttf", 0).save(path)
    site_with(site, path, ["P2"], faces="off")
    index = site.root / "content/posts/p/index.md"
    index.write_text(index.read_text().replace("named: []", "named:\n- P2"))
    result = run(site, "check", "--json")
    (f,) = [f for f in result.json()["posts"][0]["findings"] if f["code"] == "SG125"]
    assert f["message"] == (
        "image award.jpg shows the full name of P2 (read from the photo): P2's name consent "
        "is 'yes': a full name needs 'full' (cover or crop it, or keep the first name only)"
    )


def test_switches(run, site: SiteDir, monkeypatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "award.jpg"
    certificate("Osian Pritchard", "DejaVuSans.ttf", 0).save(path)
    site_with(site, path, [], ocr="off", faces="off")
    assert "SG125" not in run(site, "check").out
    monkeypatch.setattr(vision, "tessdata", lambda: None)
    site_with(site, path, [], ocr="auto", faces="off")
    result = run(site, "check")
    assert "(SG125) were not checked: Tesseract's English and Welsh data" in result.err
    assert "SG125" not in result.out
    site_with(site, path, [], ocr="on", faces="off")
    result = run(site, "check")
    assert result.code == 2 and "policy.ocr" in result.err and "tesseract-ocr-cym" in result.err


def test_results_are_cached_by_content(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "award.jpg"
    certificate("Osian Pritchard", "DejaVuSans.ttf", 0).save(path)
    first = words_in(path, tmp_path)

    def no_tesseract(*args: object, **kwargs: object) -> None:
        raise AssertionError("OCR ran again on an unchanged photo")

    monkeypatch.setattr(vision, "_tesseract", no_tesseract)
    assert words_in(path, tmp_path) == first
    copy = tmp_path / "renamed.jpg"
    shutil.copy(path, copy)
    assert words_in(copy, tmp_path) == first  # same bytes, same answer, whatever the name


def test_the_sar_says_a_name_is_on_a_photo_not_in_the_words(
    run, site: SiteDir, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Elin's certificate names her and the post's words do not: her family is told where
    her name is (it read "its words name Elin Ffion", then "Its name is written on a photo")."""
    path = tmp_path / "award.jpg"
    certificate("Elin Ffion Davies", "DejaVuSerif-Bold.ttf", 4).save(path, quality=85)
    site_with(site, path, ["P3"], faces="off")
    report = run(site, "sar", "P3", now="2026-11-25T12:00").out
    assert "Elin Ffion's name is written on 1 photo in it." in report
    assert "its words name" not in report and "Its name is" not in report
    assert "Its words do not name Elin Ffion." in report
    assert "Elin Ffion's name is written on a photo (award.jpg)." in report
    (post,) = run(site, "sar", "P3", "--json", now="2026-11-25T12:00").json()["posts"]
    assert post["named_in_text"] is False and post["named_on_photo"] is True


def test_tesseracts_image_library_says_nothing_on_the_terminal(tmp_path: Path, capfd) -> None:  # type: ignore[no-untyped-def]
    """Leptonica wrote "Error in boxClipToRectangle: box outside rectangle" to the terminal
    while `check` read an iPhone photo, naming no file: a teacher took it for their fault."""
    photo = FIXTURES / "photos-more/mobile_iphone_13_pro_max.HEIC"
    words_in(photo, tmp_path)
    assert capfd.readouterr().err == ""
