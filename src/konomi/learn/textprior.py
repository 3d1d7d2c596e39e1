"""Taste in words as a prior: phrases a person likes or dislikes give every image a score
before any label exists, and that score fades out as labels accumulate.

Arrays only: the text vectors come from the model's text tower (`encode.text`), unit length, in
the image embeddings' space. coldsim's `learn/prior.py` measures the same idea in the simulator.
"""

from __future__ import annotations

import numpy as np

PRIOR_LABELS = 30  # labels at which the head and the words weigh the same
SHARPNESS = 2.0  # how far one standard deviation of (like − dislike) similarity moves the prior


def unit_mean(T: np.ndarray) -> np.ndarray:
    """The normalised mean of unit vectors: one direction for several phrases."""
    v = np.asarray(T, np.float64).mean(axis=0)
    return (v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float32)


def prior_scores(X: np.ndarray, like: np.ndarray | None, dislike: np.ndarray | None) -> np.ndarray:
    """A score in (0, 1) per image row of X: above 0.5 where the image is nearer to a liked
    phrase than to a disliked one, compared with the rest of the pool.

    Raw CLIP similarities are small and model-dependent (0.2–0.35 for a match), so the
    difference of the best like and best dislike similarity is standardised over the pool
    before a logistic squashes it; only its order and spread matter.
    """
    X = np.asarray(X, np.float32)
    s = np.zeros(len(X), np.float64)
    if like is not None and len(like):
        s += (X @ np.asarray(like, np.float32).T).max(axis=1)
    if dislike is not None and len(dislike):
        s -= (X @ np.asarray(dislike, np.float32).T).max(axis=1)
    if len(s) == 0:
        return s
    z = (s - s.mean()) / (s.std() or 1.0)
    return 1.0 / (1.0 + np.exp(-SHARPNESS * z))


def prior_weight(n_labels: int, half: int = PRIOR_LABELS) -> float:
    """The weight of the words against the head: 1 with no label, ½ at `half`, → 0 with many."""
    return half / (half + max(0, n_labels))


def blend(prior: np.ndarray, head: np.ndarray | None, n_labels: int) -> np.ndarray:
    """The words' prior and the head's scores mixed by `prior_weight` (the prior alone when
    there is no head yet)."""
    prior = np.asarray(prior, np.float64)
    if head is None:
        return prior
    w = prior_weight(n_labels)
    return w * prior + (1.0 - w) * np.asarray(head, np.float64)


def telling_order(prior: np.ndarray) -> np.ndarray:
    """Rows alternating between the most liked-looking and the most disliked-looking: the first
    judgements then give the head both sides at once."""
    by_like = np.argsort(-np.asarray(prior), kind="stable")
    n = len(by_like)
    out = np.empty(n, dtype=np.int64)
    out[0::2] = by_like[: (n + 1) // 2]
    out[1::2] = by_like[::-1][: n // 2]
    return out
