"""Byte-level checks of image files: JPEG structure, and allow-lists for what sitegen writes."""

from __future__ import annotations

import struct

# JPEG markers sitegen may publish: SOI, APP0 (JFIF), DQT, SOFn, DHT, DRI, SOS, RSTn, EOI.
SOI, EOI, SOS, APP0, DHT, DQT, DRI, DNL = 0xD8, 0xD9, 0xDA, 0xE0, 0xC4, 0xDB, 0xDD, 0xDC
SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
PUBLISHABLE_JPEG = frozenset({SOI, APP0, DQT, DHT, DRI, SOS, EOI}) | SOF
PUBLISHABLE_WEBP = frozenset({b"VP8 ", b"VP8L", b"VP8X", b"ALPH"})
MARKER_NAMES = {
    0xE1: "APP1 (EXIF/XMP)",
    0xE2: "APP2 (ICC/FlashPix)",
    0xED: "APP13 (IPTC)",
    0xEE: "APP14 (Adobe)",
    0xFE: "COM (comment)",
}


class ImageStructureError(ValueError):
    """The bytes are not a well-formed file of their format."""


def jpeg_markers(data: bytes) -> list[tuple[int, bytes]]:
    """Every marker of a JPEG with its segment payload, checking the structure as it goes.

    libjpeg quietly decodes a scan with garbage in it, so a broken file is found here instead.
    """
    if data[:2] != b"\xff\xd8":
        raise ImageStructureError("does not start like a JPEG")
    markers: list[tuple[int, bytes]] = [(SOI, b"")]
    i, n = 2, len(data)
    while True:
        if i >= n:
            raise ImageStructureError("ends before its end-of-image marker (truncated)")
        if data[i] != 0xFF:
            raise ImageStructureError(f"has stray bytes at offset {i}")
        while i < n and data[i] == 0xFF:
            i += 1
        if i >= n:
            raise ImageStructureError("ends inside a marker (truncated)")
        marker = data[i]
        i += 1
        if marker == EOI:
            markers.append((EOI, b""))
            return markers
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            markers.append((marker, b""))
            continue
        if i + 2 > n:
            raise ImageStructureError("ends inside a segment header (truncated)")
        (length,) = struct.unpack(">H", data[i : i + 2])
        if length < 2 or i + length > n:
            raise ImageStructureError(f"has a segment running past the end (marker {marker:#x})")
        markers.append((marker, data[i + 2 : i + length]))
        i += length
        if marker == SOS:
            i = _end_of_scan(data, i)


