"""A walk's image paths, kept compact: each folder once, each file as its name and its
folder's number.

A `Path` holds its text, a list of its parts and the object itself: about 400 bytes per file
in a list of a million library images, most of what a warm command's memory was. Here a file
costs its name and four bytes (about 80 bytes), and its `Path` is made only when asked for
(`listing[i]`, iterating). Whoever needs every file's text — the stat pass, the report's
rows — asks `texts`, which joins folder and name without making a `Path` at all.

A walk may also keep each file's size and modification time as it lists the folder (one
`stat` relative to the folder's descriptor, from the listing's own entry): the embed that
follows takes them once (`take_stats`) instead of a second pass of a million names.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import overload

import numpy as np

_MAKE_CHILD = getattr(Path, "_make_child_relpath", None)


def child(folder: Path, name: str, prefix: str | None = None) -> Path:
    """`folder / name` for a name read from the folder's listing: a million of them are built
    on each walk of a large library, and pathlib's own shortcut for names it need not parse
    costs a seventh of `Path(text)` (0.6 against 4.4 µs). Python versions without it take
    the `/`. With `prefix` (`prefix_of(folder)`), the path's text is set too, as pathlib
    would write it: the ingest asks each path for it, which otherwise joins its parts again."""
    if _MAKE_CHILD is None:
        return folder / name
    made: Path = _MAKE_CHILD(folder, name)
    if prefix is not None:
        try:  # noqa: SIM105 - `suppress` costs a context manager per path (a million)
            made._str = prefix + name  # type: ignore[attr-defined]
        except AttributeError:  # a pathlib that keeps its text elsewhere: it joins it itself
            pass
    return made


def prefix_of(folder: Path) -> str | None:
    """The text of `folder` ending in a separator, when its children's text is exactly that
    plus their name (an absolute folder: a relative `.` writes its children without it)."""
    if not folder.is_absolute():
        return None
    text = str(folder)
    return text if text.endswith(os.sep) else text + os.sep


class WalkStats:
    """Size, modification time (ns) and modification time (s, as `os.stat` gives it) of files
    in a listing's order; a size of −1: the file was gone when stat-ed."""

    __slots__ = ("size", "mtime_ns", "mtime")

    def __init__(self) -> None:
        self.size, self.mtime_ns, self.mtime = array("q"), array("q"), array("d")

    def add(self, st: os.stat_result | None) -> None:
        if st is None:
            self.size.append(-1)
            self.mtime_ns.append(0)
            self.mtime.append(float("nan"))
        else:
            self.size.append(st.st_size)
            self.mtime_ns.append(st.st_mtime_ns)
            self.mtime.append(st.st_mtime)

    def extend(self, other: WalkStats) -> None:
        self.size += other.size
        self.mtime_ns += other.mtime_ns
        self.mtime += other.mtime

    def piece(self, start: int, stop: int) -> WalkStats:
        made = WalkStats()
        made.size, made.mtime_ns = self.size[start:stop], self.mtime_ns[start:stop]
        made.mtime = self.mtime[start:stop]
        return made

    def copy(self) -> WalkStats:
        made = WalkStats()
        made.extend(self)
        return made


