"""Test fault switches, read in this one place: product code asks, tests switch them on.

Every switch is an environment variable a test sets for a child process; unset in normal use,
so each question costs one string comparison.

- `KONOMI_TEST_CRASH_AT=point[:N]`: SIGKILL the process the N-th time it reaches `point`.
- `KONOMI_TEST_PAUSE_AT=point[:N]`: SIGSTOP there instead (a test changes the file system at
  exactly this instant, then sends SIGCONT).
- `KONOMI_TEST_LINK_ERROR=EXDEV|EPERM`: hard links fail like a link across devices (only links
  between folders) or a file system without hard links (every link), so tests reach the
  journal's copy path on any machine.
- `KONOMI_TEST_SCAN_GATE=PATH`: the review page's background scan waits, just before it merges
  into the queue, until PATH exists (a test acts on the page while the scan is still running,
  then creates the file to let it end).
- `KONOMI_TEST_FLUSH_ROWS=N`: ingest writes a transaction every N encoded images instead of
  its default (a test kills a run after its first transaction without embedding thousands).
- `KONOMI_TEST_PROCESS_FILES=N`: ingest hands its files to worker processes from N files on
  instead of its default (a test reaches that path, and kills it, with a few hundred files).
- `KONOMI_RAY_FAULT_FILE=PATH`: the Ray actor that finds this file removes it and dies (once).
- `KONOMI_RAY_CONNECT_TIMEOUT=SECONDS`: how long `score --address` waits for an address
  nothing answers at before it refuses (tests shorten the product's wait).
"""

from __future__ import annotations

import errno
import os
import signal
from pathlib import Path

CRASH_AT_ENV = "KONOMI_TEST_CRASH_AT"
PAUSE_AT_ENV = "KONOMI_TEST_PAUSE_AT"
LINK_ERROR_ENV = "KONOMI_TEST_LINK_ERROR"
SCAN_GATE_ENV = "KONOMI_TEST_SCAN_GATE"
FLUSH_ROWS_ENV = "KONOMI_TEST_FLUSH_ROWS"
PROCESS_FILES_ENV = "KONOMI_TEST_PROCESS_FILES"
RAY_FAULT_ENV = "KONOMI_RAY_FAULT_FILE"
RAY_CONNECT_ENV = "KONOMI_RAY_CONNECT_TIMEOUT"

# Read once at import: a process's switches do not change while it runs.
_CRASH_AT = os.environ.get(CRASH_AT_ENV, "")
_PAUSE_AT = os.environ.get(PAUSE_AT_ENV, "")
_LINK_ERROR = os.environ.get(LINK_ERROR_ENV, "")
_SCAN_GATE = os.environ.get(SCAN_GATE_ENV, "")
_counts: dict[str, int] = {}


def reached(point: str) -> None:
    """A named point of the code was reached: crash or pause here if a test asked for it."""
    if not (_CRASH_AT or _PAUSE_AT):
        return
    count = _counts[point] = _counts.get(point, 0) + 1
    for spec, sig in ((_CRASH_AT, signal.SIGKILL), (_PAUSE_AT, getattr(signal, "SIGSTOP", 0))):
        name, _, nth = spec.partition(":")
        if name == point and count == int(nth or 1) and sig:
            os.kill(os.getpid(), sig)


def link_error(*, same_folder: bool) -> int:
    """The errno a hard link must fail with under `KONOMI_TEST_LINK_ERROR`, else 0."""
    if _LINK_ERROR == "EPERM":
        return errno.EPERM
    if _LINK_ERROR == "EXDEV" and not same_folder:
        return errno.EXDEV
    return 0


def flush_rows(default: int) -> int:
    """Encoded images per ingest transaction: `KONOMI_TEST_FLUSH_ROWS`, else `default`."""
    return _number(FLUSH_ROWS_ENV, default)


def process_files(default: int) -> int:
    """Files from which ingest uses worker processes: `KONOMI_TEST_PROCESS_FILES`, else
    `default`."""
    return _number(PROCESS_FILES_ENV, default)


def _number(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


def ray_fault_file() -> str:
    """The file whose finder among the Ray actors dies (`KONOMI_RAY_FAULT_FILE`), else ""."""
    return os.environ.get(RAY_FAULT_ENV, "")


def ray_connect_timeout(default: float) -> float:
    """Seconds to wait for a Ray cluster's address: `KONOMI_RAY_CONNECT_TIMEOUT`, else `default`."""
    try:
        return float(os.environ.get(RAY_CONNECT_ENV, default))
    except ValueError:
        return default


def scan_gate() -> Path | None:
    """The file the review page's background scan waits for (`KONOMI_TEST_SCAN_GATE`), else None."""
    return Path(_SCAN_GATE) if _SCAN_GATE else None
