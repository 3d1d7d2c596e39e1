"""Tidying after moves: the folders that moving files out of left empty."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from konomi.workspace import Workspace


def prune_empty_parents(ws: Workspace, moved_from: Iterable[Path]) -> list[Path]:
    """Remove the sub-folders that moving files out of left empty; returns the ones removed.

    Only folders strictly below data/unlabeled/ or data/classified/<proposal>/ are touched, never
    those folders themselves, and only with `os.rmdir`, which refuses a folder that holds
    anything: no file can be lost. A later move into such a folder recreates it.
    """
    tops = [ws.unlabeled, *(ws.classified_dir(p) for p in ("like", "dislike", "unsure"))]
    removed: list[Path] = []
    for folder in sorted({Path(p).parent for p in moved_from}, key=lambda f: -len(f.parts)):
        top = next((t for t in tops if folder != t and folder.is_relative_to(t)), None)
        while top is not None and folder != top and folder.is_relative_to(top):
            try:
                if folder.is_symlink():
                    break
                os.rmdir(folder)
            except OSError:
                break  # not empty (or not ours to remove): its parents are not empty either
            removed.append(folder)
            folder = folder.parent
    return removed
