"""The person's XMP ratings of library images, remembered by the stamps of their sources.

With `ratings_as_labels` every library image may carry a label in its XMP: a sidecar beside it
(its own, its RAW twin's, `STEM.xmp`) or the packet inside the file. Opening and parsing all of
them on every command costs a read per image; a rating is instead kept here with the stamps
(size, modification time in ns) of everything it was read from — each candidate sidecar name,
present or not, and the image file itself (its embedded XMP). A stat per name tells whether the
remembered rating still holds: a stamp that differs, or a sidecar that appears or disappears,
makes the image read again.

The table lives in `.konomi/ratings.sqlite` (its own steps): everything here can be read again,
so a file that cannot be opened or written is simply not used.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from konomi.errors import KonomiError
from konomi.store.migrations import Step, sql, upgrade

RATINGS_STEP_NAME = "ratings: the person's XMP rating of a library image, by source stamps"
_TABLE = """
CREATE TABLE IF NOT EXISTS ratings (
    path TEXT PRIMARY KEY, stamps TEXT NOT NULL, rating INTEGER
) WITHOUT ROWID
"""
STEPS = (Step(1, RATINGS_STEP_NAME, sql(_TABLE)),)
_CHUNK = 500  # paths per SELECT (SQLite's variable limit is 32766; smaller keeps plans simple)


def ratings_path(state: Path) -> Path:
    """Where the remembered ratings live inside `.konomi/`."""
    return state / "ratings.sqlite"


def _stamp(entry: os.DirEntry[str] | None) -> str:
    """`size:mtime_ns` of a regular file (never a link: links are not sidecars), else `-`."""
    try:
        if entry is None or not entry.is_file(follow_symlinks=False):
            return "-"
        st = entry.stat(follow_symlinks=False)
    except OSError:
        return "-"
    if not stat.S_ISREG(st.st_mode):
        return "-"
    return f"{st.st_size}:{st.st_mtime_ns}"


def _listing(folder: Path) -> dict[str, os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return {e.name: e for e in entries}
    except OSError:
        return {}


def source_stamps(sources: Sequence[tuple[Path, Sequence[Path]]], preferred: str) -> list[str]:
    """The stamps each rating depends on, for (image, candidate sidecars) pairs: the reading
    order (`preferred`), the image's own stamp (its embedded XMP) and each candidate's name
    and stamp (`-` when absent). Equal stamps: the sources are as they were when the rating
    was read. Each folder is listed once (candidates sit beside their image), so an absent
    name costs a lookup and a present one a stat."""
    folders: dict[str, dict[str, os.DirEntry[str]]] = {}  # by name: a Path hashes slowly
    out = []
    for image, candidates in sources:
        parts = [preferred]
        for path in (image, *candidates):
            folder, _, name = str(path).rpartition(os.sep)
            listing = folders.get(folder)
            if listing is None:
                listing = folders[folder] = _listing(Path(folder or os.sep))
            entry = listing.get(name)
            parts.append(_stamp(entry) if path is image else f"{name}={_stamp(entry)}")
        out.append("\n".join(parts))
    return out


class RatingCache:
    """Remembered ratings (`.konomi/ratings.sqlite`); unusable files are ignored, never fatal."""

    def __init__(self, path: Path) -> None:
        self.db: sqlite3.Connection | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, timeout=30, isolation_level=None)
            try:
                upgrade(db, STEPS, what=str(path))
            except BaseException:
                db.close()
                raise
            self.db = db
        except (OSError, sqlite3.Error, KonomiError):  # KonomiError: from a newer konomi
            self.db = None  # a cache that cannot be kept or read: every rating is read

    def close(self) -> None:
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
            self.db = None

    def __enter__(self) -> RatingCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, stamps: Mapping[str, str]) -> dict[str, int | None]:
        """The remembered rating of each path whose stored stamps equal `stamps[path]`."""
        if self.db is None or not stamps:
            return {}
        found: dict[str, int | None] = {}
        paths = list(stamps)
        try:
            for i in range(0, len(paths), _CHUNK):
                chunk = paths[i : i + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self.db.execute(
                    f"SELECT path, stamps, rating FROM ratings WHERE path IN ({marks})", chunk
                )
                for path, stored, rating in rows:
                    if stored == stamps.get(path):
                        found[path] = None if rating is None else int(rating)
        except sqlite3.Error:
            return {}
        return found

    def put(self, rows: Iterable[tuple[str, str, int | None]]) -> None:
        """Remember (path, stamps, rating) rows in one transaction; a failure is ignored."""
        data = list(rows)
        if self.db is None or not data:
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                self.db.executemany("INSERT OR REPLACE INTO ratings VALUES (?, ?, ?)", data)
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")
        except sqlite3.Error:
            return
