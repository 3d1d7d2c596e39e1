"""`konomi simulate`: counters that add up, held-out rows never trained on, the output contract,
and determinism — on small pools of clustered unit vectors with a hidden taste, made here."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from konomi.app.loop import Context
from konomi.learn.active import informativeness, kmeans_groups, suggested_reviews, uncertainty
from konomi.learn.simulate.replay import Plan, run_strategy, simulate, split_pool, summarise
from konomi.learn.simulate.strategies import BUDGETED, STRATEGIES

CONTRACT = ("strategy", "round", "n_labeled", "n_reviewed", "n_corrections", "auc", "accuracy",
            "brier")  # fmt: skip


def taste_pool(
    n: int = 700, d: int = 16, themes: int = 10, noise: float = 0.03, like_share_themes: int = 3,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Clustered unit vectors; a few themes liked, one theme split by a direction; some noise."""
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((themes, d))
    theme = rng.integers(0, themes, n)
    X = centers[theme] + 0.45 * rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = (theme < like_share_themes).astype(np.int64)
    split = theme == themes - 1
    y[split] = X[split, 0] > np.median(X[split, 0])
    flip = rng.random(n) < noise
    y[flip] = 1 - y[flip]
    return X.astype(np.float32), y


SMALL = Plan(rounds=4, budget=25, seeds=2, start=60, workers=1)


@pytest.fixture(scope="module")
def pool() -> tuple[np.ndarray, np.ndarray]:
    return taste_pool()


@pytest.fixture(scope="module")
def rows(pool: tuple[np.ndarray, np.ndarray]) -> list:
    X, y = pool
    return simulate(X, y, SMALL)


def test_counters_add_up(rows: list) -> None:
    start = SMALL.start
    for strategy in SMALL.strategies:
        for seed in range(SMALL.seeds):
            mine = [r for r in rows if r.strategy == strategy and r.seed == seed]
            assert [r.round for r in mine] == list(range(len(mine)))
            first = mine[0]
            assert (first.n_labeled, first.n_reviewed, first.n_corrections) == (start, start, 0)
            for before, after in zip(mine, mine[1:]):
                assert after.n_reviewed >= before.n_reviewed
                assert after.n_corrections >= before.n_corrections
                assert after.n_arrived >= before.n_arrived
            for r in mine:
                assert r.n_labeled == start + r.n_corrections  # labels only come by moving files
                assert r.n_reviewed - start >= r.n_corrections  # a move needs a look first
                assert 0 <= r.n_like <= r.n_labeled
                assert 0.0 <= r.auc <= 1.0 and 0.0 <= r.brier <= 1.0
                if strategy in BUDGETED:
                    assert r.n_reviewed - start == r.n_corrections  # every look is a label
                    assert r.n_corrections <= r.round * SMALL.budget
            if strategy == "confirm":
                assert all(r.n_reviewed - start == r.n_corrections for r in mine)


def test_seed_moves_only_mistakes(rows: list) -> None:
    """The brief's protocol looks at many proposals but moves few of them."""
    last = [r for r in rows if r.strategy == "seed" and r.round == SMALL.rounds]
    assert last and all(r.n_corrections < r.n_reviewed - SMALL.start for r in last)


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_held_out_rows_are_never_trained_on(
    pool: tuple[np.ndarray, np.ndarray], strategy: str
) -> None:
    X, y = pool
    held_out = set(split_pool(y, SMALL, seed=1).test.tolist())
    assert len(held_out) == pytest.approx(SMALL.test_fraction * len(y), abs=2)
    trained_on: list[np.ndarray] = []
    rows = run_strategy(X, y, SMALL, strategy, 1, on_train=trained_on.append)
    assert len(trained_on) == len(rows)
    for idx in trained_on:
        assert not held_out & set(idx.tolist())
        assert len(set(idx.tolist())) == len(idx)  # no image labelled twice


def test_split_is_stratified_and_start_balanced(pool: tuple[np.ndarray, np.ndarray]) -> None:
    _, y = pool
    split = split_pool(y, SMALL, seed=0)
    assert abs(y[split.test].mean() - y.mean()) < 0.02
    assert y[split.start].sum() == len(split.start) // 2
    everything = np.concatenate([split.test, split.start, split.stream])
    assert sorted(everything.tolist()) == list(range(len(y)))


