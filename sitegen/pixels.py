"""Pillow's side of photos: opened safely, metadata read, turned upright, scrubbed, resized."""

from __future__ import annotations

import io
import struct
import warnings
from typing import Any

from PIL import ExifTags, Image, ImageCms, UnidentifiedImageError

from sitegen import faces
from sitegen.faces import Box
from sitegen.images import ImageFacts, RenderSpec, Variant, safe_stem, target_widths
from sitegen.imageverify import (
    ImageStructureError,
    check_publishable,
    check_publishable_static,
    heif_boxes,
    jpeg_markers,
)

try:  # iPhone and iPad photos
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - pillow-heif is a dependency; this keeps check usable
    pass

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF", "HEIF")
DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    TypeError,
    RuntimeError,  # (libheif: "Support for this compression format has not been built in")
    struct.error,  # (a GIF cut short in a frame's header, as Pillow counts its frames)
    Image.DecompressionBombError,
    ImageStructureError,
)
# Pillow's own bomb guard is a second line; ours (max_pixels) is checked before decoding.
warnings.simplefilter("ignore", Image.DecompressionBombWarning)

IFD = ExifTags.IFD
TAG_MAKE, TAG_MODEL, TAG_ORIENTATION = 0x010F, 0x0110, 0x0112
PERSONAL_IFD0 = {0x013B: "artist", 0x8298: "copyright owner", 0x010E: "image description"}
PERSONAL_EXIF = {
    0x927C: "MakerNotes",
    0xA430: "camera owner's name",
    0xA431: "camera serial number",
    0xA435: "lens serial number",
    0x9286: "user comment",
}
GPS_POSITION = (2, 4)  # GPSLatitude, GPSLongitude
GPS_VERSION = 0  # GPSVersionID
T = Image.Transpose
# EXIF orientation -> the transform that shows the picture upright.
ORIENT = {
    2: T.FLIP_LEFT_RIGHT,
    3: T.ROTATE_180,
    4: T.FLIP_TOP_BOTTOM,
    5: T.TRANSPOSE,
    6: T.ROTATE_270,
    7: T.TRANSVERSE,
    8: T.ROTATE_90,
}
SNIFF = [
    (b"II*\0", "TIFF"),
    (b"MM\0*", "TIFF"),
    (b"BM", "BMP"),
    (b"<svg", "SVG"),
    (b"<?xml", "SVG/XML"),
    (b"%PDF", "PDF"),
    (b"8BPS", "Photoshop"),
]


def _open(source: bytes) -> Image.Image:
    return Image.open(io.BytesIO(source), formats=ALLOWED_FORMATS)


# How the formats sitegen publishes begin: a file that begins so, and cannot be opened, is
# one of them damaged (its header broken), not a format sitegen does not take.
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
SUPPORTED_STARTS = [
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
]


def _unsupported(data: bytes) -> str:
    head = data[:16].lstrip()
    for magic, name in SNIFF:
        if head.startswith(magic):
            return f"is a {name} file: only JPEG, PNG, WebP, GIF and HEIC can be published"
    for magic, name in SUPPORTED_STARTS:
        if data.startswith(magic):
            return (
                f"is a damaged {name} file (its header cannot be read): copy it again from the "
                "camera or phone, or export it again"
            )
    if (data[:4] == b"RIFF" and data[8:12] == b"WEBP") or (
        data[4:8] == b"ftyp" and data[8:12] in HEIF_BRANDS  # (not AVIF, MP4 or MOV)
    ):
        return (
            "is a damaged WebP or HEIC file (its header cannot be read): copy it again from "
            "the camera or phone, or export it again"
        )
    return "is not a supported image (JPEG, PNG, WebP, GIF or HEIC)"


def _exif(img: Image.Image) -> tuple[Image.Exif | None, bool]:
    """The EXIF block, or None; and whether it was there but malformed."""
    try:
        exif = img.getexif()
        exif.get_ifd(IFD.Exif)
        exif.get_ifd(IFD.GPSInfo)
        return exif, False
    except Exception:
        return None, True


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        if value[:8] in (b"ASCII\0\0\0", b"UNICODE\0", b"JIS\0\0\0\0\0", b"\0" * 8):
            value = value[8:]  # EXIF's character-code header
        value = value.decode("utf-8", "replace")
    return str(value or "").replace("\0", "").strip()


def _gif_xmp(img: Image.Image, source: bytes) -> bytes:
    """A GIF's XMP (an application extension Pillow names but does not keep): from its bytes."""
    if img.format != "GIF" or GIF_XMP not in source:
        return b""
    return source[source.index(GIF_XMP) :]


GIF_XMP = b"XMP DataXMP"


def _bytes(value: object) -> bytes:
    return value.encode("utf-8", "replace") if isinstance(value, str) else bytes(value or b"")


