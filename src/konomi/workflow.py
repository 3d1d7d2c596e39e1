"""The loop's steps — embed, train, classify, score, undo — as functions that return results.

The CLI calls these and prints what they return; nothing here prints or exits. Every step that
moves files holds the workspace lock and repairs the journal first.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from .active import informativeness
from .cache import EmbeddingCache
from .encoder import Encoder, ModelFiles, resolve_model
from .errors import JournalError, KonomiError, NoHeadError, WorkspaceBusy
from .head import Metrics, advice, train_head
from .images import Skipped, find_images
from .ingest import Embedded, embed_files
from .models import HeadRecord, load_head, save_head
from .moves import Journal, MoveReport, PlannedMove, RepairReport
from .progress import Progress
from .report import Row, proposal, write_csv
from .suspects import count_flagged
from .thresholds import Thresholds, settle
from .workspace import (
    LABELS,
    Settings,
    Workspace,
    check_thresholds,
    lock_wait,
    workspace_lock,
)


@dataclass
class Context:
    """One command's view of the workspace: settings, model, cache — each opened on first use."""

    ws: Workspace
    settings: Settings
    progress: Progress | None = None
    warnings: list[str] = field(default_factory=list)
    threads: int | None = None

    @classmethod
    def open(
        cls, root: Path | str | None = None, progress: Progress | None = None, **overrides: object
    ) -> Context:
        ws = Workspace.resolve(root)
        settings = ws.settings()
        if overrides.get("model") is None and os.environ.get("KONOMI_MODEL"):
            overrides["model"] = os.environ["KONOMI_MODEL"]
        return cls(ws, settings.with_overrides(**overrides), progress)

    @cached_property
    def model(self) -> ModelFiles:
        files = resolve_model(self.settings.model, self.progress)
        if self.settings.precision != "fp32":
            from .quantize import choose_model  # int8, once checked on the labelled images

            files = choose_model(self, files)
        return files

    @cached_property
    def encoder(self) -> Encoder:
        if self.progress:
            self.progress("loading model", 0, None)
        return Encoder(self.model, device=self.settings.device, threads=self.threads)

    @cached_property
    def cache(self) -> EmbeddingCache:
        self.ws.ensure_state()
        return EmbeddingCache(self.ws.cache_path, warnings=self.warnings)

    def embed(self, paths: list[Path], *, vectors: bool = True) -> Embedded:
        return embed_files(
            paths,
            self.cache,
            self.model.model_id,
            lambda: self.encoder,
            progress=self.progress,
            batch_size=self.settings.batch_size or None,
            vectors=vectors,
        )

    def thresholds(self, record: HeadRecord | None = None) -> tuple[float, float]:
        """(dislike, like): flags and konomi.toml first, then the head's own, then 0.3 / 0.7."""
        s = self.settings
        dislike, like = record.thresholds if record else (0.3, 0.7)
        if "dislike_threshold" in s.explicit:
            dislike = s.dislike_threshold
        if "like_threshold" in s.explicit:
            like = s.like_threshold
        check_thresholds(dislike, like)
        return dislike, like

    def close(self) -> None:
        if "cache" in self.__dict__:
            self.cache.close()


@contextlib.contextmanager
def moving(ctx: Context, purpose: str) -> Iterator[tuple[Journal, RepairReport]]:
    """Hold the lock and an up-to-date journal (repaired first) while files move."""

    def waiting(who: str) -> None:
        if ctx.progress:
            ctx.progress(f"waiting for {who}", 0, None)

    lock = workspace_lock(ctx.ws, wait=lock_wait(), purpose=purpose, on_wait=waiting)
    with lock, Journal(ctx.ws) as journal:
        yield journal, journal.repair()


def repair_if_idle(ws: Workspace, warnings: list[str] | None = None) -> RepairReport | None:
    """Before a read-only command: repair a crashed run's journal, unless one is running now.

    A damaged journal does not stop a command that moves nothing: it becomes a warning.
    """
    if not ws.journal_path.exists():
        return None
    try:
        with workspace_lock(ws, purpose="repair"), Journal(ws) as journal:
            return journal.repair()
    except WorkspaceBusy:
        return None
    except JournalError as exc:
        if warnings is None:
            raise
        warnings.append(
            f"{exc.message.removesuffix(' Nothing was moved.')} Commands that move files refuse "
            "until it is fixed (see docs/safety.md, 'Inspect or reset the journal')."
        )
        return None


