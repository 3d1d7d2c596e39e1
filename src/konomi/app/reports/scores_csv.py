"""The score report: `reports/scores.csv`, UTF-8 with a BOM so Excel opens Japanese names.

One row per readable image, sorted by score, highest first. Columns: `path` (relative to the
workspace root, forward slashes), `score` (0–1), `label` (like / dislike / unsure by the
thresholds in force), `folder` (where the file lives now), then extras; last the technical
ones of culling: `sharpness`, `exposure` (share clipped, 0 = none), `burst` (its number in
`konomi cull`'s list) and `keeper` (1: the frame kept, 0: set aside; empty outside a burst).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from konomi.atomic import atomic_file

COLUMNS = (
    "path",
    "score",
    "label",
    "folder",
    "train_label",
    "informativeness",
    "head",
    "sharpness",
    "exposure",
    "burst",
    "keeper",
)


@dataclass(frozen=True)
class Row:
    """One image's line in the report."""

    path: str
    score: float
    label: str
    folder: str
    train_label: str  # like / dislike for training images, empty otherwise
    informativeness: float
    head: str
    sharpness: float | None = None
    exposure: float | None = None
    burst: int | None = None
    keeper: bool | None = None


def culling_columns(
    sharpness: Sequence[float | None],
    exposure: Sequence[float | None],
    burst: Sequence[int | None],
    keeper: Sequence[bool | None],
) -> list[list[str]]:
    """The culling columns of many rows, a column at a time (a million rows: no list per
    row); empty where not measured or not in a burst."""
    return [
        ["" if x is None else f"{x:.3f}" for x in sharpness],
        ["" if x is None else f"{x:.4f}" for x in exposure],
        ["" if x is None else str(x) for x in burst],
        ["" if x is None else str(int(x)) for x in keeper],
    ]


def write_lines(lines: Iterable[Sequence[str]], out: Path) -> Path:
    """Write the report's lines, already in its order, atomically (a million lines stream)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(out, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        writer.writerows(lines)
    return out
