"""Options shared by the commands, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from konomi.settings import DEFAULT_DISLIKE, DEFAULT_LIKE

RootOpt = Annotated[
    Path | None,
    typer.Option("--root", help="Workspace folder (default: $KONOMI_ROOT or the current one)."),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        help="Hugging Face repo id, model folder, or .onnx file "
        "(default: $KONOMI_MODEL, konomi.toml, immich-app/ViT-B-32__openai).",
    ),
]
DeviceOpt = Annotated[
    str | None,
    typer.Option("--device", help="auto, cpu, cuda, coreml, directml or openvino."),
]
PrecisionOpt = Annotated[
    str | None,
    typer.Option(
        "--precision",
        help="fp32, or int8 (faster on the CPU; used only if it scores your labelled images "
        "like fp32).",
    ),
]
DebugOpt = Annotated[
    bool, typer.Option("--debug", help="Show the full traceback of an error (or KONOMI_DEBUG=1).")
]
LikeOpt = Annotated[
    float | None,
    typer.Option("--like-threshold", help=f"Score ≥ this is a like proposal ({DEFAULT_LIKE})."),
]
DislikeOpt = Annotated[
    float | None,
    typer.Option(
        "--dislike-threshold", help=f"Score ≤ this is a dislike proposal ({DEFAULT_DISLIKE})."
    ),
]
