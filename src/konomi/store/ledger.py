"""The journal's SQLite file (`.konomi/journal.sqlite`): its schema, transactions, operations.

The one object the journal's two kinds of rows share: `store/moves.py` (file moves) and
`store/edits.py` (labels, sidecar writes) each take a `Ledger` and write through its `tx()`, so
one history holds both and `konomi undo` walks it newest first.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from konomi.errors import JournalError, KonomiError, is_sqlite_corruption
from konomi.i18n import t
from konomi.store.fsops import identity_of
from konomi.store.migrations import Step, add_columns, sql, upgrade
from konomi.store.safepaths import local, plain_rel
from konomi.workspace import Workspace

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
EDITS_SCHEMA = """
CREATE TABLE IF NOT EXISTS edits (
    id INTEGER PRIMARY KEY, op INTEGER NOT NULL REFERENCES operations(id),
    kind TEXT NOT NULL, path TEXT NOT NULL, label TEXT, before BLOB, existed INTEGER,
    after TEXT, state TEXT NOT NULL, reason TEXT
);
CREATE INDEX IF NOT EXISTS edits_op ON edits(op);
"""
# The journal's history, oldest first: a file is brought up to the last step when opened.
STEPS = (
    Step(1, "operations and their moves", sql(_SCHEMA)),
    Step(
        2,
        "moves remember each file's identity (src_id) and its copy's (copy_id)",
        add_columns("moves", {"src_id": "TEXT", "copy_id": "TEXT"}),
    ),
    Step(3, "edits: labels of library images and XMP sidecar writes", sql(EDITS_SCHEMA)),
    Step(
        4,
        "a RAW twin or sidecar moves with its photo (companion_of)",
        add_columns("moves", {"companion_of": "INTEGER REFERENCES moves(id)"}),
    ),
)
# move states: planned → (copying →) done | skipped
# edit states: planned → done | skipped; done → reverted
# operation states: open → done | interrupted (repaired after a crash)
# reverted_by: the undo move that brought the file back; 0 when it can never come back
# companion_of: the move of the photo this file travels with (a RAW beside its JPEG, a sidecar)


class Ledger:
    """An open journal file: checked, brought up to date, written in short transactions.
    Callers hold the workspace lock."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        path = ws.journal_path
        try:
            ws.ensure_state()
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise JournalError(
                t("errors.journal.cannot_open", path=ws.rel(path), why=exc),
                t("errors.store.writable_hint"),
            ) from None
        self._identity = identity_of(path)  # to notice the file deleted while we work
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            upgrade(self.db, STEPS, what=str(ws.rel(path)))
            row = self.db.execute("PRAGMA quick_check").fetchone()
            if not row or row[0] != "ok":
                raise sqlite3.DatabaseError(row[0] if row else "integrity check failed")
        except KonomiError:
            self.close()
            raise
        except sqlite3.DatabaseError as exc:
            self.close()
            if is_sqlite_corruption(exc):
                raise self.corrupt(str(exc)) from None
            raise JournalError(
                t("errors.journal.cannot_use", path=ws.rel(path), why=exc),
                t("errors.journal.cannot_use_hint"),
            ) from None

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error, AttributeError):
            self.db.close()

    @contextlib.contextmanager
    def tx(self) -> Iterator[None]:
        """One write transaction: committed when the block ends, rolled back on an exception."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- operations ------------------------------------------------------------------------
    def new_op(self, kind: str, note: str) -> int:
        """Journal a new operation ('open' until `close_op`); its id."""
        with self.tx():
            cur = self.db.execute(
                "INSERT INTO operations(kind, created, state, note) VALUES (?, ?, 'open', ?)",
                (kind, time.time(), note),
            )
        return int(cur.lastrowid or 0)

    def close_op(self, op: int) -> None:
        with self.tx():
            self.db.execute("UPDATE operations SET state='done' WHERE id=?", (op,))

    # -- failures --------------------------------------------------------------------------
    def corrupt(self, why: str) -> JournalError:
        rel = self.ws.rel(self.ws.journal_path)
        return JournalError(
            t("errors.journal.damaged", path=rel, why=why),
            t("errors.journal.damaged_hint", path=rel),
        )

    def failed(self, exc: sqlite3.Error) -> JournalError:
        """The error to raise when the journal cannot be read or written."""
        if isinstance(exc, sqlite3.DatabaseError) and is_sqlite_corruption(exc):
            return self.corrupt(str(exc))
        return JournalError(
            t("errors.journal.not_written", why=exc), t("errors.journal.not_written_hint")
        )

    def lost(self) -> bool:
        """True when the journal file this connection writes is no longer the workspace's (the
        `.konomi` folder was deleted or replaced while we worked): its undo history is lost."""
        return self._identity is None or identity_of(self.ws.journal_path) != self._identity

    # -- paths -----------------------------------------------------------------------------
    def abs(self, rel: object) -> Path:
        """A journaled path, refused when it could lead outside the workspace (a foreign or
        tampered journal must never make konomi move or delete files elsewhere): it must be
        text naming a file strictly below the root — not empty, not `.`, not absolute, no `..`,
        no NUL, not inside `.konomi/`. Symbolic links on the way are checked when it is used."""
        if not plain_rel(rel):
            raise self.corrupt(t("safety.journal_row", entry=repr(rel)[:200]))
        return self.ws.abs(local(str(rel)))
