"""The loop's steps — embed, train, classify, score, undo — as functions that return results.

The CLI calls these and prints what they return; nothing here prints or exits. Every step that
moves files holds the workspace lock and repairs the journal first.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from konomi.app.context import Context, moving, planning, repair_if_idle
from konomi.app.cull import burst_columns
from konomi.app.folders import all_images, ignore_rules, labelled_images
from konomi.app.library import (
    LibraryLabels,
    add_library_labels,
    key,
    library_images,
    library_labels,
    library_roots,
)
from konomi.app.reports.scores_csv import write_pieces
from konomi.app.scoring import Scored, ScoreRows, score_every_vector, score_paths
from konomi.encode.images import Skipped, find_images
from konomi.encode.ingest import Embedded
from konomi.encode.listing import not_among, texts_of
from konomi.encode.pairs import companions_for
from konomi.errors import KonomiError, NoHeadError
from konomi.i18n import t
from konomi.learn.head import Metrics, advice, check_labels, train_head
from konomi.learn.suspects import count_flagged
from konomi.learn.thresholds import Thresholds, proposal, settle
from konomi.learn.uncertainty import Interval, measurable, needs_interval, score_interval
from konomi.store.edits import EditReport
from konomi.store.heads import HeadRecord, load_head, save_head
from konomi.store.journal import MoveReport, PlannedMove, RepairReport, prune_empty_parents
from konomi.workspace import (
    LABELS,
)


# -- steps --------------------------------------------------------------------------------------
@dataclass
class EmbedOutcome:
    embedded: Embedded
    skipped: list[Skipped]


def embed(ctx: Context) -> EmbedOutcome:
    """Embed every image of the workspace and its libraries into the cache (no moves)."""
    skipped: list[Skipped] = []
    paths = all_images(ctx.ws, skipped) + library_images(ctx, skipped)
    embedded = ctx.embed(paths, vectors=False)  # only the cache is wanted: no 200 MB read
    return EmbedOutcome(embedded, skipped + embedded.unreadable)


def embed_labelled(ctx: Context) -> tuple[Embedded, np.ndarray, list[Skipped]]:
    """Embed data/train/{like,dislike} and the labelled library images: the embeddings, their
    labels (1 = like) in the same order, and the files that could not be read."""
    embedded, y, skipped, _ = embed_all_labelled(ctx)
    return embedded, y, skipped


def embed_all_labelled(
    ctx: Context,
) -> tuple[Embedded, np.ndarray, list[Skipped], LibraryLabels]:
    """`embed_labelled`, with the library labels and where each came from (review, rating)."""
    ws = ctx.ws
    roots = library_roots(ctx)
    missing = [ws.rel(ws.train_dir(lb)) for lb in LABELS if not ws.train_dir(lb).is_dir()]
    if missing and not roots:
        raise KonomiError(
            t("errors.app.train_missing", folders=", ".join(missing)),
            t("errors.app.train_missing_hint", root=ws.root),
        )
    skipped: list[Skipped] = []
    paths, labels = labelled_images(ws, skipped)
    paths, labels, library = add_library_labels(ctx, paths, labels, skipped)
    if roots and not len(labels):
        raise KonomiError(t("library.no_labels"), t("library.no_labels_hint"))
    embedded = ctx.embed(paths)
    label_of = dict(zip(paths, labels))
    y = np.asarray([label_of[p] for p in embedded.paths], dtype=int)
    return embedded, y, skipped + embedded.unreadable, library


@dataclass
class PoolOutcome:
    path: Path
    n_like: int
    n_dislike: int
    skipped: list[Skipped]


def export_pool(ctx: Context, path: Path) -> PoolOutcome:
    """Write the person's labelled images as a simulation pool: `X` (their embeddings), `y`
    (1 = like) and `paths` (relative to the root), the format `konomi simulate` reads — so the
    loop can be replayed on one's own taste instead of a synthetic one."""
    embedded, y, skipped = embed_labelled(ctx)
    if not len(y):
        raise KonomiError(
            t(
                "errors.app.nothing_to_simulate",
                like=ctx.ws.rel(ctx.ws.train_dir("like")),
                dislike=ctx.ws.rel(ctx.ws.train_dir("dislike")),
            ),
            t("errors.app.nothing_to_simulate_hint"),
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    rel = np.asarray([ctx.ws.rel(p) for p in embedded.paths], dtype=str)
    np.savez(path, X=embedded.vectors.astype(np.float32), y=y.astype(np.int8), paths=rel)
    return PoolOutcome(path, int(y.sum()), int(len(y) - y.sum()), skipped)


@dataclass
class TrainOutcome:
    head_id: str
    metrics: Metrics
    advice: list[str]
    thresholds: tuple[float, float]
    skipped: list[Skipped]
    embedded: Embedded
    expected: Thresholds | None = None  # precision and unsure share the thresholds give (OOF)
    n_suspects: int = 0  # training images whose label looks wrong (konomi suspects)
    library: LibraryLabels | None = None  # labels of library images (reviews, XMP ratings)
    interval: Interval | None = None  # 95 % intervals of the figures, with few labels
    reused: bool = False  # the labels and settings had not changed: the current head was kept


def _trained_with(
    ctx: Context, folds: int, seed: int, target_precision: float | None
) -> dict[str, object]:
    """What a head depends on besides its labels: the encoder and the settings of training."""
    s = ctx.settings
    return {
        "model_id": ctx.model.model_id,
        "head": s.head,
        "folds": folds,
        "seed": seed,
        "target_precision": target_precision,
        "settings_target_precision": s.target_precision,
        "like_threshold": s.like_threshold if "like_threshold" in s.explicit else None,
        "dislike_threshold": s.dislike_threshold if "dislike_threshold" in s.explicit else None,
    }


def _interval(y: np.ndarray, oof: np.ndarray) -> Interval | None:
    n_like, n_dislike = int(y.sum()), int(len(y) - y.sum())
    if measurable(n_like, n_dislike) and needs_interval(n_like, n_dislike):
        return score_interval(y, oof)
    return None


def _unchanged(
    ctx: Context, embedded: Embedded, y: np.ndarray, trained_with: dict[str, object]
) -> HeadRecord | None:
    """The current head, when it was trained on exactly these labelled images (same files, same
    labels, same content) with the same encoder and settings; else None."""
    try:
        record = load_head(ctx.ws, ctx.model.model_id)
    except NoHeadError:
        return None
    extra = record.info.get("extra", {})
    if record.info.get("trained_with") != trained_with or "train_oof" not in extra:
        return None
    paths = [ctx.ws.rel(p) for p in embedded.paths]
    same = (
        list(map(str, extra.get("train_paths", []))) == paths
        and np.array_equal(np.asarray(extra.get("train_labels", [])), y)
        and record.info.get("train_digest") == _digest(embedded.digests)
    )
    return record if same else None


def _digest(digests: list[str]) -> str:
    """One fingerprint of the labelled images' contents, in order."""
    return hashlib.blake2b("\n".join(digests).encode(), digest_size=16).hexdigest()


def train(
    ctx: Context,
    *,
    folds: int = 5,
    seed: int = 0,
    target_precision: float | None = None,
    reuse: bool = False,
) -> TrainOutcome:
    """Train a head on data/train/{like,dislike} and make it current.

    With `target_precision` (or `target_precision` in konomi.toml) the head's thresholds are
    chosen from the out-of-fold scores so that proposals reach that precision. With `reuse`
    (what `round` asks), the current head is kept when nothing it was trained on has changed:
    the same images, labels, encoder and settings would only give the same head again.
    """
    ws = ctx.ws
    embedded, y, skipped, library = embed_all_labelled(ctx)
    trained_with = _trained_with(ctx, folds, seed, target_precision)
    if reuse and (record := _unchanged(ctx, embedded, y, trained_with)) is not None:
        info = record.info
        metrics = Metrics(**info["metrics"])
        oof = np.asarray(info["extra"]["train_oof"], dtype=np.float64)
        return TrainOutcome(
            record.id,
            metrics,
            advice(metrics),
            ctx.thresholds(record),
            skipped,
            embedded,
            None,
            int(info.get("suspects") or 0),
            library=library if library.labels else None,
            interval=_interval(y, oof),
            reused=True,
        )
    kind = ctx.settings.head if ctx.settings.head != "auto" else None
    if ctx.progress:  # seconds at thousands of labels: say what the wait is
        ctx.progress(t("progress.training", n=len(y)), 0, None)
    trained = train_head(
        embedded.vectors, y, folds=folds, seed=seed, **({"kind": kind} if kind else {})
    )
    said: list[str] = []
    stored, in_force = settle(y, trained.oof, ctx.settings, target_precision, said)
    for message in said:
        ctx.reporter.warn(message)
    n_suspects = count_flagged(y, trained.oof)
    info = {
        "model_id": ctx.model.model_id,
        "model": ctx.settings.model,
        "dim": int(embedded.vectors.shape[1]),
        "counts": {"like": int(y.sum()), "dislike": int(len(y) - y.sum())},
        "metrics": trained.metrics.as_dict(),
        "thresholds": stored.as_dict(),
        "suspects": n_suspects,
        "trained_with": trained_with,
        "train_digest": _digest(embedded.digests),
    }
    extra = {
        "train_paths": np.asarray([ws.rel(p) for p in embedded.paths], dtype=str),
        "train_labels": y,
        "train_oof": trained.oof.astype(np.float32),
    }
    head_id = save_head(ws, trained.head, info, extra)
    score_every_vector(ctx, load_head(ws, ctx.model.model_id))
    return TrainOutcome(
        head_id,
        trained.metrics,
        advice(trained.metrics),
        (in_force.dislike, in_force.like),
        skipped,
        embedded,
        in_force,
        n_suspects,
        library=library if library.labels else None,
        interval=_interval(y, trained.oof),
    )


@dataclass
class ClassifyOutcome:
    scored: Scored
    thresholds: tuple[float, float]
    plan: list[tuple[PlannedMove, str, float]]
    report: MoveReport | None
    repaired: RepairReport
    skipped: list[Skipped]

    def counts(self) -> dict[str, int]:
        out = {"like": 0, "dislike": 0, "unsure": 0}
        for _, label, _ in self.plan:
            out[label] += 1
        return out


def classify(ctx: Context, *, dry_run: bool = False) -> ClassifyOutcome:
    """Score data/unlabeled and move each image into data/classified/<proposal>/ (journaled)."""
    ws = ctx.ws
    with planning(ctx) if dry_run else moving(ctx, "classify") as (journal, repaired):
        skipped: list[Skipped] = []
        rules = ignore_rules(ws)
        paths = list(find_images(ws.unlabeled, skipped, ignore=rules))
        scored = score_paths(ctx, paths, vectors=False)
        dislike, like = ctx.thresholds(scored.record)
        plan: list[tuple[PlannedMove, str, float]] = []
        emb = scored.embedded
        order = np.argsort(-scored.info, kind="stable")  # most informative first
        # each file's (size, mtime) when it was hashed: these files only, not the library's
        stamps = ctx.cache.stamps_of([str(p) for p in emb.paths])
        riders = companions_for(emb.paths, rules)  # RAW twins, sidecars: with their photo
        for i in order:
            path = emb.paths[i]
            label = proposal(float(scored.scores[i]), dislike, like)
            sub = path.parent.relative_to(ws.unlabeled)
            known = stamps.get(str(path))
            if known is not None and known[2] == emb.digests[i]:
                stamp = (known[0], known[1])  # a change since scoring refuses the move
            else:
                try:
                    st = path.stat()
                except OSError:
                    skipped.append(Skipped(path, t("unreadable.gone_after_scoring")))
                    continue
                stamp = (st.st_size, st.st_mtime_ns)
            move = PlannedMove(
                path,
                ws.classified_dir(label) / sub,
                stamp,
                emb.digests[i],
                companions=riders.get(path, ()),
            )
            plan.append((move, label, float(scored.scores[i])))
        report = None
        if not dry_run and plan:
            assert journal is not None
            report = journal.run(
                "classify",
                [m for m, _, _ in plan],
                note=f"head {scored.record.id}",
                progress=ctx.progress,
            )
            ctx.cache.follow_moves(report.moved)
            # A RAW twin or sidecar that could not follow its photo is said, never left silently.
            skipped += [Skipped(p, why) for p, why in report.companions_left]
            for warning in report.warnings:
                ctx.reporter.warn(warning)
            prune_empty_parents(ws, [src for src, _ in report.moved])
    return ClassifyOutcome(
        scored, (dislike, like), plan, report, repaired, skipped + emb.unreadable
    )


@dataclass
class RoundPreview:
    """What `round` would do now (`round --dry-run`): train or keep, and what classify would
    move where, with the head it would have."""

    n_like: int
    n_dislike: int
    current: str | None  # the current head's id; None before the first
    kept: bool  # nothing it was trained on changed: the round would keep it
    thresholds: tuple[float, float]  # (dislike, like) classify would use
    plan: list[tuple[Path, str, float]]  # (image in data/unlabeled, proposal, score)
    skipped: list[Skipped]


def preview_round(ctx: Context) -> RoundPreview:
    """`round` without its effects: the labels are read and embedded, and when they changed a
    head is trained in memory only (never saved), so the plan is the one the round would
    carry out. Nothing is moved, no head is written, no lock is taken."""
    ws = ctx.ws
    with planning(ctx):
        embedded, y, skipped, _ = embed_all_labelled(ctx)
        check_labels(y)  # the round would stop here, with the same words
        record = _unchanged(ctx, embedded, y, _trained_with(ctx, 5, 0, None))
        try:
            current: str | None = load_head(ws, ctx.model.model_id).id
        except NoHeadError:
            current = None
        paths = list(find_images(ws.unlabeled, skipped, ignore=ignore_rules(ws)))
        if record is not None:
            scored = score_paths(ctx, paths, vectors=False)
            found, scores = scored.embedded, scored.scores
            thresholds = ctx.thresholds(record)
        else:
            kind = ctx.settings.head if ctx.settings.head != "auto" else None
            if ctx.progress:
                ctx.progress(t("progress.training", n=len(y)), 0, None)
            trained = train_head(
                embedded.vectors, y, folds=5, seed=0, **({"kind": kind} if kind else {})
            )
            _, in_force = settle(y, trained.oof, ctx.settings, None, [])
            found = ctx.embed(paths)
            scores = trained.head.predict(found.vectors) if found.paths else np.empty(0)
            thresholds = (in_force.dislike, in_force.like)
        dislike, like = thresholds
        plan = [
            (path, proposal(float(s), dislike, like), float(s))
            for path, s in zip(found.paths, scores)
        ]
    n_like = int(y.sum())
    return RoundPreview(
        n_like,
        len(y) - n_like,
        current,
        record is not None,
        thresholds,
        plan,
        skipped + found.unreadable,
    )


@dataclass
class ScoreOutcome:
    out: Path
    rows: ScoreRows  # in the report's order: score descending, then path
    head_id: str
    thresholds: tuple[float, float]
    skipped: list[Skipped]


def score(ctx: Context, out: Path | None = None) -> ScoreOutcome:
    """Score every image under data/ and in the libraries, and write the CSV report.

    Library images are listed by absolute path, with `folder` = `library`.
    """
    ws = ctx.ws
    repair_if_idle(ws, ctx.reporter.warn)
    skipped: list[Skipped] = []
    in_library = library_images(ctx, skipped)
    own = all_images(ws, skipped)
    scored = score_paths(ctx, own + in_library, vectors=False)
    dislike, like = ctx.thresholds(scored.record)
    library = library_labels(ctx, in_library).labels if in_library else {}
    embedded = scored.embedded.paths
    n = len(embedded)
    lib = not_among(embedded, own)
    # a million library images: columns made at once, the workspace's images one by one
    names = texts_of(embedded) if os.sep == "/" else list(map(key, embedded))
    folders, labels = ["library"] * n, [""] * n
    for i in np.flatnonzero(~lib).tolist():
        name = ws.rel(embedded[i])
        names[i], folders[i], labels[i] = name, ws.folder_of(name), ws.label_of(name) or ""
    if library:
        for i in np.flatnonzero(lib).tolist():
            labels[i] = library.get(embedded[i], "")
    culling = burst_columns(ctx, scored.embedded, scored.scores, lib)
    rows = ScoreRows(
        names,
        scored.scores,
        (dislike, like),
        folders,
        labels,
        scored.info,
        scored.record.id,
        culling,
    )
    target = out or ws.reports / "scores.csv"
    write_pieces(rows.pieces(), target)
    return ScoreOutcome(
        target, rows, scored.record.id, (dislike, like), skipped + scored.embedded.unreadable
    )


@dataclass
class UndoOutcome:
    op: int | None
    kind: str = ""
    report: MoveReport | None = None
    repaired: RepairReport | None = None
    edits: EditReport | None = None  # sidecars restored, labels taken back


def undo(ctx: Context) -> UndoOutcome:
    """Revert the most recent operation (a classify run, a review decision, a label of a
    library image, or a `konomi xmp` run)."""
    with moving(ctx, "undo") as (journal, repaired):
        op = journal.last_undoable()
        if op is None:
            return UndoOutcome(None, repaired=repaired)
        kind, _, _ = journal.describe(op)
        if journal.has_edits(op):
            edits = journal.undo_edits(op, roots=library_roots(ctx))
            return UndoOutcome(op, kind, MoveReport(edits.op), repaired, edits)
        report = journal.undo(op, progress=ctx.progress)
        ctx.cache.follow_moves(report.moved)
        for warning in report.warnings:
            ctx.reporter.warn(warning)
        prune_empty_parents(ctx.ws, [src for src, _ in report.moved])
        return UndoOutcome(op, kind, report, repaired)
