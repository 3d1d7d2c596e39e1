"""Where embeddings should live at a million images: three layouts, measured.

    sqlite-f32   the cache's layout: one BLOB of float32 per (digest, model) row (WITHOUT ROWID)
    sqlite-f16   the same table, float16 blobs (half the bytes)
    mmap-f32     a flat float32 array file beside SQLite; SQLite keeps digest → row number
    mmap-f16     the same, float16
    store        konomi's store as built (store/vectors.py): the flat float32 file, read by
                 `preadv` into a reused buffer (and, for comparison, by a map whose pages are
                 dropped block by block); `store-nosync` without `fdatasync` before each commit

For each: bytes on disk, cold-ingest write speed (transactions of 2,048 rows, as `embed`
writes), the two reads the commands need — every vector into one float32 matrix (`search`,
the report) and 2,500 random lookups (the review order's candidates) — and a membership pass
(which digests have a vector: warm `embed`). Real SQLite files on disk, the OS cache warm.

    uv run python -m benchmarks.bench_vectors [--n 100000] [--dim 512] [--repeats 3] [--layouts ...]
    KONOMI_MODEL=... uv run python -m benchmarks.bench_vectors --workspace COPY_OF_A_WORKSPACE
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


def store_layout(folder: Path, vectors: np.ndarray, digests: list[str], dtype: str) -> dict:
    """konomi's own store (`EmbeddingCache`: store/vectors.py, store/vector_index.py), as the
    commands use it; `store-nosync` is the same without `fdatasync` before each commit."""
    from konomi.store.cache import EmbeddingCache

    sync = os.fdatasync
    if dtype == "nosync":
        os.fdatasync = lambda fd: None
    try:
        cache = EmbeddingCache(folder / "cache.sqlite")
        t0 = _Clock()
        for start in range(0, len(digests), 2048):  # as `embed` writes: 2,048 rows a commit
            cache.put_encoded(
                "m", zip(digests[start : start + 2048], vectors[start : start + 2048]), []
            )
        write = t0()
    finally:
        os.fdatasync = sync
    cache.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = sum(p.stat().st_size for p in folder.iterdir())

    t0 = _Clock()
    total = np.zeros(vectors.shape[1], np.float32)
    for _, block in cache.vector_blocks("m"):  # pread into one reused buffer
        total += block.sum(axis=0)
    read_all = t0()

    t0 = _Clock()
    total_mapped = _mapped_pass(next(folder.glob("cache.vectors-*.f32")), vectors.shape[1])
    mapped = t0()
    np.testing.assert_allclose(total, total_mapped, rtol=1e-3, atol=1e-2)

    rng = np.random.default_rng(0)
    wanted = [digests[i] for i in rng.choice(len(digests), 2500, replace=False)]
    t0 = _Clock()
    found, sound = cache.vectors_at("m", cache.slots_of(wanted, "m"))
    lookup = t0()
    assert sound.all()

    t0 = _Clock()
    members = int((cache.slots_of(digests, "m") >= 0).sum())
    member_time = t0()
    assert members == len(digests)
    cache.close()
    return {
        "bytes": size,
        "write": write,
        "read_all": read_all,
        "mapped": mapped,
        "lookup": lookup,
        "members": member_time,
    }


def _mapped_pass(path: Path, dim: int, rows: int = 8192) -> np.ndarray:
    """The other way to read a pass: map the file and drop each block's pages once read
    (`MADV_DONTNEED`), so that the process's RSS stays at a block."""
    import mmap

    total = np.zeros(dim, np.float32)
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        n = (len(m) - 64) // (4 * dim)
        flat = np.frombuffer(m, np.float32, n * dim, 64).reshape(n, dim)
        step = rows * 4 * dim
        for start in range(0, n, rows):
            total += flat[start : start + rows].sum(axis=0)
            lo = (64 + start * 4 * dim) // mmap.PAGESIZE * mmap.PAGESIZE
            m.madvise(mmap.MADV_DONTNEED, lo, min(step, len(m) - lo))
        del flat
    return total


