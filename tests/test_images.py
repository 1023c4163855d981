"""Images on real camera files, with exiftool as an independent reader of what comes out."""

from __future__ import annotations

import io
import json
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat, PngImagePlugin

from sitegen import images
from sitegen.engine.store import ResultFiles
from sitegen.images import (
    Job,
    RenderSpec,
    device_approved,
    device_name,
    inspect_image,
    render_all,
    render_image,
)
from sitegen.imageverify import ImageStructureError, check_publishable
from sitegen.pixels import upright_picture
from tests.conftest import FIXTURES, PHOTOS
from tests.imagegen import red_only_profile

SPEC = RenderSpec(widths=(480, 960, 1600), quality=82, max_pixels=40_000_000)
ALL_PHOTOS = sorted(
    p
    for d in ("photos", "photos-more")
    for p in (FIXTURES / d).iterdir()
    if p.suffix.lower() != ".md"
)
# exiftool's family-0 groups that a scrubbed file may show: the file itself and JFIF/RIFF basics.
CLEAN_GROUPS = {"ExifTool", "File", "JFIF", "Composite", "RIFF"}


def exiftool(paths: list[Path]) -> list[dict]:
    if not shutil.which("exiftool"):
        pytest.fail("exiftool is missing: `make test` installs libimage-exiftool-perl")
    out = subprocess.run(
        ["exiftool", "-j", "-a", "-u", "-G0", *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


def publish(path: Path, tmp: Path) -> list[Path]:
    variants, files = render_image(path.read_bytes(), path.name, SPEC)
    out = []
    for name, data in files.items():
        (tmp / name).write_bytes(data)
        out.append(tmp / name)
    assert [v.file for v in variants] == list(files)
    return out


@pytest.mark.parametrize("photo", ALL_PHOTOS, ids=lambda p: p.name)
def test_every_fixture_is_published_clean_or_refused(photo: Path, tmp_path: Path) -> None:
    facts = inspect_image(photo.read_bytes(), SPEC.max_pixels)
    if facts.error:
        assert photo.name in {"corrupted.jpg", "tiff_BSG1.tiff"}, facts.error
        return
    outputs = publish(photo, tmp_path)
    assert outputs
    for record in exiftool(outputs):
        groups = {key.split(":")[0] for key in record if ":" in key}
        assert groups <= CLEAN_GROUPS, (record["SourceFile"], groups - CLEAN_GROUPS)
        assert "File:Comment" not in record
        assert not any("Orientation" in key or "ThumbnailImage" in key for key in record)
    for path in outputs:
        with Image.open(path) as img:
            assert not img.info.get("exif") and not img.info.get("icc_profile")
            assert img.width <= max(facts.width, 1)


def test_corrupt_and_unsupported_are_refused_with_a_reason() -> None:
    corrupt = inspect_image((PHOTOS / "corrupted.jpg").read_bytes(), SPEC.max_pixels)
    assert corrupt.error and "corrupt" in corrupt.error
    tiff = inspect_image((FIXTURES / "photos-more/tiff_BSG1.tiff").read_bytes(), SPEC.max_pixels)
    assert tiff.error and "TIFF" in tiff.error
    truncated = (PHOTOS / "gps_DSCN0010.jpg").read_bytes()[:60_000]
    assert "truncated" in (inspect_image(truncated, SPEC.max_pixels).error or "")
    # An iPhone photo cut short: libheif decodes it without a word, the missing tiles green.
    heic = (PHOTOS / "IMG_5195.HEIC").read_bytes()
    assert inspect_image(heic, SPEC.max_pixels).error is None
    cut = inspect_image(heic[:200_000], SPEC.max_pixels)
    assert "truncated" in (cut.error or ""), cut
    for trailer in (b"\n", b"\0" * 4, b"SEFH" + b"\0" * 12 + b"SEFT"):  # (after the image data)
        assert inspect_image(heic + trailer, SPEC.max_pixels).error is None, trailer
    svg = inspect_image(b'<svg xmlns="http://www.w3.org/2000/svg"/>', SPEC.max_pixels)
    assert svg.error and "SVG" in svg.error
    # A PNG whose header is damaged was "not a supported image (JPEG, PNG ...)": a teacher
    # read that PNG is not taken (found by the photo tour).
    png = bytearray((FIXTURES / "faces/no_faces_coffee.png").read_bytes())
    png[40] ^= 0xFF
    damaged = inspect_image(bytes(png), SPEC.max_pixels)
    assert damaged.error and damaged.error.startswith("is a damaged PNG file"), damaged.error
    # An AV1 picture in a HEIF box (brand mif1): libheif cannot decode it, and its error
    # stopped check and build with a traceback (found by a review).
    from PIL import Image

    avif = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(avif, "AVIF")
    av1 = bytearray(avif.getvalue())
    av1[8:12] = b"mif1"
    assert inspect_image(bytes(av1), SPEC.max_pixels).error
    for video in (b"\0\0\0\x18ftypmp42\0\0\0\0", b"\0\0\0\x14ftypqt  \0\0\0\0"):
        assert "not a supported image" in (inspect_image(video, SPEC.max_pixels).error or "")


def test_malformed_exif_is_published_without_metadata(tmp_path: Path) -> None:
    photo = PHOTOS / "invalid_image00971.jpg"
    assert inspect_image(photo.read_bytes(), SPEC.max_pixels).error is None
    (record,) = exiftool(publish(photo, tmp_path)[:1])
    assert {k.split(":")[0] for k in record if ":" in k} <= CLEAN_GROUPS


def test_a_photo_with_a_broken_exif_pointer_is_checked_as_published(tmp_path: Path) -> None:
    """A rotation, and a GPS block's pointer that points before the file: Pillow's own
    exif_transpose raised ValueError (a traceback from check, status and build). The checks
    now see it as it is published: the EXIF is malformed, so it is not turned."""
    entry = lambda tag, kind, count, value: struct.pack("<HHI", tag, kind, count) + value  # noqa: E731
    ifd = entry(0x112, 3, 1, struct.pack("<HH", 6, 0)) + entry(0x8825, 9, 1, struct.pack("<i", -5))
    tiff = b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", 2) + ifd + b"\0" * 4
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "white").save(buffer, "JPEG", exif=b"Exif\0\0" + tiff)
    data = buffer.getvalue()
    assert "malformed EXIF" in " ".join(inspect_image(data, SPEC.max_pixels).personal)
    assert upright_picture(data).size == (640, 480)  # (not turned: as published)
    variants, _ = render_image(data, "hall.jpg", SPEC)
    assert (variants[0].width, variants[0].height) == (480, 360)


def test_the_checks_see_a_photo_through_its_colour_profile(tmp_path: Path) -> None:
    """Green words on red, the same brightness in sRGB: under the photo's own profile only
    red shows, so the published copy reads black on white. The checks (OCR, faces) looked at
    the pixels as they are, without the profile: flat grey, no words, while the published
    copy showed a child's name (found by a security review)."""
    picture = Image.new("RGB", (800, 400), (255, 0, 0))
    ImageDraw.Draw(picture).rectangle((100, 100, 700, 300), fill=(0, 130, 0))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=95, icc_profile=red_only_profile())
    data = buffer.getvalue()
    variants, files = render_image(data, "award.jpg", SPEC)
    published = Image.open(io.BytesIO(files[variants[0].file])).convert("L").resize((800, 400))
    checked = upright_picture(data).convert("L")
    assert ImageStat.Stat(published).extrema[0][1] - ImageStat.Stat(published).extrema[0][0] > 200
    difference = ImageStat.Stat(ImageChops.difference(published, checked)).mean[0]
    assert difference < 8, difference


