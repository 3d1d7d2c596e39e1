"""Suspect labels: training images whose own label disagrees with the rest of the person's taste.

Every `train` scores each training image with a head that never saw it (k-fold, out-of-fold), so
a "like" that the rest of the likes and dislikes put at 0.05 is either a mislabelled file or an
exception the person should confirm ("still like this one?"). This is the idea of confident
learning (Northcutt et al., 2021; the `cleanlab` library), reduced to two classes:

- the *self-confidence* of an image is the out-of-fold probability of its own label; images are
  ranked by it, lowest first (`confidence` below is 1 − self-confidence: with calibrated scores,
  the estimated probability that the label is wrong);
- an image is *flagged* when the probability of the other label reaches that class's own
  threshold — the mean self-confidence of the images labelled with it — and is above one half.
  Per-class thresholds keep a class the head finds harder (lower scores overall) from filling
  the list on its own.

Arrays in, arrays out: `konomi.app.suspects` applies it to a workspace.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

LABEL_NAMES = ("dislike", "like")  # index = label value


@dataclass(frozen=True)
class Suspect:
    """One training image whose label the rest of the training set disagrees with."""

    path: str  # relative to the workspace root, forward slashes
    label: str  # the label its folder gives it: like / dislike
    score: float  # out-of-fold probability of "like" (the head had not seen this image)
    confidence: float  # estimated probability that the label is wrong: 1 − p(own label)
    flagged: bool  # confident learning says the label is likely wrong
    rank: int  # 1 = most suspect

    def as_dict(self) -> dict[str, str | float | bool | int]:
        return dict(self.__dict__)


def self_confidence(labels: np.ndarray, oof: np.ndarray) -> np.ndarray:
    """Out-of-fold probability of each image's own label (low = suspect)."""
    y = np.asarray(labels).astype(int)
    p = np.asarray(oof, dtype=np.float64)
    return np.where(y == 1, p, 1.0 - p)


def class_thresholds(labels: np.ndarray, oof: np.ndarray) -> tuple[float, float]:
    """(dislike, like): each class's mean self-confidence, confident learning's per-class bar."""
    y = np.asarray(labels).astype(int)
    conf = self_confidence(y, oof)
    bars = []
    for value in (0, 1):
        members = conf[y == value]
        bars.append(float(members.mean()) if len(members) else 1.0)
    return bars[0], bars[1]


def flags(labels: np.ndarray, oof: np.ndarray) -> np.ndarray:
    """True where the other label's probability reaches its class's bar (and exceeds 0.5)."""
    y = np.asarray(labels).astype(int)
    other = 1.0 - self_confidence(y, oof)  # probability of the other label
    bar = np.asarray(class_thresholds(y, oof))[1 - y]  # the *other* class's bar
    result: np.ndarray = (other >= np.maximum(bar, 0.5)) & (other > 0.5)
    return result


def count_flagged(labels: np.ndarray, oof: np.ndarray) -> int:
    """How many training images look mislabelled (what `train` prints)."""
    return int(flags(labels, oof).sum()) if len(labels) else 0


def rank(labels: np.ndarray, oof: np.ndarray) -> np.ndarray:
    """Indices, most suspect first: lowest self-confidence, ties in input order."""
    return np.argsort(self_confidence(labels, oof), kind="stable")


def find(
    paths: list[str], labels: np.ndarray, oof: np.ndarray, *, top: int | None = None
) -> list[Suspect]:
    """The `top` most suspect training images (all of them when `top` is None), ranked."""
    y = np.asarray(labels).astype(int)
    p = np.asarray(oof, dtype=np.float64)
    flagged = flags(y, p)
    conf = self_confidence(y, p)
    order = rank(y, p)[: top if top is not None else len(y)]
    return [
        Suspect(
            paths[i],
            LABEL_NAMES[y[i]],
            float(p[i]),
            float(1.0 - conf[i]),
            bool(flagged[i]),
            n + 1,
        )
        for n, i in enumerate(order)
    ]