def _end_of_scan(data: bytes, i: int) -> int:
    """Skip entropy-coded data; a byte pair FF xx that is no marker means corruption."""
    n = len(data)
    while True:
        j = data.find(b"\xff", i)
        if j < 0 or j + 1 >= n:
            raise ImageStructureError("ends inside the image data (truncated)")
        following = data[j + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            i = j + 2
        elif following == 0xFF:
            i = j + 1
        elif following >= 0xC0:
            return j
        else:
            raise ImageStructureError(f"has corrupt image data at offset {j}")


def check_publishable_jpeg(data: bytes) -> None:
    """Refuse a JPEG that carries any segment outside the allow-list, or a JFIF thumbnail."""
    for marker, payload in jpeg_markers(data):
        if marker not in PUBLISHABLE_JPEG and not 0xD0 <= marker <= 0xD7:
            name = MARKER_NAMES.get(marker, f"marker {marker:#04x}")
            raise ImageStructureError(f"output carries {name}")
        if marker == APP0 and (not payload.startswith(b"JFIF\0") or payload[12:14] != b"\0\0"):
            raise ImageStructureError("output carries a JFIF extension or thumbnail")


def webp_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise ImageStructureError("is not a WebP file")
    chunks, i = [], 12
    while i < len(data):
        if i + 8 > len(data):
            raise ImageStructureError("ends inside a chunk header")
        fourcc = data[i : i + 4]
        (size,) = struct.unpack("<I", data[i + 4 : i + 8])
        chunks.append((fourcc, data[i + 8 : i + 8 + size]))
        i += 8 + size + (size & 1)
    return chunks


def check_publishable_webp(data: bytes) -> None:
    for fourcc, payload in webp_chunks(data):
        if fourcc not in PUBLISHABLE_WEBP:
            raise ImageStructureError(f"output carries a {fourcc.decode('latin-1').strip()} chunk")
        if fourcc == b"VP8X" and payload and payload[0] & 0b0010_1100:
            raise ImageStructureError("output declares ICC, EXIF or XMP data")


def heif_boxes(data: bytes) -> list[tuple[bytes, int]]:
    """The top-level boxes of an HEIC/HEIF file (ISO BMFF), each type with its size. libheif
    decodes a file cut short without a word, its missing tiles a flat green: a box that
    ends past the file's end, up to the image data's, says it was cut short."""
    boxes, i = [], 0
    while i < len(data):
        if i + 8 > len(data):
            raise ImageStructureError("ends inside a box header (truncated)")
        size, kind = struct.unpack(">I4s", data[i : i + 8])
        if size == 1:  # (a 64-bit size follows)
            if i + 16 > len(data):
                raise ImageStructureError("ends inside a box header (truncated)")
            size = struct.unpack(">Q", data[i + 8 : i + 16])[0]
        elif size == 0:  # (to the end of the file)
            size = len(data) - i
        if size < 8 or i + size > len(data):
            raise ImageStructureError(
                f"ends inside its {kind.decode('latin-1')!r} box (truncated, or corrupt)"
            )
        boxes.append((kind, size))
        i += size
        if kind == b"mdat":  # (the image data whole: what a phone appends after it is not ours)
            break
    return boxes


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# A PNG's chunks that draw its picture (its frames too): no text, EXIF, colour profile (its
# name is text) or time.
PUBLISHABLE_PNG = frozenset(
    {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND", b"gAMA", b"cHRM", b"sRGB", b"sBIT", b"pHYs"}
    | {b"acTL", b"fcTL", b"fdAT"}
)
STATIC_WEBP = PUBLISHABLE_WEBP | {b"ANIM", b"ANMF"}  # (an animated one's frames)
GIF_LOOPS = (b"NETSCAPE2.0", b"ANIMEXTS1.0")  # the application blocks that only say "loop"


def png_chunks(data: bytes) -> list[bytes]:
    """The types of a PNG's chunks, in order; anything after IEND counts as a chunk of its
    own ("data after the end")."""
    kinds, i = [], len(PNG_SIGNATURE)
    while i + 8 <= len(data):
        (size,) = struct.unpack(">I", data[i : i + 4])
        kinds.append(data[i + 4 : i + 8])
        i += 12 + size
        if kinds[-1] == b"IEND":
            break
    if data[i:].strip(b"\0"):
        kinds.append(b"data after the end")
    return kinds


def gif_extras(data: bytes) -> list[str]:
    """What a GIF carries besides its frames: comments, plain text and application blocks
    (but the one that says how often to loop), by walking its blocks."""
    extras, i = [], 13
    if len(data) > 10 and data[10] & 0x80:  # (a global colour table)
        i += 3 << ((data[10] & 7) + 1)
    while i < len(data) and data[i] != 0x3B:  # (the trailer)
        if data[i] == 0x21 and i + 1 < len(data):  # an extension: its label, then sub-blocks
            label, i = data[i + 1], i + 2
            first = data[i + 1 : i + 1 + data[i]] if i < len(data) else b""
            if label == 0xFE or label == 0x01 or (label == 0xFF and first not in GIF_LOOPS):
                extras.append(
                    {0xFE: "a comment", 0x01: "plain text"}.get(label, "application data")
                )
        elif data[i] == 0x2C and i + 10 <= len(data):  # a frame: its colour table, its data
            packed, i = data[i + 9], i + 10
            if packed & 0x80:
                i += 3 << ((packed & 7) + 1)
            i += 1  # (the LZW code size)
        else:
            raise ImageStructureError(
                "is not a GIF sitegen can read: save it again as a plain PNG or GIF"
            )
        while i < len(data) and data[i]:  # (sub-blocks, each its length first)
            i += data[i] + 1
        i += 1
    if data[i + 1 :].strip(b"\0"):  # (after the trailer: nothing a GIF holds)
        extras.append("data after the end of its picture")
    return extras


def check_publishable_static(data: bytes) -> None:
    """A picture of templates/static/ (a logo, an icon) as the site may publish it: a JPEG as
    a build's own photos are and nothing after its end, a WebP or PNG with only the chunks
    that draw it (its frames too), a GIF with no comment or application data. Any other
    file is not a picture, and is published as it is."""
    if data[:2] == b"\xff\xd8":
        check_publishable_jpeg(data)
        if not data.rstrip(b"\0").endswith(b"\xff\xd9"):
            raise ImageStructureError("carries data after the end of its picture")
    elif data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        for fourcc, payload in webp_chunks(data):
            if fourcc not in STATIC_WEBP:
                raise ImageStructureError(f"carries a {fourcc.decode('latin-1').strip()} chunk")
            if fourcc == b"VP8X" and payload and payload[0] & 0b0010_1100:
                raise ImageStructureError("declares ICC, EXIF or XMP data")
    elif data.startswith(PNG_SIGNATURE):
        if extra := [k for k in png_chunks(data) if k not in PUBLISHABLE_PNG]:
            raise ImageStructureError(f"carries a {extra[0].decode('latin-1')} chunk")
    elif data[:6] in (b"GIF87a", b"GIF89a") and (extras := gif_extras(data)):
        raise ImageStructureError(f"carries {extras[0]}")


def check_publishable(data: bytes) -> None:
    if data[:2] == b"\xff\xd8":
        check_publishable_jpeg(data)
    elif data[:4] == b"RIFF":
        check_publishable_webp(data)
    else:
        raise ImageStructureError("is neither JPEG nor WebP")
