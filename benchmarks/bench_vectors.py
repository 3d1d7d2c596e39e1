"""Where embeddings should live at a million images: three layouts, measured.

    sqlite-f32   the cache's layout: one BLOB of float32 per (digest, model) row (WITHOUT ROWID)
    sqlite-f16   the same table, float16 blobs (half the bytes)
    mmap-f32     a flat float32 array file beside SQLite; SQLite keeps digest → row number
    mmap-f16     the same, float16

For each: bytes on disk, cold-ingest write speed (transactions of 2,048 rows, as `embed`
writes), the two reads the commands need — every vector into one float32 matrix (`search`,
the report) and 2,500 random lookups (the review order's candidates) — and a membership pass
(which digests have a vector: warm `embed`). Real SQLite files on disk, the OS cache warm.

    uv run python -m benchmarks.bench_vectors [--n 100000] [--dim 512] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import time
from pathlib import Path

import numpy as np

from benchmarks.common import describe_machine


class _Clock:
    """Wall and CPU seconds of a step (the machine may be shared: CPU time is the steadier)."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def __call__(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


REPO_ROOT = Path(__file__).resolve().parents[1]


def _digests(n: int) -> list[str]:
    return [f"{i * 2654435761 % 2**64:016x}{i:016x}" for i in range(n)]


def _db(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


def sqlite_layout(folder: Path, vectors: np.ndarray, digests: list[str], dtype: str) -> dict:
    db = _db(folder / "cache.sqlite")
    db.execute(
        "CREATE TABLE embeddings (digest TEXT NOT NULL, model TEXT NOT NULL, vector BLOB NOT "
        "NULL, PRIMARY KEY (digest, model)) WITHOUT ROWID"
    )
    t0 = _Clock()
    for start in range(0, len(digests), 2048):
        rows = [
            (d, "m", v.astype(dtype).tobytes())
            for d, v in zip(digests[start : start + 2048], vectors[start : start + 2048])
        ]
        db.execute("BEGIN IMMEDIATE")
        db.executemany("INSERT INTO embeddings VALUES (?, ?, ?)", rows)
        db.execute("COMMIT")
    write = t0()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = (folder / "cache.sqlite").stat().st_size

    t0 = _Clock()
    out = np.empty(vectors.shape, np.float32)
    for i, (blob,) in enumerate(db.execute("SELECT vector FROM embeddings WHERE model = 'm'")):
        out[i] = np.frombuffer(blob, dtype)
    read_all = t0()

    rng = np.random.default_rng(0)
    wanted = [digests[i] for i in rng.choice(len(digests), 2500, replace=False)]
    t0 = _Clock()
    for i in range(0, len(wanted), 900):
        chunk = wanted[i : i + 900]
        marks = ",".join("?" * len(chunk))
        db.execute(
            f"SELECT digest, vector FROM embeddings WHERE model = 'm' AND digest IN ({marks})",
            chunk,
        ).fetchall()
    lookup = t0()

    t0 = _Clock()
    have = {d for (d,) in db.execute("SELECT digest FROM embeddings WHERE model = 'm'")}
    members = t0()
    assert len(have) == len(digests)
    db.close()
    return {
        "bytes": size,
        "write": write,
        "read_all": read_all,
        "lookup": lookup,
        "members": members,
    }


def mmap_layout(folder: Path, vectors: np.ndarray, digests: list[str], dtype: str) -> dict:
    db = _db(folder / "cache.sqlite")
    db.execute(
        "CREATE TABLE vectors (digest TEXT NOT NULL, model TEXT NOT NULL, row INTEGER NOT NULL, "
        "PRIMARY KEY (digest, model)) WITHOUT ROWID"
    )
    array = folder / f"vectors-m.{dtype}"
    dim = vectors.shape[1]
    t0 = _Clock()
    with open(array, "ab") as f:
        for start in range(0, len(digests), 2048):
            block = vectors[start : start + 2048].astype(dtype)
            f.write(block.tobytes())
            f.flush()
            os.fsync(f.fileno())  # the rows must be on disk before SQLite names them
            rows = [(d, "m", start + j) for j, d in enumerate(digests[start : start + 2048])]
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT INTO vectors VALUES (?, ?, ?)", rows)
            db.execute("COMMIT")
    write = t0()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = (folder / "cache.sqlite").stat().st_size + array.stat().st_size

    t0 = _Clock()
    flat = np.fromfile(array, dtype).reshape(-1, dim)
    out = np.empty(flat.shape, np.float32)
    for start in range(0, len(flat), 65536):  # converted a piece at a time
        out[start : start + 65536] = flat[start : start + 65536]
    read_all = t0()
    del flat

    rng = np.random.default_rng(0)
    wanted = [digests[i] for i in rng.choice(len(digests), 2500, replace=False)]
    t0 = _Clock()
    mapped = np.memmap(array, dtype, "r").reshape(-1, dim)
    rows_of: list[int] = []
    for i in range(0, len(wanted), 900):
        chunk = wanted[i : i + 900]
        marks = ",".join("?" * len(chunk))
        rows_of += [
            r
            for (r,) in db.execute(
                f"SELECT row FROM vectors WHERE model = 'm' AND digest IN ({marks})", chunk
            )
        ]
    np.asarray(mapped[np.sort(np.asarray(rows_of))], np.float32)
    lookup = t0()

    t0 = _Clock()
    have = {d for (d,) in db.execute("SELECT digest FROM vectors WHERE model = 'm'")}
    members = t0()
    assert len(have) == len(digests)
    db.close()
    return {
        "bytes": size,
        "write": write,
        "read_all": read_all,
        "lookup": lookup,
        "members": members,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=REPO_ROOT / "bench-out" / "vectors")
    args = ap.parse_args()
    print(describe_machine())
    print(f"{args.n:,} vectors of {args.dim} floats, best of {args.repeats}\n", flush=True)
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((args.n, args.dim)).astype(np.float32)
    digests = _digests(args.n)
    print("| layout | on disk | write (rows/s) | read all | 2,500 lookups | membership |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name in ("sqlite-f32", "sqlite-f16", "mmap-f32", "mmap-f16"):
        runs = []
        for _ in range(args.repeats):
            folder = args.out / name
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            dtype = "float32" if "32" in name else "float16"
            layout = mmap_layout if name.startswith("mmap") else sqlite_layout
            runs.append(layout(folder, vectors, digests, dtype))
        r = {k: min(run[k] for run in runs) for k in runs[0]}  # best of the repeats
        cells = [f"{r[k][0]:.2f} / {r[k][1]:.2f} s" for k in ("read_all", "lookup", "members")]
        print(
            f"| {name} | {r['bytes'] / 1e6:,.0f} MB | {args.n / r['write'][0]:,.0f} | "
            + " | ".join(cells)
            + " |",
            flush=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
