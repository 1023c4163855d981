"""What photos show: the words on them, read by Tesseract (through tesserocr), and whether
face detection can run; kept by the photo's content."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen.engine.keys import cache_key, content_hash, source_version
from sitegen.engine.store import ResultFiles
from sitegen.files import read_file

OCR_VERSION = 5  # (5: every way up read, text leaning up to 45°)
VISION_CODE = source_version("vision.py")  # what reads words
OCR_LANGUAGES = "eng+cym"
LANGS = ("eng", "cym")
SCOUT_SIDE = 1000  # the small copy on which the other ways up are tried first
# How far text may lean and still be levelled before reading: any slope is within 45° of
# one of the four ways up, so each way up levels what leans up to 45° from it.
MAX_LEAN = 45
SCOUTED_WORDS = 2  # words a scout is sure of (letters only, three or more) worth a reading
PUNCTUATION = ".,;:!?'\"“”‘’()"
NEAR_UPRIGHT = 12  # degrees of slope the photo's whole reading is levelled within
LEANING = 5  # degrees a steeper lean differs by before it is tried too
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


def skew_angle(grey: Image.Image, limit: int = MAX_LEAN) -> float:
    """The angle that turns a photo's text level: the one at which rows of dark pixels are
    most sharply separated (a projection profile), on a small copy (text lines and paper
    edges agree). Every third degree first, then half degrees around the best."""
    small = grey.copy()
    small.thumbnail((500, 500))
    coarse = max(range(-limit, limit + 1, 3), key=lambda a: _profile_at(small, a))
    return max((coarse + d / 2 for d in range(-3, 4)), key=lambda a: _profile_at(small, a))


def _profile_at(small: Image.Image, angle: float) -> float:
    import numpy
    from PIL import Image

    level = small.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=255)
    pixels = numpy.asarray(level, dtype=numpy.float32)
    rows = (pixels < pixels.mean() - 20).sum(axis=1).astype(numpy.float64)
    return float(numpy.square(numpy.diff(rows)).sum())


def turned(grey: Image.Image, turn: int, skew: float) -> Image.Image:
    """The photo turned by `turn` degrees (a multiple of 90), then by `skew` to level."""
    from PIL import Image

    picture = grey.rotate(turn, expand=True) if turn else grey
    if abs(skew) < 0.5:
        return picture
    return picture.rotate(skew, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)


_readers = threading.local()  # one Tesseract per thread: an instance is not shared


def _tesseract(image: Image.Image, languages: str = OCR_LANGUAGES) -> tuple[list[str], int]:
    """Words read (sparse text: anywhere on the photo), and how many Tesseract is confident
    about. Tesseract stays loaded in the process: starting it cost 0.1 s a reading."""
    from tesserocr import PSM, RIL, PyTessBaseAPI, iterate_level

    api = getattr(_readers, languages, None)
    if api is None:
        _quiet_leptonica()
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
        if word.Confidence(RIL.WORD) >= 60 and len(text) >= 3 and text.strip(PUNCTUATION).isalpha():
            confident += 1
    api.Clear()
    return words, confident


def _quiet_leptonica() -> None:
    """Leptonica (Tesseract's image library) writes its complaints about some phone photos
    ("Error in boxClipToRectangle: box outside rectangle") to the terminal, naming no file:
    a teacher reads them as their post's fault. They say nothing sitegen does not: silenced,
    in whichever copy of the library tesserocr loaded (its wheel's own, or the system's)."""
    import ctypes  # (only where OCR runs)

    import tesserocr

    bundled = Path(tesserocr.__file__).resolve().parent.parent / "tesserocr.libs"
    for library in [*sorted(bundled.glob("libleptonica*")), "liblept.so.5"]:
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(str(library)).setMsgSeverity(LEPTONICA_SILENT)


LEPTONICA_SILENT = 6  # L_SEVERITY_NONE


def read_words(
    path: Path,
    source_hash: str,
    store: ResultFiles,
    picture: Callable[[], Image.Image] | None = None,
) -> list[str]:
    """Every word Tesseract reads in the photo, trying the rotations a phone photo needs.
    `picture`: the photo as the checks see it (pixels.upright_picture), when decoded already."""
    key = cache_key("ocr", OCR_VERSION, OCR_LANGUAGES, source_hash, code=VISION_CODE)
    known = store.get_json("ocr", key)
    if isinstance(known, list):
        return [str(w) for w in known]
    grey = (picture or _decoder(path))().convert("L")
    words = _every_way_up(grey)
    if _unchanged(path, source_hash):
        store.put_json("ocr", key, words)
    return words


def _every_way_up(grey: Image.Image) -> list[str]:
    """The words read every way up, each way levelled: a certificate lies any way round on a
    table, and a display board holds papers turned several ways, so finding words one way
    never ends the search (the way up with most words hid a name read another way). The
    photo is read whole levelled as text near upright is (within NEAR_UPRIGHT); each other
    way up, and the slope of a steeper lean, is tried on a small copy first (a scout costs a
    third of a reading; most photos have no text) and read whole where the scout finds words
    it is sure of. (A steep slope is never the only reading: stripes or bunting behind an
    upright card can make one.)"""
    small = grey.copy()
    small.thumbnail((SCOUT_SIDE, SCOUT_SIDE))
    # A half turn keeps the slope of lines: 180 is levelled as 0 is, 270 as 90.
    level = skew_angle(grey, NEAR_UPRIGHT)
    lean = skew_angle(grey)
    sideways = skew_angle(grey.rotate(90, expand=True))
    words, _ = _tesseract(turned(grey, 0, level))
    tries = [(90, sideways), (180, level), (270, sideways)]
    if abs(lean - level) >= LEANING:
        tries += [(0, lean), (180, lean)]
    for turn, skew in tries:
        if _tesseract(turned(small, turn, skew), "eng")[1] >= SCOUTED_WORDS:
            words += _tesseract(turned(grey, turn, skew))[0]
    return words


def _decoder(path: Path) -> Callable[[], Image.Image]:
    from sitegen.pixels import upright_picture

    return lambda: upright_picture(read_file(path))


def _unchanged(path: Path, source_hash: str) -> bool:
    """Whether the photo is still the bytes its results will be stored under."""
    try:
        return content_hash(read_file(path)) == source_hash
    except OSError:
        return False
