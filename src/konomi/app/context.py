"""One command's view of the workspace — settings, model, encoder, cache — and the lock that
every step which moves files holds."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from konomi.encode import quality
from konomi.encode.encoder import Encoder, ModelFiles, resolve_model
from konomi.encode.ingest import Embedded, embed_files
from konomi.encode.quality import MEASURE
from konomi.encode.text import TextEncoder, resolve_text_model
from konomi.errors import JournalError, WorkspaceBusy
from konomi.i18n import t
from konomi.progress import Progress, Reporter
from konomi.settings import DEFAULT_DISLIKE, DEFAULT_LIKE, Settings, check_thresholds
from konomi.store import quality_slots
from konomi.store.cache import EmbeddingCache
from konomi.store.heads import HeadRecord
from konomi.store.journal import Journal, RepairReport
from konomi.store.quality import QualityColumns, quality_columns
from konomi.workspace import Workspace, lock_wait, workspace_lock


@dataclass
class Context:
    """One command's view of the workspace, built from explicit parts: the workspace, its
    settings, the reporter, and the model files, encoder and cache — each given, or opened on
    first use (a command that only reads the journal never loads a model). Use it as a `with`
    block: leaving it closes what it opened."""

    ws: Workspace
    settings: Settings
    reporter: Reporter = field(default_factory=Reporter)
    threads: int | None = None
    model_files: ModelFiles | None = None
    loaded_encoder: Encoder | None = None
    loaded_text_encoder: TextEncoder | None = None
    opened_cache: EmbeddingCache | None = None

    @classmethod
    def open(
        cls,
        root: Path | str | None = None,
        reporter: Reporter | None = None,
        *,
        on_settings: Callable[[Settings], object] | None = None,
        **overrides: object,
    ) -> Context:
        """The context of the workspace at `root` (else $KONOMI_ROOT, else the current folder),
        with command-line `overrides` on top of konomi.toml. `on_settings` hears konomi.toml's
        settings before the overrides are checked (the CLI takes its language from them, so a
        refused flag is already said in it)."""
        ws = Workspace.resolve(root)
        settings = ws.settings()
        if on_settings is not None:
            on_settings(settings)
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

    @property
    def model(self) -> ModelFiles:
        """The encoder's files: fp32, or its int8 twin once that is checked on the labels."""
        if self.model_files is None:
            files = resolve_model(self.settings.model, self.progress)
            if self.settings.precision != "fp32":
                from konomi.app.precision import choose_model

                files = choose_model(self, files)
            self.model_files = files
        return self.model_files

    @property
    def encoder(self) -> Encoder:
        if self.loaded_encoder is None:
            self.progress(t("progress.loading_model"), 0, None)
            self.loaded_encoder = Encoder(
                self.model, device=self.settings.device, threads=self.threads
            )
        return self.loaded_encoder

    @property
    def text_encoder(self) -> TextEncoder:
        """The model's text tower (search, taste in words): its files are fetched and loaded
        only when a text feature is used; a model without one is refused clearly."""
        if self.loaded_text_encoder is None:
            files = resolve_text_model(self.settings.model, self.progress)
            self.loaded_text_encoder = TextEncoder(files, device=self.settings.device)
        return self.loaded_text_encoder

    @property
    def cache(self) -> EmbeddingCache:
        if self.opened_cache is None:
            self.ws.ensure_state()
            self.opened_cache = EmbeddingCache(self.ws.cache_path, warn=self.reporter.warn)
        return self.opened_cache

    def sharing_model(self, reporter: Reporter | None = None) -> Context:
        """A fresh context on the same workspace that reuses this one's loaded model and
        encoder (a background retrain must not load the model twice) with its own cache
        connection (SQLite connections are not shared between threads)."""
        return Context(
            self.ws,
            self.settings,
            reporter or Reporter(),
            self.threads,
            model_files=self.model_files,
            loaded_encoder=self.loaded_encoder,
            loaded_text_encoder=self.loaded_text_encoder,
        )

    def embed(self, paths: Sequence[Path], *, vectors: bool = True) -> Embedded:
        """Embed `paths` through the cache (each new image's quality is measured with it)."""
        return embed_files(
            paths,
            self.cache,
            self.model.model_id,
            lambda: self.encoder,
            progress=self.progress,
            batch_size=self.settings.batch_size or None,
            vectors=vectors,
        )

    def quality_of(self, embedded: Embedded) -> QualityColumns:
        """The quality (sharpness, clipping, capture time) of embedded images, for the
        commands that read it (culling, the report's columns): from the array of the vector
        file's rows (`store.quality_slots`), what it lacks from the table by digest, and kept
        in the array for next time. Images embedded before konomi measured quality are
        measured now, once: asked here, where the columns are read anyway, not by every embed
        (a second pass over the table at a million images)."""
        found = self.cache.vector_file(self.model.model_id)
        slots = embedded.slots if len(embedded.slots) == len(embedded.digests) else None
        values = np.full((len(embedded.digests), 3), np.nan)
        if found is not None and slots is not None:
            values = quality_slots.at(quality_slots.read(self.cache, found[0], MEASURE), slots)
        unknown = np.flatnonzero(np.isnan(values[:, 0]))
        if len(unknown):
            values[unknown] = self._quality_by_digest(embedded, unknown)
            known = unknown[~np.isnan(values[unknown, 0])]
            if found is not None and slots is not None and len(known):
                placed = known[slots[known] >= 0]
                quality_slots.write(self.cache, found[0], MEASURE, slots[placed], values[placed])
        return QualityColumns(values[:, 0].copy(), values[:, 1].copy(), values[:, 2].copy())

    def _quality_by_digest(self, embedded: Embedded, rows: np.ndarray) -> np.ndarray:
        """The quality [n, 3] of `rows` of `embedded` from the table by digest, measuring those
        it lacks (NaN where a file cannot be read now)."""
        digests = [embedded.digests[i] for i in rows.tolist()]
        columns = quality_columns(self.cache, digests, MEASURE)
        lacking = np.flatnonzero(~columns.known)
        if len(lacking):
            size = self.loaded_encoder.size if self.loaded_encoder is not None else 0
            missing = [digests[i] for i in lacking.tolist()]
            measured = quality.fill(
                self.cache,
                [embedded.paths[rows[i]] for i in lacking.tolist()],
                missing,
                size,
                progress=self.progress,
                missing=set(missing),
            )
            if measured:
                columns = quality_columns(self.cache, digests, MEASURE)
        return np.stack([columns.sharpness, columns.clipped, columns.taken], axis=1)

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
        if self.opened_cache is not None:
            self.opened_cache.close()
            self.opened_cache = None


@contextlib.contextmanager
def moving(ctx: Context, purpose: str) -> Iterator[tuple[Journal, RepairReport]]:
    """Hold the lock and an up-to-date journal (repaired first) while files move."""

    def waiting(who: str) -> None:
        if ctx.progress:
            ctx.progress(t("progress.waiting", holder=who), 0, None)

    lock = workspace_lock(ctx.ws, wait=lock_wait(), purpose=purpose, on_wait=waiting)
    with lock, Journal(ctx.ws) as journal:
        yield journal, journal.repair()


@contextlib.contextmanager
def planning(ctx: Context) -> Iterator[tuple[None, RepairReport]]:
    """For a dry run, which moves nothing: no lock, no repair, and no state written. In a
    workspace without `.konomi/` yet (or a folder that is not one: `--root /`), the cache lives
    in memory for this command only, so nothing is created."""
    if not ctx.ws.state.is_dir() and ctx.opened_cache is None:
        ctx.opened_cache = EmbeddingCache(Path(":memory:"), warn=ctx.reporter.warn)
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
        warn(t("errors.app.journal_unreadable", problem=exc.message))  # in any language
        return None
