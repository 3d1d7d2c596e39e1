"""`konomi simulate`: counters that add up, held-out rows never trained on, the output contract,
and determinism — on small pools of clustered unit vectors with a hidden taste, made here."""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from messages import said

from konomi.app.loop import Context
from konomi.app.simulate.runner import simulate
from konomi.errors import KonomiError
from konomi.learn.active import informativeness, kmeans_groups, suggested_reviews, uncertainty
from konomi.learn.coldstart import cold_picks, typical_picks, typicality
from konomi.learn.prior import agreement, blend, prior_weight, text_prior
from konomi.learn.simulate.replay import (
    DEFAULT_STRATEGIES,
    Plan,
    check_plan,
    run_first_session,
    run_strategy,
    split_pool,
    summarise,
)
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


SMALL = Plan(
    DEFAULT_STRATEGIES, protocol="arrivals", rounds=4, budget=25, seeds=2, start=60, workers=1
)


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
            "--seeds", "2", "--start", "40", "--seed", "7", "--protocol", "arrivals"]  # fmt: skip
    first = konomi(*args, "--out", tmp_path / "a", check=True)
    columns, lines = _read(tmp_path / "a" / "rounds.csv")
    assert set(CONTRACT) <= set(columns)
    strategies = {line["strategy"] for line in lines}
    assert strategies == set(DEFAULT_STRATEGIES)
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
        ({"X": np.zeros((10, 4), np.float32)}, "simulate.error.no_arrays"),
        ({"X": np.zeros((10, 4), np.float32), "y": np.arange(10)}, "simulate.error.labels"),
        ({"X": np.zeros((10, 4), np.float32), "y": np.zeros(9)}, "simulate.error.shapes"),
    ],
)
def test_command_explains_bad_pools(konomi, tmp_path: Path, arrays: dict, message: str) -> None:
    np.savez(tmp_path / "bad.npz", **arrays)
    result = konomi("simulate", "--embeddings", tmp_path / "bad.npz", "--out", tmp_path / "o")
    assert result.code != 0
    assert said(result.err, message) and "Traceback" not in result.text


def test_command_rejects_unknown_strategy(konomi, tmp_path: Path) -> None:
    X, y = taste_pool(n=200)
    np.savez(tmp_path / "pool.npz", X=X, y=y)
    result = konomi("simulate", "--embeddings", tmp_path / "pool.npz", "--out", tmp_path / "o",
                    "--strategies", "seed,telepathy")  # fmt: skip
    assert result.code != 0 and "Traceback" not in result.text
    assert said(result.err, "simulate.error.strategy", names="telepathy")


def test_command_simulates_on_the_workspace_labels(
    konomi, workspace, tiny_model: Path, tmp_path: Path
) -> None:
    """--from-workspace embeds data/train (through the cache), saves it as OUT/pool.npz in the
    --embeddings format, and replays the loop on it."""
    ws = workspace(n_like=50, n_dislike=70, n_unlabeled=10)
    (ws.root / "data" / "train" / "like" / "notes.jpg").write_bytes(b"not an image")
    args = ["simulate", "--from-workspace", "--out", tmp_path / "mine", "--rounds", "2",
            "--budget", "10", "--seeds", "1", "--start", "20", "--workers", "1",
            "--protocol", "arrivals"]  # fmt: skip
    result = konomi(*args, root=ws.root, check=True)
    assert said(result.err, "simulate.pool", like=50, dislike=70)
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
    assert both.code != 0 and said(both.err, "cli.sim.source")
    neither = konomi("simulate", "--out", tmp_path / "o", root=ws.root)
    assert neither.code != 0 and said(neither.err, "cli.sim.source")


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


# -- the first session: from zero labels ---------------------------------------------------------
SESSION = Plan(protocol="session", seeds=1, start=0, judgements=120, retrain_every=20, workers=1)


