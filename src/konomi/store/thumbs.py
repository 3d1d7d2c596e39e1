"""The thumbnail store: one small WebP per image, by content, in `.konomi/thumbs.sqlite`.

The HTML report shows every image as a cell of a contact sheet, and its sheets follow the
score order, so every retrain changes most of them. Decoding 100,000 originals again for each
report would take the better part of an hour; decoding 100,000 of these thumbnails takes
seconds. So the store keeps each image's thumbnail once, named by its content digest (a moved
or renamed photo keeps its thumbnail), and the report builds its sheets from here.

One table `thumbs` (schema version in `PRAGMA user_version`):

    digest (content hash, primary key), data (WebP bytes, at most THUMB_PX on a side)

It is a cache and nothing else: deleting the file costs only time, and a file that cannot be
read is replaced by an empty one rather than stopping a report.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from konomi.store.migrations import Step, sql, upgrade

THUMB_PX = 128  # the longest side; the report's grid shows cells of this size
_SCHEMA = "CREATE TABLE IF NOT EXISTS thumbs (digest TEXT PRIMARY KEY, data BLOB NOT NULL)"
# The store's history, oldest first: a file is brought up to the last step when opened.
STEPS = (Step(1, "WebP thumbnails of images, by content digest", sql(_SCHEMA)),)
_CHUNK = 500  # digests per query: below SQLite's limit on bound parameters


def thumbs_path(state: Path) -> Path:
    """Where the store lives inside `.konomi/`."""
    return state / "thumbs.sqlite"


class ThumbStore:
    """Thumbnails by content digest (`.konomi/thumbs.sqlite`); use from one thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = self._open()
        except sqlite3.DatabaseError:  # not a database, or damaged: a cache starts again
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # a lost write is a thumbnail made again
            upgrade(db, STEPS, what=str(self.path))
        except BaseException:
            db.close()
            raise
        return db

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error, AttributeError):
            self.db.close()

    def __enter__(self) -> ThumbStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def digests(self) -> set[str]:
        """Every digest that has a thumbnail."""
        return {row[0] for row in self.db.execute("SELECT digest FROM thumbs")}

    def get_many(self, digests: Iterable[str]) -> dict[str, bytes]:
        """The thumbnails of those digests that have one."""
        wanted = list(dict.fromkeys(digests))
        found: dict[str, bytes] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT digest, data FROM thumbs WHERE digest IN ({marks})"
            found.update((d, bytes(b)) for d, b in self.db.execute(query, chunk))
        return found

    def put_many(self, items: Iterable[tuple[str, bytes]]) -> None:
        """Store (digest, WebP bytes) pairs in one transaction."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.executemany("INSERT OR REPLACE INTO thumbs(digest, data) VALUES (?, ?)", items)

    def keep_only(self, digests: Iterable[str]) -> int:
        """Forget the thumbnails of every other digest (images gone from the workspace)."""
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("CREATE TEMP TABLE IF NOT EXISTS keep (digest TEXT PRIMARY KEY)")
            self.db.execute("DELETE FROM keep")
            self.db.executemany("INSERT OR IGNORE INTO keep VALUES (?)", ((d,) for d in digests))
            removed = self.db.execute(
                "DELETE FROM thumbs WHERE digest NOT IN (SELECT digest FROM keep)"
            ).rowcount
            self.db.execute("DELETE FROM keep")
        return int(removed)
