"""Technical quality from the pixels ingest has already decoded: sharpness, clipping, and when
the picture was taken — what culling a burst needs before taste has its say.

`measure` is the one call ingest makes per decoded image (no second decode): it turns the
upright RGB image into a grey working image of at most `WORK_SIDE` px on its long side (JPEGs
are decoded at a reduced scale, a 12 MP one at 1/8, 500 px, so most are measured as decoded) and
computes, in NumPy:

* sharpness — the RMS of the Laplacian in the most detailed tiles of an 8 x 8 grid (the 90th
  percentile of the tiles' energies): a sharp subject on a soft background counts as sharp, a
  single noisy tile does not decide. Tiles are a share of the picture, not a number of pixels,
  so the measure means the same at any size; values compare best between frames of one camera,
  which is what a burst holds;
* clipping — the share of pixels at the ends of the grey scale (≥ 250: blown highlights,
  ≤ 5: crushed shadows);
* capture time — EXIF DateTimeOriginal (else DateTimeDigitized, else DateTime) with its SubSec
  field, from the EXIF the decoder kept on the image; None when there is none (the caller
  falls back on the file's modification time).

`fill` measures the images of an earlier cache that has embeddings but no quality yet: one
decode for each of those, once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from konomi.encode.images import content_hash, decode, read_file
from konomi.errors import UnreadableImage
from konomi.i18n import t
from konomi.machine import usable_cores
from konomi.progress import Progress
from konomi.store.quality import CacheLike, Quality, put_quality, unmeasured

MEASURE = 1  # version of the measure below: rows of another version are measured again
WORK_SIDE = 1024  # long side of the grey working image, at most
MIN_SIDE = 256  # ingest decodes at least this much, whatever the encoder's input size
GRID = 8  # tiles per side
TOP = 90  # percentile of the tiles' energies that counts as "the detailed part"
HIGH, LOW = 250, 5  # grey levels counted as clipped

_EXIF_IFD = 0x8769
_WHEN = ((0x9003, 0x9291), (0x9004, 0x9292))  # (DateTimeOriginal, SubSec…), (…Digitized, …)
_DATETIME, _SUBSEC = 0x0132, 0x9290  # DateTime (IFD0), SubSecTime


def decode_side(input_size: int) -> int:
    """The short side ingest asks the decoder for: the encoder's input, and enough for
    sharpness to be measurable (a tiny test encoder would otherwise get thumbnails)."""
    return max(int(input_size), MIN_SIDE)


def measure(image: Image.Image) -> Quality:
    """Sharpness, clipping and capture time of one decoded, upright RGB image."""
    grey = image.convert("L")
    w, h = grey.size
    if max(w, h) > WORK_SIDE:
        scale = WORK_SIDE / max(w, h)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        grey = grey.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    counts = grey.histogram()  # in C, 6x faster than NumPy's bincount
    a = np.asarray(grey)
    return Quality(sharpness(a), *clipping(counts), taken=capture_time(image), measure=MEASURE)


def sharpness(grey: np.ndarray) -> float:
    """RMS of the 4-neighbour Laplacian over the most detailed tiles of a uint8 grey image."""
    if grey.shape[0] < 3 or grey.shape[1] < 3:
        return 0.0
    a = grey.astype(np.int16)
    lap = a[1:-1, :-2] + a[1:-1, 2:]  # in place from here: a few passes over the image
    lap += a[:-2, 1:-1]
    lap += a[2:, 1:-1]
    lap -= a[1:-1, 1:-1] << 2
    energy = lap.astype(np.float32)
    np.multiply(energy, energy, out=energy)
    rows, cols = energy.shape
    grid_r, grid_c = min(GRID, rows), min(GRID, cols)
    th, tw = rows // grid_r, cols // grid_c
    tiles = energy[: th * grid_r, : tw * grid_c].reshape(grid_r, th, grid_c, tw)
    means = tiles.mean(axis=(1, 3), dtype=np.float64)
    return float(np.sqrt(np.percentile(means, TOP)))


def clipping(counts: Sequence[int]) -> tuple[float, float]:
    """(highlights, shadows): shares of a grey image at the ends of the scale, from its
    histogram (256 counts)."""
    n = max(1, sum(counts))
    return sum(counts[HIGH:]) / n, sum(counts[: LOW + 1]) / n


def capture_time(image: Image.Image) -> float | None:
    """When the picture was taken, from its EXIF, as seconds (the camera's local time read as
    UTC: only differences matter for bursts); None when the EXIF does not say."""
    try:
        top = image.getexif()
        ifd = top.get_ifd(_EXIF_IFD)
    except Exception:  # noqa: BLE001 - broken EXIF is common and never stops ingest
        return None
    # The Exif IFD is where cameras write them; some tools put them in IFD0 instead.
    for tags in (ifd, top):
        for when, subsec in _WHEN:
            seconds = _parse(tags.get(when))
            if seconds is not None:
                return seconds + _fraction(tags.get(subsec))
    seconds = _parse(top.get(_DATETIME))  # last written: the capture time unless edited since
    return None if seconds is None else seconds + _fraction(ifd.get(_SUBSEC))


def _parse(value: object) -> float | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    try:
        when = dt.datetime.strptime(value.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    return when.replace(tzinfo=dt.timezone.utc).timestamp()


def _fraction(value: object) -> float:
    """SubSecTime ("25" is 0.25 s, "025" is 0.025 s); 0 when absent or not digits."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    digits = value.strip("\x00 ") if isinstance(value, str) else ""
    return int(digits) / 10 ** len(digits) if digits.isdigit() else 0.0


def fill(
    cache: CacheLike,
    paths: Sequence[Path],
    digests: Sequence[str],
    input_size: int,
    *,
    progress: Progress | None = None,
    workers: int | None = None,
    missing: set[str] | None = None,
) -> int:
    """Measure the images among `paths` (with their `digests`) that the cache has no quality
    for: those embedded before konomi measured quality (`missing`, when the caller has already
    read which). Returns how many were measured; a file that cannot be read now (or changed
    since it was hashed) is simply left for next time."""
    if missing is None:
        missing = unmeasured(cache, digests, MEASURE)  # the digests at hand, not the table
    if not missing:
        return 0
    todo = [(p, d) for p, d in zip(paths, digests) if d in missing]
    todo = list({d: (p, d) for p, d in todo}.values())  # one decode per content
    if not todo:
        return 0

    def one(item: tuple[Path, str]) -> tuple[str, Quality] | None:
        path, digest = item
        try:
            data = read_file(path)
            if content_hash(data) != digest:
                return None
            image = decode(data, min_side=decode_side(input_size), name=path.name)
        except UnreadableImage:
            return None
        return digest, measure(image)

    found: list[tuple[str, Quality]] = []
    with ThreadPoolExecutor(workers or usable_cores(), thread_name_prefix="konomi-quality") as pool:
        for done, result in enumerate(pool.map(one, todo), 1):
            if result is not None:
                found.append(result)
            if progress:
                progress(t("progress.measuring"), done, len(todo))
            if len(found) >= 1000:
                put_quality(cache, found)
                found = []
    put_quality(cache, found)
    return len(todo)
