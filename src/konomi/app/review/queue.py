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

Images of the libraries (`libraries` in konomi.toml) that carry no label yet are in the queue
too, but a library is never changed: a decision on one of them records a label in the label
store (a journal operation of kind "review" as well, so both undo paths take it back), and the
image stays where it is.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from konomi.app import loop as workflow
from konomi.app.context import Context
from konomi.app.folders import ignore_rules
from konomi.app.library import key, library_images, library_labels, library_roots
from konomi.app.review import taste
from konomi.app.scoring import VectorLookup, score_paths
from konomi.encode.images import Skipped, find_images
from konomi.encode.pairs import companions_for
from konomi.errors import KonomiError, NoHeadError
from konomi.i18n import t
from konomi.learn import duplicates
from konomi.learn.thresholds import proposal
from konomi.store.journal import Gone, Journal, PlannedMove, latest_operation
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
    shown: str = ""  # a library image's name on the page: its library's name and the rest

    @property
    def in_library(self) -> bool:
        return self.origin == "library"

    def public(self, ws: Workspace) -> dict[str, Any]:
        """What the page may know: no absolute path, only the id it fetches the preview by."""
        return {
            "id": self.id,
            "name": self.path.name,
            "path": self.shown or ws.rel(self.path),
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
    library: dict[Path, str] = field(default_factory=dict)  # library image → its name shown


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
    roots = library_roots(ctx)
    if paths is None:
        rules = ignore_rules(ws)
        paths = [
            p for folder in source_folders(ws) for p in find_images(folder, skipped, ignore=rules)
        ]
        waiting = library_images(ctx, skipped, roots)
        labelled = library_labels(ctx, waiting).labels
        paths += [p for p in waiting if p not in labelled]
    library = {p: _shown(p, roots) for p in paths if _shown(p, roots)}
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
            t("page.server.no_head", message=exc.message),
            skipped + embedded.unreadable,
            library=library,
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
        library,
    )


