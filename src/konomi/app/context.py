"""One command's view of the workspace — settings, model, encoder, cache — and the lock that
every step which moves files holds."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from konomi.encode.encoder import Encoder, ModelFiles, resolve_model
from konomi.encode.ingest import Embedded, embed_files
from konomi.errors import JournalError, WorkspaceBusy
from konomi.progress import Progress, Reporter
from konomi.settings import DEFAULT_DISLIKE, DEFAULT_LIKE, Settings, check_thresholds
from konomi.store.cache import EmbeddingCache
from konomi.store.heads import HeadRecord
from konomi.store.journal import Journal, RepairReport
from konomi.workspace import Workspace, lock_wait, workspace_lock


@dataclass
class Context:
    """One command's view of the workspace: settings, model, cache — each opened on first use."""

    ws: Workspace
    settings: Settings
    reporter: Reporter = field(default_factory=Reporter)
    threads: int | None = None

    @classmethod
    def open(
        cls, root: Path | str | None = None, reporter: Reporter | None = None, **overrides: object
    ) -> Context:
        """The context of the workspace at `root` (else $KONOMI_ROOT, else the current folder),
        with command-line `overrides` on top of konomi.toml."""
        ws = Workspace.resolve(root)
        settings = ws.settings()
        if overrides.get("model") is None and os.environ.get("KONOMI_MODEL"):
            overrides["model"] = os.environ["KONOMI_MODEL"]
        return cls(ws, settings.with_overrides(**overrides), reporter or Reporter())

    def __enter__(self) -> Context:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def progress(self) -> Progress:
        """The reporter's progress callback, for the layers below that take one."""
        return self.reporter.progress

    @cached_property
    def model(self) -> ModelFiles:
        files = resolve_model(self.settings.model, self.progress)
        if self.settings.precision != "fp32":
            from konomi.app.precision import choose_model  # int8, checked on the labelled images

            files = choose_model(self, files)
        return files

    @cached_property
    def encoder(self) -> Encoder:
        if self.progress:
            self.progress("loading model", 0, None)
        return Encoder(self.model, device=self.settings.device, threads=self.threads)

    @cached_property
    def cache(self) -> EmbeddingCache:
        self.ws.ensure_state()
        return EmbeddingCache(self.ws.cache_path, warn=self.reporter.warn)

    def embed(self, paths: list[Path], *, vectors: bool = True) -> Embedded:
        return embed_files(
            paths,
            self.cache,
            self.model.model_id,
            lambda: self.encoder,
            progress=self.progress,
            batch_size=self.settings.batch_size or None,
            vectors=vectors,
        )

    def thresholds(self, record: HeadRecord | None = None) -> tuple[float, float]:
        """(dislike, like): flags and konomi.toml first, then the head's own, then the defaults."""
        s = self.settings
        dislike, like = record.thresholds if record else (DEFAULT_DISLIKE, DEFAULT_LIKE)
        if "dislike_threshold" in s.explicit:
            dislike = s.dislike_threshold
        if "like_threshold" in s.explicit:
            like = s.like_threshold
        check_thresholds(dislike, like)
        return dislike, like

    def close(self) -> None:
        if "cache" in self.__dict__:
            self.cache.close()


@contextlib.contextmanager
def moving(ctx: Context, purpose: str) -> Iterator[tuple[Journal, RepairReport]]:
    """Hold the lock and an up-to-date journal (repaired first) while files move."""

    def waiting(who: str) -> None:
        if ctx.progress:
            ctx.progress(f"waiting for {who}", 0, None)

    lock = workspace_lock(ctx.ws, wait=lock_wait(), purpose=purpose, on_wait=waiting)
    with lock, Journal(ctx.ws) as journal:
        yield journal, journal.repair()


@contextlib.contextmanager
def planning(ctx: Context) -> Iterator[tuple[None, RepairReport]]:
    """For a dry run, which moves nothing: no lock, no repair, and no state written. In a
    workspace without `.konomi/` yet (or a folder that is not one: `--root /`), the cache lives
    in memory for this command only, so nothing is created."""
    if not ctx.ws.state.is_dir() and "cache" not in ctx.__dict__:
        ctx.__dict__["cache"] = EmbeddingCache(Path(":memory:"), warn=ctx.reporter.warn)
    yield None, RepairReport()


def repair_if_idle(ws: Workspace, warn: Callable[[str], None] | None = None) -> RepairReport | None:
    """Before a read-only command: repair a crashed run's journal, unless one is running now.

    A damaged journal does not stop a command that moves nothing: it becomes a warning.
    """
    if not ws.journal_path.exists():
        return None
    try:
        with workspace_lock(ws, purpose="repair"), Journal(ws) as journal:
            return journal.repair()
    except WorkspaceBusy:
        return None
    except JournalError as exc:
        if warn is None:
            raise
        warn(
            f"{exc.message.removesuffix(' Nothing was moved.')} Commands that move files refuse "
            "until it is fixed (see docs/safety.md, 'Inspect or reset the journal')."
        )
        return None