def test_start_is_scaled_down_for_a_small_pool() -> None:
    X, y = taste_pool(n=160, seed=3)
    split = split_pool(y, Plan(start=400), seed=0)
    assert 4 <= len(split.start) < 400
    assert y[split.start].sum() == len(split.start) // 2


def test_workers_do_not_change_results(pool: tuple[np.ndarray, np.ndarray], rows: list) -> None:
    X, y = pool
    parallel = simulate(X, y, replace(SMALL, workers=2))
    assert parallel == rows


def test_summary_reports_reviews_to_target(rows: list) -> None:
    summary = summarise(rows, target=0.5)
    assert [s.strategy for s in summary] == list(SMALL.strategies)
    for s in summary:
        assert s.reviews_to_target == SMALL.start  # every head beats a coin toss at once
    never = summarise(rows, target=1.01)
    assert all(np.isnan(s.reviews_to_target) for s in never)


def test_suggested_reviews() -> None:
    assert suggested_reviews(10_000, 400) == 100
    assert suggested_reviews(10_000, 1200) == 300
    assert suggested_reviews(10_000, 50_000) == 500
    assert suggested_reviews(40, 400) == 40
    assert suggested_reviews(0, 400) == 0
    n, seen = 400, []
    for _ in range(6):
        step = suggested_reviews(10_000, n)
        seen.append(step)
        n += step
    assert seen == [100, 100, 100, 100, 200, 200]


# -- the command ---------------------------------------------------------------------------------
def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def test_command_writes_the_contract(konomi, tmp_path: Path) -> None:
    X, y = taste_pool(n=400, seed=2)
    np.savez(tmp_path / "pool.npz", X=X, y=y)
    args = ["simulate", "--embeddings", tmp_path / "pool.npz", "--rounds", "2", "--budget", "20",
            "--seeds", "2", "--start", "40", "--seed", "7"]  # fmt: skip
    first = konomi(*args, "--out", tmp_path / "a", check=True)
    columns, lines = _read(tmp_path / "a" / "rounds.csv")
    assert set(CONTRACT) <= set(columns)
    strategies = {line["strategy"] for line in lines}
    assert strategies == set(Plan().strategies)
    for line in lines:
        assert 0 <= float(line["auc"]) <= 1 and 0 <= float(line["brier"]) <= 1
        assert 0 <= float(line["accuracy"]) <= 1
    png = (tmp_path / "a" / "curves.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    assert (tmp_path / "a" / "summary.csv").is_file()
    for strategy in strategies:
        assert strategy in first.out  # the summary table names every strategy

    konomi(*args, "--out", tmp_path / "b", "--workers", "1", check=True)  # in-process
    same = (tmp_path / "a" / "rounds.csv").read_bytes() == (
        tmp_path / "b" / "rounds.csv"
    ).read_bytes()
    assert same, "the same seed must give the same rounds.csv, whatever the workers"


def test_another_seed_gives_other_rounds(pool: tuple[np.ndarray, np.ndarray], rows: list) -> None:
    X, y = pool
    other = simulate(X, y, replace(SMALL, seed=1))
    assert [r.auc for r in other] != [r.auc for r in rows]


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"X": np.zeros((10, 4), np.float32)}, "no arrays named X and y"),
        ({"X": np.zeros((10, 4), np.float32), "y": np.arange(10)}, "only 0"),
        ({"X": np.zeros((10, 4), np.float32), "y": np.zeros(9)}, "n × d"),
    ],
)
def test_command_explains_bad_pools(konomi, tmp_path: Path, arrays: dict, message: str) -> None:
    np.savez(tmp_path / "bad.npz", **arrays)
    result = konomi("simulate", "--embeddings", tmp_path / "bad.npz", "--out", tmp_path / "o")
    assert result.code != 0
    assert message in result.err and "Traceback" not in result.text


def test_command_rejects_unknown_strategy(konomi, tmp_path: Path) -> None:
    X, y = taste_pool(n=200)
    np.savez(tmp_path / "pool.npz", X=X, y=y)
    result = konomi("simulate", "--embeddings", tmp_path / "pool.npz", "--out", tmp_path / "o",
                    "--strategies", "seed,telepathy")  # fmt: skip
    assert result.code != 0 and "telepathy" in result.err and "Traceback" not in result.text


