"""What this machine lets a process use: asked by every layer that sizes a pool of workers."""

from __future__ import annotations

import os


def usable_cores() -> int:
    """Cores this process may run on (respects CPU affinity, unlike `os.cpu_count`)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)
