"""Finding image files and decoding them safely.

Decoding is where hostile input meets us: empty, truncated or fake files, decompression bombs,
odd modes (palette, CMYK, 16-bit, alpha). Every failure becomes an `UnreadableImage` with a
reason a person understands; nothing here ever moves or changes a file. `decode` sends each
file to its decoder: camera RAW to LibRaw (`raw`), everything else to Pillow (`pixels`), with
HEIC/HEIF through the pillow-heif plugin registered here.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import importlib.metadata
import operator
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from konomi.encode import pixels
from konomi.encode.formats import (
    HEIF_EXTENSIONS,
    IMAGE_EXTENSIONS,
    RAW_EXTENSIONS,
    extension,
    is_image_name,
    is_raw_name,
)
from konomi.encode.ignore import IgnoreRules, builtin_rules
from konomi.encode.listing import Listing, WalkStats, child, prefix_of
from konomi.encode.pairs import companion_names
from konomi.encode.pixels import MAX_PIXELS, NotAnImage, decode_pillow, to_rgb
from konomi.encode.raw import NotRaw, decode_raw, looks_raw
from konomi.errors import UnreadableImage
from konomi.i18n import t

__all__ = [
    "IMAGE_EXTENSIONS",
    "RAW_EXTENSIONS",
    "Skipped",
    "decode",
    "decoder_fingerprint",
    "find_images",
    "is_image_name",
    "is_raw_name",
    "load_image",
    "looks_raw",
    "read_file",
    "to_rgb",
    "MAX_PIXELS",
]

# No photo is bigger than this; reading a larger file whole would only exhaust memory.
MAX_FILE_BYTES = 1 << 30


@functools.cache
def heif_ready() -> bool:
    """Let Pillow open HEIC/HEIF/AVIF through pillow-heif (a dependency), once: True when it
    can. Part of `configure`, so nothing is registered on import."""
    try:
        import pillow_heif
    except ImportError:  # a broken install: check-env says so, and each file says why
        return False
    pillow_heif.register_heif_opener()
    if hasattr(pillow_heif, "register_avif_opener"):  # AVIF moved to Pillow itself in 1.0
        pillow_heif.register_avif_opener()
    return True


def configure() -> None:
    """Everything decoding needs, set once for the process: Pillow's limits and warning
    filters, and the HEIF/AVIF opener. The CLI calls it at start; `decode` calls it too, for
    callers that did not (later calls cost nothing)."""
    pixels.configure()
    heif_ready()


@functools.cache
def decoder_fingerprint() -> str:
    """The decoders installed now (Pillow, pillow-heif with libheif, rawpy with LibRaw).

    The cache stores it beside its "unreadable" verdicts: when it changes (a plugin installed
    or upgraded), those files are tried again instead of staying unreadable for good.
    """
    parts = []
    for dist in ("pillow", "pillow-heif", "rawpy"):
        try:
            parts.append(f"{dist}={importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            parts.append(f"{dist}=none")
    with contextlib.suppress(Exception):
        import pillow_heif

        parts.append(f"libheif={pillow_heif.libheif_version()}")
    with contextlib.suppress(Exception):
        import rawpy

        parts.append("libraw=" + ".".join(map(str, rawpy.libraw_version)))
    parts.append("avif=" + str("AVIF" in Image.registered_extensions().values()))
    return ";".join(parts)


@dataclass(frozen=True)
class Skipped:
    """A path that looks like an image but that we will not read, and why."""

    path: Path
    reason: str


def find_images(
    folder: Path,
    skipped: list[Skipped] | None = None,
    *,
    ignore: IgnoreRules | None = None,
    pairs: bool = True,
    recursive: bool = True,
) -> Iterator[Path]:
    """Yield image files under `folder`, recursively, in a stable (sorted) order.

    Extensions are matched case-insensitively (`IMG_1.HEIC`, `DSC_0001.NEF`) and include camera
    RAW; a file that turns out unreadable is named later with its reason by whoever decodes it.
    What `ignore` leaves out (a root's `.konomiignore`; by default only the built-in thumbnail
    folders of photo tools) is not yielded and not reported either. With `pairs`, the RAW file
    of a RAW+JPEG pair is not yielded: the pair is one photo, read through its JPEG
    (`konomi.encode.pairs`).

    Hidden files and folders (a leading dot) are skipped. Symbolic links are never followed —
    neither folders (no loops, no escaping the workspace) nor files (moving a link would move
    the link, not the photo the person cares about); image-named links are reported in
    `skipped`, and so are image-named folders, pipes, sockets and devices, and folders that
    cannot be read. `folder` itself may be a link the person made on purpose. With
    `recursive=False` only `folder`'s own files are listed.
    """
    for here, prefix, names, _ in _walk(folder, skipped, ignore, pairs, recursive):
        for name in names:
            yield child(here, name, prefix)


def list_images(
    folder: Path,
    skipped: list[Skipped] | None = None,
    *,
    ignore: IgnoreRules | None = None,
    pairs: bool = True,
    recursive: bool = True,
) -> Listing:
    """`find_images` as a compact `Listing`: no `Path` is made per file (a million of them
    held in a list are 400 MB), and each file's size and modification time are kept as the
    folder is listed, for the embed that follows (`Listing.take_stats`)."""
    found = Listing()
    for here, _, names, stats in _walk(folder, skipped, ignore, pairs, recursive, with_stats=True):
        found.add(here, names, stats)
    return found


def _walk(
    folder: Path,
    skipped: list[Skipped] | None,
    ignore: IgnoreRules | None,
    pairs: bool,
    recursive: bool,
    *,
    with_stats: bool = False,
) -> Iterator[tuple[Path, str | None, list[str], WalkStats | None]]:
    """(folder, `prefix_of` it, names of its images to list, and `with_stats` their stats) for
    each folder of the walk. The stats are asked of the folder's open descriptor (the kernel
    resolves one name, not the whole path) straight from the listing's entries."""
    if not folder.is_dir():
        return
    rules = ignore if ignore is not None else builtin_rules(folder)
    stack = [folder]
    while stack:
        here = stack.pop()
        try:
            entries, fd = _entries(here, with_stats)
        except OSError as exc:
            _note(skipped, here, t("unreadable.cannot_read_folder", why=exc.strerror or exc))
            continue
        stats: dict[str, os.stat_result | None] | None = {} if with_stats else None
        # Sorted after the loop, each list by name: the same order as sorting the entries
        # first, without a key call per entry (a million entries: a third of a second).
        subfolders: list[tuple[str, Path]] = []
        notes: list[tuple[str, Path, str]] = []  # (name, path, why): said in name order
        files: list[str] = []  # names: a path is made only for what is yielded
        raw = False  # a RAW file among them: only then can one ride with another
        here_rel = rules.relative(here)
        try:
            for entry in entries:
                name = entry.name
                if name.startswith("."):
                    continue
                if not (name.isascii() or _utf8(name)):
                    if entry.is_dir(follow_symlinks=False) or is_image_name(name):
                        path = child(here, name)
                        shown = Path(os.fsencode(path).decode("utf-8", "replace"))  # printable
                        notes.append((name, shown, _not_text(os.fsencode(name))))
                    continue
                try:
                    if entry.is_file(follow_symlinks=False):  # a regular file: most entries
                        # is_image_name, without its splitext (a name here has no leading dot)
                        ext = name[name.rfind(".") :].lower()
                        if ext in IMAGE_EXTENSIONS and not (
                            rules.files_matter and rules.ignores_name(here_rel, name)
                        ):
                            files.append(name)
                            raw = raw or ext in RAW_EXTENSIONS
                            if stats is not None:
                                stats[name] = _stat_entry(entry)
                        continue
                    is_dir = entry.is_dir(follow_symlinks=False)
                    if (is_dir or rules.files_matter) and rules.ignores_name(
                        here_rel, name, is_dir=is_dir
                    ):
                        continue
                    path = child(here, name)
                    if entry.is_symlink():
                        if is_image_name(name):
                            notes.append((name, path, t("unreadable.symlink")))
                        continue
                    if is_dir:
                        subfolders.append((name, path))
                        if is_image_name(name):
                            notes.append((name, path, t("unreadable.folder_named_like_image")))
                        continue
                    if is_image_name(name):
                        notes.append((name, path, t("unreadable.special")))
                except OSError as exc:
                    why = t("unreadable.cannot_read", why=exc.strerror or exc)
                    notes.append((name, child(here, name), why))
        finally:
            if fd >= 0:  # the entries' stats are taken: the folder is let go
                os.close(fd)
        for _, path, why in sorted(notes, key=_first):
            _note(skipped, path, why)
        files.sort()
        riders = companion_names(files) if pairs and raw else frozenset()
        names = [name for name in files if name not in riders]
        walked = None
        if stats is not None:
            walked = WalkStats()
            for name in names:
                walked.add(stats[name])
        yield here, prefix_of(here), names, walked
        if recursive:
            stack.extend(path for _, path in sorted(subfolders, key=_first, reverse=True))


