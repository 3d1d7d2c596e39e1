"""Errors that people see.

Every expected failure is a `KonomiError`: a one-line message saying what happened, and a hint
saying what to do. The CLI prints both and exits with the error's code; nothing below the CLI
prints or exits. Exit codes are documented in README.
"""

from __future__ import annotations


class ExitCode:
    """Process exit codes (see README, "Exit codes")."""

    OK = 0
    ERROR = 1  # an expected failure: bad input, missing data, broken state
    USAGE = 2  # wrong flags or arguments
    MODEL = 3  # the model cannot be found, downloaded or loaded
    BUSY = 4  # another konomi command holds the workspace lock
    INTERRUPTED = 130  # Ctrl-C


class KonomiError(Exception):
    """A failure we expected and can explain."""

    code: int = ExitCode.ERROR

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class ModelError(KonomiError):
    """The image encoder cannot be resolved, downloaded or loaded."""

    code = ExitCode.MODEL


class WorkspaceBusy(KonomiError):
    """Another konomi process holds the workspace lock."""

    code = ExitCode.BUSY


class NoHeadError(KonomiError):
    """No usable trained head: never trained, corrupt, or made with another encoder."""


class UnreadableImage(KonomiError):
    """One image file cannot be decoded; the run goes on and lists it at the end."""


class JournalError(KonomiError):
    """The move journal is unreadable: nothing is moved until a person looks at it."""
