"""Which slot of a model's vector file holds each digest: the cache's small SQLite index.

`vector_files` names each model's file (an id, the token its header must carry, floats per row,
rows in use) and `vector_slots` maps (file, digest) → slot, small rows that a warm `embed`
reads a million of in well under a second. The vectors themselves are in the flat file
(`store.vectors`).

Writing holds SQLite's write lock (`BEGIN IMMEDIATE`) from before the rows are appended until
the transaction that names them commits, so two processes never append at once, and the rows
are on disk before that commit: a crash between the two leaves rows nothing names (written over
by the next append), never a slot naming a row that is not there. A slot the file does not
reach, a file whose header is not the one recorded, or a row of NaN is a missing vector.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

from konomi import faults
from konomi.store.migrations import sql
from konomi.store.vectors import BLOCK_ROWS, MEMORY, VectorFile, VectorFiles, finite_rows

TABLES = """
CREATE TABLE IF NOT EXISTS vector_files (
    model TEXT PRIMARY KEY, id INTEGER NOT NULL UNIQUE, token TEXT NOT NULL,
    dim INTEGER NOT NULL, rows INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS vector_slots (
    file INTEGER NOT NULL, digest TEXT NOT NULL, slot INTEGER NOT NULL,
    PRIMARY KEY (file, digest)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS vector_slots_by_slot ON vector_slots (file, slot);
"""
STEP_NAME = "embeddings moved from BLOB rows to a flat vector file per model"
FEW = 20000  # up to this many digests, slots are looked up by digest; more: one pass
PAGE = 65536  # index rows read at once in a pass
T = TypeVar("T")


class Run(Protocol):
    """Runs an action on the cache's database, behind its corruption guard."""

    def __call__(self, action: Callable[[sqlite3.Connection], T]) -> T: ...


@dataclass(frozen=True)
class Head:
    """A model's `vector_files` row: the file it names, and how many of its rows are in use."""

    id: int
    token: str
    dim: int
    rows: int


def head_of(db: sqlite3.Connection, model: str) -> Head | None:
    row = db.execute(
        "SELECT id, token, dim, rows FROM vector_files WHERE model = ?", (model,)
    ).fetchone()
    if row is None or [type(v) for v in row] != [int, str, int, int]:
        return None  # a damaged row: its vectors are not trusted
    head = Head(*row)
    if len(head.token) != 32 or not 0 < head.dim <= 65536 or head.rows < 0:
        return None
    try:
        bytes.fromhex(head.token)
    except ValueError:
        return None
    return head


def append(
    db: sqlite3.Connection, files: VectorFiles, model: str, digests: Sequence[str], X: np.ndarray
) -> tuple[int, int]:
    """Append the rows of `X` to the model's file and name them in the index; returns (the
    file's id, the slot of the first row). The caller holds the write lock (an open `BEGIN
    IMMEDIATE`) and commits after. A file that is missing, not the one recorded, or of another
    row size is started afresh under a new id (its slots forgotten: an id is never used twice,
    so a `files` row naming an old one is simply not trusted); rows a truncated file lost are
    forgotten, in the index and in the `files` rows that named them."""
    dim = X.shape[1]
    head = head_of(db, model)
    held = files.get(model, head.token, head.dim) if head and head.dim == dim else None
    if head is None or held is None:
        if head is not None:
            db.execute("DELETE FROM vector_slots WHERE file = ?", (head.id,))
        db.execute("DELETE FROM vector_files WHERE model = ?", (model,))
        number = _new_id(db)
        db.execute("DELETE FROM vector_slots WHERE file = ?", (number,))
        held = files.create(model, dim)
        db.execute(
            "INSERT OR REPLACE INTO vector_files VALUES (?, ?, ?, ?, 0)",
            (model, number, held.token, dim),
        )
        head = Head(number, held.token, dim, 0)
    start = head.rows
    on_disk = held.rows()
    if on_disk < start:  # cut short since: what it lost is missing
        db.execute("DELETE FROM vector_slots WHERE file = ? AND slot >= ?", (head.id, on_disk))
        _unname_files(db, "vfile = ? AND slot >= ?", (head.id, on_disk))
        start = on_disk
    held.write(start, X)
    faults.reached("vectors_appended")  # tests: a kill -9 between the append and the commit
    db.executemany(
        "INSERT OR REPLACE INTO vector_slots VALUES (?, ?, ?)",
        ((head.id, d, start + i) for i, d in enumerate(digests)),
    )
    db.execute("UPDATE vector_files SET rows = ? WHERE model = ?", (start + len(digests), model))
    return head.id, start


def _run(index: np.ndarray) -> slice | None:
    """`index` as a slice when it counts up by one (a copy through a slice is a block copy;
    through an index array, a row at a time)."""
    n = len(index)
    if n and index[-1] - index[0] == n - 1 and (n < 2 or bool((np.diff(index) == 1).all())):
        return slice(int(index[0]), int(index[-1]) + 1)
    return None


SCATTERED = 64  # more rows than this, not side by side, are read through a map of the file


def _span(slots: np.ndarray) -> tuple[int, int] | None:
    """(first, past the last) of `slots` when they lie within a stretch of at most twice
    their number of rows (frames in time order, embedded a few at a time out of order): read
    as one stretch and picked, they cost a copy each instead of a gather and a scatter."""
    if len(slots) < SCATTERED:
        return None
    lo, hi = int(slots.min()), int(slots.max()) + 1
    return (lo, hi) if hi - lo <= 2 * len(slots) else None


def _gather(held: VectorFile, slots: np.ndarray, out: np.ndarray) -> None:
    """The rows at `slots` (all below the file's rows) into `out`, a piece at a time: each
    piece's map and pages are released before the next (memory stays at the rows asked)."""
    for start in range(0, len(slots), GATHER_PIECE):
        piece = slice(start, start + GATHER_PIECE)
        held.gather(slots[piece], out[piece])


GATHER_PIECE = 65536  # rows gathered through one map


def _new_id(db: sqlite3.Connection) -> int:
    """An id no vector file of this cache has had (kept in `meta`: ids of deleted files are
    not given out again)."""
    row = db.execute("SELECT value FROM meta WHERE key = 'next_vector_file'").fetchone()
    (top,) = db.execute(
        "SELECT COALESCE(MAX(id), 0) + 1 FROM vector_files WHERE typeof(id) = 'integer'"
    ).fetchone()
    kept = int(row[0]) if row and str(row[0]).isdigit() else 0
    number = max(int(top), kept, 1)
    db.execute("INSERT OR REPLACE INTO meta VALUES ('next_vector_file', ?)", (str(number + 1),))
    return number


def _unname_files(db: sqlite3.Connection, where: str, args: tuple[Any, ...]) -> None:
    """Clear the vector slot of the `files` rows `where` selects (a slot that no longer holds
    their content's vector). Rare: after damage, never on a warm run; a cache from before the
    `files` rows named slots has nothing to clear."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(files)")}
    if "slot" in columns:
        db.execute(f"UPDATE files SET vfile = NULL, slot = NULL WHERE {where}", args)


class VectorIndex:
    """The cache's vectors: reads and writes through the index and the files. `run` executes
    an action on the database behind the cache's corruption guard."""

    def __init__(self, files: VectorFiles, run: Run) -> None:
        self.files = files
        self.run = run

    def _all(self, query: str, args: tuple[Any, ...]) -> list[Any]:
        return self.run(lambda db: db.execute(query, args).fetchall())

    def readable(self, model: str) -> tuple[Head, VectorFile, int] | None:
        """The model's head, its file, and how many slots can be read (those the index names
        and the file holds), or None when it has no sound file."""
        head = self.run(lambda db: head_of(db, model))
        if head is None:
            return None
        held = self.files.get(model, head.token, head.dim)
        if held is None:
            return None
        return head, held, min(head.rows, held.rows())

    def slots_of(self, digests: Sequence[str], model: str) -> np.ndarray:
        """The slot of each digest, −1 where it has none that can be read.

        Many digests (a warm `embed` asks of every image) are matched against one pass over
        the index as arrays of fixed-width bytes (`np.searchsorted`), not a dict lookup per
        row: a million in about a second, where a dict costs several."""
        out = np.full(len(digests), -1, np.int64)
        found = self.readable(model)
        if found is None or not len(digests):
            return out
        head, _, limit = found
        select = "SELECT digest, slot FROM vector_slots WHERE file = ? AND typeof(slot) = 'integer'"
        width = _width(digests)
        if len(digests) > FEW and width:
            out = self._sorted_match(head.id, select, digests, width)
        else:
            where: dict[str, int] = {}
            for i, digest in enumerate(digests):
                where.setdefault(digest, i)
            wanted = list(where)
            if len(wanted) <= FEW:
                for i in range(0, len(wanted), 900):  # SQLite's variable limit
                    chunk = wanted[i : i + 900]
                    marks = ",".join("?" * len(chunk))
                    query, args = f"{select} AND digest IN ({marks})", (head.id, *chunk)
                    self._place(out, where, self._all(query, args))
            else:  # digests of several lengths (never konomi's): a dict, row by row
                for rows in self._pages(head.id, select):
                    self._place(out, where, rows)
            if len(where) < len(digests):  # the same content more than once
                out = out[np.fromiter((where[d] for d in digests), np.int64, len(digests))]
        out[out >= limit] = -1
        return out

    @staticmethod
    def _place(out: np.ndarray, where: dict[str, int], rows: list[tuple[str, int]]) -> None:
        hits = [(where[d], s) for d, s in rows if d in where]
        if hits:
            at, slots = zip(*hits)
            out[list(at)] = slots

    def _paged_match(
        self, file: int, select: str, digests: Sequence[str], width: int
    ) -> np.ndarray:
        """`_sorted_match` for an index holding some digest that is not ASCII: its rows read
        a page at a time, the odd ones left out."""
        keys: list[bytes] = []
        slots: list[np.ndarray] = []
        for rows in self._pages(file, select):
            rows = [(d, n) for d, n in rows if len(d) == width and d.isascii() and n >= 0]
            keys.append("".join(map(itemgetter(0), rows)).encode("ascii"))
            slots.append(np.fromiter(map(itemgetter(1), rows), np.int64, len(rows)))
        slot = np.concatenate(slots) if slots else np.zeros(0, np.int64)
        return _search(b"".join(keys), slot, digests, width)

    def _sorted_match(
        self, file: int, select: str, digests: Sequence[str], width: int
    ) -> np.ndarray:
        """Slots of `digests` (all `width` ASCII characters), from one pass over the index:
        SQLite joins the keys and the slots (as 12 digits each) into two strings, so that no
        Python object is made per row; they are then searched as arrays (sorted here: the
        order of an aggregate is SQLite's to choose)."""
        query = (
            "SELECT group_concat(digest, ''), group_concat(printf('%012d', slot), ''), COUNT(*) "
            f"FROM ({select} AND length(digest) = ? AND slot BETWEEN 0 AND 999999999999)"
        )
        text, numbers, n = self._all(query, (file, width))[0]
        if not n:
            return np.full(len(digests), -1, np.int64)
        if not isinstance(text, str) or len(text) != n * width or not text.isascii():
            return self._paged_match(file, select, digests, width)  # a digest of other bytes
        digits = np.frombuffer(numbers.encode("ascii"), np.uint8).reshape(n, 12) - ord("0")
        slot = digits.astype(np.int64) @ (10 ** np.arange(11, -1, -1, dtype=np.int64))
        return _search(text.encode("ascii"), slot, digests, width)

    def _pages(self, file: int, select: str) -> Iterator[list[tuple[str, int]]]:
        last = ""
        while True:
            query = f"{select} AND digest > ? ORDER BY digest LIMIT ?"
            rows = self._all(query, (file, last, PAGE))
            if rows:
                yield rows
            if len(rows) < PAGE:
                return
            last = rows[-1][0]

    def count(self, model: str) -> int:
        """How many digests have a vector of `model` named in the index."""
        head = self.run(lambda db: head_of(db, model))
        if head is None:
            return 0
        (n,) = self._all("SELECT COUNT(*) FROM vector_slots WHERE file = ?", (head.id,))[0]
        return int(n)

    def digests_at(self, model: str, slots: Sequence[int]) -> list[str | None]:
        """The digest each slot holds (None: a slot nothing names, overwritten or unused)."""
        found = self.readable(model)
        if found is None:
            return [None] * len(slots)
        head = found[0]
        named: dict[int, str] = {}
        wanted = sorted({int(s) for s in slots})
        if len(wanted) > 50_000:  # many: one pass over the model's index (lookups by slot below)
            rows = self._all("SELECT slot, digest FROM vector_slots WHERE file = ?", (head.id,))
            want = set(wanted)
            named.update((s, d) for s, d in rows if s in want and isinstance(d, str))
            wanted = []
        for i in range(0, len(wanted), 900):
            chunk = wanted[i : i + 900]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT slot, digest FROM vector_slots WHERE file = ? AND slot IN ({marks})"
            rows = self._all(query, (head.id, *chunk))
            named.update((s, d) for s, d in rows if isinstance(d, str))
        return [named.get(int(s)) for s in slots]

    def vectors_at(self, model: str, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rows, sound): the vector of each slot (zeros where none), and which are sound —
        a slot the file holds, every number finite."""
        slots = np.asarray(slots, np.int64)
        found = self.readable(model)
        if found is None:
            return np.zeros((len(slots), 0), np.float32), np.zeros(len(slots), bool)
        _, held, limit = found
        out = np.zeros((len(slots), held.dim), np.float32)
        sound = (slots >= 0) & (slots < limit)
        at = np.flatnonzero(sound)
        run = _run(slots) if len(at) == len(slots) else None
        asked = slots[at]
        if run is not None:  # rows side by side (frames embedded one after another): at once
            got = len(held.read(run.start, run.stop, out))
            sound[got:] = False
        elif (span := _span(asked)) is not None:  # nearly side by side: one stretch, picked
            lo, hi = span
            rows = held.read(lo, hi, held.buffer(hi - lo))
            offset = asked - lo
            inside = offset < len(rows)  # the file may end before the stretch does
            sound[at] = inside
            if len(at) == len(slots) and inside.all():  # straight into the answer
                np.take(rows, offset, axis=0, out=out, mode="clip")  # "clip": all in range
            else:
                out[at[inside]] = np.take(rows, offset[inside], axis=0, mode="clip")
        elif 16 * len(at) >= len(np.unique(asked // BLOCK_ROWS)) * BLOCK_ROWS:
            for positions, block in self._blocks(held, limit, slots, at):  # dense: by blocks
                out[_run(positions) or positions] = block
        elif len(at) == len(slots) and len(at) > SCATTERED:  # many, scattered: through a map
            _gather(held, slots, out)
        elif len(at) > SCATTERED:
            part = np.empty((len(at), held.dim), np.float32)
            _gather(held, slots[at], part)
            out[at] = part
        else:
            for i in at.tolist():
                if not held.read_row(int(slots[i]), out[i]):
                    sound[i] = False
        return out, sound & finite_rows(out)

    def blocks(
        self, model: str, slots: np.ndarray | None = None, rows: int = BLOCK_ROWS
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """A pass over the model's vectors in file order, one block at a time (memory stays
        at one block however large the file: each block is read into the same buffer, so a
        caller that keeps one copies it). Without `slots`: (slot numbers, rows) of every
        row in use, as stored — rows nothing names any more included, and rows of NaN left to
        the caller (a NaN similarity is no match). With `slots`: (positions in `slots`, their
        sound rows) for the slots asked."""
        found = self.readable(model)
        if found is None:
            return
        _, held, limit = found
        if slots is None:
            for start, block in held.blocks(limit, rows):
                yield np.arange(start, start + len(block)), block
            return
        slots = np.asarray(slots, np.int64)
        at = np.flatnonzero((slots >= 0) & (slots < limit))
        for positions, block in self._blocks(held, limit, slots, at, rows):
            good = finite_rows(block)
            yield (positions, block) if good.all() else (positions[good], block[good])

    @staticmethod
    def _blocks(
        held: VectorFile, limit: int, slots: np.ndarray, at: np.ndarray, rows: int = BLOCK_ROWS
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(positions, rows) of the slots `slots[at]`, read block by block in file order."""
        order = at[np.argsort(slots[at], kind="stable")]
        ordered = slots[order]
        buffer = held.buffer(min(rows, max(limit, 1)))
        for start in range(0, limit, rows):
            lo, hi = np.searchsorted(ordered, [start, start + rows])
            if lo == hi:
                continue
            block = held.read(start, min(start + rows, limit), buffer)
            take = ordered[lo:hi] - start
            inside = take < len(block)
            run = _run(take) if inside.all() else None
            # rows side by side (frames embedded one after another): a view, not a copy
            yield order[lo:hi][inside], block[run] if run else block[take[inside]]

    def forget(self, digests: Sequence[str], model: str) -> None:
        """Unname the slots of `digests` (their vectors are damaged: computed again)."""
        head = self.run(lambda db: head_of(db, model))
        if head is None or not digests:
            return

        def unname(db: sqlite3.Connection) -> None:
            for i in range(0, len(digests), 900):  # SQLite's variable limit
                chunk = list(digests[i : i + 900])
                marks = ",".join("?" * len(chunk))
                _unname_files(db, f"vfile = ? AND digest IN ({marks})", (head.id, *chunk))
            db.executemany(
                "DELETE FROM vector_slots WHERE file = ? AND digest = ?",
                ((head.id, d) for d in digests),
            )

        self.run(lambda db: _locked(db, lambda: unname(db)))

    def put(
        self, model: str, items: Sequence[tuple[str, np.ndarray]]
    ) -> tuple[int, np.ndarray] | None:
        """Append vectors (one size, float32 rows) in the open transaction, or in one of their
        own; returns (the file's id, each vector's slot), None when there were none."""
        if not items:
            return None
        digests = [d for d, _ in items]
        X = np.stack([np.asarray(v, np.float32).reshape(-1) for _, v in items])
        file, start = self.run(
            lambda db: _locked(db, lambda: append(db, self.files, model, digests, X))
        )
        return file, np.arange(start, start + len(digests))


def _search(keys: bytes, slot: np.ndarray, digests: Sequence[str], width: int) -> np.ndarray:
    """The slot of each digest among `keys` (`width` bytes each, in any order; `slot` theirs),
    −1 where absent: lowercase hex is searched by its first 64 bits as a number (the rest
    compared after), anything else — or keys alike in their first 64 bits — as bytes."""
    if not len(slot):
        return np.full(len(digests), -1, np.int64)
    asked = "".join(digests).encode("ascii")
    key, want = _numbers(keys, width), _numbers(asked, width)
    if key is not None and want is not None:
        order = np.argsort(key[:, 0])
        first = key[order, 0]
        if not (first[1:] == first[:-1]).any():  # (two alike in their first 16 digits: bytes)
            asking = np.argsort(want[:, 0])  # sorted needles: the search walks in order
            at = np.empty(len(want), np.int64)
            at[asking] = np.searchsorted(first, want[asking, 0])
            at = order[np.minimum(at, len(key) - 1)]
            return np.where((key[at] == want).all(axis=1), slot[at], -1)
    named, wanted = np.frombuffer(keys, f"S{width}"), np.frombuffer(asked, f"S{width}")
    order = np.argsort(named, kind="stable")
    at = order[np.minimum(np.searchsorted(named[order], wanted), len(named) - 1)]
    return np.where(named[at] == wanted, slot[at], -1)


def _numbers(text: bytes, width: int) -> np.ndarray | None:
    """Digests of `width` lowercase hex digits as rows of big-endian 64-bit numbers (searched
    as numbers, ten times faster than as bytes), or None when they are not that."""
    if width % 16 or text != text.lower():
        return None
    try:
        raw = bytes.fromhex(text.decode("ascii"))
    except ValueError:
        return None
    if 2 * len(raw) != len(text):  # fromhex skips spaces
        return None
    return np.frombuffer(raw, ">u8").reshape(-1, width // 16)


def _width(digests: Sequence[str]) -> int:
    """The length every digest has when all are ASCII of one length (konomi's are), else 0."""
    lengths = set(map(len, digests))
    if len(lengths) != 1:
        return 0
    (width,) = lengths
    return width if "".join(digests).isascii() else 0


def _locked(db: sqlite3.Connection, action: Callable[[], T]) -> T:
    """`action` inside the open transaction, else in one of its own (`BEGIN IMMEDIATE`)."""
    if db.in_transaction:
        return action()
    db.execute("BEGIN IMMEDIATE")
    try:
        result = action()
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return result


def move_blobs(db: sqlite3.Connection) -> None:
    """The upgrade of a cache whose vectors were BLOB rows of `embeddings`: every sound row (the
    model's size, finite numbers) is appended to its model's vector file and indexed, then the
    table is dropped (its pages are reused by SQLite). Runs inside the upgrade's transaction:
    an interrupted upgrade leaves the old table whole and is done again."""
    sql(TABLES)(db)
    if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 'embeddings'").fetchone():
        return
    main = [row[2] for row in db.execute("PRAGMA database_list") if row[1] == "main"]
    files = VectorFiles(Path(main[0]) if main and main[0] else Path(MEMORY))
    dims: dict[str, int] = {}
    for key, value in db.execute("SELECT key, value FROM meta WHERE key LIKE 'dim:%'"):
        if isinstance(value, str) and value.isdigit() and 0 < int(value) <= 65536:
            dims[key[4:]] = 4 * int(value)
    pending: dict[str, list[tuple[str, bytes]]] = {}

    def flush(model: str) -> None:
        rows = pending.pop(model, [])
        if rows:
            X = np.frombuffer(b"".join(b for _, b in rows), np.float32).reshape(len(rows), -1)
            good = np.flatnonzero(finite_rows(X))
            if len(good):
                append(db, files, model, [rows[i][0] for i in good], X[good])

    rows = db.execute("SELECT digest, model, vector FROM embeddings")
    try:
        for digest, model, blob in rows:
            if not (isinstance(digest, str) and isinstance(model, str) and type(blob) is bytes):
                continue
            size = dims.setdefault(model, len(blob))
            if len(blob) != size or not size or size % 4:
                continue
            waiting = pending.setdefault(model, [])
            waiting.append((digest, blob))
            if len(waiting) >= BLOCK_ROWS:
                flush(model)
        rows.close()
        for model in list(pending):
            flush(model)
        # Not zeroed page by page as SQLite's secure-delete default (where built in) would:
        # that writes the whole dropped table again through the WAL (5 GB at a million).
        (secure,) = db.execute("PRAGMA secure_delete").fetchone()
        db.execute("PRAGMA secure_delete = 0")
        try:
            db.execute("DROP TABLE embeddings")
        finally:
            db.execute(f"PRAGMA secure_delete = {int(secure)}")
    finally:
        files.close()
