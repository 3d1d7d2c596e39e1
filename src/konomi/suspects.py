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

Library code only: `konomi suspects` (commands/insight.py) prints what `find` returns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import NoHeadError
from .head import DEFAULT_HEAD, train_head
from .images import Skipped
from .models import load_head
from .workspace import Workspace

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
    return (other >= np.maximum(bar, 0.5)) & (other > 0.5)


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


# -- in a workspace -------------------------------------------------------------------------------
@dataclass
class Found:
    """Suspects of a workspace, and where their scores came from."""

    suspects: list[Suspect]
    n_train: int
    n_flagged: int
    head_id: str | None  # the head whose out-of-fold scores were used (None: computed now)
    recomputed: bool  # True when the training folders changed since that head (or no head)
    skipped: list[Skipped]


def stored_training_set(ws: Workspace) -> tuple[str, list[str], np.ndarray, np.ndarray] | None:
    """(head id, paths, labels, out-of-fold scores) kept by the current head; None if none."""
    try:
        record = load_head(ws, None)
    except NoHeadError:
        return None
    extra = record.info.get("extra", {})
    if not {"train_paths", "train_labels", "train_oof"} <= set(extra):
        return None
    return (
        record.id,
        [str(p) for p in extra["train_paths"]],
        np.asarray(extra["train_labels"]).astype(int),
        np.asarray(extra["train_oof"], dtype=np.float64),
    )


def in_workspace(ctx, *, top: int | None = None) -> Found:  # noqa: ANN001 - workflow.Context
    """Suspects of the training folders as they are now.

    When the current head was trained on exactly the files and labels in `data/train/` now, its
    stored out-of-fold scores answer at once. Otherwise (files moved, added or relabelled since,
    or no head yet) the out-of-fold scores are computed again with the same code as `train`, on
    cached embeddings, without saving a head: the list must describe the labels as they are.
    """
    from .workflow import labelled_images

    ws: Workspace = ctx.ws
    skipped: list[Skipped] = []
    paths, labels = labelled_images(ws, skipped)
    current = {ws.rel(p): int(y) for p, y in zip(paths, labels)}
    stored = stored_training_set(ws)
    if stored is not None:
        head_id, s_paths, s_labels, s_oof = stored
        if _unchanged(ctx, dict(zip(s_paths, s_labels.tolist())), current):
            found = find(s_paths, s_labels, s_oof, top=top)
            return Found(found, len(s_paths), count_flagged(s_labels, s_oof), head_id, False, [])
    embedded = ctx.embed(paths)
    label_of = {p: int(y) for p, y in zip(paths, labels)}
    y = np.asarray([label_of[p] for p in embedded.paths], dtype=int)
    kind = _head_kind(ws, ctx.settings.head)
    trained = train_head(embedded.vectors, y, kind=kind)
    rel = [ws.rel(p) for p in embedded.paths]
    found = find(rel, y, trained.oof, top=top)
    return Found(
        found, len(rel), count_flagged(y, trained.oof), None, True, skipped + embedded.unreadable
    )


def _unchanged(ctx, stored: dict[str, int], current: dict[str, int]) -> bool:  # noqa: ANN001
    """True when data/train holds what the head was trained on (plus files known unreadable)."""
    if any(current.get(path) != label for path, label in stored.items()):
        return False
    extra = [path for path in current if path not in stored]
    if not extra:
        return True
    stamps = ctx.cache.file_stamps()
    digests = []
    for path in extra:
        known = stamps.get(str(ctx.ws.abs(path)))
        try:
            st = ctx.ws.abs(path).stat()
        except OSError:
            return False
        if known is None or (known.size, known.mtime_ns) != (st.st_size, st.st_mtime_ns):
            return False
        digests.append(known.digest)
    return len(ctx.cache.get_failures(digests)) == len(set(digests))


def _head_kind(ws: Workspace, setting: str) -> str:
    """The kind of head to cross-validate: the setting, else the current head's, else default."""
    if setting and setting != "auto":
        return setting
    try:
        return load_head(ws, None).head.kind
    except NoHeadError:
        return DEFAULT_HEAD