def _shown(path: Path, roots: list[Path]) -> str:
    """A library image's name for the page (`photos/2024/IMG_1.jpg`); "" outside libraries."""
    for root in roots:
        if path.is_relative_to(root):
            return f"{root.name}/{path.relative_to(root).as_posix()}"
    return ""


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
        # The review page from zero, taste in words, search (app/review/taste.py).
        self.make_context: Callable[[], Context] | None = None  # set by the server: auto retrain
        self.taste = taste.Taste(list(ctx.settings.like_text), list(ctx.settings.dislike_text))
        self.labels = dict.fromkeys(LABELS, 0)  # images in data/train/{like,dislike} now
        self.since_auto = 0  # labels since the last background retrain
        self.quality: dict[str, Any] = taste.quality_public(None)
        self.cold = False  # no head yet: the order is the typical picks
        self.focused: list[int] | None = None  # item ids of a search, best first
        self.search_text = ""

    # -- filling ---------------------------------------------------------------------------
    def load(self, ctx: Context | None = None, *, new_round: bool = True) -> None:
        """Scan the folders, score with the current head, and merge into the queue.

        Pending and skipped images get their new score and order (a new round starts, unless
        `new_round` is False); decided ones keep their state; images no longer on disk leave
        the queue.
        """
        seen = latest_operation(self.ws)
        found = scan(ctx or self.ctx)
        self._words_and_quality(ctx or self.ctx, found)
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
                item = self._new_item(path, digest, score, found.library.get(path, ""))
                if item is None:
                    continue  # moved (decided, perhaps) while we were scanning
            else:
                item.digest, item.state = digest, "pending"
                item.score, item.proposal = score, self._proposal(score)
            fresh.append(item)
            fresh_rows.append(i)
        for gone in by_path.values():
            gone.state = "gone"
        labelled_again = set(found.library)
        for item in self.items.values():  # a library label undone elsewhere: waiting again
            if item.in_library and item.state in LABELS and item.path in labelled_again:
                item.state = "gone"
        for item in self.items.values():  # a decision undone elsewhere: its file has moved on
            if item.state in LABELS and not item.in_library and not os.path.lexists(item.path):
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
        ranked: Any = np.argsort(-infos, kind="stable") if len(fresh) else []
        self.order = [fresh[int(k)].id for k in ranked]
        self.history = [i for i in self.history if self.items[i].state in LABELS]
        self.round += new_round

    def _new_item(
        self, path: Path, digest: str, score: float | None, shown: str = ""
    ) -> Item | None:
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
            "library" if shown else self.ws.folder_of(path),
            shown=shown,
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
            if self.focused is not None:  # a search: its matches, best first, until all decided
                found = [self.items[i] for i in self.focused if self.items[i].state == "pending"]
                if found:
                    return found
                self.focused, self.search_text = None, ""
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
                "quality": self.quality,
                "cold": self.cold,
                "search": self.search_text,
                "taste": {"like": self.taste.like, "dislike": self.taste.dislike},
                "text_ui": {key: t(f"page.text.{key}_placeholder") for key in taste.PAGE_TEXTS},
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
            raise DecisionRefused(
                t("page.server.unknown_decision", decision=repr(decision)),
                t("page.server.unknown_decision_hint"),
            )
        with self.lock:
            item = self.items.get(item_id)
            if item is None:
                raise DecisionRefused(
                    t("page.server.not_in_review"), t("page.server.not_in_review_hint")
                )
            if item.state == "gone":  # moved by another command: the same photo elsewhere
                item = self._pending_with(item.digest) or item
            if item.state != "pending":
                raise DecisionRefused(
                    t(f"page.server.already_{item.state}", name=item.path.name),
                    t("page.server.already_hint"),
                )
            if decision == "skip":
                item.state, item.round = "skip", self.round
                self.skips += 1
                self.history.append(item.id)
                return t("page.server.skipped", name=item.path.name)
            group = [item, *self._alike(item, self.pending())] if burst else [item]
            if item.in_library:  # a library is never changed: its images get a label instead
                return self._label([it for it in group if it.in_library], decision)
            return self._move([it for it in group if not it.in_library], decision)

    def _label(self, items: list[Item], label: str) -> str:
        """Record a label for library images (journaled: `konomi undo` takes it back)."""
        ws = self.ws
        note = f"{label}: {items[0].shown}" + (
            f" and {len(items) - 1} look-alike(s)" if len(items) > 1 else ""
        )
        rows = [(key(it.path), it.digest, label) for it in items]
        with workspace_lock(ws, wait=LOCK_WAIT, purpose="review"), Journal(ws) as journal:
            journal.repair()
            report = journal.record_labels("review", rows, source="review", note=note)
        self._saw_own(report.op)
        for it in items:
            it.state, it.round, it.op = label, self.round, report.op
            self.history.append(it.id)
        self.new_labels += len(items)
        done = t("library.labelled", label=t(f"library.{label}"), name=items[0].path.name)
        if len(items) > 1:
            done += f" (+{len(items) - 1})"
        return done

    def _move(self, items: list[Item], label: str, *, retry: bool = True) -> str:
        ws = self.ws
        target = ws.train_dir(label)
        riders = companions_for([it.path for it in items], ignore_rules(ws))  # RAW, sidecars
        moves = [
            PlannedMove(
                it.path,
                target / _sub_folder(ws, it.path),
                it.stamp,
                it.digest,
                companions=riders.get(it.path, ()),
            )
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
        self._labelled(label, len(report.moved))
        if not report.moved:
            _, reason = report.skipped[0]
            if retry and isinstance(reason, Gone):
                # Another command (a classify in a terminal) moved it since the page looked:
                # look again, and decide on the same photo where it is now.
                self.load(new_round=False)
                found = [self._pending_with(it.digest) for it in items]
                if any(found):
                    return self._move([it for it in found if it], label, retry=False)
            raise DecisionRefused(
                t("page.server.not_moved", name=items[0].path.name, reason=reason),
                t("page.server.not_moved_hint"),
            )
        first = report.moved[0][1]
        burst = "burst_" if len(report.moved) > 1 else ""
        done = t(
            f"page.server.moved_{burst}{label}",
            name=first.name,
            n=len(report.moved) - 1,
            folder=ws.rel(first.parent),
        )
        if report.skipped:
            done += " " + t("page.server.some_not_moved", n=len(report.skipped))
        return done

    def _pending_with(self, digest: str) -> Item | None:
        """The waiting item of this content (the same photo, wherever it is now)."""
        return next((it for it in self.pending() if it.digest == digest), None)

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
                return t("page.server.back_to", name=item.path.name)
            ws = self.ws
            with workspace_lock(ws, wait=LOCK_WAIT, purpose="review undo"), Journal(ws) as journal:
                journal.repair()
                op = journal.last_undoable(kinds=["review"])
                if op is None:
                    return t("page.server.nothing_to_undo")
                if journal.has_edits(op):
                    edits = journal.undo_edits(op, roots=library_roots(self.ctx))
                else:
                    edits, report = None, journal.undo(op)
            if edits is not None:
                return self._unlabel(op, edits.op, edits.labelled)
            self._saw_own(report.op)
            self.ctx.cache.follow_moves(report.moved)
            if not report.moved:
                why = report.skipped[0][1] if report.skipped else t("page.server.nothing_left")
                raise DecisionRefused(t("page.server.cannot_undo", why=why))
            for was, back in report.moved:
                self._restore(op, was, back)
            self.new_labels = max(0, self.new_labels - len(report.moved))
            self._unlabelled([was for was, _ in report.moved])
            names = ", ".join(back.name for _, back in report.moved)
            folder = ws.rel(report.moved[0][1].parent)
            return t("page.server.undone", names=names, folder=folder)

    def _unlabel(self, op: int, undo_op: int, paths: list[str]) -> str:
        """Library images whose label an undo took back are the next ones to look at."""
        self._saw_own(undo_op)
        for text in paths:
            path = Path(text)
            item = self._decided(op, path, path)
            if item is None:
                continue
            item.state, item.op = "pending", None
            if item.id in self.history:
                self.history.remove(item.id)
            self._to_front(item)
        self.new_labels = max(0, self.new_labels - len(paths))
        names = ", ".join(Path(p).name for p in paths)
        return t("library.unlabelled", names=names)

    def _restore(self, op: int, was: Path, back: Path) -> None:
        """A file an undo moved back (from `was`) becomes the next image to look at."""
        item = self._decided(op, was, back)
        if item is None:
            return
        st = os.stat(back)
        item.path, item.stamp = back, (st.st_size, st.st_mtime_ns)
        item.identity = (st.st_dev, st.st_ino)
        item.state, item.op, item.origin = "pending", None, self.ws.folder_of(back)
        if item.id in self.history:
            self.history.remove(item.id)
        self._to_front(item)

    def _decided(self, op: int, was: Path, now: Path) -> Item | None:
        """The item that decision `op` took at `was`; for a decision of an earlier session, a
        new item for the file now at `now`, scanned and scored (None if it cannot be read)."""
        item = next((it for it in self.items.values() if it.op == op and it.path == was), None)
        if item is not None:
            return item
        found = scan(self.ctx, [now])
        if not found.paths:
            return None
        score = None if found.scores is None else float(found.scores[0])
        return self._new_item(now, found.digests[0], score, found.library.get(now, ""))

    def _to_front(self, item: Item) -> None:
        if item.id in self.order:
            self.order.remove(item.id)
        self.order.insert(0, item.id)

    # -- retraining ------------------------------------------------------------------------
    def retrain(self, make_context: Callable[[], Context], *, auto: bool = False) -> bool:
        """Train a new head in the background, then rescore the queue; False if one runs.
        `auto`: the page's own retrain every few labels (the round goes on)."""
        with self.lock:
            if self.retraining.running:
                return False
            self.retraining = Retraining(running=True, stage=t("progress.starting"))
        thread = threading.Thread(  # in the language of the page that asked (konomi.i18n)
            target=contextvars.copy_context().run,
            args=(self._retrain, make_context, auto),
            name="konomi-retrain",
            daemon=True,
        )
        thread.start()
        return True

    def _retrain(self, make_context: Callable[[], Context], auto: bool = False) -> None:
        state = self.retraining

        def progress(stage: str, done: int, total: int | None) -> None:
            state.stage, state.done, state.total = stage, done, total

        ctx: Context | None = None
        try:
            ctx = make_context()
            ctx.reporter.on_progress = progress
            trained = workflow.train(ctx)
            progress(t("progress.rescoring"), 0, None)
            self.load(ctx, new_round=not auto)
            m = trained.metrics
            state.message = t(
                "page.server.trained",
                head=trained.head_id,
                n_like=m.n_like,
                n_dislike=m.n_dislike,
                auc=f"{m.auc:.2f}",
            )
            if auto:
                state.message = t("text.retrain.auto", n_like=m.n_like, n_dislike=m.n_dislike)
        except KonomiError as exc:
            state.error = exc.message + (f" {exc.hint}" if exc.hint else "")
        except Exception as exc:  # noqa: BLE001 - a failed retrain must not take the page down
            state.error = t("page.server.retrain_failed", problem=f"{type(exc).__name__}: {exc}")
        finally:
            state.running = False
            if ctx is not None:
                ctx.close()

    # -- from zero, taste in words, search (app/review/taste.py) ---------------------------
    def _words_and_quality(self, ctx: Context, found: _Scan) -> None:
        """Order a scan with few or no labels by the typical picks and the words, and measure
        the head the scan used."""
        self.labels = taste.label_counts(self.ws)
        self.cold = found.scores is None
        info, note = taste.order(
            ctx, found.paths, found.scores, self.taste, sum(self.labels.values())
        )
        if info is not None:
            found.info = np.asarray(info, dtype=np.float64)
        if self.cold:
            found.note = f"{found.note} {t('text.cold.note', every=taste.AUTO_EVERY)}".strip()
        if note:
            found.note = f"{found.note} {note}".strip()
        self.quality = taste.quality_public(taste.quality(ctx))

    def _labelled(self, label: str, n: int) -> None:
        """Count new labels; every AUTO_EVERY of them, retrain in the background (the key press
        that crossed the mark returns at once; the order follows the new head when it is done)."""
        self.labels[label] = self.labels.get(label, 0) + n
        self.since_auto += n
        if (
            self.make_context is not None
            and self.since_auto >= taste.AUTO_EVERY
            and min(self.labels.values()) >= 2
            and not self.retraining.running
        ):
            self.since_auto = 0
            self.retrain(self.make_context, auto=True)

    def _unlabelled(self, was: list[Path]) -> None:
        for path in was:
            label = self.ws.label_of(path)
            if label in self.labels:
                self.labels[label] = max(0, self.labels[label] - 1)
        self.since_auto = max(0, self.since_auto - len(was))

    def search(self, text: str) -> str:
        """Show the waiting images that best match `text` first (the page's search box); an
        empty text goes back to the queue's own order."""
        text = " ".join(text.split())
        if not text:
            with self.lock:
                self.focused, self.search_text = None, ""
            return t("text.search.cleared")
        with self.lock:
            items = [self.items[i] for i in self.order if self.items[i].state == "pending"]
        hits = taste.focus(self.ctx, [it.path for it in items], text)
        with self.lock:
            self.focused = [items[i].id for i, _ in hits]
            self.search_text = text
        return t("text.search.filtered", n=len(hits), text=text)

    def set_taste(self, like: list[str], dislike: list[str]) -> str:
        """Phrases of taste for this session (the page's box): the queue is ordered again."""
        self.taste = taste.Taste(
            [p.strip() for p in like if p.strip()], [p.strip() for p in dislike if p.strip()]
        )
        self.load(new_round=False)
        return t("text.taste.set", n_like=len(self.taste.like), n_dislike=len(self.taste.dislike))


def _sub_folder(ws: Workspace, path: Path) -> Path:
    """The sub-folder of `path` under the source folder it sits in (kept when it moves)."""
    for folder in source_folders(ws):
        try:
            return path.parent.relative_to(folder)
        except ValueError:
            continue
    return Path()
