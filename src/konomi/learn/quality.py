"""How good is the model so far: its cross-validated AUC with a bootstrap interval, and
whether that is enough to trust it.

Arrays only: labels and the head's out-of-fold scores (what `train_head` measures).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from konomi.learn.head import rank_auc

TRUST_AUC = 0.85  # the interval's low end must reach this …
TRUST_PER_CLASS = 30  # … with at least this many labels of each kind


@dataclass(frozen=True)
class Quality:
    auc: float
    lo: float
    hi: float
    n_like: int
    n_dislike: int

    @property
    def trusted(self) -> bool:
        small = min(self.n_like, self.n_dislike)
        return small >= TRUST_PER_CLASS and self.lo >= TRUST_AUC


def auc_interval(
    y: np.ndarray, p: np.ndarray, *, n_boot: int = 400, level: float = 0.95, seed: int = 0
) -> Quality:
    """AUC of out-of-fold scores `p` against labels `y`, with a stratified bootstrap interval
    (likes and dislikes resampled apart, so every resample has both)."""
    y = np.asarray(y).astype(int)
    p = np.asarray(p, np.float64)
    pos, neg = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    if len(pos) == 0 or len(neg) == 0:
        return Quality(float("nan"), float("nan"), float("nan"), len(pos), len(neg))
    auc = rank_auc(y, p)
    rng = np.random.default_rng(seed)
    both = np.r_[np.ones(len(pos), int), np.zeros(len(neg), int)]
    aucs = np.empty(n_boot)
    for b in range(n_boot):
        rows = np.r_[rng.choice(pos, len(pos)), rng.choice(neg, len(neg))]
        aucs[b] = rank_auc(both, p[rows])
    tail = (1.0 - level) / 2.0
    lo, hi = np.quantile(aucs, [tail, 1.0 - tail])
    return Quality(float(auc), float(lo), float(hi), len(pos), len(neg))