_first = operator.itemgetter(0)


def _entries(folder: Path, by_descriptor: bool) -> tuple[list[os.DirEntry[Any]], int]:
    """The entries of `folder`, and the descriptor they were listed through (−1: none). With
    `by_descriptor`, listed through an open descriptor where the system allows, so that each
    entry's `stat` resolves only its own name; the caller closes it once done with them."""
    if not by_descriptor or os.scandir not in os.supports_fd:
        with os.scandir(folder) as listing:
            return list(listing), -1
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with os.scandir(fd) as listing:
            return list(listing), fd
    except BaseException:
        os.close(fd)
        raise


def _stat_entry(entry: os.DirEntry[Any]) -> os.stat_result | None:
    """A listed file's stat (not following a link), None when it is gone meanwhile."""
    try:
        return entry.stat(follow_symlinks=False)
    except OSError:
        return None


def _utf8(name: str) -> bool:
    """False for names stored in another encoding (say Shift_JIS from an old camera or disk),
    which Python can only carry as undecodable bytes: they cannot go into a journal, a cache
    or a report as text, so such files are reported instead of half-handled."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _not_text(raw: bytes) -> str:
    """Why a name cannot be used: stored in another encoding, or UTF-8 that this process's
    locale (`LC_ALL=C` with `PYTHONUTF8=0`) cannot read as text."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return t("unreadable.bad_name")
    return t("safety.name_locale")


