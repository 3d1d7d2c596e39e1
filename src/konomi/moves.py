"""Journaled, collision-safe file moves, crash repair, and undo.

How one move works (see docs/safety.md for the proof sketch):
1. **plan** — the move (source, destination name) is written to the SQLite journal and committed
   *before* anything on disk changes; batches of moves share one commit.
2. **link** — the destination is created as a hard link to the source with `os.link`, which fails
   rather than replace an existing file: a collision is therefore impossible, and a new name
   (`name (1).jpg`) is chosen and journaled instead.
3. **unlink** — the source name is removed. *This is the commit point*: before it the photo is at
   its old place (perhaps also at the new one, as the same inode); after it, only at the new one.
4. **done** — the journal marks the move done.

Where hard links are impossible (another device, or a file system without them) the file is
copied to a hidden part-file in the destination folder, flushed, verified byte for byte, linked
or renamed into place without replacing anything, and only then is the source removed.

A crash at any instant leaves each journaled move in a state `repair` recognises: it finishes
moves whose destination exists, rolls back the ones that never happened, deletes our own
part-files, and so every file ends in exactly one place. Undo is itself a journaled operation of
reverse moves, so it is as crash-safe as the moves it reverts.
"""

from __future__ import annotations

import contextlib
import errno
import filecmp
import os
import shutil
import signal
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import JournalError
from .progress import Progress
from .workspace import Workspace

BATCH = 64  # moves planned per journal commit
_SCHEMA = """
CREATE TABLE IF NOT EXISTS operations (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, created REAL NOT NULL,
    state TEXT NOT NULL, note TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS moves (
    id INTEGER PRIMARY KEY, op INTEGER NOT NULL REFERENCES operations(id),
    src TEXT NOT NULL, dst TEXT NOT NULL, state TEXT NOT NULL,
    size INTEGER, mtime_ns INTEGER, digest TEXT,
    reverts INTEGER REFERENCES moves(id), reverted_by INTEGER REFERENCES moves(id),
    reason TEXT
);
CREATE INDEX IF NOT EXISTS moves_op ON moves(op);
CREATE INDEX IF NOT EXISTS moves_state ON moves(state);
"""
# move states: planned → (copying →) done | skipped
# operation states: open → done | interrupted (repaired after a crash)


@dataclass(frozen=True)
class PlannedMove:
    """A file to move into a folder; `stamp` is (size, mtime_ns) when it was scored."""

    src: Path
    dst_dir: Path
    stamp: tuple[int, int] | None = None
    digest: str | None = None
    name: str | None = None  # the name to take there (default: the source's name)


@dataclass
class MoveReport:
    """What an operation did: moves done, moves refused (with the reason)."""

    op: int
    moved: list[tuple[Path, Path]] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


@dataclass
class RepairReport:
    """What `repair` found after a crash."""

    finished: int = 0
    rolled_back: int = 0
    part_files_removed: int = 0
    operations: int = 0

    def __bool__(self) -> bool:
        return bool(self.operations)


# -- fault injection (tests only) ---------------------------------------------------------------
_FAULT = os.environ.get("KONOMI_TEST_CRASH_AT", "")
_fault_counts: dict[str, int] = {}


def _fault(point: str) -> None:
    """Kill this process with SIGKILL at a named point; armed only by the test suite.

    `KONOMI_TEST_CRASH_AT=point:N` kills at the N-th time `point` is reached.
    """
    if not _FAULT:
        return
    name, _, nth = _FAULT.partition(":")
    if name != point:
        return
    _fault_counts[point] = _fault_counts.get(point, 0) + 1
    if _fault_counts[point] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)


