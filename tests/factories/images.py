"""Pillow-generated photo folders: taste sets, every format users have, and hostile files.

Everything is generated on the fly from a seed, so tests never ship binary fixtures and never
depend on a network. The images are small but "natural-ish" (a colour field with lighting,
noise and a few shapes) so that they exercise real decoding and resizing, not solid blocks.

The taste sets encode a simple, learnable preference: the person likes warm images
(reds/oranges) and dislikes cool ones (blues/greens). Paired with the tiny encoder in
``factories.models`` (which puts colour straight into the embedding), a working learner must
be able to pick that preference up from a few labels.
"""

from __future__ import annotations

import colorsys
import hashlib
import os
import stat
import struct
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

RGB = tuple[int, int, int]

#: Hue ranges (fractions of the colour wheel) for each taste. Warm wraps around red.
WARM_HUES = (-0.03, 0.11)  # ~350 deg .. 40 deg: reds, oranges
COOL_HUES = (0.28, 0.66)  # ~100 deg .. 238 deg: greens, cyans, blues
PURPLE_HUES = (0.76, 0.86)  # neither: used for ambiguous images

#: Keys of :func:`make_hostile_zoo` that DO decode; every other key must be reported unreadable.
HOSTILE_READABLE = frozenset({"readable_broken_exif"})

#: Upright size (w, h) of the EXIF-orientation images in :func:`make_format_zoo`.
ORIENTATION_SIZE = (60, 40)

# Transpose that turns the upright picture into what a camera stores for each EXIF
# orientation, i.e. the inverse of what ``ImageOps.exif_transpose`` applies.
_STORE_FOR_ORIENTATION: dict[int, Image.Transpose | None] = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}
_EXIF_ORIENTATION_TAG = 0x0112


# --------------------------------------------------------------------------- rendering


def _clip_rgb(values: Iterable[float]) -> RGB:
    r, g, b = (int(round(min(255.0, max(0.0, v)))) for v in values)
    return (r, g, b)


def _hsv(h: float, s: float, v: float) -> RGB:
    return _clip_rgb(255.0 * c for c in colorsys.hsv_to_rgb(h % 1.0, s, v))


def _render(
    rng: np.random.Generator,
    color: RGB,
    size: tuple[int, int],
    *,
    noise: float = 12.0,
    shapes: int = 3,
) -> Image.Image:
    """A colour field with a lighting gradient, sensor-like noise and a few shapes.

    Shapes are lighter/darker variants of ``color`` plus at most one small neutral one, so
    the dominant colour stays ``color`` while the image still has spatial structure.
    """
    w, h = size
    base = np.asarray(color, np.float32)
    # Soft lighting: brighter on one side, like a photo, so pixels are not all equal.
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = (np.cos(angle) * xx / max(w, 1) + np.sin(angle) * yy / max(h, 1)) - 0.5
    light = 1.0 + 0.25 * ramp[..., None]
    pixels = base * light + rng.normal(0.0, noise, (h, w, 3))
    img = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")

    draw = ImageDraw.Draw(img)
    for i in range(shapes):
        x0, y0 = rng.uniform(-0.2, 0.8) * w, rng.uniform(-0.2, 0.8) * h
        x1, y1 = x0 + rng.uniform(0.15, 0.5) * w, y0 + rng.uniform(0.15, 0.5) * h
        if i == shapes - 1 and shapes > 1 and rng.random() < 0.5:
            grey = int(rng.integers(30, 230))
            fill: RGB = (grey, grey, grey)
            x1, y1 = x0 + (x1 - x0) / 3, y0 + (y1 - y0) / 3  # keep the neutral one small
        else:
            fill = _clip_rgb(base * rng.uniform(0.6, 1.3))
        box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
        if rng.random() < 0.5:
            draw.ellipse(box, fill=fill)
        else:
            draw.rectangle(box, fill=fill)
    return img


def _save(img: Image.Image, path: Path, fmt: str | None = None, **save_kw: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, format=fmt, **save_kw)
    return path


