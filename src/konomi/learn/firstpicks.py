"""The first images to show when nobody has labelled anything: typical images covering the
folder (the low-budget active-learning idea of TypiClust): k-means groups the embeddings, and
the image nearest its group's centre stands for the group, biggest groups first.

Arrays only. coldsim's cold strategy in the simulator measures this family of picks.
"""

from __future__ import annotations

import numpy as np

from konomi.learn.active import kmeans_groups
from konomi.learn.prior import telling_order

FIRST_PICKS = 40  # groups (so images) of the first, typical picks


def typical_picks(X: np.ndarray, k: int = FIRST_PICKS, *, seed: int = 0) -> np.ndarray:
    """Row indices of up to `k` typical images, one per k-means group, biggest group first."""
    X = np.asarray(X, np.float32)
    n = len(X)
    if n == 0:
        return np.zeros(0, np.int64)
    k = max(1, min(k, n))
    groups = kmeans_groups(X, k, seed=seed)
    picks: list[tuple[int, int]] = []
    for g in np.unique(groups):
        members = np.flatnonzero(groups == g)
        centre = X[members].mean(axis=0)
        best = members[int(np.argmin(((X[members] - centre) ** 2).sum(axis=1)))]
        picks.append((-len(members), int(best)))
    return np.asarray([row for _, row in sorted(picks)], dtype=np.int64)


def first_order(X: np.ndarray, prior: np.ndarray | None = None, *, seed: int = 0) -> np.ndarray:
    """The review order of a pool nobody has labelled, as a value per row (highest first).

    The typical picks come first: in the order of their groups' sizes, or, with a prior from
    words, alternating between the most liked-looking and the most disliked-looking of them.
    The other rows follow, the ones the words are surest about first (folder order without).
    """
    n = len(X)
    info = np.zeros(n)
    if n == 0:
        return info
    picks = typical_picks(X, seed=seed)
    if prior is not None:
        prior = np.asarray(prior, np.float64)
        picks = picks[telling_order(prior[picks])]
        info[:] = np.abs(prior - 0.5)  # in [0, 0.5): below every pick
    info[picks] = 1.0 + np.linspace(1.0, 0.0, len(picks), endpoint=False)
    return info
