"""Culling's costs: grouping a library into bursts and choosing keepers, and what measuring
sharpness, clipping and capture time adds to ingest.

1. Grouping + keepers (`learn.bursts.cull`) on `--frames` synthetic frames (default 100,000):
   a shoot of bursts of 1–8 frames 0.2–1.5 s apart, bursts 5 s–5 min apart, with sharpness,
   clipping and taste scores; timed with `burst_similarity` 0 (capture time alone) and 0.9
   (512-float embeddings compared between neighbours), best of `--repeats`, in wall time and
   in CPU time (which load from other programs barely moves).
2. Ingest with and without the measures: `ingest.embed_files` on the ingest benchmark's 12 MP
   camera-like JPEGs and ViT-B/32-shaped model (`benchmarks.bench_ingest`), into a fresh cache,
   interleaved; "without" is ingest as it was before culling (decode at the encoder's input
   size, no measure, no quality rows). Reported as the ratio of images/s and of CPU time per
   image (which load from other programs barely moves), median over repeats.
3. The measure alone against the decode alone, per image, in CPU time of one thread: the share
   it would add to ingest where decoding is the whole cost (an accelerator doing the inference),
   and its share of ingest's CPU time per image measured in 2.

    uv run python -m benchmarks.bench_cull [--frames 100000] [--photos 48] [--repeats 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from benchmarks.bench_ingest import DEFAULT_OUT, timed
from benchmarks.common import describe_machine
from benchmarks.photos import make_photos
from benchmarks.vit_model import build_vit_b32
from konomi.encode import ingest, quality
from konomi.encode.encoder import Encoder, resolve_model
from konomi.encode.images import decode, read_file
from konomi.learn import bursts
from konomi.store.cache import EmbeddingCache
from konomi.store.quality import Quality


def burst_gaps(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Seconds before each of `n` frames shot in bursts of 1 to 8 (0.2-1.5 s within a burst,
    5-300 s before a burst's first frame), and which frames start a burst."""
    sizes = rng.integers(1, 9, n)
    sizes = sizes[: np.searchsorted(np.cumsum(sizes), n) + 1]
    gaps = rng.uniform(0.2, 1.5, n)
    first = np.zeros(n, bool)
    first[np.cumsum(sizes)[:-1][np.cumsum(sizes)[:-1] < n]] = True
    gaps[first] = rng.uniform(5, 300, first.sum())
    return gaps, first