def _personal(
    img: Image.Image, exif: Image.Exif | None, malformed: bool, source: bytes = b""
) -> list[str]:
    found: list[str] = []
    if exif is not None:
        gps = exif.get_ifd(IFD.GPSInfo)
        if any(tag in gps for tag in GPS_POSITION):
            found.append("GPS location")
        elif set(gps) - {GPS_VERSION}:  # (a version alone, as Canon's cameras write, says nothing)
            found.append("GPS data")
        found += [name for tag, name in PERSONAL_IFD0.items() if _text(exif.get(tag))]
        exif_ifd = exif.get_ifd(IFD.Exif)
        found += [name for tag, name in PERSONAL_EXIF.items() if _text(exif_ifd.get(tag))]
        try:
            if exif.get_ifd(IFD.IFD1):
                found.append("an embedded thumbnail")
        except Exception:
            pass
    if malformed:
        found.append("malformed EXIF")
    info = img.info
    xmp = info.get("xmp") or info.get("XML:com.adobe.xmp") or _gif_xmp(img, source)
    if xmp:
        if "GPS location" not in found and b"GPSLatitude" in _bytes(xmp):
            found.append("GPS location")  # (in the XMP: a phone's editor, or exiftool)
        found.append("XMP")
    if info.get("photoshop"):
        found.append("IPTC/Photoshop data")
    if info.get("comment"):
        found.append("a comment")
    if getattr(img, "text", None):
        found.append("text chunks")
    return found


