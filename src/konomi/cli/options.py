"""Options shared by the commands, declared once (their help: `cli.help.option.*`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from konomi.i18n import t
from konomi.settings import DEFAULT_DISLIKE, DEFAULT_LIKE

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
    typer.Option("--device", help=t("cli.help.option.device")),
]
PrecisionOpt = Annotated[
    str | None,
    typer.Option(
        "--precision",
        help=t("cli.help.option.precision"),
    ),
]
DebugOpt = Annotated[bool, typer.Option("--debug", help=t("cli.help.option.debug"))]
LikeOpt = Annotated[
    float | None,
    typer.Option(
        "--like-threshold", help=t("cli.help.option.like_threshold", default=DEFAULT_LIKE)
    ),
]
DislikeOpt = Annotated[
    float | None,
    typer.Option(
        "--dislike-threshold",
        help=t("cli.help.option.dislike_threshold", default=DEFAULT_DISLIKE),
    ),
]
