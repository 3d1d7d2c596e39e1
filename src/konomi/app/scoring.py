"""Scoring images with the current head, reusing the scores the cache holds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from konomi.app.context import Context
from konomi.encode.ingest import Embedded
from konomi.errors import KonomiError, NoHeadError
from konomi.i18n import t
from konomi.learn.active import informativeness
from konomi.store.heads import HeadRecord, load_head


@dataclass
class Scored:
    """Images scored by the current head."""

    record: HeadRecord
    embedded: Embedded
    scores: np.ndarray
    info: np.ndarray


FEW_VECTORS = 5000  # up to this many vectors are looked up one by one, beyond it read in a pass


def score_paths(ctx: Context, paths: list[Path], *, vectors: bool = True) -> Scored:
    """Score `paths` with the current head and compute their informativeness (the review order).

    With `vectors=False` (score, classify, the review queue: they need scores, not embeddings)
    a score the cache already holds for this head is reused, so a warm re-run on 100,000 images
    neither reads their vectors nor runs the head; only new images and the few hundred
    candidates of the diverse review order are looked up, and `Scored.embedded.vectors` may
    have no columns: callers that need embeddings (explain, the HTML report) pass True.
    """
    try:
        record = load_head(ctx.ws, ctx.model.model_id)
    except NoHeadError:
        ctx.encoder  # noqa: B018 - a model that does not load is the first thing to fix (exit 3)
        raise
    known = {} if vectors else ctx.cache.get_scores(record.id)
    vectors = vectors or not known  # a head that scored nothing yet: read every vector at once
    embedded = ctx.embed(paths, vectors=vectors)
    missing = [i for i, d in enumerate(embedded.digests) if d not in known]
    if not vectors and len(missing) > FEW_VECTORS:  # many new images: read every vector in a pass
        embedded, known, missing = ctx.embed(paths), {}, list(range(len(embedded.digests)))
    lookup = VectorLookup(ctx, embedded)
    scores = np.array([known[d][0] if d in known else np.nan for d in embedded.digests])
    if missing:
        rows = np.asarray(missing, dtype=np.int64)
        X = lookup(rows)
        dim = record.info.get("dim")
        if dim and X.shape[1] != dim:
            raise KonomiError(
                t("errors.app.head_dim", expected=dim, got=X.shape[1]),
                t("errors.app.retrain_hint"),
            )
        scores[rows] = _predict(ctx, record, X)
    n_labeled = sum(record.info.get("counts", {}).values()) or None
    waiting = np.array([ctx.ws.label_of(p) is None for p in embedded.paths], dtype=bool)
    info = informativeness(scores, lookup, n_labeled=n_labeled, waiting=waiting)
    changed = [
        (d, s, i)
        for d, s, i in zip(embedded.digests, scores, info)
        if d not in known or known[d][1] != i
    ]
    ctx.cache.put_scores(changed, record.id)
    return Scored(record, embedded, scores, info)


PREDICT_CHUNK = 8192  # rows scored between two progress updates


def _predict(ctx: Context, record: HeadRecord, X: np.ndarray) -> np.ndarray:
    """The head's scores for X, chunk by chunk with a progress bar: a kernel head with
    thousands of labels takes seconds on 100,000 new images (after each retrain)."""
    scores = np.empty(len(X))
    for start in range(0, len(X), PREDICT_CHUNK):
        stop = min(start + PREDICT_CHUNK, len(X))
        scores[start:stop] = record.head.predict(X[start:stop])
        if ctx.progress:
            ctx.progress(t("progress.scoring"), stop, len(X))
    return scores


class VectorLookup:
    """The embeddings of some rows of `embedded`: from its block when it was read, else from
    the cache by digest (the few rows that need them)."""

    def __init__(self, ctx: Context, embedded: Embedded) -> None:
        self.ctx, self.embedded = ctx, embedded

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        e = self.embedded
        if e.vectors.shape[1] or not len(rows):
            return np.asarray(e.vectors[rows], dtype=np.float32)
        wanted = [e.digests[int(i)] for i in rows]
        found = self.ctx.cache.get_embeddings(wanted, self.ctx.model.model_id)
        return np.stack([found[d] for d in wanted]).astype(np.float32, copy=False)
