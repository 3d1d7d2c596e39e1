"""Turning image files into embeddings, as fast as the machine allows.

Two kinds of work compete for the cores: decoding (read each file once, hash those bytes, decode
the JPEG in draft mode at the smallest DCT scale that still covers the model's input, resize,
crop) and inference. Both run in thread pools — Pillow, hashlib, NumPy and ONNX Runtime all
release the GIL — linked by a bounded window of images in flight:

    files ─▶ decode pool (one thread per core) ─▶ batches ─▶ encode pool (parallel runs) ─▶ cache

When inference falls behind, the window fills and the decoders stop, which hands their cores to
the encoders; when decoding falls behind, the encoders wait and the decoders get the cores. So
no core idles while there is work, and memory stays flat however many images there are (a
decoded image is kept as 150 kB of uint8 until its batch is normalised). Once every file is
decoded, the last images go out in shrinking pieces so that the encoders finish together. See
docs/performance.md for the measurements behind every default.

Before any of that, the cache answers for every file whose (size, mtime) has not changed: those
are neither re-read nor re-hashed, so an unchanged workspace re-runs in seconds.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from konomi.encode import ingest_workers
from konomi.encode.batch_writer import BULK_ROWS, BULK_SECONDS, BatchWriter
from konomi.encode.encoder import Encoder
from konomi.encode.images import Skipped, decoder_fingerprint
from konomi.encode.listing import pick
from konomi.encode.prepare import (
    DECODE_GROUP,
    Work,
    encode_prepared,
    pixels_for,
    prepare_group,
)
from konomi.encode.stamps import Todo, aligned, stat_or_none, statted
from konomi.errors import KonomiError
from konomi.i18n import language, shown, t
from konomi.machine import usable_cores
from konomi.progress import Progress
from konomi.store.cache import EmbeddingCache

# Measured (docs/performance.md): on the CPU, single-threaded runs of 8 images cost less per
# image than 16 or 32 (their activations stay in the cache) and keep the pipeline's start and
# end short; an accelerator wants big batches to stay busy.
CPU_BATCH = 8
ACCELERATOR_BATCH = 64
PROGRESS_EVERY = 32  # files between two progress calls (a bar redrawn per file costs a core %)


@dataclass
class Embedded:
    """Embeddings of the readable files, in the order asked, and what could not be read."""

    paths: Sequence[Path]  # a `Listing` where a walk found them: no `Path` held per file
    digests: list[str]
    vectors: np.ndarray
    unreadable: list[Skipped] = field(default_factory=list)
    new: int = 0  # encoded in this run
    cached: int = 0  # answered by the cache
    seconds: float = 0.0
    # each image's row in the model's vector file (−1: encoded in this run, or unknown):
    # what the cache keys a head's scores by (`EmbeddingCache.scores_at`)
    slots: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # each file's modification time (seconds) when it was checked: culling's capture time
    # of a photo without EXIF, with no second stat of a million files
    mtimes: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def images_per_second(self) -> float:
        return self.new / self.seconds if self.seconds > 0 and self.new else 0.0


@dataclass(frozen=True)
class Plan:
    """How the pipeline uses the machine: pool sizes, batch size and the in-flight window."""

    decode_workers: int
    encode_workers: int
    batch_size: int

    @property
    def window(self) -> int:
        """Images read but not yet embedded: every encoder busy, one batch ready for the next
        free one, one being filled, and one image per decoder. Bounded: memory stays flat."""
        return (self.encode_workers + 2) * self.batch_size + self.decode_workers


def plan_for(
    encoder: Encoder, *, workers: int | None = None, batch_size: int | None = None
) -> Plan:
    """Defaults from measurement: a decoder per core, the encoder's own parallel runs."""
    accelerated = encoder.accelerated
    batch = batch_size or (ACCELERATOR_BATCH if accelerated else CPU_BATCH)
    if encoder.fixed_batch:
        batch = max(encoder.fixed_batch, batch - batch % encoder.fixed_batch)
    return Plan(workers or usable_cores(), encoder.parallel_runs, batch)