# -- folders ------------------------------------------------------------------------------------
def labelled_images(ws: Workspace, skipped: list[Skipped]) -> tuple[list[Path], np.ndarray]:
    """Training images and their labels (1 = like, 0 = dislike)."""
    paths: list[Path] = []
    labels: list[int] = []
    for label in LABELS:
        found = list(find_images(ws.train_dir(label), skipped))
        paths += found
        labels += [1 if label == "like" else 0] * len(found)
    return paths, np.asarray(labels, dtype=int)


def all_images(ws: Workspace, skipped: list[Skipped]) -> list[Path]:
    """Every image under data/ (train, unlabeled, classified)."""
    return list(find_images(ws.data, skipped))


# -- steps --------------------------------------------------------------------------------------
@dataclass
class EmbedOutcome:
    embedded: Embedded
    skipped: list[Skipped]


def embed(ctx: Context) -> EmbedOutcome:
    """Embed every image of the workspace into the cache (no moves)."""
    skipped: list[Skipped] = []
    paths = all_images(ctx.ws, skipped)
    embedded = ctx.embed(paths, vectors=False)  # only the cache is wanted: no 200 MB read
    return EmbedOutcome(embedded, skipped + embedded.unreadable)


def embed_labelled(ctx: Context) -> tuple[Embedded, np.ndarray, list[Skipped]]:
    """Embed data/train/{like,dislike}: the embeddings, their labels (1 = like) in the same
    order, and the files that could not be read."""
    ws = ctx.ws
    missing = [ws.rel(ws.train_dir(lb)) for lb in LABELS if not ws.train_dir(lb).is_dir()]
    if missing:
        raise KonomiError(
            f"Training folder(s) missing: {', '.join(missing)}",
            "Create them and put images in: data/train/like/ (liked) and data/train/dislike/ "
            f"(not liked), under {ws.root}",
        )
    skipped: list[Skipped] = []
    paths, labels = labelled_images(ws, skipped)
    embedded = ctx.embed(paths)
    label_of = dict(zip(paths, labels))
    y = np.asarray([label_of[p] for p in embedded.paths], dtype=int)
    return embedded, y, skipped + embedded.unreadable


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
            f"No readable images in {ctx.ws.rel(ctx.ws.train_dir('like'))}/ or "
            f"{ctx.ws.rel(ctx.ws.train_dir('dislike'))}/ to simulate on.",
            "Label some images first: the simulation replays the loop on your labelled images.",
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


