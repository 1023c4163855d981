"""Generated pictures for the demo site and tests: simple illustrated scenes, no real people."""

from __future__ import annotations

import random
import struct
from pathlib import Path

import piexif
from PIL import Image, ImageDraw, ImageFilter

PALETTES = {
    "castle": ((135, 190, 235), (110, 170, 90), (150, 140, 130)),
    "sunflowers": ((150, 200, 240), (70, 140, 60), (245, 200, 40)),
    "books": ((240, 230, 210), (160, 110, 70), (200, 60, 60)),
    "music": ((40, 50, 90), (80, 90, 140), (250, 230, 120)),
    "sport": ((140, 200, 240), (60, 160, 70), (250, 250, 250)),
    "science": ((230, 240, 250), (120, 130, 150), (90, 200, 160)),
    "winter": ((60, 80, 130), (235, 240, 250), (40, 130, 70)),
    "beach": ((120, 190, 240), (240, 220, 170), (40, 110, 170)),
}


def scene(kind: str, size: tuple[int, int] = (1600, 1200), seed: int = 1) -> Image.Image:
    """A colourful drawing of `kind` (castle, sunflowers, books, ...)."""
    rng = random.Random(f"{kind}-{seed}")
    sky, ground, accent = PALETTES[kind]
    w, h = size
    img = Image.new("RGB", size, sky)
    draw = ImageDraw.Draw(img)
    for y in range(h // 2):  # a soft gradient sky
        shade = tuple(max(0, c - y * 40 // h) for c in sky)
        draw.line([(0, y), (w, y)], fill=shade)
    draw.rectangle([0, int(h * 0.65), w, h], fill=ground)
    if kind == "castle":
        for x in range(int(w * 0.2), int(w * 0.8), int(w * 0.15)):
            draw.rectangle([x, int(h * 0.3), x + int(w * 0.1), int(h * 0.66)], fill=accent)
            for b in range(4):
                bx = x + b * int(w * 0.03)
                draw.rectangle([bx, int(h * 0.26), bx + int(w * 0.015), int(h * 0.3)], fill=accent)
        draw.rectangle([int(w * 0.2), int(h * 0.45), int(w * 0.8), int(h * 0.66)], fill=accent)
        draw.pieslice(
            [int(w * 0.45), int(h * 0.5), int(w * 0.55), int(h * 0.75)], 180, 360, fill=(70, 50, 40)
        )
    elif kind == "sunflowers":
        for _ in range(9):
            x, top = rng.randint(50, w - 50), rng.randint(int(h * 0.2), int(h * 0.5))
            draw.line([(x, top), (x, h)], fill=(60, 120, 40), width=12)
            r = rng.randint(50, 90)
            draw.ellipse([x - r, top - r, x + r, top + r], fill=accent)
            draw.ellipse([x - r // 2, top - r // 2, x + r // 2, top + r // 2], fill=(110, 70, 30))
    elif kind == "books":
        x = int(w * 0.08)
        while x < w * 0.9:
            bw = rng.randint(40, 90)
            bh = rng.randint(int(h * 0.25), int(h * 0.45))
            colour = tuple(rng.randint(40, 230) for _ in range(3))
            draw.rectangle([x, int(h * 0.65) - bh, x + bw, int(h * 0.65)], fill=colour)
            x += bw + 6
    elif kind == "music":
        for i in range(12):
            x, y = rng.randint(50, w - 80), rng.randint(60, int(h * 0.6))
            draw.ellipse([x, y, x + 60, y + 44], fill=accent)
            draw.line([(x + 58, y + 20), (x + 58, y - 110)], fill=accent, width=8)
            if i % 2:
                draw.line([(x + 58, y - 110), (x + 110, y - 80)], fill=accent, width=8)
    elif kind == "sport":
        draw.rectangle(
            [int(w * 0.1), int(h * 0.7), int(w * 0.9), int(h * 0.95)], outline=accent, width=8
        )
        for _ in range(3):
            x, y = rng.randint(100, w - 200), rng.randint(int(h * 0.7), int(h * 0.85))
            draw.ellipse([x, y, x + 90, y + 90], fill=accent, outline=(30, 30, 30), width=5)
        draw.rectangle([int(w * 0.85), int(h * 0.35), int(w * 0.87), int(h * 0.7)], fill=accent)
        draw.ellipse(
            [int(w * 0.82), int(h * 0.3), int(w * 0.9), int(h * 0.37)],
            outline=(230, 120, 40),
            width=10,
        )
    elif kind == "science":
        for i in range(5):
            x = int(w * (0.15 + i * 0.15))
            colour = tuple(rng.randint(60, 240) for _ in range(3))
            draw.polygon(
                [
                    (x, int(h * 0.35)),
                    (x + 60, int(h * 0.35)),
                    (x + 140, int(h * 0.65)),
                    (x - 80, int(h * 0.65)),
                ],
                fill=colour,
                outline=(40, 40, 60),
            )
    elif kind == "winter":
        draw.polygon(
            [(w // 2, int(h * 0.12)), (int(w * 0.3), int(h * 0.62)), (int(w * 0.7), int(h * 0.62))],
            fill=accent,
        )
        for _ in range(150):
            x, y = rng.randint(0, w), rng.randint(0, h)
            draw.ellipse([x, y, x + 8, y + 8], fill=(255, 255, 255))
        for _ in range(14):
            x, y = (
                rng.randint(int(w * 0.38), int(w * 0.62)),
                rng.randint(int(h * 0.3), int(h * 0.6)),
            )
            draw.ellipse(
                [x, y, x + 24, y + 24], fill=tuple(rng.randint(150, 255) for _ in range(3))
            )
    elif kind == "beach":
        draw.rectangle([0, int(h * 0.5), w, int(h * 0.65)], fill=accent)
        for _ in range(6):
            x, y = rng.randint(50, w - 100), rng.randint(int(h * 0.7), int(h * 0.9))
            draw.rectangle([x, y, x + 70, y + 50], fill=(200, 60, 60))
    return img.filter(ImageFilter.SMOOTH)


def exif_bytes(
    make: str | None = None,
    model: str | None = None,
    gps: bool = False,
    orientation: int | None = None,
) -> bytes:
    zeroth: dict[int, object] = {}
    if make:
        zeroth[piexif.ImageIFD.Make] = make.encode()
    if model:
        zeroth[piexif.ImageIFD.Model] = model.encode()
    if orientation:
        zeroth[piexif.ImageIFD.Orientation] = orientation
    gps_ifd: dict[int, object] = {}
    if gps:  # Cardiff, roughly: what a phone would record at a school
        gps_ifd = {
            piexif.GPSIFD.GPSLatitudeRef: b"N",
            piexif.GPSIFD.GPSLatitude: ((51, 1), (28, 1), (3000, 100)),
            piexif.GPSIFD.GPSLongitudeRef: b"W",
            piexif.GPSIFD.GPSLongitude: ((3, 1), (10, 1), (4500, 100)),
        }
    return piexif.dump({"0th": zeroth, "Exif": {}, "GPS": gps_ifd, "1st": {}, "thumbnail": None})


def save_photo(
    path: Path,
    kind: str,
    *,
    size: tuple[int, int] = (1600, 1200),
    seed: int = 1,
    make: str | None = "Apple",
    model: str | None = "iPad (9th generation)",
    gps: bool = False,
    quality: int = 88,
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    img = scene(kind, size, seed)
    fmt = path.suffix.lower()
    if fmt in (".jpg", ".jpeg"):
        img.save(path, "JPEG", quality=quality, exif=exif_bytes(make, model, gps))
    else:
        img.save(path)
    return path


FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation")
CERTIFICATE_FONTS = (
    "DejaVuSerif-Bold.ttf",
    "DejaVuSans.ttf",
    "LiberationSerif-Bold.ttf",
    "LiberationSans-Regular.ttf",
)


def font(name: str, size: int):  # type: ignore[no-untyped-def]
    from PIL import ImageFont

    for folder in FONT_DIRS:
        path = Path(folder) / name
        if path.exists():
            return ImageFont.truetype(str(path), size)
    raise FileNotFoundError(f"font {name}: install fonts-dejavu-core and fonts-liberation")


def certificate(
    name: str | None,
    font_name: str = "DejaVuSerif-Bold.ttf",
    angle: float = 0,
    seed: int = 1,
    size: tuple[int, int] = (1600, 1200),
) -> Image.Image:
    """A photographed-looking certificate: on a table, turned a little, blurred and noisy.

    `name=None` blanks the name line, as a teacher would before taking the photo.
    """
    rng = random.Random(seed)
    paper = Image.new("RGB", (1100, 780), (250, 247, 235))
    draw = ImageDraw.Draw(paper)
    draw.rectangle([20, 20, 1080, 760], outline=(150, 30, 30), width=12)
    draw.rectangle([45, 45, 1055, 735], outline=(190, 150, 40), width=4)
    title = font(font_name, 64)
    body = font(font_name, 40)
    draw.text((550, 150), "Certificate of Achievement", fill=(120, 20, 20), font=title, anchor="mm")
    draw.text((550, 280), "awarded to", fill=(40, 40, 40), font=body, anchor="mm")
    if name:
        draw.text((550, 380), name, fill=(10, 10, 60), font=font(font_name, 72), anchor="mm")
    else:
        draw.line([(300, 410), (800, 410)], fill=(60, 60, 60), width=3)
    draw.text(
        (550, 500), "for wonderful reading this term", fill=(40, 40, 40), font=body, anchor="mm"
    )
    draw.text((550, 640), "Ysgol Enghraifft", fill=(60, 60, 60), font=body, anchor="mm")
    turned = paper.rotate(
        angle, expand=True, fillcolor=(120, 90, 60), resample=Image.Resampling.BICUBIC
    )
    table = Image.new("RGB", size, (120, 90, 60))
    table.paste(turned, ((size[0] - turned.width) // 2, (size[1] - turned.height) // 2))
    shade = Image.linear_gradient("L").resize(size).point(lambda v: 255 - v // 6)
    table = Image.composite(table, Image.new("RGB", size, (0, 0, 0)), shade)
    noise = Image.effect_noise(size, 40 + rng.randint(0, 10)).convert("RGB")
    return Image.blend(table.filter(ImageFilter.GaussianBlur(1.2)), noise, 0.08)


def red_only_profile() -> bytes:
    """An ICC profile (version 2, matrix and curves) under which only the red channel shows:
    red is white and green and blue are black, so a picture drawn in green on red, the same
    brightness in sRGB, shows black on white once converted. (How a camera's own profile
    makes what the checks see differ from what is published, when they ignore it.)"""

    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + s15(x) + s15(y) + s15(z)

    def text(tag: bytes, words: str) -> bytes:
        body = tag + b"\0\0\0\0" + words.encode() + b"\0"
        return body + b"\0" * (-len(body) % 4)

    linear = b"curv\0\0\0\0" + struct.pack(">IH", 1, 256) + b"\0\0"
    description = b"desc\0\0\0\0" + struct.pack(">I", 9) + b"red only\0" + b"\0" * 79
    description += b"\0" * (-len(description) % 4)
    tags = [
        (b"desc", description),
        (b"cprt", text(b"text", "none")),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.9642, 1.0, 0.8249)),
        (b"gXYZ", xyz(0.002, 0.002, 0.002)),
        (b"bXYZ", xyz(0.002, 0.002, 0.002)),
        (b"rTRC", linear),
        (b"gTRC", linear),
        (b"bTRC", linear),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for signature, body in tags:
        table += signature + struct.pack(">II", offset + len(data), len(body))
        data += body
    header = struct.pack(">I", offset + len(data)) + b"lcms" + struct.pack(">I", 0x02100000)
    header += b"mntrRGB XYZ " + struct.pack(">6H", 2026, 1, 1, 0, 0, 0) + b"acspAPPL"
    header += b"\0" * 24 + struct.pack(">I", 0) + s15(0.9642) + s15(1.0) + s15(0.8249) + b"lcms"
    header += b"\0" * (128 - len(header))
    return header + struct.pack(">I", len(tags)) + table + data