def embed_files(
    paths: Sequence[Path],
    cache: EmbeddingCache,
    model_id: str,
    encoder: Callable[[], Encoder],
    *,
    progress: Progress | None = None,
    workers: int | None = None,
    batch_size: int | None = None,
    vectors: bool = True,
) -> Embedded:
    """Embed `paths` through the cache; `encoder` is called only if something must be encoded.

    Unreadable files are returned in `unreadable` with their reason and never stop the run.
    With `vectors=False` (`konomi embed`, which only fills the cache) the result's `vectors`
    has no columns, and cached vectors are not even read: 100,000 of them are 200 MB.
    """
    start = time.perf_counter()
    cache.note_decoders(decoder_fingerprint())  # other decoders: "unreadable" is tried again
    digest_of: list[str | None] = [None] * len(paths)
    # arrays, not lists: a million files' numbers are 8 bytes each, not an object each
    slot_of = np.full(len(paths), -1, np.int64)  # where the file's row says its vector is
    mtime_of = np.full(len(paths), np.nan)
    todo = Todo(paths)
    unreadable: list[Skipped] = []
    file, rows = cache.vector_file(model_id) or (None, 0)
    for start_at, names, found in statted(paths):  # a piece at a time: memory stays flat
        stamps = cache.stamp_rows(names)  # plain tuples, not an object per row
        end = start_at + len(names)
        if aligned(stamps, names, found):  # every file known, in the walk's order
            _, sizes, mtimes_ns, hashes, vfiles, places = zip(*stamps)
            same = np.equal(sizes, np.frombuffer(found.size, np.int64))
            same &= np.equal(mtimes_ns, np.frombuffer(found.mtime_ns, np.int64))
            if same.all():  # unchanged, all of them: answered a piece at once
                digest_of[start_at:end] = hashes
                mtime_of[start_at:end] = np.frombuffer(found.mtime, np.float64)
                slot_of[start_at:end] = [
                    k if f == file and type(k) is int and 0 <= k < rows else -1
                    for f, k in zip(vfiles, places)
                ]
                continue
        known = {r[0]: r for r in stamps}
        for i, name, size, mtime_ns, mtime in zip(
            range(start_at, end), names, found.size, found.mtime_ns, found.mtime
        ):
            if size < 0:
                unreadable.append(Skipped(paths[i], t("unreadable.gone")))
                continue
            mtime_of[i] = mtime
            stamp = known.get(name)
            if stamp and stamp[1] == size and stamp[2] == mtime_ns:
                digest_of[i], f, k = stamp[3], stamp[4], stamp[5]
                if f == file and type(k) is int and 0 <= k < rows:
                    slot_of[i] = k
            else:
                todo.add(i, (size, mtime_ns))

    # Without vectors, a file whose row names its vector's slot is answered by that alone: the
    # store (a dict of digests) holds only the others, a handful on a warm run.
    store = _Vectors(cache, model_id, keep_vectors=vectors)
    has_digest = np.fromiter((d is not None for d in digest_of), bool, len(digest_of))
    answered = np.flatnonzero(has_digest & ((slot_of < 0) | vectors)).tolist()
    store.load([digest_of[i] for i in answered], slot_of[answered].tolist())
    _note_slots(cache, model_id, store, [(paths[i], digest_of[i], slot_of[i]) for i in answered])
    row = store.row  # (a dict: no method call per image)
    lost = [i for i in answered if digest_of[i] not in row]
    failures = cache.get_failures([digest_of[i] for i in lost]) if lost else {}
    for i in lost:
        digest = digest_of[i]
        digest_of[i] = None
        if digest in failures:
            unreadable.append(Skipped(paths[i], shown(failures[digest])))
        else:
            # hashed before but never embedded with this model (or its vector was lost): its
            # row is written again with the new vector's slot
            st = stat_or_none(os.fspath(paths[i]))
            todo.add(i, (st.st_size, st.st_mtime_ns) if st else None)
    cached = len(digest_of) - digest_of.count(None)

    new = 0
    if todo:
        new, hits = _embed_todo(
            todo,
            cache,
            store,
            encoder,
            digest_of,
            slot_of,
            unreadable,
            progress=progress,
            workers=workers,
            batch_size=batch_size,
        )
        cached += hits

    if todo:
        for i in np.flatnonzero((slot_of < 0) | vectors).tolist():
            digest = digest_of[i]
            if digest is not None and digest not in row:
                digest_of[i] = None  # damaged since it was read
                unreadable.append(Skipped(paths[i], t("safety.vector_damaged")))
    keep: list[int] = []
    if digest_of.count(None):
        keep = [i for i, d in enumerate(digest_of) if d is not None]
        kept, digests = pick(paths, keep), [digest_of[i] for i in keep]
    else:  # every file answered (a warm run): no pass over a million rows
        kept, digests = pick(paths), digest_of
    slots = slot_of
    for i in np.flatnonzero(slots < 0).tolist():  # found in the store: asked or new
        digest = digest_of[i]
        at = row.get(digest) if digest is not None else None
        if at is not None:
            slots[i] = store.slot[at]
    mtimes = mtime_of
    if len(kept) != len(paths):
        slots, mtimes = slots[keep], mtimes[keep]
    matrix = store.matrix(digests)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - start
    return Embedded(
        kept,
        digests,  # type: ignore[arg-type]
        matrix,
        unreadable,
        new,
        cached,
        elapsed,
        slots,
        mtimes,
    )


