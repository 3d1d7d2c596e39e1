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


def test_rows_side_by_side_are_read_at_once_and_a_short_file_reads_less(tmp_path):
    cache, names, X = _filled(tmp_path)
    slots = cache.slots_of(names, "m")
    order = np.argsort(slots)
    run = slots[order][100:900]  # consecutive slots: one read straight into the answer
    assert (np.diff(run) == 1).all()
    rows, sound = cache.vectors_at("m", run)
    assert sound.all() and np.array_equal(rows, X[order][100:900])
    (path,) = tmp_path.glob("cache.vectors-*.f32")
    with open(path, "r+b") as f:  # the file cut short: the run's tail is missing, not zeros
        f.truncate(64 + (int(run[0]) + 300) * 4 * DIM)
    cache.close()
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    rows, sound = cache.vectors_at("m", run)
    assert sound[:300].all() and not sound[300:].any()
    assert np.array_equal(rows[:300], X[order][100:400])
    cache.close()


def test_rows_nearly_side_by_side_are_read_as_one_stretch_and_picked(tmp_path, monkeypatch):
    """Frames in time order were embedded a few at a time, out of order: their slots lie in a
    stretch little longer than their number. Read as one stretch and picked (no block pass),
    they are the rows read one by one; asked with slots outside the file, or with the file cut
    short, those are missing, never zeros taken for a vector."""
    cache, names, X = _filled(tmp_path)
    slots = cache.slots_of(names, "m")
    by_slot = np.argsort(slots)
    ask = by_slot[200:1800].copy()
    rng = np.random.default_rng(4)
    for start in range(0, len(ask), 8):  # each group of 8 shuffled, as encoders finish them
        rng.shuffle(ask[start : start + 8])
    ask = np.delete(ask, np.arange(0, len(ask), 3))  # every third frame not asked
    other = []  # neither a map nor a pass block by block is used
    monkeypatch.setattr(vector_index, "_gather", lambda *a: other.append("map"))
    monkeypatch.setattr(
        vector_index.VectorIndex, "_blocks", staticmethod(lambda *a: other.append("blocks"))
    )
    rows, sound = cache.vectors_at("m", slots[ask])
    assert sound.all() and np.array_equal(rows, X[ask]) and not other
    beyond = np.concatenate([slots[ask], [10**6, -1]])
    rows, sound = cache.vectors_at("m", beyond)
    assert sound[:-2].all() and not sound[-2:].any() and np.array_equal(rows[:-2], X[ask])
    (path,) = tmp_path.glob("cache.vectors-*.f32")
    cut = int(np.sort(slots[ask])[500])
    with open(path, "r+b") as f:  # the rows from `cut` on are lost
        f.truncate(64 + cut * 4 * DIM)
    cache.close()
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    rows, sound = cache.vectors_at("m", slots[ask])
    assert np.array_equal(sound, slots[ask] < cut)
    assert np.array_equal(rows[sound], X[ask][sound])
    cache.close()
