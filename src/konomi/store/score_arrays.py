"""A head's scores kept as two arrays indexed by vector slot, one row of SQLite per head.

A score is a fact about a head and an image's content, and the content's vector already has a
number: its slot in the model's vector file (`store.vector_index`). Kept as rows of
(digest, head, score), a million scores cost SQLite three seconds to write and two to read back
(one string key per row); as two float64 arrays by slot they are 16 MB written and read at once,
and no digest is compared at all (docs/performance.md, "A million photos").

The row records the vector file's token its slots belong to: arrays written against another file
(the cache was rebuilt, the file started afresh) are never read. A slot beyond the arrays, a
NaN, an infinity or a score outside 0–1 is "no score kept": the image is scored again. Only the
heads written most recently are kept (`KEEP`): older ones are only ever needed again after the
person goes back to an older head, and then their scores are simply computed again.
"""

from __future__ import annotations

import sqlite3
import time

import numpy as np

TABLE = """
CREATE TABLE IF NOT EXISTS head_scores (
    head TEXT PRIMARY KEY, token TEXT NOT NULL, written REAL NOT NULL,
    scores BLOB NOT NULL, info BLOB NOT NULL
);
DROP TABLE IF EXISTS scores
"""
STEP_NAME = "scores of a head kept as arrays by vector slot (the per-digest rows dropped)"
KEEP = 4  # heads whose scores are kept


def read(db: sqlite3.Connection, head: str, token: str) -> tuple[np.ndarray, np.ndarray]:
    """The head's (scores, informativeness) arrays by slot, empty when none are kept for
    this vector file (or the row is damaged)."""
    row = db.execute(
        "SELECT token, scores, info FROM head_scores WHERE head = ?", (head,)
    ).fetchone()
    none = np.zeros(0), np.zeros(0)
    if row is None or row[0] != token or type(row[1]) is not bytes or type(row[2]) is not bytes:
        return none
    if len(row[1]) != len(row[2]) or len(row[1]) % 8:
        return none
    scores = np.frombuffer(row[1], np.float64).copy()
    info = np.frombuffer(row[2], np.float64).copy()
    bad = ~np.isfinite(scores) | (scores < 0) | (scores > 1) | np.isinf(info)
    scores[bad], info[bad] = np.nan, np.nan
    return scores, info


def at(arrays: tuple[np.ndarray, np.ndarray], slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (score, informativeness) of each slot, NaN where none is kept."""
    scores, info = arrays
    slots = np.asarray(slots, np.int64)
    inside = (slots >= 0) & (slots < len(scores))
    out_s, out_i = np.full(len(slots), np.nan), np.full(len(slots), np.nan)
    out_s[inside], out_i[inside] = scores[slots[inside]], info[slots[inside]]
    return out_s, out_i


def write(
    db: sqlite3.Connection,
    head: str,
    token: str,
    slots: np.ndarray,
    scores: np.ndarray,
    info: np.ndarray,
) -> None:
    """Keep the scores of `slots` (−1s are skipped) under `head`, merged into what is kept; the
    caller holds the write lock (`BEGIN IMMEDIATE`), so two processes never lose each other's
    scores. Heads beyond the `KEEP` most recent are dropped."""
    slots = np.asarray(slots, np.int64)
    known = slots >= 0
    slots, scores, info = slots[known], np.asarray(scores)[known], np.asarray(info)[known]
    kept_s, kept_i = read(db, head, token)
    size = max(len(kept_s), int(slots.max()) + 1 if len(slots) else 0)
    all_s, all_i = np.full(size, np.nan), np.full(size, np.nan)
    all_s[: len(kept_s)], all_i[: len(kept_i)] = kept_s, kept_i
    all_s[slots], all_i[slots] = scores, info
    db.execute(
        "INSERT OR REPLACE INTO head_scores VALUES (?, ?, ?, ?, ?)",
        (head, token, time.time(), all_s.tobytes(), all_i.tobytes()),
    )
    db.execute(
        "DELETE FROM head_scores WHERE head NOT IN "
        "(SELECT head FROM head_scores ORDER BY written DESC LIMIT ?)",
        (KEEP,),
    )
