"""Which images are worth a person's look, and how many to ask for.

The review queue and `classify` order images by `informativeness`, highest first. The simulator
(`konomi simulate`, docs/simulation.md) measured the review strategies on varied pools; the one
shipped here is its winner, `diverse`: the images the model is least sure about, spread over the
embedding space, so that a burst of near-identical shots or one ambiguous corner of the person's
taste does not eat the whole round.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Vectors = np.ndarray | Callable[[np.ndarray], np.ndarray]  # embeddings, or rows → theirs
POOL_FACTOR = 5  # the diverse picks come from the POOL_FACTOR × limit most uncertain images


def uncertainty(scores: np.ndarray) -> np.ndarray:
    """1 at a score of 0.5 (the model cannot tell), 0 at 0 or 1 (it is sure)."""
    p = np.asarray(scores, dtype=np.float64)
    return 1.0 - np.abs(2.0 * p - 1.0)


def diverse_picks(u: np.ndarray, X: Vectors, limit: int, *, seed: int = 0) -> np.ndarray:
    """Indices of `limit` images, uncertain and unlike each other, most uncertain first.

    Among the POOL_FACTOR × limit most uncertain images, k-means makes `limit` groups of
    look-alikes, and the most uncertain image of each group is picked. Near-duplicates then cost
    one look, not ten, and a region where the taste is a coin toss gets a few looks, not all.
    `X` is the embeddings, or a function giving the embeddings of some rows (only the pool's
    are needed, which spares `konomi score` reading 100,000 vectors).
    """
    by_uncertainty = np.argsort(-u, kind="stable")
    limit = max(0, min(limit, len(u)))
    if limit <= 1 or len(u) <= limit:
        return by_uncertainty[:limit]
    pool = by_uncertainty[: min(len(u), POOL_FACTOR * limit)]
    rows = X(pool) if callable(X) else np.asarray(X, dtype=np.float32)[pool]
    groups = kmeans_groups(rows, limit, seed=seed)
    picks = [int(pool[groups == g][np.argmax(u[pool[groups == g]])]) for g in np.unique(groups)]
    return np.asarray(sorted(picks, key=lambda i: (-u[i], i)), dtype=np.int64)


def kmeans_groups(rows: np.ndarray, k: int, *, seed: int = 0, iterations: int = 10) -> np.ndarray:
    """The group (0 … k-1) of each row: k-means++ seeding, then a few Lloyd iterations.

    In numpy rather than scikit-learn's KMeans because `konomi score` runs this once per call
    on at most a few thousand rows, where importing scikit-learn (≈1.2 s) would cost more than
    the clustering itself; a handful of iterations is plenty for grouping look-alikes.
    """
    rows = np.asarray(rows, dtype=np.float32)
    n = len(rows)
    k = max(1, min(k, n))
    rng = np.random.default_rng(seed)
    norms = np.einsum("ij,ij->i", rows, rows)

    def to(center: np.ndarray) -> np.ndarray:  # squared distance of every row to one point
        result: np.ndarray = np.maximum(norms - 2.0 * (rows @ center) + float(center @ center), 0.0)
        return result

    chosen = [int(rng.integers(n))]
    nearest = to(rows[chosen[0]])
    for _ in range(1, k):  # k-means++: far rows are likelier seeds
        total = float(nearest.sum())
        i = int(rng.choice(n, p=nearest / total)) if total > 0 else int(rng.integers(n))
        chosen.append(i)
        nearest = np.minimum(nearest, to(rows[i]))
    centers = rows[chosen].copy()
    groups = np.full(n, -1, dtype=np.int64)
    for _ in range(iterations):
        dist = np.einsum("ij,ij->i", centers, centers)[None, :] - 2.0 * (rows @ centers.T)
        new = np.argmin(dist, axis=1)
        if np.array_equal(new, groups):
            break
        groups = new
        sums = np.zeros_like(centers)
        np.add.at(sums, groups, rows)
        counts = np.bincount(groups, minlength=k)
        filled = counts > 0  # an emptied group keeps its old centre
        centers[filled] = sums[filled] / counts[filled, None]
    return groups


def informativeness(
    scores: np.ndarray,
    X: Vectors | None = None,
    *,
    limit: int | None = None,
    n_labeled: int | None = None,
    waiting: np.ndarray | None = None,
) -> np.ndarray:
    """How much a person's look at each image would teach the model: sort by it, highest first.

    Without embeddings: the uncertainty of the score (1 at 0.5, 0 at 0 or 1). With embeddings
    `X`: the `limit` diverse picks (default: `suggested_reviews` for the waiting images and
    `n_labeled` labels) score above 0.5 — 0.5 + uncertainty / 2 — and every other image below,
    uncertainty / 2. So "informativeness > 0.5" means "suggested for this round's review".
    `waiting` (a mask) says which images can be suggested at all: an image already in
    data/train/ has its label, and a pick spent on it would be a look the person never takes.
    """
    u = uncertainty(scores)
    if X is None or len(u) == 0:
        return u
    rows = np.arange(len(u)) if waiting is None else np.flatnonzero(waiting)
    if limit is None:
        limit = suggested_reviews(len(rows), 400 if n_labeled is None else n_labeled)
    info = u / 2.0
    picks = rows[diverse_picks(u[rows], X if waiting is None else _restrict(X, rows), limit)]
    info[picks] = 0.5 + u[picks] / 2.0
    return info


def _restrict(X: Vectors, rows: np.ndarray) -> Vectors:
    """The embeddings of `rows` only, numbered 0 … len(rows) - 1."""
    if callable(X):
        return lambda picked: X(rows[picked])
    result: np.ndarray = np.asarray(X)[rows]
    return result


def suggested_reviews(n_unlabeled: int, n_labeled: int) -> int:
    """How many images to ask the person to look at this round.

    About a quarter of the labels they already have, in whole hundreds, from 100 to 500, and
    never more than are waiting. Early rounds stay small because each label still moves the
    model a lot and it pays to retrain soon; later rounds can be bigger because each label moves
    it less. From the workflow's 400 starting labels that makes rounds of 100, 100, 100, 100, 200,
    200, 300, … (docs/simulation.md).
    """
    per_round = 100 * (max(0, n_labeled) // 400)
    return int(min(max(n_unlabeled, 0), min(max(per_round, 100), 500)))
