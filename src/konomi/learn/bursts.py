"""Bursts and their keepers: which frames of a shoot belong together, and which one to keep.

Pure: capture times, quality measures, taste scores and embeddings in; groups of row indices
and a keeper with its reason out.

A burst is a run of frames, in capture-time order, where each follows the one before within
`gap` seconds and — when `similarity` > 0 — looks like it (cosine of their embeddings ≥
`similarity`): the photographer kept the shutter down on one scene. A lone frame is no burst.
Grouping sorts once and then walks the frames once, so a million frames group in seconds.

The keeper is decided by the technical cut first, then by taste:

1. exposure: frames clipped clearly more than the best-exposed one (by more than
   `CLIP_MARGIN` of the picture) are out;
2. sharpness: of the rest, frames clearly softer than the sharpest (below 1 / `SHARP_RATIO` of
   its sharpness) are out;
3. taste: of the frames left, the one the person's head likes most (without scores: the
   sharpest).

The reason says which step decided: `sharpest` (one frame was clearly sharper than every other
well-exposed frame, or no taste to ask), `best_exposed` (a sharper frame was clearly worse
exposed), `liked_most` (several were equally good technically; taste chose).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

SHARP_RATIO = 1.25  # "clearly sharper": at least this many times the other's sharpness
CLIP_MARGIN = 0.05  # "clearly worse exposed": this much more of the picture clipped
REASONS = ("sharpest", "best_exposed", "liked_most")
CHUNK = 16384  # frames whose embeddings are held at a time (32 MB of 512-float vectors)


@dataclass(frozen=True)
class Burst:
    """Rows of one burst in capture-time order, the keeper's row and why it was chosen."""

    members: np.ndarray
    keeper: int
    reason: str

    @property
    def rest(self) -> np.ndarray:
        rest: np.ndarray = self.members[self.members != self.keeper]
        return rest


def time_runs(times: np.ndarray, gap: float) -> list[np.ndarray]:
    """Rows (into `times`) of every run of ≥ 2 frames whose consecutive capture times differ by
    at most `gap` seconds, each in time order (ties: row order). Runs are in time order."""
    times = np.asarray(times, dtype=np.float64)
    if len(times) < 2:
        return []
    order = np.argsort(times, kind="stable")
    breaks = np.flatnonzero(np.diff(times[order]) > gap) + 1
    return [run for run in np.split(order, breaks) if len(run) >= 2]


def split_alike(vectors: np.ndarray, similarity: float) -> list[np.ndarray]:
    """Positions (into `vectors`, frames in time order) of the stretches of ≥ 2 frames where
    each looks like the one before: cosine ≥ `similarity`."""
    n = len(vectors)
    if n < 2:
        return []
    if similarity <= 0:
        return [np.arange(n)]
    alike = np.empty(n - 1, dtype=bool)
    for start in range(0, n - 1, CHUNK):
        stop = min(start + CHUNK, n - 1)
        alike[start:stop] = _alike(vectors[start : stop + 1], similarity)
    return _stretches(alike)


def _alike(vectors: np.ndarray, similarity: float) -> np.ndarray:
    """Whether each frame looks like the next: cosine ≥ `similarity` (n - 1 answers)."""
    v = np.asarray(vectors, dtype=np.float32)
    a, b = v[:-1], v[1:]
    squares = np.einsum("ij,ij->i", v, v)  # each frame's once (it is in two pairs)
    norms = np.sqrt(squares[:-1] * squares[1:])
    dots = np.einsum("ij,ij->i", a, b)
    alike: np.ndarray = dots >= similarity * np.maximum(norms, 1e-12)
    return alike


def _stretches(alike: np.ndarray) -> list[np.ndarray]:
    breaks = np.flatnonzero(~alike) + 1
    return [part for part in np.split(np.arange(len(alike) + 1), breaks) if len(part) >= 2]


def group(
    times: np.ndarray,
    gap: float,
    similarity: float = 0.0,
    vectors_of: Callable[[np.ndarray], np.ndarray] | None = None,
) -> list[np.ndarray]:
    """Bursts as rows into `times`: runs by capture time, split where consecutive frames do not
    look alike. `vectors_of(rows)` gives the embeddings of some rows; it is asked only for the
    frames in a run (none when `similarity` is 0), `CHUNK` rows at a time: a library
    of a million frames without capture times can be one run, whose vectors are gigabytes."""
    rows, starts = group_flat(times, gap, similarity, vectors_of)
    return np.split(rows, starts[1:]) if len(starts) else []


