"""The review queue: which image a person sees next, and each decision as one journaled move.

The queue holds the model's proposals (`data/classified/*`) and the images still in
`data/unlabeled/`, scored by the current head and ordered by `active.informativeness`, most
informative first — the images where one label teaches the model the most. Images of the
libraries (`libraries` in konomi.toml) that carry no label yet are in the queue too; a library
is never changed (a decision on one of them records a label instead).

`ReviewQueue` puts four parts together, one module each, under one lock:

- its contents, found on disk and merged into the queue (`contents.py`);
- decisions and their undo (`decisions.py`), taken one at a time under the lock, so two
  browser tabs deciding on the same image move it once;
- the retrain worker, which trains in the background and has the queue rescored (`retrain.py`);
- the first order from zero, taste in words, the search box and the quality line (`taste.py`);
- the culling bursts of the waiting images, their keepers and the person's swap (`culling.py`);
- on a large library, the first images from the cache (`first.py`) while the full scan runs in
  the background (`background.py`): the page answers at once and says how far the scan is.

What the page reads (`snapshot`) is put into words in the language of each request: the queue
keeps messages as keys and fields (`i18n.kept`), never as sentences of one language.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from konomi import faults
from konomi.app import cull
from konomi.app.context import Context
from konomi.app.review import taste
from konomi.app.review.background import ScanProgress, run_in_background, wait_for_gate
from konomi.app.review.contents import Contents, Item, Scan, scan
from konomi.app.review.culling import Culling
from konomi.app.review.decisions import DECISIONS, LOCK_WAIT, DecisionRefused, Decisions
from konomi.app.review.first import first_images
from konomi.app.review.retrain import Retraining, RetrainWorker
from konomi.app.search import text_vectors
from konomi.app.search_cache import similarities
from konomi.errors import KonomiError
from konomi.i18n import kept, shown, t
from konomi.learn.prior import unit_mean
from konomi.progress import Reporter
from konomi.store.journal import latest_operation
from konomi.workspace import LABELS

BACKGROUND_FROM = 20_000  # files known to the cache from which the page scans in the background
WAITING = ("pending", "skip")
ALIKE_SHOWN = 12  # look-alikes the page shows next to an image (a burst decision covers all)
FRAMES_SHOWN = 12  # frames of its culling burst the page shows next to an image
PAST = {"like": "liked", "dislike": "disliked", "skip": "skipped", "gone": "taken out"}

__all__ = [
    "ALIKE_SHOWN",
    "DECISIONS",
    "LOCK_WAIT",
    "DecisionRefused",
    "Item",
    "ReviewQueue",
    "Retraining",
    "scan",
]


class ReviewQueue(Decisions):
    """The images to review, their order, and the decisions taken on them (thread-safe)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.ws = ctx.ws
        self.lock = threading.RLock()
        self.contents = Contents(ctx.ws, ctx.thresholds())  # konomi.toml's, until a head
        self.worker = RetrainWorker(self.lock)
        self.words = taste.Words(
            taste.Taste(list(ctx.settings.like_text), list(ctx.settings.dislike_text))
        )
        self.journal_seen = 0  # the newest journal operation this queue knows the effect of
        self._rescanning = threading.Lock()
        # Scans may overlap (the background scan, a retrain's): each is numbered as it begins,
        # and one that ends after a later one merged is dropped (it saw an older head, files).
        self._tickets = itertools.count(1)
        self._merged = 0
        self.make_context: Callable[[], Context] | None = None  # set by the server: auto retrain
        self.culling = Culling()
        self.scanning = ScanProgress()  # the background scan of a large library (`start`)

    # The parts most read from outside (the server, the tests).
    @property
    def items(self) -> dict[int, Item]:
        return self.contents.items

    @property
    def head_id(self) -> str | None:
        return self.contents.head_id

    @property
    def thresholds(self) -> tuple[float, float]:
        return self.contents.thresholds

    @property
    def retraining(self) -> Retraining:
        return self.worker.state

    # -- filling ---------------------------------------------------------------------------
    def start(self) -> None:
        """Fill the queue for the page's first answer. A small workspace is scanned at once, as
        `load` does; a large one (`BACKGROUND_FROM` files the cache knows, a second's scan and
        more) starts from the cache's most informative images (`first.py`), and the full scan
        runs in the background (`scanning` says how far it is; the page refreshes its queue when
        it ends). Decisions taken meanwhile stand, once: the scan's merge keeps them."""
        if self.ctx.cache.count_files() < BACKGROUND_FROM and faults.scan_gate() is None:
            self.load()
            return
        seen = latest_operation(self.ws)
        first = first_images(self.ctx)
        if first is not None:
            self._order_and_measure(self.ctx, first)
            with self.lock:
                self.contents.merge(first)
                self.journal_seen = seen
        else:
            self.words.cold = True  # nothing to show before the scan: the page says so
        self.scan_in_background(new_round=first is None)

    def scan_in_background(self, *, new_round: bool) -> None:
        """The full scan in a thread of its own (its own cache connection), reporting to
        `scanning`."""
        ctx = self.ctx.sharing_model(Reporter(on_progress=self.scanning.heard))

        def work() -> None:
            try:
                self.load(ctx, new_round=new_round, step=self.scanning.reached, gate=True)
            finally:
                ctx.close()

        run_in_background(self.scanning, work, _described)

    def load(
        self,
        ctx: Context | None = None,
        *,
        new_round: bool = True,
        step: Callable[[str, int | None], None] | None = None,
        gate: bool = False,
    ) -> None:
        """Scan the folders, score with the current head, and merge into the queue.

        Pending and skipped images get their new score and order (a new round starts, unless
        `new_round` is False); decided ones keep their state, also those decided while this
        scan ran; images no longer on disk leave the queue. Only the merge holds the lock.
        `step` hears each step as it starts (the background scan's progress).
        """
        ctx = ctx or self.ctx
        step = step or _no_step
        ticket = next(self._tickets)
        seen = latest_operation(self.ws)
        found = scan(ctx, step=step)
        self._order_and_measure(ctx, found)
        culling = Culling()
        culling.refresh(ctx, found)
        step("merging", None)
        with self.lock:
            known = {it.path for it in self.contents.items.values() if it.state in WAITING}
        made = self.contents.prepare(found, known)
        if gate:
            wait_for_gate()
        with self.lock:
            if ticket < self._merged:
                return  # a scan begun later (a retrain's, with a newer head) merged already
            self._merged = ticket
            self.contents.merge(found, new_round=new_round, since=seen, made=made)
            self.culling = culling
            self.journal_seen = max(self.journal_seen, seen)

    def catch_up(self) -> bool:
        """Rescan when another command moved files since this queue last looked (`konomi undo`
        or `classify` in a terminal while the page is open): images sent back reappear, and
        decisions whose files are gone leave the page's history. True when it rescanned.

        The page asks for this whenever it comes back into view; the round does not restart.
        """
        if latest_operation(self.ws) == self.journal_seen or self.worker.running:
            return False
        if self.scanning.running:
            return False  # the scan under way merges what it finds; a later look catches up
        if not self._rescanning.acquire(blocking=False):
            return False  # another request is already rescanning
        try:
            self.load(new_round=False)
            return True
        finally:
            self._rescanning.release()

    # -- reading ---------------------------------------------------------------------------
    def pending(self) -> list[Item]:
        with self.lock:
            matches = self._matches()  # a search: its matches, best first, until all decided
            return matches if matches is not None else self.contents.waiting()

    def get(self, item_id: int) -> Item | None:
        with self.lock:
            return self.contents.items.get(item_id)

    def snapshot(self, ahead: int = 6) -> dict[str, Any]:
        """The page's view: the next images, progress this round, the head, retraining; its
        sentences in the language in force (the server speaks the request's)."""
        with self.lock:
            c, w = self.contents, self.words
            shown_next, matches = self._present(ahead)
            states = c.states()
            # The session's decisions, across retrains: a like stays a like when a new round
            # starts; a skip is counted when made (the image comes back next round).
            counts = {PAST[s]: states[s] for s in LABELS}
            counts[PAST["skip"]] = c.skips
            waiting = c.waiting_by_path()
            return {
                "head": c.head_id,
                "note": " ".join(shown(n) for n in w.notes).strip(),
                "thresholds": {"dislike": c.thresholds[0], "like": c.thresholds[1]},
                "done": sum(counts.values()),
                "left": states["pending"] if matches is None else len(matches),
                "counts": counts,
                "new_labels": c.new_labels,
                "unreadable": c.unreadable,
                "quality": taste.quality_public(w.standing, w.labels, c.head_id),
                "cold": w.cold,
                "search": w.search_text,
                "taste": {"like": w.taste.like, "dislike": w.taste.dislike},
                "text_ui": {key: t(f"page.text.{key}_placeholder") for key in taste.PAGE_TEXTS},
                "items": [self._public(it, matches, waiting) for it in shown_next],
                "retrain": self.worker.state.public(),
                "scan": self.scanning.public(),
            }

    def _present(self, ahead: int) -> tuple[list[Item], list[Item] | None]:
        """The first `ahead` pending images (those the page shows), each on disk: one found
        gone (deleted, or moved by another command while a scan ran) leaves the queue here,
        before the page is told of it — a few stats per answer. With a search, its matches too.
        """
        while True:
            matches = self._matches()
            first = matches[:ahead] if matches is not None else self.contents.first_waiting(ahead)
            gone = [it for it in first if not os.path.lexists(it.path)]
            if not gone:
                return first, matches
            for item in gone:
                item.state = "gone"

    def _matches(self) -> list[Item] | None:
        """A search's pending matches, best first (None: no search, or all of it decided)."""
        w = self.words
        if w.focused is None:
            return None
        items = self.contents.items
        found = [items[i] for i in w.focused if items[i].state == "pending"]
        if found:
            return found
        w.focused, w.search_text = None, ""  # all decided: back to the queue's own order
        return None

    def _public(
        self, item: Item, matches: list[Item] | None, waiting: Mapping[Path, Item]
    ) -> dict[str, Any]:
        """An image as the page gets it: with its look-alikes (among a search's matches, if
        any), and its culling burst (among the images still waiting: pending or skipped)."""
        burst = self.culling.public(item, waiting, FRAMES_SHOWN, lambda it: it.public(self.ws))
        return {**self.contents.public(item, matches, ALIKE_SHOWN), "cull": burst}

    # -- keepers -----------------------------------------------------------------------------
    def keep(self, item_id: int) -> str:
        """Make the image its burst's keeper: journaled (kind "keeper"), so `konomi cull` and
        `cull --apply` follow the choice and `konomi undo` takes it back."""
        with self.lock:
            item = self.contents.items.get(item_id)
            if item is None or item.state != "pending":
                raise DecisionRefused(
                    t("page.server.not_in_review"), t("page.server.not_in_review_hint")
                )
            burst = self.culling.burst_of(item, self.contents.waiting_by_path())
            if burst is None:
                raise DecisionRefused(t("page.burst.none", name=item.path.name))
            if burst.keeper == item.path and burst.reason == "chosen":
                return t("page.burst.kept_already", name=item.path.name)
            op = cull.keep(self.ctx, item.path, item.digest, wait=LOCK_WAIT)
            self._saw_own(op)
            self.culling.chose(item.path)
            return t("page.burst.kept", name=item.path.name, n=len(burst.frames) - 1)

    # -- retraining ------------------------------------------------------------------------
    def retrain(self, make_context: Callable[[], Context], *, auto: bool = False) -> bool:
        """Train a new head in the background, then rescore the queue; False if one runs.
        `auto`: the page's own retrain every few labels (the round goes on)."""
        return self.worker.start(make_context, self._rescore, auto=auto)

    def _rescore(self, ctx: Context, auto: bool) -> None:
        # After the background scan, not beside it: two scans of a million images at once
        # would hold both in memory. (The retrain thread holds no lock while it waits.)
        self.scanning.idle.wait()
        self.load(ctx, new_round=not auto)

    # -- from zero, taste in words, search (app/review/taste.py) ---------------------------
    def _order_and_measure(self, ctx: Context, found: Scan) -> None:
        """Order a scan with few or no labels by the typical picks and the words, and measure
        the head the scan used."""
        w = self.words
        w.labels = taste.label_counts(self.ws)
        w.cold = found.scores is None
        n_labels = sum(w.labels.values())
        info, note = taste.order(ctx, found.paths, found.scores, w.taste, n_labels)
        if info is not None:
            found.info = np.asarray(info, dtype=np.float64)
        notes = [found.note] if found.note else []
        if w.cold and not n_labels:
            notes = []  # no labels, so no model: the note below says both, once
        if w.cold:
            notes.append(kept("text.cold.note", every=taste.AUTO_EVERY))
        if note:
            notes.append(note)
        w.notes = notes
        w.standing = taste.quality(ctx)

    def _labelled(self, label: str, n: int) -> None:
        """Count new labels; every AUTO_EVERY of them, retrain in the background (the key press
        that crossed the mark returns at once; the order follows the new head when it is done)."""
        w = self.words
        w.labels[label] = w.labels.get(label, 0) + n
        w.since_auto += n
        if (
            self.make_context is not None
            and w.since_auto >= taste.AUTO_EVERY
            and min(w.labels.values()) >= 2
            and not self.worker.running
        ):
            w.since_auto = 0
            self.retrain(self.make_context, auto=True)

    def _unlabelled(self, was: list[Path]) -> None:
        w = self.words
        for path in was:
            label = self.ws.label_of(path)
            if label in w.labels:
                w.labels[label] = max(0, w.labels[label] - 1)
        w.since_auto = max(0, w.since_auto - len(was))

    def search(self, text: str) -> str:
        """Show the waiting images that best match `text` first (the page's search box); an
        empty text goes back to the queue's own order."""
        text = " ".join(text.split())
        w = self.words
        if not text:
            with self.lock:
                w.focused, w.search_text = None, ""
            return t("text.search.cleared")
        with self.lock:
            items = self.contents.waiting()
        hits = _focus(self.ctx, items, text)
        with self.lock:
            w.focused = [items[i].id for i, _ in hits]
            w.search_text = text
        return t("text.search.filtered", n=len(hits), text=text)

    def set_taste(self, like: list[str], dislike: list[str]) -> str:
        """Phrases of taste for this session (the page's box): the queue is ordered again."""
        w = self.words
        w.taste = taste.Taste(
            [p.strip() for p in like if p.strip()], [p.strip() for p in dislike if p.strip()]
        )
        self.load(new_round=False)
        return t("text.taste.set", n_like=len(w.taste.like), n_dislike=len(w.taste.dislike))


