"""Pillow-level decoding, safely: size limits before any pixel is made, JPEG draft mode, and
every odd mode turned into upright RGB. Shared by ordinary images (`images`) and the previews
embedded in camera RAW files (`raw`).
"""

from __future__ import annotations

import contextlib
import io
import warnings

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from konomi.errors import UnreadableImage

# Pillow refuses images above twice this many pixels; between 1x and 2x it warns, which we make
# an error too. 100 MP covers every camera people own and stops bombs long before memory runs out.
MAX_PIXELS = 100_000_000
_configured = False


def configure() -> None:
    """Set Pillow up for konomi, process-wide: its pixel limit, no half-read truncated files,
    and its warnings about odd files silenced (broken EXIF, bombs below the hard limit, which
    `open_checked` refuses itself) — the person hears about each file once, from konomi.

    Called once at start by the CLI, and by the first decode of any other caller (a library
    user, a Ray worker); later calls do nothing. Filters are set process-wide rather than per
    call because `warnings.catch_warnings` is not thread-safe and decoding is threaded.
    """
    global _configured
    if _configured:
        return
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module=r"PIL\.")
    _configured = True


# A longer side more than this many times the shorter one is a strip, not a picture: scaling its
# short side to the model's input would blow the long side up to gigapixels (a 60000x1 PNG
# takes minutes and 12 GB). Panoramas (~10:1) and long comic strips (~30:1) stay well inside.
MAX_ASPECT = 100

NEUTRAL_BACKGROUND = (128, 128, 128)


class NotAnImage(UnreadableImage):
    """Pillow does not recognise the bytes at all (as opposed to a damaged or refused image):
    the caller may still try another decoder, or give a more precise reason."""


def open_checked(data: bytes) -> Image.Image:
    """`Image.open` with the size and shape limits applied before any pixel is decoded."""
    configure()
    image = Image.open(io.BytesIO(data))
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise UnreadableImage.because(
            "unreadable.too_many_pixels", width=width, height=height, limit=MAX_PIXELS
        )
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise UnreadableImage.because(
            "unreadable.too_thin", width=width, height=height, aspect=MAX_ASPECT
        )
    return image


def decode_pillow(data: bytes, min_side: int | None) -> Image.Image:
    try:
        image = open_checked(data)
        if min_side and image.format == "JPEG":
            draft(image, min_side)
        image.load()
        return to_rgb(image)
    except UnreadableImage:
        raise
    except Image.DecompressionBombError as exc:
        declared = str(exc).split(", could be")[0]
        raise UnreadableImage.because("unreadable.bomb", declared=declared) from None
    except UnidentifiedImageError:
        raise NotAnImage.because("unreadable.not_image") from None
    except MemoryError:
        raise UnreadableImage.because("unreadable.memory") from None
    except Exception as exc:  # noqa: BLE001 - hostile bytes make decoders raise anything
        text = str(exc) or type(exc).__name__
        if "truncated" in text or "end of file" in text.lower() or isinstance(exc, EOFError):
            raise UnreadableImage.because("unreadable.truncated", why=text) from None
        raise UnreadableImage.because("unreadable.corrupt", why=text[:200]) from None


def draft(image: Image.Image, min_side: int) -> None:
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