# -- file-system primitives ---------------------------------------------------------------------
def free_name(folder: Path, name: str, taken: set[Path] | frozenset[Path] = frozenset()) -> Path:
    """`folder/name`, or `folder/name (1).ext`, `(2)`, … — the first that does not exist.

    `taken` holds names already promised to other moves of the same batch.
    """
    candidate = folder / name
    stem, suffix = os.path.splitext(name)
    n = 1
    while os.path.lexists(candidate) or candidate in taken:
        candidate = folder / f"{stem} ({n}){suffix}"
        n += 1
    return candidate


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _part_path(dst: Path, move_id: int) -> Path:
    return dst.parent / f".konomi-part-{move_id}"


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Journal:
    """The move journal (`.konomi/journal.sqlite`). Callers hold the workspace lock."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        ws.ensure_state()
        path = ws.journal_path
        try:
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.executescript(_SCHEMA)
            row = self.db.execute("PRAGMA quick_check").fetchone()
            if not row or row[0] != "ok":
                raise sqlite3.DatabaseError(row[0] if row else "integrity check failed")
        except sqlite3.DatabaseError as exc:
            raise JournalError(
                f"The move journal {ws.rel(path)} is unreadable ({exc}). Nothing was moved.",
                f"Inspect it with: sqlite3 {ws.rel(path)} .dump — once your files are where you "
                f"want them, set it aside (mv {ws.rel(path)} {ws.rel(path)}.bad) to start a "
                "fresh journal; the undo history in it is then no longer available.",
            ) from None

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _tx(self):  # noqa: ANN202
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _abs(self, rel: str) -> Path:
        return self.ws.abs(rel)

    # -- repair ----------------------------------------------------------------------------
    def repair(self) -> RepairReport:
        """Finish or roll back every move a crashed process left half-done."""
        report = RepairReport()
        open_ops = [r[0] for r in self.db.execute("SELECT id FROM operations WHERE state='open'")]
        rows = self.db.execute(
            "SELECT id, src, dst, reverts FROM moves WHERE state IN ('planned','copying')"
        ).fetchall()
        for move_id, src_rel, dst_rel, reverts in rows:
            src, dst = self._abs(src_rel), self._abs(dst_rel)
            part = _part_path(dst, move_id)
            if os.path.lexists(part):
                part.unlink()
                report.part_files_removed += 1
            src_there, dst_there = os.path.lexists(src), os.path.lexists(dst)
            if src_there and dst_there and _same_file(src, dst):
                src.unlink()  # the link was made; finish the move
                src_there = False
            if dst_there and not src_there:
                self._mark_done(move_id, reverts)
                report.finished += 1
            else:
                why = "interrupted before the move" if src_there else "file missing after a crash"
                self.db.execute(
                    "UPDATE moves SET state='skipped', reason=? WHERE id=?", (why, move_id)
                )
                report.rolled_back += 1
        with self._tx():
            for op in open_ops:
                self.db.execute("UPDATE operations SET state='interrupted' WHERE id=?", (op,))
        report.operations = len(open_ops)
        return report

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
    ) -> MoveReport:
        """Perform `moves` as one journaled operation of `kind` (e.g. "classify", "review")."""
        with self._tx():
            cur = self.db.execute(
                "INSERT INTO operations(kind, created, state, note) VALUES (?, ?, 'open', ?)",
                (kind, time.time(), note),
            )
        op = int(cur.lastrowid or 0)
        report = MoveReport(op)
        total = len(moves)
        for start in range(0, total, BATCH):
            chunk = list(moves[start : start + BATCH])
            chunk_reverts = list(reverts[start : start + BATCH]) if reverts else [None] * len(chunk)
            self._run_batch(op, chunk, chunk_reverts, report)
            if progress:
                progress("moving", min(start + BATCH, total), total)
        with self._tx():
            self.db.execute("UPDATE operations SET state='done' WHERE id=?", (op,))
        return report

    def _run_batch(
        self,
        op: int,
        chunk: list[PlannedMove],
        reverts: list[int | None],
        report: MoveReport,
    ) -> None:
        planned: list[tuple[int, PlannedMove, Path, int | None]] = []
        with self._tx():
            taken: set[Path] = set()
            for move, rev in zip(chunk, reverts):
                reason = self._refusal(move)
                if reason:
                    report.skipped.append((move.src, reason))
                    continue
                move.dst_dir.mkdir(parents=True, exist_ok=True)
                dst = free_name(move.dst_dir, move.name or move.src.name, taken)
                taken.add(dst)
                size, mtime = move.stamp or (None, None)
                cur = self.db.execute(
                    "INSERT INTO moves(op, src, dst, state, size, mtime_ns, digest, reverts) "
                    "VALUES (?, ?, ?, 'planned', ?, ?, ?, ?)",
                    (op, self.ws.rel(move.src), self.ws.rel(dst), size, mtime, move.digest, rev),
                )
                planned.append((int(cur.lastrowid or 0), move, dst, rev))
        _fault("after_plan")
        done: list[tuple[int, int | None]] = []
        for move_id, move, dst, rev in planned:
            try:
                final = self._move_file(move_id, move, dst)
            except OSError as exc:
                with self._tx():
                    self.db.execute(
                        "UPDATE moves SET state='skipped', reason=? WHERE id=?",
                        (str(exc), move_id),
                    )
                report.skipped.append((move.src, f"could not move ({exc.strerror or exc})"))
                continue
            if final is None:
                with self._tx():
                    self.db.execute(
                        "UPDATE moves SET state='skipped', reason='changed' WHERE id=?",
                        (move_id,),
                    )
                report.skipped.append((move.src, "changed or vanished since it was scored"))
                continue
            done.append((move_id, rev))
            report.moved.append((move.src, final))
            _fault("after_move")
        with self._tx():
            for move_id, rev in done:
                self._mark_done(move_id, rev)
        _fault("after_batch")

    def _refusal(self, move: PlannedMove) -> str | None:
        """Why a move must not happen now, or None."""
        try:
            st = os.lstat(move.src)
        except FileNotFoundError:
            return "the file is gone (moved or deleted since it was scored)"
        if not os.path.isfile(move.src) or os.path.islink(move.src):
            return "not a regular file"
        if move.stamp and (st.st_size, st.st_mtime_ns) != tuple(move.stamp):
            return "the file changed since it was scored (score it again)"
        return None

    def _move_file(self, move_id: int, move: PlannedMove, dst: Path) -> Path | None:
        """Move one file without ever replacing another; returns where it ended, or None."""
        src = move.src
        if self._refusal(move):
            return None
        while True:
            try:
                os.link(src, dst, follow_symlinks=False)
                break
            except FileExistsError:
                dst = self._rename_planned(move_id, move.dst_dir, move.name or src.name)
            except OSError as exc:
                if exc.errno in (
                    errno.EXDEV,
                    errno.EPERM,
                    errno.ENOTSUP,
                    errno.EMLINK,
                    errno.ENOSYS,
                ):
                    return self._copy_move(move_id, move, dst)
                raise
        _fault("after_link")
        os.unlink(src)  # the commit point
        _fault("after_unlink")
        return dst

    def _rename_planned(self, move_id: int, folder: Path, name: str) -> Path:
        """A file appeared under the planned name: journal a free name before using it."""
        dst = free_name(folder, name)
        with self._tx():
            self.db.execute("UPDATE moves SET dst=? WHERE id=?", (self.ws.rel(dst), move_id))
        return dst

    def _copy_move(self, move_id: int, move: PlannedMove, dst: Path) -> Path | None:
        """Across devices: copy to a part-file, verify, put in place, then remove the source."""
        with self._tx():
            self.db.execute("UPDATE moves SET state='copying' WHERE id=?", (move_id,))
        part = _part_path(dst, move_id)
        shutil.copy2(move.src, part)
        _fsync_file(part)
        _fault("after_copy")
        if not filecmp.cmp(move.src, part, shallow=False):
            part.unlink()
            raise OSError(errno.EIO, "the copy did not match the original")
        while True:
            try:
                os.link(part, dst)
                part.unlink()
                break
            except FileExistsError:
                dst = self._rename_planned(move_id, move.dst_dir, move.name or move.src.name)
            except OSError:
                if os.path.lexists(dst):
                    dst = self._rename_planned(move_id, move.dst_dir, move.name or move.src.name)
                    continue
                os.rename(part, dst)  # no hard links here: checked free just above
                break
        os.unlink(move.src)  # the commit point
        return dst

    # -- undo ------------------------------------------------------------------------------
    def last_undoable(self, kinds: Iterable[str] | None = None) -> int | None:
        """The newest operation that still has moves to revert (undo operations excluded)."""
        sql = (
            "SELECT o.id, o.kind FROM operations o WHERE o.kind != 'undo' AND EXISTS ("
            "SELECT 1 FROM moves m WHERE m.op = o.id AND m.state='done' AND m.reverted_by IS NULL)"
            " ORDER BY o.id DESC"
        )
        wanted = set(kinds) if kinds else None
        for op, kind in self.db.execute(sql):
            if wanted is None or kind in wanted:
                return int(op)
        return None

    def describe(self, op: int) -> tuple[str, float, int]:
        """(kind, created, moves still to revert) of an operation."""
        kind, created = self.db.execute(
            "SELECT kind, created FROM operations WHERE id=?", (op,)
        ).fetchone()
        (n,) = self.db.execute(
            "SELECT COUNT(*) FROM moves WHERE op=? AND state='done' AND reverted_by IS NULL", (op,)
        ).fetchone()
        return kind, created, n

    def undo(self, op: int, *, progress: Progress | None = None) -> MoveReport:
        """Move every file of operation `op` back to where it came from (newest move first).

        A file's original place may be taken by now: it then comes back under a free name.
        """
        rows = self.db.execute(
            "SELECT id, src, dst FROM moves WHERE op=? AND state='done' AND reverted_by IS NULL "
            "ORDER BY id DESC",
            (op,),
        ).fetchall()
        moves, reverts = [], []
        for move_id, src_rel, dst_rel in rows:
            dst = self._abs(dst_rel)
            stamp = None
            with contextlib.suppress(OSError):
                st = os.lstat(dst)
                stamp = (st.st_size, st.st_mtime_ns)
            target = self._abs(src_rel)
            moves.append(PlannedMove(dst, target.parent, stamp, name=target.name))
            reverts.append(move_id)
        report = self.run(
            "undo", moves, note=f"undo of operation {op}", progress=progress, reverts=reverts
        )
        # A file the person moved or deleted since cannot come back; stop offering it.
        gone = {m.src for m in moves} & {p for p, r in report.skipped if "gone" in r}
        if gone:
            with self._tx():
                for move, move_id in zip(moves, reverts):
                    if move.src in gone:
                        self.db.execute("UPDATE moves SET reverted_by=0 WHERE id=?", (move_id,))
        return report

    def stats(self) -> dict[str, int]:
        rows = self.db.execute("SELECT state, COUNT(*) FROM moves GROUP BY state")
        return {state: n for state, n in rows}