def at_scale(workspace: Path, repeats: int) -> None:
    """On a copy of a real workspace (the pre-filled million of `bench_scale`): the cache's
    first open (the upgrade of an old cache happens there), which digests have a vector, a pass
    over every vector both ways, and `search --top 10` in process. KONOMI_MODEL names a model
    with a text tower. The copy is changed (upgraded): never point this at the original."""
    import random

    from konomi.app.context import Context
    from konomi.app.search import search
    from konomi.encode.ingest import _Vectors
    from konomi.store.cache import EmbeddingCache

    t0 = _Clock()
    cache = EmbeddingCache(workspace / ".konomi" / "cache.sqlite")
    print(f"open (and upgrade): {t0()[0]:.1f} s wall, {t0()[1]:.1f} s CPU")
    (model,) = [m for (m,) in cache.db.execute("SELECT model FROM vector_files LIMIT 1")]
    digests = [d for (d,) in cache.db.execute("SELECT digest FROM files")]
    random.Random(0).shuffle(digests)  # as a walk asks: not in the index's order
    path = next((workspace / ".konomi").glob("cache.vectors-*.f32"))
    dim = (cache.vector_bytes(model) or 0) // 4
    for _ in range(repeats):
        t0 = _Clock()
        store = _Vectors(cache, model, keep_vectors=False)
        store.load(digests)
        members = t0()
        t0 = _Clock()
        for _, block in cache.vector_blocks(model):
            block.sum(axis=0)
        pread = t0()
        t0 = _Clock()
        _mapped_pass(path, dim)
        mapped = t0()
        print(
            f"membership of {len(digests):,}: {members[0]:.2f} / {members[1]:.2f} s; pass: "
            f"preadv {pread[0]:.2f} / {pread[1]:.2f} s, mmap {mapped[0]:.2f} / {mapped[1]:.2f} s",
            flush=True,
        )
    cache.close()
    ctx = Context.open(workspace)
    search(ctx, "a photo", 10)  # loads the models
    for _ in range(repeats):
        t0 = _Clock()
        found = search(ctx, "a photo", 10)
        wall, cpu = t0()
        print(f"search --top 10: {wall:.2f} / {cpu:.2f} s, {len(found.hits)} of {found.total:,}")
    ctx.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=REPO_ROOT / "bench-out" / "vectors")
    ap.add_argument(
        "--layouts",
        default="sqlite-f32,sqlite-f16,mmap-f32,mmap-f16,store,store-nosync",
        help="which to measure (store: konomi's own, store-nosync: without fdatasync)",
    )
    ap.add_argument("--workspace", type=Path, help="time the store on a copy of this workspace")
    args = ap.parse_args()
    print(describe_machine())
    if args.workspace:
        at_scale(args.workspace, args.repeats)
        return
    print(f"{args.n:,} vectors of {args.dim} floats, best of {args.repeats}\n", flush=True)
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((args.n, args.dim)).astype(np.float32)
    digests = _digests(args.n)
    print("| layout | on disk | write (rows/s) | read all | 2,500 lookups | membership |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    layouts = args.layouts.split(",")
    for name in layouts:
        runs = []
        for _ in range(args.repeats):
            folder = args.out / name
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            dtype = "float32" if "32" in name else "float16"
            layout = mmap_layout if name.startswith("mmap") else sqlite_layout
            if name.startswith("store"):
                layout, dtype = store_layout, name.removeprefix("store").strip("-") or "sync"
            runs.append(layout(folder, vectors, digests, dtype))
        r = {k: min(run[k] for run in runs) for k in runs[0]}  # best of the repeats
        cells = [f"{r[k][0]:.2f} / {r[k][1]:.2f} s" for k in ("read_all", "lookup", "members")]
        if "mapped" in r:
            cells[0] += f" (mapped: {r['mapped'][0]:.2f} / {r['mapped'][1]:.2f} s)"
        print(
            f"| {name} | {r['bytes'] / 1e6:,.0f} MB | {args.n / r['write'][0]:,.0f} | "
            + " | ".join(cells)
            + " |",
            flush=True,
        )
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
