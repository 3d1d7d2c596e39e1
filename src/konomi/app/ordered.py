"""Work on a thread pool, its results in the order it was given, never all of it at once.

Decoding a batch of photos or encoding a contact sheet releases the GIL, so a thread per core
keeps every core busy; the caller consumes results one by one (scores them, stores them) while
the pool works ahead. The pool runs at most twice as many jobs ahead as it has threads, so the
memory held is bounded whatever the number of jobs: 100,000 thumbnails or sheets are never all
in memory.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def in_order(jobs: Iterable[Callable[[], T]], workers: int, name: str) -> Iterator[T]:
    """Run `jobs` on `workers` threads (named `name`), yielding their results in job order."""
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name) as pool:
        pending: deque[Future[T]] = deque()
        for job in jobs:
            pending.append(pool.submit(job))
            if len(pending) >= 2 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
