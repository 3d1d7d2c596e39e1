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

from konomi.learn.head import rank_auc

SMALL = 30  # fewer labels than this in a class: print the interval beside each figure
TOO_FEW = 5  # fewer than this in a class: the figures cannot be measured at all


@dataclass(frozen=True)
class Interval:
    """Percentile bootstrap intervals of out-of-fold AUC and accuracy at 0.5."""

    auc: tuple[float, float]
    accuracy: tuple[float, float]
    level: float
    resamples: int


TRUST_AUC = 0.85  # a model is trustworthy once its interval's low end reaches this …
TRUST_PER_CLASS = 30  # … with at least this many labels of each kind


@dataclass(frozen=True)
class Quality:
    """How good the model is so far (the review page's line): AUC with its interval."""

    auc: float
    lo: float
    hi: float
    n_like: int
    n_dislike: int

    @property
    def trusted(self) -> bool:
        small = min(self.n_like, self.n_dislike)
        return small >= TRUST_PER_CLASS and self.lo >= TRUST_AUC


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
        aucs[r] = rank_auc(ys, ps)
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


def auc_interval(
    y: np.ndarray, p: np.ndarray, *, resamples: int = 400, level: float = 0.95, seed: int = 0
) -> Quality:
    """The AUC of out-of-fold scores `p` against labels `y` with its bootstrap interval (NaN
    while a class has no label yet)."""
    y = np.asarray(y).astype(int)
    n_like, n_dislike = int((y == 1).sum()), int((y == 0).sum())
    if not n_like or not n_dislike:
        return Quality(float("nan"), float("nan"), float("nan"), n_like, n_dislike)
    interval = bootstrap_interval(y, p, resamples=resamples, level=level, seed=seed)
    return Quality(rank_auc(y, np.asarray(p, np.float64)), *interval.auc, n_like, n_dislike)
