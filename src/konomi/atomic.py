"""Replace a file all at once: every writer of konomi goes through here.

A reader (or a crash) sees the old bytes or the new, never half: the new bytes go to a temp
file beside the target (same folder, so same file system), are flushed to disk, renamed over
the target, and the folder itself is flushed so the new name survives a power cut. The temp
file is created afresh (`O_EXCL`, never through a link placed there) and removed again when
anything fails; a leftover of a killed process is named `.NAME.konomi-tmp-…`, so its owner can
recognise and remove it.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

TMP_MARK = ".konomi-tmp-"  # `.NAME.konomi-tmp-<pid>-<n>`: a write before its rename
_serial = itertools.count()  # two threads of one process never share a temp name


def temp_name(path: Path) -> Path:
    """A fresh temp name beside `path` (hidden, marked as konomi's)."""
    return path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}-{next(_serial)}")


def fsync_folder(folder: Path) -> None:
    """Make a folder's new entries durable (POSIX; a no-op where folders cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _mode_of(path: Path) -> int:
    """The permissions the new file takes: the old file's, else the usual (less the umask)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o666


@contextlib.contextmanager
def atomic_file(
    path: Path, mode: str = "wb", *, encoding: str | None = None, newline: str | None = None
) -> Iterator[IO[Any]]:
    """A file object to write `path`'s new content into; it replaces `path` when the block ends
    without an exception (and is discarded when one is raised)."""
    if "b" not in mode and encoding is None:
        encoding = "utf-8"
    tmp = temp_name(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(tmp, flags, _mode_of(path))
    try:
        with open(fd, mode.replace("a", "w"), encoding=encoding, newline=newline) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_folder(path.parent)


def write_bytes(path: Path, data: bytes) -> None:
    """Replace `path` by `data` all at once."""
    with atomic_file(path, "wb") as f:
        f.write(data)


def write_text(path: Path, text: str, *, encoding: str = "utf-8") -> None:
    """Replace `path` by `text` all at once."""
    with atomic_file(path, "w", encoding=encoding) as f:
        f.write(text)


def publish(tmp: Path, path: Path) -> None:
    """Put a file another library wrote under the temp name `tmp` (see `temp_name`) in place of
    `path`: flushed, renamed over it, the folder flushed. `tmp` is removed if that fails."""
    try:
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    fsync_folder(path.parent)


def rename_over(src: Path, dst: Path) -> None:
    """Rename `src` to `dst` (replacing it) and make the change durable — to set a file aside."""
    os.replace(src, dst)
    fsync_folder(dst.parent)
