"""Synthetic prompts: what a person's words would be in the embedding space, at a known quality.

A real prompt ("quiet streets at dusk") lands near the images of one liked theme, never exactly
on them. The simulator stands in for it with the centre of one liked theme, turned away from it
until its cosine to that centre is `cosine` (0.3: a vague prompt, 0.7: a telling one), and the
same for one disliked theme. The prior they give (`prior.text_prior`) then orders the first
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
    return cosine * t + np.sqrt(max(0.0, 1.0 - cosine**2)) * noise


def theme_centres(
    X: np.ndarray, y: np.ndarray, rows: np.ndarray, theme: np.ndarray | None, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The centre of the most liked theme and of the most disliked one (largest on ties),
    judged on `rows` only (the person's side of the pool, never the held-out rows)."""
    groups = theme[rows] if theme is not None else kmeans_groups(X[rows], GROUPS, seed=seed)
    ids, sizes = np.unique(groups, return_counts=True)
    big = ids[sizes >= max(2, MIN_SHARE * len(rows))]
    if len(big) == 0:
        big = ids
    share = np.array([y[rows][groups == g].mean() for g in big])
    size = np.array([np.sum(groups == g) for g in big])
    liked = big[np.lexsort((-size, -share))[0]]
    disliked = big[np.lexsort((-size, share))[0]]
    return (
        X[rows][groups == liked].mean(axis=0),
        X[rows][groups == disliked].mean(axis=0),
    )


def prompt_prior(
    X: np.ndarray,
    y: np.ndarray,
    test: np.ndarray,
    cosine: float,
    rng: np.random.Generator,
    *,
    theme: np.ndarray | None = None,
) -> np.ndarray:
    """The prior of one like prompt and one dislike prompt at `cosine` to their theme centres."""
    rows = np.setdiff1d(np.arange(len(y)), test)
    like, dislike = theme_centres(X, y, rows, theme)
    return text_prior(X, _toward(like, cosine, rng)[None], _toward(dislike, cosine, rng)[None])
