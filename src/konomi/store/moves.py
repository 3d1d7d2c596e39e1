"""The move state machine: journaled, collision-safe file moves and their crash repair.

How one move works (docs/safety.md has the full argument):
1. **plan** — the move (source, destination name, and the source's identity: device + inode) is
   written to the SQLite journal and committed *before* anything on disk changes; moves are
   planned in batches that share one commit.
2. **link** — the destination is created as a hard link to the source with `os.link`, which
   fails rather than replace an existing file: a collision is impossible, and a new name
   (`name (1).jpg`) is journaled and used instead.
3. **unlink** — the source name is removed. *This is the commit point*: before it the photo is
   at its old place (perhaps also at the new one, as the same inode); after it, only at the new
   one. If the source cannot be removed, the new link is removed again and the move is skipped.
4. **done** — the journal marks the batch's moves done.

Where hard links are impossible (another device, a file system without them) the file is
copied to a hidden part-file `.konomi-part-<move id>` in the destination folder, flushed,
verified byte for byte, its identity journaled, then linked (or renamed without replacing) into
place, and only then is the source removed — the commit point again.

A crash at any instant leaves each journaled move in a state `repair` recognises from the
journal and the file system: a destination that is *ours* (the source's inode, or our journaled
copy) finishes the move or rolls it back, part-files are deleted, and every file ends in exactly
one place. The file-system steps are `store/fsops.py`, the path checks `store/safepaths.py`;
this module holds the order of the steps and what the journal says at each.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from konomi import faults
from konomi.atomic import fsync_folder
from konomi.i18n import t
from konomi.progress import Progress
from konomi.store.fsops import (
    NO_HARD_LINK,
    copy_to_part,
    free_name,
    group_names,
    identity,
    identity_of,
    is_regular,
    link,
    part_path,
    rename_noreplace,
    same_bytes,
    same_bytes_quiet,
    same_file,
)
from konomi.store.ledger import Ledger
from konomi.store.safepaths import Gone, Hopeless, prepare_folder, stored, unsafe_path

BATCH = 64  # moves planned per journal commit


@dataclass(frozen=True)
class PlannedMove:
    """A file to move into a folder; `stamp` is (size, mtime_ns) when it was scored."""

    src: Path
    dst_dir: Path
    stamp: tuple[int, int] | None = None
    digest: str | None = None
    name: str | None = None  # the name to take there (default: the source's name)
    # Files that travel with this one (its RAW twin, XMP sidecars), each its own journaled move
    # in the same operation, after this one succeeded; they keep their part of the name after
    # the source's stem, and all take the same new stem when any name collides.
    companions: tuple[Path, ...] = ()


@dataclass
class MoveReport:
    """What an operation did: moves done, moves refused (with the reason)."""

    op: int
    moved: list[tuple[Path, Path]] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    # Companions (`PlannedMove.companions`) moved, and those that could not follow their photo
    # (a companion of a photo that stayed is not listed: it stays with it).
    companions: list[tuple[Path, Path]] = field(default_factory=list)
    companions_left: list[tuple[Path, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # for the person, e.g. history lost


@dataclass
class RepairReport:
    """What `repair` found after a crash."""

    finished: int = 0
    rolled_back: int = 0
    part_files_removed: int = 0
    operations: int = 0
    stuck: list[tuple[str, str]] = field(default_factory=list)  # (path, why) left for later

    def __bool__(self) -> bool:
        return bool(self.operations or self.finished or self.rolled_back or self.stuck)


# Where a test may crash or pause a move (`konomi.faults`), in the order a move passes them.
FAULT_POINTS = (
    "before_plan",  # a batch is about to be planned (files scored, nothing journaled)
    "after_plan",  # a batch is journaled, nothing moved yet
    "after_link",  # the destination link exists, the source too (same inode)
    "after_unlink",  # the source is removed: the move is committed, not yet marked done
    "after_move",  # after each move of a batch (its done mark comes at the batch's end)
    "after_batch",  # a batch is marked done
    "after_copy",  # cross-device: the part-file is written and flushed, not yet verified
    "after_copy_recorded",  # cross-device: the verified copy's identity is journaled
    "after_place",  # cross-device: the copy is in place, the source still exists
    "repair",  # repair has settled one move
)


class _Unsafe(Exception):
    """A move stopped half-way in a state only `repair` may settle: keep it 'planned'."""


class Moves:
    """The journal's moves, written through a `Ledger` (the journal's open file)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.ws = ledger.ws
        self.db = ledger.db

    def _unsafe(self, path: Path) -> str | None:
        """Why a move must not touch `path` now, or None: it must lie inside the workspace and
        every folder on the way there must be a real folder, not a symbolic link (a folder
        swapped for a link to somewhere else is refused at the moment of the move)."""
        return unsafe_path(self.ws, path)

    # -- repair ----------------------------------------------------------------------------
    def repair(self) -> RepairReport:
        """Finish or roll back every move a crashed process left half-done.

        For each move still 'planned' or 'copying': our part-file is deleted; a destination that
        is ours (the source's own inode, or our journaled copy) with the source gone finishes the
        move; a hard link of the source finishes it too (the source name is removed); a copy of
        ours with the source still there is rolled back (the copy is removed: the source is the
        authority). A destination that is not ours is never touched. Operations left open are
        marked interrupted.
        """
        report = RepairReport()
        try:
            open_ops = [
                r[0] for r in self.db.execute("SELECT id FROM operations WHERE state='open'")
            ]
            rows = self.db.execute(
                "SELECT id, src, dst, reverts, src_id, copy_id, state FROM moves "
                "WHERE state IN ('planned','copying') ORDER BY id"
            ).fetchall()
            for row in rows:
                try:
                    move_id, src, dst, reverts, src_id, copy_id, state = row
                    self._repair_move(move_id, src, dst, reverts, src_id, copy_id, state, report)
                except OSError as exc:
                    report.stuck.append((row[1], exc.strerror or str(exc)))
                faults.reached("repair")
            with self.ledger.tx():
                for op in open_ops:
                    self.db.execute("UPDATE operations SET state='interrupted' WHERE id=?", (op,))
        except sqlite3.DatabaseError as exc:
            raise self.ledger.failed(exc) from None
        report.operations = len(open_ops)
        return report

    def _repair_move(
        self,
        move_id: int,
        src_rel: str,
        dst_rel: str,
        reverts: int | None,
        src_id: str | None,
        copy_id: str | None,
        state: str,
        report: RepairReport,
    ) -> None:
        src, dst = self.ledger.abs(src_rel), self.ledger.abs(dst_rel)
        why = self._unsafe(src) or self._unsafe(dst)
        if why:  # nothing is touched through a link; the move waits for the person
            report.stuck.append((str(src_rel), why))
            return
        part = part_path(dst, move_id)
        if os.path.lexists(part) and not os.path.isdir(part):
            part.unlink()
            report.part_files_removed += 1
        src_there = os.path.lexists(src)
        dst_id = identity_of(dst)
        linked = dst_id is not None and (
            (src_id is not None and dst_id == src_id) or (src_there and same_file(src, dst))
        )
        copied = (
            dst_id is not None
            and copy_id is not None
            and not linked
            and (dst_id == copy_id or (src_there and same_bytes_quiet(src, dst)))
        )
        moved = dst_id is not None and not src_there
        if linked and src_there:
            if same_file(src, dst):
                src.unlink()  # the hard link was made: finish at the commit point
            moved = True  # (a new file under the source's name since: both stay)
        elif copied and src_there:
            if same_bytes_quiet(src, dst):
                dst.unlink()  # our copy of an untouched source: roll back to the source
            else:
                moved = True  # the source changed since: keep both, lose neither
        if moved:
            self._mark_done(move_id, reverts)
            report.finished += 1
        else:
            why = "interrupted before the move" if src_there else "file missing after a crash"
            self.db.execute("UPDATE moves SET state='skipped', reason=? WHERE id=?", (why, move_id))
            report.rolled_back += 1

    def _mark_done(self, move_id: int, reverts: int | None) -> None:
        self.db.execute("UPDATE moves SET state='done' WHERE id=?", (move_id,))
        if reverts is not None:
            self.db.execute("UPDATE moves SET reverted_by=? WHERE id=?", (move_id, reverts))

    # -- moving ----------------------------------------------------------------------------
    def run(
        self,
        kind: str,
        moves: Sequence[PlannedMove],
        *,
        note: str = "",
        progress: Progress | None = None,
        reverts: Sequence[int | None] | None = None,
        companion_reverts: Mapping[Path, int] | None = None,
    ) -> MoveReport:
        """Perform `moves` as one journaled operation of `kind` (e.g. "classify", "review").

        Interrupted by an exception (Ctrl-C, a full disk), it settles its own half-done moves
        before the exception goes on, exactly as the next command's `repair` would.
        """
        try:
            op = self.ledger.new_op(kind, note)
            report = MoveReport(op)
            total = len(moves)
            try:
                for start in range(0, total, BATCH):
                    chunk = list(moves[start : start + BATCH])
                    chunk_reverts: list[int | None] = (
                        list(reverts[start : start + BATCH]) if reverts else [None] * len(chunk)
                    )
                    self._run_batch(op, chunk, chunk_reverts, report, companion_reverts or {})
                    if progress:
                        progress(t("progress.moving"), min(start + BATCH, total), total)
                self.ledger.close_op(op)
                if report.moved and self.ledger.lost():
                    report.warnings.append(t("safety.history_lost", n=len(report.moved)))
            except BaseException:
                with contextlib.suppress(Exception):
                    self.repair()
                raise
        except sqlite3.Error as exc:
            raise self.ledger.failed(exc) from None
        return report

    def _run_batch(
        self,
        op: int,
        chunk: list[PlannedMove],
        reverts: list[int | None],
        report: MoveReport,
        companion_reverts: Mapping[Path, int],
    ) -> None:
        faults.reached("before_plan")
        planned: list[tuple[int, PlannedMove, Path, int | None, str]] = []
        riders: dict[int, list[tuple[int, Path, Path, int | None, str]]] = {}
        with self.ledger.tx():
            taken: set[Path] = set()
            for move, rev in zip(chunk, reverts):
                reason, st = self._refusal(move)
                if reason is None:
                    reason = self._unsafe(move.src) or prepare_folder(move.dst_dir, self.ws)
                if reason is not None or st is None:
                    report.skipped.append(
                        (move.src, reason or Hopeless(t("safety.move.not_regular")))
                    )
                    continue
                name = move.name or move.src.name
                if move.companions:
                    dst, rider_dsts = group_names(
                        move.src, move.dst_dir, move.companions, name, taken
                    )
                else:
                    dst, rider_dsts = free_name(move.dst_dir, name, taken), []
                src_text, dst_text = stored(self.ws.rel(move.src)), stored(self.ws.rel(dst))
                if src_text is None or dst_text is None:
                    report.skipped.append((move.src, t("safety.move.bad_name")))
                    continue
                taken.add(dst)
                size, mtime = move.stamp or (None, None)
                cur = self.db.execute(
                    "INSERT INTO moves(op, src, dst, state, size, mtime_ns, digest, reverts, "
                    "src_id) VALUES (?, ?, ?, 'planned', ?, ?, ?, ?, ?)",
                    (
                        op,
                        src_text,
                        dst_text,
                        size,
                        mtime,
                        move.digest,
                        rev,
                        identity(st),
                    ),
                )
                move_id = int(cur.lastrowid or 0)
                planned.append((move_id, move, dst, rev, identity(st)))
                riders[move_id] = self._plan_companions(
                    op, move_id, rider_dsts, taken, companion_reverts, report
                )
        faults.reached("after_plan")
        done: list[tuple[int, int | None]] = []
        for move_id, move, dst, rev, src_id in planned:
            try:
                final = self._move_file(move_id, move, dst, src_id)
            except _Unsafe as exc:
                report.skipped.append((move.src, str(exc)))  # left 'planned' for repair
                self._stay(riders[move_id], str(exc))
                continue
            except OSError as exc:
                why = t("safety.move.failed", why=exc.strerror or exc)
                self._skip(move_id, why)
                report.skipped.append((move.src, why))
                self._stay(riders[move_id], why)
                continue
            if isinstance(final, str):
                self._skip(move_id, final)
                report.skipped.append((move.src, final))
                self._stay(riders[move_id], final)
                continue
            done.append((move_id, rev))
            report.moved.append((move.src, final))
            faults.reached("after_move")
            done += self._move_companions(riders[move_id], report)
        with self.ledger.tx():
            for move_id, rev in done:
                self._mark_done(move_id, rev)
        faults.reached("after_batch")

    def _plan_companions(
        self,
        op: int,
        primary: int,
        rider_dsts: list[tuple[Path, Path]],
        taken: set[Path],
        companion_reverts: Mapping[Path, int],
        report: MoveReport,
    ) -> list[tuple[int, Path, Path, int | None, str]]:
        """Journal the moves of a photo's companions (inside the caller's transaction)."""
        out = []
        for src, dst in rider_dsts:
            try:
                st = os.lstat(src)
            except OSError as exc:
                why = t("safety.move.cannot_reach", why=exc.strerror or exc)
                report.companions_left.append((src, why))
                continue
            if not is_regular(st):
                report.companions_left.append((src, Hopeless(t("safety.move.not_regular"))))
                continue
            src_text, dst_text = stored(self.ws.rel(src)), stored(self.ws.rel(dst))
            if src_text is None or dst_text is None:
                report.companions_left.append((src, t("safety.move.bad_name")))
                continue
            taken.add(dst)
            rev = companion_reverts.get(src)
            cur = self.db.execute(
                "INSERT INTO moves(op, src, dst, state, size, mtime_ns, reverts, src_id, "
                "companion_of) VALUES (?, ?, ?, 'planned', ?, ?, ?, ?, ?)",
                (
                    op,
                    src_text,
                    dst_text,
                    st.st_size,
                    st.st_mtime_ns,
                    rev,
                    identity(st),
                    primary,
                ),
            )
            out.append((int(cur.lastrowid or 0), src, dst, rev, identity(st)))
        return out

    def _move_companions(
        self, riders: list[tuple[int, Path, Path, int | None, str]], report: MoveReport
    ) -> list[tuple[int, int | None]]:
        """Move a photo's companions once the photo itself has moved."""
        done: list[tuple[int, int | None]] = []
        for move_id, src, dst, rev, src_id in riders:
            move = PlannedMove(src, dst.parent, name=dst.name)
            try:
                final = self._move_file(move_id, move, dst, src_id)
            except _Unsafe as exc:
                report.companions_left.append((src, str(exc)))
                continue
            except OSError as exc:
                final = t("safety.move.failed", why=exc.strerror or exc)
            if isinstance(final, str):
                self._skip(move_id, final)
                report.companions_left.append((src, final))
                continue
            done.append((move_id, rev))
            report.companions.append((src, final))
        return done

    def _stay(
        self,
        riders: list[tuple[int, Path, Path, int | None, str]],
        why: str,
    ) -> None:
        """The photo did not move: its companions stay with it (the photo's reason is
        reported; they are not reported apart)."""
        for move_id, _src, _dst, _rev, _id in riders:
            self._skip(move_id, t("safety.move.stays", why=why))

    def _skip(self, move_id: int, reason: str) -> None:
        with self.ledger.tx():
            self.db.execute(
                "UPDATE moves SET state='skipped', reason=? WHERE id=?", (reason, move_id)
            )

    def _refusal(self, move: PlannedMove) -> tuple[str | None, os.stat_result | None]:
        """(why a move must not happen now, or None; the source's lstat)."""
        try:
            st = os.lstat(move.src)
        except FileNotFoundError:
            return Gone(t("safety.move.gone")), None
        except OSError as exc:
            return t("safety.move.cannot_reach", why=exc.strerror or exc), None
        if not is_regular(st):
            return Hopeless(t("safety.move.not_regular")), st
        if move.stamp and (st.st_size, st.st_mtime_ns) != tuple(move.stamp):
            return t("safety.move.changed"), st
        return None, st

    def _move_file(self, move_id: int, move: PlannedMove, dst: Path, src_id: str) -> Path | str:
        """Move one file without ever replacing another; returns where it ended, or why not."""
        src = move.src
        reason, st = self._refusal(move)
        if reason is not None or st is None:
            return reason or Hopeless(t("safety.move.not_regular"))
        if identity(st) != src_id:
            return t("safety.move.replaced")
        while True:
            why = self._unsafe(src) or self._unsafe(dst)
            if why:
                return why
            try:
                link(src, dst)
                break
            except FileExistsError:
                dst = self._rename_planned(move_id, move.dst_dir, move.name or src.name)
            except OSError as exc:
                if exc.errno in NO_HARD_LINK:
                    return self._copy_move(move_id, move, dst)
                raise
        faults.reached("after_link")
        return self._commit(src, dst, src_id, self._unsafe(src) or self._unsafe(dst))

    def _commit(self, src: Path, dst: Path, ours: str, why: str | None) -> Path | str:
        """The commit point of a move whose new name `dst` is in place: remove the source. If a
        folder on the way was swapped for a link in the last instant (`why`), or the source
        cannot be removed, take our new name back and leave the file where it was."""
        if why:
            self._undo_link(dst, ours, OSError(errno.ELOOP, why))
            return why
        try:
            os.unlink(src)
        except OSError as exc:
            self._undo_link(dst, ours, exc)
            raise
        faults.reached("after_unlink")
        return dst

    @staticmethod
    def _undo_link(dst: Path, ours: str, exc: OSError) -> None:
        """The source cannot be removed (a read-only folder): take our new name back."""
        try:
            if identity_of(dst) == ours:
                dst.unlink()
        except OSError:
            raise _Unsafe(
                t("safety.move.failed_copy_left", why=exc.strerror or exc, copy=dst.name)
            ) from None

    def _rename_planned(self, move_id: int, folder: Path, name: str) -> Path:
        """A file appeared under the planned name: journal a free name before using it."""
        dst = free_name(folder, name)
        with self.ledger.tx():
            self.db.execute(
                "UPDATE moves SET dst=? WHERE id=?", (stored(self.ws.rel(dst)) or "", move_id)
            )
        return dst

    def _copy_move(self, move_id: int, move: PlannedMove, dst: Path) -> Path | str:
        """Across devices: copy to a part-file, verify, put in place, then remove the source."""
        src = move.src
        with self.ledger.tx():
            self.db.execute("UPDATE moves SET state='copying' WHERE id=?", (move_id,))
        part = part_path(dst, move_id)
        try:
            copy_to_part(src, part)
            faults.reached("after_copy")
            if not same_bytes(src, part):
                raise OSError(errno.EIO, t("safety.move.copy_mismatch"))
        except BaseException:
            with contextlib.suppress(OSError):
                part.unlink()
            raise
        copy_id = identity(os.lstat(part))
        with self.ledger.tx():
            self.db.execute("UPDATE moves SET copy_id=? WHERE id=?", (copy_id, move_id))
        faults.reached("after_copy_recorded")
        while True:
            why = self._unsafe(src) or self._unsafe(dst)
            if why:
                with contextlib.suppress(OSError):
                    part.unlink()
                return why
            try:
                try:
                    link(part, dst, same_folder=True)
                    part.unlink()
                except OSError as exc:
                    if exc.errno not in NO_HARD_LINK:
                        raise
                    rename_noreplace(part, dst)  # no hard links on this file system
                break
            except FileExistsError:
                dst = self._rename_planned(move_id, move.dst_dir, move.name or src.name)
            except BaseException:
                with contextlib.suppress(OSError):
                    part.unlink()
                raise
        fsync_folder(dst.parent)
        faults.reached("after_place")
        return self._commit(src, dst, copy_id, self._unsafe(src))
