"""Technical quality of images, kept in the embedding cache by content digest.

One row per digest: how sharp the image is, what share of it is clipped to white and to black,
and when it was taken (EXIF; NULL when the file does not say, and then its modification time
is used, which belongs to the file, not to its content). `measure` is the version of the
measure that wrote the row: a row of an older one is measured again.

The table lives in `.konomi/cache.sqlite` (step `QUALITY_STEP_NAME` of the cache's steps), so
it shares the cache's corruption guard and rebuild: everything here can be measured again.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

QUALITY_STEP_NAME = "quality: sharpness, clipping and capture time by digest"
QUALITY_TABLE = """
CREATE TABLE IF NOT EXISTS quality (
    digest TEXT PRIMARY KEY, measure INTEGER NOT NULL, sharpness REAL NOT NULL,
    highlights REAL NOT NULL, shadows REAL NOT NULL, taken REAL
) WITHOUT ROWID
"""


@dataclass(frozen=True)
class Quality:
    """What the pixels say about an image, whatever its taste."""

    sharpness: float  # RMS of the Laplacian in its most detailed tiles (grey levels)
    highlights: float  # share of the picture clipped to white (0–1)
    shadows: float  # share clipped to black (0–1)
    taken: float | None  # capture time from EXIF, seconds (local time read as UTC); None: unknown
    measure: int = 1  # version of the measure

    @property
    def clipped(self) -> float:
        """Share of the picture clipped at either end: the `exposure` column (0 = none)."""
        return self.highlights + self.shadows


class _Rows(Protocol):
    def __iter__(self) -> Iterator[Any]: ...


class _Db(Protocol):
    def execute(self, sql: str, params: Iterable[Any] = ()) -> _Rows: ...

    def executemany(self, sql: str, rows: Iterable[Any]) -> None: ...


class CacheLike(Protocol):
    """What this module needs of `store.cache.EmbeddingCache` (named here without importing
    it: the cache imports this module for its schema step)."""

    @property
    def db(self) -> _Db: ...

    def transaction(self) -> contextlib.AbstractContextManager[None]: ...


def put_quality(cache: CacheLike, items: Iterable[tuple[str, Quality]]) -> None:
    """Remember the quality of each digest (one transaction)."""
    rows = [
        (d, q.measure, q.sharpness, q.highlights, q.shadows, q.taken)
        for d, q in items
        if isinstance(d, str) and d
    ]
    if not rows:
        return
    with cache.transaction():
        cache.db.executemany("INSERT OR REPLACE INTO quality VALUES (?, ?, ?, ?, ?, ?)", rows)


def get_quality(cache: CacheLike, digests: Iterable[str], measure: int) -> dict[str, Quality]:
    """The sound rows of `digests` written by `measure` (a damaged or older row is missing,
    and its image is measured again)."""
    wanted = list(dict.fromkeys(digests))
    found: dict[str, Quality] = {}
    for i in range(0, len(wanted), 900):  # SQLite's variable limit
        chunk = wanted[i : i + 900]
        marks = ",".join("?" * len(chunk))
        rows = cache.db.execute(
            "SELECT digest, sharpness, highlights, shadows, taken FROM quality "
            f"WHERE measure = ? AND digest IN ({marks})",
            (measure, *chunk),
        )
        for digest, sharp, high, low, taken in rows:
            if _sound(sharp, high, low) and (taken is None or _number(taken)):
                found[digest] = Quality(
                    float(sharp), float(high), float(low), None if taken is None else float(taken)
                )
    return found


def measured(cache: CacheLike, measure: int) -> set[str]:
    """Every digest with a sound row of `measure` (one query: the check before each embed; a
    damaged row is not among them, so its image is measured again)."""
    rows = cache.db.execute(
        "SELECT digest FROM quality WHERE measure = ? "
        "AND typeof(sharpness) IN ('real', 'integer') AND sharpness >= 0 "
        "AND typeof(highlights) IN ('real', 'integer') AND highlights BETWEEN 0 AND 1 "
        "AND typeof(shadows) IN ('real', 'integer') AND shadows BETWEEN 0 AND 1 "
        "AND (taken IS NULL OR typeof(taken) IN ('real', 'integer'))",
        (measure,),
    )
    return {d for (d,) in rows if isinstance(d, str)}


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _sound(sharp: object, high: object, low: object) -> bool:
    return (
        _number(sharp)
        and _number(high)
        and _number(low)
        and float(sharp) >= 0  # type: ignore[arg-type]
        and 0 <= float(high) <= 1  # type: ignore[arg-type]
        and 0 <= float(low) <= 1  # type: ignore[arg-type]
    )