class Listing(Sequence[Path]):
    """Image paths in the order they were added, each a folder's number and a name."""

    __slots__ = ("_folders", "_prefixes", "_number", "_of", "_names", "_stats")

    def __init__(self, paths: Iterable[Path] = ()) -> None:
        self._folders: list[Path] = []
        self._prefixes: list[str | None] = []
        self._number: dict[Path, int] = {}
        self._of = array("i")  # each file's folder, by number
        self._names: list[str] = []
        # (size, mtime_ns, mtime) of every file as the walk saw it, or None (not all known)
        self._stats: WalkStats | None = WalkStats()
        self.extend(paths)

    def add(self, folder: Path, names: list[str], stats: WalkStats | None = None) -> None:
        """Files of one folder, by name (a folder's listing: no `Path` made per file), with
        their `stats` as the walk took them if it did."""
        k = self._folder(folder)
        self._of.extend(array("i", [k]) * len(names))
        self._names += names
        self._keep_stats(stats, len(names))

    def _keep_stats(self, stats: WalkStats | None, n: int) -> None:
        if self._stats is None or not n:
            return
        if stats is None or len(stats.size) != n:
            self._stats = None  # some files without: none are kept (stat-ed by the embed)
        else:
            self._stats.extend(stats)

    def append(self, path: Path) -> None:
        self.add(path.parent, [path.name])

    def extend(self, paths: Iterable[Path]) -> None:
        if isinstance(paths, Listing) and not self._folders:  # a copy: the same numbers
            self._folders, self._prefixes = list(paths._folders), list(paths._prefixes)
            self._number = dict(paths._number)
            self._of, self._names = array("i", paths._of), list(paths._names)
            self._stats = paths._stats.copy() if paths._stats is not None else None
            return
        if isinstance(paths, Listing):
            numbers = [self._folder(f) for f in paths._folders]
            self._of.extend(array("i", map(numbers.__getitem__, paths._of)))
            self._names += paths._names
            self._keep_stats(paths._stats, len(paths._names))
            return
        for path in paths:
            self.append(path)

    def take_stats(self) -> WalkStats | None:
        """The files' stats as the walk took them (None where it did not), given once: a
        listing kept for later is stat-ed again by whoever embeds it then."""
        stats, self._stats = self._stats, None
        return stats if stats is not None and len(stats.size) == len(self._names) else None

    def _folder(self, folder: Path) -> int:
        k = self._number.get(folder)
        if k is None:
            k = self._number[folder] = len(self._folders)
            self._folders.append(folder)
            self._prefixes.append(prefix_of(folder))
        return k

    def take(self, rows: Iterable[int]) -> Listing:
        """The files at `rows`, in that order (a `Listing` too)."""
        taken = Listing()
        taken._folders, taken._prefixes = self._folders, self._prefixes  # shared: only grow
        taken._number = self._number
        names = self._names
        at = list(rows)
        taken._of = array("i", map(self._of.__getitem__, at))
        taken._names = [names[i] for i in at]
        taken._stats = None
        return taken

    def rows_under(self, prefix: str) -> np.ndarray:
        """Rows of the files whose text starts with `prefix` ending in a separator (a folder's
        files, its subfolders' too), found folder by folder: no text made per file."""
        hit = [
            (known or os.fspath(f) + os.sep).startswith(prefix)
            for f, known in zip(self._folders, self._prefixes)
        ]
        if not any(hit):
            return np.zeros(0, np.int64)
        return np.flatnonzero(np.asarray(hit, bool)[np.frombuffer(self._of, np.int32)])

    def rows_in(self, folders: Iterable[Path]) -> np.ndarray:
        """Rows of the files directly in `folders`."""
        wanted = {self._number[f] for f in folders if f in self._number}
        if not wanted:
            return np.zeros(0, np.int64)
        return np.flatnonzero(np.isin(np.frombuffer(self._of, np.int32), list(wanted)))

    def texts(self, start: int = 0, stop: int | None = None) -> list[str]:
        """The text of files `start` to `stop` (what `os.fspath` of each path gives)."""
        prefixes, names = self._prefixes, self._names
        of = self._of[start:stop]
        if None not in prefixes:  # every folder absolute: folder's text and the name
            return [prefixes[k] + n for k, n in zip(of, names[start:stop])]  # type: ignore[operator]
        folders = self._folders
        return [os.fspath(child(folders[k], n)) for k, n in zip(of, names[start:stop])]

    def text(self, i: int) -> str:
        """The text of file `i` (`os.fspath(self[i])`)."""
        k = self._of[i]
        prefix = self._prefixes[k]
        if prefix is None:
            return os.fspath(child(self._folders[k], self._names[i]))
        return prefix + self._names[i]

    def __len__(self) -> int:
        return len(self._names)

    @overload
    def __getitem__(self, i: int) -> Path: ...
    @overload
    def __getitem__(self, i: slice) -> list[Path]: ...
    def __getitem__(self, i: int | slice) -> Path | list[Path]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        k = self._of[i]
        return child(self._folders[k], self._names[i], self._prefixes[k])

    def __iter__(self) -> Iterator[Path]:
        folders, prefixes = self._folders, self._prefixes
        for k, name in zip(self._of, self._names):
            yield child(folders[k], name, prefixes[k])

    def __add__(self, other: Iterable[Path]) -> Listing:
        joined = Listing(self)
        joined.extend(other)
        return joined

    def __radd__(self, other: Iterable[Path]) -> Listing:
        joined = Listing(other)
        joined.extend(self)
        return joined

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __repr__(self) -> str:
        return f"Listing({len(self)} paths in {len(self._folders)} folders)"


def pick(paths: Sequence[Path], rows: Iterable[int] | None = None) -> Sequence[Path]:
    """`paths` at `rows` (all of them when None) as a new sequence: a `Listing` stays one."""
    if isinstance(paths, Listing):
        return Listing(paths) if rows is None else paths.take(rows)
    return list(paths) if rows is None else [paths[i] for i in rows]


def texts_of(paths: Sequence[Path], start: int = 0, stop: int | None = None) -> list[str]:
    """The text of `paths[start:stop]`, without making a `Path` where they are a `Listing`."""
    if isinstance(paths, Listing):
        return paths.texts(start, stop)
    return [os.fspath(p) for p in paths[start:stop]]


def not_among(paths: Sequence[Path], few: Sequence[Path]) -> np.ndarray:
    """Which of `paths` are not among `few` (the workspace's own images, say, among a million
    library ones), told apart by text: a set of the few, a look-up per path — in a `Listing`
    only for the files of the folders the few are in."""
    known = set(texts_of(few))
    if isinstance(paths, Listing):
        outside = np.ones(len(paths), bool)
        rows = paths.rows_in({Path(t).parent for t in known}).tolist()
        outside[rows] = [paths.text(i) not in known for i in rows]
        return outside
    texts = texts_of(paths)
    return np.fromiter((t not in known for t in texts), bool, len(texts))