def train(
    ctx: Context, *, folds: int = 5, seed: int = 0, target_precision: float | None = None
) -> TrainOutcome:
    """Train a head on data/train/{like,dislike} and make it current.

    With `target_precision` (or `target_precision` in konomi.toml) the head's thresholds are
    chosen from the out-of-fold scores so that proposals reach that precision.
    """
    ws = ctx.ws
    embedded, y, skipped = embed_labelled(ctx)
    kind = ctx.settings.head if ctx.settings.head != "auto" else None
    if ctx.progress:  # seconds at thousands of labels: say what the wait is
        ctx.progress(f"training the head on {len(y)} labels", 0, None)
    trained = train_head(
        embedded.vectors, y, folds=folds, seed=seed, **({"kind": kind} if kind else {})
    )
    stored, in_force = settle(y, trained.oof, ctx.settings, target_precision, ctx.warnings)
    n_suspects = count_flagged(y, trained.oof)
    info = {
        "model_id": ctx.model.model_id,
        "model": ctx.settings.model,
        "dim": int(embedded.vectors.shape[1]),
        "counts": {"like": int(y.sum()), "dislike": int(len(y) - y.sum())},
        "metrics": trained.metrics.as_dict(),
        "thresholds": stored.as_dict(),
        "suspects": n_suspects,
    }
    extra = {
        "train_paths": np.asarray([ws.rel(p) for p in embedded.paths], dtype=str),
        "train_labels": y,
        "train_oof": trained.oof.astype(np.float32),
    }
    head_id = save_head(ws, trained.head, info, extra)
    return TrainOutcome(
        head_id,
        trained.metrics,
        advice(trained.metrics),
        (in_force.dislike, in_force.like),
        skipped,
        embedded,
        in_force,
        n_suspects,
    )


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
                f"The head expects {dim}-d embeddings, the model gives {X.shape[1]}.",
                "Retrain: uv run konomi train",
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
            ctx.progress("scoring", stop, len(X))
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
    with moving(ctx, "classify") as (journal, repaired):
        skipped: list[Skipped] = []
        paths = list(find_images(ws.unlabeled, skipped))
        scored = score_paths(ctx, paths, vectors=False)
        dislike, like = ctx.thresholds(scored.record)
        plan: list[tuple[PlannedMove, str, float]] = []
        emb = scored.embedded
        order = np.argsort(-scored.info, kind="stable")  # most informative first
        stamps = ctx.cache.file_stamps()  # each file's (size, mtime) when it was hashed
        for i in order:
            path = emb.paths[i]
            label = proposal(float(scored.scores[i]), dislike, like)
            sub = path.parent.relative_to(ws.unlabeled)
            known = stamps.get(str(path))
            if known is not None and known.digest == emb.digests[i]:
                stamp = (known.size, known.mtime_ns)  # a change since scoring refuses the move
            else:
                try:
                    st = path.stat()
                except OSError:
                    skipped.append(Skipped(path, "the file disappeared after it was scored"))
                    continue
                stamp = (st.st_size, st.st_mtime_ns)
            move = PlannedMove(path, ws.classified_dir(label) / sub, stamp, emb.digests[i])
            plan.append((move, label, float(scored.scores[i])))
        report = None
        if not dry_run and plan:
            report = journal.run(
                "classify",
                [m for m, _, _ in plan],
                note=f"head {scored.record.id}",
                progress=ctx.progress,
            )
            ctx.cache.follow_moves(report.moved)
    return ClassifyOutcome(
        scored, (dislike, like), plan, report, repaired, skipped + emb.unreadable
    )


@dataclass
class ScoreOutcome:
    out: Path
    rows: list[Row]
    head_id: str
    thresholds: tuple[float, float]
    skipped: list[Skipped]


def score(ctx: Context, out: Path | None = None) -> ScoreOutcome:
    """Score every image under data/ and write the CSV report."""
    ws = ctx.ws
    repair_if_idle(ws, ctx.warnings)
    skipped: list[Skipped] = []
    paths = all_images(ws, skipped)
    scored = score_paths(ctx, paths, vectors=False)
    dislike, like = ctx.thresholds(scored.record)
    rows = []
    for path, s, inf in zip(scored.embedded.paths, scored.scores.tolist(), scored.info.tolist()):
        rel = ws.rel(path)
        rows.append(
            Row(
                rel,
                s,
                proposal(s, dislike, like),
                ws.folder_of(rel),
                ws.label_of(rel) or "",
                inf,
                scored.record.id,
            )
        )
    target = out or ws.reports / "scores.csv"
    write_csv(rows, target)
    return ScoreOutcome(
        target, rows, scored.record.id, (dislike, like), skipped + scored.embedded.unreadable
    )


@dataclass
class UndoOutcome:
    op: int | None
    kind: str = ""
    report: MoveReport | None = None
    repaired: RepairReport | None = None


def undo(ctx: Context) -> UndoOutcome:
    """Revert the most recent operation (a classify run or a review decision)."""
    with moving(ctx, "undo") as (journal, repaired):
        op = journal.last_undoable()
        if op is None:
            return UndoOutcome(None, repaired=repaired)
        kind, _, _ = journal.describe(op)
        report = journal.undo(op, progress=ctx.progress)
        ctx.cache.follow_moves(report.moved)
        return UndoOutcome(op, kind, report, repaired)