def _note_slots(
    cache: EmbeddingCache,
    model_id: str,
    store: _Vectors,
    asked: list[tuple[Path, str | None, int]],
) -> None:
    """Write the vector slot into the `files` rows that lacked it (a cache from before rows
    named slots, files answered by their digest), so that the next run reads it with the
    stamps instead of asking the index (a million slots: seconds, once). `asked`: (path,
    digest, the slot its row gave) of the files the store was asked about."""
    found = cache.vector_file(model_id)
    if found is None:
        return
    noted = []
    for path, digest, given in asked:
        at = store.row.get(digest) if digest is not None and given < 0 else None
        if at is not None and store.slot[at] >= 0:
            noted.append((os.fspath(path), found[0], store.slot[at]))
    if noted:
        cache.note_slots(noted)


class _Vectors:
    """The vectors of one model that this run needs, in one float32 block (no object per row).

    Which digests have a vector is asked of the cache's small index (a million in about a
    second); the vectors themselves are read from the model's vector file straight into a
    block sized in advance, only when the caller keeps them.
    """

    def __init__(self, cache: EmbeddingCache, model_id: str, *, keep_vectors: bool = True) -> None:
        self.cache = cache
        self.model_id = model_id
        # False: only which digests have a vector (the index is read, not the vectors)
        self.keep_vectors = keep_vectors
        self.row: dict[str, int] = {}
        self.slot: list[int] = []  # each row's slot in the vector file
        self.block = np.zeros((0, 0), np.float32)

    def __contains__(self, digest: str) -> bool:
        return digest in self.row

    def _room(self, dim: int, extra: int) -> None:
        """Make room for `extra` more rows of `dim` floats (doubling, to add rarely)."""
        n = len(self.row)
        if n == 0 and self.block.shape[1] != dim:
            self.block = np.zeros((0, dim), np.float32)
        if n + extra > len(self.block):
            bigger = np.empty((max(n + extra, 2 * n), dim), np.float32)
            bigger[:n] = self.block[:n]
            self.block = bigger

    def load(self, digests: Iterable[str], known: Sequence[int] | None = None) -> None:
        """Read the cached vectors of `digests` (those not loaded yet). `known`: each one's
        slot where the caller has it already (from the files' rows; −1 where not): only the
        others are asked of the index, by lookups for a few and one pass for many
        (`EmbeddingCache.slots_of`)."""
        # the same content at several paths: the last one's slot (−1: asked below)
        given = dict.fromkeys(digests, -1) if known is None else dict(zip(digests, known))
        wanted = [d for d in given if d not in self.row]
        if not wanted:
            return
        slots = np.fromiter(map(given.__getitem__, wanted), np.int64, len(wanted))
        ask = np.flatnonzero(slots < 0)
        if len(ask):
            asked = [wanted[i] for i in ask.tolist()]
            slots[ask] = self.cache.slots_of(asked, self.model_id)
        if not self.keep_vectors:
            found = np.flatnonzero(slots >= 0).tolist()
            self.row.update(
                zip([wanted[i] for i in found], range(len(self.row), len(self.row) + len(found)))
            )
            self.slot += slots[found].tolist()
            return
        X, sound = self.cache.vectors_at(self.model_id, slots)
        damaged = [wanted[i] for i in np.flatnonzero((slots >= 0) & ~sound).tolist()]
        if damaged:  # forgotten, so that this run embeds those images again
            self.cache.forget_embeddings(damaged, self.model_id)
        keep = np.flatnonzero(sound)
        if not len(keep):
            return
        if self.row and self.block.shape[1] != X.shape[1]:
            raise KonomiError(
                t("safety.vector_size", cached=self.block.shape[1], model=X.shape[1]),
                t("safety.vector_size_hint"),
            )
        n = len(self.row)
        if n == 0 and len(keep) == len(X):
            self.block = X  # the whole read is kept: no second copy
        else:
            self._room(X.shape[1], len(keep))
            self.block[n : n + len(keep)] = X[keep]
        self.row.update(zip((wanted[i] for i in keep.tolist()), range(n, n + len(keep))))
        self.slot += slots[keep].tolist()

    def rows(self, digests: list[str]) -> np.ndarray:
        """The row of each of `digests`."""
        return np.fromiter(map(self.row.__getitem__, digests), np.int64, len(digests))

    def matrix(self, digests: list[str], index: np.ndarray | None = None) -> np.ndarray:
        """The rows of `digests` (at `index`: `rows`), in that order (a view, not a copy, when
        already in order)."""
        n = len(digests)
        if not self.keep_vectors:
            return np.zeros((n, 0), np.float32)
        if index is None:
            index = self.rows(digests)
        if n and index[0] == 0 and index[-1] == n - 1 and np.all(np.diff(index) == 1):
            return self.block[:n]
        return self.block[index] if n else np.zeros((0, self.block.shape[1]), np.float32)


