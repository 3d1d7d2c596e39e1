"""Ingest's transactions: CPU per image written, by transaction size, in a cache of N rows.

A cold ingest writes each new image's vector, its file's row and its quality in transactions
(`encode/batch_writer.py`). Two of those tables are keyed by content digest, so each image
lands on a random page of an index, and each commit writes every page it changed: the cost per
image grows with the cache and shrinks with the transaction. This script fills a cache with N
rows (small vectors: the indexes are what is measured), then times transactions of each size
written as ingest writes them (`put_encoded`, then `put_quality`), CPU seconds and wall.

    uv run python -m benchmarks.bench_cache_writes [--rows 1000000] [--sizes 2048,8192,16384]
"""

from __future__ import annotations

import argparse
import secrets
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import describe_machine
from konomi.store.cache import EmbeddingCache
from konomi.store.quality import Quality, put_quality

MODEL = "bench@cache-writes"
DIM = 8  # small vectors: the SQLite indexes, not the vector file, are what is timed


def _batch(n: int, tag: str) -> tuple[list[tuple[str, np.ndarray]], list, list]:
    vectors = [(secrets.token_hex(16), np.ones(DIM, np.float32)) for _ in range(n)]
    files = [(f"/library/{tag}/{i:07}.png", 110, 1, d) for i, (d, _) in enumerate(vectors)]
    quality = [(d, Quality(1.0, 0.0, 0.0, None, 1)) for d, _ in vectors]
    return vectors, files, quality


def _write(cache: EmbeddingCache, n: int, tag: str) -> None:
    vectors, files, quality = _batch(n, tag)
    cache.put_encoded(MODEL, vectors, files)
    put_quality(cache, quality)


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows in the cache before")
    ap.add_argument("--sizes", default="2048,8192,16384", help="transaction sizes to time")
    ap.add_argument("--images", type=int, default=65536, help="images written per size")
    args = ap.parse_args()
    print(describe_machine(), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        base.mkdir()
        t0 = time.perf_counter()
        with EmbeddingCache(base / "cache.sqlite") as cache:
            for start in range(0, args.rows, 16384):
                _write(cache, min(16384, args.rows - start), f"fill{start}")
        print(f"cache of {args.rows:,} rows filled in {time.perf_counter() - t0:.0f} s")
        print("| images per transaction | CPU µs per image | wall µs per image |")
        print("| ---: | ---: | ---: |")
        for size in (int(s) for s in args.sizes.split(",")):
            run = Path(tmp) / f"run{size}"
            shutil.copytree(base, run)
            with EmbeddingCache(run / "cache.sqlite") as cache:
                wall, cpu = time.perf_counter(), time.process_time()
                for k in range(max(1, args.images // size)):
                    _write(cache, size, f"s{size}-{k}")
                written = max(1, args.images // size) * size
                cpu = (time.process_time() - cpu) / written * 1e6
                wall = (time.perf_counter() - wall) / written * 1e6
            print(f"| {size:,} | {cpu:.0f} | {wall:.0f} |", flush=True)
            shutil.rmtree(run)


if __name__ == "__main__":
    main()
