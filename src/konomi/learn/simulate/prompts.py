"""Synthetic prompts: what a person's words would be in the embedding space, at a known quality.

A real prompt ("quiet streets at dusk") points towards the images of one liked theme, never
exactly at them. The simulator stands in for it with the direction of one liked theme (its
centre seen from the middle of the pool), turned away from it until its cosine to that
direction is `cosine` (0.3: a vague prompt, 0.7: a telling one), and the same for one disliked
theme. The prior they give (`prior.text_prior`) then orders the first
picks and is blended into the scores while labels are few, exactly as the app does with text
embeddings.
"""

from __future__ import annotations

import numpy as np

from konomi.learn.active import kmeans_groups
from konomi.learn.prior import text_prior

GROUPS = 40  # k-means groups standing in for themes when the pool does not say its themes
MIN_SHARE = 0.01  # a theme a person would name holds at least this share of the pool


def _toward(truth: np.ndarray, cosine: float, rng: np.random.Generator) -> np.ndarray:
    """A unit vector whose cosine to `truth` is exactly `cosine`."""
    t = truth / np.linalg.norm(truth)
    noise = rng.standard_normal(len(t))
    noise -= (noise @ t) * t
    noise /= np.linalg.norm(noise)
    result: np.ndarray = cosine * t + np.sqrt(max(0.0, 1.0 - cosine**2)) * noise
    return result


def theme_centres(
    X: np.ndarray,
    y: np.ndarray,
    rows: np.ndarray,
    theme: np.ndarray | None,
    seed: int = 0,
    count: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Where the `count` most liked themes and the `count` most disliked ones (largest on
    ties) lie (count × d each), seen from
    the middle of the pool: each theme's mean minus the pool's mean (CLIP-like embeddings share
    a strong common direction that tells no theme apart). Judged on `rows` only (the person's
    side of the pool, never the held-out rows)."""
    groups = theme[rows] if theme is not None else kmeans_groups(X[rows], GROUPS, seed=seed)
    ids, sizes = np.unique(groups, return_counts=True)
    big = ids[sizes >= max(2, MIN_SHARE * len(rows))]
    if len(big) == 0:
        big = ids
    share = np.array([y[rows][groups == g].mean() for g in big])
    size = np.array([np.sum(groups == g) for g in big])
    liked = big[np.lexsort((-size, -share))[:count]]
    disliked = big[np.lexsort((-size, share))[:count]]
    middle = X[rows].mean(axis=0)  # what every image shares says nothing about a theme
    return (
        np.stack([X[rows][groups == g].mean(axis=0) - middle for g in liked]),
        np.stack([X[rows][groups == g].mean(axis=0) - middle for g in disliked]),
    )


def prompt_prior(
    X: np.ndarray,
    y: np.ndarray,
    test: np.ndarray,
    cosine: float,
    rng: np.random.Generator,
    *,
    theme: np.ndarray | None = None,
    count: int = 1,
) -> np.ndarray:
    """The prior of `count` like prompts and `count` dislike prompts, each at `cosine` to the
    direction of one theme."""
    rows = np.setdiff1d(np.arange(len(y)), test)
    like, dislike = theme_centres(X, y, rows, theme, count=count)
    return text_prior(
        X,
        np.stack([_toward(v, cosine, rng) for v in like]),
        np.stack([_toward(v, cosine, rng) for v in dislike]),
    )
