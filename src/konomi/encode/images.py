"""Finding image files and decoding them safely.

Decoding is where hostile input meets us: empty, truncated or fake files, decompression bombs,
odd modes (palette, CMYK, 16-bit, alpha). Every failure becomes an `UnreadableImage` with a
reason a person understands; nothing here ever moves or changes a file.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import importlib.metadata
import io
import os
import stat
import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from konomi.encode.formats import (
    HEIF_EXTENSIONS,
    IMAGE_EXTENSIONS,
    RAW_EXTENSIONS,
    extension,
    is_image_name,
    is_raw_name,
)
from konomi.encode.ignore import IgnoreRules, builtin_rules
from konomi.encode.pairs import companion_names
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
    "read_file",
]

# Pillow refuses images above twice this many pixels; between 1x and 2x it warns, which we make
# an error too. 100 MP covers every camera people own and stops bombs long before memory runs out.
MAX_PIXELS = 100_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False
# Odd files make Pillow warn (broken EXIF, bombs below the hard limit, which `decode` refuses
# itself): the person hears about each file once, from konomi, not as Python warnings. Filters
# are set here once, because `warnings.catch_warnings` is not thread-safe and decoding is
# threaded.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")

# A longer side more than this many times the shorter one is a strip, not a picture: scaling its
# short side to the model's input would blow the long side up to gigapixels (a 60000x1 PNG
# takes minutes and 12 GB). Panoramas (~10:1) and long comic strips (~30:1) stay well inside.
MAX_ASPECT = 100
# No photo is bigger than this; reading a larger file whole would only exhaust memory.
MAX_FILE_BYTES = 1 << 30

NEUTRAL_BACKGROUND = (128, 128, 128)


def _register_heif() -> bool:
    """Let Pillow open HEIC/HEIF/AVIF through pillow-heif (a dependency): once, at import."""
    try:
        import pillow_heif
    except ImportError:  # a broken install: check-env says so, and each file says why
        return False
    pillow_heif.register_heif_opener()
    if hasattr(pillow_heif, "register_avif_opener"):  # AVIF moved to Pillow itself in 1.0
        pillow_heif.register_avif_opener()
    return True


HEIF_READY = _register_heif()


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
    cannot be read. `folder` itself may be a link the person made on purpose.
    """
    if not folder.is_dir():
        return
    rules = ignore if ignore is not None else builtin_rules(folder)
    stack = [folder]
    while stack:
        here = stack.pop()
        try:
            with os.scandir(here) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            _note(skipped, here, f"cannot read the folder ({exc.strerror or exc})")
            continue
        subfolders: list[Path] = []
        files: list[Path] = []
        here_rel = rules.relative(here)
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            path = Path(entry.path)
            if not _utf8(name):
                if entry.is_dir(follow_symlinks=False) or is_image_name(name):
                    shown = Path(os.fsencode(path).decode("utf-8", "replace"))  # printable
                    _note(skipped, shown, "the name is not valid UTF-8 (rename it to use it)")
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                if rules.ignores_name(here_rel, name, is_dir=is_dir):
                    continue
                if entry.is_symlink():
                    if is_image_name(name):
                        _note(skipped, path, "symbolic link (not followed)")
                    continue
                if is_dir:
                    subfolders.append(path)
                    if is_image_name(name):
                        _note(skipped, path, "a folder with an image name")
                    continue
                if not is_image_name(name):
                    continue
                if not entry.is_file(follow_symlinks=False):
                    _note(skipped, path, "not a regular file (a pipe, socket or device)")
                    continue
            except OSError as exc:
                _note(skipped, path, f"cannot read it ({exc.strerror or exc})")
                continue
            files.append(path)
        riders = companion_names(p.name for p in files) if pairs else frozenset()
        for path in files:
            if path.name not in riders:
                yield path
        stack.extend(reversed(subfolders))


