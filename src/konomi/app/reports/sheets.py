"""Contact sheets of the HTML report: every thumbnail, 100 to an image file, in score order.

A file per thumbnail cost ~2 kB and a 4 kB disk block each: 200–400 MB at 100,000 images. One
image of 10 × 10 cells compresses far better (neighbouring thumbnails share an encoder's
context, and a sheet pays its header once), so a sheet holds 100 thumbnails at ~410 bytes each
as AVIF, and the page shows a cell by positioning its sheet behind the tile (CSS sprites).

Sheets follow the page's order (score, highest first): the first screen of the grid is one or
two files, and the like / unsure / dislike filters, which are ranges of that order, read
consecutive sheets. A sheet is named by what it shows (its images' digests and the encoding),
so a second report of the same scores writes nothing, and a sheet that no longer belongs to the
report is removed. The thumbnails themselves are kept in the thumbnail store
(`store/thumbs.py`): a retrain reorders the sheets, which are then built again from there
without decoding a single original.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PIL import Image, features

from konomi.app.ordered import in_order
from konomi.atomic import write_bytes as write_atomic
from konomi.encode.images import load_image
from konomi.errors import UnreadableImage
from konomi.i18n import t
from konomi.machine import usable_cores
from konomi.progress import Progress
from konomi.store.thumbs import THUMB_PX, ThumbStore

COLS = 10  # cells across a sheet
PER_SHEET = 100  # cells in a sheet: 10 × 10 of 128 px is a 1280 × 1280 image
BACKGROUND = (238, 238, 238)  # of a cell around a thumbnail that is not square (#eee)
THUMB_QUALITY = 60  # the stored WebP thumbnail: ~2 kB, kept once per image
AVIF_QUALITY = 16  # ~410 bytes a detailed photo in a sheet (18: ~450, 22: ~510)
AVIF_SPEED = 9  # a sheet in ~0.2 s on one core: speed 8 is 2.5x slower for 1 % fewer bytes
WEBP_QUALITY = 50  # sheets where Pillow was built without AVIF: about twice the bytes
_SHEET_NAME = re.compile(r"[0-9a-f]{24}\.(avif|webp)")
_LEGACY_NAME = re.compile(r"[0-9a-f]{20}\.webp")  # one file per image, by reports before sheets


@dataclass(frozen=True)
class Sheets:
    """Where the page finds each image: sheet `i // PER_SHEET`, cell `i % PER_SHEET`."""

    names: list[str]  # file names under the folder, in page order
    missing: list[int]  # page positions whose image could not be decoded (a blank cell)
    written: int  # sheets encoded by this call (the others were there already)
    bytes: int  # every sheet together
    folder: str = "thumbs"  # where they are, beside the page


def sheet_format() -> str:
    """AVIF where this Pillow can write it (11.3 and later ship it), else WebP."""
    return "avif" if features.check("avif") else "webp"


def make_thumbnail(path: Path) -> bytes | None:
    """The WebP thumbnail of an image (longest side THUMB_PX), or None when it cannot be read."""
    try:
        image = load_image(path, min_side=THUMB_PX)
    except UnreadableImage:
        return None
    image.thumbnail((THUMB_PX, THUMB_PX), Image.Resampling.BICUBIC)
    buf = io.BytesIO()
    image.save(buf, "WEBP", quality=THUMB_QUALITY, method=4)
    return buf.getvalue()


def compose(cells: list[bytes | None], fmt: str) -> bytes:
    """One sheet: each thumbnail centred in its cell, rows of COLS, encoded as `fmt`.

    A None cell stays the background colour, which the page shows as "no thumbnail".
    """
    rows = max(1, -(-len(cells) // COLS))
    sheet = Image.new("RGB", (COLS * THUMB_PX, rows * THUMB_PX), BACKGROUND)
    for k, data in enumerate(cells):
        if data is None:
            continue
        try:
            with Image.open(io.BytesIO(data)) as thumb:
                thumb = thumb.convert("RGB")
        except (OSError, ValueError, SyntaxError):  # a damaged row of the store: a blank cell
            continue
        x = (k % COLS) * THUMB_PX + (THUMB_PX - thumb.width) // 2
        y = (k // COLS) * THUMB_PX + (THUMB_PX - thumb.height) // 2
        sheet.paste(thumb, (x, y))
    buf = io.BytesIO()
    if fmt == "avif":
        sheet.save(buf, "AVIF", quality=AVIF_QUALITY, speed=AVIF_SPEED)
    else:
        sheet.save(buf, "WEBP", quality=WEBP_QUALITY, method=4)
    return buf.getvalue()


def sheet_name(digests: list[str], missing: set[int], fmt: str) -> str:
    """A sheet's file name: what it shows and how, so an unchanged sheet is never rewritten."""
    quality = AVIF_QUALITY if fmt == "avif" else WEBP_QUALITY
    h = hashlib.sha256(f"{fmt} q{quality} {THUMB_PX}px {COLS} cols\n".encode())
    for k, digest in enumerate(digests):
        h.update(f"{'-' if k in missing else digest}\n".encode())
    return f"{h.hexdigest()[:24]}.{fmt}"