def shoot_arrays(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Capture times, quality, taste and embeddings of `n` frames in bursts."""
    rng = np.random.default_rng(seed)
    gaps, first = burst_gaps(rng, n)
    times = np.cumsum(gaps)
    scene = np.cumsum(first)
    centres = rng.standard_normal((scene[-1] + 1, 512)).astype(np.float32)
    vectors = centres[scene] + 0.1 * rng.standard_normal((n, 512)).astype(np.float32)
    shuffled = rng.permutation(n)  # folder order is not time order
    return {
        "times": times[shuffled],
        "sharpness": rng.gamma(4.0, 5.0, n)[shuffled],
        "clipped": rng.beta(1, 30, n)[shuffled],
        "taste": rng.uniform(0, 1, n)[shuffled],
        "vectors": vectors[shuffled],
    }


def time_grouping(n: int, repeats: int) -> None:
    data = shoot_arrays(n)
    vectors = data["vectors"]
    for similarity in (0.0, 0.9):
        best, cpu, found = float("inf"), float("inf"), []
        for _ in range(repeats):
            t0, c0 = time.perf_counter(), time.thread_time()
            found = bursts.cull(
                data["times"],
                data["sharpness"],
                data["clipped"],
                data["taste"],
                gap=2.0,
                similarity=similarity,
                vectors_of=lambda rows: vectors[rows],
            )
            best = min(best, time.perf_counter() - t0)
            cpu = min(cpu, time.thread_time() - c0)
        frames = sum(len(b.members) for b in found)
        print(
            f"  burst_similarity {similarity}: {n:,} frames -> {len(found):,} bursts "
            f"({frames:,} frames) in {best:.2f} s ({cpu:.2f} s CPU), best of {repeats}"
        )


@contextmanager
def without_measures() -> Iterator[None]:
    """Ingest as before culling: decode at the encoder's size, no measure, no quality rows."""
    saved = quality.decode_side, quality.measure, ingest.put_quality
    blank = Quality(0.0, 0.0, 0.0, None)
    quality.decode_side = lambda size: int(size)  # type: ignore[assignment]
    quality.measure = lambda image: blank
    ingest.put_quality = lambda cache, items: None
    try:
        yield
    finally:
        quality.decode_side, quality.measure, ingest.put_quality = saved


def ingest_rate(photos: Sequence[Path], encoder: Encoder) -> tuple[float, float]:
    """(images/s, CPU s per image) of `embed_files` into a fresh cache."""
    folder = Path(tempfile.mkdtemp(prefix="konomi-bench-cull-"))
    try:
        with EmbeddingCache(folder / "cache.sqlite") as cache:
            rate = timed(
                len(photos),
                lambda: ingest.embed_files(list(photos), cache, encoder.model_id, lambda: encoder),
            )
        return rate.images_per_s, rate.cpu_s_per_image
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def time_ingest(photos: Sequence[Path], encoder: Encoder, repeats: int) -> float:
    """Print the ratios; return the median CPU seconds per image of ingest with measures."""
    speed, cpu, cpu_with = [], [], []
    for rep in range(repeats):
        if rep % 2:  # alternate which goes first, so a drift in load hits both alike
            after = ingest_rate(photos, encoder)
        with without_measures():
            before = ingest_rate(photos, encoder)
        if not rep % 2:
            after = ingest_rate(photos, encoder)
        cpu_with.append(after[1])
        speed.append(after[0] / before[0])
        cpu.append(after[1] / before[1])
        print(
            f"  repeat {rep + 1}: without {before[0]:.2f} img/s ({before[1] * 1e3:.0f} CPU ms), "
            f"with {after[0]:.2f} img/s ({after[1] * 1e3:.0f} CPU ms)",
            flush=True,
        )
    print(
        f"  with / without measures: images/s x{statistics.median(speed):.3f}, "
        f"CPU per image x{statistics.median(cpu):.3f} (median of {repeats})"
    )
    return statistics.median(cpu_with)


def time_measure(photos: Sequence[Path], size: int, ingest_cpu: float) -> None:
    """CPU time of this thread (load from other programs does not count): read + decode, and
    the measure, per image."""
    images = [decode(read_file(p), min_side=quality.decode_side(size)) for p in photos[:16]]
    t0 = time.thread_time()
    for p in photos[:16]:
        decode(read_file(p), min_side=quality.decode_side(size))
    dec = (time.thread_time() - t0) / 16
    t0 = time.thread_time()
    for _ in range(5):
        for image in images:
            quality.measure(image)
    per = (time.thread_time() - t0) / (5 * len(images))
    w, h = images[0].size
    print(
        f"  one thread, CPU time: read + decode {dec * 1e3:.1f} ms, measure {per * 1e3:.2f} ms "
        f"({w}x{h} decoded) = {per / dec:.1%} of the decode, "
        f"{per / ingest_cpu:.1%} of ingest's CPU time per image"
    )


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--frames", type=int, default=100_000, help="frames to group (100,000)")
    ap.add_argument("--photos", type=int, default=48, help="12 MP photos to ingest (48)")
    ap.add_argument("--repeats", type=int, default=3, help="repeats (3)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="cache dir: model and photos")
    ap.add_argument("--no-ingest", action="store_true", help="only the grouping")
    args = ap.parse_args(argv)
    print(describe_machine())
    print(
        f"command: uv run python -m benchmarks.bench_cull --frames {args.frames} "
        f"--photos {args.photos} --repeats {args.repeats}\n"
    )
    print("1. grouping and keepers (learn.bursts.cull):", flush=True)
    time_grouping(args.frames, args.repeats)
    if args.no_ingest:
        return
    onnx_path = build_vit_b32(args.out / "vit-b32")
    photos = make_photos(args.out / "photos", args.photos)
    encoder = Encoder(resolve_model(str(onnx_path.parent.parent)), device="cpu")
    print(f"\n2. ingest of {len(photos)} 12 MP photos, ViT-B/32 shape, CPU:", flush=True)
    ingest_cpu = time_ingest(photos, encoder, args.repeats)
    print("\n3. the measure against the decode and against ingest:", flush=True)
    time_measure(photos, encoder.size, ingest_cpu)


if __name__ == "__main__":
    main()