def separated_clusters(k: int = 8, each: int = 40, d: int = 32, seed: int = 0) -> tuple:
    """`k` well-separated clusters of unit vectors of different sizes, and each row's cluster."""
    rng = np.random.default_rng(seed)
    sizes = each + 5 * np.arange(k)
    truth = np.repeat(np.arange(k), sizes)
    centres = rng.standard_normal((k, d)) * 4
    X = centres[truth] + rng.standard_normal((len(truth), d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X.astype(np.float32), truth


def test_typical_first_picks_cover_every_cluster() -> None:
    """With nothing labelled, the first 8 picks land one in each of 8 clusters, each close to
    its cluster's middle; with one cluster labelled, the next picks go elsewhere."""
    X, truth = separated_clusters()
    everyone = np.arange(len(X))
    picks = typical_picks(X, everyone, np.zeros(0, np.int64), 8, seed=1)
    assert sorted(truth[picks]) == list(range(8))
    for i in picks:  # typical: nearer its cluster's centre than most of the cluster
        members = X[truth == truth[i]]
        centre = members.mean(axis=0)
        dist = np.linalg.norm(members - centre, axis=1)
        assert np.linalg.norm(X[i] - centre) <= np.quantile(dist, 0.5)
    labelled = np.flatnonzero(truth == 0)[:3]
    rest = np.setdiff1d(everyone, labelled)
    more = typical_picks(X, rest, labelled, 7, seed=1)
    assert sorted(truth[more]) == list(range(1, 8))
    cold = cold_picks(X, None, everyone, np.zeros(0, np.int64), 8, seed=1)
    assert sorted(truth[cold]) == list(range(8))  # no head yet: the cold picks are typical


def test_typicality_is_high_in_the_middle() -> None:
    rng = np.random.default_rng(0)
    rows = np.vstack([rng.standard_normal((50, 8)) * 0.1, np.full((1, 8), 3.0)])
    typ = typicality(rows)
    assert np.argmin(typ) == 50 and typ.shape == (51,)


def test_session_retrains_every_k_and_counts_every_judgement(
    pool: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = pool
    for strategy in ("cold", "diverse", "uncertainty", "random"):
        seen: list[np.ndarray] = []
        rows = run_first_session(X, y, SESSION, strategy, 0, on_train=seen.append)
        trained = [len(idx) for idx in seen]
        assert [r.n_reviewed for r in rows] == list(range(0, 121, 20))
        for r in rows:  # every judgement is a label, from the first pick on
            assert r.n_labeled == r.n_reviewed == r.n_corrections
            assert r.n_arrived == len(y) - len(split_pool(y, SESSION, 0).test)
            assert 0.0 <= r.auc <= 1.0 and 0.0 <= r.brier <= 1.0
        assert rows[0].auc == 0.5  # nobody has labelled anything: a coin toss
        assert trained == [n for n in range(20, 121, 20) if n >= trained[0]]
        assert rows[-1].auc > 0.8, strategy


def test_session_never_trains_on_held_out_rows(pool: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = pool
    test = split_pool(y, SESSION, 0).test
    seen: list[np.ndarray] = []
    run_first_session(X, y, SESSION, "cold", 0, on_train=seen.append)
    assert seen and not any(np.isin(idx, test).any() for idx in seen)
    assert all(len(np.unique(idx)) == len(idx) for idx in seen)


def test_session_from_a_small_start(pool: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = pool
    plan = replace(SESSION, start=10)
    rows = run_first_session(X, y, plan, "cold", 0)
    assert rows[0].n_reviewed == rows[0].n_labeled == 10 and rows[0].n_corrections == 0
    assert rows[0].n_like == 5
    assert [r.n_reviewed for r in rows[1:]] == [30, 50, 70, 90, 110, 120]


def test_auto_protocol_and_plan_checks() -> None:
    assert Plan(start=0).session and Plan(start=40).session and not Plan(start=400).session
    assert Plan(start=0).resolved().strategies[0] == "cold"
    assert Plan(start=400).resolved().strategies == DEFAULT_STRATEGIES
    with pytest.raises(KonomiError) as caught:
        check_plan(Plan(start=0, strategies=("seed",)))
    assert said(caught.value.message, "simulate.error.strategy", names="seed")
    with pytest.raises(KonomiError) as caught:
        check_plan(Plan(start=0, protocol="arrivals"))
    assert said(caught.value.message, "simulate.error.start")
    assert said(caught.value.hint, "simulate.error.start_hint")
    with pytest.raises(KonomiError) as caught:
        check_plan(Plan(start=400, prompt_cosine=0.5))
    assert said(caught.value.message, "simulate.error.prompts_session")
    with pytest.raises(KonomiError) as caught:
        check_plan(Plan(protocol="stream"))
    assert said(caught.value.message, "simulate.error.protocol", protocol="'stream'")


def test_command_starts_from_zero(konomi, tmp_path: Path) -> None:
    """`--start 0`: the session protocol by default, every strategy makes its own first picks,
    rounds.csv keeps the contract, n_reviewed counts from the first judgement."""
    X, y = taste_pool(n=600, d=32, seed=4)
    np.savez(tmp_path / "pool.npz", X=X, y=y)
    result = konomi("simulate", "--embeddings", tmp_path / "pool.npz", "--out", tmp_path / "s",
                    "--start", "0", "--judgements", "60", "--retrain-every", "20", "--seeds", "2",
                    check=True)  # fmt: skip
    columns, lines = _read(tmp_path / "s" / "rounds.csv")
    assert set(CONTRACT) <= set(columns)
    assert {line["strategy"] for line in lines} == {"cold", "diverse", "uncertainty", "random"}
    for line in lines:
        assert int(line["n_reviewed"]) == 20 * int(line["round"])
        assert int(line["n_labeled"]) == int(line["n_reviewed"])
    assert (tmp_path / "s" / "curves.png").read_bytes().startswith(b"\x89PNG")
    assert "cold" in result.out


# -- taste in words ------------------------------------------------------------------------------
def test_text_prior_ranks_the_liked_theme_first_and_fades() -> None:
    X, truth = separated_clusters()
    centres = np.stack([X[truth == g].mean(axis=0) for g in range(8)])
    prior = text_prior(X, centres[2], centres[5])
    assert prior.shape == (len(X),) and np.all((prior > 0) & (prior < 1))
    top = np.argsort(-prior)[: np.sum(truth == 2)]
    assert np.all(truth[top] == 2)  # the liked theme first
    bottom = np.argsort(prior)[: np.sum(truth == 5)]
    assert np.all(truth[bottom] == 5)  # the disliked theme last
    np.testing.assert_array_equal(text_prior(X, None, None), np.full(len(X), 0.5))
    only_like = text_prior(X, centres[2:3], np.zeros((0, X.shape[1])))
    assert np.all(truth[np.argsort(-only_like)[:20]] == 2)

    first = typical_picks(X, np.arange(len(X)), np.zeros(0, np.int64), 8, seed=1, prior=prior)
    assert set(truth[first[:2]]) == {2, 5}  # what the words call liked and disliked, first
    assert sorted(truth[first]) == list(range(8))  # and still one pick per cluster

    assert prior_weight(20, agreement=0.0) == 0.0 and agreement(prior, truth == 2) > 0.9
    assert agreement(prior, truth == 5) == 0.0  # words the judgements contradict lose their say
    weights = [prior_weight(n) for n in (0, 10, 20, 100, 1000)]
    assert weights[0] == 1.0 and weights[2] == pytest.approx(0.5)
    assert all(a > b for a, b in zip(weights, weights[1:])) and weights[-1] < 0.03
    head = np.linspace(0.0, 1.0, len(X))
    np.testing.assert_allclose(blend(prior, None, 0), prior)
    half = blend(prior, head, 20)  # half the say each: both orders show in the mix
    assert 0.3 < np.corrcoef(half, prior)[0, 1] < 0.99
    assert np.corrcoef(half, head)[0, 1] > 0.3
    np.testing.assert_allclose(blend(prior, head, 20, agreement=0.0), head)  # contradicted words
    assert np.abs(blend(prior, head, 50_000) - head).max() < 0.01  # the labels have taken over


def test_prompt_prior_helps_before_any_label(pool: tuple[np.ndarray, np.ndarray]) -> None:
    """A telling synthetic prompt scores the held-out rows better than a coin toss before the
    first judgement; a session with it starts above 0.5."""
    X, y = pool
    plan = replace(SESSION, prompt_cosine=0.7)
    rows = run_first_session(X, y, plan, "cold", 0)
    assert rows[0].auc > 0.55 and rows[0].n_reviewed == 0  # one liked theme of three named


def test_platt_never_reverses_the_head_order() -> None:
    """Out-of-sample scores that run against the labels (a few labels, leave-one-out) must not
    turn the head's ranking upside down: the slope stays positive, at the base rate."""
    from konomi.learn.head import fit_platt

    z = np.array([1.0, 0.9, 0.8, -0.8, -0.9, -1.0])
    y = np.array([0, 0, 0, 1, 1, 1])
    a, b = fit_platt(z, y)
    assert 0 <= a < 1e-3
    p = 1 / (1 + np.exp(-(a * z + b)))
    assert np.all(np.diff(p) <= 0) and abs(p.mean() - 0.5) < 0.01  # head order, base rate
    a, _ = fit_platt(-z, y)
    assert a > 1.0  # scores that agree with the labels are calibrated as before
