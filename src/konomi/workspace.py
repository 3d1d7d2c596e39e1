"""The workspace: folder layout, where its settings live, and the lock.

The root is `--root DIR`, else `KONOMI_ROOT`, else the nearest folder at or above the current one
that holds `konomi.toml` or `.konomi/` (as git finds its repository, so a command run from
`data/train/like/` works on its workspace), else the current directory. Every path konomi shows
a person or writes to a report is relative to that root, with forward slashes.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from konomi.errors import KonomiError, WorkspaceBusy
from konomi.i18n import t
from konomi.settings import Settings, parse_settings

LABELS = ("like", "dislike")
PROPOSALS = ("like", "dislike", "unsure")


@dataclass(frozen=True)
class Workspace:
    """Paths of one konomi workspace (the layout README describes)."""

    root: Path

    @classmethod
    def resolve(cls, root: Path | str | None = None) -> Workspace:
        """The workspace at `root`, else `KONOMI_ROOT`, else the one the current folder is in
        (`find_root`), else the current folder."""
        path = chosen_root(root)
        if not path.is_dir():
            raise KonomiError(
                t("errors.workspace.not_found", path=path),
                t("errors.workspace.not_found_hint", path=path),
            )
        return cls(path.resolve())

    # -- folders -------------------------------------------------------------------------
    @property
    def data(self) -> Path:
        return self.root / "data"

    def train_dir(self, label: str) -> Path:
        """`data/train/like` or `data/train/dislike`."""
        return self.data / "train" / label

    @property
    def unlabeled(self) -> Path:
        return self.data / "unlabeled"

    def classified_dir(self, proposal: str) -> Path:
        """`data/classified/{like,dislike,unsure}`."""
        return self.data / "classified" / proposal

    @property
    def models(self) -> Path:
        return self.root / "models"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def state(self) -> Path:
        """`.konomi/`: cache, journal, lock. Created on first use."""
        return self.root / ".konomi"

    @property
    def cache_path(self) -> Path:
        return self.state / "cache.sqlite"

    @property
    def journal_path(self) -> Path:
        return self.state / "journal.sqlite"

    @property
    def lock_path(self) -> Path:
        return self.state / "lock"

    @property
    def settings_path(self) -> Path:
        return self.root / "konomi.toml"

    def ensure_state(self) -> Path:
        """Create `.konomi/`, explaining why when it cannot be."""
        try:
            self.state.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise KonomiError(
                t("errors.workspace.state_is_file", path=self.state),
                t("errors.workspace.state_is_file_hint"),
            ) from None
        except OSError as exc:
            raise KonomiError(
                t(
                    "errors.workspace.cannot_create_state",
                    path=self.state,
                    reason=exc.strerror or exc,
                ),
                t("errors.workspace.cannot_create_state_hint"),
            ) from None
        return self.state

    # -- settings and names ----------------------------------------------------------------
    def settings(self) -> Settings:
        """Settings from `konomi.toml` (defaults when absent)."""
        if os.path.lexists(self.settings_path):  # a link, a folder, a pipe: refused there
            return parse_settings(self.settings_path)
        return Settings()

    @cached_property
    def _root_prefix(self) -> str:
        return os.path.join(os.fspath(self.root), "")

    def rel(self, path: Path) -> str:
        """`path` relative to the root with forward slashes (absolute when outside the root)."""
        text, root = os.fspath(path), self._root_prefix
        if text.startswith(root):  # the common case, 20x faster than pathlib (100k rows)
            return text[len(root) :].replace(os.sep, "/")
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def abs(self, rel: str) -> Path:
        """Inverse of `rel`."""
        return self.root / Path(rel)

    def folder_of(self, path: Path | str) -> str:
        """The workspace folder a file lives in, e.g. `data/train/like` or `data/unlabeled`
        (`path` may also be what `rel` gave, which saves recomputing it for 100k rows)."""
        parts = (path if isinstance(path, str) else self.rel(path)).split("/")
        if parts[:2] == ["data", "train"] or parts[:2] == ["data", "classified"]:
            return "/".join(parts[:3])
        if parts[:2] == ["data", "unlabeled"]:
            return "data/unlabeled"
        return "/".join(parts[:-1])

    def label_of(self, path: Path | str) -> str | None:
        """The label a file's folder gives it: `like`, `dislike`, or None when unlabelled
        (`path` may also be what `rel` gave)."""
        parts = (path if isinstance(path, str) else self.rel(path)).split("/")
        if parts[:2] == ["data", "train"] and len(parts) > 3 and parts[2] in LABELS:
            return parts[2]
        return None


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` holding `konomi.toml` or `.konomi/`; `start`
    itself when none does (a new workspace is made where the person is)."""
    try:
        here = start.resolve()
    except OSError:
        return start
    for folder in (here, *here.parents):
        marker = folder / "konomi.toml"
        if os.path.lexists(marker) or (folder / ".konomi").is_dir():
            return folder
    return here


