"""Rendering shared by the commands: progress bars, errors as plain lines, skipped files."""

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


# -- rendering helpers -------------------------------------------------------------------------
class RichProgress:
    """Renders `workflow` progress callbacks as rich progress bars on stderr."""

    def __init__(self, console: Console) -> None:
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

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.bar.add_task(stage, total=total)
        self.bar.update(self.tasks[stage], completed=done, total=total)

    def __enter__(self) -> RichProgress:
        if err.is_terminal or os.environ.get("KONOMI_PROGRESS"):
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()


T = TypeVar("T")


@contextmanager
def errors(debug: bool) -> Iterator[None]:
    """Turn expected failures into one or two plain lines and an exit code."""
    debug = debug or os.environ.get("KONOMI_DEBUG", "") not in ("", "0")
    try:
        yield
    except (KonomiError, OSError) as exc:
        if debug:
            raise
        known = exc if isinstance(exc, KonomiError) else from_os_error(exc)
        err.print(f"[bold red]error:[/] {escape(known.message)}")
        if known.hint:
            err.print(f"  {escape(known.hint)}")
        raise typer.Exit(known.code) from None
    except KeyboardInterrupt:
        err.print("Interrupted. Nothing is left half-done: the next command repairs the journal.")
        raise typer.Exit(ExitCode.INTERRUPTED) from None
    except (typer.Exit, typer.Abort, typer.exceptions.TyperException):
        raise  # typer's own exits and usage errors
    except Exception as exc:
        if debug:
            raise
        err.print(f"[bold red]error:[/] unexpected {type(exc).__name__}: {escape(str(exc)[:300])}")
        err.print(
            "  A bug in konomi: run again with --debug for the details and please report it. "
            "No image is lost: the next command finishes or rolls back any half-done move."
        )
        raise typer.Exit(ExitCode.ERROR) from None


def context(root: Path | None, model: str | None, **overrides: object) -> Context:
    """The command's context: the workspace at `root` with the flags given on top."""
    return Context.open(root, None, model=model, **overrides)


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
                err.print(f"[yellow]warning:[/] {warning}")


def print_skipped(skipped: list[Skipped], ws_rel: Callable[[Path], str]) -> None:
    if not skipped:
        return
    out.print(f"\n[yellow]{len(skipped)} file(s) left where they are:[/]")
    for item in skipped[:50]:
        out.print(f"  {escape(ws_rel(item.path))}: {escape(item.reason)}")
    if len(skipped) > 50:
        out.print(f"  … and {len(skipped) - 50} more")