def _upright(photo: str, tmp: Path) -> Image.Image:
    data = (FIXTURES / photo).read_bytes()
    variants, files = render_image(data, photo, SPEC)
    return Image.open(io.BytesIO(files[variants[0].file])).convert("L")


def test_orientations_come_out_upright(tmp_path: Path) -> None:
    landscapes = [_upright(f"photos/orientation_landscape_{n}.jpg", tmp_path) for n in (3, 6)]
    landscapes.append(_upright("photos-more/orientation_landscape_5.jpg", tmp_path))
    portraits = [_upright(f"photos/orientation_portrait_{n}.jpg", tmp_path) for n in (5, 8)]
    portraits.append(_upright("photos-more/orientation_portrait_7.jpg", tmp_path))
    assert all(img.width > img.height for img in landscapes)
    assert all(img.height > img.width for img in portraits)
    # Each set is one picture stored with different orientations: upright, they are alike.
    for group in (landscapes, portraits):
        for other in group[1:]:
            diff = ImageStat.Stat(ImageChops.difference(group[0], other)).mean[0]
            assert diff < 8, diff
    # A wrong rotation would not be alike: the test can fail.
    flipped = landscapes[1].transpose(Image.Transpose.ROTATE_180)
    assert ImageStat.Stat(ImageChops.difference(landscapes[0], flipped)).mean[0] > 8