def test_command_simulates_on_the_workspace_labels(
    konomi, workspace, tiny_model: Path, tmp_path: Path
) -> None:
    """--from-workspace embeds data/train (through the cache), saves it as OUT/pool.npz in the
    --embeddings format, and replays the loop on it."""
    ws = workspace(n_like=50, n_dislike=70, n_unlabeled=10)
    (ws.root / "data" / "train" / "like" / "notes.jpg").write_bytes(b"not an image")
    args = ["simulate", "--from-workspace", "--out", tmp_path / "mine", "--rounds", "2",
            "--budget", "10", "--seeds", "1", "--start", "20", "--workers", "1"]  # fmt: skip
    result = konomi(*args, root=ws.root, check=True)
    assert "50 like / 70 dislike" in result.err
    assert "notes.jpg" in result.out  # the unreadable file is named, and left where it is
    assert (ws.root / "data" / "train" / "like" / "notes.jpg").exists()

    with np.load(tmp_path / "mine" / "pool.npz") as pool:
        X, y, paths = pool["X"], pool["y"], [str(p) for p in pool["paths"]]
    assert X.shape == (120, X.shape[1]) and X.dtype == np.float32
    assert [p.split("/")[2] for p in paths] == ["like" if v else "dislike" for v in y]
    ctx = Context.open(ws.root, model=str(tiny_model))
    try:  # the very vectors konomi train would use, row for row
        np.testing.assert_allclose(ctx.embed([ws.root / p for p in paths]).vectors, X, atol=1e-6)
    finally:
        ctx.close()
    columns, lines = _read(tmp_path / "mine" / "rounds.csv")
    assert set(CONTRACT) <= set(columns) and lines

    both = konomi(*args, "--embeddings", tmp_path / "mine" / "pool.npz", root=ws.root)
    assert both.code != 0 and "not both" in both.err
    neither = konomi("simulate", "--out", tmp_path / "o", root=ws.root)
    assert neither.code != 0 and "--from-workspace" in neither.err


def test_informativeness_spreads_a_round_over_look_alikes() -> None:
    """A burst of near-identical, maximally uncertain shots fills plain uncertainty's round;
    the shipped order gives it one look and spends the rest elsewhere."""
    rng = np.random.default_rng(0)
    burst = np.tile(rng.standard_normal(16), (40, 1)) + 0.01 * rng.standard_normal((40, 16))
    others = rng.standard_normal((120, 16))
    X = np.vstack([burst, others]).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    scores = np.concatenate([np.full(40, 0.5), rng.uniform(0.35, 0.65, 120)])
    plain = informativeness(scores)
    np.testing.assert_array_equal(plain, uncertainty(scores))
    assert set(np.argsort(-plain, kind="stable")[:10]) <= set(range(40))
    info = informativeness(scores, X, limit=10)
    assert np.all((info >= 0) & (info <= 1))
    picked = np.flatnonzero(info > 0.5)
    assert len(picked) == 10
    assert np.sum(picked < 40) <= 2
    assert set(np.argsort(-info, kind="stable")[:10]) == set(picked)
    # Default round size: what `konomi round` suggests for this many images and labels.
    assert np.sum(informativeness(scores, X, n_labeled=400) > 0.5) == suggested_reviews(160, 400)


def test_kmeans_groups_finds_separated_look_alikes_the_same_way_every_time() -> None:
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((6, 32)) * 5
    truth = np.repeat(np.arange(6), 30)
    rows = (centres[truth] + 0.1 * rng.standard_normal((180, 32))).astype(np.float32)
    groups = kmeans_groups(rows, 6, seed=3)
    assert sorted(np.unique(groups)) == list(range(6))
    for g in range(6):  # every found group is exactly one true group
        assert len(set(truth[groups == g])) == 1
    np.testing.assert_array_equal(groups, kmeans_groups(rows, 6, seed=3))
    assert len(np.unique(kmeans_groups(rows[:4], 10))) == 4  # never more groups than rows
