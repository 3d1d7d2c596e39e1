"""Which formats this machine can really read: each decoder tried on a tiny sample made here.

check-env reports these instead of guessing from what is installed: a plugin can be present and
still fail (a missing codec in a wheel, a LibRaw built without a format). Every sample is made in
memory — by Pillow, pillow-heif, or, for camera RAW, a minimal DNG written below — and decoded
through the same `decode` that embedding uses.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from konomi.encode.images import decode, heif_ready
from konomi.errors import UnreadableImage
from konomi.i18n import t

SAMPLE_SIZE = (32, 24)
SAMPLE_COLOUR = (200, 40, 20)


@dataclass(frozen=True)
class FormatProbe:
    """One format: whether a sample decoded, through what, or why not."""

    name: str
    ok: bool
    detail: str  # the decoder when ok, the reason when not
    decoder: str  # "pillow", "pillow-heif" or "rawpy": which fix applies


def _pillow_sample(fmt: str) -> Callable[[], bytes]:
    def make() -> bytes:
        buf = io.BytesIO()
        Image.new("RGB", SAMPLE_SIZE, SAMPLE_COLOUR).save(buf, fmt)
        return buf.getvalue()

    return make


def _versions(*dists: str) -> str:
    import importlib.metadata

    out = []
    for dist in dists:
        try:
            out.append(f"{dist} {importlib.metadata.version(dist)}")
        except importlib.metadata.PackageNotFoundError:
            out.append(f"{dist} missing")
    return ", ".join(out)


def _avif_decoder() -> str:
    """Pillow reads AVIF itself since 11.2 (pillow-heif dropped it in 1.0)."""
    from PIL import features

    try:
        return "pillow" if features.check_module("avif") else "pillow-heif"
    except ValueError:  # a Pillow that does not know the feature
        return "pillow-heif"


def probe_formats() -> list[FormatProbe]:
    """JPEG, PNG, WebP, HEIC, AVIF and camera RAW, each made and decoded once (milliseconds)."""
    cases: list[tuple[str, str, Callable[[], bytes], str | None, tuple[int, int]]] = [
        ("JPEG", "pillow", _pillow_sample("JPEG"), None, SAMPLE_SIZE),
        ("PNG", "pillow", _pillow_sample("PNG"), None, SAMPLE_SIZE),
        ("WebP", "pillow", _pillow_sample("WEBP"), None, SAMPLE_SIZE),
        ("HEIC/HEIF", "pillow-heif", _pillow_sample("HEIF"), None, SAMPLE_SIZE),
        ("AVIF", _avif_decoder(), _pillow_sample("AVIF"), None, SAMPLE_SIZE),
        ("camera RAW (DNG)", "rawpy", tiny_dng, "probe.dng", (RAW_SIDE // 2, RAW_SIDE // 2)),
    ]
    out = []
    for name, decoder, make, file_name, size in cases:
        how = {
            "pillow": _versions("pillow"),
            "pillow-heif": _versions("pillow-heif") if heif_ready() else "pillow-heif missing",
            "rawpy": _versions("rawpy"),
        }[decoder]
        try:
            data = make()
        except Exception as exc:  # noqa: BLE001 - no encoder for the sample: cannot be read
            out.append(FormatProbe(name, False, t("formats.no_sample", why=exc), decoder))
            continue
        try:
            image = decode(data, name=file_name)
        except UnreadableImage as exc:
            out.append(FormatProbe(name, False, exc.message, decoder))
            continue
        except Exception as exc:  # noqa: BLE001 - a broken decoder install
            out.append(FormatProbe(name, False, str(exc) or type(exc).__name__, decoder))
            continue
        if image.size != size:
            why = t(
                "formats.wrong_size",
                got=f"{image.size[0]}x{image.size[1]}",
                size=f"{size[0]}x{size[1]}",
            )
            out.append(FormatProbe(name, False, why, decoder))
            continue
        out.append(FormatProbe(name, True, how, decoder))
    return out


RAW_SIDE = 32  # LibRaw refuses sensor images under 22 px a side


def tiny_dng(side: int = RAW_SIDE) -> bytes:
    """An uncompressed 16-bit RGGB DNG of side x side pixels, without a preview (so LibRaw's
    full decode is what is tested): TIFF 6.0 with the DNG 1.4 tags LibRaw requires."""
    cfa = np.full((side, side), 2000, "<u2")
    cfa[0::2, 0::2] = 3000  # a reddish scene
    pixels = cfa.tobytes()
    entries: list[tuple[int, int, int, bytes]] = []  # tag, type, count, value bytes

    def add(tag: int, kind: int, values: list[int] | bytes) -> None:
        if isinstance(values, bytes):  # ASCII
            entries.append((tag, kind, len(values) + 1, values + b"\0"))
            return
        code = {1: "B", 3: "H", 4: "I", 10: "i"}[kind]
        count = len(values) // 2 if kind == 10 else len(values)
        entries.append((tag, kind, count, struct.pack("<" + code * len(values), *values)))

    add(254, 4, [0])  # NewSubfileType: the main image
    add(256, 4, [side])  # ImageWidth
    add(257, 4, [side])  # ImageLength
    add(258, 3, [16])  # BitsPerSample
    add(259, 3, [1])  # Compression: none
    add(262, 3, [32803])  # PhotometricInterpretation: CFA
    add(271, 2, b"konomi")  # Make
    add(272, 2, b"check-env")  # Model
    add(273, 4, [0])  # StripOffsets: filled in below
    add(277, 3, [1])  # SamplesPerPixel
    add(278, 4, [side])  # RowsPerStrip
    add(279, 4, [len(pixels)])  # StripByteCounts
    add(33421, 3, [2, 2])  # CFARepeatPatternDim
    add(33422, 1, [0, 1, 1, 2])  # CFAPattern: RGGB
    add(50706, 1, [1, 4, 0, 0])  # DNGVersion
    add(50708, 2, b"konomi check-env")  # UniqueCameraModel
    add(50717, 4, [65535])  # WhiteLevel
    add(50721, 10, [1, 1, 0, 1, 0, 1, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 1])  # ColorMatrix1
    add(50778, 3, [21])  # CalibrationIlluminant1: D65
    entries.sort()
    ifd_at = 8
    extra_at = ifd_at + 2 + 12 * len(entries) + 4
    body, extra = bytearray(), bytearray()
    strip_entry = 0
    for i, (tag, kind, count, value) in enumerate(entries):
        if tag == 273:
            strip_entry = i
        if len(value) <= 4:
            body += struct.pack("<HHI", tag, kind, count) + value.ljust(4, b"\0")
        else:
            extra += b"\0" * (len(extra) % 2)  # values start on a word boundary
            body += struct.pack("<HHII", tag, kind, count, extra_at + len(extra))
            extra += value
    extra += b"\0" * (len(extra) % 2)
    out = bytearray(b"II*\0" + struct.pack("<I", ifd_at))
    out += struct.pack("<H", len(entries)) + body + b"\0\0\0\0" + extra
    struct.pack_into("<I", out, ifd_at + 2 + 12 * strip_entry + 8, len(out))
    return bytes(out + pixels)
