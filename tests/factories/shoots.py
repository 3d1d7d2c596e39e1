"""A photo shoot as a camera leaves it: bursts of frames a second apart, most of them blurred
(camera shake), one over-exposed, and single shots minutes apart — JPEGs with EXIF capture
times (DateTimeOriginal + SubSecTimeOriginal), for `konomi cull`.

Scenes are photo-like to a sharpness measure: a smooth colour field, soft-edged shapes, a
mid-frequency texture (foliage, fabric) and per-pixel sensor noise, so blurring a frame
lowers its fine detail the way shake does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

START = dt.datetime(2024, 5, 18, 9, 30, 0)
_EXIF_IFD, _DATETIME_ORIGINAL, _SUBSEC_ORIGINAL = 0x8769, 0x9003, 0x9291


def scene(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """One photo-like RGB scene; the same seed gives the same scene."""
    rng = np.random.default_rng(seed)
    w, h = size
    small = rng.integers(40, 216, size=(3, 4, 3), dtype=np.uint8)
    img = Image.fromarray(small, "RGB").resize((w, h), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        colour = tuple(int(c) for c in rng.integers(20, 236, 3))
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        x1, y1 = x0 + int(rng.integers(30, w // 2)), y0 + int(rng.integers(30, h // 2))
        if rng.random() < 0.5:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        else:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
    texture = rng.normal(0, 18, (h // 3 + 1, w // 3 + 1)).astype(np.float32)
    texture_img = Image.fromarray(texture).resize((w, h), Image.Resampling.BICUBIC)
    pixels = np.asarray(img, np.float32) + np.asarray(texture_img, np.float32)[..., None]
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def _grain(img: Image.Image, rng: np.random.Generator, amount: float = 4.0) -> Image.Image:
    """Sensor noise, added after any blur (shake blurs the scene, not the sensor)."""
    pixels = np.asarray(img, np.float32) + rng.normal(0, amount, (img.height, img.width, 1))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def _exif(when: dt.datetime) -> Image.Exif:
    exif = Image.Exif()
    ifd = exif.get_ifd(_EXIF_IFD)
    ifd[_DATETIME_ORIGINAL] = when.strftime("%Y:%m:%d %H:%M:%S")
    ifd[_SUBSEC_ORIGINAL] = f"{when.microsecond // 10000:02d}"
    return exif


def save_frame(img: Image.Image, path: Path, when: dt.datetime | None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    extra = {"exif": _exif(when)} if when is not None else {}
    img.save(path, "JPEG", quality=90, **extra)
    return path


@dataclass
class Shoot:
    """The files of a generated shoot and the truth about them."""

    bursts: list[list[Path]] = field(default_factory=list)  # frames of each burst, in time order
    sharp: list[Path] = field(default_factory=list)  # the sharp frame of each burst
    singles: list[Path] = field(default_factory=list)


def make_shoot(
    folder: Path,
    *,
    bursts: int = 30,
    frames: int = 5,
    singles: int = 30,
    blur: float = 2.0,
    seed: int = 0,
    size: tuple[int, int] = (640, 480),
    exif: bool = True,
) -> Shoot:
    """`bursts` bursts of `frames` frames 1 s apart (one sharp frame at a random place, the
    others blurred by a Gaussian of radius `blur`, one of those over-exposed too), then
    `singles` unrelated shots 90 s apart. Bursts are 60 s apart. Names follow capture order,
    like a camera's (IMG_0001.JPG …)."""
    rng = np.random.default_rng(seed)
    shoot = Shoot()
    when = START
    number = 0

    def name() -> Path:
        nonlocal number
        number += 1
        return folder / f"IMG_{number:04d}.JPG"

    for b in range(bursts):
        base = scene(seed * 1000 + b, size)
        sharp_at = int(rng.integers(frames))
        bright_at = int(rng.choice([i for i in range(frames) if i != sharp_at]))
        paths = []
        for i in range(frames):
            dx, dy = (int(v) for v in rng.integers(-3, 4, 2))  # the hand moves a little
            frame = base.transform(base.size, Image.Transform.AFFINE, (1, 0, dx, 0, 1, dy))
            if i != sharp_at:
                frame = frame.filter(ImageFilter.GaussianBlur(blur))
            if i == bright_at:
                frame = ImageEnhance.Brightness(frame).enhance(1.8)
            frame = _grain(frame, rng)
            stamp = when + dt.timedelta(seconds=i, milliseconds=int(rng.integers(0, 300)))
            paths.append(save_frame(frame, name(), stamp if exif else None))
        shoot.bursts.append(paths)
        shoot.sharp.append(paths[sharp_at])
        when += dt.timedelta(seconds=60)
    for s in range(singles):
        frame = _grain(scene(seed * 1000 + 500 + s, size), rng)
        shoot.singles.append(save_frame(frame, name(), when if exif else None))
        when += dt.timedelta(seconds=90)
    return shoot
