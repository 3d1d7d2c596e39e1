"""Taste in words: a prior from text embeddings that the labels take over.

A person can say what they like ("quiet streets at dusk") and what they do not ("screenshots").
With a joint image–text model, those prompts are vectors in the image embedding space, and the
cosine of an image to them is a rough first guess of the taste: rough, because a few words never
say everything and CLIP's text–image cosines are small and noisy. So the guess only orders the
first picks and scores images while there are few labels; its weight fades as labels grow
(`blend`), and after a few dozen judgements the head speaks for itself.

Arrays in, arrays out: the app passes real text embeddings, the simulator synthetic ones.
"""

from __future__ import annotations

import numpy as np

STRENGTH = 20.0  # the prior counts as this many labels; at 20 labels it has half the say


def _unit(v: np.ndarray) -> np.ndarray:
    v = np.atleast_2d(np.asarray(v, np.float64))
    result: np.ndarray = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    return result


def text_prior(
    X: np.ndarray, like_vecs: np.ndarray | None, dislike_vecs: np.ndarray | None = None
) -> np.ndarray:
    """A 0–1 score per row of X: how much nearer it is to the liked prompts than to the disliked.

    The raw score is the best cosine to a liked prompt minus the best cosine to a disliked one
    (either side may be missing); it is standardised over X (median 0, unit spread), so that the
    small cosines of real text–image pairs still spread the scores, and squashed to 0–1. Nothing
    is said (no prompt at all): 0.5 everywhere."""
    X = _unit(X)
    raw = np.zeros(len(X))
    said = False
    for vecs, sign in ((like_vecs, 1.0), (dislike_vecs, -1.0)):
        if vecs is None or np.size(vecs) == 0:
            continue
        raw += sign * (X @ _unit(vecs).T).max(axis=1)
        said = True
    if not said or len(X) == 0:
        return np.full(len(X), 0.5)
    spread = float(np.std(raw))
    z = (raw - float(np.median(raw))) / (spread if spread > 1e-12 else 1.0)
    return 1.0 / (1.0 + np.exp(-z))


def prior_weight(n_labels: int, strength: float = STRENGTH, agreement: float = 1.0) -> float:
    """The prior's share of the say with `n_labels` labels: 1 with none, 1/2 at `strength`,
    falling as strength / (strength + n) — the prior is worth `strength` labels — and scaled
    by `agreement` (0–1: how well the prior has ranked the labels so far, see `agreement`)."""
    if strength <= 0:
        return 0.0
    return float(strength / (strength + max(0, n_labels))) * float(np.clip(agreement, 0.0, 1.0))


def agreement(prior: np.ndarray, labels: np.ndarray) -> float:
    """How far the prior agrees with the person's judgements so far: 2 · AUC − 1 of the prior
    on the labelled images, 0 when it ranks them no better than a coin (or worse), 1 when it
    ranks every like above every dislike; 1 while there is not one of each to judge by."""
    labels = np.asarray(labels).astype(int)
    prior = np.asarray(prior, np.float64)
    n_pos = int(labels.sum())
    n_neg = len(labels) - n_pos
    if n_pos == 0 or n_neg == 0:
        return 1.0
    _, where, counts = np.unique(prior, return_inverse=True, return_counts=True)
    ranks = (np.cumsum(counts) - (counts - 1) / 2.0)[where]
    auc = (ranks[labels == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
    return float(max(0.0, 2.0 * auc - 1.0))


def blend(
    prior: np.ndarray,
    head_scores: np.ndarray | None,
    n_labels: int,
    strength: float = STRENGTH,
    agreement: float = 1.0,
) -> np.ndarray:
    """The scores to rank by: the prior alone before a head exists (`head_scores` None), then a
    mix of the two in log-odds, w · prior + (1 − w) · head with w = `prior_weight(n_labels,
    strength, agreement)`: words the judgements keep confirming keep some say a while; words
    they contradict lose it.

    The prior's log-odds are first brought to the head's spread (same mean and standard
    deviation over the images scored): a young head's probabilities huddle near the base rate,
    and a prior on its own wider scale would outvote it whatever w says."""
    prior = np.asarray(prior, np.float64)
    if head_scores is None:
        kept: np.ndarray = prior.copy()
        return kept
    w = prior_weight(n_labels, strength, agreement)
    head = np.asarray(head_scores, np.float64)
    if w <= 0.0:
        alone: np.ndarray = head.copy()
        return alone
    lh, lp = _logit(head), _logit(prior)
    spread = float(lp.std())
    lp = (lp - lp.mean()) / (spread if spread > 1e-12 else 1.0) * float(lh.std()) + lh.mean()
    result: np.ndarray = 1.0 / (1.0 + np.exp(-(w * lp + (1.0 - w) * lh)))
    return result


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1.0 - p))


def unit_mean(T: np.ndarray) -> np.ndarray:
    """The normalised mean of unit vectors: one direction for several phrases."""
    v = np.asarray(T, np.float64).mean(axis=0)
    result: np.ndarray = (v / max(float(np.linalg.norm(v)), 1e-12)).astype(np.float32)
    return result


def telling_order(prior: np.ndarray) -> np.ndarray:
    """Rows alternating between the most liked-looking and the most disliked-looking: the first
    judgements then give the head both sides at once."""
    by_like = np.argsort(-np.asarray(prior), kind="stable")
    n = len(by_like)
    out = np.empty(n, dtype=np.int64)
    out[0::2] = by_like[: (n + 1) // 2]
    out[1::2] = by_like[::-1][: n // 2]
    return out
