"""Photo libraries scored in place: the folders of `libraries` in konomi.toml.

A library is a folder konomi reads and never changes: its images are embedded, scored, listed
and offered for review where they are; no command moves, renames or modifies them. Their labels
come from two places, both the person's:

- review decisions, kept in the label store (`store/labels.py`), journaled and undoable;
- with `ratings_as_labels = true`, the person's XMP star rating (a sidecar `IMG.NEF.xmp` or
  `IMG.xmp` — for a RAW+JPEG pair the RAW's sidecar first — else the XMP packet inside the
  file): ≥ `like_rating` stars is a like, rejected
  (-1) or 1 … `dislike_rating` stars a dislike. A rating konomi wrote itself (`konomi xmp`) is
  marked as konomi's in the sidecar and never read back as a label.

A review decision wins over a rating: it was given in konomi, about this very question.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from konomi.app.context import Context
from konomi.app.folders import ignore_rules
from konomi.encode.formats import is_image_name, is_raw_name
from konomi.encode.ignore import IgnoreRules
from konomi.encode.images import Skipped, find_images, list_images
from konomi.encode.listing import Listing
from konomi.encode.pairs import companions_for
from konomi.errors import KonomiError
from konomi.i18n import t
from konomi.i18n.display import display
from konomi.store.labels import read_labels
from konomi.store.ratings import RatingCache, ratings_path, source_stamps
from konomi.store.xmp import (
    XmpError,
    existing_sidecars,
    read_rating,
    read_sidecar_rating,
    sidecar_candidates,
    xmp_in_file,
)
from konomi.workspace import Workspace


def library_path(text: str, root: Path) -> Path:
    """The folder a `libraries` value names, resolved (`~` expanded, relative ones against the
    workspace root). A value that can name no folder — a NUL byte, `~user` of no such user —
    is refused with the value shown, not passed on to crash below."""
    shown = display(text)
    if "\x00" in text:
        raise KonomiError(t("library.bad_value", path=shown), t("library.bad_value_hint"))
    try:
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = root / path
        return path.resolve()
    except (RuntimeError, OSError, ValueError):  # RuntimeError: a ~user with no home
        raise KonomiError(t("library.bad_value", path=shown), t("library.bad_value_hint")) from None


def library_roots(ctx: Context) -> list[Path]:
    """The library folders of the settings that exist now, resolved (`library_path`). A
    missing one (an unmounted disk) or a plain file is a warning; one inside data/ (through a
    link too: data/ is compared resolved) is refused, since konomi moves files there."""
    ws = ctx.ws
    data = ws.data.resolve()
    roots: list[Path] = []
    for text in ctx.settings.libraries:
        path = library_path(text, ws.root)
        if path.is_relative_to(data):
            raise KonomiError(
                t("library.inside_data", path=display(text)), t("library.inside_data_hint")
            )
        if data.is_relative_to(path):
            raise KonomiError(
                t("library.holds_data", path=display(text)), t("library.inside_data_hint")
            )
        if not path.is_dir():
            key = "library.not_folder" if path.exists() else "library.missing"
            said = t(key, path=display(text))
            if said not in ctx.reporter.warnings:  # asked again by each step of a command
                ctx.reporter.warn(said)
            continue
        if path not in roots:
            roots.append(path)
    return roots


def library_images(
    ctx: Context, skipped: list[Skipped], roots: list[Path] | None = None
) -> Listing:
    """Every image under the libraries (none of the workspace's own), sorted per library.

    Libraries that overlap (`LIB` and `LIB/2024`), or one inside the workspace, are each walked
    with their own rules, and every image also obeys the rules of every other root it lies
    under: what `LIB/.konomiignore` or `LIB/2024/.konomiignore` leaves out stays out however
    the folder is reached. Each image is listed once.
    """
    roots = library_roots(ctx) if roots is None else roots
    rules = {root: IgnoreRules.for_root(root) for root in roots}
    found = Listing()  # compact: a million `Path` objects would hold 400 MB
    seen: set[Path] = set()
    ws = ctx.ws
    own = _managed_folders(ws)
    for root in roots:
        around = [
            r
            for other, r in rules.items()
            if other != root and (root.is_relative_to(other) or other.is_relative_to(root))
        ]
        if root.is_relative_to(ws.root):
            around.append(ignore_rules(ws))
        # Asked per image only where it can be true (a million images: seconds saved): a
        # managed folder inside this library, or another root whose rules reach it.
        managed = any(f.is_relative_to(root) for f in own)
        if len(roots) == 1 and not managed and not around:
            found.extend(list_images(root, skipped, ignore=rules[root]))
            continue
        for path in find_images(root, skipped, ignore=rules[root]):
            if path in seen or (managed and any(path.is_relative_to(f) for f in own)):
                continue
            seen.add(path)
            if any(left_out(r, path) for r in around):
                continue
            found.append(path)
    return found


def left_out(rules: IgnoreRules, path: Path) -> bool:
    """True when `rules` leave out `path` (under their root): the file itself, or any folder on
    the way to it — as a walk from that root would have seen it."""
    rel = rules.relative(path.parent)
    if rel is None:
        return False
    folder = ""
    for part in rel.split("/")[:-1]:
        if rules.ignores_name(folder, part, is_dir=True):
            return True
        folder += part + "/"
    return rules.ignores_name(rel, path.name)


def _managed_folders(ws: Workspace) -> list[Path]:
    """The folders konomi manages, as named and as really found (a `data/` link included): a
    library holding the workspace must not list the workspace's own images a second time."""
    return [f for d in (ws.data, ws.state, ws.models, ws.reports) for f in (d, d.resolve())]


def key(path: Path) -> str:
    """How a library image is named in the label store and reports: absolute, forward slashes."""
    return path.as_posix()


# -- ratings ----------------------------------------------------------------------------------
def raw_twins(images: Iterable[Path]) -> dict[Path, tuple[Path, ...]]:
    """The RAW files travelling with each image (a RAW+JPEG pair), found beside it now."""
    return {
        image: tuple(p for p in riders if is_raw_name(p.name))
        for image, riders in companions_for(images).items()
    }


def sidecars_of(
    image: Path, preferred: str = "with_extension", raws: tuple[Path, ...] = ()
) -> list[Path]:
    """The existing sidecars of the photo `image` (with its RAW twins), in reading order
    (`store.xmp.sidecar_candidates`; `a.jpg.xmp` never belongs to `a.jpg.jpg`)."""
    return existing_sidecars(image, preferred, raws, stem_owned=not is_image_name(image.stem))


def person_rating(
    image: Path, preferred: str = "with_extension", raws: tuple[Path, ...] = ()
) -> int | None:
    """The person's own XMP rating of the photo `image`: from a sidecar (the RAW twin's first,
    then the image's, then `STEM.xmp`; the preferred naming first), else from the XMP inside
    the file; None when unrated (konomi's own ratings are not theirs)."""
    for sidecar in sidecars_of(image, preferred, raws):
        found = read_sidecar_rating(sidecar)
        if found is not None and found.person is not None:
            return found.person
    try:
        with open(image, "rb") as f:
            packet = xmp_in_file(f)
    except OSError:
        return None
    if packet is None:
        return None
    try:
        return read_rating(packet).person
    except XmpError:
        return None


def label_from_rating(rating: int | None, like_rating: int, dislike_rating: int) -> str | None:
    """like (≥ like_rating stars), dislike (rejected, or 1 … dislike_rating stars), or None."""
    if rating is None or rating == 0:
        return None
    if rating >= like_rating:
        return "like"
    if rating == -1 or 1 <= rating <= dislike_rating:
        return "dislike"
    return None


@dataclass
class LibraryLabels:
    """Labelled library images and where each label came from."""

    labels: dict[Path, str] = field(default_factory=dict)  # image → like | dislike
    source: dict[Path, str] = field(default_factory=dict)  # image → review | rating

    def count(self, source: str) -> int:
        return sum(1 for s in self.source.values() if s == source)


def library_labels(ctx: Context, images: Iterable[Path]) -> LibraryLabels:
    """The labels of `images` (library images): review decisions, then ratings if enabled."""
    s = ctx.settings
    stored = read_labels(ctx.ws.state)
    out = LibraryLabels()
    if not stored and not s.ratings_as_labels:
        return out  # nothing can label them: a million images are not even looked at
    images = list(images)
    rated = (
        ratings_of(ctx, [i for i in images if key(i) not in stored]) if s.ratings_as_labels else {}
    )
    for image in images:
        row = stored.get(key(image))
        if row is not None:
            out.labels[image], out.source[image] = row.label, "review"
            continue
        label = label_from_rating(rated.get(image), s.like_rating, s.dislike_rating)
        if label is not None:
            out.labels[image], out.source[image] = label, "rating"
    return out


def ratings_of(ctx: Context, images: list[Path]) -> dict[Path, int | None]:
    """The person's rating of each of `images` (`person_rating`), read only where a source
    changed since the last command: each is remembered with the stamps of its candidate
    sidecars and of the file (`store.ratings`), so an unchanged library is answered by a stat
    per name, without opening a sidecar."""
    preferred = ctx.settings.sidecar_name
    twins = raw_twins(images)
    sources = [
        (
            i,
            sidecar_candidates(
                i, preferred, twins.get(i, ()), stem_owned=not is_image_name(i.stem)
            ),
        )
        for i in images
    ]
    stamps = dict(zip(images, source_stamps(sources, preferred)))
    with RatingCache(ratings_path(ctx.ws.state)) as cache:
        known = cache.get({key(i): st for i, st in stamps.items()})
        out: dict[Path, int | None] = {}
        fresh: list[tuple[str, str, int | None]] = []
        for image in images:
            name = key(image)
            if name in known:
                out[image] = known[name]
                continue
            out[image] = person_rating(image, preferred, twins.get(image, ()))
            fresh.append((name, stamps[image], out[image]))
        cache.put(fresh)
    return out


def add_library_labels(
    ctx: Context, paths: list[Path], labels: np.ndarray, skipped: list[Skipped]
) -> tuple[list[Path], np.ndarray, LibraryLabels]:
    """The labelled images of data/train (`paths`, `labels`: 1 = like) and of the libraries."""
    roots = library_roots(ctx)
    if not roots:
        return paths, labels, LibraryLabels()
    library = library_labels(ctx, labelled_candidates(ctx, skipped, roots))
    extra = np.asarray([1 if lb == "like" else 0 for lb in library.labels.values()], dtype=int)
    return paths + list(library.labels), np.concatenate([labels, extra]).astype(int), library


def labelled_candidates(ctx: Context, skipped: list[Skipped], roots: list[Path]) -> Sequence[Path]:
    """The library images that may hold a label, in the order `library_images` lists them.

    Without `ratings_as_labels` only review decisions label a library image, and the label
    store names them: those few are checked where they are (still there, still listed by the
    walk: not hidden, ignored, linked or a RAW twin), so training on a million-image library
    neither walks nor stats it. With ratings every image may carry one: the libraries are
    walked."""
    if ctx.settings.ratings_as_labels:
        return library_images(ctx, skipped, roots)
    by_folder: dict[tuple[int, Path], set[Path]] = {}
    own = _managed_folders(ctx.ws)
    for text in read_labels(ctx.ws.state):
        path = Path(text)
        index = next((i for i, r in enumerate(roots) if path.is_relative_to(r)), None)
        if index is not None and not any(path.is_relative_to(f) for f in own):
            by_folder.setdefault((index, path.parent), set()).add(path)
    found: list[tuple[tuple[int, tuple[str, ...], str], Path]] = []
    rules: dict[int, IgnoreRules] = {}
    for (index, folder), wanted in by_folder.items():
        root = roots[index]
        if index not in rules:
            rules[index] = IgnoreRules.for_root(root)
        if not _walked_into(root, folder, rules[index]):
            continue
        parts = folder.relative_to(root).parts
        for path in find_images(folder, None, ignore=rules[index], recursive=False):
            if path in wanted:
                found.append(((index, parts, path.name), path))
    return [path for _, path in sorted(found)]  # the walk's order: a folder's files first


def _walked_into(root: Path, folder: Path, rules: IgnoreRules) -> bool:
    """Whether the walk of `root` reaches `folder`: no hidden, ignored or linked folder on the
    way (the walk never follows a link)."""
    here, rel = root, ""
    for name in folder.relative_to(root).parts:
        here = here / name
        if name.startswith(".") or here.is_symlink() or not here.is_dir():
            return False
        if rules.ignores_name(rel, name, is_dir=True):
            return False
        rel += name + "/"
    return True
