"""Options shared by the commands, declared once (their help: `cli.help.option.*`).

Every value is checked where it is parsed: a number out of its range or a word not among the
choices is a usage error (exit 2) that names the option, like an unknown option — not a
konomi.toml mistake with a konomi.toml example.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from konomi.i18n import t
from konomi.settings import DEFAULT_DISLIKE, DEFAULT_LIKE, DEVICES, HEADS, PRECISIONS


def one_of(choices: tuple[str, ...]) -> Callable[[str | None], str | None]:
    """A check that an option's word is one of `choices` (a usage error, exit 2, if not)."""

    def check(value: str | None) -> str | None:
        if value is not None and value not in choices:
            raise typer.BadParameter(
                t("cli.usage.choose", value=value, choices=", ".join(c for c in choices if c))
            )
        return value

    return check


RootOpt = Annotated[
    Path | None,
    typer.Option("--root", help=t("cli.help.option.root")),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        help=t("cli.help.option.model"),
    ),
]
DeviceOpt = Annotated[
    str | None,
    typer.Option("--device", callback=one_of(DEVICES), help=t("cli.help.option.device")),
]
PrecisionOpt = Annotated[
    str | None,
    typer.Option(
        "--precision",
        callback=one_of(PRECISIONS),
        help=t("cli.help.option.precision"),
    ),
]
DebugOpt = Annotated[bool, typer.Option("--debug", help=t("cli.help.option.debug"))]
LikeOpt = Annotated[
    float | None,
    typer.Option(
        "--like-threshold",
        min=0.0,
        max=1.0,
        help=t("cli.help.option.like_threshold", default=DEFAULT_LIKE),
    ),
]
DislikeOpt = Annotated[
    float | None,
    typer.Option(
        "--dislike-threshold",
        min=0.0,
        max=1.0,
        help=t("cli.help.option.dislike_threshold", default=DEFAULT_DISLIKE),
    ),
]
HeadKindOpt = Annotated[
    str | None,
    typer.Option("--head", callback=one_of(HEADS), help=t("cli.help.train.head")),
]
