"""Suspect labels of a workspace: the training folders as they are now, through
`konomi.learn.suspects` (the arrays-only method).

One truth about suspects: the count "N look mislabelled" is the number of rows marked ●, and
every list (`konomi suspects`, its `--json`, the report) holds every marked row, however short a
`--top` asks for, so the count and the marks always agree. The bar a row must reach to be marked
is its class's own (confident learning), so a row at 94 % "wrong?" may stay unmarked; `rule()`
says the two bars in force, and every list shows that sentence beside its rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from konomi.app.folders import labelled_images
from konomi.app.library import add_library_labels
from konomi.encode.images import Skipped
from konomi.errors import NoHeadError
from konomi.i18n import t
from konomi.learn.head import DEFAULT_HEAD, train_head
from konomi.learn.suspects import Suspect, class_thresholds, count_flagged, find
from konomi.store.heads import load_head
from konomi.workspace import Workspace

if TYPE_CHECKING:
    from konomi.app.context import Context


@dataclass
class Found:
    """Suspects of a workspace, and where their scores came from."""

    suspects: list[Suspect]
    n_train: int
    n_flagged: int
    head_id: str | None  # the head whose out-of-fold scores were used (None: computed now)
    recomputed: bool  # True when the training folders changed since that head (or no head)
    skipped: list[Skipped]
    bars: tuple[float, float] = (0.5, 0.5)  # "wrong?" a like row / a dislike row must reach

    def rule(self) -> str:
        """Why a row is marked ●, with the bars in force (shown beside every list)."""
        like, dislike = self.bars
        return t("suspects.rule", like=f"{like:.0%}", dislike=f"{dislike:.0%}")


def _listed(
    paths: list[str], labels: np.ndarray, oof: np.ndarray, top: int | None
) -> tuple[list[Suspect], int, tuple[float, float]]:
    """The `top` most suspect rows plus every marked one beyond them (renumbered in rank order),
    the number marked, and the bars of the marks."""
    everyone = find(paths, labels, oof)
    listed = [s for s in everyone if top is None or s.rank <= top or s.flagged]
    n_flagged = count_flagged(labels, oof)
    bar_dislike, bar_like = class_thresholds(labels, oof) if len(labels) else (0.5, 0.5)
    # A like row is marked when p(dislike) reaches the dislike class's bar, and the other way.
    return listed, n_flagged, (max(bar_dislike, 0.5), max(bar_like, 0.5))


def stored_training_set(ws: Workspace) -> tuple[str, list[str], np.ndarray, np.ndarray] | None:
    """(head id, paths, labels, out-of-fold scores) kept by the current head; None if none."""
    try:
        record = load_head(ws, None)
    except NoHeadError:
        return None
    extra = record.info.get("extra", {})
    if not {"train_paths", "train_labels", "train_oof"} <= set(extra):
        return None
    return (
        record.id,
        [str(p) for p in extra["train_paths"]],
        np.asarray(extra["train_labels"]).astype(int),
        np.asarray(extra["train_oof"], dtype=np.float64),
    )


def in_workspace(ctx: Context, *, top: int | None = None) -> Found:
    """Suspects of the training folders as they are now.

    When the current head was trained on exactly the files and labels in `data/train/` now, its
    stored out-of-fold scores answer at once. Otherwise (files moved, added or relabelled since,
    or no head yet) the out-of-fold scores are computed again with the same code as `train`, on
    cached embeddings, without saving a head: the list must describe the labels as they are.
    """
    ws: Workspace = ctx.ws
    skipped: list[Skipped] = []
    paths, labels = labelled_images(ws, skipped)
    paths, labels, _ = add_library_labels(ctx, paths, labels, skipped)
    current = {ws.rel(p): int(y) for p, y in zip(paths, labels)}
    stored = stored_training_set(ws)
    if stored is not None:
        head_id, s_paths, s_labels, s_oof = stored
        if _unchanged(ctx, dict(zip(s_paths, s_labels.tolist())), current):
            found, n_flagged, bars = _listed(s_paths, s_labels, s_oof, top)
            return Found(found, len(s_paths), n_flagged, head_id, False, [], bars)
    embedded = ctx.embed(paths)
    label_of = {p: int(y) for p, y in zip(paths, labels)}
    y = np.asarray([label_of[p] for p in embedded.paths], dtype=int)
    kind = _head_kind(ws, ctx.settings.head)
    trained = train_head(embedded.vectors, y, kind=kind)
    rel = [ws.rel(p) for p in embedded.paths]
    found, n_flagged, bars = _listed(rel, y, trained.oof, top)
    return Found(found, len(rel), n_flagged, None, True, skipped + embedded.unreadable, bars)


def _unchanged(ctx: Context, stored: dict[str, int], current: dict[str, int]) -> bool:
    """True when data/train holds what the head was trained on (plus files known unreadable)."""
    if any(current.get(path) != label for path, label in stored.items()):
        return False
    extra = [path for path in current if path not in stored]
    if not extra:
        return True
    stamps = ctx.cache.file_stamps()
    digests = []
    for path in extra:
        known = stamps.get(str(ctx.ws.abs(path)))
        try:
            st = ctx.ws.abs(path).stat()
        except OSError:
            return False
        if known is None or (known.size, known.mtime_ns) != (st.st_size, st.st_mtime_ns):
            return False
        digests.append(known.digest)
    return len(ctx.cache.get_failures(digests)) == len(set(digests))


def _head_kind(ws: Workspace, setting: str) -> str:
    """The kind of head to cross-validate: the setting, else the current head's, else default."""
    if setting and setting != "auto":
        return setting
    try:
        return load_head(ws, None).head.kind
    except NoHeadError:
        return DEFAULT_HEAD
