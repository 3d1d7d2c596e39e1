"""Entry points: the console script and `scripts/*.py`. Every command module is imported here,
by name, so the commands register on the one Typer app before it parses."""

from __future__ import annotations

import contextlib
import sys

from konomi.cli import (  # noqa: F401 - they register their commands
    init,
    insight,
    loop,
    review,
    search,
    simulate,
    xmp,
)
from konomi.cli.app import app
from konomi.encode.images import configure as configure_decoding


def robust_output() -> None:
    """Never fail on a character the terminal's encoding lacks (`LC_ALL=C`, a Japanese file
    name, a name in another encoding): it is shown escaped (`\\u5199`) instead."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:  # a closed or unusual stream is left as it is
            with contextlib.suppress(OSError, ValueError):
                reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: the process-wide set-up once, then the command."""
    robust_output()
    configure_decoding()
    app(args=argv, prog_name="konomi")


def run_script(command: str) -> None:
    """Entry point of `scripts/<command>.py`: the same as `konomi <command> ARGS`."""
    main([command, *sys.argv[1:]])
