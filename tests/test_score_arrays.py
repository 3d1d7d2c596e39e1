"""A head's scores kept as arrays by vector slot: read back exactly, merged across writes, never
trusted when damaged or written against another vector file, and only the latest heads kept."""

from __future__ import annotations

import numpy as np
import pytest

from konomi.store import score_arrays
from konomi.store.cache import EmbeddingCache

DIM = 8


@pytest.fixture
def cache(tmp_path):
    with EmbeddingCache(tmp_path / "cache.sqlite") as opened:
        names = [f"d{i:03d}" for i in range(50)]
        X = np.random.default_rng(0).standard_normal((50, DIM)).astype(np.float32)
        opened.put_embeddings(zip(names, X), "m")
        yield opened


def slots(cache: EmbeddingCache, n: int = 50) -> np.ndarray:
    return cache.slots_of([f"d{i:03d}" for i in range(n)], "m")


def test_scores_round_trip_and_merge_by_slot(cache):
    s = slots(cache)
    assert (s >= 0).all()
    scores, info = np.linspace(0, 1, 50), np.linspace(5, 6, 50)
    cache.put_scores_at("h", "m", s[:30], scores[:30], info[:30])
    cache.put_scores_at("h", "m", s[30:], scores[30:], info[30:])  # merged, not replaced
    got, got_info = cache.scores_at("h", "m", s)
    assert got.tolist() == scores.tolist() and got_info.tolist() == info.tolist()
    # a slot never scored, a slot past the arrays, no vector (−1), another head: no score
    far = np.array([-1, 10_000])
    assert np.isnan(cache.scores_at("h", "m", far)[0]).all()
    assert np.isnan(cache.scores_at("other", "m", s)[0]).all()
    cache.put_scores_at("h", "m", np.array([-1, s[0]]), np.array([0.9, 0.7]), np.zeros(2))
    assert cache.scores_at("h", "m", s[:1])[0].tolist() == [0.7]  # −1 is skipped


def test_scores_of_another_vector_file_are_not_read(cache):
    s = slots(cache)
    cache.put_scores_at("h", "m", s, np.full(50, 0.5), np.zeros(50))
    cache.db.execute("UPDATE head_scores SET token = ?", ("0" * 32,))  # written for another
    assert np.isnan(cache.scores_at("h", "m", s)[0]).all()


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE head_scores SET scores = x'00'",  # not whole floats
        "UPDATE head_scores SET info = zeroblob(8)",  # arrays of different lengths
        "UPDATE head_scores SET scores = 'text'",  # not bytes
    ],
)
def test_a_damaged_row_is_no_score(cache, damage):
    s = slots(cache)
    cache.put_scores_at("h", "m", s, np.full(50, 0.5), np.zeros(50))
    cache.db.execute(damage)
    assert np.isnan(cache.scores_at("h", "m", s)[0]).all()


def test_a_score_outside_0_1_or_not_finite_is_no_score(cache):
    s = slots(cache, 4)
    bad = np.array([0.5, np.inf, 7.0, -0.1])
    cache.put_scores_at("h", "m", s, bad, np.array([0.0, 0.0, 0.0, np.inf]))
    got, info = cache.scores_at("h", "m", s)
    assert got[0] == 0.5 and np.isnan(got[1:]).all() and np.isnan(info[1:]).all()


def test_only_the_latest_heads_are_kept(cache):
    s = slots(cache)
    heads = [f"h{i}" for i in range(score_arrays.KEEP + 2)]
    for head in heads:
        cache.put_scores_at(head, "m", s, np.full(50, 0.25), np.zeros(50))
    kept = {h for (h,) in cache.db.execute("SELECT head FROM head_scores")}
    assert kept == set(heads[-score_arrays.KEEP :])
    assert np.isnan(cache.scores_at(heads[0], "m", s)[0]).all()
    assert (cache.scores_at(heads[-1], "m", s)[0] == 0.25).all()


def test_without_vectors_nothing_is_kept_and_nothing_read(tmp_path):
    with EmbeddingCache(tmp_path / "cache.sqlite") as empty:
        empty.put_scores_at("h", "m", np.array([0, 1]), np.array([0.5, 0.5]), np.zeros(2))
        assert np.isnan(empty.scores_at("h", "m", np.array([0, 1]))[0]).all()
        assert empty.db.execute("SELECT COUNT(*) FROM head_scores").fetchone() == (0,)


def test_a_retrain_scores_in_one_pass_by_slot_as_row_by_row(workspace, tiny_model, monkeypatch):
    """Past `FEW_VECTORS` unscored images (a new head on a large library) the vectors are read
    in one pass over the vector file by the embed's slots: the same scores as looked up one by
    one, and a damaged row embedded again."""
    from konomi.app import loop as workflow
    from konomi.app import scoring

    ws = workspace(n_like=8, n_dislike=8, n_unlabeled=12)
    with workflow.Context.open(ws.root, model=str(tiny_model)) as ctx:
        workflow.train(ctx, folds=2)
        by_row = {r.path: r.score for r in workflow.score(ctx).rows}
        (dim,) = ctx.cache.db.execute("SELECT dim FROM vector_files").fetchone()
        ctx.cache.db.execute("DELETE FROM head_scores")  # a new head: nothing kept
        monkeypatch.setattr(scoring, "FEW_VECTORS", 0)
        (path,) = ws.root.glob(".konomi/cache.vectors-*.f32")
        with open(path, "r+b") as f:  # the first row damaged: NaN
            f.seek(64)
            f.write(np.full(dim, np.nan, np.float32).tobytes())
        by_pass = {r.path: r.score for r in workflow.score(ctx).rows}
    assert by_pass.keys() == by_row.keys() and len(by_row) == 28
    assert all(abs(by_pass[k] - by_row[k]) < 1e-6 for k in by_row)
