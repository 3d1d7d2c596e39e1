"""The review queue: which image a person sees next, and each decision as one journaled move.

The queue holds the model's proposals (`data/classified/*`) and the images still in
`data/unlabeled/`, scored by the current head and ordered by `active.informativeness`, most
informative first — the images where one label teaches the model the most.

A decision is one journal operation of kind "review": like → `data/train/like/`, dislike →
`data/train/dislike/`, through the same `moves.Journal` as `classify`, under the workspace lock
taken for that one decision. So `classify` and review never interleave, a crash in the middle is
repaired like any other, and `konomi undo` reverts a decision like any other operation.

Every item has a server-side state (pending, like, dislike, skip, gone). Decisions are taken one
at a time under `ReviewQueue.lock`, so two browser tabs deciding on the same image move it once:
the second is told it was already decided. A file that moved or vanished behind our back is
refused by the journal (its size and mtime no longer match), reported, and dropped from the queue.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from konomi.app import loop as workflow
from konomi.app.context import Context
from konomi.app.reports.scores_csv import proposal
from konomi.app.scoring import VectorLookup, score_paths
from konomi.encode.images import Skipped, find_images
from konomi.errors import KonomiError, NoHeadError
from konomi.learn import duplicates
from konomi.store.journal import Journal, PlannedMove, latest_operation
from konomi.workspace import LABELS, PROPOSALS, Workspace, workspace_lock

LOCK_WAIT = 1.5  # seconds a decision waits for another konomi command before giving up
BURST_WINDOW = 2000  # bursts are looked for among this many images at the head of the queue
ALIKE_SHOWN = 12  # look-alikes the page shows next to an image (a burst decision covers all)
DECISIONS = (*LABELS, "skip")
PAST = {"like": "liked", "dislike": "disliked", "skip": "skipped", "gone": "taken out"}


class DecisionRefused(KonomiError):
    """A decision that cannot be carried out now; the page shows the message."""


@dataclass
class Item:
    """One image of the queue and what has been decided about it."""

    id: int
    path: Path
    digest: str
    stamp: tuple[int, int]  # (size, mtime_ns) when listed: a changed file is not moved
    identity: tuple[int, int]  # (device, inode): the preview is of this very file, no other
    score: float | None
    info: float
    proposal: str | None
    origin: str  # the workspace folder it was found in, e.g. "data/classified/unsure"
    state: str = "pending"  # pending | like | dislike | skip | gone
    round: int = 0  # the round it was decided in
    op: int | None = None  # the journal operation that moved it
    burst: int = -1  # its group of near-duplicates among the waiting images (-1: none)

    def public(self, ws: Workspace) -> dict[str, Any]:
        """What the page may know: no absolute path, only the id it fetches the preview by."""
        return {
            "id": self.id,
            "name": self.path.name,
            "path": ws.rel(self.path),
            "folder": self.origin,
            "score": self.score,
            "proposal": self.proposal,
            "preview": f"/api/preview/{self.id}",
        }


@dataclass
class Retraining:
    """The state of a "retrain now" run, as the page polls it."""

    running: bool = False
    stage: str = ""
    done: int = 0
    total: int | None = None
    message: str = ""
    error: str = ""


@dataclass
class _Scan:
    """Images found on disk with their scores under one head."""

    paths: list[Path]
    digests: list[str]
    scores: np.ndarray | None
    head_id: str | None
    thresholds: tuple[float, float]
    note: str = ""
    skipped: list[Skipped] = field(default_factory=list)
    info: np.ndarray | None = None  # `active.informativeness` of each image: the review order
    bursts: list[list[int]] = field(default_factory=list)  # rows that are near-duplicates


def source_folders(ws: Workspace) -> list[Path]:
    """Where images waiting for a person's eye live."""
    return [ws.classified_dir(p) for p in PROPOSALS] + [ws.unlabeled]


def scan(ctx: Context, paths: list[Path] | None = None) -> _Scan:
    """Find (or take) images, embed them through the cache, and score them with the current head.

    Without a usable head (none trained yet, or made with another encoder) the images come
    unscored, in folder order, and `note` says why: a person can still label them.
    """
    ws = ctx.ws
    skipped: list[Skipped] = []
    if paths is None:
        paths = [p for folder in source_folders(ws) for p in find_images(folder, skipped)]
    try:
        scored = score_paths(ctx, paths, vectors=False)
    except NoHeadError as exc:
        embedded = ctx.embed(paths, vectors=False)  # listed unscored: no vector is needed
        return _Scan(
            embedded.paths,
            embedded.digests,
            None,
            None,
            ctx.thresholds(),
            f"{exc.message} Label a few images, then retrain.",
            skipped + embedded.unreadable,
        )
    e = scored.embedded
    return _Scan(
        e.paths,
        e.digests,
        np.asarray(scored.scores, dtype=np.float64),
        scored.record.id,
        ctx.thresholds(scored.record),
        "",
        skipped + e.unreadable,
        np.asarray(scored.info, dtype=np.float64),
        _bursts(VectorLookup(ctx, e), scored.info),
    )


