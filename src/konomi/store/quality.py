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
import itertools
import math
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

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


_SOUND = (
    "measure = ? "
    "AND typeof(sharpness) IN ('real', 'integer') AND sharpness BETWEEN 0 AND {top} "
    "AND typeof(highlights) IN ('real', 'integer') AND highlights BETWEEN 0 AND 1 "
    "AND typeof(shadows) IN ('real', 'integer') AND shadows BETWEEN 0 AND 1 "
    "AND (taken IS NULL OR typeof(taken) IN ('real', 'integer') AND abs(taken) <= {top})"
).format(top="1.7976931348623157e308")  # the largest finite double: infinities are unsound
FEW = 20_000  # up to this many digests are looked up by digest; beyond, one paged pass
PAGE = 8192  # rows read at a time in a pass (memory stays flat)


def unmeasured(cache: CacheLike, digests: Sequence[str], measure: int) -> set[str]:
    """Those of `digests` without a sound row of `measure`: the check before each embed. A
    few are looked up by digest; a million are checked in one paged pass in digest order,
    which holds no second set of the table's digests (a warm embed at a million images)."""
    wanted = set(digests)
    for rows in _pages(cache, "digest", wanted, measure):
        wanted.difference_update(d for (d,) in rows)
    return wanted


@dataclass(frozen=True)
class QualityColumns:
    """The quality of a list of digests, one entry per digest: NaN where no sound row of the
    measure is kept (sharpness, clipping) or where the file does not say when it was taken."""

    sharpness: np.ndarray
    clipped: np.ndarray  # highlights + shadows: the `exposure` column
    taken: np.ndarray

    @property
    def known(self) -> np.ndarray:
        known: np.ndarray = ~np.isnan(self.sharpness)
        return known


def quality_columns(cache: CacheLike, digests: Sequence[str], measure: int) -> QualityColumns:
    """`get_quality` as three arrays in the order of `digests`: a million images' quality in
    one paged pass, without an object per image (each page is turned into columns at once)."""
    where, copies, first = first_positions(digests)
    n = len(digests)
    sharp, clipped, taken = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    columns = "digest, sharpness, highlights + shadows, taken"
    for rows in _pages(cache, columns, where, measure):
        if not rows:
            continue
        found, *values = zip(*rows)
        at = np.fromiter(map(where.get, found, itertools.repeat(-1)), np.int64, len(found))
        block = np.array(values, dtype=np.float64)  # NULL (no capture time): NaN
        keep = at >= 0
        sharp[at[keep]], clipped[at[keep]], taken[at[keep]] = block[:, keep]
    sharp[copies], clipped[copies], taken[copies] = sharp[first], clipped[first], taken[first]
    return QualityColumns(sharp, clipped, taken)


def first_positions(digests: Sequence[str]) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
    """Where each digest first appears in `digests`, and the later positions of a digest seen
    before (`copies`) with its first position (`first`): a million digests, built in C (the
    reversed walk leaves each digest its first position)."""
    n = len(digests)
    where = dict(zip(reversed(digests), range(n - 1, -1, -1)))
    if len(where) == n:
        return where, np.zeros(0, np.int64), np.zeros(0, np.int64)
    firsts = np.fromiter(map(where.__getitem__, digests), np.int64, n)
    copies = np.flatnonzero(firsts != np.arange(n))
    return where, copies, firsts[copies]


def _pages(
    cache: CacheLike, columns: str, wanted: Collection[str], measure: int
) -> Iterator[list[Any]]:
    """The sound rows (`columns`, the digest first) of `wanted`: looked up by digest when they
    are few, else all the table's, a page at a time in digest order (the caller skips the
    others)."""
    if len(wanted) <= FEW:
        chosen = [d for d in wanted if isinstance(d, str)]
        for i in range(0, len(chosen), 900):  # SQLite's variable limit
            chunk = chosen[i : i + 900]
            marks = ",".join("?" * len(chunk))
            yield list(
                cache.db.execute(
                    f"SELECT {columns} FROM quality WHERE {_SOUND} AND digest IN ({marks})",
                    (measure, *chunk),
                )
            )
        return
    last = ""
    while True:
        rows = list(
            cache.db.execute(
                f"SELECT {columns} FROM quality WHERE digest > ? AND {_SOUND} "
                "ORDER BY digest LIMIT ?",
                (last, measure, PAGE),
            )
        )
        if not rows:
            return
        yield [r for r in rows if isinstance(r[0], str)]
        last = rows[-1][0]


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
