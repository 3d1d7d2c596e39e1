"""Cold ingest of small files: threads against worker processes, in interleaved pairs.

With a small encoder konomi hands new files to one worker process per core
(`encode/ingest_workers.py`); with threads, one process's interpreter is shared by every
decode and encode. This script builds a library of N small files — 64 x 48 JPEGs of noise (a
costly decode for their size) or the 2 x 2 PNGs of `bench_scale` — and times a cold
`konomi embed` of it both ways, alternating within the minute so that a busy machine weighs on
both alike. Threads are forced by setting the file count from which workers are used
(`KONOMI_TEST_PROCESS_FILES`) above N.

    uv run python -m benchmarks.bench_ingest_ways [--images 20000] [--kind jpeg|png] [--pairs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.bench_scale import DEFAULT_OUT, model, png, run
from benchmarks.common import describe_machine

PER_FOLDER = 1000


def build(base: Path, n: int, kind: str) -> Path:
    """A workspace whose library holds `n` distinct small files of `kind`; reused when built."""
    library, ws = base / "library", base / "workspace"
    stamp = base / "stamp.json"
    if stamp.is_file() and json.loads(stamp.read_text()) == {"n": n, "kind": kind}:
        return ws
    shutil.rmtree(base, ignore_errors=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        folder = library / f"{i // PER_FOLDER:04}"
        folder.mkdir(parents=True, exist_ok=True)
        if kind == "jpeg":
            noise = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8)
            Image.fromarray(noise).save(folder / f"p{i:07}.jpg", quality=85)
        else:
            (folder / f"p{i:07}.png").write_bytes(png(i, (i % 256, 128, (i * 7) % 256)))
    (ws / "data").mkdir(parents=True)
    (ws / "konomi.toml").write_text(f"libraries = [{json.dumps(str(library.resolve()))}]\n")
    stamp.write_text(json.dumps({"n": n, "kind": kind}))
    return ws


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    ap.add_argument("--images", type=int, default=20_000)
    ap.add_argument("--kind", choices=("jpeg", "png"), default="jpeg")
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args()
    print(describe_machine(), flush=True)
    ws = build(args.out / f"ways-{args.kind}-{args.images}", args.images, args.kind)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(KONOMI_MODEL=str(model(args.out)), HF_HUB_OFFLINE="1", KONOMI_LANG="en")
    ways = {"threads": {"KONOMI_TEST_PROCESS_FILES": str(args.images + 1)}, "workers": {}}
    argv = [sys.executable, "-m", "konomi", "embed", "--root", str(ws)]
    seen: dict[str, list[tuple[float, float]]] = {way: [] for way in ways}
    for pair in range(args.pairs):
        for way, extra in ways.items():
            shutil.rmtree(ws / ".konomi", ignore_errors=True)
            wall, cpu, _, _, _ = run(argv, {**env, **extra})
            seen[way].append((wall, cpu))
            print(
                f"  {pair + 1}: {way:<8} {wall:6.2f} s = {args.images / wall:5,.0f} files/s"
                f"   CPU {cpu:6.2f} s = {cpu / args.images * 1e6:4.0f} µs per file",
                flush=True,
            )
    print(f"\n| {args.images:,} {args.kind} files, cold | wall s | files/s | CPU µs per file |")
    print("| --- | ---: | ---: | ---: |")
    for way, runs in seen.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        print(
            f"| {way} (median of {len(runs)}) | {wall:.2f} | {args.images / wall:,.0f} | "
            f"{cpu / args.images * 1e6:.0f} |"
        )


if __name__ == "__main__":
    main()
