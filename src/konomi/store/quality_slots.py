"""The quality of each vector file's rows as one array: the culling columns of a million images
read at once, not a pass over the `quality` table by digest.

The `quality` table (by content digest) stays the truth; this is a copy arranged by vector
slot, one SQLite row per vector file and measure: float64 [slots, 3] (sharpness, share clipped,
capture time), NaN where not known yet. Reading the table for a million digests costs two
seconds (a string key and three numbers per row); the array is 24 MB read in one go. A row
of NaN is filled from the table the next time it is asked for (new images, an older cache), and
the array written back. Arrays of another vector file (the file was started afresh) or of an
older measure are never read, and are dropped when one is written.
"""

from __future__ import annotations

import numpy as np

from konomi.store.quality import CacheLike

TABLE = """
CREATE TABLE IF NOT EXISTS quality_slots (
    file INTEGER PRIMARY KEY, measure INTEGER NOT NULL, columns BLOB NOT NULL
)
"""
STEP_NAME = "quality of each vector file's rows as one array by slot"
COLUMNS = 3  # sharpness, share clipped, capture time


def read(cache: CacheLike, file: int, measure: int) -> np.ndarray:
    """The file's array [slots, 3] under `measure` (no rows when none is kept or it is
    damaged)."""
    rows = list(
        cache.db.execute("SELECT measure, columns FROM quality_slots WHERE file = ?", (file,))
    )
    row = rows[0] if rows else None
    empty = np.zeros((0, COLUMNS))
    if row is None or row[0] != measure or type(row[1]) is not bytes:
        return empty
    if len(row[1]) % (8 * COLUMNS):
        return empty
    table: np.ndarray = np.frombuffer(row[1], np.float64).reshape(-1, COLUMNS).copy()
    sharp, clipped, taken = table.T
    bad = ~np.isfinite(sharp) | (sharp < 0) | ~((clipped >= 0) & (clipped <= 2)) | np.isinf(taken)
    table[bad] = np.nan  # (what `quality._SOUND` keeps out of the table: asked again)
    return table


def at(table: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """The rows of `slots` [n, 3], NaN where the array has none."""
    slots = np.asarray(slots, np.int64)
    out = np.full((len(slots), COLUMNS), np.nan)
    inside = (slots >= 0) & (slots < len(table))
    out[inside] = table[slots[inside]]
    result: np.ndarray = out
    return result


def write(cache: CacheLike, file: int, measure: int, slots: np.ndarray, values: np.ndarray) -> None:
    """Keep `values` [n, 3] at `slots` in the file's array, merged into what is kept, in one
    transaction (two processes never lose each other's rows). Arrays of files the cache no
    longer has are dropped (a file started afresh never comes back)."""
    slots = np.asarray(slots, np.int64)
    if not len(slots):
        return
    with cache.transaction():
        kept = read(cache, file, measure)
        table = np.full((max(len(kept), int(slots.max()) + 1), COLUMNS), np.nan)
        table[: len(kept)] = kept
        table[slots] = values
        cache.db.execute(
            "DELETE FROM quality_slots WHERE file NOT IN (SELECT id FROM vector_files)"
        )
        cache.db.execute(
            "INSERT OR REPLACE INTO quality_slots VALUES (?, ?, ?)",
            (file, measure, table.tobytes()),
        )
