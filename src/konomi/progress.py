"""One small callback interface for progress, so library code never prints.

Library functions accept `progress: Progress | None`; a command's `Reporter` carries it, with the
warnings, and the CLI renders both with rich.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class Progress(Protocol):
    """Receives progress of a long task: a named stage, how far it is, and of how much."""

    def __call__(self, stage: str, done: int, total: int | None) -> None: ...


def silent(stage: str, done: int, total: int | None) -> None:
    """A `Progress` that ignores everything (the default for library callers)."""


class Reporter:
    """Where one command's progress and warnings go: library code calls `progress` and `warn`,
    the CLI decides how they look (a rich bar on a terminal, lines after it). One object per
    command, handed in explicitly, instead of a progress field and a warnings list that every
    layer reached into."""

    def __init__(
        self,
        on_progress: Progress | None = None,
        on_warning: Callable[[str], None] | None = None,
    ) -> None:
        self.on_progress = on_progress
        self.on_warning = on_warning
        self._said: list[str] = []

    def progress(self, stage: str, done: int, total: int | None) -> None:
        if self.on_progress is not None:
            self.on_progress(stage, done, total)

    def warn(self, message: str) -> None:
        """Say something the person should hear; kept until `drain` when nobody listens live."""
        if self.on_warning is not None:
            self.on_warning(message)
        else:
            self._said.append(message)

    @property
    def warnings(self) -> tuple[str, ...]:
        """What was said and not yet drained, oldest first."""
        return tuple(self._said)

    def drain(self) -> list[str]:
        """The warnings said since the last drain (the CLI prints them after a bar ends)."""
        said, self._said = self._said, []
        return said