def _utf8(name: str) -> bool:
    """False for names stored in another encoding (say Shift_JIS from an old camera or disk),
    which Python can only carry as undecodable bytes: they cannot go into a journal, a cache
    or a report as text, so such files are reported instead of half-handled."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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
        raise UnreadableImage("a folder, not a file") from None
    except FileNotFoundError:
        raise UnreadableImage("the file disappeared") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnreadableImage("symbolic link (not followed)") from None
        raise UnreadableImage(f"cannot read the file ({exc.strerror or exc})") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise UnreadableImage("a folder, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise UnreadableImage("not a regular file (a pipe, socket or device)")
        if st.st_size > MAX_FILE_BYTES:
            raise UnreadableImage(
                f"too large for an image ({st.st_size / 2**30:.1f} GiB; "
                f"limit {MAX_FILE_BYTES // 2**30} GiB)"
            )
        with os.fdopen(fd, "rb", closefd=False) as f:
            # read(n) reserves n bytes first: ask for the size fstat gave (+1 to see growth),
            # not the 1 GiB limit, which would reserve a gigabyte per file read.
            data = f.read(st.st_size + 1)
            if len(data) > st.st_size:  # it grew while we read: take the rest, up to the limit
                data += f.read(MAX_FILE_BYTES + 1 - len(data))
            return data
    except OSError as exc:
        raise UnreadableImage(f"cannot read the file ({exc.strerror or exc})") from None
    finally:
        os.close(fd)


def decode(data: bytes, *, min_side: int | None = None, name: str | None = None) -> Image.Image:
    """Decode image bytes into an upright RGB image.

    `min_side` lets JPEG decode at a reduced DCT scale (draft mode) that still keeps the short
    side ≥ `min_side`: a 12 MP photo decodes 4–8x faster when only 224 px are needed.
    Animated images give their first frame. Camera RAW is recognised by its bytes (or by
    `name`, the file's name, when the caller knows it) and read through LibRaw (`_decode_raw`);
    whatever LibRaw does not know goes to Pillow. Raises `UnreadableImage` with the reason.
    """
    if not data:
        raise UnreadableImage("empty file (0 bytes)")
    raw = (name is not None and is_raw_name(name)) or looks_raw(data)
    if raw:
        try:
            return _decode_raw(data, min_side)
        except _NotRaw:
            pass  # a JPEG or TIFF under a RAW name, or a TIFF from a camera: Pillow may know it
    try:
        return _decode_pillow(data, min_side)
    except UnreadableImage as exc:
        if not exc.message.startswith("not an image"):
            raise
        if raw:
            raise UnreadableImage(t("formats.raw_unknown")) from None
        if not HEIF_READY and name is not None and extension(name) in HEIF_EXTENSIONS:
            raise UnreadableImage(t("formats.heif_missing")) from None
    try:  # a RAW format without a signature we test for (CRW, X3F, MRW…): LibRaw may know it
        return _decode_raw(data, min_side)
    except (_NotRaw, UnreadableImage):
        raise UnreadableImage("not an image (or a format Pillow cannot read)") from None


def _open_checked(data: bytes) -> Image.Image:
    """`Image.open` with the size and shape limits applied before any pixel is decoded."""
    image = Image.open(io.BytesIO(data))
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise UnreadableImage(
            f"too large to decode safely ({width}x{height} px; limit {MAX_PIXELS:,} px)"
        )
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise UnreadableImage(
            f"too long and thin to score ({width}x{height} px; "
            f"sides may differ {MAX_ASPECT}-fold at most)"
        )
    return image


def _decode_pillow(data: bytes, min_side: int | None) -> Image.Image:
    try:
        image = _open_checked(data)
        if min_side and image.format == "JPEG":
            _draft(image, min_side)
        image.load()
        return to_rgb(image)
    except UnreadableImage:
        raise
    except Image.DecompressionBombError as exc:
        declared = str(exc).split(", could be")[0]
        raise UnreadableImage(f"decompression bomb refused ({declared})") from None
    except UnidentifiedImageError:
        raise UnreadableImage("not an image (or a format Pillow cannot read)") from None
    except MemoryError:
        raise UnreadableImage("not enough memory to decode it") from None
    except Exception as exc:  # noqa: BLE001 - hostile bytes make decoders raise anything
        text = str(exc) or type(exc).__name__
        if "truncated" in text or "end of file" in text.lower() or isinstance(exc, EOFError):
            raise UnreadableImage(f"truncated or corrupt image ({text})") from None
        raise UnreadableImage(f"corrupt image ({text[:200]})") from None


# -- camera RAW ---------------------------------------------------------------------------------
# A preview whose short side is below this (or below the model's input, when larger) is a mere
# thumbnail (old cameras store 160x120): the sensor data is decoded instead.
PREVIEW_MIN_SIDE = 256
# RAW sensors go past 100 MP (Phase One, Fujifilm GFX); the fallback decodes at half size, so a
# quarter of the pixels are made: the limit is MAX_PIXELS for those.
MAX_RAW_PIXELS = 4 * MAX_PIXELS
# Makers whose TIFF-based RAW files (NEF, ARW, PEF, SRW, 3FR, IIQ, ERF, KDC, DCR, MOS) carry
# no signature of their own: their Make tag tells them from an ordinary TIFF.
_RAW_MAKERS = (
    "NIKON", "SONY", "CANON", "PENTAX", "RICOH", "SAMSUNG", "HASSELBLAD", "PHASE ONE",
    "LEAF", "KODAK", "EASTMAN KODAK", "SEIKO EPSON", "EPSON", "OLYMPUS", "OM DIGITAL",
    "PANASONIC", "FUJIFILM", "LEICA", "MINOLTA", "KONICA MINOLTA", "SIGMA", "MAMIYA",
)  # fmt: skip
# LibRaw's `flip` → the EXIF orientation it came from (LibRaw maps o → "50132467"[o & 7]).
_FLIP_TO_ORIENTATION = {0: 1, 1: 2, 3: 3, 2: 4, 4: 5, 6: 6, 7: 7, 5: 8}
_ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


class _NotRaw(Exception):
    """LibRaw does not recognise the bytes as a RAW file."""


def looks_raw(data: bytes) -> bool:
    """True when the bytes begin like a camera RAW file (a cheap look at the header only)."""
    head = data[:16]
    if head.startswith(b"FUJIFILMCCD-RAW"):  # RAF
        return True
    if head[:4] in (b"IIRO", b"IIRS", b"MMOR", b"IIU\x00"):  # ORF, RW2
        return True
    if head[4:8] == b"ftyp" and head[8:12] == b"crx ":  # CR3
        return True
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return head[8:10] == b"CR" or _tiff_says_raw(data)  # CR2, or DNG / a camera's Make
    return False


def _tiff_says_raw(data: bytes) -> bool:
    """Does the first IFD of a TIFF carry a DNGVersion tag, or the Make of a RAW camera?"""
    order = "<" if data[:2] == b"II" else ">"
    try:
        (ifd,) = struct.unpack_from(order + "I", data, 4)
        (count,) = struct.unpack_from(order + "H", data, ifd)
        for i in range(min(count, 512)):
            tag, kind, n, value = struct.unpack_from(order + "HHII", data, ifd + 2 + 12 * i)
            if tag == 50706:  # DNGVersion
                return True
            if tag == 271 and kind == 2:  # Make, ASCII
                at = ifd + 2 + 12 * i + 8 if n <= 4 else value
                make = data[at : at + min(n, 64)].split(b"\0")[0].decode("latin-1").upper()
                return make.strip().startswith(_RAW_MAKERS)
    except struct.error:
        return False
    return False


def _decode_raw(data: bytes, min_side: int | None) -> Image.Image:
    """A camera RAW file, upright RGB: its embedded JPEG preview when usable, else the sensor
    data decoded at half size. Raises `_NotRaw` when LibRaw does not know the format."""
    import rawpy

    try:
        raw = rawpy.imread(io.BytesIO(data))
    except rawpy.LibRawFileUnsupportedError:
        raise _NotRaw from None
    except (rawpy.LibRawError, MemoryError) as exc:
        raise UnreadableImage(t("formats.raw_corrupt", why=_libraw_why(exc))) from None
    with raw:
        sizes = raw.sizes
        if sizes.raw_width * sizes.raw_height > MAX_RAW_PIXELS:
            raise UnreadableImage(
                f"too large to decode safely ({sizes.raw_width}x{sizes.raw_height} px; "
                f"limit {MAX_RAW_PIXELS:,} px)"
            )
        need = min(min_side or PREVIEW_MIN_SIDE, max(1, min(sizes.width, sizes.height)))
        image = _raw_preview(raw, need, min_side)
        if image is not None:
            return image
        try:
            rgb = raw.postprocess(half_size=True, use_camera_wb=True, output_bps=8)
        except (rawpy.LibRawError, MemoryError, ValueError) as exc:
            raise UnreadableImage(t("formats.raw_corrupt", why=_libraw_why(exc))) from None
    return Image.fromarray(rgb, "RGB")  # LibRaw has applied the orientation itself


def _raw_preview(raw: object, need: int, min_side: int | None) -> Image.Image | None:
    """The embedded preview, upright, if there is one at least `need` px on its short side."""
    import rawpy

    try:
        thumb = raw.extract_thumb()  # type: ignore[attr-defined]
    except (rawpy.LibRawError, MemoryError):
        return None  # none, or one LibRaw cannot unpack: the sensor data is still there
    flip = raw.sizes.flip  # type: ignore[attr-defined]
    try:
        if thumb.format == rawpy.ThumbFormat.JPEG:
            image = _open_checked(thumb.data)
            if image.format != "JPEG" or min(image.size) < need:
                return None
            oriented = image.getexif().get(0x0112, 1) not in (0, 1)
            if min_side:
                _draft(image, min_side)
            image.load()
            image = to_rgb(image)  # honours the preview's own EXIF orientation
        elif thumb.format == rawpy.ThumbFormat.BITMAP:
            image = Image.fromarray(thumb.data).convert("RGB")
            if min(image.size) < need:
                return None
            oriented = False
        else:
            return None
    except Exception:  # noqa: BLE001 - a damaged preview: decode the sensor data instead
        return None
    if not oriented:  # cameras leave the preview as shot: the RAW's orientation applies
        method = _ORIENTATION_TRANSPOSE.get(_FLIP_TO_ORIENTATION.get(flip, 1))
        if method is not None:
            image = image.transpose(method)
    return image


def _libraw_why(exc: BaseException) -> str:
    text = exc.args[0] if exc.args else type(exc).__name__
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return str(text)[:200] or type(exc).__name__


def _draft(image: Image.Image, min_side: int) -> None:
    """Ask libjpeg for the smallest DCT scale whose short side is still ≥ min_side.

    Pillow's `draft` keeps both sides ≥ the requested box, so ask for a box of min_side on the
    short side, scaled on the long side, to keep the aspect ratio honest.
    """
    w, h = image.size
    short = min(w, h)
    if short <= min_side:
        return
    box = (max(1, w * min_side // short), max(1, h * min_side // short))
    mode = "RGB" if image.mode in ("RGB", "YCbCr") else None
    image.draft(mode, box)


def to_rgb(image: Image.Image) -> Image.Image:
    """Upright RGB: EXIF orientation applied, alpha composited on grey, odd modes converted."""
    # Broken EXIF must not lose an otherwise fine image: keep it as stored.
    with contextlib.suppress(Exception):
        image = ImageOps.exif_transpose(image)
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        import numpy as np

        arr = np.asarray(image, dtype=np.float64)
        top = 65535.0 if arr.max() > 255 else 255.0
        grey = np.clip(arr / top * 255.0 + 0.5, 0, 255).astype("uint8")
        return Image.fromarray(grey, "L").convert("RGB")
    if mode == "F":
        return image.convert("L").convert("RGB")
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (*NEUTRAL_BACKGROUND, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def load_image(path: Path, *, min_side: int | None = None) -> Image.Image:
    """Read and decode one file (see `decode`)."""
    return decode(read_file(path), min_side=min_side, name=path.name)
