"""Embeddings cached in SQLite, keyed by (content hash, model id).

Two tables: `embeddings` maps (digest, model) → vector, and `files` maps a path to the
(size, mtime) it had when it was last hashed. An unchanged file is therefore not even re-read,
and a moved or renamed file is still a hit once it is hashed. Unreadable files are remembered by
digest, so a broken photo is not decoded again on every run.

The cache holds nothing that cannot be computed again, so damage never stops a command: a cache
that SQLite finds corrupt — when it is opened, or by any later statement in the middle of a run —
is set aside as `cache.sqlite.corrupt-<time>`, an empty one takes its place, the statement is
retried on it, and a warning says so. A cache that cannot be *written* (a full disk, a read-only
folder) is a different matter and is reported as such.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from konomi.atomic import rename_over
from konomi.errors import KonomiError, is_sqlite_corruption
from konomi.i18n import t
from konomi.store.cache_rows import number, sound_vector, storable, valid_stamp
from konomi.store.migrations import Step, sql, upgrade
from konomi.store.quality import QUALITY_STEP_NAME, QUALITY_TABLE

_TABLES = """
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
# The cache's history, oldest first: a file is brought up to the last step when opened.
STEPS = (
    Step(1, "tables for files, embeddings, failures and scores", sql(_TABLES)),
    Step(2, QUALITY_STEP_NAME, sql(QUALITY_TABLE)),
)
T = TypeVar("T")


STAMP_RANGE = 8192  # paths whose stamps are read together (`stamps_of`)
CHECKED = ("meta", "files", "failures", "scores")  # every table but the vectors'


def _check(db: sqlite3.Connection) -> None:
    """SQLite's quick check of the small tables, on every open.

    Not of `embeddings`: at a million images it is gigabytes, and checking it would cost every
    command seconds of reading. Its rows are checked one by one when read (size, finite
    numbers), and damage SQLite meets in it later is caught like any other (`_guard`)."""
    for table in CHECKED:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone():
            continue  # a newer step may add it; an older file may lack it
        row = db.execute(f"PRAGMA quick_check({table})").fetchone()
        if not row or row[0] != "ok":
            raise sqlite3.DatabaseError(f"integrity check failed: {row[0] if row else '?'}")


def _meta_version(db: sqlite3.Connection) -> int:
    """The version a cache kept in its `meta` table before it used named steps (0: none)."""
    if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone():
        return 0
    row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    return int(row[0]) if row and str(row[0]).isdigit() else 0


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


class _Rows:
    """Rows of a finished query: iterable like a cursor, read to the end while still guarded."""

    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    def fetchall(self) -> list[Any]:
        return self.rows

    def fetchone(self) -> Any:
        return self.rows[0] if self.rows else None


class _GuardedConnection:
    """`cache.db`: the SQLite connection, behind the cache's corruption guard.

    Queries are read to the end inside the guard, since SQLite may meet a bad page on any row.
    """

    def __init__(self, cache: EmbeddingCache) -> None:
        self._cache = cache

    def execute(self, sql: str, params: Iterable[Any] = ()) -> _Rows:
        params = tuple(params)
        return _Rows(self._cache._guard(lambda db: db.execute(sql, params).fetchall()))

    def executemany(self, sql: str, rows: Iterable[Any]) -> None:
        rows = list(rows)
        self._cache._guard(lambda db: db.executemany(sql, rows))

    def close(self) -> None:
        self._cache.close()