def _embed_todo(
    todo: Todo,
    cache: EmbeddingCache,
    store: _Vectors,
    make_encoder: Callable[[], Encoder],
    digest_of: list[str | None],
    slot_of: np.ndarray,
    unreadable: list[Skipped],
    *,
    progress: Progress | None,
    workers: int | None,
    batch_size: int | None,
) -> tuple[int, int]:
    """Hash, decode and encode the files the cache could not answer; each file's digest goes
    into `digest_of`, and the slot its vector was written at into `slot_of`.

    Returns (encoded, hits): files encoded now, and files whose content was already embedded
    (renamed, moved or copied files, found by their digest).
    """
    model_id = store.model_id
    embedded = cache.embedded_digests(model_id)
    failures = cache.all_failures()
    encoder = make_encoder()
    plan = plan_for(encoder, workers=workers, batch_size=batch_size)
    tally = _Tally(cache, digest_of, unreadable, progress, len(todo))
    in_processes = ingest_workers.worth_processes(encoder, len(todo), plan.decode_workers)
    writer = (
        BatchWriter(cache, model_id, slot_of, rows=BULK_ROWS, seconds=BULK_SECONDS)
        if in_processes
        else BatchWriter(cache, model_id, slot_of)
    )
    try:
        if in_processes:
            setup = ingest_workers.Setup(
                replace(encoder.files, onnx_path=encoder.onnx_path),
                plan.batch_size,
                ingest_workers.known_digests(embedded),
                failures,
                os.getpid(),
                language(),
            )
            del embedded  # the workers have it; a million digests are 100 MB here
            _in_processes(todo, setup, plan.decode_workers, tally, writer)
        else:
            _in_threads(todo, embedded, failures, encoder, plan, tally, writer)
    except BaseException:
        with contextlib.suppress(Exception):  # Ctrl-C: what was encoded is kept
            writer.flush()
        raise
    writer.flush()
    writer.keep_quality()
    rows = tally.rows
    for work in tally.copies:  # their content was encoded in this run: the vector is known now
        digest_of[work.index] = work.digest
        if (row := work.file_row()) is not None:
            rows.append(row)
    if rows:
        cache.put_encoded(model_id, [], rows)  # with their vectors' slots
    # Files whose content was embedded before this run (renamed, moved or copied files), and
    # with vectors, every file: those encoded now have their slot, read from the file.
    asking = range(len(digest_of)) if store.keep_vectors else np.flatnonzero(slot_of < 0).tolist()
    wanted = [i for i in asking if (d := digest_of[i]) is not None and d not in store]
    store.load([digest_of[i] for i in wanted], slot_of[wanted].tolist())  # type: ignore[misc]
    return tally.encoded, tally.hits


class _Tally:
    """What a run learns of each file it prepared, whichever way it ran (threads or worker
    processes): the unreadable, the copies of content met earlier in the run, the files whose
    content was embedded before (`rows`: their stamps), and those encoded now."""

    def __init__(
        self,
        cache: EmbeddingCache,
        digest_of: list[str | None],
        unreadable: list[Skipped],
        progress: Progress | None,
        total: int,
    ) -> None:
        self.cache, self.digest_of, self.unreadable = cache, digest_of, unreadable
        self.progress, self.total = progress, total
        self.done = self.hits = self.encoded = 0
        self.pending: set[str] = set()  # digests being encoded in this run
        self.copies: list[Work] = []  # same content as a file being encoded: resolved at the end
        self.rows: list[tuple[str, int, int, str]] = []  # stamps of files answered by digest

    def prepared(self, work: Work, *, new: bool) -> bool:
        """Take one prepared file (`new`: its content was decoded for the encoder); True when
        its vector is the run's to write."""
        self.done += 1
        if self.progress and (self.done == self.total or not self.done % PROGRESS_EVERY):
            self.progress(t("progress.embedding"), self.done, self.total)
        if work.reason is not None:
            self.unreadable.append(Skipped(work.path, work.reason))
            if work.digest:
                _remember_failure(self.cache, work)
        elif work.digest in self.pending:
            self.copies.append(work)
            self.hits += 1
        elif not new:
            self.digest_of[work.index] = work.digest
            if (row := work.file_row()) is not None:
                self.rows.append(row)
            self.hits += 1
        else:
            self.pending.add(work.digest)  # type: ignore[arg-type]
            return True
        return False

    def encoded_now(self, works: list[Work], vectors: np.ndarray, writer: BatchWriter) -> None:
        """Encoded files and their vectors, to the cache (with the stamps gathered so far)."""
        self.encoded += len(works)
        for work in works:
            self.digest_of[work.index] = work.digest
            work.pixels = None
        writer.add(works, vectors, self.rows)
        self.rows = []


