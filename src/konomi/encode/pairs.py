"""Files that are one photo: a RAW+JPEG pair and the XMP sidecars beside them.

Cameras set to RAW+JPEG write `IMG_1.NEF` and `IMG_1.JPG`; photo tools write sidecars named
`IMG_1.NEF.xmp` (darktable, digiKam) or `IMG_1.xmp` (Lightroom, Capture One). To a person these
are one photo, so konomi scores it once — through the rendered twin, which decodes fast and looks
like what the camera showed — and moves every file of it together.

`group` is the rule, a pure function of the names in one folder:

- images are grouped by stem (the name before the last dot, case as written);
- a stem with exactly one rendered twin (JPEG or HEIF) and one or more RAW files is one photo:
  the twin is its *primary*, the RAW files are companions;
- any other image is a photo of its own (two JPEGs `IMG_1.jpg`/`IMG_1.jpeg`, or two RAW
  files, are not guessed to be one);
- `NAME.xmp` belongs to the photo of image `NAME`; `STEM.xmp` belongs to the photo of that stem
  when the stem is exactly one photo (otherwise it is ambiguous and stays where it is) and is
  not itself an image name: `a.jpg.xmp` is the sidecar of `a.jpg`, never of `a.jpg.jpg`.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from konomi.encode.formats import (
    RAW_EXTENSIONS,
    RENDERED_TWINS,
    SIDECAR_EXTENSION,
    extension,
    is_image_name,
    is_raw_name,
)
from konomi.encode.ignore import IgnoreRules


def _stem(name: str) -> str:
    return os.path.splitext(name)[0]


def group(names: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Primary image name → the names travelling with it, for the names of one folder.

    Every image name is a key or a companion of exactly one key; non-image names appear only
    as companions (sidecars). Companions are sorted.
    """
    names = sorted(set(names))
    by_stem: dict[str, list[str]] = defaultdict(list)
    for name in names:
        if is_image_name(name):
            by_stem[_stem(name)].append(name)
    photos: dict[str, list[str]] = {}
    owner: dict[str, str] = {}  # image name → its photo's primary
    for images in by_stem.values():
        twins = [n for n in images if extension(n) in RENDERED_TWINS]
        raws = [n for n in images if extension(n) in RAW_EXTENSIONS]
        if len(twins) == 1 and raws and len(twins) + len(raws) == len(images):
            primary = twins[0]
            photos[primary] = list(raws)
            owner[primary] = primary
            for raw in raws:
                owner[raw] = primary
        else:
            for name in images:
                photos[name] = []
                owner[name] = name
    one_photo_stems = {
        stem: owner[images[0]]
        for stem, images in by_stem.items()
        if len({owner[n] for n in images}) == 1
    }
    for name in names:
        if extension(name) != SIDECAR_EXTENSION:
            continue
        base = name[: -len(SIDECAR_EXTENSION)]
        if base in owner:  # IMG_1.NEF.xmp
            photos[owner[base]].append(name)
        elif base in one_photo_stems and not is_image_name(base):  # IMG_1.xmp, not a.jpg.xmp
            photos[one_photo_stems[base]].append(name)
    return {primary: tuple(sorted(rest)) for primary, rest in photos.items()}


def companion_names(names: Iterable[str]) -> frozenset[str]:
    """The image names of a folder that travel with another image (not photos themselves).

    Only a RAW file rides with another image: a folder without one (most of them) is answered
    without grouping."""
    names = list(names)
    if not any(is_raw_name(n) for n in names):
        return frozenset()
    return frozenset(n for rest in group(names).values() for n in rest if is_image_name(n))


def companions_for(
    paths: Iterable[Path], ignore: IgnoreRules | None = None
) -> dict[Path, tuple[Path, ...]]:
    """Each path's companions (RAW twin, sidecars) found beside it now.

    Each folder is listed once. Only regular files are companions, never symbolic links or
    folders, nor anything `ignore` leaves out: konomi moves nothing it would not move on its own.
    """
    wanted: dict[Path, list[Path]] = defaultdict(list)
    for path in paths:
        wanted[path.parent].append(path)
    out: dict[Path, tuple[Path, ...]] = {}
    for folder, members in wanted.items():
        names = _regular_files(folder)
        if ignore is not None:
            rel = ignore.relative(folder)
            names = [n for n in names if not ignore.ignores_name(rel, n)]
        groups = group(names)
        for path in members:
            out[path] = tuple(folder / n for n in groups.get(path.name, ()))
    return out


def _regular_files(folder: Path) -> list[str]:
    try:
        with os.scandir(folder) as listing:
            return [e.name for e in listing if e.is_file(follow_symlinks=False)]
    except OSError:
        return []
