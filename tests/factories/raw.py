"""Real camera-RAW files for tests: DNGs written with `pidng`, with or without a JPEG preview.

`pidng` writes a DNG of one IFD (the CFA sensor data). Cameras also store a JPEG preview; the
DNG/TIFF way is a further IFD whose JPEGInterchangeFormat tags point at the JPEG bytes, which is
what LibRaw's `extract_thumb` reads. exiftool cannot add such an IFD to an existing file, so
`add_preview` appends the JPEG and a second IFD itself (TIFF 6.0, section 2: IFD layout).
Every file is a genuine DNG that LibRaw (`rawpy`) decodes, nothing is mocked.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
from PIL import Image

# TIFF tag numbers and types used for the preview IFD.
_NEW_SUBFILE_TYPE, _WIDTH, _LENGTH, _COMPRESSION = 254, 256, 257, 259
_ORIENTATION, _JPEG_OFFSET, _JPEG_LENGTH = 274, 513, 514
_SHORT, _LONG = 3, 4


def cfa_from_rgb(rgb: np.ndarray, white: int = 4095) -> np.ndarray:
    """An RGGB Bayer mosaic (uint16, 12-bit) sampling an RGB picture of even size."""
    h, w, _ = rgb.shape
    scaled = rgb.astype(np.float64) / 255.0 * white
    cfa = np.zeros((h, w), np.uint16)
    cfa[0::2, 0::2] = scaled[0::2, 0::2, 0]  # R
    cfa[0::2, 1::2] = scaled[0::2, 1::2, 1]  # G
    cfa[1::2, 0::2] = scaled[1::2, 0::2, 1]  # G
    cfa[1::2, 1::2] = scaled[1::2, 1::2, 2]  # B
    return cfa


def write_dng(path: Path, rgb: np.ndarray, *, orientation: int = 1) -> Path:
    """A DNG holding `rgb` (h, w, 3 uint8; even sides) as 12-bit RGGB sensor data."""
    from pidng.core import RAW2DNG, DNGTags, Tag
    from pidng.defs import (
        CalibrationIlluminant,
        CFAPattern,
        DNGVersion,
        PhotometricInterpretation,
        PreviewColorSpace,
    )

    h, w, _ = rgb.shape
    tags = DNGTags()
    tags.set(Tag.ImageWidth, w)
    tags.set(Tag.ImageLength, h)
    tags.set(Tag.TileWidth, w)
    tags.set(Tag.TileLength, h)
    tags.set(Tag.Orientation, orientation)
    tags.set(Tag.PhotometricInterpretation, PhotometricInterpretation.Color_Filter_Array)
    tags.set(Tag.SamplesPerPixel, 1)
    tags.set(Tag.BitsPerSample, 12)
    tags.set(Tag.CFARepeatPatternDim, [2, 2])
    tags.set(Tag.CFAPattern, CFAPattern.RGGB)
    tags.set(Tag.BlackLevel, 0)
    tags.set(Tag.WhiteLevel, 4095)
    identity = [[1, 1], [0, 1], [0, 1], [0, 1], [1, 1], [0, 1], [0, 1], [0, 1], [1, 1]]
    tags.set(Tag.ColorMatrix1, identity)
    tags.set(Tag.CalibrationIlluminant1, CalibrationIlluminant.D65)
    tags.set(Tag.AsShotNeutral, [[1, 1], [1, 1], [1, 1]])
    tags.set(Tag.BaselineExposure, [[0, 100]])
    tags.set(Tag.Make, "konomi")
    tags.set(Tag.Model, "test camera")
    tags.set(Tag.DNGVersion, DNGVersion.V1_4)
    tags.set(Tag.PreviewColorSpace, PreviewColorSpace.sRGB)
    writer = RAW2DNG()
    writer.options(tags, path="", compress=False)
    stem = path.with_suffix("")
    writer.convert(cfa_from_rgb(rgb), filename=str(stem))
    made = stem.with_suffix(".dng")
    if made != path:
        made.rename(path)
    return path


def add_preview(
    path: Path, preview: Image.Image | bytes, *, exif_orientation: int | None = None
) -> Path:
    """Append `preview` (a picture, or a JPEG file's bytes as they are) as a JPEG preview IFD,
    chained after the DNG's IFD0 (in place).

    `exif_orientation` puts an EXIF Orientation tag inside the JPEG itself.
    """
    if isinstance(preview, bytes):
        jpeg = preview
        preview = Image.open(io.BytesIO(jpeg))
    else:
        buf = io.BytesIO()
        kwargs = {}
        if exif_orientation is not None:
            exif = Image.Exif()
            exif[_ORIENTATION] = exif_orientation
            kwargs["exif"] = exif.tobytes()
        preview.convert("RGB").save(buf, "JPEG", quality=90, **kwargs)
        jpeg = buf.getvalue()
    data = bytearray(path.read_bytes())
    if data[:4] != b"II*\x00":
        raise ValueError("expected a little-endian TIFF/DNG")
    (ifd0,) = struct.unpack_from("<I", data, 4)
    (count,) = struct.unpack_from("<H", data, ifd0)
    next_at = ifd0 + 2 + 12 * count
    if struct.unpack_from("<I", data, next_at)[0] != 0:
        raise ValueError("IFD0 already has a successor")
    while len(data) % 2:
        data.append(0)
    jpeg_at = len(data)
    data += jpeg
    while len(data) % 2:
        data.append(0)
    ifd1 = len(data)
    entries = [
        (_NEW_SUBFILE_TYPE, _LONG, 1, 1),  # a reduced-resolution image
        (_WIDTH, _LONG, 1, preview.width),
        (_LENGTH, _LONG, 1, preview.height),
        (_COMPRESSION, _SHORT, 1, 6),  # old-style JPEG
        (_JPEG_OFFSET, _LONG, 1, jpeg_at),
        (_JPEG_LENGTH, _LONG, 1, len(jpeg)),
    ]
    data += struct.pack("<H", len(entries))
    for tag, kind, n, value in entries:
        packed = struct.pack("<HH", value, 0) if kind == _SHORT else struct.pack("<I", value)
        data += struct.pack("<HHI", tag, kind, n) + packed
    data += struct.pack("<I", 0)
    struct.pack_into("<I", data, next_at, ifd1)
    path.write_bytes(bytes(data))
    return path


def make_dng(
    path: Path,
    colour: tuple[int, int, int],
    *,
    size: tuple[int, int] = (96, 64),
    preview: bool = True,
    orientation: int = 1,
) -> Path:
    """A DNG of one colour with a gradient, with (by default) a same-looking JPEG preview."""
    w, h = size
    ramp = np.linspace(0.6, 1.0, w)[None, :, None]
    rgb = np.clip(np.array(colour, np.float64)[None, None, :] * ramp, 0, 255)
    rgb = np.broadcast_to(rgb, (h, w, 3)).astype(np.uint8)
    write_dng(path, np.ascontiguousarray(rgb), orientation=orientation)
    if preview:
        add_preview(path, Image.fromarray(rgb, "RGB"))
    return path
