"""Ingest in worker processes, for encoders so cheap that the interpreter is the limit.

With a small model, a new file costs about as much interpreter time (opening and hashing it,
the Python side of decoding, the pipeline's bookkeeping) as time in C, and the threads of one
process share one interpreter: on two cores the threaded pipeline kept about 1.6 of them busy.
Worker processes each read, hash, decode and encode whole chunks of files with an encoder of
their own, and send back only each file's digest, quality and vector (2 kB); the main process
keeps the cache, the progress and everything a Ctrl-C or a kill -9 must not lose, exactly as
with threads. Measured in docs/performance.md.

Used only where it pays (`worth_processes`): on the CPU, with two cores or more, a model small
enough that a copy in each worker costs little memory (a large one spends its time in ONNX
Runtime, which the threads already run on every core), and enough files that the workers'
start — about a second: Python, NumPy, ONNX Runtime and the model — is a small share.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import itertools
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from konomi import faults
from konomi.encode.encoder import Encoder, ModelFiles
from konomi.encode.prepare import Work, encode_prepared, pixels_for, prepare
from konomi.errors import KonomiError
from konomi.i18n import set_language, shown, t
from konomi.store.quality import Quality

CHUNK = 64  # files per task: tens of milliseconds of a worker's time on small files
# chunks asked of each worker ahead: enough work queued (~2,000 small files) that the workers
# keep going while the main process writes a transaction (half a second in a cache of a
# million rows, `batch_writer.BULK_ROWS`); their results wait as ~2 kB vectors
AHEAD = 16
MIN_FILES = faults.process_files(4096)  # fewer: the workers' start would be a large share
MAX_MODEL_BYTES = 128 << 20  # a copy per worker; larger models are inference-bound anyway
WATCH_SECONDS = 0.5  # how often a worker looks whether the main process is still there

Answer = tuple[str | None, str | None, Quality | None]  # digest, why unreadable (kept), quality


@dataclass(frozen=True)
class Setup:
    """What every worker is given once, when it starts."""

    files: ModelFiles  # with the ONNX file the main process's encoder runs
    batch_size: int
    known: np.ndarray  # digests already embedded with this model, sorted, as bytes
    failures: dict[str, str]  # digests remembered as unreadable → why (i18n.kept)
    parent: int  # the main process: a worker that outlives it (kill -9) stops
    language: str  # of the main process: an error a worker raises reads the same


def worth_processes(encoder: Encoder, files: int, workers: int) -> bool:
    """Whether `files` new files go to worker processes rather than threads."""
    if encoder.accelerated or workers < 2 or files < MIN_FILES:
        return False
    return model_bytes(encoder.onnx_path) <= MAX_MODEL_BYTES


def model_bytes(path: Path) -> int:
    """The model's size on disk, with its external weights (`model.onnx_data`, …)."""
    try:
        found = path.parent.glob(glob.escape(path.name) + "*")
        return sum(p.stat().st_size for p in found if p.is_file())
    except OSError:
        return MAX_MODEL_BYTES + 1


def known_digests(digests: Iterable[str]) -> np.ndarray:
    """`digests` as a sorted array of bytes: a million of them are 32 MB in a worker, not the
    ~100 MB of a set of strings, and a lookup is a binary search."""
    found = np.array([d.encode() for d in digests], dtype=bytes)
    return np.sort(found) if len(found) else np.zeros(0, "S1")


def encoded_chunks(
    items: Iterator[tuple[int, Path, tuple[int, int] | None]], setup: Setup, workers: int
) -> Generator[tuple[list[Work], list[int], np.ndarray], None, None]:
    """Each chunk of `items` (position, path, stamp) prepared and encoded by the workers, in
    order: its `Work`s (digest, quality, why unreadable; no pixels), the positions among them
    of those encoded, and their vectors. At most `AHEAD` chunks per worker are in flight:
    memory stays flat (a few MB of answers)."""
    context = multiprocessing.get_context("spawn")  # no fork of a process running threads
    pool = ProcessPoolExecutor(workers, context, initializer=_start, initargs=(setup,))
    flight: deque[tuple[list[tuple[int, Path, tuple[int, int] | None]], Future[Any]]] = deque()
    try:
        first = True
        while True:
            # the workers start with the first chunks: they never hear Ctrl-C, even while they
            # import (a blocked signal stays blocked in a child; here it waits, not lost)
            with _deaf_to_ctrl_c() if first else contextlib.nullcontext():
                while len(flight) < AHEAD * workers:
                    chunk = list(itertools.islice(items, CHUNK))
                    if not chunk:
                        break
                    asked = [(i, os.fspath(path)) for i, path, _ in chunk]
                    flight.append((chunk, pool.submit(_encode_chunk, asked)))
            first = False
            if not flight:
                return
            chunk, future = flight.popleft()
            answers, encoded, vectors = future.result()
            works = [
                Work(i, path, stamp, digest, None, shown(kept) if kept else None, kept, measured)
                for (i, path, stamp), (digest, kept, measured) in zip(chunk, answers)
            ]
            yield works, encoded, vectors
    except BrokenProcessPool:  # from `submit` or from `result`, whichever learns it first
        raise KonomiError(
            t("errors.ingest.worker_stopped"), t("errors.ingest.worker_stopped_hint")
        ) from None
    finally:
        # a Ctrl-C or an error: the chunks not started are dropped, those running end first
        pool.shutdown(wait=True, cancel_futures=True)


@contextlib.contextmanager
def _deaf_to_ctrl_c() -> Iterator[None]:
    """SIGINT blocked in this thread for a moment (where the platform can): the processes
    started meanwhile inherit the block; one that arrives here is delivered when it ends."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


# The worker's side. Everything below runs in a worker process.

_worker: tuple[Setup, Encoder] | None = None


def _start(setup: Setup) -> None:
    """A worker's start: Ctrl-C is the main process's to handle (it stops the pool), and a
    worker whose main process is gone stops too."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    set_language(setup.language)
    threading.Thread(target=_watch, args=(setup.parent,), daemon=True).start()
    global _worker
    _worker = (setup, Encoder(setup.files, device="cpu", threads=1, runs=1))


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)  # the main process was killed: what it had not written is redone next run


def _is_known(known: np.ndarray, digest: str) -> bool:
    if not len(known):
        return False
    key = digest.encode()
    at = int(np.searchsorted(known, key))
    return at < len(known) and bytes(known[at]) == key


def _encode_chunk(asked: list[tuple[int, str]]) -> tuple[list[Answer], list[int], np.ndarray]:
    """Prepare (`encode.prepare`) and encode one chunk of files."""
    assert _worker is not None, "a worker process is started by `_start`"
    setup, encoder = _worker
    known = functools.partial(_is_known, setup.known)
    pixels = pixels_for(encoder)
    works = [prepare(Work(i, Path(text), None), known, setup.failures, pixels) for i, text in asked]
    encoded = [k for k, work in enumerate(works) if work.pixels is not None]
    vectors = np.zeros((0, encoder.dim or 0), np.float32)
    size = setup.batch_size
    parts = [
        encode_prepared(encoder, [works[k] for k in encoded[start : start + size]])
        for start in range(0, len(encoded), size)
    ]
    if parts:
        vectors = np.concatenate(parts)
    return [(w.digest, w.kept, w.quality) for w in works], encoded, vectors
