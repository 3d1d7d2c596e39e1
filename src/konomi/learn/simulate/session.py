"""The first session: the person's whole folder is there at once, and the head retrains every
few judgements while they keep pressing keys.

Unlike the arrivals protocol (`replay.run_strategy`), nothing arrives: every image that is not
held out can be shown from the first key press. Each step the strategy picks `retrain_every`
images, the person judges them (each judgement is a label: the review page moves every decided
file into data/train/), and the head is retrained with `head.train_head` and measured on the
held-out rows. Before a head can be trained (fewer than 2 of each class), every strategy but
`random` shows the cold strategy's typical picks, and the measured "head" is a coin toss
(AUC 0.5) — or the prompt prior, when one is given.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from konomi.learn.coldstart import cold_picks, typical_picks, uncertain_picks
from konomi.learn.head import evaluate, resolve_kind, train_head
from konomi.learn.prior import agreement, blend


@dataclass
class Step:
    """What a session strategy sees before a step (indices are rows of the pool)."""

    X: np.ndarray
    p: np.ndarray | None  # the current scores (head, blended with the prior); None: no head yet
    candidates: np.ndarray  # not held out, not judged yet
    labelled: np.ndarray  # judged so far
    n: int  # how many to pick
    rng: np.random.Generator
    seed: int
    prior: np.ndarray | None = None  # the person's words as a 0–1 score per row, if any


def _random(s: Step) -> np.ndarray:
    return np.sort(s.rng.choice(s.candidates, s.n, replace=False))


def _uncertainty(s: Step) -> np.ndarray:
    if s.p is None:
        return typical_picks(s.X, s.candidates, s.labelled, s.n, seed=s.seed, prior=s.prior)
    u = 1.0 - np.abs(2.0 * s.p[s.candidates] - 1.0)
    return s.candidates[np.argsort(-u, kind="stable")[: s.n]]


def _diverse(s: Step) -> np.ndarray:
    if s.p is None:
        return typical_picks(s.X, s.candidates, s.labelled, s.n, seed=s.seed, prior=s.prior)
    return uncertain_picks(s.X, s.p, s.candidates, s.n, seed=s.seed)


def _cold(s: Step) -> np.ndarray:
    return cold_picks(s.X, s.p, s.candidates, s.labelled, s.n, seed=s.seed, prior=s.prior)


SESSION_STRATEGIES: dict[str, Callable[[Step], np.ndarray]] = {
    "cold": _cold,
    "diverse": _diverse,
    "uncertainty": _uncertainty,
    "random": _random,
}
SESSION_DEFAULT = ("cold", "diverse", "uncertainty", "random")


def trainable(labels: np.ndarray) -> bool:
    """A head needs at least 2 labels of each class."""
    counts = np.bincount(np.asarray(labels, np.int64), minlength=2)
    return bool(counts.min() >= 2)


def run_session(
    X: np.ndarray,
    y: np.ndarray,
    *,
    test: np.ndarray,
    start: np.ndarray,
    strategy: str,
    seed: int,
    plan_seed: int,
    head: str,
    judgements: int,
    retrain_every: int,
    prior: np.ndarray | None = None,
    prior_strength: float = 0.0,
    on_train: Callable[[np.ndarray], object] | None = None,
    report: Callable[[int], object] | None = None,
) -> list[dict[str, Any]]:
    """One strategy, one seed of the session protocol: a dict per step (round 0 = the start).

    `judgements` counts every judgement, the start's included; `prior` (one score per pool row,
    0–1) is blended into the scores with `prior_strength` labels' worth of weight."""
    rng = np.random.default_rng([plan_seed, seed, zlib.crc32(strategy.encode())])
    kind = resolve_kind(head)
    choose = SESSION_STRATEGIES[strategy]
    free = np.ones(len(y), bool)
    free[test] = False
    free[start] = False
    labelled = [int(i) for i in start]
    rows: list[dict[str, Any]] = []
    p: np.ndarray | None = None
    step = 0
    while True:
        idx = np.asarray(labelled, np.int64)
        labels = y[idx].astype(np.int64)
        oof_auc = float("nan")
        head_p = None
        if trainable(labels):
            if on_train is not None:
                on_train(idx)
            trained = train_head(X[idx], labels, kind=kind, seed=seed)
            head_p = trained.head.predict(X)
            oof_auc = trained.metrics.auc
        if prior is not None and prior_strength > 0:
            agreed = agreement(prior[idx], labels)
            p = blend(prior, head_p, len(idx), strength=prior_strength, agreement=agreed)
        else:
            p = head_p
        scored = np.full(len(y), 0.5) if p is None else p
        m = evaluate(y[test], scored[test])
        rows.append(
            {
                "round": step,
                "n_arrived": int(len(y) - len(test)),
                "n_labeled": len(idx),
                "n_like": int(labels.sum()),
                "n_reviewed": len(idx),
                "n_corrections": len(idx) - len(start),
                "auc": m.auc,
                "accuracy": m.accuracy,
                "brier": m.brier,
                "oof_auc": oof_auc,
                "kind": kind,
            }
        )
        if report is not None:
            report(1)
        left = np.flatnonzero(free)
        n = min(retrain_every, judgements - len(idx), len(left))
        if n <= 0:
            return rows
        picks = np.asarray(choose(Step(X, p, left, idx, n, rng, seed, prior)), np.int64)
        assert free[picks].all() and len(np.unique(picks)) == len(picks), "bad picks"
        free[picks] = False
        labelled += [int(i) for i in picks]
        step += 1


def steps(judgements: int, start: int, retrain_every: int) -> int:
    """How many rows a session run writes (round 0 included)."""
    return 1 + max(0, -(-(judgements - start) // retrain_every))