def make_image(
    path: Path,
    *,
    color: RGB = (200, 60, 40),
    size: tuple[int, int] = (64, 48),
    fmt: str | None = None,
    seed: int = 0,
    noise: float = 12.0,
    shapes: int = 3,
    mode: str = "RGB",
    **save_kw: Any,
) -> Path:
    """Write one natural-ish image to ``path`` (parents created) and return ``path``.

    The format comes from the suffix (case-insensitive, as Pillow does) unless ``fmt`` is
    given, e.g. ``fmt="JPEG"`` for a JPEG saved under a misleading name. ``mode`` converts
    before saving ("L", "CMYK", "RGBA", ...); remaining keywords go to ``Image.save``
    (``quality=``, ``exif=``, ...). Same arguments, same bytes.
    """
    img = _render(np.random.default_rng(seed), color, size, noise=noise, shapes=shapes)
    if mode != "RGB":
        img = img.convert(mode)
    return _save(img, Path(path), fmt, **save_kw)


# --------------------------------------------------------------------------- taste sets


def _taste_colour(rng: np.random.Generator, kind: str) -> RGB:
    """A random dominant colour for "like" (warm), "dislike" (cool) or "ambiguous"."""
    if kind == "ambiguous":
        if rng.random() < 0.5:  # grey: no hue at all
            return _hsv(0.0, rng.uniform(0.0, 0.06), rng.uniform(0.35, 0.8))
        return _hsv(rng.uniform(*PURPLE_HUES), rng.uniform(0.4, 0.8), rng.uniform(0.45, 0.9))
    hues = WARM_HUES if kind == "like" else COOL_HUES
    return _hsv(rng.uniform(*hues), rng.uniform(0.55, 0.95), rng.uniform(0.5, 0.95))


def _taste_suffix(i: int) -> str:
    """Mostly JPEG, like a phone camera roll, with some PNG and WebP mixed in."""
    if i % 7 == 3:
        return ".png"
    if i % 7 == 5:
        return ".webp"
    return ".jpg"


def _taste_image(rng: np.random.Generator, kind: str, path: Path, size: tuple[int, int]) -> Path:
    img = _render(
        rng,
        _taste_colour(rng, kind),
        size,
        noise=float(rng.uniform(4.0, 16.0)),
        shapes=int(rng.integers(1, 5)),
    )
    save_kw: dict[str, Any] = {"quality": 88} if path.suffix in (".jpg", ".webp") else {}
    return _save(img, path, **save_kw)


def make_taste_set(
    root: Path,
    n_like: int,
    n_dislike: int,
    *,
    seed: int = 0,
    size: tuple[int, int] = (64, 48),
) -> tuple[list[Path], list[Path]]:
    """Write ``root/like/`` (warm images) and ``root/dislike/`` (cool images).

    Each image gets its own hue, saturation, brightness, noise level and shapes, so no two are
    identical and a learner has to generalise from colour, not memorise pixels. Deterministic
    for a given ``seed``. Returns ``(liked_paths, disliked_paths)``.
    """
    root = Path(root)
    rng = np.random.default_rng(seed)
    likes = [
        _taste_image(rng, "like", root / "like" / f"like_{i:04d}{_taste_suffix(i)}", size)
        for i in range(n_like)
    ]
    dislikes = [
        _taste_image(rng, "dislike", root / "dislike" / f"dislike_{i:04d}{_taste_suffix(i)}", size)
        for i in range(n_dislike)
    ]
    return likes, dislikes


def make_unlabeled_set(
    root: Path,
    n_like: int,
    n_dislike: int,
    seed: int = 0,
    *,
    n_ambiguous: int = 0,
    size: tuple[int, int] = (64, 48),
) -> dict[Path, int | None]:
    """Write a flat, shuffled folder of images with neutral names (``img_0007.jpg``).

    Returns ``path -> hidden true label``: 1 for warm (would be liked), 0 for cool, ``None``
    for the ``n_ambiguous`` purple or grey images that have no right answer. Used to check
    sorting/ranking against the truth without the names giving it away.
    """
    root = Path(root)
    rng = np.random.default_rng(seed)
    kinds = ["like"] * n_like + ["dislike"] * n_dislike + ["ambiguous"] * n_ambiguous
    order = rng.permutation(len(kinds))
    truth = {"like": 1, "dislike": 0, "ambiguous": None}
    labels: dict[Path, int | None] = {}
    for i, k in enumerate(order):
        kind = kinds[int(k)]
        path = _taste_image(rng, kind, root / f"img_{i:04d}{_taste_suffix(i)}", size)
        labels[path] = truth[kind]
    return labels


# --------------------------------------------------------------------------- format zoo


