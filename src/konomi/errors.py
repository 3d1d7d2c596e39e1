"""Errors that people see.

Every expected failure is a `KonomiError`: a one-line message saying what happened, and a hint
saying what to do. The CLI prints both and exits with the error's code; nothing below the CLI
prints or exits. Exit codes are documented in README.
"""

from __future__ import annotations

import errno
import sqlite3

from konomi.i18n import kept as i18n_kept
from konomi.i18n import t


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
    """One image file cannot be decoded; the run goes on and lists it at the end.

    Made with `because(key, **fields)`: `message` is the reason in the language in force,
    `kept` the same reason as the cache stores it (`i18n.kept`), shown later in whatever
    language is in force then.
    """

    def __init__(self, message: str, hint: str | None = None, kept: str | None = None) -> None:
        super().__init__(message, hint)
        self.kept = kept if kept is not None else message

    @classmethod
    def because(cls, key: str, /, **fields: object) -> UnreadableImage:
        return cls(t(key, **fields), kept=i18n_kept(key, **fields))


class JournalError(KonomiError):
    """The move journal is unreadable: nothing is moved until a person looks at it."""


def is_sqlite_corruption(exc: sqlite3.Error) -> bool:
    """A damaged database file, as opposed to a full disk, a busy lock or a read-only folder.

    The cache answers corruption by rebuilding itself, the journal by refusing to move anything;
    both report the other failures as what they are.
    """
    name = getattr(exc, "sqlite_errorname", "")
    if name:
        return name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))
    if type(exc) is sqlite3.DatabaseError:  # our own integrity-check failures, and Python 3.10
        return True
    text = str(exc).lower()
    return any(w in text for w in ("malformed", "not a database", "corrupt"))


_OS_HINTS = {  # errno → message key (konomi.i18n)
    errno.ENOSPC: "errors.os.nospace",
    getattr(errno, "EDQUOT", -1): "errors.os.quota",
    errno.EACCES: "errors.os.access",
    errno.EPERM: "errors.os.access",
    errno.EROFS: "errors.os.readonly",
    errno.ENOENT: "errors.os.missing",
    errno.ENOTDIR: "errors.os.not_dir",
    errno.EISDIR: "errors.os.is_dir",
    errno.EFBIG: "errors.os.too_big",
}


def from_os_error(exc: OSError) -> KonomiError:
    """A file-system failure (permission, full disk, missing folder) as one line and a hint."""
    what = exc.strerror or str(exc) or type(exc).__name__
    hint = t(_OS_HINTS.get(exc.errno or 0, "errors.os.other"))
    if exc.filename and exc.filename2:
        message = t(
            "errors.os.failed_between", problem=what, path=exc.filename, other=exc.filename2
        )
    elif exc.filename:
        message = t("errors.os.failed_at", problem=what, path=exc.filename)
    else:
        message = t("errors.os.failed", problem=what)
    return KonomiError(message, hint)
