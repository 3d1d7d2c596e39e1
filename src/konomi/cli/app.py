"""The one Typer application every command module registers on, and the two consoles."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(
    name="konomi",
    help="konomi (好み) learns how much you like an image, asking you as little as possible.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
