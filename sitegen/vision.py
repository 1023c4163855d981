"""What photos show: words by Tesseract OCR, faces by OpenCV's Haar cascade; cached by content."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen.engine.keys import cache_key, content_hash, source_version
from sitegen.engine.store import ResultFiles
from sitegen.files import read_file

OCR_VERSION = 2
FACES_VERSION = 1
VISION_CODE = source_version("vision.py")  # what reads words and counts faces
OCR_LANGUAGES = "eng+cym"
LONGEST_SIDE = 1600  # text and faces on school photos are large enough at this size
GOOD_WORDS = 4  # confident words at 0° before the other rotations are not worth trying
CASCADE = "haarcascade_frontalface_alt2.xml"

if TYPE_CHECKING:  # Pillow is loaded only when a photo is read
    from PIL import Image


@dataclass(frozen=True)
class Tools:
    ocr: bool
    faces: bool
    notices: tuple[str, ...]


@cache
def tesseract_path() -> str | None:
    return shutil.which("tesseract")


@cache
def cascade_path() -> str | None:
    """The cascade file, found without importing OpenCV (which costs every command 0.3 s)."""
    import importlib.util

    spec = importlib.util.find_spec("cv2")
    if spec is None or not spec.origin:
        return None
    path = Path(spec.origin).parent / "data" / CASCADE
    return str(path) if path.exists() else None


def tools(ocr: str, faces: str) -> Tools:
    """Which checks run: `on` needs the tool (else a configuration error), `auto` uses it when
    installed, `off` never."""
    from sitegen.errors import ConfigError

    notices = []
    use_ocr = ocr != "off" and tesseract_path() is not None
    use_faces = faces != "off" and cascade_path() is not None
    if ocr == "on" and not use_ocr:
        raise ConfigError(
            'policy.ocr is "on" but tesseract is not installed: '
            "apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-cym",
            "site.toml",
            key="policy.ocr",
        )
    if faces == "on" and not use_faces:
        raise ConfigError(
            'policy.faces is "on" but OpenCV is not installed: '
            "pip install 'opencv-python-headless<5'",
            "site.toml",
            key="policy.faces",
        )
    if ocr == "auto" and not use_ocr:
        notices.append("names in photos (SG125) were not checked: tesseract is not installed")
    if faces == "auto" and not use_faces:
        notices.append("faces in photos (SG126) were not counted: OpenCV is not installed")
    return Tools(use_ocr, use_faces, tuple(notices))


def _prepared(path: Path) -> Image.Image:
    """Upright, greyscale, no larger than LONGEST_SIDE."""
    from PIL import Image, ImageOps

    # The formats a photo may be published in, HEIC among them: pixels registers its opener.
    from sitegen.pixels import ALLOWED_FORMATS

    with Image.open(io.BytesIO(read_file(path)), formats=ALLOWED_FORMATS) as img:
        img.draft("L", (LONGEST_SIDE, LONGEST_SIDE))
        upright = ImageOps.exif_transpose(img) or img
        grey = upright.convert("L")
    grey.info.clear()
    grey.thumbnail((LONGEST_SIDE, LONGEST_SIDE), Image.Resampling.LANCZOS)
    return grey


def _profile_score(image: Image.Image) -> float:
    """How sharply rows of dark pixels stand apart: high when text lines run across."""
    import numpy

    pixels = numpy.asarray(image, dtype=numpy.float32)
    rows = (pixels < pixels.mean() - 20).sum(axis=1).astype(numpy.float64)
    return float(numpy.square(numpy.diff(rows)).sum())


def looks_sideways(grey: Image.Image) -> bool:
    """Lines of text running up the photo, not across it (a phone turned on its side)."""
    small = grey.copy()
    small.thumbnail((500, 500))
    return _profile_score(small.rotate(90, expand=True)) > 1.5 * _profile_score(small)


def deskew(grey: Image.Image, limit: int = 12) -> Image.Image:
    """Turn a photo whose text runs a few degrees off level back to level.

    The angle is the one at which rows of dark pixels are most sharply separated (a
    projection profile), searched on a small copy: text lines and paper edges agree.
    """
    import numpy
    from PIL import Image

    small = grey.copy()
    small.thumbnail((500, 500))
    best, best_score = 0.0, -1.0
    for tenth in range(-limit * 2, limit * 2 + 1):
        angle = tenth / 2
        turned = numpy.asarray(
            small.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=255),
            dtype=numpy.float32,
        )
        rows = (turned < turned.mean() - 20).sum(axis=1).astype(numpy.float64)
        score = float(numpy.square(numpy.diff(rows)).sum())
        if score > best_score:
            best, best_score = angle, score
    if abs(best) < 0.5:
        return grey
    return grey.rotate(best, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def _tesseract(image: Image.Image, languages: str = OCR_LANGUAGES) -> tuple[list[str], int]:
    """Words read, and how many of them Tesseract is confident about."""
    with tempfile.TemporaryDirectory(prefix="sitegen-ocr-") as tmp:
        png = os.path.join(tmp, "page.png")
        image.save(png)
        result = subprocess.run(
            [
                tesseract_path() or "tesseract",
                png,
                "stdout",
                "-l",
                OCR_LANGUAGES,
                "--psm",
                "11",
                "tsv",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    words, confident = [], 0
    for line in result.stdout.splitlines()[1:]:
        cells = line.split("\t")
        if len(cells) < 12 or not cells[11].strip():
            continue
        words.append(cells[11].strip())
        try:
            if float(cells[10]) >= 60 and len(cells[11].strip()) >= 3:
                confident += 1
        except ValueError:
            pass
    return words, confident


def read_words(path: Path, source_hash: str, store: ResultFiles) -> list[str]:
    """Every word Tesseract reads in the photo, trying the rotations a phone photo needs."""
    key = cache_key("ocr", OCR_VERSION, OCR_LANGUAGES, source_hash, code=VISION_CODE)
    known = store.get_json("ocr", key)
    if isinstance(known, list):
        return [str(w) for w in known]
    image = deskew(_prepared(path))
    words, confident = _tesseract(image)
    if confident < GOOD_WORDS:  # sideways or upside down: keep the reading it trusts most
        # Upside-down text still reads as words, if badly; none at all means sideways or none.
        for angle in (90, 270, 180) if words else (90, 270):
            turned_words, turned = _tesseract(deskew(image.rotate(angle, expand=True)), "eng")
            if turned > confident:
                words, confident = turned_words, turned
    if _unchanged(path, source_hash):
        store.put_json("ocr", key, words)
    return words


def count_faces(path: Path, source_hash: str, store: ResultFiles) -> int:
    key = cache_key("faces", FACES_VERSION, CASCADE, source_hash, code=VISION_CODE)
    known = store.get_json("faces", key)
    if isinstance(known, int):
        return known
    import cv2
    import numpy

    grey = numpy.asarray(_prepared(path))
    detector = cv2.CascadeClassifier(cascade_path() or "")
    faces = detector.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24))
    count = len(faces)
    if _unchanged(path, source_hash):
        store.put_json("faces", key, count)
    return count


def _unchanged(path: Path, source_hash: str) -> bool:
    """Whether the photo is still the bytes its results will be stored under."""
    try:
        return content_hash(read_file(path)) == source_hash
    except OSError:
        return False