def _note(skipped: list[Skipped] | None, path: Path, reason: str) -> None:
    if skipped is not None:
        skipped.append(Skipped(path, reason))


def content_hash(data: bytes) -> str:
    """Hex digest identifying a file's bytes (SHA-256 cut to 128 bits: collision-safe, and
    hardware-accelerated on current CPUs — 2.4x faster than BLAKE2b; docs/performance.md)."""
    return hashlib.sha256(data).hexdigest()[:32]


def read_file(path: Path) -> bytes:
    """Read a whole file once, so one read serves both hashing and decoding.

    Never through a symbolic link, never from a pipe or device (which could block or never
    end), never more than `MAX_FILE_BYTES`.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    flags |= getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise UnreadableImage.because("unreadable.folder") from None
    except FileNotFoundError:
        raise UnreadableImage.because("unreadable.gone") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnreadableImage.because("unreadable.symlink") from None
        raise UnreadableImage.because("unreadable.cannot_read", why=exc.strerror or exc) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise UnreadableImage.because("unreadable.folder")
        if not stat.S_ISREG(st.st_mode):
            raise UnreadableImage.because("unreadable.special")
        if st.st_size > MAX_FILE_BYTES:
            raise UnreadableImage.because(
                "unreadable.file_too_large",
                gib=st.st_size / 2**30,
                limit=MAX_FILE_BYTES // 2**30,
            )
        # Ask for the size fstat gave (+1 to see growth), not the 1 GiB limit, which would
        # reserve a gigabyte per file read; straight from the descriptor, no buffered file
        # object around it (a third of the time of reading a small file).
        data = _read_up_to(fd, st.st_size + 1)
        if len(data) > st.st_size:  # it grew while we read: take the rest, up to the limit
            data += _read_up_to(fd, MAX_FILE_BYTES + 1 - len(data))
        return data
    except OSError as exc:
        raise UnreadableImage.because("unreadable.cannot_read", why=exc.strerror or exc) from None
    finally:
        os.close(fd)


def _read_up_to(fd: int, size: int) -> bytes:
    """Up to `size` bytes from `fd`, fewer only at the end of the file (a read may return less
    than asked: a signal, or more than the system reads at once)."""
    parts: list[bytes] = []
    got = 0
    while got < size:
        chunk = os.read(fd, min(size - got, READ_AT_ONCE))
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)


READ_AT_ONCE = 1 << 30  # bytes asked of one read (Linux returns at most about 2 GiB)


def decode(data: bytes, *, min_side: int | None = None, name: str | None = None) -> Image.Image:
    """Decode image bytes into an upright RGB image.

    `min_side` lets JPEG decode at a reduced DCT scale (draft mode) that still keeps the short
    side ≥ `min_side`: a 12 MP photo decodes 4–8x faster when only 224 px are needed.
    Animated images give their first frame. Camera RAW is recognised by its bytes (or by
    `name`, the file's name, when the caller knows it) and read through LibRaw (`_decode_raw`);
    whatever LibRaw does not know goes to Pillow. Raises `UnreadableImage` with the reason.
    """
    configure()
    if not data:
        raise UnreadableImage.because("unreadable.empty")
    raw = (name is not None and is_raw_name(name)) or looks_raw(data)
    if raw:
        try:
            return decode_raw(data, min_side)
        except NotRaw:
            pass  # a JPEG or TIFF under a RAW name, or a TIFF from a camera: Pillow may know it
    try:
        return decode_pillow(data, min_side)
    except NotAnImage:
        if raw:
            raise UnreadableImage.because("formats.raw_unknown") from None
        if not heif_ready() and name is not None and extension(name) in HEIF_EXTENSIONS:
            raise UnreadableImage.because("formats.heif_missing") from None
    try:  # a RAW format without a signature we test for (CRW, X3F, MRW…): LibRaw may know it
        return decode_raw(data, min_side)
    except (NotRaw, UnreadableImage):
        raise NotAnImage.because("unreadable.not_image") from None


def load_image(path: Path, *, min_side: int | None = None) -> Image.Image:
    """Read and decode one file (see `decode`)."""
    return decode(read_file(path), min_side=min_side, name=path.name)
