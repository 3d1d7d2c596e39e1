"""Finding image files and decoding them safely.

Decoding is where hostile input meets us: empty, truncated or fake files, decompression bombs,
odd modes (palette, CMYK, 16-bit, alpha). Every failure becomes an `UnreadableImage` with a
reason a person understands; nothing here ever moves or changes a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from .errors import UnreadableImage

BASE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff"})
OPTIONAL_EXTENSIONS = frozenset({".heic", ".heif", ".avif"})

# Pillow refuses images above twice this many pixels; between 1x and 2x it warns, which we make
# an error too. 100 MP covers every camera people own and stops bombs long before memory runs out.
MAX_PIXELS = 100_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False

NEUTRAL_BACKGROUND = (128, 128, 128)


def _register_optional_plugins() -> frozenset[str]:
    """Enable HEIC/AVIF when a plugin is installed (pillow-heif); return the extensions added."""
    added: set[str] = set()
    try:
        import pillow_heif  # type: ignore[import-not-found]

        pillow_heif.register_heif_opener()
        added |= {".heic", ".heif"}
        if hasattr(pillow_heif, "register_avif_opener"):
            pillow_heif.register_avif_opener()
            added.add(".avif")
    except ImportError:
        pass
    if ".avif" not in added and "AVIF" in Image.registered_extensions().values():
        added.add(".avif")
    return frozenset(added)


IMAGE_EXTENSIONS = BASE_EXTENSIONS | _register_optional_plugins()


def is_image_name(name: str) -> bool:
    """True when the file name has an image extension we can decode (case-insensitive)."""
    return os.path.splitext(name)[1].lower() in IMAGE_EXTENSIONS


@dataclass(frozen=True)
class Skipped:
    """A path that looks like an image but that we will not read, and why."""

    path: Path
    reason: str


def find_images(folder: Path, skipped: list[Skipped] | None = None) -> Iterator[Path]:
    """Yield image files under `folder`, recursively, in a stable (sorted) order.

    Hidden files and folders (a leading dot) are skipped. Symbolic links are never followed —
    neither folders (no loops, no escaping the workspace) nor files (moving a link would move
    the link, not the photo the person cares about); image-named links are reported in `skipped`.
    """
    if not folder.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        base = Path(dirpath)
        for link in (d for d in dirnames if (base / d).is_symlink()):
            dirnames.remove(link)
        for name in sorted(filenames):
            if name.startswith(".") or not is_image_name(name):
                continue
            path = base / name
            if path.is_symlink():
                if skipped is not None:
                    skipped.append(Skipped(path, "symbolic link (not followed)"))
                continue
            yield path
        if skipped is not None:
            for name in dirnames:
                if is_image_name(name):
                    skipped.append(Skipped(base / name, "a folder with an image name"))


def content_hash(data: bytes) -> str:
    """Hex digest identifying a file's bytes (BLAKE2b, 128-bit: fast and collision-safe)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def read_file(path: Path) -> bytes:
    """Read a whole file once, so one read serves both hashing and decoding."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except IsADirectoryError:
        raise UnreadableImage("a folder, not a file") from None
    except FileNotFoundError:
        raise UnreadableImage("the file disappeared") from None
    except OSError as exc:
        raise UnreadableImage(f"cannot read the file ({exc.strerror or exc})") from None


def decode(data: bytes, *, min_side: int | None = None) -> Image.Image:
    """Decode image bytes into an upright RGB image.

    `min_side` lets JPEG decode at a reduced DCT scale (draft mode) that still keeps the short
    side ≥ `min_side`: a 12 MP photo decodes 4–8x faster when only 224 px are needed.
    Animated images give their first frame. Raises `UnreadableImage` with the reason.
    """
    if not data:
        raise UnreadableImage("empty file (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise UnreadableImage(
                    f"too large to decode safely ({width}x{height} px; limit {MAX_PIXELS:,} px)"
                )
            if min_side and image.format == "JPEG":
                _draft(image, min_side)
            image.load()
            return to_rgb(image)
    except UnreadableImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnreadableImage(f"decompression bomb refused ({exc})") from None
    except UnidentifiedImageError:
        raise UnreadableImage("not an image (or a format Pillow cannot read)") from None
    except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
        text = str(exc) or type(exc).__name__
        if "truncated" in text or "end of file" in text.lower() or isinstance(exc, EOFError):
            raise UnreadableImage(f"truncated or corrupt image ({text})") from None
        raise UnreadableImage(f"corrupt image ({text})") from None


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
    return decode(read_file(path), min_side=min_side)
