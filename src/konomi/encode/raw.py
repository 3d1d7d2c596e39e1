"""Camera RAW through LibRaw (rawpy): the JPEG preview the camera embedded, else the sensor data.

Culling tools read RAW files through their embedded preview, which is why they feel instant:
the camera already rendered the picture as a JPEG (usually full size, at least 1–2 MP), and
decoding it in draft mode costs what any JPEG costs. A file without a usable preview — none, or
a 160x120 thumbnail of an old camera — is demosaiced by LibRaw at half size instead. The RAW's
orientation is applied to a preview that has none of its own (cameras store previews as shot).
"""

from __future__ import annotations

import io
import struct

from PIL import Image

from konomi.encode.pixels import MAX_PIXELS, draft, open_checked, to_rgb
from konomi.errors import UnreadableImage

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


class NotRaw(Exception):
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


def decode_raw(data: bytes, min_side: int | None) -> Image.Image:
    """A camera RAW file, upright RGB: its embedded JPEG preview when usable, else the sensor
    data decoded at half size. Raises `NotRaw` when LibRaw does not know the format."""
    import rawpy

    try:
        raw = rawpy.imread(io.BytesIO(data))
    except rawpy.LibRawFileUnsupportedError:
        raise NotRaw from None
    except (rawpy.LibRawError, MemoryError) as exc:
        raise UnreadableImage.because("formats.raw_corrupt", why=_libraw_why(exc)) from None
    with raw:
        sizes = raw.sizes
        if sizes.raw_width * sizes.raw_height > MAX_RAW_PIXELS:
            raise UnreadableImage.because(
                "unreadable.too_many_pixels",
                width=sizes.raw_width,
                height=sizes.raw_height,
                limit=MAX_RAW_PIXELS,
            )
        need = min(min_side or PREVIEW_MIN_SIDE, max(1, min(sizes.width, sizes.height)))
        image = _raw_preview(raw, need, min_side)
        if image is not None:
            return image
        try:
            rgb = raw.postprocess(half_size=True, use_camera_wb=True, output_bps=8)
        except (rawpy.LibRawError, MemoryError, ValueError) as exc:
            raise UnreadableImage.because("formats.raw_corrupt", why=_libraw_why(exc)) from None
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
            image = open_checked(thumb.data)
            if image.format != "JPEG" or min(image.size) < need:
                return None
            oriented = image.getexif().get(0x0112, 1) not in (0, 1)
            if min_side:
                draft(image, min_side)
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
