"""What a photo's checks cost and how well they see: OCR (SG125) and faces (SG126, SG128) on
certificates, real photographs of faces, camera photos and group photos, cold, on one core and
on all; the face detector against OpenCV's Haar cascade; the code before issue 17 timed in the
same run (SITEGEN_BENCH_VISION_BEFORE, a git revision) from a worktree under build/.bench/."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests/fixtures"
BEFORE = os.environ.get("SITEGEN_BENCH_VISION_BEFORE", "b5eee2b")  # OCR by command, Haar
KNOWN_FACES = {
    "one_face_obama_2012.jpg": 1,
    "two_faces_obama_biden_2010.jpg": 2,
    "many_faces_nasa_group15.jpg": 23,
    "no_faces_coffee.png": 0,
}
CAMERA = [
    "photos/Canon_40D.jpg",
    "photos/Nikon_D70.jpg",
    "photos/gps_DSCN0010.jpg",
    "photos/gps_DSCN0012.jpg",
    "photos/orientation_landscape_6.jpg",
    "photos/orientation_portrait_8.jpg",
    "photos/IMG_5195.HEIC",
    "photos-more/mobile_iphone_13_pro_max.HEIC",
    "photos-more/hdr_iphone_hdr_YES.jpg",
    "photos-more/Pentax_K10D.jpg",
]
CERTIFICATES = [  # (font, degrees, name on it): one sideways, one with no name
    ("DejaVuSerif-Bold.ttf", 0, "Osian Pritchard"),
    ("DejaVuSans.ttf", 6, None),
    ("LiberationSerif-Bold.ttf", -10, "Osian Pritchard"),
    ("LiberationSans-Regular.ttf", 9, "Osian Pritchard"),
    ("DejaVuSans.ttf", 90, "Osian Pritchard"),
]
REGISTER = (
    "pupil_id,first_name,last_name,website,facebook,instagram,x,name\n"
    "P2,Osian,Pritchard,yes,yes,yes,yes,no\n"
)

# Run in a process of its own, on one core, by the code under test (this checkout's or the
# revision before): every photo's words and faces, each timed, cold (an empty store).
MEASURE = r"""
import json, os, sys, tempfile, time
from pathlib import Path
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
import cv2
cv2.setNumThreads(1)
from sitegen import vision
from sitegen.engine.store import ResultFiles
from sitegen.images import content_hash
store = ResultFiles(Path(tempfile.mkdtemp()))
try:
    from sitegen.faces import find_faces
    def faces(path, digest, picture=None):
        found = find_faces(path, digest, store, picture)
        return [[b.left, b.top, b.width, b.height] for b in found.boxes]
except ImportError:  # before: a count by the Haar cascade
    def faces(path, digest):
        return vision.count_faces(path, digest, store)
try:  # now: the photo decoded once for both checks, as the inspection stage does
    from sitegen.inspection import _decoded_once
except ImportError:
    _decoded_once = None
out = {}
for name in sys.argv[2:]:
    path = Path(sys.argv[1]) / name
    digest = content_hash(path.read_bytes())
    start = time.perf_counter()
    if _decoded_once:
        picture = _decoded_once(path)
        words = vision.read_words(path, digest, store, picture)
    else:
        words = vision.read_words(path, digest, store)
    read = time.perf_counter()
    found = faces(path, digest, picture) if _decoded_once else faces(path, digest)
    out[name] = {"ocr": read - start, "faces": time.perf_counter() - read,
                 "words": words, "found": found}
