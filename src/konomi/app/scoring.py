"""Scoring images with the current head, reusing the scores the cache holds."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import overload

import numpy as np

from konomi.app.context import Context
from konomi.app.reports.scores_csv import CullingArrays, Row, culling_texts, quoted
from konomi.encode.ingest import Embedded
from konomi.encode.listing import Listing, texts_of
from konomi.errors import KonomiError, NoHeadError
from konomi.i18n import t
from konomi.learn.active import informativeness
from konomi.store.cache import EmbeddingCache
from konomi.store.heads import HeadRecord, load_head


@dataclass
class Scored:
    """Images scored by the current head."""

    record: HeadRecord
    embedded: Embedded
    scores: np.ndarray
    info: np.ndarray


FEW_VECTORS = 5000  # up to this many vectors are looked up one by one, beyond it read in a pass


def score_paths(ctx: Context, paths: Sequence[Path], *, vectors: bool = True) -> Scored:
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
    embedded = ctx.embed(paths, vectors=vectors)
    n = len(embedded.digests)
    if vectors:
        known = known_info = np.full(n, np.nan)
    else:
        known, known_info = ctx.cache.scores_at(record.id, ctx.model.model_id, embedded.slots)
    missing = np.flatnonzero(np.isnan(known))
    scores = known.copy()
    if len(missing) > FEW_VECTORS and not vectors:  # many (a retrain): one pass, a page at a time
        scores[missing] = _predict_pass(ctx, record, embedded, missing)
        left = missing[np.isnan(scores[missing])]  # damaged vectors: embedded again below
        if len(left):
            again = ctx.embed([embedded.paths[i] for i in left])
            redone = dict(
                zip(again.digests, _predict(ctx, record, _checked(record, again.vectors)))
            )
            scores[left] = [redone.get(embedded.digests[i], np.nan) for i in left]
            if np.isnan(scores).any():  # a file that changed or vanished meanwhile: read again
                return score_paths(ctx, paths, vectors=True)
        missing = np.zeros(0, np.int64)
    lookup = VectorLookup(ctx, embedded)
    if len(missing):
        scores[missing] = _predict(ctx, record, _checked(record, lookup(missing)))
    n_labeled = sum(record.info.get("counts", {}).values()) or None
    info = informativeness(
        scores, lookup, n_labeled=n_labeled, waiting=waiting_mask(ctx, embedded.paths)
    )
    changed = np.flatnonzero(np.isnan(known) | (known_info != info))  # NaN: not stored yet
    if len(changed):
        _keep_scores(ctx, record, embedded, changed, scores, info)
    return Scored(record, embedded, scores, info)


def _keep_scores(
    ctx: Context,
    record: HeadRecord,
    embedded: Embedded,
    changed: np.ndarray,
    scores: np.ndarray,
    info: np.ndarray,
) -> None:
    """Keep the scores of rows `changed` in the cache, by their vectors' slots (those encoded
    in this run are written by now: their slots are asked of the cache)."""
    slots = slots_of_rows(ctx, embedded, changed)
    ctx.cache.put_scores_at(record.id, ctx.model.model_id, slots, scores[changed], info[changed])


def slots_of_rows(ctx: Context, embedded: Embedded, rows: np.ndarray) -> np.ndarray:
    """The vector-file slot of each of `rows` of `embedded`: as the embed found them, and for
    images encoded in that run (no slot known then, written since) asked of the cache."""
    slots: np.ndarray
    if len(embedded.slots) == len(embedded.digests):
        slots = embedded.slots[rows]
    else:
        slots = np.full(len(rows), -1, np.int64)
    unknown = np.flatnonzero(slots < 0)
    if len(unknown):
        asked = [embedded.digests[i] for i in np.asarray(rows)[unknown].tolist()]
        slots[unknown] = ctx.cache.slots_of(asked, ctx.model.model_id)
    return slots


def waiting_mask(ctx: Context, paths: Sequence[Path]) -> np.ndarray:
    """Which images wait for a label: all but those in data/train/{like,dislike}/. Asked by
    the text of each path (a million library images: no path arithmetic per image)."""
    train = os.path.join(os.fspath(ctx.ws.data), "train") + os.sep
    waiting = np.ones(len(paths), bool)
    if isinstance(paths, Listing):  # folder by folder: no text made per library image
        under = paths.rows_under(train).tolist()
    else:
        under = [i for i, text in enumerate(texts_of(paths)) if text.startswith(train)]
    for i in under:
        waiting[i] = ctx.ws.label_of(paths[i]) is None
    return waiting


def _checked(record: HeadRecord, X: np.ndarray) -> np.ndarray:
    """X, when its vectors have the size the head was trained on."""
    dim = record.info.get("dim")
    if dim and X.shape[1] != dim:
        raise KonomiError(
            t("errors.app.head_dim", expected=dim, got=X.shape[1]), t("errors.app.retrain_hint")
        )
    return X


def _predict_pass(
    ctx: Context, record: HeadRecord, embedded: Embedded, rows: np.ndarray
) -> np.ndarray:
    """The head's scores for `rows` of `embedded`, their vectors read from the vector file by
    the slots the embed found, in file order a block at a time: a million vectors are 2 GB,
    never held at once. NaN where a vector is missing or unsound (the caller embeds those
    again)."""
    model = ctx.model.model_id
    slots = slots_of_rows(ctx, embedded, rows)
    out = np.full(len(rows), np.nan)
    done = 0
    for positions, X in ctx.cache.vector_blocks(model, slots):
        if not len(positions):
            continue
        out[positions] = _predict(ctx, record, _checked(record, X), report=False)
        done += len(positions)
        if ctx.progress:
            ctx.progress(t("progress.scoring"), done, len(rows))
    return out


def score_every_vector(ctx: Context, record: HeadRecord) -> int:
    """A new head's score of every vector the cache holds, in one pass over the vector file a
    block at a time, kept by slot: the `score`, `classify` and review page that follow find
    them ready (a million vectors: a couple of seconds once, here, with the head in hand).
    Damaged rows are left unscored (scored, or embedded again, when asked). Returns how many
    were scored."""
    model = ctx.model.model_id
    found = ctx.cache.vector_file(model)
    if found is None or not found[1]:
        return 0
    total = found[1]
    scores = np.full(total, np.nan)
    done = 0
    for slots, X in ctx.cache.vector_blocks(model):
        sound = np.isfinite(X).all(axis=1)
        if sound.any():
            scores[slots[sound]] = _predict(ctx, record, _checked(record, X[sound]), report=False)
        done += len(slots)
        if ctx.progress:
            ctx.progress(t("progress.scoring"), done, total)
    ctx.cache.put_scores_at(record.id, model, np.arange(total), scores, np.full(total, np.nan))
    return int(np.isfinite(scores).sum())


PREDICT_CHUNK = 8192  # rows scored between two progress updates


def _predict(ctx: Context, record: HeadRecord, X: np.ndarray, *, report: bool = True) -> np.ndarray:
    """The head's scores for X, chunk by chunk with a progress bar: a kernel head with
    thousands of labels takes seconds on 100,000 new images (after each retrain)."""
    scores = np.empty(len(X))
    for start in range(0, len(X), PREDICT_CHUNK):
        stop = min(start + PREDICT_CHUNK, len(X))
        scores[start:stop] = record.head.predict(X[start:stop])
        if ctx.progress and report:
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
        cache, model = self.ctx.cache, self.ctx.model.model_id
        size = cache.vector_bytes(model)
        if size and len(wanted) > FEW_VECTORS and 4 * len(wanted) >= cache.count_files():
            return _vectors_pass(cache, model, wanted, size)
        found = cache.get_embeddings(wanted, model)
        return np.stack([found[d] for d in wanted]).astype(np.float32, copy=False)


def _vectors_pass(cache: EmbeddingCache, model: str, wanted: list[str], size: int) -> np.ndarray:
    """The vectors of `wanted` (a good part of the cache: culling a whole library), read in
    one pass over the vector file in its order, a block at a time, straight into one array
    (a NumPy array per vector would cost twice the memory)."""
    slots = cache.slots_of(wanted, model)
    out, sound = cache.vectors_at(model, slots)
    if not sound.all():  # a damaged row: a KeyError, as by lookup
        raise KeyError(wanted[int(np.flatnonzero(~sound)[0])])
    return out


PROPOSALS = ("dislike", "unsure", "like")


class ScoreRows(Sequence[Row]):
    """The score report's rows in its order (score descending, then path), kept as columns.

    A million `Row` objects cost seconds and hundreds of MB; here a row is made only when one
    is asked for, and the CSV is written from the columns a piece at a time (`lines`)."""

    def __init__(
        self,
        names: list[str],
        scores: np.ndarray,
        thresholds: tuple[float, float],
        folders: list[str],
        train_labels: list[str],
        info: np.ndarray,
        head: str,
        culling: CullingArrays | None = None,
    ) -> None:
        dislike, like = thresholds
        self.culling = culling
        self.names, self.folders, self.train_labels = names, folders, train_labels
        self.scores = np.asarray(scores, dtype=np.float64)
        self.info = np.asarray(info, dtype=np.float64)
        self.head = head
        s = self.scores
        self.proposals = np.where(s >= like, 2, np.where(s <= dislike, 0, 1)).astype(np.int8)
        self.order = _report_order(s, names)

    def __len__(self) -> int:
        return len(self.order)

    @overload
    def __getitem__(self, k: int) -> Row: ...
    @overload
    def __getitem__(self, k: slice) -> list[Row]: ...
    def __getitem__(self, k: int | slice) -> Row | list[Row]:
        if isinstance(k, slice):
            return [self[j] for j in range(*k.indices(len(self)))]
        i = int(self.order[k])
        return Row(
            self.names[i],
            float(self.scores[i]),
            PROPOSALS[self.proposals[i]],
            self.folders[i],
            self.train_labels[i],
            float(self.info[i]),
            self.head,
            *(self.culling[i] if self.culling is not None else ()),
        )

    def __iter__(self) -> Iterator[Row]:
        return (self[k] for k in range(len(self)))

    def counts(self) -> dict[str, int]:
        """How many rows each proposal has (like, unsure, dislike)."""
        n = np.bincount(self.proposals, minlength=3)
        return {name: int(n[code]) for code, name in enumerate(PROPOSALS)}

    def pieces(self, piece: int = 65536) -> Iterator[list[list[str]]]:
        """The CSV's rows in order, a piece at a time, column by column, formatted and quoted
        (`scores_csv.write_pieces`)."""
        names, folders, train = self.names, self.folders, self.train_labels
        head = quoted([self.head])[0]
        for start in range(0, len(self.order), piece):
            rows = self.order[start : start + piece]
            index = rows.tolist()
            n = len(index)
            culling = (
                culling_texts(self.culling, rows) if self.culling is not None else [[""] * n] * 4
            )
            yield [
                quoted([names[i] for i in index]),
                [f"{x:.6f}" for x in self.scores[rows].tolist()],
                [PROPOSALS[p] for p in self.proposals[rows].tolist()],
                quoted([folders[i] for i in index]),
                [train[i] for i in index],
                [f"{x:.6f}" for x in self.info[rows].tolist()],
                [head] * n,
                *culling,
            ]


def _report_order(scores: np.ndarray, names: list[str]) -> np.ndarray:
    """Indices by score, highest first, equal scores by name (the CSV's order since its
    start), without a Python sort over every row: only runs of equal scores are sorted."""
    order = np.argsort(-scores, kind="stable")
    ranked = scores[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    ends = np.r_[starts[1:], len(ranked)]
    tied = np.flatnonzero(ends - starts > 1)
    for a, b in zip(starts[tied].tolist(), ends[tied].tolist()):
        order[a:b] = sorted(order[a:b].tolist(), key=names.__getitem__)
    return order
