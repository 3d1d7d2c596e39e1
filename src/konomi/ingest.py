"""Turning image files into embeddings, as fast as the machine allows.

Work is split so that the encoder never waits: worker threads read each file once, hash it and
decode it (Pillow releases the GIL while decoding, and JPEGs decode in draft mode at the smallest
DCT scale that still covers the model's input), while the calling thread batches the pixels
through ONNX Runtime. A bounded window of in-flight files keeps memory flat however many
images there are.

Before any of that, the cache answers for every file whose (size, mtime) has not changed: those
are neither re-read nor re-hashed, so an unchanged workspace re-runs in seconds.
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .cache import EmbeddingCache
from .encoder import Encoder, Preprocess
from .errors import UnreadableImage
from .images import Skipped, content_hash, decode, read_file
from .progress import Progress


@dataclass
class Embedded:
    """Embeddings of the readable files, in the order asked, and what could not be read."""

    paths: list[Path]
    digests: list[str]
    vectors: np.ndarray
    unreadable: list[Skipped] = field(default_factory=list)
    new: int = 0  # encoded in this run
    cached: int = 0  # answered by the cache
    seconds: float = 0.0

    @property
    def images_per_second(self) -> float:
        return self.new / self.seconds if self.seconds > 0 and self.new else 0.0


@dataclass
class _Work:
    path: Path
    stamp: tuple[int, int] | None
    digest: str | None = None
    pixels: np.ndarray | None = None
    reason: str | None = None


def default_workers() -> int:
    """Decode threads: one per core (measured: see docs/performance.md)."""
    return max(1, os.cpu_count() or 1)


def _prepare(
    path: Path,
    stamp: tuple[int, int] | None,
    known: set[str],
    failures: dict[str, str],
    preprocess: Callable[[bytes], np.ndarray],
) -> _Work:
    """Worker: read once, hash, and decode unless the digest is already known."""
    work = _Work(path, stamp)
    try:
        data = read_file(path)
        work.digest = content_hash(data)
        if work.digest in known:
            return work
        if work.digest in failures:
            work.reason = failures[work.digest]
            return work
        work.pixels = preprocess(data)
    except UnreadableImage as exc:
        work.reason = exc.message
    return work


def embed_files(
    paths: Sequence[Path],
    cache: EmbeddingCache,
    model_id: str,
    encoder: Callable[[], Encoder],
    *,
    progress: Progress | None = None,
    workers: int | None = None,
    batch_size: int | None = None,
) -> Embedded:
    """Embed `paths` through the cache; `encoder` is called only if something must be encoded.

    Unreadable files are returned in `unreadable` with their reason and never stop the run.
    """
    start = time.perf_counter()
    stamps = cache.file_stamps()
    digest_of: dict[Path, str] = {}
    todo: list[tuple[Path, tuple[int, int] | None]] = []
    unreadable: list[Skipped] = []
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            unreadable.append(Skipped(path, "the file disappeared"))
            continue
        known = stamps.get(str(path))
        if known and known.size == st.st_size and known.mtime_ns == st.st_mtime_ns:
            digest_of[path] = known.digest
        else:
            todo.append((path, (st.st_size, st.st_mtime_ns)))

    vectors = cache.get_embeddings(digest_of.values(), model_id)
    failures = cache.get_failures(d for d in digest_of.values() if d not in vectors)
    for path, digest in list(digest_of.items()):
        if digest in vectors:
            continue
        del digest_of[path]
        if digest in failures:
            unreadable.append(Skipped(path, failures[digest]))
        else:
            todo.append((path, None))  # hashed before but never embedded with this model
    cached = len(digest_of)

    new = 0
    if todo:
        new, hits = _embed_todo(
            todo,
            cache,
            model_id,
            encoder,
            vectors,
            digest_of,
            unreadable,
            progress=progress,
            workers=workers or default_workers(),
            batch_size=batch_size,
        )
        cached += hits

    ordered = [p for p in paths if p in digest_of]
    digests = [digest_of[p] for p in ordered]
    dim = next(iter(vectors.values())).shape[0] if vectors else 0
    matrix = np.empty((len(ordered), dim), np.float32)
    for i, digest in enumerate(digests):
        matrix[i] = vectors[digest]
    elapsed = time.perf_counter() - start
    return Embedded(ordered, digests, matrix, unreadable, new, cached, elapsed)


def _embed_todo(
    todo: list[tuple[Path, tuple[int, int] | None]],
    cache: EmbeddingCache,
    model_id: str,
    make_encoder: Callable[[], Encoder],
    vectors: dict[str, np.ndarray],
    digest_of: dict[Path, str],
    unreadable: list[Skipped],
    *,
    progress: Progress | None,
    workers: int,
    batch_size: int | None,
) -> tuple[int, int]:
    """Hash, decode and encode the files the cache could not answer.

    Returns (encoded, hits): files encoded now, and files whose content was already embedded
    (renamed, moved or copied files).
    """
    known = {
        d for (d,) in cache.db.execute("SELECT digest FROM embeddings WHERE model = ?", (model_id,))
    }
    failures = dict(cache.db.execute("SELECT digest, reason FROM failures"))
    encoder = make_encoder()
    pre: Preprocess = encoder.preprocess
    batch = batch_size or 16

    def preprocess(data: bytes) -> np.ndarray:
        return pre.apply(decode(data, min_side=encoder.size))

    total, done, encoded, hits = len(todo), 0, 0, 0
    pending_batch: list[_Work] = []
    file_rows: list[tuple[str, int, int, str]] = []
    new_failures: list[tuple[str, str]] = []

    def flush() -> None:
        nonlocal encoded
        if pending_batch:
            out = encoder.encode(np.stack([w.pixels for w in pending_batch]))
            items = []
            for w, vec in zip(pending_batch, out):
                vectors[w.digest] = vec  # type: ignore[index]
                known.add(w.digest)  # type: ignore[arg-type]
                items.append((w.digest, vec))
            cache.put_embeddings(items, model_id)
            encoded += len(pending_batch)
            pending_batch.clear()
        if file_rows:
            cache.put_files(file_rows)
            file_rows.clear()
        if new_failures:
            cache.put_failures(new_failures)
            new_failures.clear()

    window = max(2 * batch, 4 * workers)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="konomi-decode") as pool:
        queue: deque[Future[_Work]] = deque()
        items = iter(todo)
        for path, stamp in items:
            queue.append(pool.submit(_prepare, path, stamp, known, failures, preprocess))
            if len(queue) >= window:
                break
        while queue:
            work = queue.popleft().result()
            nxt = next(items, None)
            if nxt is not None:
                queue.append(pool.submit(_prepare, nxt[0], nxt[1], known, failures, preprocess))
            done += 1
            if work.reason is not None:
                unreadable.append(Skipped(work.path, work.reason))
                if work.digest:
                    new_failures.append((work.digest, work.reason))
            else:
                assert work.digest is not None
                digest_of[work.path] = work.digest
                if work.pixels is not None:
                    pending_batch.append(work)
                else:
                    hits += 1
            if work.digest and work.stamp:
                file_rows.append((str(work.path), *work.stamp, work.digest))
            if len(pending_batch) >= batch:
                flush()
            if progress:
                progress("embedding", done, total)
        flush()
    # Files whose digest was already embedded (renamed/moved copies) get their vector now.
    missing = [d for d in set(digest_of.values()) if d not in vectors]
    if missing:
        vectors.update(cache.get_embeddings(missing, model_id))
    return encoded, hits
