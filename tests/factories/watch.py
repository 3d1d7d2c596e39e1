"""Watching a running command's file moves from outside, for the crash tests and the soak.

A kill aimed "while files move" needs to know when a run starts moving and how long its moves
take on this machine; both are read off the file count of the folder the moves land in.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path


def count_files(folder: Path) -> int:
    """Files anywhere below `folder` (0 when it does not exist)."""
    return sum(1 for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def moving_window(
    proc: subprocess.Popen, watch: Path, *, poll: float = 0.001
) -> tuple[float, float] | None:
    """Poll until `proc` exits: (first, last) moment the file count in `watch` changed."""
    count, first, last = count_files(watch), None, None
    while proc.poll() is None:
        now = count_files(watch)
        if now != count:
            count, last = now, time.perf_counter()
            first = first or last
        time.sleep(poll)
    return (first, last) if first and last else None
