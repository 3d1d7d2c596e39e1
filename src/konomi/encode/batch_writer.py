"""Encoded batches on their way to the cache, in large transactions, written by a thread of
their own.

A transaction per batch of 8 costs a commit per 8 files, most of a cold run's main thread on
small files; one per `FLUSH_ROWS` files or `FLUSH_SECONDS` keeps memory small (a few MB of
vectors) and bounds what a kill -9 can cost to that last second of work. The writing runs
beside the pipeline: SQLite lets go of the interpreter while it works, and the main thread
keeps the decoders fed meanwhile (a commit in the main thread let the pipeline run dry; at a
million files a commit is mostly SQLite rewriting pages of two tables keyed by content hash).
Larger transactions cost SQLite less per row alone, but measured in the pipeline they were
slower: docs/performance.md.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from konomi import faults
from konomi.encode import quality
from konomi.store import quality_slots
from konomi.store.cache import EmbeddingCache
from konomi.store.quality import Quality, put_quality

FLUSH_ROWS = faults.flush_rows(2048)  # encoded images written in one transaction, at most …
FLUSH_SECONDS = 1.0  # … or what was encoded in this long

FileRow = tuple[str, int, int, str]  # path, size, mtime_ns, digest


class BatchWriter:
    """Encoded batches, written in large transactions. Each transaction holds vectors with
    their files' stamps: the cache never names a file whose vector it lacks. The slot each
    vector was written at goes into `slot_of` (by the file's position in the run).

    One transaction is written at a time, in the writer's thread, while the next one fills:
    the cache's connection is the writer's until `close` (nothing else may use it meanwhile).
    A write's error is raised by the next `add`, `failed` or `flush`.
    """

    def __init__(self, cache: EmbeddingCache, model_id: str, slot_of: np.ndarray) -> None:
        self.cache, self.model_id, self.slot_of = cache, model_id, slot_of
        self.vectors: list[tuple[str, np.ndarray]] = []
        self.index: list[int] = []  # each vector's file, as its position in the run
        # (slot, sharpness, clipped, taken) of what was written, an array per transaction
        self.measured: list[np.ndarray] = []
        self.files: list[FileRow] = []
        self.qualities: list[tuple[str, Quality]] = []
        self.failures: list[tuple[str, str, FileRow | None]] = []
        self.since = time.monotonic()
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="konomi-write")
        self._writing: Future[None] | None = None

    def add(self, batch: list[Any], vectors: np.ndarray, rows: list[FileRow]) -> None:
        """One encoded batch (`ingest._Work`s with their digest, stamp and quality), and
        `rows`: stamps of files answered by their digest."""
        self.vectors += [(w.digest, v) for w, v in zip(batch, vectors)]
        self.index += [w.index for w in batch]
        self.files += rows
        self.files += [(str(w.path), *w.stamp, w.digest) for w in batch if w.stamp]
        self.qualities += [(w.digest, w.quality) for w in batch if w.digest and w.quality]
        if len(self.vectors) >= FLUSH_ROWS or time.monotonic() - self.since >= FLUSH_SECONDS:
            self.flush(wait=False)

    def failed(self, digest: str, reason: str, stamp: FileRow | None) -> None:
        """An unreadable file, remembered by digest (and its path by `stamp`) with the next
        transaction, so that it is not decoded again."""
        self.failures.append((digest, reason, stamp))

    def flush(self, *, wait: bool = True) -> None:
        """Hand what was added to the writer's thread (after the write before it ends);
        with `wait`, return once it is in the cache."""
        self._settle()
        if self.vectors or self.files or self.failures:
            work = (self.vectors, self.index, self.files, self.qualities, self.failures)
            self.vectors, self.index, self.files, self.qualities, self.failures = [], [], [], [], []
            self._writing = self._thread.submit(self._write, *work)
        if wait:
            self._settle()
        self.since = time.monotonic()

    def close(self) -> None:
        """Write what is left and end the writer's thread (also after an error or Ctrl-C:
        what was encoded is kept)."""
        try:
            self.flush()
        finally:
            self._thread.shutdown(wait=True)

    def _settle(self) -> None:
        writing, self._writing = self._writing, None
        if writing is not None:
            writing.result()

    def _write(
        self,
        vectors: list[tuple[str, np.ndarray]],
        index: list[int],
        files: list[FileRow],
        qualities: list[tuple[str, Quality]],
        failures: list[tuple[str, str, FileRow | None]],
    ) -> None:
        if vectors or files:
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
        if failures:
            self.cache.put_failures([(d, r) for d, r, _ in failures])
            self.cache.put_files([s for _, _, s in failures if s is not None])

    def keep_quality(self) -> None:
        """The quality of what was encoded, into the vector file's array by slot as well
        (`store.quality_slots`, one write at the end): the culling columns that follow read it
        without a pass over the quality table. Called after `close`."""
        found = self.cache.vector_file(self.model_id)
        if self.measured and found is not None:
            rows = np.concatenate(self.measured)
            quality_slots.write(
                self.cache, found[0], quality.MEASURE, rows[:, 0].astype(np.int64), rows[:, 1:]
            )
        self.measured = []