def _bursts(vectors: VectorLookup, info: np.ndarray) -> list[list[int]]:
    """Groups of near-duplicate images (burst shots) among the first BURST_WINDOW of the review
    order, as rows of the scan: a person can then judge a burst with one key. Grouping costs
    O(n²), so only the part of the queue a person will reach this round is grouped."""
    rows = np.argsort(-np.asarray(info), kind="stable")[:BURST_WINDOW]
    if len(rows) < 2:
        return []
    groups = duplicates.group(vectors(rows))
    return [[int(rows[i]) for i in members] for members in groups]


class ReviewQueue:
    """The images to review, their order, and the decisions taken on them (thread-safe)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.ws = ctx.ws
        self.lock = threading.RLock()
        self.items: dict[int, Item] = {}
        self.order: list[int] = []  # item ids, most informative first
        self.history: list[int] = []  # item ids decided this session, newest last
        self.round = 0  # each load starts a round: 1 at start-up, +1 per retrain
        self.head_id: str | None = None
        self.thresholds = (0.3, 0.7)
        self.note = ""
        self.unreadable = 0
        self.new_labels = 0  # labels added since the head was trained
        self.skips = 0  # skips this session (undone ones not counted)
        self.retraining = Retraining()
        self._next_id = 1
        self.journal_seen = 0  # the newest journal operation this queue knows the effect of
        self._rescanning = threading.Lock()

    # -- filling ---------------------------------------------------------------------------
    def load(self, ctx: Context | None = None, *, new_round: bool = True) -> None:
        """Scan the folders, score with the current head, and merge into the queue.

        Pending and skipped images get their new score and order (a new round starts, unless
        `new_round` is False); decided ones keep their state; images no longer on disk leave
        the queue.
        """
        seen = latest_operation(self.ws)
        found = scan(ctx or self.ctx)
        with self.lock:
            self._merge(found, new_round=new_round)
            self.journal_seen = seen

    def catch_up(self) -> bool:
        """Rescan when another command moved files since this queue last looked (`konomi undo`
        or `classify` in a terminal while the page is open): images sent back reappear, and
        decisions whose files are gone leave the page's history. True when it rescanned.

        The page asks for this whenever it comes back into view; the round does not restart.
        """
        if latest_operation(self.ws) == self.journal_seen or self.retraining.running:
            return False
        if not self._rescanning.acquire(blocking=False):
            return False  # another request is already rescanning
        try:
            self.load(new_round=False)
            return True
        finally:
            self._rescanning.release()

    def _merge(self, found: _Scan, *, new_round: bool = True) -> None:
        if found.head_id != self.head_id:
            self.new_labels = 0
        self.head_id, self.thresholds, self.note = found.head_id, found.thresholds, found.note
        self.unreadable = len(found.skipped)
        by_path = {it.path: it for it in self.items.values() if it.state in ("pending", "skip")}
        fresh: list[Item] = []
        fresh_rows: list[int] = []  # each fresh item's row in `found`
        for i, (path, digest) in enumerate(zip(found.paths, found.digests)):
            score = None if found.scores is None else float(found.scores[i])
            item = by_path.pop(path, None)
            if item is None:
                item = self._new_item(path, digest, score)
                if item is None:
                    continue  # moved (decided, perhaps) while we were scanning
            else:
                item.digest, item.state = digest, "pending"
                item.score, item.proposal = score, self._proposal(score)
            fresh.append(item)
            fresh_rows.append(i)
        for gone in by_path.values():
            gone.state = "gone"
        for item in self.items.values():  # a decision undone elsewhere: its file has moved on
            if item.state in LABELS and not os.path.lexists(item.path):
                item.state = "gone"
        if found.info is not None and fresh:
            infos = found.info[np.asarray(fresh_rows, dtype=np.int64)]  # the diverse order
        else:
            infos = np.zeros(len(fresh))  # unscored: folder order
        group_of = {row: g for g, members in enumerate(found.bursts) for row in members}
        for item in self.items.values():  # group ids belong to this scan only
            item.burst = -1
        for item, row, value in zip(fresh, fresh_rows, infos):
            item.info, item.burst = float(value), group_of.get(row, -1)
        ranked = np.argsort(-infos, kind="stable") if len(fresh) else []
        self.order = [fresh[int(k)].id for k in ranked]
        self.history = [i for i in self.history if self.items[i].state in LABELS]
        self.round += new_round

    def _new_item(self, path: Path, digest: str, score: float | None) -> Item | None:
        try:
            st = os.stat(path)
        except OSError:
            return None
        item = Item(
            self._next_id,
            path,
            digest,
            (st.st_size, st.st_mtime_ns),
            (st.st_dev, st.st_ino),
            score,
            0.0,
            self._proposal(score),
            self.ws.folder_of(path),
        )
        self._next_id += 1
        self.items[item.id] = item
        return item

    def _proposal(self, score: float | None) -> str | None:
        if score is None:
            return None
        dislike, like = self.thresholds
        return proposal(score, dislike, like)

    # -- reading ---------------------------------------------------------------------------
    def pending(self) -> list[Item]:
        with self.lock:
            return [self.items[i] for i in self.order if self.items[i].state == "pending"]

    def get(self, item_id: int) -> Item | None:
        with self.lock:
            return self.items.get(item_id)

    def snapshot(self, ahead: int = 6) -> dict[str, Any]:
        """The page's view: the next images, progress this round, the head, retraining."""
        with self.lock:
            pending = self.pending()
            # The session's decisions, across retrains: a like stays a like when a new round
            # starts; a skip is counted when made (the image comes back next round).
            counts = {PAST[s]: sum(it.state == s for it in self.items.values()) for s in LABELS}
            counts[PAST["skip"]] = self.skips
            r = self.retraining
            return {
                "head": self.head_id,
                "note": self.note,
                "thresholds": {"dislike": self.thresholds[0], "like": self.thresholds[1]},
                "done": sum(counts.values()),
                "left": len(pending),
                "counts": counts,
                "new_labels": self.new_labels,
                "unreadable": self.unreadable,
                "items": [self._shown(it, pending) for it in pending[:ahead]],
                "retrain": {
                    "running": r.running,
                    "stage": r.stage,
                    "done": r.done,
                    "total": r.total,
                    "message": r.message,
                    "error": r.error,
                },
            }

    # -- deciding --------------------------------------------------------------------------
    def _shown(self, item: Item, pending: list[Item]) -> dict[str, Any]:
        """An image as the page gets it, with its waiting look-alikes: a decision for the whole
        burst must let the person see every frame it covers (the first ALIKE_SHOWN of them)."""
        alike = self._alike(item, pending)
        return {
            **item.public(self.ws),
            "alike": len(alike),
            "alike_items": [it.public(self.ws) for it in alike[:ALIKE_SHOWN]],
        }

    def _alike(self, item: Item, pending: list[Item]) -> list[Item]:
        """The other waiting images of `item`'s burst."""
        if item.burst < 0:
            return []
        return [it for it in pending if it.burst == item.burst and it.id != item.id]

    def decide(self, item_id: int, decision: str, *, burst: bool = False) -> str:
        """Like, dislike (a journaled move into data/train) or skip one image; returns a message.

        With `burst`, a like or dislike also applies to the image's waiting near-duplicates, in
        one journaled operation (one undo takes them all back).
        """
        if decision not in DECISIONS:
            raise DecisionRefused(f"Unknown decision {decision!r}.", "Use like, dislike or skip.")
        with self.lock:
            item = self.items.get(item_id)
            if item is None:
                raise DecisionRefused(
                    "That image is not part of this review.", "Reload the page to get the queue."
                )
            if item.state != "pending":
                raise DecisionRefused(
                    f"{item.path.name} was already {PAST[item.state]} (in another tab?).",
                    "Nothing was moved twice; the page now shows the next image.",
                )
            if decision == "skip":
                item.state, item.round = "skip", self.round
                self.skips += 1
                self.history.append(item.id)
                return f"Skipped {item.path.name}."
            group = [item, *self._alike(item, self.pending())] if burst else [item]
            return self._move(group, decision)

    def _move(self, items: list[Item], label: str) -> str:
        ws = self.ws
        target = ws.train_dir(label)
        moves = [
            PlannedMove(it.path, target / _sub_folder(ws, it.path), it.stamp, it.digest)
            for it in items
        ]
        note = f"{label}: {ws.rel(items[0].path)}" + (
            f" and {len(items) - 1} look-alike(s)" if len(items) > 1 else ""
        )
        with workspace_lock(ws, wait=LOCK_WAIT, purpose="review"), Journal(ws) as journal:
            journal.repair()
            report = journal.run("review", moves, note=note)
        self._saw_own(report.op)
        self.ctx.cache.follow_moves(report.moved)
        by_path = {it.path: it for it in items}
        for src, _why in report.skipped:
            by_path[src].state = "gone"
        for src, dst in report.moved:
            moved = by_path[src]
            moved.path, moved.state, moved.round, moved.op = dst, label, self.round, report.op
            with contextlib.suppress(OSError):  # the same inode, unless copied across disks
                st = os.stat(dst)
                moved.identity = (st.st_dev, st.st_ino)
            self.history.append(moved.id)
        self.new_labels += len(report.moved)
        if not report.moved:
            _, reason = report.skipped[0]
            raise DecisionRefused(
                f"{items[0].path.name} was not moved: {reason}.",
                "It is out of the queue now; retrain (or restart the review) to scan again.",
            )
        first = report.moved[0][1]
        done = f"{PAST[label].capitalize()} {first.name}"
        if len(report.moved) > 1:
            done += f" and {len(report.moved) - 1} look-alike(s)"
        done += f" → {ws.rel(first.parent)}/"
        if report.skipped:
            done += f" ({len(report.skipped)} not moved: changed or gone)"
        return done

    def _saw_own(self, op: int) -> None:
        """Our own operation `op` is known; only a gap before it (another command ran between
        two of ours) calls for a rescan."""
        if self.journal_seen == op - 1:
            self.journal_seen = op

    def undo(self) -> str:
        """Take back the last decision: a skip of this session, else the latest review move.

        The latest review move is the journal's, not only this page's: `konomi undo` and this
        button walk the same history, and a decision of an earlier session can be undone too.
        """
        with self.lock:
            if self.history and self.items[self.history[-1]].state == "skip":
                item = self.items[self.history.pop()]
                item.state = "pending"
                self.skips = max(0, self.skips - 1)
                self._to_front(item)
                return f"Back to {item.path.name}."
            ws = self.ws
            with workspace_lock(ws, wait=LOCK_WAIT, purpose="review undo"), Journal(ws) as journal:
                journal.repair()
                op = journal.last_undoable(kinds=["review"])
                if op is None:
                    return "Nothing to undo."
                report = journal.undo(op)
            self._saw_own(report.op)
            self.ctx.cache.follow_moves(report.moved)
            if not report.moved:
                why = report.skipped[0][1] if report.skipped else "nothing left to move back"
                raise DecisionRefused(f"Could not undo that decision: {why}.")
            for was, back in report.moved:
                self._restore(op, was, back)
            self.new_labels = max(0, self.new_labels - len(report.moved))
            names = ", ".join(back.name for _, back in report.moved)
            return f"Undone: {names} is back in {ws.rel(report.moved[0][1].parent)}/."

    def _restore(self, op: int, was: Path, back: Path) -> None:
        """A file an undo moved back (from `was`) becomes the next image to look at."""
        item = next((it for it in self.items.values() if it.op == op and it.path == was), None)
        if item is None:  # a decision of an earlier session: score it now
            found = scan(self.ctx, [back])
            if not found.paths:
                return
            score = None if found.scores is None else float(found.scores[0])
            item = self._new_item(back, found.digests[0], score)
            if item is None:
                return
        st = os.stat(back)
        item.path, item.stamp = back, (st.st_size, st.st_mtime_ns)
        item.identity = (st.st_dev, st.st_ino)
        item.state, item.op, item.origin = "pending", None, self.ws.folder_of(back)
        if item.id in self.history:
            self.history.remove(item.id)
        self._to_front(item)

    def _to_front(self, item: Item) -> None:
        if item.id in self.order:
            self.order.remove(item.id)
        self.order.insert(0, item.id)

    # -- retraining ------------------------------------------------------------------------
    def retrain(self, make_context: Callable[[], Context]) -> bool:
        """Train a new head in the background, then rescore the queue; False if one runs."""
        with self.lock:
            if self.retraining.running:
                return False
            self.retraining = Retraining(running=True, stage="starting")
        thread = threading.Thread(
            target=self._retrain, args=(make_context,), name="konomi-retrain", daemon=True
        )
        thread.start()
        return True

    def _retrain(self, make_context: Callable[[], Context]) -> None:
        state = self.retraining

        def progress(stage: str, done: int, total: int | None) -> None:
            state.stage, state.done, state.total = stage, done, total

        ctx: Context | None = None
        try:
            ctx = make_context()
            ctx.reporter.on_progress = progress
            trained = workflow.train(ctx)
            progress("rescoring", 0, None)
            self.load(ctx)
            m = trained.metrics
            state.message = (
                f"Trained {trained.head_id} on {m.n_like} like / {m.n_dislike} dislike "
                f"(AUC {m.auc:.2f}); scores refreshed."
            )
        except KonomiError as exc:
            state.error = exc.message + (f" {exc.hint}" if exc.hint else "")
        except Exception as exc:  # noqa: BLE001 - a failed retrain must not take the page down
            state.error = f"Retraining failed ({type(exc).__name__}: {exc})."
        finally:
            state.running = False
            if ctx is not None:
                ctx.close()


def _sub_folder(ws: Workspace, path: Path) -> Path:
    """The sub-folder of `path` under the source folder it sits in (kept when it moves)."""
    for folder in source_folders(ws):
        try:
            return path.parent.relative_to(folder)
        except ValueError:
            continue
    return Path()
