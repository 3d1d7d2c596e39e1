"""How far to trust a head's figures when it has few labels: a bootstrap interval.

With 5 liked and 3 disliked images, out-of-fold AUC is often exactly 1.000 — not because the head
is perfect but because 15 pairs cannot show otherwise. Resampling the labelled images (with
replacement) and recomputing the figure on each resample gives the spread a new set of labels of
the same size would show; the 2.5th and 97.5th percentiles of that spread are the interval
`train` prints beside the figure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SMALL = 30  # fewer labels than this in a class: print the interval beside each figure
TOO_FEW = 5  # fewer than this in a class: the figures cannot be measured at all


@dataclass(frozen=True)
class Interval:
    """Percentile bootstrap intervals of out-of-fold AUC and accuracy at 0.5."""

    auc: tuple[float, float]
    accuracy: tuple[float, float]
    level: float
    resamples: int


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    """Mann–Whitney AUC (ties count half); y holds both classes."""
    _, where, counts = np.unique(p, return_inverse=True, return_counts=True)
    ranks = (np.cumsum(counts) - (counts - 1) / 2.0)[where]
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def bootstrap_interval(
    y: np.ndarray, p: np.ndarray, *, resamples: int = 1000, level: float = 0.95, seed: int = 0
) -> Interval:
    """Percentile bootstrap interval of AUC and accuracy of scores `p` against labels `y`.

    Each resample keeps the class sizes (a stratified bootstrap), so every one has both classes
    and the AUC is always defined. Deterministic for a given `seed`.
    """
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=np.float64)
    if len(y) != len(p) or len(np.unique(y)) != 2:
        raise ValueError("bootstrap_interval needs scores for both classes")
    rng = np.random.default_rng(seed)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    aucs = np.empty(resamples)
    accs = np.empty(resamples)
    for r in range(resamples):
        rows = np.concatenate([rng.choice(pos, len(pos)), rng.choice(neg, len(neg))])
        ys, ps = y[rows], p[rows]
        aucs[r] = _auc(ys, ps)
        accs[r] = np.mean((ps >= 0.5) == (ys == 1))
    tail = (1.0 - level) / 2 * 100
    bounds = (tail, 100 - tail)
    lo_auc, hi_auc = np.percentile(aucs, bounds)
    lo_acc, hi_acc = np.percentile(accs, bounds)
    return Interval(
        (float(lo_auc), float(hi_auc)), (float(lo_acc), float(hi_acc)), level, resamples
    )


def measurable(n_like: int, n_dislike: int) -> bool:
    """Whether there are enough labels of each class for a figure to mean anything."""
    return min(n_like, n_dislike) >= TOO_FEW


def needs_interval(n_like: int, n_dislike: int) -> bool:
    """Whether the figures should be shown with their interval (few labels in a class)."""
    return min(n_like, n_dislike) < SMALL
