"""What photos show: the words on them, read by Tesseract (through tesserocr), and whether
face detection can run; kept by the photo's content."""

from __future__ import annotations

import io
import os
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen.engine.keys import cache_key, content_hash, source_version
from sitegen.engine.store import ResultFiles
from sitegen.files import read_file

OCR_VERSION = 3
VISION_CODE = source_version("vision.py")  # what reads words
OCR_LANGUAGES = "eng+cym"
LANGS = ("eng", "cym")
LONGEST_SIDE = 1600  # text on school photos is large enough at this size
GOOD_WORDS = 4  # confident words at 0° before the other rotations are not worth trying
# Where Debian's tesseract-ocr-eng and -cym put their data (TESSDATA_PREFIX chooses another).
TESSDATA = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata")

if TYPE_CHECKING:  # Pillow is loaded only when a photo is read
    from PIL import Image


@dataclass(frozen=True)
class Tools:
    ocr: bool
    faces: bool
    notices: tuple[str, ...]


@cache
def tessdata() -> str | None:
    """The folder of Tesseract's English and Welsh data, when tesserocr and both are here
    (looked for without loading Tesseract, which costs every command 20 ms)."""
    import importlib.util

    if importlib.util.find_spec("tesserocr") is None:
        return None
    folders = [os.environ["TESSDATA_PREFIX"]] if os.environ.get("TESSDATA_PREFIX") else []
    for folder in [*folders, *TESSDATA]:
        if all(os.path.isfile(os.path.join(folder, f"{lang}.traineddata")) for lang in LANGS):
            return folder
    return None


@cache
def opencv_available() -> bool:
    """Whether OpenCV is installed, found without importing it (which costs 0.3 s)."""
    import importlib.util

    return importlib.util.find_spec("cv2") is not None


def tools(ocr: str, faces: str) -> Tools:
    """Which checks run: `on` needs the tool (else a configuration error), `auto` uses it when
    installed, `off` never."""
    from sitegen.errors import ConfigError
    from sitegen.faces import detector_notice

    notices = []
    use_ocr = ocr != "off" and tessdata() is not None
    use_faces = faces != "off" and opencv_available()
    if ocr == "on" and not use_ocr:
        raise ConfigError(
            'policy.ocr is "on" but Tesseract\'s English and Welsh data are not installed: '
            "apt-get install tesseract-ocr-eng tesseract-ocr-cym",
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
        notices.append(
            "names in photos (SG125) were not checked: Tesseract's English and Welsh data "
            "are not installed (apt-get install tesseract-ocr-eng tesseract-ocr-cym)"
        )
    if faces == "auto" and not use_faces:
        notices.append("faces in photos (SG126) were not counted: OpenCV is not installed")
    if use_faces and (fallback := detector_notice()):
        notices.append(fallback)
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


_readers = threading.local()  # one Tesseract per thread: an instance is not shared


def _tesseract(image: Image.Image, languages: str = OCR_LANGUAGES) -> tuple[list[str], int]:
    """Words read (sparse text: anywhere on the photo), and how many Tesseract is confident
    about. Tesseract stays loaded in the process: starting it cost 0.1 s a reading."""
    from tesserocr import PSM, RIL, PyTessBaseAPI, iterate_level

    api = getattr(_readers, languages, None)
    if api is None:
        api = PyTessBaseAPI(path=tessdata() or "", lang=languages, psm=PSM.SPARSE_TEXT)
        setattr(_readers, languages, api)
    api.SetImage(image)
    api.Recognize()
    words, confident = [], 0
    for word in iterate_level(api.GetIterator(), RIL.WORD):
        try:
            text = word.GetUTF8Text(RIL.WORD).strip()
        except RuntimeError:  # ("No text returned": a box with no word in it)
            continue
        if not text:
            continue
        words.append(text)
        if word.Confidence(RIL.WORD) >= 60 and len(text) >= 3:
            confident += 1
    api.Clear()
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


def _unchanged(path: Path, source_hash: str) -> bool:
    """Whether the photo is still the bytes its results will be stored under."""
    try:
        return content_hash(read_file(path)) == source_hash
    except OSError:
        return False