def orientation_reference() -> Image.Image:
    """The upright picture every ``jpeg_orientation_N`` shows once EXIF is applied.

    Grey, ``ORIENTATION_SIZE`` wide, with a red block in the top-left corner and a green one in
    the top-right: a single corner marker on a non-square image already tells all eight
    orientations apart, the second guards against a lucky pass.
    """
    w, h = ORIENTATION_SIZE
    img = Image.new("RGB", ORIENTATION_SIZE, (128, 128, 128))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, w // 3, h // 3), fill=(230, 20, 20))
    draw.rectangle((w - w // 4, 0, w - 1, h // 4), fill=(20, 200, 20))
    return img


def _frames(n: int, size: tuple[int, int]) -> list[Image.Image]:
    return [
        _render(np.random.default_rng(100 + i), _hsv(i / n, 0.8, 0.9), size, shapes=2)
        for i in range(n)
    ]


def _utf8_name(stem: str, suffix: str, n_bytes: int) -> str:
    """A file name of at most ``n_bytes`` UTF-8 bytes made by repeating ``stem``."""
    budget = n_bytes - len(suffix.encode())
    out = ""
    for ch in stem * (n_bytes // max(1, len(stem.encode())) + 1):
        if len((out + ch).encode()) > budget:
            break
        out += ch
    return out + suffix


def make_format_zoo(folder: Path) -> dict[str, Path]:
    """Write one readable file per format/mode/naming quirk users have; return id -> path.

    All of these MUST decode with Pillow (``Image.open(p).load()``). Keys:

    * ``jpeg_orientation_1`` .. ``_8``: the same upright picture (:func:`orientation_reference`)
      stored the way a camera would for each EXIF orientation; after
      ``ImageOps.exif_transpose`` all eight look alike and are ``ORIENTATION_SIZE``.
    * ``png_rgba``, ``png_la``, ``png_palette_transparency`` (palette + tRNS chunk, the
      "PA" case; Pillow opens it as mode "P" with ``info["transparency"]``), ``gif_palette``,
      ``gif_animated`` (2 frames), ``webp_animated`` (2 frames), ``webp``, ``jpeg_cmyk``,
      ``png_i16`` (16-bit grey, mode "I;16"), ``jpeg_greyscale`` ("L"), ``bmp``, ``tiff``,
      ``png_1px``, ``jpeg_large`` (4000x3000).
    * Naming: ``upper_case_ext`` (``PHOTO.JPG``), ``name_with_spaces``, ``japanese_nfc``
      (``写真 テスト.jpg``), ``japanese_nfd`` (NFD-decomposed ``ガギグ.png``; differs from its
      NFC form byte-wise), ``long_name`` (250 ASCII bytes) and ``long_name_multibyte``
      (~250 UTF-8 bytes but only ~84 characters).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    zoo: dict[str, Path] = {}

    upright = orientation_reference()
    for n, op in _STORE_FOR_ORIENTATION.items():
        stored = upright if op is None else upright.transpose(op)
        exif = Image.Exif()
        exif[_EXIF_ORIENTATION_TAG] = n
        zoo[f"jpeg_orientation_{n}"] = _save(
            stored, folder / f"orientation_{n}.jpg", quality=95, exif=exif.tobytes()
        )

    base = _render(np.random.default_rng(1), (200, 120, 40), (64, 48))
    alpha = Image.linear_gradient("L").resize(base.size)

    rgba = base.copy()
    rgba.putalpha(alpha)
    zoo["png_rgba"] = _save(rgba, folder / "rgba.png")

    la = base.convert("L")
    la.putalpha(alpha)
    zoo["png_la"] = _save(la, folder / "grey_alpha.png")

    pal = base.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    zoo["png_palette_transparency"] = _save(pal, folder / "palette_alpha.png", transparency=0)
    zoo["gif_palette"] = _save(
        base.convert("P", palette=Image.Palette.ADAPTIVE, colors=32), folder / "palette.gif"
    )

    frames = _frames(2, (64, 48))
    for key, name in (("gif_animated", "animated.gif"), ("webp_animated", "animated.webp")):
        zoo[key] = _save(
            frames[0], folder / name, save_all=True, append_images=frames[1:], duration=200, loop=0
        )

    zoo["webp"] = _save(base, folder / "still.webp", quality=85)
    zoo["jpeg_cmyk"] = _save(base.convert("CMYK"), folder / "cmyk.jpg", quality=90)
    grey16 = (np.linspace(0, 65535, 64 * 48).reshape(48, 64)).astype(np.uint16)
    zoo["png_i16"] = _save(Image.fromarray(grey16), folder / "grey16.png")
    zoo["jpeg_greyscale"] = _save(base.convert("L"), folder / "grey.jpg")
    zoo["bmp"] = _save(base, folder / "bitmap.bmp")
    zoo["tiff"] = _save(base, folder / "scan.tiff")
    zoo["png_1px"] = _save(Image.new("RGB", (1, 1), (250, 100, 0)), folder / "pixel.png")
    # Upscaled from a small render: a smooth 12 MP photo in ~0.1 s and a few hundred KB.
    large = _render(np.random.default_rng(2), (60, 90, 200), (400, 300)).resize(
        (4000, 3000), Image.Resampling.BILINEAR
    )
    zoo["jpeg_large"] = _save(large, folder / "large_4000x3000.jpg", quality=80)

    zoo["upper_case_ext"] = _save(base, folder / "PHOTO.JPG")
    zoo["name_with_spaces"] = _save(base, folder / "summer holiday  (1) copy.jpg")
    zoo["japanese_nfc"] = _save(base, folder / unicodedata.normalize("NFC", "写真 テスト.jpg"))
    zoo["japanese_nfd"] = _save(base, folder / unicodedata.normalize("NFD", "ガギグ.png"))
    zoo["long_name"] = _save(base, folder / _utf8_name("long_name_", ".jpg", 250))
    long_ja = _utf8_name("とても長い写真の名前", ".jpg", 250)
    zoo["long_name_multibyte"] = _save(base, folder / long_ja)
    return zoo


# --------------------------------------------------------------------------- hostile zoo


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_bomb(width: int, height: int) -> bytes:
    """A complete, valid 1-bit greyscale PNG of ``width`` x ``height`` zeros, built by hand.

    Letting Pillow build it would allocate the whole image; here rows are streamed into zlib,
    so ~400 Mpx of black compresses to ~50 KB without ever existing in memory.
    """
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grey, no interlace
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed bits
    comp = zlib.compressobj(9)
    chunks = [comp.compress(row * 1000) for _ in range(height // 1000)]
    chunks.append(comp.compress(row * (height % 1000)))
    chunks.append(comp.flush())
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", b"".join(chunks))
        + _png_chunk(b"IEND", b"")
    )


def _broken_exif_jpeg(jpeg: bytes) -> bytes:
    """Insert an APP1/Exif segment whose IFD lies: out-of-range orientation, offsets past EOF.

    The JPEG itself stays intact, so the pixels decode; only EXIF parsing is hostile.
    """
    ifd_entries = [
        (_EXIF_ORIENTATION_TAG, 3, 1, 9),  # SHORT orientation = 9 (valid is 1..8)
        (0x8769, 4, 1, 0x7FFFFF00),  # Exif sub-IFD pointer far past the end
        (0x010F, 2, 4000, 0x7FFFFFF0),  # Make: 4000 ASCII bytes "stored" past the end
    ]
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", len(ifd_entries))
    for tag, typ, count, value in ifd_entries:
        tiff += struct.pack("<HHII", tag, typ, count, value)
    tiff += b"\xff\xff"  # next-IFD offset cut short
    payload = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    assert jpeg[:2] == b"\xff\xd8"
    return jpeg[:2] + app1 + jpeg[2:]


def make_hostile_zoo(folder: Path) -> dict[str, Path]:
    """Write files a photo tool meets in the wild and must survive; return id -> path.

    Expected UNREADABLE (must be reported, never moved, never crash the run):

    * ``zero_bytes`` -- ``empty.jpg``, 0 bytes.
    * ``truncated_jpeg`` -- first 40 % of a real JPEG (an interrupted copy).
    * ``truncated_png`` -- first 40 % of a real PNG.
    * ``text_as_png`` -- plain text named ``notes.png``.
    * ``html_as_jpg`` -- an HTML error page saved as ``download.jpg``.
    * ``decompression_bomb`` -- a complete 20000x20000 PNG (400 Mpx, over Pillow's
      178,956,970 px error limit) that is only ~50 KB on disk.
    * ``dir_named_jpg`` -- an (empty) directory called ``folder.jpg``; not a regular file.

    Expected READABLE (the keys in :data:`HOSTILE_READABLE`, all prefixed ``readable_``):

    * ``readable_broken_exif`` -- a good JPEG carrying a lying EXIF block (orientation 9,
      offsets past the end of file). Pixels decode; EXIF handling must not crash.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    zoo: dict[str, Path] = {}

    good_jpeg = make_image(folder / "_tmp_good.jpg", seed=3, quality=90).read_bytes()
    good_png = make_image(folder / "_tmp_good.png", seed=4).read_bytes()
    (folder / "_tmp_good.jpg").unlink()
    (folder / "_tmp_good.png").unlink()

    def write(key: str, name: str, data: bytes) -> None:
        path = folder / name
        path.write_bytes(data)
        zoo[key] = path

    write("zero_bytes", "empty.jpg", b"")
    write("truncated_jpeg", "truncated.jpg", good_jpeg[: len(good_jpeg) * 2 // 5])
    write("truncated_png", "truncated.png", good_png[: len(good_png) * 2 // 5])
    write("text_as_png", "notes.png", b"shopping list\n- eggs\n- milk\n")
    write(
        "html_as_jpg",
        "download.jpg",
        b"<!DOCTYPE html>\n<html><head><title>403 Forbidden</title></head>"
        b"<body><h1>Forbidden</h1></body></html>\n",
    )
    write("decompression_bomb", "bomb.png", _png_bomb(20000, 20000))
    write("readable_broken_exif", "broken_exif.jpg", _broken_exif_jpeg(good_jpeg))
    (folder / "folder.jpg").mkdir()
    zoo["dir_named_jpg"] = folder / "folder.jpg"
    return zoo


def expected_unreadable(zoo: Mapping[str, Path]) -> dict[str, Path]:
    """The entries of a :func:`make_hostile_zoo` result that must be reported unreadable."""
    return {k: p for k, p in zoo.items() if k not in HOSTILE_READABLE}


# --------------------------------------------------------------------------- conservation


class FileMultiset(Counter[str]):
    """Multiset of file-content sha256 digests, remembering where each digest was seen.

    Equality is by content only (a plain ``Counter``); ``where`` exists so that a failed
    conservation check can name the files involved.
    """

    def __init__(self) -> None:
        super().__init__()
        self.where: dict[str, list[str]] = {}


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_hashes(root: Path, *more_roots: Path) -> FileMultiset:
    """Content hashes (sha256 -> count) of every regular file under the given roots.

    Symlinks are neither followed nor counted, so a tool that "moves" by leaving links behind
    does not get credit for files it lost. Pass several roots to count a source folder and
    its destination folders together.
    """
    result = FileMultiset()
    for top in (root, *more_roots):
        if not Path(top).is_dir():  # a typo must not become an empty, trivially conserved set
            raise FileNotFoundError(f"not a directory: {top}")
        for dirpath, _dirnames, filenames in os.walk(top, followlinks=False):
            for name in filenames:
                path = Path(dirpath) / name
                if not stat.S_ISREG(os.lstat(path).st_mode):
                    continue
                digest = _sha256(path)
                result[digest] += 1
                result.where.setdefault(digest, []).append(str(path))
    return result


def _describe(counts: Counter[str], sources: Mapping[str, FileMultiset | Counter[str]]) -> str:
    lines = []
    for digest, n in sorted(counts.items()):
        seen: list[str] = []
        for ms in sources.values():
            seen += getattr(ms, "where", {}).get(digest, [])
        lines.append(f"  {digest[:12]} x{n}  {', '.join(seen[:3]) or '(path unknown)'}")
    return "\n".join(lines)


def assert_conserved(before: Counter[str], after: Counter[str], *, allow_new: bool = False) -> None:
    """Assert every file's bytes survive, wherever they moved: ``before`` ⊆ ``after``.

    With ``allow_new=False`` (default) nothing may be added either (no duplicates, no stray
    outputs); set it when the tool is expected to write reports next to the photos. The
    failure message lists lost and unexpected contents with the paths they had.
    """
    lost = before - after
    extra = Counter() if allow_new else after - before
    if not lost and not extra:
        return
    parts = []
    sources = {"before": before, "after": after}
    if lost:
        parts.append(f"{sum(lost.values())} file(s) lost or changed:\n{_describe(lost, sources)}")
    if extra:
        parts.append(f"{sum(extra.values())} file(s) appeared:\n{_describe(extra, sources)}")
    raise AssertionError("Files not conserved.\n" + "\n".join(parts))
