"""Journaled changes that are not moves: labels of library images and XMP sidecar writes.

Part of the journal's format (`.konomi/journal.sqlite`): the table `edits` beside `moves`,
written through the same `Ledger` (`store/ledger.py`) so that `konomi undo` walks one history.
An operation holds moves or edits; both kinds are undone the same way, newest first.

- **label** rows: a review decision on a library image. The operation and its rows are journaled
  ('planned') before the label store (`labels.py`) records the labels under the operation's id,
  then marked 'done'. Undo revokes the label store's rows of that operation. Repair after a
  crash asks the label store whether the rows were written.
- **keeper** rows: the frame a person chose to keep from a burst (the review page), recorded in
  the label store's `keepers` table the same way as a label, and undone the same way.
- **file** rows: one sidecar written (`konomi xmp`). The previous bytes (or their absence) and
  the digest of the new bytes are journaled before the file is replaced (`konomi.atomic`).
  Undo puts the previous bytes back, or removes a file konomi created, unless the person changed
  the file since (then it is left alone and reported once, and the edit counts as settled, so
  the next undo reaches the operation before). Only `.xmp` files really inside a library of
  the workspace — no symbolic link on the way — are ever written back, whatever the journal
  says (`safepaths.unsafe_edit`).

Edit states: planned → done | skipped; done → reverted | abandoned.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from konomi import atomic, faults
from konomi.i18n import t
from konomi.progress import Progress
from konomi.store.labels import LabelStore, labels_path
from konomi.store.ledger import Ledger
from konomi.store.safepaths import Hopeless, unsafe_edit

EDIT_BATCH = 64
STORED = ("label", "keeper")  # edit kinds whose rows live in the label store
EDIT_FAULT_POINTS = (
    "edit_after_plan",  # a batch of writes is journaled, no file written
    "edit_after_write",  # one file is written, not yet marked done
    "edit_after_label",  # the label store has the rows, the journal does not say done
)


@dataclass(frozen=True)
class FileWrite:
    """New bytes for a file; `expected` is what it held when they were computed (None: absent),
    so a file the person changed meanwhile is not overwritten."""

    path: Path
    data: bytes
    expected: bytes | None


@dataclass
class EditReport:
    """What an edit operation (or its undo) did."""

    op: int
    written: list[Path] = field(default_factory=list)  # files written, or restored by undo
    removed: list[Path] = field(default_factory=list)  # files undo removed (konomi made them)
    labelled: list[str] = field(default_factory=list)  # paths labelled, or unlabelled by undo
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def digest_of(data: bytes | None) -> str:
    return "" if data is None else hashlib.sha256(data).hexdigest()


def read_bytes(path: Path) -> bytes | None:
    """The bytes of a regular file, None when there is none; a link or folder is an error."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(st.st_mode):
        raise OSError(t("edits.not_regular", name=path.name))
    with open(path, "rb") as f:
        return f.read()


