"""How far to trust a head's figures when it has few labels: confidence intervals.

With 5 liked and 3 disliked images, out-of-fold AUC is often exactly 1.000 — not because the head
is perfect but because 15 pairs cannot show otherwise. `train` prints each figure with its 95 %
interval, and the review page judges the model by the interval's lower end.

The intervals are score intervals, not a percentile bootstrap: resampling a perfect sample can
only give perfect samples, so a bootstrap says "AUC 1.00 (1.00–1.00)" for 5 + 3 labels — false
certainty exactly where it matters. A score interval takes the width from the variance the
figure would have at each candidate value, so it stays open at the boundary:

- accuracy (at 0.5): the Wilson interval of a proportion;
- AUC: Newcombe's Wilson-type interval for the Mann–Whitney statistic (his method 5: the
  Hanley–McNeil variance with both class sizes replaced by their mean). 12 + 12 labels ranked
  perfectly give AUC 1.00 (0.83–1.00); 400 + 400 at 0.75 give about ±0.035.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from konomi.learn.head import rank_auc

Z_95 = 1.959963984540054  # the normal quantile of a 95 % two-sided interval
SMALL = 30  # fewer labels than this in a class: print the interval beside each figure
TOO_FEW = 5  # fewer than this in a class: the figures cannot be measured at all


@dataclass(frozen=True)
class Interval:
    """95 % intervals of out-of-fold AUC (Newcombe) and accuracy at 0.5 (Wilson)."""

    auc: tuple[float, float]
    accuracy: tuple[float, float]
    level: float = 0.95


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


def wilson(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion `successes / n`."""
    if n <= 0:
        return (0.0, 1.0)
    share = successes / n
    centre = (share + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, float(centre - half)), min(1.0, float(centre + half)))


def newcombe_auc(auc: float, n_like: int, n_dislike: int, z: float = Z_95) -> tuple[float, float]:
    """Newcombe's score interval of an AUC measured on `n_like` + `n_dislike` labels.

    Its ends are the AUC values θ nearest to the measured one at which the measurement is z
    standard deviations away, the variance taken at θ itself (Hanley–McNeil, with
    N* = (n_like + n_dislike) / 2 for both class sizes); found on a grid of 1/20,000.
    """
    half_n = (n_like + n_dislike) / 2
    theta = np.linspace(0.0, 1.0, 20_001)
    variance = (
        theta
        * (1 - theta)
        / (n_like * n_dislike)
        * (1 + (half_n - 1) * (1 - theta) / (2 - theta) + (half_n - 1) * theta / (1 + theta))
    )
    inside = np.abs(auc - theta) <= z * np.sqrt(np.maximum(variance, 0.0)) + 1e-12
    at = int(np.searchsorted(theta, auc))
    lo = hi = min(at, len(theta) - 1)
    while lo > 0 and inside[lo - 1]:
        lo -= 1
    while hi < len(theta) - 1 and inside[hi + 1]:
        hi += 1
    return (float(min(theta[lo], auc)), float(max(theta[hi], auc)))


def score_interval(y: np.ndarray, p: np.ndarray) -> Interval:
    """95 % intervals of the AUC and the accuracy at 0.5 of scores `p` against labels `y`."""
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=np.float64)
    if len(y) != len(p) or len(np.unique(y)) != 2:
        raise ValueError("score_interval needs scores for both classes")
    n_like, n_dislike = int((y == 1).sum()), int((y == 0).sum())
    right = int(np.sum((p >= 0.5) == (y == 1)))
    return Interval(
        newcombe_auc(rank_auc(y, p), n_like, n_dislike), wilson(right, len(y)), level=0.95
    )


def measurable(n_like: int, n_dislike: int) -> bool:
    """Whether there are enough labels of each class for a figure to mean anything."""
    return min(n_like, n_dislike) >= TOO_FEW


def needs_interval(n_like: int, n_dislike: int) -> bool:
    """Whether the figures should be shown with their interval (few labels in a class)."""
    return min(n_like, n_dislike) < SMALL


def auc_interval(y: np.ndarray, p: np.ndarray) -> Quality:
    """The AUC of out-of-fold scores `p` against labels `y` with its 95 % interval (NaN while a
    class has no label yet)."""
    y = np.asarray(y).astype(int)
    n_like, n_dislike = int((y == 1).sum()), int((y == 0).sum())
    if not n_like or not n_dislike:
        return Quality(float("nan"), float("nan"), float("nan"), n_like, n_dislike)
    auc = rank_auc(y, np.asarray(p, np.float64))
    return Quality(auc, *newcombe_auc(auc, n_like, n_dislike), n_like, n_dislike)