def chosen_root(root: Path | str | None) -> Path:
    """The folder a command works on, before anything in it is read: `--root`, else
    `KONOMI_ROOT`, else `find_root` of the current folder (the CLI reads the language of its
    konomi.toml this early)."""
    return Path(root or os.environ.get("KONOMI_ROOT") or find_root(Path.cwd())).expanduser()


# -- the lock ---------------------------------------------------------------------------------
# The launcher this process started under (a shell, `uv run`), read at import: read when the lock
# is first tried, it could already be the reaper that adopted us after the launcher was killed.
_PARENT_AT_START = os.getppid()


def lock_wait() -> float:
    """How long a command that moves files waits for another one (`KONOMI_LOCK_WAIT`, seconds).

    Waiting, rather than refusing at once, lets a command started just after another (or
    after one whose launcher was killed while it went on) simply run next.
    """
    try:
        return max(0.0, float(os.environ.get("KONOMI_LOCK_WAIT", "120")))
    except ValueError:
        return 120.0


@contextlib.contextmanager
def workspace_lock(
    ws: Workspace,
    *,
    wait: float = 0.0,
    purpose: str = "",
    on_wait: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold the workspace lock: one konomi command that moves files at a time.

    The lock is an OS advisory lock (`flock`) on `.konomi/lock`, so the kernel frees it the moment
    its holder dies, even under kill -9: a stale lock of a dead process is simply free again. The
    file also records the holder's pid and purpose, so a refused command can say who holds it.
    While waiting (up to `wait` seconds), `on_wait` hears who holds it (the holder's line); a
    waiter whose parent process has gone (its terminal or launcher was killed) gives up instead
    of running later.
    """
    ws.ensure_state()
    try:
        fd = os.open(ws.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise KonomiError(
            t(
                "errors.workspace.cannot_lock",
                path=ws.rel(ws.lock_path),
                reason=exc.strerror or exc,
            ),
            t("errors.workspace.cannot_lock_hint"),
        ) from None
    try:
        deadline = time.monotonic() + wait
        waited, holder = False, ""
        while True:
            if waited and os.getppid() != _PARENT_AT_START:  # orphaned while waiting
                raise WorkspaceBusy(
                    t("errors.workspace.orphaned", holder=holder),
                    t("errors.workspace.orphaned_hint"),
                )
            if _try_lock(fd):
                break
            holder = _read_holder(fd)
            if time.monotonic() >= deadline:
                raise WorkspaceBusy(
                    t("errors.workspace.busy", holder=holder), t("errors.workspace.busy_hint")
                )
            if on_wait and not waited:
                on_wait(holder)
            waited = True
            time.sleep(0.05)
        with contextlib.suppress(OSError):  # a full disk must not stop the lock itself
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()} {purpose}".strip().encode(), 0)
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            _unlock(fd)
    finally:
        os.close(fd)


def _read_holder(fd: int) -> str:
    try:
        text = os.pread(fd, 200, 0).decode(errors="replace").strip()
    except OSError:
        text = ""
    return text or t("errors.workspace.unknown_holder")


if sys.platform == "win32":  # pragma: no cover - Windows
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
