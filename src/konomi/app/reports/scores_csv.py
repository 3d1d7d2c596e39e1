"""The score report: `reports/scores.csv`, UTF-8 with a BOM so Excel opens Japanese names.

One row per readable image, sorted by score, highest first. Columns: `path` (relative to the
workspace root, forward slashes), `score` (0–1), `label` (like / dislike / unsure by the
thresholds in force), `folder` (where the file lives now), then extras; last the technical
ones of culling: `sharpness`, `exposure` (share clipped, 0 = none), `burst` (its number in
`konomi cull`'s list) and `keeper` (1: the frame kept, 0: set aside; empty outside a burst).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

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


# One image's culling columns (sharpness, share clipped, burst number, keeper): konomi cull's
# view of it in scores.csv.
Culling = tuple[float | None, float | None, int | None, bool | None]


class CullingArrays(Protocol):
    """The culling columns of every row as arrays (`app.cull.BurstColumns`): NaN where not
    measured; burst 0 and keeper -1 outside a burst."""

    sharpness: np.ndarray
    exposure: np.ndarray
    burst: np.ndarray
    keeper: np.ndarray

    def __getitem__(self, i: int) -> Culling: ...


def culling_texts(culling: CullingArrays, rows: np.ndarray) -> list[list[str]]:
    """The four culling columns of `rows` as the CSV writes them, a column at a time (a
    million rows: no tuple per row); empty where not measured or not in a burst."""
    return [
        decimals(culling.sharpness[rows], 3),
        decimals(culling.exposure[rows], 4),
        ["" if x == 0 else str(x) for x in culling.burst[rows].tolist()],
        [_KEEPER[x] for x in culling.keeper[rows].tolist()],
    ]


_KEEPER = {-1: "", 0: "0", 1: "1"}


def decimals(values: np.ndarray, digits: int) -> list[str]:
    """`values` written with `digits` decimals, "" for NaN."""
    form = f"{{:.{digits}f}}".format
    return ["" if x != x else form(x) for x in values.tolist()]


_SPECIAL = re.compile(r'[,"\r\n]')


def quoted(texts: list[str]) -> list[str]:
    """`texts` as fields of the CSV: quoted where they hold a comma, a quote or a line break,
    as `csv.writer` quotes them (QUOTE_MINIMAL). One search over the piece first: a name that
    needs quotes is rare, so most pieces are returned as they are."""
    if not _SPECIAL.search("\x00".join(texts)):
        return texts
    return ['"' + t.replace('"', '""') + '"' if _SPECIAL.search(t) else t for t in texts]


def write_pieces(pieces: Iterable[Sequence[Sequence[str]]], out: Path) -> Path:
    """Write the report atomically from pieces of rows given column by column, already in the
    report's order and quoted (`quoted`): each piece becomes one block of text, so a million
    rows cost no call per row (the same bytes `csv.writer` writes, line ends included)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(out, "w", encoding="utf-8-sig", newline="") as f:
        f.write(",".join(COLUMNS) + LINE_END)
        for columns in pieces:
            lines = list(map(",".join, zip(*columns)))
            if lines:
                f.write(LINE_END.join(lines) + LINE_END)
    return out


LINE_END = "\r\n"  # csv.writer's, which the report has always used