def test_heic_from_an_iphone_is_published_upright(tmp_path: Path) -> None:
    facts = inspect_image((PHOTOS / "IMG_5195.HEIC").read_bytes(), SPEC.max_pixels)
    assert facts.error is None and facts.format == "HEIF"
    assert "GPS location" in facts.personal
    outputs = publish(PHOTOS / "IMG_5195.HEIC", tmp_path)
    records = exiftool(outputs)
    sizes = [
        tuple(map(int, str(r["Composite:ImageSize"]).replace("x", " ").split())) for r in records
    ]
    assert {w for w, _ in sizes} == {480, 960, 1600}
    assert all(h > w for w, h in sizes)  # portrait, as the phone held it


def _huge_png(path: Path, width: int = 10_000, height: int = 10_000) -> Path:
    """A real, valid 100-megapixel PNG, written without ever holding its pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    compressor = zlib.compressobj(1)
    row = b"\0" * (width * 3 + 1)
    idat = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
    return path


def test_decompression_bomb_refused_without_decoding(tmp_path: Path) -> None:
    bomb = _huge_png(tmp_path / "bomb.png")
    script = (
        "import resource, sys; from pathlib import Path\n"
        "from sitegen.images import inspect_image\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        f"facts = inspect_image(Path({str(bomb)!r}).read_bytes(), 40_000_000)\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(facts.error); print((after - before) // 1024)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert "100.0 megapixels" in out[0] and "max_pixels" in out[0]
    grown_mb = int(out[1])
    assert grown_mb < 60, f"{grown_mb} MB: the pixels (300 MB) must never be allocated"


def test_png_alpha_text_icc_and_gif_frames(tmp_path: Path) -> None:
    png = tmp_path / "a.png"
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Mia Jones")
    info.add_itxt("Comment", "taken at 12 Heol y Castell")
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.new("RGBA", (600, 400), (200, 10, 10, 128)).save(png, pnginfo=info, icc_profile=icc)
    gif = tmp_path / "b.gif"
    frames = [Image.new("P", (500, 300), c) for c in (1, 2, 3)]
    frames[0].save(gif, save_all=True, append_images=frames[1:], comment=b"Dylan Watkins")
    outputs = publish(png, tmp_path) + publish(gif, tmp_path)
    for record in exiftool(outputs):
        assert {k.split(":")[0] for k in record if ":" in k} <= CLEAN_GROUPS, record
        assert "Mia" not in json.dumps(record) and "Dylan" not in json.dumps(record)


def test_output_allow_list_refuses_metadata() -> None:
    with pytest.raises(ImageStructureError, match="APP1"):
        check_publishable((PHOTOS / "gps_DSCN0010.jpg").read_bytes())
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "JPEG", comment=b"secret")
    with pytest.raises(ImageStructureError, match="COM"):
        check_publishable(buffer.getvalue())
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "WEBP", exif=b"Exif\0\0II*\0")
    with pytest.raises(ImageStructureError):
        check_publishable(buffer.getvalue())
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "JPEG")
    check_publishable(buffer.getvalue())


def test_device_names_per_spec() -> None:
    assert device_name("Canon", "Canon EOS 40D") == "Canon EOS 40D"
    assert device_name("NIKON CORPORATION", "NIKON D70s") == "NIKON D70s"
    assert device_name("Apple", "iPad (9th generation)") == "Apple iPad (9th generation)"
    approved = ["Apple iPad (9th generation)", " canon  eos 40d "]
    assert device_approved("Apple", "iPad (9th generation)", approved)
    assert device_approved("Canon", "Canon EOS 40D", approved)
    assert device_approved("NIKON CORPORATION", "NIKON D70s", ["nikon corporation nikon d70s"])
    assert not device_approved("Apple", "iPhone 11 Pro Max", approved)


def test_cache_warm_run_decodes_nothing_and_corrupt_entries_are_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = ResultFiles(tmp_path / "cache")
    jobs = [Job(PHOTOS / name, name, SPEC) for name in ("gps_DSCN0010.jpg", "Canon_40D.jpg")]
    cold = render_all(jobs, cache, workers=1)
    assert not any(isinstance(r, Exception) for r in cold)

    def no_decoding(*args: object, **kwargs: object) -> None:
        raise AssertionError("a warm run must not decode")

    monkeypatch.setattr(images, "render_image", no_decoding)
    warm = render_all(jobs, cache, workers=1)
    assert [[v.file for v in r[0]] for r in warm] == [[v.file for v in r[0]] for r in cold]
    # Truncate one cached file: the entry is not trusted, the image is made again.
    cached = next((tmp_path / "cache" / "render").rglob("*.jpg"))
    cached.write_bytes(cached.read_bytes()[:100])
    (result,) = [r for r in render_all(jobs, cache, workers=1) if isinstance(r, Exception)]
    assert "must not decode" in str(result)
    monkeypatch.undo()
    again = render_all(jobs, cache, workers=1)
    assert not any(isinstance(r, Exception) for r in again)


def test_parallel_render_matches_serial(tmp_path: Path) -> None:
    jobs = [
        Job(PHOTOS / n, n, SPEC)
        for n in ("gps_DSCN0010.jpg", "gps_DSCN0012.jpg", "orientation_landscape_6.jpg")
    ]
    serial = render_all(jobs, ResultFiles(None), workers=1)
    parallel = render_all(jobs, ResultFiles(None), workers=2)
    for (sv, sf), (pv, pf) in zip(serial, parallel, strict=True):
        assert sv == pv and sf == pf


def test_a_gifs_xmp_location_is_told(tmp_path: Path) -> None:
    """exiftool writes GPS and a creator into a GIF's XMP: check said nothing of it (SG124),
    or only that a comment would go (found by the photo tour). The GIF's XMP is read from its
    bytes (Pillow keeps only its name), and a location in any XMP is told as one."""
    from PIL import Image

    path = tmp_path / "fair.gif"
    Image.new("RGB", (64, 48), (200, 40, 40)).save(path)
    subprocess.run(
        [
            "exiftool",
            "-q",
            "-overwrite_original",
            "-GPSLatitude=51.48",
            "-GPSLatitudeRef=N",
            "-GPSLongitude=3.18",
            "-GPSLongitudeRef=W",
            "-XMP:Creator=Mrs J Jones",
            str(path),
        ],
        check=True,
    )
    facts = inspect_image(path.read_bytes(), SPEC.max_pixels)
    assert facts.error is None and {"GPS location", "XMP"} <= set(facts.personal), facts


def test_a_gps_block_that_holds_only_its_version_is_no_gps_data() -> None:
    """Canon's cameras write a GPS block with GPSVersionID alone: no place, no time. SG124
    said the photo "carries GPS data" (found by a teacher's tour)."""
    canon = inspect_image((PHOTOS / "Canon_40D.jpg").read_bytes(), SPEC.max_pixels)
    assert not any("GPS" in said for said in canon.personal), canon.personal
    nikon = inspect_image((PHOTOS / "gps_DSCN0010.jpg").read_bytes(), SPEC.max_pixels)
    assert "GPS location" in nikon.personal


def test_static_pictures_go_out_as_they_show_and_without_metadata() -> None:
    """templates/static/ pictures (found by a review of their first scrubbing): a plain GIF
    stopped the build (its bytes were searched for a comment's marker), data after a JPEG's
    end went out (a phone's trailer, with a name in it), a turned logo went out on its side,
    and an animation lost its frames."""
    from sitegen.imageverify import check_publishable_static
    from sitegen.pixels import static_copy

    plain = io.BytesIO()
    Image.open(PHOTOS / "gps_DSCN0010.jpg").convert("P").resize((320, 240)).save(plain, "GIF")
    assert static_copy(plain.getvalue()) == plain.getvalue()  # (as it is: nothing to take out)
    frames = [Image.new("RGB", (20, 20), colour) for colour in ("red", "green", "blue")]
    looping = io.BytesIO()
    frames[0].save(looping, "GIF", save_all=True, append_images=frames[1:], loop=0)
    assert static_copy(looping.getvalue()) == looping.getvalue()
    commented = io.BytesIO()
    frames[0].save(commented, "GIF", save_all=True, append_images=frames[1:], comment=b"Mia")
    with pytest.raises(ImageStructureError, match=r"^is animated and carries metadata"):
        static_copy(commented.getvalue())  # (not "is damaged (is animated ...)": a review)
    assert b"Mia" not in static_copy(plain.getvalue() + b"Mia Jones, Year 4")  # (after its end)
    # A palette PNG with a transparent colour and a colour profile (found by a review: a
    # traceback), its transparency kept.
    from PIL import ImageCms

    palette = io.BytesIO()
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.new("P", (4, 4)).save(palette, "PNG", transparency=0, icc_profile=srgb)
    logo = Image.open(io.BytesIO(static_copy(palette.getvalue())))
    assert logo.mode == "RGBA" and logo.getpixel((0, 0))[3] == 0
    # A colour key (an RGB or grey PNG's transparent colour) is kept too, as an alpha; data
    # after a PNG's end goes (both found by a review).
    keyed = io.BytesIO()
    notes = PngImagePlugin.PngInfo()
    notes.add_text("Author", "Mia Jones")
    Image.new("RGB", (4, 4), "white").save(
        keyed, "PNG", transparency=(255, 255, 255), pnginfo=notes
    )
    logo = Image.open(io.BytesIO(static_copy(keyed.getvalue())))
    assert logo.mode == "RGBA" and logo.getpixel((0, 0))[3] == 0
    clean_png = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(clean_png, "PNG")
    assert b"MiaJone" not in static_copy(clean_png.getvalue() + b"MiaJone")
    # A GIF cut short in its second frame: told in words, not a traceback.
    frames_cut = looping.getvalue()
    second = frames_cut.index(b"\x2c", frames_cut.index(b"\x2c") + 1)
    with pytest.raises(ImageStructureError):
        static_copy(frames_cut[: second + 1] + b"Mia")

    clean = io.BytesIO()
    Image.new("RGB", (64, 32), "white").save(clean, "JPEG")
    trailer = clean.getvalue() + b"SEFH\0\0Image_UTC_Data Mia Jones, Year 4"
    copy = static_copy(trailer)
    assert b"Mia Jones" not in copy and copy.endswith(b"\xff\xd9")
    check_publishable_static(copy)

    turned = static_copy((PHOTOS / "orientation_portrait_8.jpg").read_bytes())
    with Image.open(PHOTOS / "orientation_portrait_8.jpg") as original:
        assert Image.open(io.BytesIO(turned)).size == original.size[::-1]  # (upright)

    with pytest.raises(ImageStructureError) as damaged:
        static_copy(b"\xff\xd8hello")
    assert "BytesIO" not in str(damaged.value)
