"""One model's embeddings as a flat float32 file: a small header, then one row per vector.

At a million images a vector per SQLite BLOB costs 4.7 GB (each 2 KB row overflows a page) and
a pass over them tens of seconds; the same vectors side by side are 2 GB and read at the speed
of the disk cache (docs/performance.md, "Where the vectors live"). The cache's SQLite keeps
which row ("slot") holds which digest (`store.vector_index`); this module only knows rows.

The header names the file's `token`, a random id the index records too: a vector file that is
not the one the index was written against (the database was rebuilt, the file replaced, copied
from elsewhere) is never read, since its slots would give wrong vectors. A file with a bad
header, another row size, or fewer rows than the index expects is likewise read only as far
as it is sound; anything else is a missing vector (embedded again), never a crash.

Rows are read with `preadv` into one buffer reused block after block of a pass: a pass over
2 GB keeps one block in memory, where a map of the file would count every page touched in the
process's RSS, and a file cut short under a map would kill the process (SIGBUS) where `preadv`
just reads less (measured against `mmap` + `MADV_DONTNEED` in benchmarks/bench_vectors.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import mmap
import os
import secrets
import struct
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from konomi.atomic import fsync_folder, rename_over

MAGIC = b"konomi-vectors\x00\x00"  # 16 bytes
VERSION = 1
_HEAD = struct.Struct("<16sII16s")  # magic, version, floats per row, token
HEADER = 64  # bytes before the first row (the rest of the header is zeros)
BLOCK_ROWS = 8192  # rows read at once in a pass (16 MB at 512 floats)
MEMORY = ":memory:"
_FLAGS = os.O_RDWR | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def token_hex() -> str:
    return secrets.token_hex(16)


@dataclass
class VectorFile:
    """An open vector file whose header was checked: `dim` floats per row, this `token`."""

    fd: int
    dim: int
    token: str
    keep: IO[bytes] | None = None  # an anonymous file (a cache in memory) stays open through it

    @property
    def row_bytes(self) -> int:
        return 4 * self.dim

    def rows(self) -> int:
        """Whole rows in the file now (a tail cut short by a crash is not a row)."""
        return max(0, (os.fstat(self.fd).st_size - HEADER) // self.row_bytes)

    def write(self, slot: int, X: np.ndarray) -> None:
        """Rows `X` from `slot` on, on disk (`fdatasync`) before this returns: the index that
        names them is committed only afterwards, so a power cut never leaves it naming rows
        the disk lacks."""
        data = np.ascontiguousarray(X, np.float32).data.cast("B")
        at = HEADER + slot * self.row_bytes
        while data:
            n = _write_at(self.fd, data, at)
            data, at = data[n:], at + n
        if self.keep is None:
            getattr(os, "fdatasync", os.fsync)(self.fd)  # (macOS has only fsync)

    def read(self, start: int, stop: int, buffer: np.ndarray) -> np.ndarray:
        """Rows [start, stop) into `buffer` (a view of it); fewer rows when the file ends
        sooner. Each pass brings its own buffer: threads of one process (the review page's)
        may read the same file at once."""
        view = buffer[: stop - start]
        got = _read_at(self.fd, view.data.cast("B"), HEADER + start * self.row_bytes)
        return view[: got // self.row_bytes]

    def buffer(self, rows: int) -> np.ndarray:
        return np.empty((rows, self.dim), np.float32)

    def read_row(self, slot: int, out: np.ndarray) -> bool:
        """One row into `out` (float32, `dim`); False when the file ends before it."""
        got = _read_at(self.fd, out.data.cast("B"), HEADER + slot * self.row_bytes)
        return got == self.row_bytes

    def gather(self, slots: np.ndarray, out: np.ndarray) -> None:
        """Rows at `slots` (each below `rows()`) into `out`, through a map of the file made for
        this call: rows scattered over the file (frames in time order, a cache whose rows
        were written in another order) cost a page fault each instead of a system call and
        a Python call each. The map is gone when this returns, and with it the pages from the
        process's memory."""
        if not len(slots):
            return
        length = HEADER + (int(slots.max()) + 1) * self.row_bytes
        if os.fstat(self.fd).st_size < length:  # cut short since: a map would fault past it
            for i, slot in enumerate(slots.tolist()):
                if not self.read_row(slot, out[i]):
                    out[i] = np.nan
            return
        with mmap.mmap(self.fd, length, prot=mmap.PROT_READ) as mapped:
            if hasattr(mapped, "madvise") and hasattr(mmap, "MADV_RANDOM"):
                # a fault maps its own page only (not its neighbours: the process would hold
                # most of the file)
                mapped.madvise(mmap.MADV_RANDOM)
            rows = np.frombuffer(mapped, np.float32, offset=HEADER).reshape(-1, self.dim)
            np.take(rows, slots, axis=0, out=out)
            del rows  # the map cannot close while an array still looks into it

    def blocks(self, stop: int, rows: int = BLOCK_ROWS) -> Iterator[tuple[int, np.ndarray]]:
        """(first slot, rows) of every block of slots below `stop`, in file order."""
        buffer = self.buffer(min(rows, max(stop, 1)))
        for start in range(0, stop, rows):
            block = self.read(start, min(start + rows, stop), buffer)
            if len(block):
                yield start, block
            if len(block) < min(rows, stop - start):
                return

    def close(self) -> None:
        with contextlib.suppress(OSError):
            if self.keep is not None:
                self.keep.close()
            else:
                os.close(self.fd)


class VectorFiles:
    """The vector files of one cache (`cache.sqlite` → `cache.vectors-<model hash>.f32`),
    opened once each and kept open; a cache in memory keeps anonymous files instead."""

    def __init__(self, cache_path: Path) -> None:
        self.cache_path = cache_path
        self.memory = str(cache_path) == MEMORY
        self.open_files: dict[str, VectorFile] = {}

    def path_of(self, model: str) -> Path:
        digest = hashlib.sha256(model.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        return self.cache_path.with_name(f"{self.cache_path.stem}.vectors-{digest}.f32")

    def all_paths(self) -> list[Path]:
        """Every vector file beside the cache (of any model, this konomi's or not)."""
        if self.memory or not self.cache_path.parent.is_dir():
            return []
        return sorted(self.cache_path.parent.glob(f"{self.cache_path.stem}.vectors-*.f32"))

    def get(self, model: str, token: str, dim: int) -> VectorFile | None:
        """The model's file, when its header says `token` and `dim`; else None (not trusted)."""
        held = self.open_files.get(model)
        if held is not None and held.token == token and held.dim == dim:
            return held
        if self.memory:
            return None
        self.drop(model)
        try:
            fd = os.open(self.path_of(model), _FLAGS)
        except OSError:
            return None
        try:
            head = os.pread(fd, _HEAD.size, 0)
        except OSError:
            head = b""
        if len(head) != _HEAD.size or _HEAD.unpack(head) != (
            MAGIC,
            VERSION,
            dim,
            bytes.fromhex(token),
        ):
            os.close(fd)
            return None
        self.open_files[model] = held = VectorFile(fd, dim, token)
        return held

    def create(self, model: str, dim: int) -> VectorFile:
        """A new, empty file for `model` with a new token, in place of any before it (written
        aside and renamed over: a reader holding the old one reads it to its end)."""
        self.drop(model)
        token = token_hex()
        head = _HEAD.pack(MAGIC, VERSION, dim, bytes.fromhex(token)).ljust(HEADER, b"\0")
        if self.memory:
            keep = tempfile.TemporaryFile()  # noqa: SIM115 (held open: it is the file)
            keep.write(head)
            keep.flush()
            held = VectorFile(keep.fileno(), dim, token, keep)
        else:
            path = self.path_of(model)
            temp = path.with_name(f"{path.name}.new-{os.getpid()}")
            with open(temp, "wb") as f:
                f.write(head)
                f.flush()
                os.fsync(f.fileno())
            rename_over(temp, path)
            fsync_folder(path.parent)
            fd = os.open(path, _FLAGS)
            held = VectorFile(fd, dim, token)
        self.open_files[model] = held
        return held

    def drop(self, model: str) -> None:
        held = self.open_files.pop(model, None)
        if held is not None:
            held.close()

    def close(self) -> None:
        for model in list(self.open_files):
            self.drop(model)

    def set_aside(self, aside: Path) -> None:
        """Move every vector file beside the cache with a database set aside as `aside`: a
        fresh database must never meet the slots of the old one."""
        self.close()
        for path in self.all_paths():
            with contextlib.suppress(OSError):
                rename_over(path, aside.with_name(f"{aside.name}.{path.name}"))


_SEEK = threading.Lock()  # where positioned reads and writes are missing (Windows): seek + read


def _read_at(fd: int, into: memoryview, offset: int) -> int:
    """Read into `into` from `offset`, the file's position untouched where the system allows
    (`preadv`: straight into the buffer, no copy); the bytes read."""
    if hasattr(os, "preadv"):
        return os.preadv(fd, [into], offset)
    if hasattr(os, "pread"):
        data = os.pread(fd, len(into), offset)
    else:
        with _SEEK:
            os.lseek(fd, offset, os.SEEK_SET)
            data = os.read(fd, len(into))
    into[: len(data)] = data
    return len(data)


def _write_at(fd: int, data: memoryview, offset: int) -> int:
    if hasattr(os, "pwrite"):
        return os.pwrite(fd, data, offset)
    with _SEEK:
        os.lseek(fd, offset, os.SEEK_SET)
        return os.write(fd, data)


def finite_rows(X: np.ndarray) -> np.ndarray:
    """Which rows of X hold only finite numbers (a damaged row holds NaN or infinities): a
    row's sum is NaN or infinite when any of its numbers is, and summing costs no array of
    the block's size (a row of finite numbers so large that their sum overflows is taken for
    damaged too: it is embedded again, which is safe)."""
    if not X.size:
        return np.ones(len(X), bool)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(np.isfinite(X.sum(axis=1, dtype=np.float32)), bool)
