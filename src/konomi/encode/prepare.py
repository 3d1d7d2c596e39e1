"""One file on its way into the cache: read once, hashed, decoded unless its content is known.

Shared by the two ways ingest runs (`encode.ingest`): the decode threads of one process, and the
worker processes of `encode.ingest_workers`, so that a file is judged the same way by both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from konomi.encode import quality
from konomi.encode.encoder import Encoder
from konomi.encode.images import content_hash, decode, read_file
from konomi.errors import UnreadableImage
from konomi.i18n import shown
from konomi.store.quality import Quality

Pixels = Callable[[bytes, str], tuple[np.ndarray, Quality]]  # file bytes and name → model input


@dataclass
class Work:
    """One file on its way through the pipeline."""

    index: int  # position in the paths asked
    path: Path
    stamp: tuple[int, int] | None
    digest: str | None = None
    pixels: np.ndarray | None = None  # uint8 [S, S, 3], only when it must be encoded
    reason: str | None = None  # why it is unreadable, in the language in force
    kept: str | None = None  # the same reason as the cache keeps it (i18n.kept)
    quality: Quality | None = None  # sharpness, clipping, capture time (encode.quality)

    def file_row(self) -> tuple[str, int, int, str] | None:
        """The cache's row of this file — path, size, mtime_ns, digest — or None when it was
        not stat-ed or not hashed (no row to write)."""
        if self.stamp is None or self.digest is None:
            return None
        return (str(self.path), *self.stamp, self.digest)


def pixels_for(encoder: Encoder) -> Pixels:
    """The model's input from a file's bytes, and the quality measured from the same decode."""
    pre, side = encoder.preprocess, quality.decode_side(encoder.size)

    def pixels(data: bytes, name: str) -> tuple[np.ndarray, Quality]:
        image = decode(data, min_side=side, name=name)
        return pre.pixels(image), quality.measure(image)

    return pixels


def encode_prepared(encoder: Encoder, works: Sequence[Work]) -> np.ndarray:
    """The vectors of one batch of prepared files (each with its `pixels`), in their order."""
    stacked = np.stack([work.pixels for work in works])  # type: ignore[misc]
    return encoder.encode(encoder.preprocess.normalise(stacked))


def prepare(
    work: Work, known: Callable[[str], bool], failures: dict[str, str], pixels: Pixels
) -> Work:
    """Read once, hash those bytes, and decode unless the digest is known (embedded, or
    remembered as unreadable)."""
    try:
        data = read_file(work.path)
        work.digest = content_hash(data)
        if known(work.digest):
            return work
        if work.digest in failures:
            work.kept = failures[work.digest]
            work.reason = shown(work.kept)
            return work
        work.pixels, work.quality = pixels(data, work.path.name)
    except UnreadableImage as exc:
        work.reason, work.kept = exc.message, exc.kept
    return work


def prepare_group(
    works: list[Work], known: Callable[[str], bool], failures: dict[str, str], pixels: Pixels
) -> list[Work]:
    """`prepare` for a few files in one task: a small file's decode is cheaper than a task's
    round trip through the pool and the main thread (a future, a queue hop, a hand-over of
    the interpreter), so they travel `DECODE_GROUP` at a time."""
    return [prepare(work, known, failures, pixels) for work in works]


DECODE_GROUP = 4  # files per decode task
