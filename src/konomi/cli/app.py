"""The one Typer application every command module registers on, and the two consoles.

Every `help=` text of the CLI comes from the catalog (`cli.help.*`, i18n/help.py) and is filled
when the module declaring it is imported: `--help` speaks the language of the environment then
(KONOMI_LANG, else the locale), since no konomi.toml is known before a command runs.
"""

from __future__ import annotations

import typer
from rich.console import Console

from konomi.i18n import t

app = typer.Typer(
    name="konomi",
    help=t("cli.help.konomi"),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
