"""Synthetic camera-like photos for the ingest benchmark.

Decode time of a JPEG depends on its pixel count, chroma subsampling and how much entropy-coded
data it holds, so a benchmark needs files that look like a phone's output to a decoder:
12 MP, 4:2:0, quality ~90, ~3 MB, with an EXIF block (some with a non-trivial Orientation).
Flat colours would compress to a few hundred kB and decode unrealistically fast, so the content
is smooth gradients + random shapes + mid-frequency texture + mild per-pixel sensor-like noise.

Speed matters (100 photos well under a minute on 2 cores): a few large base textures are made
once; each photo is a random crop/flip of one base plus a random window of a shared noise
field, added with one wrapping uint8 pass (bases are kept away from 0/255 so it never wraps),
then JPEG-encoded in a thread pool (Pillow releases the GIL while encoding).

CLI: ``uv run python -m benchmarks.photos OUT_DIR N``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageDraw

#: Bumped when the generator changes, so cached photos are regenerated.
GEN_VERSION = 1
STAMP_NAME = ".photos-stamp.json"
N_BASES = 4
#: Bases are this much larger than a photo so each photo can be a different crop.
MARGIN = 256
#: Per-pixel noise is uniform in [-NOISE_AMPLITUDE, NOISE_AMPLITUDE] (sensor grain).
NOISE_AMPLITUDE = 10
TEXTURE_AMPLITUDE = 24
#: Base pixel values are kept in [HEADROOM, 255 - HEADROOM] so adding clipped noise can't wrap.
HEADROOM = 16

QUALITY = 90
SUBSAMPLING = 2  # Pillow's code for 4:2:0

# EXIF tag ids.
_MAKE, _MODEL, _ORIENTATION, _SOFTWARE, _DATETIME = 0x010F, 0x0110, 0x0112, 0x0131, 0x0132
_EXIF_IFD, _DATETIME_ORIGINAL, _FOCAL_LENGTH, _ISO = 0x8769, 0x9003, 0x920A, 0x8827


def _orientation(i: int) -> int | None:
    """EXIF Orientation for photo i: mostly upright, some rotated, some with no tag at all."""
    return [1, 6, 1, None, 3, 1, 8, 6][i % 8]


def _base_texture(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """One large RGB texture: smooth gradients, soft-edged random shapes, fine texture.

    Everything runs in Pillow's C loops on uint8 (this machine does ~0.1 s per numpy pass over
    a 14 MP float image, too slow to spend freely).
    """
    # Gradients and shapes at half resolution; the bicubic upscale softens edges like a lens.
    hw, hh = width // 2, height // 2
    small = rng.integers(30, 226, size=(4, 5, 3), dtype=np.uint8)
    img = Image.fromarray(small, "RGB").resize((hw, hh), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(img)
    for _ in range(int(rng.integers(40, 80))):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        x0, y0 = int(rng.integers(0, hw)), int(rng.integers(0, hh))
        w, h = (int(v) for v in rng.integers(20, max(hw, hh) // 3, 2))
        kind = int(rng.integers(0, 3))
        if kind == 0:
            draw.ellipse((x0, y0, x0 + w, y0 + h), fill=colour)
        elif kind == 1:
            draw.rectangle((x0, y0, x0 + w, y0 + h), fill=colour)
        else:
            pts = [
                (int(x0 + rng.integers(-w, w)), int(y0 + rng.integers(-h, h)))
                for _ in range(int(rng.integers(3, 7)))
            ]
            draw.polygon(pts, fill=colour)
    img = img.resize((width, height), Image.Resampling.BICUBIC)

    # Mid-frequency texture (foliage, fabric): 1/8-resolution noise upscaled, centred on 128.
    tex_small = rng.integers(
        128 - TEXTURE_AMPLITUDE,
        129 + TEXTURE_AMPLITUDE,
        size=(height // 8, width // 8, 3),
        dtype=np.uint8,
    )
    tex = Image.fromarray(tex_small, "RGB").resize((width, height), Image.Resampling.BILINEAR)
    img = ImageChops.add(img, tex, scale=1.0, offset=-128)

    # Squeeze into [HEADROOM, 255 - HEADROOM] so per-pixel noise can be added with wrapping
    # uint8 arithmetic later without overflowing.
    lo, hi = HEADROOM, 255 - HEADROOM
    lut = [lo + (v * (hi - lo) + 127) // 255 for v in range(256)] * 3
    return np.asarray(img.point(lut))


class PhotoFactory:
    """Holds the base textures and noise field; ``render(i)`` makes photo i cheaply."""

    def __init__(self, seed: int, size: tuple[int, int]) -> None:
        self.seed = seed
        self.width, self.height = size
        rng = np.random.default_rng([seed, 0xBA5E])
        bw, bh = self.width + MARGIN, self.height + MARGIN
        self.bases = [_base_texture(rng, bw, bh) for _ in range(N_BASES)]
        noise = rng.integers(-NOISE_AMPLITUDE, NOISE_AMPLITUDE + 1, size=(bh, bw, 3), dtype=np.int8)
        # Stored as uint8 two's complement: base + noise (mod 256) is exact given HEADROOM.
        self.noise = noise.view(np.uint8)

    def render(self, i: int) -> Image.Image:
        rng = np.random.default_rng([self.seed, i])
        h, w = self.height, self.width
        base = self.bases[int(rng.integers(0, N_BASES))]
        by, bx = (int(v) for v in rng.integers(0, MARGIN + 1, 2))
        ny, nx = (int(v) for v in rng.integers(0, MARGIN + 1, 2))
        view = base[by : by + h, bx : bx + w]
        if rng.random() < 0.5:
            view = view[:, ::-1]
        if rng.random() < 0.3:
            view = view[::-1]
        out = np.add(view, self.noise[ny : ny + h, nx : nx + w], dtype=np.uint8)
        img = Image.fromarray(out, "RGB")
        # Per-photo colour cast (white balance / exposure), via a cheap per-channel LUT.
        gains = rng.uniform(0.85, 1.15, 3)
        lut = [min(255, int(v * g)) for g in gains for v in range(256)]
        return img.point(lut)

    def exif(self, i: int) -> Image.Exif:
        exif = Image.Exif()
        exif[_MAKE] = "Konomi"
        exif[_MODEL] = "Synthetic Camera 12MP"
        exif[_SOFTWARE] = f"konomi-benchmarks {GEN_VERSION}"
        stamp = f"2024:{1 + i % 12:02d}:{1 + i % 28:02d} 12:{i % 60:02d}:{(7 * i) % 60:02d}"
        exif[_DATETIME] = stamp
        orientation = _orientation(i)
        if orientation is not None:
            exif[_ORIENTATION] = orientation
        sub = exif.get_ifd(_EXIF_IFD)
        sub[_DATETIME_ORIGINAL] = stamp
        sub[_ISO] = 100 + 50 * (i % 8)
        sub[_FOCAL_LENGTH] = 4.25
        return exif

    def write(self, i: int, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        self.render(i).save(
            tmp, "JPEG", quality=QUALITY, subsampling=SUBSAMPLING, exif=self.exif(i).tobytes()
        )
        tmp.replace(path)  # never leave a half-written file that a later run would "cache"


def photo_name(i: int) -> str:
    return f"photo_{i:05d}.jpg"


def make_photos(
    folder: Path, n: int, *, seed: int = 0, size: tuple[int, int] = (4032, 3024)
) -> list[Path]:
    """Ensure ``folder`` holds photos 0..n-1 (``size`` = (width, height)); return their paths.

    Photo i depends only on (seed, size, i), so existing files are reused when the folder's
    stamp matches; on a mismatch every requested photo is rewritten.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stamp_path = folder / STAMP_NAME
    stamp = {"seed": seed, "size": list(size), "version": GEN_VERSION}
    try:
        valid = json.loads(stamp_path.read_text()) == stamp
    except (OSError, ValueError):
        valid = False
    if not valid:
        stamp_path.unlink(missing_ok=True)

    paths = [folder / photo_name(i) for i in range(n)]
    todo = [i for i, p in enumerate(paths) if not (valid and p.is_file())]
    if todo:
        factory = PhotoFactory(seed, size)
        workers = min(len(todo), os.cpu_count() or 1)
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda i: factory.write(i, paths[i]), todo))
        stamp_path.write_text(json.dumps(stamp) + "\n")
    return paths


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        sys.exit("usage: python -m benchmarks.photos OUT_DIR N")
    t0 = time.perf_counter()
    paths = make_photos(Path(args[0]), int(args[1]))
    dt = time.perf_counter() - t0
    sizes = [p.stat().st_size for p in paths]
    print(
        f"{len(paths)} photos in {args[0]} ready in {dt:.1f} s; "
        f"mean {np.mean(sizes) / 1e6:.2f} MB (min {min(sizes) / 1e6:.2f}, "
        f"max {max(sizes) / 1e6:.2f})"
    )


if __name__ == "__main__":
    main()
