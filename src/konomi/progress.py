"""One small callback interface for progress, so library code never prints.

Library functions accept `progress: Progress | None`; the CLI passes one that renders with rich.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Receives progress of a long task: a named stage, how far it is, and of how much."""

    def __call__(self, stage: str, done: int, total: int | None) -> None: ...


def silent(stage: str, done: int, total: int | None) -> None:
    """A `Progress` that ignores everything (the default for library callers)."""
