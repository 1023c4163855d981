"""Group photos made from real faces, with every face's box known: the face detector's test set.

No child is photographed for sitegen's tests. These photos are made from the adults' faces in
tests/fixtures/faces/ (public-domain photographs): each face is cut out, scaled down (to the
sizes children's faces have in a class photo), tilted, darkened, blurred or mirrored, and
placed in rows on a plain hall-like background, as a class photo is arranged; the boxes where
they were placed are the truth the detector is measured against.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageOps

FACES = Path(__file__).resolve().parent / "fixtures" / "faces"
# Where the faces are in the fixtures (x, y, w, h), as OpenCV's Haar cascades find them (both
# find every face of these photos; the README there gives the counts by eye).
SOURCES = {
    "one_face_obama_2012.jpg": 1,
    "two_faces_obama_biden_2010.jpg": 2,
    "many_faces_nasa_group15.jpg": 23,
}


@dataclass(frozen=True)
class GroupPhoto:
    name: str
    image: Image.Image
    truth: tuple[tuple[int, int, int, int], ...]  # each face's box (x, y, w, h)


def face_cuts() -> list[Image.Image]:
    """Every face of the fixtures, cut out with some hair and chin around it."""
    import cv2
    import numpy

    cuts = []
    cascade = cv2.CascadeClassifier(
        str(Path(cv2.data.haarcascades) / "haarcascade_frontalface_default.xml")
    )
    for name, expected in SOURCES.items():
        photo = ImageOps.exif_transpose(Image.open(FACES / name)).convert("RGB")
        grey = numpy.asarray(photo.convert("L"))
        found = cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24))
        assert len(found) == expected, f"{name}: {len(found)} faces, not {expected}"
        for x, y, w, h in found:
            grow = 0.2
            box = (
                max(0, int(x - grow * w)),
                max(0, int(y - grow * h)),
                min(photo.width, int(x + (1 + grow) * w)),
                min(photo.height, int(y + (1 + 1.4 * grow) * h)),
            )
            cuts.append(photo.crop(box))
    return cuts


def group_photo(
    seed: int, faces: int, face_px: tuple[int, int], size: tuple[int, int] = (2400, 1600)
) -> GroupPhoto:
    """A class photo of `faces` faces between `face_px` pixels wide, in rows."""
    rng = random.Random(seed)
    cuts = face_cuts()
    wall = tuple(rng.randrange(120, 230) for _ in range(3))
    image = Image.new("RGB", size, wall)
    draw = ImageDraw.Draw(image)
    floor = int(size[1] * rng.uniform(0.7, 0.85))
    draw.rectangle([0, floor, size[0], size[1]], fill=tuple(c // 2 for c in wall))
    for _ in range(12):  # wall displays: shapes that are not faces
        x, y = rng.randrange(size[0]), rng.randrange(floor)
        colour = tuple(rng.randrange(256) for _ in range(3))
        draw.rectangle([x, y, x + rng.randrange(40, 300), y + rng.randrange(30, 200)], colour)
    rows = max(1, round((faces / 8) ** 0.5 * 1.2))
    per_row = -(-faces // rows)
    truth = []
    placed = 0
    for row in range(rows):
        y_base = int(size[1] * (0.15 + 0.6 * row / max(1, rows)))
        for col in range(per_row):
            if placed == faces:
                break
            cut = cuts[rng.randrange(len(cuts))]
            if rng.random() < 0.5:
                cut = ImageOps.mirror(cut)
            width = rng.randrange(*face_px)
            scale = width / cut.width
            cut = cut.resize((width, max(1, int(cut.height * scale))), Image.Resampling.LANCZOS)
            cut = ImageEnhance.Brightness(cut).enhance(rng.uniform(0.55, 1.25))
            if rng.random() < 0.25:
                cut = cut.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.5)))
            angle = rng.uniform(-20, 20)
            mask = Image.new("L", cut.size, 255).rotate(angle, expand=True)
            cut = cut.rotate(angle, expand=True, resample=Image.Resampling.BICUBIC)
            slot = size[0] / per_row
            x = int(slot * col + rng.uniform(0.05, 0.95) * max(1, slot - cut.width))
            y = y_base + rng.randrange(-20, 20)
            image.paste(cut, (x, y), mask)
            # The face's box: the middle of the cut (the face as found, without the margin).
            face_w, face_h = int(cut.width / 1.4), int(cut.height / 1.5)
            truth.append(
                (x + (cut.width - face_w) // 2, y + (cut.height - face_h) // 3, face_w, face_h)
            )
            placed += 1
    return GroupPhoto(f"group-{seed}", image, tuple(truth))


# The set the benchmark measures: small classes and whole-school rows, faces from 28 to 160
# pixels wide in a 2400-pixel photo (a 12 MP photo of a class is 4000 pixels wide).
GROUP_SET = (
    (1, 8, (110, 160)),
    (2, 12, (80, 120)),
    (3, 16, (60, 90)),
    (4, 20, (50, 80)),
    (5, 24, (40, 70)),
    (6, 30, (36, 60)),
    (7, 30, (28, 50)),
    (8, 16, (60, 120)),
)


def group_set() -> list[GroupPhoto]:
    return [group_photo(seed, n, px) for seed, n, px in GROUP_SET]
