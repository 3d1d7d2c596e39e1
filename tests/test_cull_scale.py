"""Culling at a million images: the same bursts and keepers as burst by burst, vectors read a
bounded piece at a time, and the quality read for the digests at hand only."""

from __future__ import annotations

import numpy as np

from konomi.learn import bursts
from konomi.store.cache import EmbeddingCache
from konomi.store.quality import Quality, put_quality, quality_columns, unmeasured


def _shoot(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    times = np.cumsum(rng.choice([0.5, 1.0, 1.9, 30.0], n))[rng.permutation(n)]
    sharp = rng.choice([5.0, 10.0, 12.0, 20.0], n)  # ties and near-ties of both rules
    clipped = rng.choice([0.0, 0.04, 0.06, 0.3], n)
    taste = rng.uniform(0, 1, n)
    taste[rng.random(n) < 0.3] = np.nan
    scenes = rng.integers(0, 3, n)
    vectors = np.eye(4, dtype=np.float32)[scenes] + 0.05 * rng.random((n, 4), dtype=np.float32)
    return {"times": times, "sharp": sharp, "clipped": clipped, "taste": taste, "v": vectors}


def test_every_burst_and_keeper_is_what_choose_keeper_says_burst_by_burst():
    for seed in range(20):
        s = _shoot(300, seed)
        for taste in (None, s["taste"], np.full(300, np.nan)):
            for similarity in (0.0, 0.9):
                found = bursts.cull(
                    s["times"],
                    s["sharp"],
                    s["clipped"],
                    taste,
                    gap=2.0,
                    similarity=similarity,
                    vectors_of=lambda rows, v=s["v"]: v[rows],
                )
                runs = bursts.time_runs(s["times"], 2.0)
                expected = []
                for run in runs:
                    parts = bursts.split_alike(s["v"][run], similarity)
                    expected += [run[p] for p in parts]
                assert [b.members.tolist() for b in found] == [e.tolist() for e in expected]
                for b in found:
                    m = b.members
                    pos, reason = bursts.choose_keeper(
                        s["sharp"][m], s["clipped"][m], None if taste is None else taste[m]
                    )
                    assert (b.keeper, b.reason) == (int(m[pos]), reason)


def test_one_long_run_is_compared_a_bounded_piece_at_a_time(monkeypatch):
    monkeypatch.setattr(bursts, "CHUNK", 64)
    n = 1000
    times = np.arange(n, dtype=np.float64)  # one run of a thousand frames (mtimes a second apart)
    vectors = np.ones((n, 4), dtype=np.float32)
    vectors[500:, 0] = -1  # two scenes: 0-499 and 500-999
    asked: list[int] = []

    def vectors_of(rows: np.ndarray) -> np.ndarray:
        asked.append(len(rows))
        return vectors[rows]

    groups = bursts.group(times, 2.0, similarity=0.9, vectors_of=vectors_of)
    assert [(int(g[0]), int(g[-1])) for g in groups] == [(0, 499), (500, 999)]
    assert max(asked) <= 65 and sum(asked) >= n


def test_quality_is_read_for_the_digests_at_hand_in_either_way(tmp_path, monkeypatch):
    import konomi.store.quality as quality

    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        put_quality(
            cache,
            [
                (f"d{i:03}", Quality(float(i), 0.01, 0.02, None if i % 2 else 100.0 + i))
                for i in range(50)
            ],
        )
        cache.db.execute("UPDATE quality SET sharpness = 'x' WHERE digest = 'd007'")  # damaged
        cache.db.execute("UPDATE quality SET measure = 0 WHERE digest = 'd008'")  # older
        wanted = ["d003", "zz", "d004", "d003", "d007", "d008"]
        for few in (1000, 0):  # looked up by digest, and in one paged pass over the table
            monkeypatch.setattr(quality, "FEW", few)
            monkeypatch.setattr(quality, "PAGE", 7)
            assert unmeasured(cache, wanted, 1) == {"zz", "d007", "d008"}
            q = quality_columns(cache, wanted, 1)
            np.testing.assert_array_equal(q.sharpness, [3.0, np.nan, 4.0, 3.0, np.nan, np.nan])
            np.testing.assert_array_equal(q.taken, [np.nan, np.nan, 104.0, np.nan, np.nan, np.nan])
            assert q.clipped[0] == 0.01 + 0.02
            assert q.known.tolist() == [True, False, True, True, False, False]