class Edits:
    """The journal's edits, written through a `Ledger` (the journal's open file)."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.ws = ledger.ws
        self.db = ledger.db

    # -- labels ----------------------------------------------------------------------------
    def record_labels(
        self, kind: str, rows: Sequence[tuple[str, str, str]], *, source: str, note: str = ""
    ) -> EditReport:
        """Label library images — (absolute path, digest, label) rows — as one operation."""
        op = self.ledger.new_op(kind, note)
        with self.ledger.tx():
            self.db.executemany(
                "INSERT INTO edits(op, kind, path, label, state) VALUES (?, 'label', ?, ?, "
                "'planned')",
                [(op, p, lb) for p, _, lb in rows],
            )
        with LabelStore(labels_path(self.ws.state)) as store:
            store.add(rows, source=source, op=op)
        faults.reached("edit_after_label")
        with self.ledger.tx():
            self.db.execute("UPDATE edits SET state='done' WHERE op=? AND state='planned'", (op,))
        self.ledger.close_op(op)
        return EditReport(op, labelled=[p for p, _, _ in rows])

    def record_keepers(
        self, kind: str, rows: Sequence[tuple[str, str]], *, note: str = ""
    ) -> EditReport:
        """Choose frames to keep from their bursts — (absolute path, digest) rows — as one
        operation, journaled before the label store records them (as `record_labels`)."""
        op = self.ledger.new_op(kind, note)
        with self.ledger.tx():
            self.db.executemany(
                "INSERT INTO edits(op, kind, path, state) VALUES (?, 'keeper', ?, 'planned')",
                [(op, p) for p, _ in rows],
            )
        with LabelStore(labels_path(self.ws.state)) as store:
            store.add_keepers(rows, op=op)
        faults.reached("edit_after_label")
        with self.ledger.tx():
            self.db.execute("UPDATE edits SET state='done' WHERE op=? AND state='planned'", (op,))
        self.ledger.close_op(op)
        return EditReport(op, labelled=[p for p, _ in rows])

    # -- files -----------------------------------------------------------------------------
    def write_files(
        self,
        kind: str,
        writes: Sequence[FileWrite],
        *,
        note: str = "",
        progress: Progress | None = None,
    ) -> EditReport:
        """Write files as one operation, each journaled with its previous bytes first."""
        op = self.ledger.new_op(kind, note)
        report = EditReport(op)
        for start in range(0, len(writes), EDIT_BATCH):
            chunk = writes[start : start + EDIT_BATCH]
            planned: list[tuple[int, FileWrite]] = []
            with self.ledger.tx():
                for w in chunk:
                    try:
                        before = read_bytes(w.path)
                    except OSError as exc:
                        report.skipped.append((w.path, str(exc)))
                        continue
                    if before != w.expected:
                        report.skipped.append((w.path, t("edits.changed_meanwhile")))
                        continue
                    cur = self.db.execute(
                        "INSERT INTO edits(op, kind, path, before, existed, after, state) "
                        "VALUES (?, 'file', ?, ?, ?, ?, 'planned')",
                        (op, str(w.path), before, before is not None, digest_of(w.data)),
                    )
                    planned.append((int(cur.lastrowid or 0), w))
            faults.reached("edit_after_plan")
            done: list[int] = []
            for edit_id, w in planned:
                try:
                    atomic.write_bytes(w.path, w.data)
                except OSError as exc:
                    why = t("edits.not_written", why=exc.strerror or exc)
                    with self.ledger.tx():
                        self.db.execute(
                            "UPDATE edits SET state='skipped', reason=? WHERE id=?", (why, edit_id)
                        )
                    report.skipped.append((w.path, why))
                    continue
                done.append(edit_id)
                report.written.append(w.path)
                faults.reached("edit_after_write")
            with self.ledger.tx():
                self.db.executemany(
                    "UPDATE edits SET state='done' WHERE id=?", [(i,) for i in done]
                )
            if progress:
                progress(t("progress.sidecars"), min(start + EDIT_BATCH, len(writes)), len(writes))
        self.ledger.close_op(op)
        return report

    # -- undo and repair -------------------------------------------------------------------
    def has_edits(self, op: int) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM edits WHERE op=? AND state='done' LIMIT 1", (op,)
        ).fetchone()
        return row is not None

    def undo(self, op: int, *, roots: Sequence[Path] = ()) -> EditReport:
        """Revert operation `op`'s edits, newest first; `roots` are the library folders a
        sidecar may be written back into."""
        undo_op = self.ledger.new_op("undo", f"undo of operation {op}")
        report = EditReport(undo_op)
        rows = self.db.execute(
            "SELECT id, kind, path, before, existed, after FROM edits WHERE op=? AND "
            "state='done' ORDER BY id DESC",
            (op,),
        ).fetchall()
        labels = [r for r in rows if r[1] in STORED]
        if labels:
            with LabelStore(labels_path(self.ws.state)) as store:
                report.labelled = store.revoke(op)
            with self.ledger.tx():
                self.db.execute(
                    "UPDATE edits SET state='reverted' WHERE op=? AND kind IN ('label', "
                    "'keeper') AND state='done'",
                    (op,),
                )
        for edit_id, kind, text, before, existed, after in rows:
            if kind != "file":
                continue
            path = Path(text) if isinstance(text, str) else Path("?")
            why = self._revert_file(path, roots, before, bool(existed), after, report)
            if why is not None:
                report.skipped.append((path, why))
                if not isinstance(why, Hopeless):
                    continue  # may work another time (a read-only folder): still offered
            # 'abandoned': reported this once and left alone; the next undo goes further back
            state = "reverted" if why is None else "abandoned"
            with self.ledger.tx():
                self.db.execute(
                    "UPDATE edits SET state=?, reason=? WHERE id=?", (state, why, edit_id)
                )
        self.ledger.close_op(undo_op)
        return report

    @staticmethod
    def _revert_file(
        path: Path,
        roots: Sequence[Path],
        before: bytes | None,
        existed: bool,
        after: str | None,
        report: EditReport,
    ) -> str | None:
        """Put one sidecar back as it was before konomi wrote it; why not, or None. A path a
        tampered journal names outside the libraries, and a file the person changed since, are
        `Hopeless`: left alone for good."""
        why = unsafe_edit(path, roots)
        if why:
            return why
        try:
            now = read_bytes(path)
        except OSError as exc:
            # no errno: not a regular file (a link, a folder), which waiting does not change
            return Hopeless(str(exc)) if exc.errno is None else str(exc)
        if digest_of(now) != after and now != before:
            return Hopeless(t("edits.changed_after"))
        try:
            why = unsafe_edit(path, roots)  # again, at the instant of writing
            if why:
                return why
            if existed:
                if now != before:
                    atomic.write_bytes(path, before or b"")
                report.written.append(path)
            else:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                report.removed.append(path)
        except OSError as exc:
            return t("edits.not_restored", why=exc.strerror or exc)
        return None

    def repair(self) -> int:
        """Settle edits a crash left 'planned'; how many were settled."""
        rows = self.db.execute(
            "SELECT id, op, kind, path, after FROM edits WHERE state='planned'"
        ).fetchall()
        if not rows:
            return 0
        written_ops: dict[int, bool] = {}
        for edit_id, op, kind, text, after in rows:
            if kind in STORED:
                if op not in written_ops:
                    with LabelStore(labels_path(self.ws.state)) as store:
                        written_ops[op] = store.has_op(op)
                done = written_ops[op]
            else:
                path = Path(text)
                for tmp in path.parent.glob(f".{glob.escape(path.name)}{atomic.TMP_MARK}*"):
                    with contextlib.suppress(OSError):
                        tmp.unlink()  # a write cut short before its rename: ours, never read
                try:
                    now = read_bytes(path)
                except OSError:
                    now = None
                done = digest_of(now) == after
            with self.ledger.tx():
                if done:
                    self.db.execute("UPDATE edits SET state='done' WHERE id=?", (edit_id,))
                else:
                    self.db.execute(
                        "UPDATE edits SET state='skipped', reason='interrupted' WHERE id=?",
                        (edit_id,),
                    )
        return len(rows)
