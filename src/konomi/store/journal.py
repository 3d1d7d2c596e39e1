"""The journal (`.konomi/journal.sqlite`): every change konomi makes to a person's files.

One history of operations, each holding file moves (`store/moves.py`: classify, review, cull)
or edits (`store/edits.py`: library labels, XMP sidecar writes), kept in one SQLite file
(`store/ledger.py`). `Journal` is the face the app uses: it opens the file, repairs what a crash
left half-done, runs moves, writes edits, and undoes whole operations, newest first. Undo is
itself a journaled operation of reverse moves, so it is as crash-safe as the moves it reverts.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from konomi.progress import Progress
from konomi.store.edits import EditReport, Edits, FileWrite
from konomi.store.fsops import free_name
from konomi.store.ledger import STEPS, Ledger
from konomi.store.moves import (
    BATCH,
    FAULT_POINTS,
    MoveReport,
    Moves,
    PlannedMove,
    RepairReport,
)
from konomi.store.prune import prune_empty_parents
from konomi.store.safepaths import Gone, Hopeless
from konomi.workspace import Workspace

__all__ = [
    "BATCH",
    "FAULT_POINTS",
    "STEPS",
    "EditReport",
    "FileWrite",
    "Gone",
    "Hopeless",
    "Journal",
    "MoveReport",
    "PlannedMove",
    "RepairReport",
    "free_name",
    "latest_operation",
    "prune_empty_parents",
]


class Journal:
    """The workspace's journal, open. Callers hold the workspace lock."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.ledger = Ledger(ws)
        self.db = self.ledger.db
        self.moves = Moves(self.ledger)
        self.edits = Edits(self.ledger)

    def close(self) -> None:
        self.ledger.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _tx(self) -> contextlib.AbstractContextManager[None]:
        """One write transaction (tests use it to journal a crashed run's rows)."""
        return self.ledger.tx()

    # -- doing -----------------------------------------------------------------------------
    def repair(self) -> RepairReport:
        """Settle what a crashed process left half-done: edits, then moves (`Moves.repair`)."""
        try:
            self.edits.repair()
        except sqlite3.DatabaseError as exc:
            raise self.ledger.failed(exc) from None
        return self.moves.repair()

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
        """Perform `moves` as one journaled operation of `kind` (`Moves.run`)."""
        return self.moves.run(
            kind,
            moves,
            note=note,
            progress=progress,
            reverts=reverts,
            companion_reverts=companion_reverts,
        )

    def record_labels(
        self, kind: str, rows: Sequence[tuple[str, str, str]], *, source: str, note: str = ""
    ) -> EditReport:
        """Label library images as one operation (`Edits.record_labels`)."""
        return self.edits.record_labels(kind, rows, source=source, note=note)

    def record_keepers(
        self, kind: str, rows: Sequence[tuple[str, str]], *, note: str = ""
    ) -> EditReport:
        """Record frames chosen to keep from their bursts as one operation
        (`Edits.record_keepers`)."""
        return self.edits.record_keepers(kind, rows, note=note)

    def write_files(
        self,
        kind: str,
        writes: Sequence[FileWrite],
        *,
        note: str = "",
        progress: Progress | None = None,
    ) -> EditReport:
        """Write files as one operation (`Edits.write_files`)."""
        return self.edits.write_files(kind, writes, note=note, progress=progress)

    # -- undo ------------------------------------------------------------------------------
    def has_edits(self, op: int) -> bool:
        return self.edits.has_edits(op)

    def undo_edits(self, op: int, *, roots: Sequence[Path] = ()) -> EditReport:
        """Revert operation `op`'s edits (`Edits.undo`)."""
        return self.edits.undo(op, roots=roots)

    def last_undoable(self, kinds: Iterable[str] | None = None) -> int | None:
        """The newest operation that still has moves to revert (undo operations excluded)."""
        sql = (
            "SELECT o.id, o.kind FROM operations o WHERE o.kind != 'undo' AND EXISTS ("
            "SELECT 1 FROM moves m WHERE m.op = o.id AND m.state='done' AND m.reverted_by IS NULL)"
            " OR EXISTS (SELECT 1 FROM edits e WHERE e.op = o.id AND e.state='done')"
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
            "SELECT COUNT(*) FROM moves WHERE op=? AND state='done' AND reverted_by IS NULL "
            "AND companion_of IS NULL",
            (op,),
        ).fetchone()
        (edits,) = self.db.execute(
            "SELECT COUNT(*) FROM edits WHERE op=? AND state='done'", (op,)
        ).fetchone()
        return kind, created, n + edits

    def undo(self, op: int, *, progress: Progress | None = None) -> MoveReport:
        """Move every file of operation `op` back to where it came from (newest move first).

        A file's original place may be taken by now: it then comes back under a free name.
        A file the person deleted or replaced since is reported and no longer offered.
        """
        try:
            rows = self.db.execute(
                "SELECT id, src, dst, companion_of FROM moves WHERE op=? AND state='done' "
                "AND reverted_by IS NULL ORDER BY id DESC",
                (op,),
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            raise self.ledger.failed(exc) from None
        # A companion goes back with its photo (same new stem if the old names are taken);
        # one whose photo is not coming back (already back, or gone) goes back on its own.
        ids = {row[0] for row in rows}
        riding: dict[int, list[Path]] = {}
        companion_reverts: dict[Path, int] = {}
        for move_id, _src_rel, dst_rel, primary in rows:
            if primary is not None and primary in ids:
                dst = self.ledger.abs(dst_rel)
                riding.setdefault(primary, []).append(dst)
                companion_reverts[dst] = move_id
        moves, reverts = [], []
        for move_id, src_rel, dst_rel, primary in rows:
            if primary is not None and primary in ids:
                continue
            dst = self.ledger.abs(dst_rel)
            stamp = None
            with contextlib.suppress(OSError):
                st = os.lstat(dst)
                stamp = (st.st_size, st.st_mtime_ns)
            target = self.ledger.abs(src_rel)
            companions = tuple(sorted(riding.get(move_id, ())))
            moves.append(
                PlannedMove(dst, target.parent, stamp, name=target.name, companions=companions)
            )
            reverts.append(move_id)
        report = self.run(
            "undo",
            moves,
            note=f"undo of operation {op}",
            progress=progress,
            reverts=reverts,
            companion_reverts=companion_reverts,
        )
        hopeless = {p for p, why in report.skipped if isinstance(why, Hopeless)}
        hopeless_ids = [move_id for move, move_id in zip(moves, reverts) if move.src in hopeless]
        hopeless_ids += [
            companion_reverts[p]
            for p, why in report.companions_left
            if isinstance(why, Hopeless) and p in companion_reverts
        ]
        if hopeless_ids:
            try:
                with self.ledger.tx():
                    for move_id in hopeless_ids:
                        self.db.execute(
                            "UPDATE moves SET reverted_by=0 WHERE id=? AND reverted_by IS NULL",
                            (move_id,),
                        )
            except sqlite3.Error as exc:
                raise self.ledger.failed(exc) from None
        return report

    def stats(self) -> dict[str, int]:
        rows = self.db.execute("SELECT state, COUNT(*) FROM moves GROUP BY state")
        return {state: n for state, n in rows}


def latest_operation(ws: Workspace) -> int:
    """The id up to which every journaled operation has finished (0 when there is none yet).

    A cheap read-only look, without the integrity check of opening a `Journal`: the review server
    asks it whenever its page comes back into view, to notice that another command (`konomi
    undo` or `classify` in a terminal) moved files meanwhile.
    """
    path = ws.journal_path
    if not path.is_file():
        return 0
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            # An operation still running (a classify in a terminal) is not counted until it
            # ends: a look taken half-way through must not pass for having seen all its moves.
            row = db.execute(
                "SELECT COALESCE((SELECT MIN(id) - 1 FROM operations WHERE state = 'open'), "
                "(SELECT MAX(id) FROM operations))"
            ).fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return 0
    return row[0] if row and isinstance(row[0], int) else 0
