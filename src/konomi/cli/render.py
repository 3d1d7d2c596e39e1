"""Rendering shared by the commands: progress bars, errors as plain lines, skipped files.

Every text a person reads comes from the message catalog (`konomi.i18n.t`), in the language of
konomi.toml, else KONOMI_LANG, else the locale.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from konomi.app.context import Context
from konomi.cli.app import err, out
from konomi.encode.images import Skipped
from konomi.errors import ExitCode, KonomiError, from_os_error
from konomi.i18n import set_language, t, template
from konomi.i18n.details import show_originals
from konomi.i18n.display import display, terminal_safe

SHOWN = 50  # names listed before "… and N more"


# -- rendering helpers -------------------------------------------------------------------------
class RichProgress:
    """Renders `workflow` progress callbacks as rich progress bars on stderr.

    Bars are drawn on a terminal only; elsewhere (a log, a pipe, a cron job) the one stage a
    person must hear about — waiting for another command's lock — is printed as a plain line.
    """

    def __init__(self, console: Console) -> None:
        self.console = console
        self.bar = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self.tasks: dict[str, TaskID] = {}
        self.drawing = False

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(escape(stage), total=total)
            holder = _waiting_for(stage)
            if holder is not None and not self.drawing:
                self.console.print(t("cli.waiting", holder=escape(holder)))
        self.bar.update(self.tasks[stage], completed=done, total=total)

    def __enter__(self) -> RichProgress:
        if self.console.is_terminal or os.environ.get("KONOMI_PROGRESS"):
            self.bar.start()
            self.drawing = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self.drawing:  # stopping a bar never started still prints a blank line
            self.bar.stop()
            self.drawing = False


def _waiting_for(stage: str) -> str | None:
    """Who holds the lock, when `stage` is the one app.context reports while it waits for it
    (`progress.waiting`, in the language in force); None for every other stage."""
    before, _, after = template("progress.waiting").partition("{holder}")
    inside = len(stage) - len(before) - len(after)
    if inside > 0 and stage.startswith(before) and stage.endswith(after):
        return stage[len(before) : len(stage) - len(after)]
    return None


T = TypeVar("T")


@contextmanager
def errors(debug: bool) -> Iterator[None]:
    """Turn expected failures into one or two plain lines and an exit code."""
    debug = debug or os.environ.get("KONOMI_DEBUG", "") not in ("", "0")
    show_originals(debug)  # the libraries' own words beside the catalog's
    try:
        yield
    except (KonomiError, OSError) as exc:
        if debug:
            raise
        known = exc if isinstance(exc, KonomiError) else from_os_error(exc)
        err.print(f"[bold red]{t('error.prefix')}[/] {escape(terminal_safe(known.message))}")
        if known.hint:
            err.print(f"  {escape(terminal_safe(known.hint))}")
        raise typer.Exit(known.code) from None
    except KeyboardInterrupt:
        err.print(t("cli.interrupted"))
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    except (typer.Exit, typer.Abort, typer.exceptions.TyperException):
        raise  # typer's own exits and usage errors
    except Exception as exc:
        if debug:
            raise
        err.print(
            f"[bold red]{t('error.prefix')}[/] "
            + t("cli.unexpected", kind=type(exc).__name__, what=escape(display(str(exc)[:300])))
        )
        err.print("  " + t("cli.unexpected.hint"))
        raise typer.Exit(ExitCode.ERROR) from None


def fail(message: str, hint: str = "", code: int = ExitCode.USAGE) -> typer.Exit:
    """Print an error the CLI itself found (flags that contradict each other); raise the result."""
    err.print(f"[bold red]{t('error.prefix')}[/] {escape(message)}")
    if hint:
        err.print(f"  {escape(hint)}")
    return typer.Exit(code)


def use_language(language: str | None) -> None:
    """Speak the language konomi.toml sets (else the environment's) from now on."""
    set_language(language or None)


def context(root: Path | None, model: str | None, **overrides: object) -> Context:
    """The command's Context; its settings' language is in force from here on."""
    like, dislike = overrides.get("like_threshold"), overrides.get("dislike_threshold")
    if isinstance(like, float) and isinstance(dislike, float) and dislike > like:
        # Both on the command line: the options contradict each other, a usage error (2).
        from konomi.settings import check_thresholds

        try:
            check_thresholds(dislike, like)
        except KonomiError as exc:
            raise fail(exc.message, exc.hint or "") from None
    ctx = Context.open(
        root, None, on_settings=lambda s: use_language(s.language), model=model, **overrides
    )
    if overrides.get("device") not in (None, "auto"):
        # A device asked for on the command line must exist here, whatever the cache holds:
        # a warm cache would otherwise never load the encoder, and never say it cannot run.
        from konomi.encode.encoder import choose_providers

        choose_providers(str(overrides["device"]))
    return ctx


def run(ctx: Context, step: Callable[[Context], T]) -> T:
    """Run one step of `konomi.app` with its progress drawn as bars and its warnings printed
    once the bars are gone."""
    with RichProgress(err) as progress:
        ctx.reporter.on_progress = progress
        try:
            return step(ctx)
        finally:
            ctx.reporter.on_progress = None
            for warning in ctx.reporter.drain():
                err.print(f"[yellow]{t('warning.prefix')}[/] {escape(terminal_safe(warning))}")
            said_int8(ctx)


def said_int8(ctx: Context) -> None:
    """Say once that the int8 encoder is in use (it passed its check on the labelled images)."""
    from konomi.encode.quantize import INT8_SUFFIX

    files = ctx.model_files  # only once the step has chosen it: never load it here
    if files is None or id(ctx) in _SAID_INT8:
        return
    if files.model_id.endswith(INT8_SUFFIX):
        _SAID_INT8.add(id(ctx))
        out.print(t("cli.int8.used"))


_SAID_INT8: set[int] = set()  # the contexts (one per command) that said it already


def print_skipped(
    skipped: list[Skipped],
    ws_rel: Callable[[Path], str],
    *,
    moving: bool = False,
    key: str | None = None,
) -> None:
    """Name every file a command could not use, once each, with its reason.

    `moving`: the command moves files (classify, undo), so these stayed where they are; a
    command that moves nothing says only that it could not read them. `key` names another
    heading (sidecars not written, files undo did not put back). Paths go through `display`.
    """
    seen: set[Path] = set()
    unique = [s for s in skipped if not (s.path in seen or seen.add(s.path))]  # type: ignore[func-returns-value]
    if not unique:
        return
    key = key or ("cli.skipped.left" if moving else "cli.skipped.unread")
    out.print(f"[yellow]{t(key, n=len(unique))}[/]")
    for item in unique[:SHOWN]:
        out.print(f"  {escape(display(ws_rel(item.path)))}: {escape(terminal_safe(item.reason))}")
    if len(unique) > SHOWN:
        out.print("  " + t("cli.more", n=len(unique) - SHOWN))
