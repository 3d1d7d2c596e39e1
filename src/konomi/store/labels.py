"""The label store: labels given to library images, which konomi never moves.

Images in `data/train/{like,dislike}` carry their label in their folder. A library image (under a
folder listed in `libraries`) must stay where it is, so its label is a row here instead:
`.konomi/labels.sqlite`, one table `labels` (schema version in `PRAGMA user_version`):

    id, path (absolute, forward slashes), digest (content hash when labelled), label (like |
    dislike), source (review | rating), created (Unix time), op (journal operation), revoked

Rows are only added; `konomi undo` revokes the rows of one journal operation (`revoked = 1`),
so a label's history stays readable. The newest row of a path that is not revoked is the label.

A second table, `keepers`, holds the frames a person chose to keep from a burst (the review
page's keeper swap): id, path (absolute), digest, created, op, revoked — added and revoked the
same way, so `konomi undo` takes a choice back and `konomi cull` reads the ones in force.
The journal (`journal.py`) records each operation before its rows are written and asks this
store whether they were (`has_op`) when it repairs a crash.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from konomi.errors import KonomiError
from konomi.i18n import t
from konomi.store.migrations import Step, sql, upgrade

SOURCES = ("review", "rating")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS labels (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL, digest TEXT NOT NULL DEFAULT '',
    label TEXT NOT NULL CHECK (label IN ('like', 'dislike')),
    source TEXT NOT NULL, created REAL NOT NULL, op INTEGER, revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS labels_path ON labels(path);
CREATE INDEX IF NOT EXISTS labels_op ON labels(op);
"""
_KEEPERS = """
CREATE TABLE IF NOT EXISTS keepers (
    id INTEGER PRIMARY KEY, path TEXT NOT NULL, digest TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL, op INTEGER, revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS keepers_op ON keepers(op);
"""
# The store's history, oldest first: a file is brought up to the last step when opened.
STEPS = (
    Step(1, "labels of library images, by path and content", sql(_SCHEMA)),
    Step(2, "keepers: the frame a person chose to keep from a burst", sql(_KEEPERS)),
)


@dataclass(frozen=True)
class Label:
    """One image's label as the store holds it."""

    path: str
    digest: str
    label: str
    source: str
    created: float


def labels_path(state: Path) -> Path:
    """Where the store lives inside `.konomi/`."""
    return state / "labels.sqlite"


class LabelStore:
    """Labels of library images (`.konomi/labels.sqlite`). Writers hold the workspace lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            upgrade(self.db, STEPS, what=str(path))
        except (OSError, sqlite3.Error) as exc:
            raise KonomiError(
                t("errors.store.labels_cannot_open", path=path, why=exc),
                t("errors.store.writable_hint"),
            ) from None

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error, AttributeError):
            self.db.close()

    def __enter__(self) -> LabelStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, rows: Iterable[tuple[str, str, str]], *, source: str, op: int) -> int:
        """Record (path, digest, label) rows of journal operation `op` in one transaction."""
        if source not in SOURCES:
            raise ValueError(f"unknown label source {source!r}")
        now = time.time()
        data = [(p, d, lb, source, now, op) for p, d, lb in rows]
        return self._insert(
            "INSERT INTO labels(path, digest, label, source, created, op) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            data,
        )

    def add_keepers(self, rows: Iterable[tuple[str, str]], *, op: int) -> int:
        """Record (path, digest) rows — frames chosen to keep — of journal operation `op`."""
        now = time.time()
        data = [(p, d, now, op) for p, d in rows]
        return self._insert(
            "INSERT INTO keepers(path, digest, created, op) VALUES (?, ?, ?, ?)", data
        )

    def _insert(self, statement: str, data: Sequence[tuple[object, ...]]) -> int:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany(statement, data)
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
        return len(data)

    def has_op(self, op: int) -> bool:
        """Whether operation `op` wrote any row (the journal's crash repair asks)."""
        row = self.db.execute(
            "SELECT 1 FROM labels WHERE op=? UNION ALL SELECT 1 FROM keepers WHERE op=? LIMIT 1",
            (op, op),
        ).fetchone()
        return row is not None

    def revoke(self, op: int) -> list[str]:
        """Revoke every row of operation `op` (labels and keepers); the paths it takes back."""
        paths = []
        for table in ("labels", "keepers"):
            rows = self.db.execute(
                f"SELECT path FROM {table} WHERE op=? AND revoked=0 ORDER BY id", (op,)
            ).fetchall()
            self.db.execute(f"UPDATE {table} SET revoked=1 WHERE op=?", (op,))
            paths += [r[0] for r in rows]
        return paths

    def keepers(self) -> list[tuple[str, str]]:
        """The frames chosen to keep and not revoked, as (path, digest), oldest choice first
        (a later choice in the same burst overrides an earlier one)."""
        rows = self.db.execute("SELECT path, digest FROM keepers WHERE revoked=0 ORDER BY id")
        return [(p, d) for p, d in rows if isinstance(p, str) and isinstance(d, str)]

    def current(self) -> dict[str, Label]:
        """Each labelled path's newest label that was not revoked."""
        rows = self.db.execute(
            "SELECT path, digest, label, source, created FROM labels WHERE revoked=0 ORDER BY id"
        )
        return {r[0]: Label(*r) for r in rows}


def read_keepers(state: Path) -> list[tuple[str, str]]:
    """The chosen keepers in force (`LabelStore.keepers`); none when there is no store."""
    path = labels_path(state)
    if not path.is_file():
        return []
    with LabelStore(path) as store:
        return store.keepers()


def read_labels(state: Path) -> dict[str, Label]:
    """The current labels, or none when the store does not exist yet (nothing is created)."""
    path = labels_path(state)
    if not path.is_file():
        return {}
    with LabelStore(path) as store:
        return store.current()
