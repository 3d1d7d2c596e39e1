"""Photo libraries scored in place: the folders of `libraries` in konomi.toml.

A library is a folder konomi reads and never changes: its images are embedded, scored, listed
and offered for review where they are; no command moves, renames or modifies them. Their labels
come from two places, both the person's:

- review decisions, kept in the label store (`store/labels.py`), journaled and undoable;
- with `ratings_as_labels = true`, the person's XMP star rating (a sidecar `IMG.NEF.xmp` or
  `IMG.xmp`, else the XMP packet inside the file): ≥ `like_rating` stars is a like, rejected
  (-1) or 1 … `dislike_rating` stars a dislike. A rating konomi wrote itself (`konomi xmp`) is
  marked as konomi's in the sidecar and never read back as a label.

A review decision wins over a rating: it was given in konomi, about this very question.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from konomi.app.context import Context
from konomi.encode.ignore import IgnoreRules
from konomi.encode.images import Skipped, find_images
from konomi.errors import KonomiError
from konomi.i18n import t
from konomi.store.labels import read_labels
from konomi.store.xmp import (
    XmpError,
    existing_sidecars,
    read_rating,
    read_sidecar_rating,
    xmp_in_file,
)
from konomi.workspace import Workspace


def library_roots(ctx: Context) -> list[Path]:
    """The library folders of the settings that exist now, resolved (`~` expanded, relative
    ones against the workspace root). A missing one (an unmounted disk) is a warning; one
    inside data/ is refused, since konomi moves files there."""
    ws = ctx.ws
    roots: list[Path] = []
    for text in ctx.settings.libraries:
        path = Path(text).expanduser()
        if not path.is_absolute():
            path = ws.root / path
        path = path.resolve()
        if path.is_relative_to(ws.data):
            raise KonomiError(t("library.inside_data", path=text), t("library.inside_data_hint"))
        if ws.data.is_relative_to(path):
            raise KonomiError(t("library.holds_data", path=text), t("library.inside_data_hint"))
        if not path.is_dir():
            said = t("library.missing", path=text)
            if said not in ctx.reporter.warnings:  # asked again by each step of a command
                ctx.reporter.warn(said)
            continue
        if path not in roots:
            roots.append(path)
    return roots


def library_images(
    ctx: Context, skipped: list[Skipped], roots: list[Path] | None = None
) -> list[Path]:
    """Every image under the libraries (none of the workspace's own), sorted per library."""
    found: list[Path] = []
    seen: set[Path] = set()
    roots = library_roots(ctx) if roots is None else roots
    for root in roots:
        rules = IgnoreRules.for_root(root)  # the library's .konomiignore and tool folders
        images = find_images(root, skipped, ignore=rules)
        # Asked per image only where it can be true (a million images: seconds saved): a
        # managed folder inside this library, or another library that may list it too.
        ws = ctx.ws
        managed = any(f.is_relative_to(root) for f in (ws.data, ws.state, ws.models, ws.reports))
        if len(roots) == 1 and not managed:
            found += images
            continue
        for path in images:
            if path in seen or (managed and _managed(ws, path)):
                continue
            seen.add(path)
            found.append(path)
    return found


def _managed(ws: Workspace, path: Path) -> bool:
    """True for a path in a folder konomi manages (a library holding the workspace must not
    list the workspace's own images a second time)."""
    return any(path.is_relative_to(f) for f in (ws.data, ws.state, ws.models, ws.reports))


def key(path: Path) -> str:
    """How a library image is named in the label store and reports: absolute, forward slashes."""
    return path.as_posix()


# -- ratings ----------------------------------------------------------------------------------
def person_rating(image: Path, preferred: str = "with_extension") -> int | None:
    """The person's own XMP rating of `image`: from a sidecar (the preferred naming first),
    else from the XMP inside the file; None when unrated (konomi's own ratings are not theirs)."""
    for sidecar in existing_sidecars(image, preferred):
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
    for image in images:
        row = stored.get(key(image))
        if row is not None:
            out.labels[image], out.source[image] = row.label, "review"
            continue
        if not s.ratings_as_labels:
            continue
        label = label_from_rating(
            person_rating(image, s.sidecar_name), s.like_rating, s.dislike_rating
        )
        if label is not None:
            out.labels[image], out.source[image] = label, "rating"
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


def labelled_candidates(ctx: Context, skipped: list[Skipped], roots: list[Path]) -> list[Path]:
    """The library images that may hold a label, in the order `library_images` lists them.

    Without `ratings_as_labels` only review decisions label a library image, and the label
    store names them: those few are checked where they are (still there, still listed by the
    walk: not hidden, ignored, linked or a RAW twin), so training on a million-image library
    neither walks nor stats it. With ratings every image may carry one: the libraries are
    walked."""
    if ctx.settings.ratings_as_labels:
        return library_images(ctx, skipped, roots)
    by_folder: dict[tuple[int, Path], set[Path]] = {}
    for text in read_labels(ctx.ws.state):
        path = Path(text)
        index = next((i for i, r in enumerate(roots) if path.is_relative_to(r)), None)
        if index is not None and not _managed(ctx.ws, path):
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
