"""Embeddings cached in SQLite, keyed by (content hash, model id).

Two tables: `embeddings` maps (digest, model) → vector, and `files` maps a path to the
(size, mtime) it had when it was last hashed. An unchanged file is therefore not even re-read,
and a moved or renamed file is still a hit once it is hashed. Unreadable files are remembered by
digest, so a broken photo is not decoded again on every run.

A cache that SQLite cannot open is set aside as `cache.sqlite.corrupt-<time>` and rebuilt: the
cache holds nothing that cannot be computed again.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS embeddings (
    digest TEXT NOT NULL, model TEXT NOT NULL, vector BLOB NOT NULL,
    PRIMARY KEY (digest, model)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    digest TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS failures (
    digest TEXT PRIMARY KEY, reason TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS scores (
    digest TEXT NOT NULL, head TEXT NOT NULL, score REAL NOT NULL, info REAL,
    PRIMARY KEY (digest, head)
) WITHOUT ROWID;
"""


@dataclass(frozen=True)
class FileStamp:
    """What we knew of a path when we last hashed it."""

    size: int
    mtime_ns: int
    digest: str


def stamp_of(path: Path) -> tuple[int, int]:
    """(size, mtime_ns) of a file, the cheap signature of "unchanged"."""
    st = path.stat()
    return st.st_size, st.st_mtime_ns


class EmbeddingCache:
    """The SQLite store under `.konomi/` (WAL mode: readers never block the writer)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.warnings: list[str] = []
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = self._open()
        except sqlite3.DatabaseError as exc:
            aside = self._set_aside()
            self.warnings.append(
                f"The embedding cache was corrupt ({exc}); it was moved to {aside.name} and is "
                "being rebuilt (images are embedded again)."
            )
            self.db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            row = db.execute("PRAGMA quick_check").fetchone()
            if not row or row[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {row[0] if row else '?'}")
            db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _set_aside(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        os.replace(self.path, aside)
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                os.replace(side, aside.with_name(aside.name + suffix))
        return aside

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.db.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- files ---------------------------------------------------------------------------
    def file_stamps(self) -> dict[str, FileStamp]:
        """Every known path → stamp, loaded at once (100k rows is a few MB, one query)."""
        rows = self.db.execute("SELECT path, size, mtime_ns, digest FROM files")
        return {p: FileStamp(s, m, d) for p, s, m, d in rows}

    def put_files(self, rows: Iterable[tuple[str, int, int, str]]) -> None:
        """Remember (path, size, mtime_ns, digest) rows."""
        with self.transaction():
            self.db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)", rows)

    def forget_files(self, paths: Iterable[str]) -> None:
        with self.transaction():
            self.db.executemany("DELETE FROM files WHERE path = ?", ((p,) for p in paths))

    # -- embeddings ------------------------------------------------------------------------
    def get_embeddings(self, digests: Iterable[str], model: str) -> dict[str, np.ndarray]:
        """Cached vectors for the digests that have one under `model`."""
        wanted = list(dict.fromkeys(digests))
        found: dict[str, np.ndarray] = {}
        for i in range(0, len(wanted), 900):  # SQLite's variable limit
            chunk = wanted[i : i + 900]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT digest, vector FROM embeddings WHERE model = ? AND digest IN ({marks})",
                (model, *chunk),
            )
            for digest, blob in rows:
                found[digest] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put_embeddings(self, items: Iterable[tuple[str, np.ndarray]], model: str) -> None:
        rows = ((d, model, np.asarray(v, np.float32).tobytes()) for d, v in items)
        with self.transaction():
            self.db.executemany("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)", rows)

    # -- unreadable files ------------------------------------------------------------------
    def get_failures(self, digests: Iterable[str]) -> dict[str, str]:
        wanted = list(dict.fromkeys(digests))
        found: dict[str, str] = {}
        for i in range(0, len(wanted), 900):
            chunk = wanted[i : i + 900]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT digest, reason FROM failures WHERE digest IN ({marks})", chunk
            )
            found.update(dict(rows))
        return found

    def put_failures(self, items: Iterable[tuple[str, str]]) -> None:
        with self.transaction():
            self.db.executemany("INSERT OR REPLACE INTO failures VALUES (?, ?)", items)

    # -- scores of a head ------------------------------------------------------------------
    def put_scores(self, items: Iterable[tuple[str, float, float | None]], head: str) -> None:
        """Remember each image's score (and informativeness) under a head id."""
        rows = ((d, head, float(s), None if i is None else float(i)) for d, s, i in items)
        with self.transaction():
            self.db.executemany("INSERT OR REPLACE INTO scores VALUES (?, ?, ?, ?)", rows)

    def get_scores(self, head: str) -> dict[str, tuple[float, float | None]]:
        rows = self.db.execute("SELECT digest, score, info FROM scores WHERE head = ?", (head,))
        return {d: (s, i) for d, s, i in rows}

    @contextlib.contextmanager
    def transaction(self):  # noqa: ANN201 - a context manager
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
