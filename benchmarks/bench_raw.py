"""Camera RAW against JPEG: how many images a second the decode stage of ingest reaches.

The same photos, three ways: the camera-like 12 MP JPEGs of `benchmarks/photos.py`; each JPEG
embedded as the full-size preview of a 12 MP DNG (uncompressed 16-bit sensor data, 24 MB a file
— the size of a real camera's RAW file), as cameras do; and the same DNG without a preview, which
konomi decodes from the sensor data at half size (LibRaw's demosaic). Each file goes through what
one decode worker of ingest does: read it whole, hash it (SHA-256), decode it to ≥ 224 px
(`konomi.encode.images.decode`) — the encoder is left out, it costs the same for all three.

Timed on one thread and on a pool of one thread per core (as ingest runs it), best of
`--repeats`, with the CPU model and the CPU time per image (robust to neighbours on a shared
machine). The file cache is warmed first: the disk is not what is measured.

CLI: ``uv run python -m benchmarks.bench_raw [--photos N] [--repeats R] [--out DIR]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.common import cpu_model
from benchmarks.photos import make_photos
from konomi.encode.images import content_hash, decode, read_file

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "bench-out" / "raw"
MIN_SIDE = 224


def _dng_writer():  # noqa: ANN202 - imported here: pidng is a dev dependency
    sys.path.insert(0, str(REPO_ROOT / "tests"))
    from factories.raw import add_preview, write_dng

    return write_dng, add_preview


def make_raws(jpegs: list[Path], out: Path) -> tuple[list[Path], list[Path]]:
    """For each JPEG, a DNG with that JPEG as its preview, and one without a preview."""
    write_dng, add_preview = _dng_writer()
    with_preview, without = [], []
    out.mkdir(parents=True, exist_ok=True)
    for jpeg in jpegs:
        a, b = out / f"{jpeg.stem}.dng", out / f"{jpeg.stem}-nopreview.dng"
        if not (a.exists() and b.exists()):
            image = Image.open(jpeg)
            w, h = image.size
            rgb = np.asarray(image.convert("RGB"))[: h - h % 2, : w - w % 2]
            write_dng(b, np.ascontiguousarray(rgb))
            write_dng(a, np.ascontiguousarray(rgb))
            add_preview(a, jpeg.read_bytes())  # the JPEG's own bytes: the same content
        with_preview.append(a)
        without.append(b)
    return with_preview, without


def _one(path: Path) -> tuple[int, int]:
    data = read_file(path)
    content_hash(data)
    image = decode(data, min_side=MIN_SIDE, name=path.name)
    return image.size


def measure(paths: list[Path], workers: int, repeats: int) -> tuple[float, float]:
    """(images/s, CPU ms per image), best of `repeats`."""
    best_rate, best_cpu = 0.0, float("inf")
    for _ in range(repeats):
        cpu0, t0 = time.process_time(), time.perf_counter()
        if workers == 1:
            for p in paths:
                _one(p)
        else:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(_one, paths))
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        best_rate = max(best_rate, len(paths) / wall)
        best_cpu = min(best_cpu, cpu / len(paths) * 1000)
    return best_rate, best_cpu


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    jpegs = make_photos(args.out / "jpeg", args.photos)[: args.photos]
    raws, bare = make_raws(jpegs, args.out / "dng")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    for paths in (jpegs, raws, bare):  # warm the page cache, and check each decodes
        sizes = {_one(p) for p in paths}
        assert all(min(s) >= MIN_SIDE for s in sizes), sizes
    mb = {
        name: sum(p.stat().st_size for p in paths) / len(paths) / 2**20
        for name, paths in (("jpeg", jpegs), ("raw", raws), ("bare", bare))
    }
    print(f"CPU: {cpu_model()} · {cores} core(s) · Python {platform.python_version()}")
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print(f"{args.photos} photos, 12 MP; JPEG {mb['jpeg']:.1f} MB, DNG {mb['raw']:.1f} MB each")
    print("| files | threads | images/s | CPU ms/image | vs JPEG |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for workers in sorted({1, cores}):
        base = 0.0
        for name, paths, reps in (
            ("JPEG", jpegs, args.repeats),
            ("DNG, JPEG preview", raws, args.repeats),
            ("DNG, no preview (half-size decode)", bare, 1),
        ):
            rate, cpu = measure(paths, workers, reps)
            base = base or rate
            print(f"| {name} | {workers} | {rate:.1f} | {cpu:.0f} | {rate / base:.2f}x |")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
