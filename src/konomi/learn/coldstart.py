"""What to show first when nobody has labelled anything, and then while the head is young.

Low-budget active learning says: with few labels, pick *typical* images that *cover* the pool
(TypiClust, Hacohen et al. 2022; ProbCover, Yehuda et al. 2022) — an uncertain image means
nothing while the model knows nothing, and an outlier teaches nothing about its neighbours.
Once a head exists, uncertainty helps, spread over the embedding space so that one region cannot
take every look — but only as a minority of the looks: with a few hundred labels the head needs a
fair sample more than it needs its boundary refined, and label noise drags pure uncertainty
sampling into its own mistakes (docs/simulation.md). `cold_picks` does that: typical images of
the largest clusters that hold no label yet, then each step 30 % uncertain images (the most
uncertain of each group of look-alikes) and 70 % drawn at random.

Arrays in, arrays out: the review page and the simulator call the same functions.
"""

from __future__ import annotations

import numpy as np

from konomi.learn.active import diverse_picks, kmeans_groups, uncertainty
from konomi.learn.kinds import squared_distances

NEIGHBOURS = 20  # TypiClust's k for typicality
MIN_CLUSTER = 5  # clusters smaller than this are outliers' corners, not themes
MAX_CLUSTERS = 300  # k-means cost grows with k; past this many labels coverage is done
TYPICAL_UNTIL = 20  # typical picks until this many labels (a head needs a few of each class)
UNCERTAIN = 0.3  # after that, the share of each step spent on uncertain images; the rest random
POOL_FACTOR = 3  # uncertain picks come from the POOL_FACTOR × n most uncertain images


def typicality(rows: np.ndarray, k: int = NEIGHBOURS) -> np.ndarray:
    """1 / mean distance to the k nearest other rows: high in the dense middle of a cluster."""
    n = len(rows)
    if n <= 1:
        return np.ones(n)
    k = min(k, n - 1)
    D = np.sqrt(squared_distances(rows, rows))
    np.fill_diagonal(D, np.inf)
    near = np.partition(D, k - 1, axis=1)[:, :k]
    result: np.ndarray = 1.0 / (near.mean(axis=1) + 1e-9)
    return result


def typical_picks(
    X: np.ndarray,
    candidates: np.ndarray,
    labelled: np.ndarray,
    n: int,
    *,
    seed: int = 0,
    prior: np.ndarray | None = None,
) -> np.ndarray:
    """TypiClust: `n` candidates, the most typical image of each of the `n` largest clusters
    that hold no labelled image, clusters made by k-means with k = labels + n.

    `X` holds every embedding; `candidates` and `labelled` are rows of it. Returns rows of X,
    largest cluster first. When fewer than `n` clusters are uncovered, the rest come from the
    covered clusters, largest first (their most typical image not yet picked).

    With a `prior` (a 0–1 score per row of X, e.g. `prior.text_prior` of the person's words),
    the same clusters come in another order: those whose mean prior is farthest from 0.5
    first, so the person first sees what their words call liked and disliked. Which clusters
    are covered does not change: words are too rough a guide to skip a theme for."""
    candidates = np.asarray(candidates, np.int64)
    labelled = np.asarray(labelled, np.int64)
    n = max(0, min(n, len(candidates)))
    if n == 0:
        return np.zeros(0, np.int64)
    rows = np.concatenate([candidates, labelled])
    k = max(1, min(len(labelled) + n, MAX_CLUSTERS, len(rows)))
    groups = kmeans_groups(X[rows], k, seed=seed)
    sizes = np.bincount(groups, minlength=k)
    covered = np.zeros(k, bool)
    covered[groups[len(candidates) :]] = True
    cand_groups = groups[: len(candidates)]
    has_candidate = np.bincount(cand_groups, minlength=k) > 0
    big_enough = sizes >= min(MIN_CLUSTER, int(sizes.max()))
    by_size = np.argsort(-sizes, kind="stable")
    first = [g for g in by_size if has_candidate[g] and not covered[g] and big_enough[g]]
    if prior is not None and len(first) > 1:
        first = first[:n]
        telling = [abs(float(prior[rows[groups == g]].mean()) - 0.5) for g in first]
        first = [first[i] for i in np.argsort(telling, kind="stable")[::-1]]
    second = [g for g in by_size if has_candidate[g] and (covered[g] or not big_enough[g])]
    picks: list[int] = []
    for g in first + second:
        if len(picks) >= n:
            break
        members = np.flatnonzero(groups == g)
        typ = typicality(X[rows[members]])
        mine = members < len(candidates)
        best = members[mine][np.argmax(typ[mine])]
        picks.append(int(rows[best]))
    if len(picks) < n:  # every cluster gave one: top up with the most typical left overall
        left = np.setdiff1d(candidates, picks)
        picks += [int(i) for i in left[: n - len(picks)]]
    return np.asarray(picks, np.int64)


def uncertain_picks(
    X: np.ndarray,
    p: np.ndarray,
    candidates: np.ndarray,
    n: int,
    *,
    seed: int = 0,
) -> np.ndarray:
    """The most uncertain image of each of `n` groups of look-alikes among the POOL_FACTOR × n
    candidates the head is least sure about. Rows of X, most uncertain first."""
    candidates = np.asarray(candidates, np.int64)
    u = uncertainty(p[candidates])
    by_u = np.argsort(-u, kind="stable")[: POOL_FACTOR * n]
    picked = diverse_picks(u[by_u], X[candidates[by_u]], n, seed=seed)
    result: np.ndarray = candidates[by_u[picked]]
    return result


def cold_picks(
    X: np.ndarray,
    p: np.ndarray | None,
    candidates: np.ndarray,
    labelled: np.ndarray,
    n: int,
    *,
    seed: int = 0,
    prior: np.ndarray | None = None,
    typical_until: int | None = None,
    uncertain: float | None = None,
) -> np.ndarray:
    """The next `n` images to show, from zero labels on.

    Without a head (`p` None), or with fewer than `typical_until` labels: typical images of
    uncovered clusters (those a `prior` is surest about first). After that: a share
    `uncertain` of each step goes to uncertain images spread over the pool, the rest to
    images drawn at random. The random part is what keeps the labels a fair sample of the
    folder: the head tunes itself on its labels' out-of-sample error, label noise draws pure
    uncertainty sampling into its own mistakes, and only a fair sample finds the exceptions no
    uncertainty points to (docs/simulation.md measured all four)."""
    candidates = np.asarray(candidates, np.int64)
    n = max(0, min(n, len(candidates)))
    typical_until = TYPICAL_UNTIL if typical_until is None else typical_until
    uncertain = UNCERTAIN if uncertain is None else uncertain
    if p is None or len(labelled) < typical_until:
        return typical_picks(X, candidates, labelled, n, seed=seed, prior=prior)
    n_uncertain = int(round(uncertain * n))
    first = uncertain_picks(X, p, candidates, n_uncertain, seed=seed)
    rest = np.setdiff1d(candidates, first)
    rng = np.random.default_rng([seed, len(labelled)])
    return np.concatenate([first, np.sort(rng.choice(rest, n - len(first), replace=False))])
