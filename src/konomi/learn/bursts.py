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
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
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
    frames in a run (none when `similarity` is 0), `CHUNK` rows at most at a time: a library
    of a million frames without capture times can be one run, whose vectors are gigabytes."""
    runs = time_runs(times, gap)
    if similarity <= 0 or vectors_of is None or not runs:
        return runs
    alike = [np.empty(len(run) - 1, dtype=bool) for run in runs]
    pieces: list[tuple[int, int, int]] = []  # (run, first pair, end of pairs) read together
    held = 0

    def compare() -> None:
        rows = np.concatenate([runs[k][a : b + 1] for k, a, b in pieces])
        vectors = vectors_of(rows)
        at = 0
        for k, a, b in pieces:
            alike[k][a:b] = _alike(vectors[at : at + b - a + 1], similarity)
            at += b - a + 1

    for k, run in enumerate(runs):
        for a in range(0, len(run) - 1, CHUNK):
            b = min(a + CHUNK, len(run) - 1)
            pieces.append((k, a, b))
            held += b - a + 1
            if held >= CHUNK:
                compare()
                pieces, held = [], 0
    if pieces:
        compare()
    return [run[p] for run, bits in zip(runs, alike) for p in _stretches(bits)]


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
    found = []
    for members in group(times, gap, similarity, vectors_of):
        pos, reason = choose_keeper(
            sharpness[members], clipped[members], None if taste is None else taste[members]
        )
        found.append(Burst(members, int(members[pos]), reason))
    return found