class EmbeddingCache:
    """The SQLite store under `.konomi/` (WAL mode: readers never block the writer).

    `warnings` keeps what a person should hear (a cache rebuilt); `warn` passes each on as it
    happens, so it is shown even when the damage is found half-way through a run.
    """

    def __init__(self, path: Path, warn: Callable[[str], None] | None = None) -> None:
        self.path = path
        self.warnings: list[str] = []
        self._warn = warn
        self.generation = 0  # +1 each time the database is replaced by a fresh one
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _drop_stale_sides(path)
            self._db = self._open()
        except sqlite3.Error as exc:
            if not is_sqlite_corruption(exc):
                raise _unwritable(path, exc) from None
            self._db = self._rebuild(exc)
        except OSError as exc:
            raise _unwritable(path, exc) from None
        self.db = _GuardedConnection(self)

    def _say(self, message: str) -> None:
        self.warnings.append(message)
        if self._warn is not None:
            self._warn(message)

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            upgrade(
                db, STEPS, what=f"{self.path.parent.name}/{self.path.name}", start=_meta_version(db)
            )
            _check(db)
        except sqlite3.Error:
            db.close()
            raise
        return db

    def _rebuild(self, exc: sqlite3.Error) -> sqlite3.Connection:
        """Set the damaged database aside and open a fresh one in its place."""
        aside = self._set_aside()
        self.generation += 1
        self._say(t("errors.store.cache_corrupt", why=exc, aside=f".konomi/{aside.name}"))
        try:
            return self._open()
        except (sqlite3.Error, OSError) as again:
            raise _unwritable(self.path, again) from None

    def _set_aside(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        n = 1
        while aside.exists():
            n += 1
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{n}")
        if self.path.exists():
            rename_over(self.path, aside)
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                rename_over(side, aside.with_name(aside.name + suffix))
        return aside

    def _guard(self, action: Callable[[sqlite3.Connection], T]) -> T:
        """Run `action` on the database; on corruption, rebuild it and run `action` once more."""
        try:
            return action(self._db)
        except sqlite3.Error as exc:
            if not is_sqlite_corruption(exc):
                raise _unwritable(self.path, exc) from None
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = self._rebuild(exc)
        try:
            return action(self._db)
        except sqlite3.Error as exc:
            raise _unwritable(self.path, exc) from None

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.close()

    def __enter__(self) -> EmbeddingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- files ---------------------------------------------------------------------------
    def file_stamps(self) -> dict[str, FileStamp]:
        """Every known path → stamp, loaded at once (100k rows is a few MB, one query).

        A row of the wrong types (a damaged or edited cache) is left out: its file is simply
        hashed again."""
        rows = self.db.execute("SELECT path, size, mtime_ns, digest FROM files")
        return {p: FileStamp(s, m, d) for p, s, m, d in rows if valid_stamp(p, s, m, d)}

    def stamps_of(self, paths: Sequence[str]) -> dict[str, tuple[int, int, str]]:
        """(size, mtime_ns, digest) of those of `paths` the cache knows, a piece at a time (a
        walk of a million files: the whole table is never held). A walk's paths lie side by
        side in the table, so a piece is read as one range of rows, a third of the CPU of a
        lookup per path; scattered paths (a range of far more rows) are looked up instead."""
        wanted = [p for p in paths if p.isascii() or storable(p)]
        found: dict[str, tuple[int, int, str]] = {}
        for i in range(0, len(wanted), STAMP_RANGE):
            piece = wanted[i : i + STAMP_RANGE]
            limit, select = 2 * len(piece) + 1024, "SELECT path, size, mtime_ns, digest FROM files"
            rows = self.db.execute(
                f"{select} WHERE path >= ? AND path <= ? ORDER BY path LIMIT ?",
                (min(piece), max(piece), limit),
            ).fetchall()
            if len(rows) >= limit:
                rows = []
                for j in range(0, len(piece), 900):  # SQLite's variable limit
                    chunk = piece[j : j + 900]
                    marks = ",".join("?" * len(chunk))
                    rows += self.db.execute(f"{select} WHERE path IN ({marks})", chunk)
            want = set(piece)
            found.update(
                (p, (s, m, d)) for p, s, m, d in rows if p in want and valid_stamp(p, s, m, d)
            )
        return found

    def count_files(self) -> int:
        (n,) = self.db.execute("SELECT COUNT(*) FROM files").fetchone()
        return int(n)

    def put_files(self, rows: Iterable[tuple[str, int, int, str]]) -> None:
        """Remember (path, size, mtime_ns, digest) rows (a path that is not valid text — a
        file name in another encoding — is not remembered: that file is hashed each time)."""
        self._write(
            "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)", (r for r in rows if storable(r[0]))
        )

    def forget_files(self, paths: Iterable[str]) -> None:
        self._write("DELETE FROM files WHERE path = ?", ((p,) for p in paths if storable(p)))

    def follow_moves(self, moved: Iterable[tuple[Path, Path]]) -> int:
        """Carry what we knew of each moved file to its new path, so that the next run does not
        read and hash it again (classify moves thousands of photos at a time). Only a file whose
        size and mtime at the destination are still those recorded for its source is carried;
        anything else is simply hashed again next time. Returns how many were carried."""
        carried: list[tuple[str, int, int, str]] = []
        left: list[str] = []
        for src, dst in moved:
            if not storable(str(src)):
                continue
            row = self.db.execute(
                "SELECT size, mtime_ns, digest FROM files WHERE path = ?", (str(src),)
            ).fetchone()
            if row is None or not valid_stamp(str(src), *row):
                continue
            left.append(str(src))
            try:
                st = os.stat(dst, follow_symlinks=False)
            except OSError:
                continue
            if (st.st_size, st.st_mtime_ns) == (row[0], row[1]):
                carried.append((str(dst), row[0], row[1], row[2]))
        self.put_files(carried)
        self.forget_files(left)
        return len(carried)

    # -- embeddings ------------------------------------------------------------------------
    def vector_bytes(self, model: str) -> int | None:
        """The size in bytes of every vector of `model`: the one its encoder last wrote, else
        the most common one. A cached vector of any other size (a damaged or edited row) is
        treated as missing and embedded again, never trained on."""
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (f"dim:{model}",)).fetchone()
        with contextlib.suppress(TypeError, ValueError):
            dim = int(row[0]) if row else 0
            if 0 < dim <= MAX_DIM:
                return 4 * dim
        common = self.db.execute(
            "SELECT length(vector) AS n FROM embeddings WHERE model = ? AND typeof(vector) = "
            "'blob' GROUP BY n ORDER BY COUNT(*) DESC, n DESC LIMIT 1",
            (model,),
        ).fetchone()
        n = common[0] if common else None
        return n if isinstance(n, int) and 0 < n <= 4 * MAX_DIM and not n % 4 else None

    def get_embeddings(self, digests: Iterable[str], model: str) -> dict[str, np.ndarray]:
        """Cached vectors for the digests that have a sound one under `model` (the right size,
        finite numbers)."""
        size = self.vector_bytes(model)
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
                vector = sound_vector(blob, size)
                if vector is not None:
                    found[digest] = vector
        return found

    def embedding_rows(
        self, digests: list[str], model: str, *, lengths: bool = False
    ) -> Iterator[tuple[str, bytes | int]]:
        """(digest, vector bytes) of the digests cached under `model`; with `lengths`, the
        vectors' byte lengths instead (what a caller that only checks them needs)."""
        column = "length(vector)" if lengths else "vector"
        for i in range(0, len(digests), 900):  # SQLite's variable limit
            chunk = digests[i : i + 900]
            marks = ",".join("?" * len(chunk))
            yield from self.db.execute(
                f"SELECT digest, {column} FROM embeddings WHERE model = ? AND digest IN ({marks})",
                (model, *chunk),
            )

    def embedding_pages(
        self, model: str, *, lengths: bool = False, page: int = 4096
    ) -> Iterator[list[tuple[str, bytes | int]]]:
        """Every row of `model` in digest order, `page` rows at a time: reading most of a large
        cache is faster in one ordered pass than by lookups, and memory stays small."""
        column = "length(vector)" if lengths else "vector"
        last = ""
        while True:
            rows = self.db.execute(
                f"SELECT digest, {column} FROM embeddings WHERE digest > ? AND model = ? "
                "ORDER BY digest LIMIT ?",
                (last, model, page),
            ).fetchall()
            if not rows:
                return
            yield rows
            last = rows[-1][0]

    def embedded_digests(self, model: str) -> set[str]:
        """The digests that have a sound vector under `model` (bytes of the model's size): a
        damaged row is not among them, so its image is embedded again."""
        size = self.vector_bytes(model) or 0
        rows = self.db.execute(
            "SELECT digest FROM embeddings WHERE model = ? AND typeof(vector) = 'blob' "
            "AND (? = 0 OR length(vector) = ?)",
            (model, size, size),
        )
        return {d for (d,) in rows}

    def put_encoded(
        self,
        model: str,
        items: Iterable[tuple[str, np.ndarray]],
        files: Iterable[tuple[str, int, int, str]],
    ) -> None:
        """Store a batch's vectors and its files' stamps in one transaction: a crash keeps
        both or neither. The encoder's vector size is recorded too: cached rows of any other
        size are not used (`vector_bytes`)."""
        rows = [(d, np.asarray(v, np.float32)) for d, v in items]
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)",
                ((d, model, v.tobytes()) for d, v in rows),
            )
            if rows and rows[0][1].ndim == 1:
                self.db.execute(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                    (f"dim:{model}", str(len(rows[0][1]))),
                )
            self.db.executemany(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)",
                [r for r in files if storable(r[0])],
            )

    def forget_embeddings(self, digests: Iterable[object], model: str) -> None:
        """Drop damaged vectors (they are computed again)."""
        self._write(
            "DELETE FROM embeddings WHERE digest = ? AND model = ?", ((d, model) for d in digests)
        )

    def put_embeddings(self, items: Iterable[tuple[str, np.ndarray]], model: str) -> None:
        vectors = [(d, np.asarray(v, np.float32)) for d, v in items]
        rows = [(d, model, v.tobytes()) for d, v in vectors]
        self._write("INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?)", rows)
        if vectors and vectors[0][1].ndim == 1:  # the encoder's own size, for `vector_bytes`
            self._write(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [(f"dim:{model}", str(vectors[0][1].shape[0]))],
            )

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
            found.update({d: str(r) for d, r in rows if isinstance(d, str) and r is not None})
        return found

    def all_failures(self) -> dict[str, str]:
        """Every digest known to be unreadable → why (rows of other types are skipped)."""
        rows = self.db.execute("SELECT digest, reason FROM failures")
        return {d: r for d, r in rows if isinstance(d, str) and isinstance(r, str)}

    def put_failures(self, items: Iterable[tuple[str, str]]) -> None:
        self._write("INSERT OR REPLACE INTO failures VALUES (?, ?)", items)

    def note_decoders(self, fingerprint: str) -> int:
        """Keep "unreadable" verdicts only while the decoders that made them are installed.

        `fingerprint` names the decoders in use now (versions of Pillow, pillow-heif, rawpy).
        When it differs from the one stored with the verdicts, they are forgotten, so each of
        those files is tried again (a HEIC seen before its plugin was installed is read now).
        Returns how many verdicts were forgotten.
        """
        row = self.db.execute("SELECT value FROM meta WHERE key = 'decoders'").fetchone()
        if row is not None and row[0] == fingerprint:
            return 0
        (n,) = self.db.execute("SELECT COUNT(*) FROM failures").fetchone()
        with self.transaction():
            self.db.execute("DELETE FROM failures")
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('decoders', ?)", (fingerprint,))
        return int(n)

    # -- scores of a head ------------------------------------------------------------------
    def put_scores(self, items: Iterable[tuple[str, float, float | None]], head: str) -> None:
        """Remember each image's score (and informativeness) under a head id."""
        rows = [(d, head, float(s), None if i is None else float(i)) for d, s, i in items]
        rows.sort()  # in key order: a million rows go in as appends, not random inserts
        self._write("INSERT OR REPLACE INTO scores VALUES (?, ?, ?, ?)", rows)

    def has_scores(self, head: str) -> bool:
        return (
            self.db.execute("SELECT 1 FROM scores WHERE head = ? LIMIT 1", (head,)).fetchone()
            is not None
        )

    def scores_of(self, digests: list[str], head: str) -> tuple[np.ndarray, np.ndarray]:
        """(score, informativeness) of each of `digests` under `head`, NaN where none is kept.

        Read into two arrays (`_score_rows`): at a million images a dict of every score
        would cost hundreds of MB."""
        where: dict[str, int] = {}
        copies: list[tuple[int, int]] = []  # (row, first row of the same content)
        for i, digest in enumerate(digests):
            first = where.setdefault(digest, i)
            if first != i:
                copies.append((i, first))
        scores = np.full(len(digests), np.nan)
        info = np.full(len(digests), np.nan)
        for rows in self._score_rows(list(where), head):
            for d, s, i in rows:
                at = where.get(d)
                if at is not None and type(s) is float and (i is None or type(i) is float):
                    scores[at] = s  # a row of other types (a damaged cache) is scored again
                    info[at] = np.nan if i is None else i
        bad = ~np.isfinite(scores) | np.isinf(info)
        scores[bad], info[bad] = np.nan, np.nan
        for i, first in copies:
            scores[i], info[i] = scores[first], info[first]
        return scores, info

    def _score_rows(self, digests: list[str], head: str, page: int = 8192) -> Iterator[list[Any]]:
        """The head's (digest, score, info) rows for `digests`: looked up by digest when they
        are few (a classify of a few new images), else one pass in digest order, a page at a
        time (a score of every image)."""
        if len(digests) <= FEW_SCORES:
            for i in range(0, len(digests), 900):  # SQLite's variable limit
                chunk = digests[i : i + 900]
                marks = ",".join("?" * len(chunk))
                yield self.db.execute(
                    "SELECT digest, score, info FROM scores WHERE head = ? AND digest IN "
                    f"({marks})",
                    (head, *chunk),
                ).fetchall()
            return
        last = ""
        while True:
            rows = self.db.execute(
                "SELECT digest, score, info FROM scores WHERE head = ? AND digest > ? "
                "ORDER BY digest LIMIT ?",
                (head, last, page),
            ).fetchall()
            yield rows
            if len(rows) < page:
                return
            last = rows[-1][0]
            last = rows[-1][0]

    def get_scores(self, head: str) -> dict[str, tuple[float, float | None]]:
        rows = self.db.execute("SELECT digest, score, info FROM scores WHERE head = ?", (head,))
        return {d: (s, i) for d, s, i in rows if number(s) and (i is None or number(i))}

    def _write(self, sql: str, rows: Iterable[Any]) -> None:
        """One statement over many rows, in one transaction (retried whole after a rebuild)."""
        rows = list(rows)

        def write(db: sqlite3.Connection) -> None:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany(sql, rows)
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

        self._guard(write)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group statements of `db` in one transaction (dropped if the cache is rebuilt mid-way:
        what it held is only a cache)."""
        self._guard(lambda db: db.execute("BEGIN IMMEDIATE"))
        generation = self.generation
        try:
            yield
        except BaseException:
            if generation == self.generation:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
            raise
        if generation == self.generation:
            self._guard(lambda db: db.execute("COMMIT"))


FEW_SCORES = 20000  # up to this many digests, scores are looked up by digest
MAX_DIM = 65536  # floats in one embedding, far above any image encoder's


def _sides(path: Path) -> list[Path]:
    """SQLite's companions of a database in WAL mode: `-wal` and `-shm`."""
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]


def _drop_stale_sides(path: Path) -> None:
    """A `-wal` / `-shm` left beside a cache file that is gone (deleted by hand, perhaps after
    a permission problem) belongs to no database: SQLite would refuse a read-only one, or try
    to replay a stale log into the new file. They are removed before a fresh cache is made."""
    if os.path.lexists(path) or str(path) == ":memory:":
        return
    for side in _sides(path):
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            side.unlink()


def _unwritable(path: Path, exc: BaseException) -> KonomiError:
    """The cache exists but cannot be used: disk full, read-only, or held by another program."""
    text = getattr(exc, "strerror", None) or str(exc)
    names = " ".join(f"{path.parent.name}/{p.name}" for p in [path, *_sides(path)])
    return KonomiError(
        t("errors.store.cache_unusable", file=f"{path.parent.name}/{path.name}", why=text),
        t("errors.store.cache_unusable_hint", names=names),
    )
