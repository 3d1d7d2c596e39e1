"""Which images are worth a person's look, and how many to ask for.

The review queue and `classify` order images by `informativeness`, highest first. The simulator
(`konomi simulate`, docs/simulation.md) measured the review strategies on varied pools; the one
shipped here is its winner, `diverse`: the images the model is least sure about, spread over the
embedding space, so that a burst of near-identical shots or one ambiguous corner of the person's
taste does not eat the whole round.
"""

from __future__ import annotations

import numpy as np

POOL_FACTOR = 5  # the diverse picks come from the POOL_FACTOR × limit most uncertain images


def uncertainty(scores: np.ndarray) -> np.ndarray:
    """1 at a score of 0.5 (the model cannot tell), 0 at 0 or 1 (it is sure)."""
    p = np.asarray(scores, dtype=np.float64)
    return 1.0 - np.abs(2.0 * p - 1.0)


def diverse_picks(u: np.ndarray, X: np.ndarray, limit: int, *, seed: int = 0) -> np.ndarray:
    """Indices of `limit` images, uncertain and unlike each other, most uncertain first.

    Among the POOL_FACTOR × limit most uncertain images, k-means makes `limit` groups of
    look-alikes, and the most uncertain image of each group is picked. Near-duplicates then cost
    one look, not ten, and a region where the taste is a coin toss gets a few looks, not all.
    """
    by_uncertainty = np.argsort(-u, kind="stable")
    limit = max(0, min(limit, len(u)))
    if limit <= 1 or len(u) <= limit:
        return by_uncertainty[:limit]
    from sklearn.cluster import KMeans  # lazy: keeps start-up quick

    pool = by_uncertainty[: min(len(u), POOL_FACTOR * limit)]
    rows = np.asarray(X, dtype=np.float32)[pool]
    groups = KMeans(limit, n_init=1, random_state=seed).fit_predict(rows)
    picks = [int(pool[groups == g][np.argmax(u[pool[groups == g]])]) for g in np.unique(groups)]
    return np.asarray(sorted(picks, key=lambda i: (-u[i], i)), dtype=np.int64)


def informativeness(
    scores: np.ndarray,
    X: np.ndarray | None = None,
    *,
    limit: int | None = None,
    n_labeled: int | None = None,
) -> np.ndarray:
    """How much a person's look at each image would teach the model: sort by it, highest first.

    Without embeddings: the uncertainty of the score (1 at 0.5, 0 at 0 or 1). With embeddings
    `X`: the `limit` diverse picks (default: `suggested_reviews` for this many images and
    `n_labeled` labels) score above 0.5 — 0.5 + uncertainty / 2 — and every other image below,
    uncertainty / 2. So "informativeness > 0.5" means "suggested for this round's review".
    """
    u = uncertainty(scores)
    if X is None or len(u) == 0:
        return u
    if limit is None:
        limit = suggested_reviews(len(u), 400 if n_labeled is None else n_labeled)
    info = u / 2.0
    picks = diverse_picks(u, X, limit)
    info[picks] = 0.5 + u[picks] / 2.0
    return info


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