def _focus(ctx: Context, items: list[Item], text: str) -> list[tuple[int, float]]:
    """(index into `items`, similarity) of the best matches of `text`, best first, as
    `taste.focus` keeps them: the cached vectors are read from the vector file in one pass
    (a million waiting images: no 2 GB block of them); only images without a sound one are
    embedded."""
    query = unit_mean(text_vectors(ctx, [text]))
    sims = similarities(ctx, [it.digest for it in items], query)
    missing = np.flatnonzero(np.isnan(sims)).tolist()
    if missing:
        where = {items[i].path: i for i in missing}
        embedded = ctx.embed(list(where))
        got = np.asarray(embedded.vectors, np.float32) @ np.asarray(query, np.float32)
        for path, sim in zip(embedded.paths, got.tolist()):
            sims[where[path]] = sim
    ranked = [i for i in np.argsort(-sims, kind="stable").tolist() if not np.isnan(sims[i])]
    keep = max(taste.FOCUS_MIN, int(np.ceil(taste.FOCUS_SHARE * len(items))))
    return [(i, float(sims[i])) for i in ranked[:keep]]


def _no_step(name: str, n: int | None) -> None:
    """A scan nobody follows step by step."""


def _described(exc: BaseException) -> str:
    """A failed background scan in words for the page (a KonomiError says its own)."""
    if isinstance(exc, KonomiError):
        return exc.message
    return f"{type(exc).__name__}: {exc}"