print(json.dumps(out))
"""


def main() -> None:
    sys.path.insert(0, str(REPO / "tests"))
    from sitegen import faces, vision

    if not (vision.tessdata() and vision.opencv_available()):
        print("== vision: tesserocr with Tesseract's data, or OpenCV, missing: skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        names, groups = make_photos(folder)
        print(
            f"== vision: {len(names)} photos: {len(CERTIFICATES)} certificates, "
            f"{len(KNOWN_FACES)} photographs of faces, {len(CAMERA)} camera photos, "
            f"{len(groups)} group photos ({sum(len(t) for t in groups.values())} faces)"
        )
        print(f"   detector: {faces.detector_name()}")
        now = measure(REPO, folder, names)
        before_tree = worktree(BEFORE)
        before = measure(before_tree, folder, names) if before_tree else None
        report_cost(now, before, folder, names)
        report_certificates(now, before)
        report_faces(now, before, folder, groups)


def make_photos(folder: Path) -> tuple[list[str], dict[str, tuple]]:
    from groupphotos import group_set  # type: ignore[import-not-found]
    from imagegen import certificate  # type: ignore[import-not-found]

    names = []
    for i, (font, angle, name) in enumerate(CERTIFICATES):
        turn = 90 if angle == 90 else 0
        card = certificate(name, font, 0 if turn else angle, seed=i).rotate(turn, expand=True)
        card.save(folder / f"certificate-{i}.jpg", quality=85)
        names.append(f"certificate-{i}.jpg")
    for name in KNOWN_FACES:
        shutil.copy(FIXTURES / "faces" / name, folder / name)
        names.append(name)
    for relative in CAMERA:
        shutil.copy(FIXTURES / relative, folder / Path(relative).name)
        names.append(Path(relative).name)
    groups = {}
    for group in group_set():
        group.image.save(folder / f"{group.name}.jpg", quality=88)
        names.append(f"{group.name}.jpg")
        groups[f"{group.name}.jpg"] = group.truth
    return names, groups


def worktree(revision: str) -> Path | None:
    """The code before, checked out once under build/.bench/ (as `bench builds` does)."""
    from bench.builds import baseline_tree

    try:
        return baseline_tree(revision)[1]
    except (SystemExit, subprocess.CalledProcessError) as exc:
        print(f"   (no 'before' figures: {exc})")
        return None


def measure(code: Path, folder: Path, names: list[str]) -> dict[str, dict]:
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, str(folder), *names],
        env=env,
        capture_output=True,
        text=True,
        cwd=folder,
    )
    if done.returncode != 0:
        raise SystemExit(f"the vision measure failed with {code}:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


def report_cost(now: dict, before: dict | None, folder: Path, names: list[str]) -> None:
    def line(label: str, got: dict) -> str:
        ocr = sum(v["ocr"] for v in got.values()) / len(got)
        face = sum(v["faces"] for v in got.values()) / len(got)
        return (
            f"   {label:28} OCR {ocr * 1000:6.0f} + faces {face * 1000:5.0f} = "
            f"{(ocr + face) * 1000:6.0f} ms a photo"
        )

    print("   cold, one core (average over every photo; target <= 600 ms):")
    print(line("now (tesserocr, CenterFace)", now))
    if before:
        print(line(f"before ({BEFORE}: command, Haar)", before))
        ratio = sum(v["ocr"] + v["faces"] for v in now.values()) / sum(
            v["ocr"] + v["faces"] for v in before.values()
        )
        print(f"   now / before: {ratio:.3f}")
    wall = both_cores(folder, names)
    print(
        f"   both cores, as `check` inspects a post of {len(names)} photos: "
        f"{wall:.1f} s ({wall / len(names) * 1000:.0f} ms a photo)"
    )


def both_cores(folder: Path, names: list[str]) -> float:
    """The photos as the inspection stage reads a post's photos: several at once."""
    code = (
        "import sys, time, tempfile\nfrom pathlib import Path\n"
        "from sitegen.engine.store import ResultFiles\n"
        "from sitegen.inspection import PhotoReader\nfrom sitegen.vision import tools\n"
        "from sitegen.model import ImageRef, Post\n"
        "reader = PhotoReader(ResultFiles(Path(tempfile.mkdtemp())), None, "
        "tools('on', 'on'), 40_000_000)\n"
        "start = time.perf_counter()\n"
        "reader.look_at([Path(sys.argv[1]) / n for n in sys.argv[2:]])\n"
        "print(time.perf_counter() - start)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(folder), *names],
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip())


def report_certificates(now: dict, before: dict | None) -> None:
    from sitegen.policy.photos import names_in_words
    from sitegen.register import parse_register

    register = parse_register(REGISTER, "consent.csv", ("website", "facebook", "instagram", "x"))

    def tally(got: dict) -> str:
        hits = misses = false = 0
        for i, (_, _, name) in enumerate(CERTIFICATES):
            found = bool(names_in_words(got[f"certificate-{i}.jpg"]["words"], register, []))
            hits += found and name is not None
            misses += name is not None and not found
            false += found and name is None
        return f"{hits} names found, {misses} missed, {false} false alarms"

    print(f"   OCR on {len(CERTIFICATES)} certificates (0 to 10 degrees, one sideways, one blank):")
    print(f"     now:    {tally(now)}")
    if before:
        print(f"     before: {tally(before)}")


def report_faces(now: dict, before: dict | None, folder: Path, groups: dict) -> None:
    """Faces found, missed and false alarms: the new detector and Haar, on the same photos."""
    from sitegen import faces
    from sitegen.files import read_file
    from sitegen.pixels import upright_picture

    haar = {}
    for name in [*KNOWN_FACES, *groups]:
        rgb = faces.numpy_of(upright_picture(read_file(folder / name)))  # as find_faces
        haar[name] = [[b.left, b.top, b.width, b.height] for b in faces._haar(rgb)]
    print("   faces found / missed / false alarms (Haar: OpenCV's cascade, as before):")
    for label, got in (("CenterFace", {n: v["found"] for n, v in now.items()}), ("Haar", haar)):
        fixtures = [(len(got[n]), e) for n, e in KNOWN_FACES.items()]
        missed = sum(max(0, e - g) for g, e in fixtures)
        false = sum(max(0, g - e) for g, e in fixtures)
        total = sum(KNOWN_FACES.values())
        print(
            f"     {label:10} fixtures: {total - missed}/{total} found, {missed} missed, "
            f"{false} false alarms ("
            + ", ".join(
                f"{n.split('_')[0]} {g}/{e}"
                for (g, e), n in zip(fixtures, KNOWN_FACES, strict=True)
            )
            + ")"
        )
        found = false = 0
        for name, truth in groups.items():
            f, a = _score(got[name], truth, folder / name)
            found, false = found + f, false + a
        total = sum(len(t) for t in groups.values())
        print(
            f"     {label:10} group photos: {found}/{total} found ({found / total:.1%}), "
            f"{total - found} missed, {false} false alarms"
        )
    camera_false = sum(len(now[Path(c).name]["found"]) for c in CAMERA)
    print(f"     CenterFace on the {len(CAMERA)} camera photos (no faces): {camera_false} found")


def _score(boxes: list[list[float]], truth: tuple, path: Path) -> tuple[int, int]:
    """Faces found (a box's centre inside the face) and false alarms (a box on no face)."""
    from PIL import Image

    with Image.open(path) as img:
        width, height = img.size
    used: set[int] = set()
    found = 0
    for x, y, w, h in truth:
        hits = [
            i
            for i, (left, top, bw, bh) in enumerate(boxes)
            if x <= (left + bw / 2) * width <= x + w and y <= (top + bh / 2) * height <= y + h
        ]
        found += bool(hits)
        used.update(hits)
    return found, len(boxes) - len(used)


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"   ({time.perf_counter() - start:.0f} s)")
