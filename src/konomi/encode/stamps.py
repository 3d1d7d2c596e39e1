"""Which files may have changed since the cache saw them: each one `os.stat`-ed, a piece of
the walk at a time, ahead of the cache's lookup of the same piece (a warm run of a million
files is mostly this: a system call per file, and the cache's rows of those paths)."""

from __future__ import annotations

import contextlib
import os
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from konomi.encode.listing import Listing, WalkStats, texts_of

STAMP_PIECE = 8192  # paths stat-ed and looked up in the cache together


def aligned(rows: list[tuple[Any, ...]], names: list[str], found: WalkStats) -> bool:
    """True when `rows` (the cache's, in path order) are exactly the rows of `names` in their
    order, and every file was found: the usual piece of a warm run, matched up at once."""
    return (
        len(rows) == len(names)
        and min(found.size, default=0) >= 0
        and [r[0] for r in rows] == names
    )


def statted(
    paths: Sequence[Path], piece: int = STAMP_PIECE
) -> Iterator[tuple[int, list[str], WalkStats]]:
    """(start, names, their stats) of `paths`, a piece at a time (memory stays flat): as the
    walk took them where it did (`Listing.take_stats`), else `os.stat`-ed here. In this
    thread: a thread statting ahead overlapped the system calls with the cache's lookups, but
    once a warm run's pieces were matched up at once it cost more in handing the interpreter
    back and forth than it saved (a million files: 6.0–6.5 s against 4.3–4.5 s)."""
    walked = paths.take_stats() if isinstance(paths, Listing) else None
    for start in range(0, len(paths), piece):
        names = texts_of(paths, start, start + piece)
        if walked is not None:
            yield start, names, walked.piece(start, start + len(names))
            continue
        found = WalkStats()
        for st in stats_of(names):
            found.add(st)
        yield start, names, found


def stats_of(names: list[str]) -> Iterator[os.stat_result | None]:
    """`os.stat` of each name (None where it fails), asked relative to its folder where the
    system allows: the kernel then resolves one name instead of the whole path, a fifth of
    the system time of a million stats of a library's files (docs/performance.md)."""
    if os.stat not in os.supports_dir_fd:
        yield from map(stat_or_none, names)
        return
    folder, fd = "", -1
    try:
        for name in names:
            head, _, tail = name.rpartition(os.sep)
            if head != folder:
                if fd >= 0:
                    os.close(fd)
                folder, fd = head, -1
                with contextlib.suppress(OSError):  # no read access: stat the path itself
                    fd = os.open(head, os.O_RDONLY | os.O_DIRECTORY) if head else -1
            if fd < 0 or not tail:
                yield stat_or_none(name)
                continue
            try:
                yield os.stat(tail, dir_fd=fd)
            except OSError:
                yield None
    finally:
        if fd >= 0:
            os.close(fd)


def stat_or_none(name: str) -> os.stat_result | None:
    try:
        return os.stat(name)
    except OSError:
        return None


class Todo:
    """The files a run must hash (and perhaps encode), as three arrays of numbers: a cold run
    of a million files holds 24 bytes for each, not a tuple of a tuple and three numbers (~180
    bytes). Iterated as (position, path, (size, mtime_ns) or None)."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.paths = paths
        self.index, self.size, self.mtime_ns = array("q"), array("q"), array("q")

    def add(self, i: int, stamp: tuple[int, int] | None) -> None:
        size, mtime_ns = stamp if stamp is not None else (-1, 0)
        self.index.append(i)
        self.size.append(size)
        self.mtime_ns.append(mtime_ns)

    def __len__(self) -> int:
        return len(self.index)

    def __iter__(self) -> Iterator[tuple[int, Path, tuple[int, int] | None]]:
        for i, size, mtime_ns in zip(self.index, self.size, self.mtime_ns):
            yield i, self.paths[i], (size, mtime_ns) if size >= 0 else None
