"""Which images are worth a person's look: the informativeness of a score.

The review queue and `classify` order images by this number, highest first. The simulator
(`konomi simulate`, docs/simulation.md) measures the strategies; the one shipped here is the one
it found best.
"""

from __future__ import annotations

import numpy as np


def uncertainty(scores: np.ndarray) -> np.ndarray:
    """1 at a score of 0.5 (the model cannot tell), 0 at 0 or 1 (it is sure)."""
    p = np.asarray(scores, dtype=np.float64)
    return 1.0 - np.abs(2.0 * p - 1.0)


def diverse_order(
    scores: np.ndarray, X: np.ndarray, *, limit: int, pool_factor: int = 5, seed: int = 0
) -> np.ndarray:
    """Indices of `scores`, the first `limit` uncertain *and* spread over the embedding space.

    Among the `pool_factor × limit` most uncertain images, k-means makes `limit` groups of
    look-alikes and the most uncertain image of each group goes first; the rest follow by
    uncertainty. Near-duplicates then cost one look, not ten.
    """
    u = uncertainty(scores)
    by_uncertainty = np.argsort(-u, kind="stable")
    limit = min(limit, len(u))
    if limit <= 1 or len(u) <= limit:
        return by_uncertainty
    from sklearn.cluster import KMeans

    pool = by_uncertainty[: min(len(u), pool_factor * limit)]
    groups = KMeans(limit, n_init=1, random_state=seed).fit_predict(np.asarray(X)[pool])
    first: list[int] = []
    for g in np.unique(groups):
        members = pool[groups == g]
        first.append(int(members[np.argmax(u[members])]))
    head = np.asarray(sorted(first, key=lambda i: (-u[i], i)), dtype=np.int64)
    rest = by_uncertainty[~np.isin(by_uncertainty, head)]
    return np.concatenate([head, rest])


def informativeness(scores: np.ndarray) -> np.ndarray:
    """1 at a score of 0.5 (the model cannot tell), 0 at 0 or 1 (it is sure)."""
    return uncertainty(scores)


def suggested_reviews(n_unlabeled: int, n_labeled: int) -> int:
    """How many images to ask the person to look at this round.

    About a quarter of the labels they already have, in whole hundreds, from 100 to 500, and
    never more than are waiting. Early rounds stay small because each label still moves the
    model a lot and it pays to retrain soon; later rounds can be bigger because each label moves
    it less. From the brief's 400 starting labels that makes rounds of 100, 100, 100, 100, 200,
    200, 300, … (docs/simulation.md).
    """
    per_round = 100 * (max(0, n_labeled) // 400)
    return int(min(max(n_unlabeled, 0), min(max(per_round, 100), 500)))
