"""Reliability of a head's scores: does a score of 0.7 mean "liked 70 % of the time"?

The out-of-fold scores of the training images are grouped in equal-width bins of score; each
bin's share of liked images is a proportion measured on few images, so it comes with its Wilson
interval. With twenty labels a bin may hold two images: drawn bare, its share (0 %, 50 %,
100 %) makes a zig-zag that looks broken; drawn with its interval, it says "too few to tell".

Arrays in, small dataclasses out: the report draws them (`app/reports/plots.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from konomi.learn.uncertainty import wilson


@dataclass(frozen=True)
class Bin:
    """One score bin of the reliability curve."""

    lo: float  # the bin's edges
    hi: float
    mean_score: float  # mean out-of-fold score of its images
    share_liked: float  # share of them labelled "like"
    n: int  # images in the bin
    low: float  # 95 % Wilson interval of share_liked
    high: float


def reliability(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[Bin]:
    """The bins with at least one image, lowest score first."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        members = which == b
        n = int(members.sum())
        if not n:
            continue
        liked = int(round(float(y[members].sum())))
        low, high = wilson(liked, n)
        rows.append(
            Bin(
                float(edges[b]),
                float(edges[b + 1]),
                float(p[members].mean()),
                float(y[members].mean()),
                n,
                low,
                high,
            )
        )
    return rows


def bins_for(n: int) -> int:
    """How many bins a curve of `n` scores can carry: about eight images a bin, 3 to 10 bins."""
    return int(min(10, max(3, n // 8)))


def agreement(y: np.ndarray, p: np.ndarray) -> float:
    """Share of labels on the side of 0.5 the out-of-fold score puts them (NaN: no labels):
    "right about 9 times in 10"."""
    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=np.float64)
    if not len(y):
        return float("nan")
    return float(((p >= 0.5).astype(int) == y).mean())


def in_ten(share: float) -> int:
    """ "About k times in 10" for a share right: 10 only when every label is right, so a model
    that misses one in twenty reads "about 9 in 10", never "10 in 10"."""
    k = int(round(share * 10))
    return k if share >= 1.0 else min(k, 9)
