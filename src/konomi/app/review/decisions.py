"""Decisions of the review page and their undo: each like or dislike one journaled move (a label
in the label store for a library image), a skip a mark in memory; undo walks the journal.

A decision is one journal operation of kind "review": like → `data/train/like/`, dislike →
`data/train/dislike/`, through the same `Journal` as `classify`, under the workspace lock taken
for that one decision. So `classify` and review never interleave, a crash in the middle is
repaired like any other, and `konomi undo` reverts a decision like any other operation. A file
that moved or vanished behind our back is refused by the journal (its size and mtime no longer
match), reported, and dropped from the queue.

`Decisions` is a part of `ReviewQueue` (which holds the lock): it reads and changes the queue's
`contents` and tells the queue of labels added and taken back (`_labelled`, `_unlabelled`).
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

from konomi.app.context import Context
from konomi.app.folders import ignore_rules
from konomi.app.library import key, library_roots
from konomi.app.review.contents import Contents, Item, scan, sub_folder
from konomi.encode.pairs import companions_for
from konomi.errors import KonomiError
from konomi.i18n import t
from konomi.store.journal import Gone, Journal, PlannedMove
from konomi.workspace import LABELS, Workspace, workspace_lock

LOCK_WAIT = 1.5  # seconds a decision waits for another konomi command before giving up
DECISIONS = (*LABELS, "skip")


class DecisionRefused(KonomiError):
    """A decision that cannot be carried out now; the page shows the message."""


class Decisions:
    """Like, dislike, skip and undo on the queue's contents (a part of `ReviewQueue`)."""

    ctx: Context
    ws: Workspace
    lock: threading.RLock
    contents: Contents
    journal_seen: int

    def pending(self) -> list[Item]:
        raise NotImplementedError

    def _matches(self) -> list[Item] | None:
        raise NotImplementedError

    def load(self, ctx: Context | None = None, *, new_round: bool = True) -> None:
        raise NotImplementedError

    def _labelled(self, label: str, n: int) -> None:
        raise NotImplementedError

    def _unlabelled(self, was: list[Path]) -> None:
        raise NotImplementedError

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
            item = self.contents.items.get(item_id)
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
                item.state, item.round = "skip", self.contents.round
                self.contents.skips += 1
                self.contents.history.append(item.id)
                return t("page.server.skipped", name=item.path.name)
            group = [item, *self.contents.alike(item, self._matches())] if burst else [item]
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
            it.state, it.round, it.op = label, self.contents.round, report.op
            self.contents.history.append(it.id)
        self.contents.new_labels += len(items)
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
                target / sub_folder(ws, it.path),
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
            moved.path, moved.state, moved.round, moved.op = (
                dst,
                label,
                self.contents.round,
                report.op,
            )
            with contextlib.suppress(OSError):  # the same inode, unless copied across disks
                st = os.stat(dst)
                moved.identity = (st.st_dev, st.st_ino)
            self.contents.history.append(moved.id)
        self.contents.new_labels += len(report.moved)
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
            if (
                self.contents.history
                and self.contents.items[self.contents.history[-1]].state == "skip"
            ):
                item = self.contents.items[self.contents.history.pop()]
                item.state = "pending"
                self.contents.skips = max(0, self.contents.skips - 1)
                self.contents.to_front(item)
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
            self.contents.new_labels = max(0, self.contents.new_labels - len(report.moved))
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
            if item.id in self.contents.history:
                self.contents.history.remove(item.id)
            self.contents.to_front(item)
        self.contents.new_labels = max(0, self.contents.new_labels - len(paths))
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
        self.contents.by_path[back] = item.id  # waiting here again
        item.state, item.op, item.origin = "pending", None, self.ws.folder_of(back)
        if item.id in self.contents.history:
            self.contents.history.remove(item.id)
        self.contents.to_front(item)

    def _decided(self, op: int, was: Path, now: Path) -> Item | None:
        """The item that decision `op` took at `was`; for a decision of an earlier session, a
        new item for the file now at `now`, scanned and scored (None if it cannot be read)."""
        item = next(
            (it for it in self.contents.items.values() if it.op == op and it.path == was), None
        )
        if item is not None:
            return item
        found = scan(self.ctx, [now])
        if not found.paths:
            return None
        score = None if found.scores is None else float(found.scores[0])
        return self.contents.new_item(now, found.digests[0], score, found.library.get(now, ""))
