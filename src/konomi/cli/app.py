"""The one Typer application every command module registers on, and the two consoles.

Every `help=` text of the CLI comes from the catalog (`cli.help.*`, i18n/help.py) and is filled
when the module declaring it is imported. So that `--help` and usage errors speak the language
of the workspace's konomi.toml, that language is read here, before any of them is made: the
workspace is the one `--root` names on the command line, else the one the commands would use
(`konomi.workspace.chosen_root`); without a language there, the environment's (KONOMI_LANG,
else the locale).
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from konomi.i18n import set_language, t


def root_in(args: list[str]) -> str | None:
    """The value of `--root` among the command-line `args`, if it is there."""
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--root" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--root="):
            return arg.removeprefix("--root=")
    return None


def speak_the_workspace_language(args: list[str]) -> None:
    """Use the language the workspace's konomi.toml sets, if the workspace is known and sets
    one (a missing, broken or unreadable file is left to the command to explain)."""
    from konomi.errors import KonomiError
    from konomi.settings import parse_settings
    from konomi.workspace import chosen_root

    with contextlib.suppress(KonomiError, OSError, ValueError):
        settings = Path(chosen_root(root_in(args))) / "konomi.toml"
        if settings.is_file():
            language = parse_settings(settings).language
            if language:
                set_language(language)


speak_the_workspace_language(sys.argv[1:])

# `konomi --help` lists the commands in the order a person meets them; a command not named
# here (a new one) follows, in the order it was registered.
WORKFLOW = (
    "init",
    "review",
    "round",
    "train",
    "classify",
    "score",
    "report",
    "suspects",
    "explain",
    "search",
    "cull",
    "xmp",
    "undo",
    "models",
    "embed",
    "check-env",
    "simulate",
)


class _InWorkflowOrder(TyperGroup):
    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        rank = {name: i for i, name in enumerate(WORKFLOW)}
        return sorted(names, key=lambda name: rank.get(name, len(rank)))


app = typer.Typer(
    name="konomi",
    cls=_InWorkflowOrder,
    help=t("cli.help.konomi"),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def version() -> str:
    """konomi's version, as its installed package metadata says (the source's when it runs
    from a folder that was never installed)."""
    from importlib import metadata

    from konomi import __version__

    try:
        return metadata.version("konomi")
    except metadata.PackageNotFoundError:
        return __version__


def _show_version(asked: bool) -> None:
    if asked:
        out.print(t("cli.version", version=version()))
        raise typer.Exit(0)


@app.callback(help=t("cli.help.konomi"))
def _konomi(
    _version: bool = typer.Option(
        False,
        "--version",
        "-V",
        help=t("cli.help.option.version"),
        callback=_show_version,
        is_eager=True,
    ),
) -> None:
    """The options of `konomi` itself, before any command."""