def _in_processes(
    todo: Todo,
    setup: ingest_workers.Setup,
    workers: int,
    tally: _Tally,
    writer: BatchWriter,
) -> None:
    """The files prepared and encoded by worker processes (`encode.ingest_workers`), a chunk
    at a time; the cache is written here, as with threads."""
    with contextlib.closing(ingest_workers.encoded_chunks(iter(todo), setup, workers)) as chunks:
        for works, encoded, vectors in chunks:
            new = set(encoded)
            kept = [k for k, work in enumerate(works) if tally.prepared(work, new=k in new)]
            if kept:
                rows = np.searchsorted(encoded, kept)  # each kept file's row among the vectors
                tally.encoded_now([works[k] for k in kept], vectors[rows], writer)


def _in_threads(
    todo: Todo,
    embedded: set[str],
    failures: dict[str, str],
    encoder: Encoder,
    plan: Plan,
    tally: _Tally,
    writer: BatchWriter,
) -> None:
    """The files prepared by a pool of decode threads and encoded by a pool of encode threads,
    linked by a bounded window of images in flight (see the module's docstring)."""
    pixels = pixels_for(encoder)

    def encode(batch: list[Work]) -> tuple[list[Work], np.ndarray]:
        return batch, encode_prepared(encoder, batch)

    events: queue.SimpleQueue[tuple[str, Future[Any]]] = queue.SimpleQueue()
    items = iter(todo)
    exhausted = False
    decoding = 0  # files in the decode pool
    waiting = 0  # decoded files queued for an encoder or being encoded
    encoding = 0  # batches in the encode pool
    queued: deque[Work] = deque()  # decoded, waiting for an encoder

    decoders = ThreadPoolExecutor(plan.decode_workers, thread_name_prefix="konomi-decode")
    encoders = ThreadPoolExecutor(plan.encode_workers, thread_name_prefix="konomi-encode")
    try:
        while True:
            # Keep the window full: memory stays bounded, and a full window stops the decoders.
            while not exhausted and decoding + waiting < plan.window:
                room = min(DECODE_GROUP, plan.window - decoding - waiting)
                group = [Work(*item) for item in itertools.islice(items, room)]
                if len(group) < room:
                    exhausted = True
                if not group:
                    break
                decoding_future = decoders.submit(
                    prepare_group, group, embedded.__contains__, failures, pixels
                )
                decoding_future.add_done_callback(lambda f: events.put(("decoded", f)))
                decoding += len(group)
            last = exhausted and decoding == 0  # every file is decoded
            while queued and encoding < plan.encode_workers:
                if last:
                    # Shrinking pieces (guided scheduling): the encoders finish together,
                    # instead of one core idling while the other encodes a whole batch.
                    share = -(-len(queued) // (2 * plan.encode_workers))
                    take = max(1, min(plan.batch_size, share))
                elif len(queued) >= plan.batch_size:
                    take = plan.batch_size
                else:
                    break
                batch = [queued.popleft() for _ in range(take)]
                encoding_future = encoders.submit(encode, batch)
                encoding_future.add_done_callback(lambda f: events.put(("encoded", f)))
                encoding += 1
            if exhausted and decoding == 0 and waiting == 0:
                break

            kind, future = events.get()
            if kind == "decoded":
                prepared: list[Work] = future.result()
                decoding -= len(prepared)
                for work in prepared:
                    if tally.prepared(work, new=work.pixels is not None):
                        queued.append(work)
                        waiting += 1
            else:
                encoding -= 1
                finished, vectors = future.result()
                waiting -= len(finished)
                tally.encoded_now(finished, vectors, writer)
    finally:
        decoders.shutdown(wait=True, cancel_futures=True)
        encoders.shutdown(wait=True, cancel_futures=True)


def _remember_failure(cache: EmbeddingCache, work: Work) -> None:
    """An unreadable file is remembered by digest (and path), so it is not decoded again."""
    cache.put_failures([(work.digest, work.kept or work.reason)])  # type: ignore[list-item]
    if (row := work.file_row()) is not None:
        cache.put_files([row])
