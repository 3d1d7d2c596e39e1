"""Encoded batches on their way to the cache, in large transactions.

A transaction per batch of 8 costs a commit per 8 files, most of a cold run's main thread on
small files; one per `FLUSH_ROWS` files or `FLUSH_SECONDS` keeps memory small (a few MB of
vectors) and bounds what a kill -9 can cost to that last second of work. Written in the
main thread: a writer thread of its own cost more CPU than it saved (the interpreter handed
back and forth for every row SQLite binds), and larger transactions, cheaper for SQLite alone,
were slower in the threads' pipeline — but not with worker processes, whose queued work hides
a long commit: they use `BULK_ROWS` (docs/performance.md).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import numpy as np

from konomi import faults
from konomi.encode import quality
from konomi.encode.prepare import Work
from konomi.store import quality_slots
from konomi.store.cache import EmbeddingCache
from konomi.store.quality import Quality, put_quality

FLUSH_ROWS = faults.flush_rows(2048)  # encoded images written in one transaction, at most …
FLUSH_SECONDS = 1.0  # … or what was encoded in this long
# With worker processes the main process does little else, and their work queued ahead keeps
# them busy while it writes: larger transactions then cost SQLite less than half as much per
# image in a cache of a million (each commit rewrites the random pages of the digest indexes),
# and a kill -9 costs at most these few seconds of work.
BULK_ROWS = faults.flush_rows(16384)
BULK_SECONDS = 4.0


class BatchWriter:
    """Encoded batches, written in large transactions. Each transaction holds vectors with
    their files' stamps: the cache never names a file whose vector it lacks. The slot each
    vector was written at goes into `slot_of` (by the file's position in the run)."""

    def __init__(
        self,
        cache: EmbeddingCache,
        model_id: str,
        slot_of: np.ndarray,
        *,
        rows: int = FLUSH_ROWS,
        seconds: float = FLUSH_SECONDS,
    ) -> None:
        self.cache, self.model_id, self.slot_of = cache, model_id, slot_of
        self.rows, self.seconds = rows, seconds  # a transaction's images, at most, or its age
        self.vectors: list[tuple[str, np.ndarray]] = []
        self.index: list[int] = []  # each vector's file, as its position in the run
        # (slot, sharpness, clipped, taken) of what was written, an array per transaction
        self.measured: list[np.ndarray] = []
        self.files: list[tuple[str, int, int, str]] = []
        self.qualities: list[tuple[str, Quality]] = []
        self.since = time.monotonic()

    def add(
        self, batch: Sequence[Work], vectors: np.ndarray, rows: list[tuple[str, int, int, str]]
    ) -> None:
        """One encoded batch (`prepare.Work`s with their digest, stamp and quality), and
        `rows`: stamps of files answered by their digest."""
        # every encoded file was hashed first: its digest is set
        self.vectors += [(w.digest, v) for w, v in zip(batch, vectors)]  # type: ignore[misc]
        self.index += [w.index for w in batch]
        self.files += rows
        self.files += [row for w in batch if (row := w.file_row()) is not None]
        self.qualities += [(w.digest, w.quality) for w in batch if w.digest and w.quality]
        if len(self.vectors) >= self.rows or time.monotonic() - self.since >= self.seconds:
            self.flush()

    def flush(self) -> None:
        if self.vectors or self.files:
            vectors, files, qualities = self.vectors, self.files, self.qualities
            index, self.index = self.index, []
            self.vectors, self.files, self.qualities = [], [], []
            slots = self.cache.put_encoded(self.model_id, vectors, files)
            self.slot_of[index] = [slots.get(d, -1) for d, _ in vectors]
            rows = [
                (k, q.sharpness, q.clipped, math.nan if q.taken is None else q.taken)
                for d, q in qualities
                if (k := slots.get(d, -1)) >= 0
            ]
            if rows:
                self.measured.append(np.array(rows, np.float64).reshape(-1, 4))
            put_quality(self.cache, qualities)  # lost: measured when next read (Context.quality_of)
            faults.reached("ingest_flush")  # tests: a kill -9 right after a transaction
        self.since = time.monotonic()

    def keep_quality(self) -> None:
        """The quality of what was encoded, into the vector file's array by slot as well
        (`store.quality_slots`, one write at the end): the culling columns that follow read it
        without a pass over the quality table."""
        found = self.cache.vector_file(self.model_id)
        if self.measured and found is not None:
            rows = np.concatenate(self.measured)
            quality_slots.write(
                self.cache, found[0], quality.MEASURE, rows[:, 0].astype(np.int64), rows[:, 1:]
            )
        self.measured = []
