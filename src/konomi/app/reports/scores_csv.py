"""The score report: `reports/scores.csv`, UTF-8 with a BOM so Excel opens Japanese names.

One row per readable image, sorted by score, highest first. Columns: `path` (relative to the
workspace root, forward slashes), `score` (0–1), `label` (like / dislike / unsure by the
thresholds in force), `folder` (where the file lives now), then extras.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

COLUMNS = ("path", "score", "label", "folder", "train_label", "informativeness", "head")


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


def proposal(score: float, dislike: float, like: float) -> str:
    """like (score ≥ like), dislike (score ≤ dislike), or unsure (between)."""
    if score >= like:
        return "like"
    if score <= dislike:
        return "dislike"
    return "unsure"


def write_csv(rows: Sequence[Row], out: Path) -> Path:
    """Write rows sorted by score (descending, then path), atomically."""
    ordered = sorted(rows, key=lambda r: (-r.score, r.path))
    return write_lines((line(r) for r in ordered), out)


def line(r: Row) -> list[str]:
    """A row as the report's fields."""
    return [
        r.path,
        f"{r.score:.6f}",
        r.label,
        r.folder,
        r.train_label,
        f"{r.informativeness:.6f}",
        r.head,
    ]


def write_lines(lines: Iterable[Sequence[str]], out: Path) -> Path:
    """Write the report's lines, already in its order, atomically (a million lines stream)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        writer.writerows(lines)
    os.replace(tmp, out)
    return out
