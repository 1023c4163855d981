"""Cost per photo of the OCR (SG125) and face (SG126) checks, cold and cached, and how well
each does on the photos it is tested with."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from sitegen import vision
from sitegen.engine.store import ResultFiles
from sitegen.images import content_hash
from sitegen.policy.photos import names_in_words
from sitegen.register import parse_register

REPO = Path(__file__).resolve().parent.parent
FACES = REPO / "tests/fixtures/faces"
KNOWN_FACES = {
    "one_face_obama_2012.jpg": 1,
    "two_faces_obama_biden_2010.jpg": 2,
    "many_faces_nasa_group15.jpg": 23,
    "no_faces_coffee.png": 0,
}
REGISTER = (
    "pupil_id,first_name,last_name,website,facebook,instagram,x,name\n"
    "P2,Osian,Pritchard,yes,yes,yes,yes,no\n"
)


def main() -> None:
    sys.path.insert(0, str(REPO / "tests"))
    from imagegen import certificate  # type: ignore[import-not-found]

    if not (vision.tesseract_path() and vision.cascade_path()):
        print("== vision: tesseract or OpenCV missing: skipped")
        return
    register = parse_register(REGISTER, "consent.csv", ("website", "facebook", "instagram", "x"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        certificates = []
        cases = [
            ("DejaVuSerif-Bold.ttf", 0, "Osian Pritchard"),
            ("DejaVuSans.ttf", 6, None),
            ("LiberationSerif-Bold.ttf", -10, "Osian Pritchard"),
            ("LiberationSans-Regular.ttf", 9, "Osian Pritchard"),
            ("DejaVuSans.ttf", 90, "Osian Pritchard"),
        ]
        for i, (font, angle, name) in enumerate(cases):
            path = folder / f"certificate-{i}.jpg"
            turn = 90 if angle == 90 else 0
            certificate(name, font, 0 if turn else angle, seed=i).rotate(turn, expand=True).save(
                path, quality=85
            )
            certificates.append((path, name is not None))
        photos = [p for p, _ in certificates] + [FACES / n for n in KNOWN_FACES]
        photos += sorted((REPO / "content/posts").glob("*/*.jpg"))[:4]
        store = ResultFiles(folder / "cache")
        print(f"== vision: {len(photos)} photos (certificates, real faces, demo pictures)")
        for label, run in (
            ("OCR (SG125)", vision.read_words),
            ("faces (SG126)", vision.count_faces),
        ):
            timings = []
            for _phase in ("cold", "cached"):
                start = time.perf_counter()
                for photo in photos:
                    run(photo, content_hash(photo.read_bytes()), store)
                timings.append((time.perf_counter() - start) / len(photos))
            print(
                f"   {label:14} cold {timings[0] * 1000:7.1f} ms/photo, cached "
                f"{timings[1] * 1000:6.2f} ms/photo"
            )
        hits = misses = false = 0
        for path, has_name in certificates:
            found = bool(
                names_in_words(
                    vision.read_words(path, content_hash(path.read_bytes()), store), register, []
                )
            )
            hits += found and has_name
            misses += has_name and not found
            false += found and not has_name
        print(
            f"   OCR on {len(certificates)} certificates (0 to 10 degrees, one sideways, one "
            f"blanked): {hits} names found, {misses} missed, {false} false alarms"
        )
        counted = []
        for name, expected in KNOWN_FACES.items():
            path = FACES / name
            got = vision.count_faces(path, content_hash(path.read_bytes()), store)
            counted.append((name, expected, got))
        missed = sum(max(0, e - g) for _, e, g in counted)
        extra = sum(max(0, g - e) for _, e, g in counted)
        total = sum(e for _, e, _ in counted)
        print(
            f"   faces ({vision.CASCADE}): {total - missed} of {total} found, {missed} missed, "
            f"{extra} false alarms on "
            + ", ".join(f"{n.split('_')[0]}:{g}/{e}" for n, e, g in counted)
        )