def build_sheets(
    paths: list[Path],
    digests: list[str],
    folder: Path,
    store: ThumbStore,
    progress: Progress | None = None,
) -> Sheets:
    """The sheets of these images, in this order, written under `folder`.

    Thumbnails missing from the store are made from the originals (on every core) and kept;
    sheets already on disk are reused; files in `folder` that the page no longer needs —
    older sheets, and the one-file-per-image thumbnails of reports before sheets — are removed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    fmt = sheet_format()
    workers = usable_cores()
    have = store.digests()
    _adopt_legacy(folder, [d for d in dict.fromkeys(digests) if d not in have], store, have)

    # Thumbnails the store lacks, made from the originals.
    first_path: dict[str, Path] = {}
    for path, digest in zip(paths, digests):
        first_path.setdefault(digest, path)
    todo = [(p, d) for d, p in first_path.items() if d not in have]
    unreadable: set[str] = set()
    made: list[tuple[str, bytes]] = []
    jobs = (partial(make_thumbnail, p) for p, _ in todo)
    made_in_order = in_order(jobs, workers, "konomi-thumb")
    for n, ((_, digest), data) in enumerate(zip(todo, made_in_order), start=1):
        if data is None:
            unreadable.add(digest)
        else:
            made.append((digest, data))
            have.add(digest)
        if len(made) >= 256 or n == len(todo):
            store.put_many(made)
            made = []
        if progress and (n % 64 == 0 or n == len(todo)):
            progress(t("progress.thumbnails"), n, len(todo))

    # The sheets, in page order; only those not on disk yet are encoded.
    missing = [i for i, d in enumerate(digests) if d in unreadable]
    names: list[str] = []
    build: list[tuple[str, list[str], set[int]]] = []
    queued: set[str] = set()
    for start in range(0, len(digests), PER_SHEET):
        members = digests[start : start + PER_SHEET]
        blank = {k for k, d in enumerate(members) if d in unreadable}
        name = sheet_name(members, blank, fmt)
        if name not in queued and not (folder / name).is_file():  # two sheets alike: one file
            build.append((name, members, blank))
            queued.add(name)
        names.append(name)

    def encode(name: str, cells: list[bytes | None]) -> int:
        data = compose(cells, fmt)
        write_atomic(folder / name, data)
        return len(data)

    def sheet_jobs() -> Iterator[Callable[[], int]]:
        for name, members, blank in build:
            stored = store.get_many(d for k, d in enumerate(members) if k not in blank)
            yield partial(encode, name, [stored.get(d) for d in members])

    for n, _ in enumerate(in_order(sheet_jobs(), workers, "konomi-sheet"), start=1):
        if progress:
            progress(t("progress.sheets"), n, len(build))

    keep = set(names)
    for entry in folder.iterdir():
        if entry.is_file() and _SHEET_NAME.fullmatch(entry.name) and entry.name not in keep:
            entry.unlink(missing_ok=True)
    store.keep_only(digests)
    size = sum((folder / name).stat().st_size for name in keep)
    return Sheets(names, missing, len(build), size, folder.name)


def _adopt_legacy(folder: Path, wanted: list[str], store: ThumbStore, have: set[str]) -> None:
    """Take the per-image WebP files of older reports (`xx/<digest[:20]>.webp`) into the store,
    then remove them: the same bytes the store would make, so no original is decoded again."""
    shards = [d for d in folder.iterdir() if d.is_dir() and re.fullmatch("[0-9a-f]{2}", d.name)]
    if not shards:
        return
    by_prefix = {d[:20]: d for d in wanted}
    adopted = []
    for shard in shards:
        for entry in shard.iterdir():
            if not _LEGACY_NAME.fullmatch(entry.name):
                continue
            digest = by_prefix.get(entry.name[:20])
            if digest is not None:
                adopted.append((digest, entry.read_bytes()))
                have.add(digest)
            entry.unlink()
        if not any(shard.iterdir()):
            shard.rmdir()
    store.put_many(adopted)
