"""Named, ordered schema upgrades for konomi's SQLite files.

Each store (the cache, the journal, …) lists its history as `Step`s: the version a step brings the
file to, a name that says what changed, and the SQL that does it. `upgrade` reads the file's
version (`PRAGMA user_version`), applies the steps it lacks in order — each in a transaction with
its new version, so an interrupted upgrade resumes at the step it stopped in — and refuses a file
written by a newer konomi instead of guessing. A fresh file simply runs every step.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from konomi.errors import KonomiError
from konomi.i18n import t


@dataclass(frozen=True)
class Step:
    """One upgrade: to `version`, named for what it changes."""

    version: int
    name: str
    apply: Callable[[sqlite3.Connection], None]


def sql(script: str) -> Callable[[sqlite3.Connection], None]:
    """A step made of SQL statements separated by semicolons (no transaction control inside)."""

    def run(db: sqlite3.Connection) -> None:
        for statement in script.split(";"):
            if statement.strip():
                db.execute(statement)

    return run


def add_columns(table: str, columns: dict[str, str]) -> Callable[[sqlite3.Connection], None]:
    """A step that adds columns which are not there yet (SQLite has no ADD COLUMN IF NOT
    EXISTS; a file from a konomi that added them ad hoc, before steps, has them already)."""

    def run(db: sqlite3.Connection) -> None:
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        for name, kind in columns.items():
            if name not in present:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")

    return run


def version_of(db: sqlite3.Connection) -> int:
    (version,) = db.execute("PRAGMA user_version").fetchone()
    return int(version)


def upgrade(
    db: sqlite3.Connection, steps: Sequence[Step], *, what: str, start: int | None = None
) -> list[str]:
    """Apply the steps `db` lacks; return their names. `what` names the file in messages (its
    path); `start` overrides the stored version (for a store that kept its version elsewhere
    before steps existed)."""
    versions = [s.version for s in steps]
    if versions != sorted(set(versions)) or not versions or versions[0] < 1:
        raise ValueError(f"steps of {what} must have increasing versions from 1")
    stored = version_of(db)
    current = max(stored, start or 0)
    latest = versions[-1]
    if current > latest:
        raise KonomiError(
            t("errors.store.newer", file=what, schema=current, latest=latest),
            t("errors.store.newer_hint"),
        )
    if current > stored:  # the version kept elsewhere moves to user_version, where steps read it
        db.execute(f"PRAGMA user_version={int(current)}")
    applied = []
    for step in steps:
        if step.version <= current:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            step.apply(db)
            db.execute(f"PRAGMA user_version={int(step.version)}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        applied.append(step.name)
    return applied
