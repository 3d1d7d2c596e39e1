"""Explanations by example: an image's score, and the training images that pulled it there.

A number alone does not earn trust; "it looks like these three you liked, and less like these
you disliked" does. For any image, `explain` gives its score and its nearest liked and nearest
disliked training images by cosine similarity of their embeddings (the same embeddings the head
reads), so a person can see which of their own choices made the score — and spot the training
image that should not be there.

The training images are those the current head was trained on, as long as the file is still at
that path: an explanation never names a file that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from konomi.app.context import Context
from konomi.app.scoring import score_paths
from konomi.encode.images import Skipped
from konomi.errors import KonomiError
from konomi.i18n import t
from konomi.learn.thresholds import proposal
from konomi.store.heads import HeadRecord
from konomi.workspace import Workspace

DEFAULT_K = 3


@dataclass(frozen=True)
class Neighbour:
    """A training image close to the explained one."""

    path: str  # relative to the workspace root
    label: str  # like / dislike
    similarity: float  # cosine similarity of the embeddings, -1..1


@dataclass
class Explanation:
    """Why one image got its score."""

    path: str
    score: float
    proposal: str  # like / dislike / unsure by the thresholds in force
    head_id: str
    train_label: str | None  # when the image is itself a training image
    liked: list[Neighbour] = field(default_factory=list)
    disliked: list[Neighbour] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            **{k: v for k, v in self.__dict__.items() if k not in ("liked", "disliked")},
            "liked": [n.__dict__ for n in self.liked],
            "disliked": [n.__dict__ for n in self.disliked],
        }


def _unit(X: np.ndarray) -> np.ndarray:
    X = np.asarray(X, dtype=np.float32)
    result: np.ndarray = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
    return result


def nearest(
    Q: np.ndarray,
    X: np.ndarray,
    k: int,
    *,
    exclude: np.ndarray | None = None,
    block: int = 2048,
) -> tuple[np.ndarray, np.ndarray]:
    """The k rows of X most cosine-similar to each row of Q: (indices, similarities), (m, k).

    `exclude[i]` is a row of X that query i must not return (itself, when it is a training
    image), or -1. Fewer than k rows in X: the missing places hold index -1 and similarity nan.
    """
    Qu, Xu = _unit(Q), _unit(X)
    m, n = len(Qu), len(Xu)
    idx = np.full((m, k), -1, dtype=int)
    sims = np.full((m, k), np.nan)
    take = min(k, n)
    if take == 0 or m == 0:
        return idx, sims
    for start in range(0, m, block):
        S = Qu[start : start + block] @ Xu.T
        if exclude is not None:
            rows = np.arange(len(S))
            ex = exclude[start : start + block]
            S[rows[ex >= 0], ex[ex >= 0]] = -np.inf
        part = np.argpartition(-S, take - 1, axis=1)[:, :take]
        part_sims = np.take_along_axis(S, part, axis=1)
        order = np.argsort(-part_sims, axis=1, kind="stable")
        idx[start : start + block, :take] = np.take_along_axis(part, order, axis=1)
        sims[start : start + block, :take] = np.take_along_axis(part_sims, order, axis=1)
    invalid = ~np.isfinite(sims)
    idx[invalid] = -1
    sims[invalid] = np.nan
    return idx, sims


@dataclass
class TrainingSet:
    """The current head's training images that still exist, with their embeddings."""

    paths: list[str]
    labels: np.ndarray  # 1 like, 0 dislike
    vectors: np.ndarray

    def neighbours(
        self, Q: np.ndarray, k: int = DEFAULT_K, *, query_paths: list[str] | None = None
    ) -> list[tuple[list[Neighbour], list[Neighbour]]]:
        """(nearest liked, nearest disliked) for each query row; a query never finds itself."""
        position = {p: i for i, p in enumerate(self.paths)}
        out: list[tuple[list[Neighbour], list[Neighbour]]] = [([], []) for _ in range(len(Q))]
        for value, slot in ((1, 0), (0, 1)):
            rows = np.flatnonzero(self.labels == value)
            local = {int(r): j for j, r in enumerate(rows)}
            exclude = None
            if query_paths is not None:
                exclude = np.asarray(
                    [local.get(position.get(p, -1), -1) for p in query_paths], dtype=int
                )
            idx, sims = nearest(Q, self.vectors[rows], k, exclude=exclude)
            name = "like" if value == 1 else "dislike"
            for q in range(len(Q)):
                out[q][slot].extend(
                    Neighbour(self.paths[rows[j]], name, float(s))
                    for j, s in zip(idx[q], sims[q])
                    if j >= 0
                )
        return out


def training_set(ctx: Context, record: HeadRecord) -> TrainingSet:
    """The head's training images still at their path, embedded (from the cache)."""
    ws: Workspace = ctx.ws
    extra = record.info.get("extra", {})
    if "train_paths" not in extra:
        raise KonomiError(
            t("errors.app.no_train_list", head=record.id), t("errors.app.retrain_hint")
        )
    labels_of = {str(p): int(y) for p, y in zip(extra["train_paths"], extra["train_labels"])}
    present = [ws.abs(p) for p in labels_of if ws.abs(p).is_file()]
    embedded = ctx.embed(present)
    rel = [ws.rel(p) for p in embedded.paths]
    return TrainingSet(rel, np.asarray([labels_of[p] for p in rel], dtype=int), embedded.vectors)


@dataclass
class ExplainOutcome:
    explanations: list[Explanation]
    skipped: list[Skipped]


def explain(ctx: Context, paths: list[Path], k: int = DEFAULT_K) -> ExplainOutcome:
    """Score each image with the current head and name its nearest liked and disliked images."""
    ws: Workspace = ctx.ws
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise KonomiError(
            t("errors.app.no_such_image", path=missing[0]), t("errors.app.no_such_image_hint")
        )
    scored = score_paths(ctx, paths)
    record = scored.record
    dislike, like = ctx.thresholds(record)
    train = training_set(ctx, record)
    rel = [ws.rel(p) for p in scored.embedded.paths]
    near = train.neighbours(scored.embedded.vectors, k, query_paths=rel)
    train_label = dict(zip(train.paths, train.labels.tolist()))
    explanations = []
    for path, s, (liked, disliked) in zip(rel, scored.scores, near):
        own = train_label.get(path)
        explanations.append(
            Explanation(
                path,
                float(s),
                proposal(float(s), dislike, like),
                record.id,
                None if own is None else ("like" if own == 1 else "dislike"),
                liked,
                disliked,
            )
        )
    return ExplainOutcome(explanations, scored.embedded.unreadable)