def inspect(source: bytes, max_pixels: int) -> ImageFacts:
    """Open, read the metadata, and decode (cheaply) to prove the file is whole."""

    def failed(reason: str, fmt: str | None = None, size: tuple[int, int] = (0, 0)) -> ImageFacts:
        return ImageFacts(fmt, size[0], size[1], "", "", (), reason)

    try:
        img = _open(source)
    except UnidentifiedImageError:
        return failed(_unsupported(source))
    except Image.DecompressionBombError:
        return failed(f"has too many pixels (over images.max_pixels, {max_pixels:,})")
    except DECODE_ERRORS as exc:
        return failed(f"cannot be opened: {exc}")
    with img:
        fmt = img.format
        width, height = img.size
        if width * height > max_pixels:
            return failed(
                f"has {width * height / 1e6:.1f} megapixels, over images.max_pixels "
                f"({max_pixels / 1e6:.1f}); resize it before adding it",
                fmt,
                img.size,
            )
        exif, malformed = _exif(img)
        make = _text(exif.get(TAG_MAKE)) if exif else ""
        model = _text(exif.get(TAG_MODEL)) if exif else ""
        orientation = exif.get(TAG_ORIENTATION, 1) if exif else 1
        if orientation in (5, 6, 7, 8):
            width, height = height, width
        personal = _personal(img, exif, malformed, source)
        try:
            if fmt == "HEIF":
                heif_boxes(source)
            if fmt == "JPEG":
                jpeg_markers(source)
                img.draft("RGB", (max(1, img.size[0] // 8), max(1, img.size[1] // 8)))
            img.load()
        except DECODE_ERRORS as exc:
            return failed(
                f"is corrupt or truncated ({exc}): copy it again from the camera or phone, or "
                "export it again",
                fmt,
                (width, height),
            )
    return ImageFacts(fmt, width, height, make, model, tuple(personal), None)


def _to_srgb(img: Image.Image) -> Image.Image:
    icc = img.info.get("icc_profile")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            mode = "RGBA" if img.mode in ("RGBA", "LA", "PA") else "RGB"
            if img.mode not in ("RGB", "RGBA", "CMYK", "L"):
                img = img.convert(mode)
            converted = ImageCms.profileToProfile(
                img, source, ImageCms.createProfile("sRGB"), outputMode=mode
            )
            if converted is not None:
                img = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # an unreadable profile: the pixels are used as they are
    return img


# 16-bit greyscale, as scanners save certificates as PNG (and 32-bit, as Pillow reads some).
DEEP_GREY = frozenset({"I;16", "I;16B", "I;16L", "I;16N", "I"})


def _eight_bit(img: Image.Image) -> Image.Image:
    """16-bit grey as 8-bit grey: converted directly, Pillow clips every value above 255, and
    the picture checked and published is white (no face found, nothing of it shown)."""
    if img.mode not in DEEP_GREY:
        return img
    return img.convert("I").point(lambda value: value / 257).convert("L")


def _flatten(img: Image.Image) -> Image.Image:
    """RGB pixels in a fresh image: nothing of the original's info travels with them. What is
    transparent is shown on white, as the published copy shows it (and so the checks see it:
    a picture held in the transparency alone is black in its colours)."""
    img = _eight_bit(img)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        img = background
    elif img.mode != "RGB":
        img = img.convert("RGB")
    fresh = Image.new("RGB", img.size)
    fresh.paste(img)
    return fresh


LOOK_SIDE = 1600  # the checks (OCR, faces) see photos no larger: text and faces show at this size


def upright_picture(source: bytes) -> Image.Image:
    """The photo as the checks look at it: upright (EXIF orientation), in RGB, its longest
    side at most LOOK_SIDE; decoded once for all of them. Turned, converted from its colour
    profile and flattened as `render` does: the checks see the pixels that are published."""
    with _open(source) as img:
        orientation = _orientation(img)
        img.draft("RGB", (LOOK_SIDE, LOOK_SIDE))
        if img.format == "GIF":
            img.seek(0)
        img.load()
        rgb = _published_pixels(
            img.transpose(ORIENT[orientation]) if orientation in ORIENT else img
        )
    rgb.thumbnail((LOOK_SIDE, LOOK_SIDE), Image.Resampling.LANCZOS)
    return rgb


def _orientation(img: Image.Image) -> int:
    """The EXIF orientation, 1 where the EXIF block is missing or malformed (as published)."""
    exif, _ = _exif(img)
    return exif.get(TAG_ORIENTATION, 1) if exif else 1


def _published_pixels(img: Image.Image) -> Image.Image:
    """The pixels a published copy is made of: 8-bit, converted from the photo's colour
    profile to sRGB, transparency on white, in a fresh image."""
    return _flatten(_to_srgb(_eight_bit(img)))


def render(
    source: bytes, name: str, spec: RenderSpec, cover: tuple[Box, ...] = ()
) -> tuple[list[Variant], dict[str, bytes]]:
    """The published files of one image, the `cover` faces covered (in the upright picture,
    before any resizing: no published size shows them). Raises ImageStructureError if
    anything would leak."""
    img = _open(source)
    if img.size[0] * img.size[1] > spec.max_pixels:
        raise ImageStructureError("has too many pixels")
    orientation = _orientation(img)
    swapped = orientation in (5, 6, 7, 8)
    shown_w, shown_h = (img.size[1], img.size[0]) if swapped else img.size
    widths = target_widths(shown_w, shown_h, spec)
    if img.format == "JPEG":  # decode at the smallest DCT scale that still covers the width
        scale = max(widths) / shown_w
        img.draft("RGB", (max(1, int(img.size[0] * scale)), max(1, int(img.size[1] * scale))))
    if img.format == "GIF":
        img.seek(0)
    img.load()
    if orientation in ORIENT:
        img = img.transpose(ORIENT[orientation])
    clean = faces.cover(_published_pixels(img), cover)
    variants: list[Variant] = []
    files: dict[str, bytes] = {}
    stem = safe_stem(name)
    for width in widths:
        height = max(1, round(clean.height * width / clean.width))
        sized = (
            clean
            if width == clean.width
            else clean.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=2.0)
        )
        jpeg = _encode(sized, "JPEG", quality=spec.quality, optimize=True, progressive=True)
        outputs = [("jpeg", "jpg", jpeg)]
        if spec.webp:
            webp = _encode(sized, "WEBP", quality=spec.quality, method=4)
            if len(webp) < len(jpeg):
                outputs.append(("webp", "webp", webp))
        for fmt, ext, data in outputs:
            check_publishable(data)
            file = f"{stem}-{width}.{ext}"
            files[file] = data
            variants.append(Variant(file, width, height, fmt))
    return variants, files


def _encode(img: Image.Image, fmt: str, **options: Any) -> bytes:
    # Every option explicit: no exif, no icc_profile, no comment, whatever the defaults become.
    buffer = io.BytesIO()
    img.save(buffer, fmt, **options)
    return buffer.getvalue()


def static_copy(data: bytes) -> bytes:
    """A picture of templates/static/ (a logo, an icon) as the site publishes it: as it is
    when it carries nothing but its picture, else saved again with its pixels alone, turned
    upright and converted to sRGB as they show (a logo photographed with a phone carried its
    GPS location onto every page). Raises ImageStructureError when no clean copy can be
    made: a damaged file, or an animation (saved again, it would lose its frames)."""
    try:
        check_publishable_static(data)
        return data
    except ImageStructureError:
        pass
    try:
        with _open(data) as img:
            if getattr(img, "n_frames", 1) > 1:
                raise ImageStructureError(
                    "is animated and carries metadata: save it again without it (for example "
                    "`exiftool -all= FILE`)"
                )
            orientation = _orientation(img)
            img.load()
            fmt = img.format or "PNG"
            if orientation in ORIENT:
                img = img.transpose(ORIENT[orientation])
            if fmt == "JPEG":
                picture, options = _published_pixels(img), {"quality": 95}
            else:  # (transparency kept, as colours with an alpha: a logo on the header's red)
                img = _eight_bit(img)
                if "transparency" in img.info:  # (a palette's, or a colour key's: RGB, grey)
                    img = img.convert("RGBA")
                picture = _to_srgb(img)
                picture = picture if picture is not img else img.copy()
                picture.info = {}
                options = {"lossless": True} if fmt == "WEBP" else {}
            copy = _encode(picture, fmt, **options)
    except ImageStructureError:
        raise
    except UnidentifiedImageError:
        raise ImageStructureError(
            "is not a picture sitegen can read: save it again as a plain PNG or JPEG"
        ) from None
    except DECODE_ERRORS as exc:
        raise ImageStructureError(
            f"is damaged ({exc}): copy it again, or save it again as a plain PNG or JPEG"
        ) from exc
    check_publishable_static(copy)
    return copy
