"""Entry points: the console script and `scripts/*.py`. Every command module is imported here,
by name, so the commands register on the one Typer app before it parses."""

from __future__ import annotations

import contextlib
import gc
import sys
from typing import Any

from konomi.cli import (  # noqa: F401 - they register their commands
    cull,
    init,
    insight,
    loop,
    review,
    search,
    simulate,
    xmp,
)
from konomi.cli.app import app
from konomi.cli.typer_words import speak as speak_typers_words
from konomi.encode.images import configure as configure_decoding


def robust_output() -> None:
    """Never fail on a character the terminal's encoding lacks (`LC_ALL=C`, a Japanese file
    name, a name in another encoding): it is shown escaped (`\\u5199`) instead."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:  # a closed or unusual stream is left as it is
            with contextlib.suppress(OSError, ValueError):
                reconfigure(errors="backslashreplace")


_folding = False


def fold_long_words() -> None:
    """Let the help screens fold a word too long for its column instead of cutting it with "…".

    Typer draws `--help` in rich tables, whose cells cut such a word, and rich breaks lines only
    at spaces: a Japanese sentence is one long word, so at 80 columns most of the Japanese help
    was cut. Applied only when help is asked for (Typer's help module takes 0.1 s to import), and
    to Typer's text maker only while it has the shape it has today.
    """
    global _folding
    from rich.text import Text
    from typer import rich_utils

    make = getattr(rich_utils, "_make_rich_text", None)
    if _folding or make is None:
        return

    def folded(**kwargs: Any) -> Any:
        made = make(**kwargs)
        if isinstance(made, Text):
            made.overflow = "fold"
        return made

    rich_utils._make_rich_text = folded
    _folding = True


def collect_less() -> None:
    """Python's cycle collector runs after every 700 new objects and, as they pile up, walks
    them all again: at a million library images the walk spent two thirds of its time there
    (docs/performance.md). konomi makes few cycles; collecting after every 100,000 new
    objects keeps what waits for collection to a few MB."""
    gc.set_threshold(100_000, 50, 50)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: the process-wide set-up once, then the command."""
    collect_less()
    robust_output()
    args = sys.argv[1:] if argv is None else argv
    speak_typers_words()
    if not args or "--help" in args:
        fold_long_words()
    configure_decoding()
    app(args=argv, prog_name="konomi")


def run_script(command: str) -> None:
    """Entry point of `scripts/<command>.py`: the same as `konomi <command> ARGS`."""
    main([command, *sys.argv[1:]])
