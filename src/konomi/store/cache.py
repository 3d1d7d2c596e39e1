"""Embeddings cached beside SQLite, keyed by (content hash, model id).

Each model's vectors are rows of a flat float32 file that SQLite indexes by digest
(`store.vectors`, `store.vector_index`), and the `files` table maps a path to the
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
import itertools
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
from konomi.store import quality_slots, score_arrays
from konomi.store.cache_rows import storable, valid_stamp
from konomi.store.migrations import Step, add_columns, sql, upgrade
from konomi.store.quality import QUALITY_STEP_NAME, QUALITY_TABLE
from konomi.store.vector_index import STEP_NAME, VectorIndex, move_blobs
from konomi.store.vectors import BLOCK_ROWS, VectorFiles

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
FILE_SLOTS_STEP = "each file's row names its content's vector (file and slot)"
# The cache's history, oldest first: a file is brought up to the last step when opened.
STEPS = (
    Step(1, "tables for files, embeddings, failures and scores", sql(_TABLES)),
    Step(2, QUALITY_STEP_NAME, sql(QUALITY_TABLE)),
    Step(3, STEP_NAME, move_blobs),
    Step(4, score_arrays.STEP_NAME, sql(score_arrays.TABLE)),
    Step(5, FILE_SLOTS_STEP, add_columns("files", {"vfile": "INTEGER", "slot": "INTEGER"})),
    Step(6, quality_slots.STEP_NAME, sql(quality_slots.TABLE)),
)
T = TypeVar("T")


STAMP_RANGE = 8192  # paths whose stamps are read together (`stamps_of`)
STAMP_COLUMNS = "path, size, mtime_ns, digest, vfile, slot"
# a `files` row of the types konomi writes (`cache_rows.valid_stamp`, asked of SQLite)
SOUND_STAMP = (
    "typeof(path) = 'text' AND typeof(size) = 'integer' AND typeof(mtime_ns) = 'integer' "
    "AND typeof(digest) = 'text' AND digest <> ''"
)
FILE_ROW = "INSERT OR REPLACE INTO files (path, size, mtime_ns, digest) VALUES (?, ?, ?, ?)"
FILE_ROW_WITH_SLOT = "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?)"
CHECKED = ("meta", "files", "failures", "vector_files")  # not `vector_slots`, `head_scores`


def _check(db: sqlite3.Connection) -> None:
    """SQLite's quick check of the small tables, on every open.

    Not of `vector_slots`: at a million images it is a million rows, and checking it would
    cost every command a second of reading. A slot is checked when used (the file must hold
    it, its numbers be finite), a head's score arrays when read (their sizes, each score in
    0–1), and damage SQLite meets in either later is caught like any other (`_guard`)."""
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
        self.vectors = VectorIndex(VectorFiles(path), self._guard)
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
        self.vectors.files.set_aside(aside)  # its slots mean nothing to a fresh database
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
        self.vectors.files.close()

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
        """(size, mtime_ns, digest) of those of `paths` the cache knows, by path (`stamp_rows`,
        a piece at a time: a walk of a million files never holds the whole table)."""
        found: dict[str, tuple[int, int, str]] = {}
        for i in range(0, len(paths), STAMP_RANGE):
            piece = paths[i : i + STAMP_RANGE]
            want = set(piece)
            found.update((r[0], r[1:4]) for r in self.stamp_rows(piece) if r[0] in want)
        return found

    def stamp_rows(self, paths: Sequence[str]) -> list[tuple[str, int, int, str, object, object]]:
        """The `files` rows (path, size, mtime_ns, digest, vector file, slot) of `paths` (a
        walk's piece: up to `STAMP_RANGE` of them) that are of the types konomi writes, and
        perhaps others of paths between them. The last two say where the content's vector was
        when the row was written (`put_encoded`): the caller checks them against the model's
        file (`vector_file`); NULL when unknown.

        A walk's paths lie side by side in the table, so they are read as one range of rows,
        in path order (a walk's order too, mostly: the caller may match them up without a
        lookup per path), a third of the CPU of a lookup per path; scattered paths (a range of
        far more rows) are looked up instead."""
        wanted = [p for p in paths if p.isascii() or storable(p)]
        if not wanted:
            return []
        select = f"SELECT {STAMP_COLUMNS} FROM files WHERE {SOUND_STAMP}"
        limit = 2 * len(wanted) + 1024
        rows = self.db.execute(
            f"{select} AND path >= ? AND path <= ? ORDER BY path LIMIT ?",
            (min(wanted), max(wanted), limit),
        ).fetchall()
        if len(rows) < limit:
            return rows
        rows = []
        for j in range(0, len(wanted), 900):  # SQLite's variable limit
            chunk = wanted[j : j + 900]
            marks = ",".join("?" * len(chunk))
            rows += self.db.execute(f"{select} AND path IN ({marks})", chunk)
        return rows

    def count_files(self) -> int:
        (n,) = self.db.execute("SELECT COUNT(*) FROM files").fetchone()
        return int(n)

    def put_files(self, rows: Iterable[tuple[str, int, int, str]]) -> None:
        """Remember (path, size, mtime_ns, digest) rows (a path that is not valid text — a
        file name in another encoding — is not remembered: that file is hashed each time)."""
        self._write(FILE_ROW, (r for r in rows if storable(r[0])))

    def note_slots(self, rows: Iterable[tuple[str, int, int]]) -> None:
        """Remember (path, vector file, slot) for paths whose row lacks them (written before
        slots were kept, or by `put_files`): the next warm run finds them with the stamps."""
        self._write(
            "UPDATE files SET vfile = ?, slot = ? WHERE path = ?",
            ((f, k, p) for p, f, k in rows if storable(p)),
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
                "SELECT size, mtime_ns, digest, vfile, slot FROM files WHERE path = ?", (str(src),)
            ).fetchone()
            if row is None or not valid_stamp(str(src), *row[:3]):
                continue
            left.append(str(src))
            try:
                st = os.stat(dst, follow_symlinks=False)
            except OSError:
                continue
            if (st.st_size, st.st_mtime_ns) == (row[0], row[1]):
                carried.append((str(dst), *row))
        self._write(FILE_ROW_WITH_SLOT, carried)
        self.forget_files(left)
        return len(carried)

    # -- embeddings (a flat file per model, indexed here: store.vector_index) ---------------
    def vector_bytes(self, model: str) -> int | None:
        """The size in bytes of every vector of `model` (None: it has no sound vector file)."""
        found = self.vectors.readable(model)
        return 4 * found[0].dim if found else None

    def slots_of(self, digests: Sequence[str], model: str) -> np.ndarray:
        """The slot of each digest's vector, −1 where none can be read (`VectorIndex`)."""
        return self.vectors.slots_of(digests, model)

    def vector_file(self, model: str) -> tuple[int, int] | None:
        """(id, readable rows) of the model's vector file: a `files` row's slot is that of the
        content's vector only when it names this file and lies below that many rows."""
        found = self.vectors.readable(model)
        return (found[0].id, found[2]) if found else None

    def vectors_at(self, model: str, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rows, sound) of those slots: zeros and False where no sound vector is."""
        return self.vectors.vectors_at(model, slots)

    def vector_blocks(
        self, model: str, slots: np.ndarray | None = None, rows: int = BLOCK_ROWS
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The model's vectors a block at a time, in file order (`VectorIndex.blocks`)."""
        return self.vectors.blocks(model, slots, rows)

    def get_embeddings(self, digests: Iterable[str], model: str) -> dict[str, np.ndarray]:
        """Cached vectors for the digests that have a sound one under `model`."""
        wanted = list(dict.fromkeys(digests))
        X, sound = self.vectors_at(model, self.slots_of(wanted, model))
        return {wanted[i]: X[i] for i in np.flatnonzero(sound).tolist()}

    def embedded_digests(self, model: str) -> set[str]:
        """The digests whose vector under `model` can be read (one query, the set built from
        its rows in C: asked before every embed that has files to hash)."""
        found = self.vectors.readable(model)
        if found is None:
            return set()
        head, _, limit = found
        rows = self.db.execute(
            "SELECT digest FROM vector_slots WHERE file = ? AND typeof(slot) = 'integer' "
            "AND slot >= 0 AND slot < ? AND typeof(digest) = 'text'",
            (head.id, limit),
        ).fetchall()
        return set(itertools.chain.from_iterable(rows))

    def put_encoded(
        self,
        model: str,
        items: Iterable[tuple[str, np.ndarray]],
        files: Iterable[tuple[str, int, int, str]],
    ) -> dict[str, int]:
        """Store a batch's vectors and its files' stamps in one transaction: a crash keeps
        both or neither (the vectors are on disk before it commits). Each file's row names the
        slot of its content's vector, so that a warm run needs no pass over the index.
        Returns the slot of each digest written or named (−1: none)."""
        rows = list(items)
        kept = [r for r in files if storable(r[0])]
        with self.transaction():
            placed = self.vectors.put(model, rows)
            slot = dict(zip([d for d, _ in rows], placed[1].tolist())) if placed else {}
            found = self.vector_file(model)
            others = list({r[3] for r in kept if r[3] not in slot})
            if others and found:  # the same content embedded before: its slot is known
                slot.update(zip(others, self.vectors.slots_of(others, model).tolist()))
            fid = found[0] if found else None
            self.db.executemany(
                FILE_ROW_WITH_SLOT,
                [(*r, fid, k if (k := slot.get(r[3], -1)) >= 0 else None) for r in kept],
            )
        return slot

    def forget_embeddings(self, digests: Iterable[object], model: str) -> None:
        """Drop damaged vectors (they are computed again)."""
        self.vectors.forget([d for d in digests if isinstance(d, str)], model)

    def put_embeddings(self, items: Iterable[tuple[str, np.ndarray]], model: str) -> None:
        self.vectors.put(model, list(items))

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

    # -- scores of a head (arrays by vector slot: store.score_arrays) ----------------------
    def scores_at(self, head: str, model: str, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(score, informativeness) under `head` of the images whose vectors are at `slots`
        (in `model`'s vector file), NaN where none is kept."""
        return score_arrays.at(self.head_arrays(head, model), slots)

    def head_arrays(self, head: str, model: str) -> tuple[np.ndarray, np.ndarray]:
        """`head`'s kept (scores, informativeness) by slot of `model`'s vector file (empty
        when none are kept for it)."""
        found = self.vectors.readable(model)
        if found is None:
            return np.zeros(0), np.zeros(0)
        token = found[0].token
        return self._guard(lambda db: score_arrays.read(db, head, token))

    def put_scores_at(
        self, head: str, model: str, slots: np.ndarray, scores: np.ndarray, info: np.ndarray
    ) -> None:
        """Keep the scores (and informativeness) of the images at `slots` under `head`
        (−1: no vector kept, nothing to key the score by: it is computed again next time)."""
        found = self.vectors.readable(model)
        if found is None or not len(slots):
            return
        token = found[0].token
        with self.transaction():
            self._guard(lambda db: score_arrays.write(db, head, token, slots, scores, info))

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
    vectors = path.with_name(f"{path.stem}.vectors-*.f32")  # the vector files (store.vectors)
    names = " ".join(f"{path.parent.name}/{p.name}" for p in [path, *_sides(path), vectors])
    return KonomiError(
        t("errors.store.cache_unusable", file=f"{path.parent.name}/{path.name}", why=text),
        t("errors.store.cache_unusable_hint", names=names),
    )
