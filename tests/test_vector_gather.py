"""Many rows scattered over a vector file are read through a map of it: the same rows as read
one by one, NaN-free, with the map's pages released; a file cut short falls back safely."""

from __future__ import annotations

import numpy as np

from konomi.store import vector_index
from konomi.store.cache import EmbeddingCache

DIM = 16


def _filled(tmp_path, n: int = 3000) -> tuple[EmbeddingCache, list[str], np.ndarray]:
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    names = [f"d{i:05d}" for i in range(n)]
    X = np.random.default_rng(1).standard_normal((n, DIM)).astype(np.float32)
    cache.put_embeddings(zip(names, X), "m")
    return cache, names, X


def test_scattered_rows_through_a_map_are_the_rows_read_one_by_one(tmp_path, monkeypatch):
    cache, names, X = _filled(tmp_path)
    monkeypatch.setattr(vector_index, "GATHER_PIECE", 100)  # several maps, one after another
    order = np.random.default_rng(2).permutation(len(names))[:500]  # scattered, few per block
    slots = cache.slots_of([names[i] for i in order], "m")
    rows, sound = cache.vectors_at("m", slots)
    assert sound.all() and np.array_equal(rows, X[order])
    mixed = slots.copy()
    mixed[::7] = -1  # some with no vector: the others still read through the map
    rows, sound = cache.vectors_at("m", mixed)
    assert (sound == (mixed >= 0)).all()
    assert np.array_equal(rows[sound], X[order][sound]) and not rows[~sound].any()
    cache.close()


def test_a_file_cut_short_under_the_map_gives_no_wrong_row(tmp_path):
    cache, names, X = _filled(tmp_path)
    slots = cache.slots_of(names, "m")
    wanted = np.random.default_rng(3).permutation(len(names))[:400]
    readable = cache.vector_file("m")
    (path,) = tmp_path.glob("cache.vectors-*.f32")
    with open(path, "r+b") as f:  # the last 100 rows lost after the index said they were there
        f.truncate(path.stat().st_size - 100 * 4 * DIM)
    held = cache.vectors.files.get("m", *_token_dim(cache))
    assert held is not None and readable is not None
    out = np.zeros((len(wanted), DIM), np.float32)
    held.gather(slots[wanted], out)  # falls back to reads: NaN where the file ends
    lost = slots[wanted] >= len(names) - 100
    assert np.isnan(out[lost]).all() and np.array_equal(out[~lost], X[wanted][~lost])
    cache.close()


def _token_dim(cache: EmbeddingCache) -> tuple[str, int]:
    (token, dim) = cache.db.execute("SELECT token, dim FROM vector_files").fetchone()
    return token, dim
