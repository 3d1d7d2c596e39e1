"""Entry points: the console script and `scripts/*.py`. Every command module is imported here,
by name, so the commands register on the one Typer app before it parses."""

from __future__ import annotations

import sys

from konomi.cli import init, insight, loop, review, simulate  # noqa: F401 - they register commands
from konomi.cli.app import app


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    app(args=argv, prog_name="konomi")


def run_script(command: str) -> None:
    """Entry point of `scripts/<command>.py`: the same as `konomi <command> ARGS`."""
    main([command, *sys.argv[1:]])