def group_flat(
    times: np.ndarray,
    gap: float,
    similarity: float = 0.0,
    vectors_of: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """`group` as two arrays, no array per burst: every burst's rows, burst after burst, and
    where each burst starts among them."""
    times = np.asarray(times, dtype=np.float64)
    none = np.zeros(0, dtype=np.int64)
    if len(times) < 2:
        return none, none
    order = np.argsort(times, kind="stable")
    linked = ~(np.diff(times[order]) > gap)  # position i and i + 1 are one run
    if similarity > 0 and vectors_of is not None and linked.any():
        linked &= _alike_linked(order, linked, similarity, vectors_of)
    burst = np.concatenate([[0], np.cumsum(~linked)])  # burst number of each position
    sizes = np.bincount(burst)
    kept = sizes[burst] >= 2
    rows = order[kept]
    firsts = np.flatnonzero(np.diff(burst[kept], prepend=-1))
    return rows, firsts


def _alike_linked(
    order: np.ndarray,
    linked: np.ndarray,
    similarity: float,
    vectors_of: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    """For each linked pair of positions (i, i + 1), whether its frames look alike; the
    vectors of the frames in runs are asked for `CHUNK` at a time, in time order."""
    alike = np.zeros(len(linked), dtype=bool)
    in_run = np.zeros(len(order), dtype=bool)
    in_run[:-1] |= linked
    in_run[1:] |= linked
    at = np.flatnonzero(in_run)
    for start in range(0, len(at) - 1, CHUNK):
        piece = at[start : start + CHUNK + 1]
        bits = _alike(vectors_of(order[piece]), similarity)
        first = piece[:-1]
        pair = (piece[1:] == first + 1) & linked[first]
        alike[first[pair]] = bits[pair]
    return alike


def choose_keeper(
    sharpness: np.ndarray, clipped: np.ndarray, taste: np.ndarray | None = None
) -> tuple[int, str]:
    """(position of the keeper among the frames given, reason in `REASONS`); see the module
    docstring. NaN taste scores count as unknown."""
    sharpness = np.asarray(sharpness, dtype=np.float64)
    clipped = np.asarray(clipped, dtype=np.float64)
    exposed = clipped <= clipped.min() + CLIP_MARGIN
    best_sharp = sharpness[exposed].max()
    good = exposed & (sharpness * SHARP_RATIO >= best_sharp)
    sharpest_overall = int(np.argmax(sharpness))
    candidates = np.flatnonzero(good)
    scores = None if taste is None else np.asarray(taste, dtype=np.float64)[candidates]
    if len(candidates) > 1 and scores is not None and np.isfinite(scores).any():
        pick = int(candidates[np.nanargmax(scores)])
        return pick, "liked_most"
    pick = int(candidates[np.argmax(sharpness[candidates])])
    if pick != sharpest_overall and sharpness[sharpest_overall] > sharpness[pick]:
        return pick, "best_exposed"
    return pick, "sharpest"


def cull(
    times: np.ndarray,
    sharpness: np.ndarray,
    clipped: np.ndarray,
    taste: np.ndarray | None = None,
    *,
    gap: float,
    similarity: float = 0.0,
    vectors_of: Callable[[np.ndarray], np.ndarray] | None = None,
) -> list[Burst]:
    """Group frames into bursts (`group`) and choose each burst's keeper (`choose_keeper`)."""
    found = cull_flat(
        times, sharpness, clipped, taste, gap=gap, similarity=similarity, vectors_of=vectors_of
    )
    return [
        Burst(members, int(keeper), REASONS[reason])
        for members, keeper, reason in zip(
            np.split(found.rows, found.starts[1:]) if len(found.starts) else [],
            found.keepers.tolist(),
            found.reasons.tolist(),
        )
    ]


@dataclass(frozen=True)
class Bursts:
    """Every burst as arrays (a million frames: no object per burst). Burst k's rows are
    `rows[starts[k]:starts[k + 1]]` in time order; its keeper is `keepers[k]`, its reason
    `REASONS[reasons[k]]`."""

    rows: np.ndarray
    starts: np.ndarray
    keepers: np.ndarray
    reasons: np.ndarray

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def sizes(self) -> np.ndarray:
        sizes: np.ndarray = np.diff(self.starts, append=len(self.rows))
        return sizes


def cull_flat(
    times: np.ndarray,
    sharpness: np.ndarray,
    clipped: np.ndarray,
    taste: np.ndarray | None = None,
    *,
    gap: float,
    similarity: float = 0.0,
    vectors_of: Callable[[np.ndarray], np.ndarray] | None = None,
) -> Bursts:
    """`cull` as arrays: `group_flat`, then `choose_keeper`'s rules for every burst at once."""
    rows, starts = group_flat(times, gap, similarity, vectors_of)
    if not len(starts):
        none = np.zeros(0, dtype=np.int64)
        return Bursts(none, none, none, none)
    sharp = np.asarray(sharpness, dtype=np.float64)[rows]
    clip = np.asarray(clipped, dtype=np.float64)[rows]
    burst = np.repeat(np.arange(len(starts)), np.diff(starts, append=len(rows)))
    exposed = clip <= np.minimum.reduceat(clip, starts)[burst] + CLIP_MARGIN
    best_sharp = np.maximum.reduceat(np.where(exposed, sharp, -np.inf), starts)
    good = exposed & (sharp * SHARP_RATIO >= best_sharp[burst])
    sharpest_overall = _first_max(sharp, np.ones(len(rows), dtype=bool), starts, burst)
    pick = _first_max(sharp, good, starts, burst)
    reasons = np.where(
        (pick != sharpest_overall) & (sharp[sharpest_overall] > sharp[pick]),
        REASONS.index("best_exposed"),
        REASONS.index("sharpest"),
    )
    if taste is not None:
        liked = np.asarray(taste, dtype=np.float64)[rows]
        several = np.add.reduceat(good.astype(np.int64), starts) > 1
        finite = np.logical_or.reduceat(good & np.isfinite(liked), starts)
        by_taste = several & finite
        if by_taste.any():
            favourite = _first_max(liked, good & ~np.isnan(liked), starts, burst)
            pick = np.where(by_taste, favourite, pick)
            reasons = np.where(by_taste, REASONS.index("liked_most"), reasons)
    return Bursts(rows, starts, rows[pick], reasons)


def _first_max(
    values: np.ndarray, among: np.ndarray, starts: np.ndarray, burst: np.ndarray
) -> np.ndarray:
    """For each burst, the position (into the flat rows) of the first largest of `values`
    where `among` holds (like `argmax` over those frames); -1 where none does."""
    masked = np.where(among, values, -np.inf)
    top = np.maximum.reduceat(masked, starts)
    hit = among & (masked == top[burst])
    where = np.where(hit, np.arange(len(values)), len(values))
    first: np.ndarray = np.minimum.reduceat(where, starts)
    return np.where(first < len(values), first, -1)
