"""Which images of the workspace play which part: the labelled ones, and all of them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from konomi.encode.ignore import IgnoreRules
from konomi.encode.images import Skipped, find_images, list_images
from konomi.encode.listing import Listing
from konomi.workspace import LABELS, Workspace


def labelled_images(ws: Workspace, skipped: list[Skipped]) -> tuple[list[Path], np.ndarray]:
    """Training images and their labels (1 = like, 0 = dislike)."""
    paths: list[Path] = []
    labels: list[int] = []
    rules = ignore_rules(ws)
    for label in LABELS:
        found = list(find_images(ws.train_dir(label), skipped, ignore=rules))
        paths += found
        labels += [1 if label == "like" else 0] * len(found)
    return paths, np.asarray(labels, dtype=int)


def all_images(ws: Workspace, skipped: list[Skipped]) -> Listing:
    """Every image under data/ (train, unlabeled, classified)."""
    return list_images(ws.data, skipped, ignore=ignore_rules(ws))


def ignore_rules(ws: Workspace) -> IgnoreRules:
    """What the workspace leaves out: its `.konomiignore` and the tools' thumbnail folders."""
    return IgnoreRules.for_root(ws.root)
