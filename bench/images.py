"""Image stage throughput on 40 camera-sized (12 MP) JPEGs: cold, warm, and a bare Pillow loop."""

from __future__ import annotations

import io
import os
import random
import shutil
import tempfile
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from sitegen import images
from sitegen.engine.store import ResultFiles
from sitegen.images import Job, RenderSpec, render_all

COUNT = 40
SIZE = (4000, 3000)  # 12 MP, as a phone or compact camera takes them
SPEC = RenderSpec(widths=(480, 960, 1600), quality=82, max_pixels=40_000_000)
SET_DIR = Path("build/.bench/photos-v1")


def camera_like(seed: int) -> bytes:
    """A 12 MP JPEG with shapes, gradients and sensor-like noise, at camera quality."""
    rng = random.Random(seed)
    small = Image.new("RGB", (400, 300), tuple(rng.randint(0, 255) for _ in range(3)))
    draw = ImageDraw.Draw(small)
    for _ in range(40):
        x, y = rng.randint(0, 400), rng.randint(0, 300)
        r = rng.randint(5, 80)
        colour = tuple(rng.randint(0, 255) for _ in range(3))
        draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
    img = small.resize(SIZE, Image.Resampling.BICUBIC).filter(ImageFilter.GaussianBlur(3))
    noise = Image.effect_noise(SIZE, 18).convert("RGB")
    img = Image.blend(img, noise, 0.12)
    buffer = io.BytesIO()
    img.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def photo_set() -> list[Path]:
    SET_DIR.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(COUNT):
        path = SET_DIR / f"photo-{i:02d}.jpg"
        if not path.exists():
            path.write_bytes(camera_like(i))
        paths.append(path)
    return paths


def bare_pillow(paths: list[Path], out: Path) -> float:
    """The baseline: open, resize to each width, save; one process, Pillow's defaults."""
    start = time.perf_counter()
    for path in paths:
        with Image.open(path) as img:
            for width in SPEC.widths:
                height = round(img.height * width / img.width)
                img.resize((width, height), Image.Resampling.LANCZOS).save(
                    out / f"{path.stem}-{width}.jpg", "JPEG", quality=SPEC.quality
                )
    return time.perf_counter() - start


def main() -> None:
    print(
        f"== images: {COUNT} JPEGs of {SIZE[0]}x{SIZE[1]} ({SIZE[0] * SIZE[1] / 1e6:.0f} MP), "
        f"widths {SPEC.widths}, {os.cpu_count()} cores"
    )
    paths = photo_set()
    megabytes = sum(p.stat().st_size for p in paths) / 1e6
    print(f"   set: {megabytes:.0f} MB in {SET_DIR}")
    with tempfile.TemporaryDirectory() as tmp:
        base = bare_pillow(paths, Path(tmp))
    jobs = [Job(p, p.name, SPEC) for p in paths]
    cache_dir = Path(tempfile.mkdtemp(prefix="sitegen-bench-cache-"))
    try:
        cache = ResultFiles(cache_dir)
        start = time.perf_counter()
        cold_results = render_all(jobs, cache)
        cold = time.perf_counter() - start
        failures = [r for r in cold_results if isinstance(r, Exception)]
        if failures:
            raise SystemExit(f"cold run failed: {failures[0]}")

        decoded = 0
        real_render = images.render_image

        def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
            nonlocal decoded
            decoded += 1
            return real_render(*args, **kwargs)

        images.render_image = counting
        try:
            start = time.perf_counter()
            render_all(jobs, cache, workers=1)
            warm = time.perf_counter() - start
        finally:
            images.render_image = real_render
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    bomb_seconds = _bomb()
    rate = lambda seconds: COUNT / seconds  # noqa: E731
    print(f"   bare Pillow loop (1 process, JPEG only): {rate(base):6.2f} images/s  ({base:.2f} s)")
    print(
        f"   sitegen cold (all cores, JPEG+WebP, verified): {rate(cold):6.2f} images/s  "
        f"({cold:.2f} s)  = {base / cold:.2f}x the bare loop"
    )
    print(
        f"   sitegen warm (cache): {rate(warm):8.1f} images/s  ({warm:.3f} s)  "
        f"= {base / warm:.0f}x the bare loop; images decoded: {decoded}"
    )
    print(
        f"   100-megapixel PNG refused (SG121) in {bomb_seconds * 1000:.1f} ms, pixels never "
        "decoded"
    )


def _bomb() -> float:
    """Time the refusal of a valid 100 MP PNG (header says 10000x10000)."""
    import struct
    import zlib

    from sitegen.images import inspect_image

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    compressor = zlib.compressobj(1)
    row = b"\0" * 30_001
    idat = b"".join(compressor.compress(row) for _ in range(10_000)) + compressor.flush()
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 10_000, 10_000, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", idat)
        + chunk(b"IEND", b"")
    )
    start = time.perf_counter()
    facts = inspect_image(png, SPEC.max_pixels)
    elapsed = time.perf_counter() - start
    assert facts.error and "megapixels" in facts.error
    return elapsed
