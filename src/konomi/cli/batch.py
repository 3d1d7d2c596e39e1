"""`konomi score --input SOURCE --out FILE.parquet`: options and rendering of dataset scoring
(the logic is in konomi.app.batch)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from konomi.app.batch.run import ENGINES, score_dataset
from konomi.cli.app import err, out
from konomi.cli.options import one_of
from konomi.cli.render import context, errors, run
from konomi.errors import ExitCode
from konomi.i18n import t
from konomi.i18n.display import display

InputOpt = Annotated[
    str | None,  # text, not a Path: --input "" must not become "." (the current folder)
    typer.Option(
        "--input",
        help=t("cli.help.score.input"),
    ),
]
EngineOpt = Annotated[
    str,
    typer.Option("--engine", callback=one_of(ENGINES), help=t("cli.help.score.engine")),
]
AddressOpt = Annotated[
    str | None,
    typer.Option(
        "--address",
        help=t("cli.help.score.address"),
    ),
]
CpusOpt = Annotated[
    int | None,
    typer.Option(
        "--cpus",
        min=1,
        max=65536,
        help=t("cli.help.score.cpus"),
    ),
]
# Up to this many CPUs (and no GPU), a local Ray on one machine is slower than the local
# engine: its start-up alone (10–20 s) is what the local engine takes for hundreds of images.
LOCAL_IS_FASTER = 16

EmbeddingsOpt = Annotated[
    bool, typer.Option("--with-embeddings", help=t("cli.help.score.with_embeddings"))
]


def score_input(
    root: Path | None,
    model: str | None,
    device: str | None,
    precision: str | None,
    like_threshold: float | None,
    dislike_threshold: float | None,
    out_path: Path | None,
    *,
    source: str | None,
    engine: str,
    address: str | None,
    with_embeddings: bool,
    cpus: int | None,
    debug: bool,
) -> None:
    """Run `konomi.app.batch` for `konomi score --input` and print what it did."""
    if source is None:
        err.print(
            f"[bold red]{t('error.prefix')}[/] "
            + t(
                "batch.options_need_input", options="--engine, --address, --cpus, --with-embeddings"
            )
        )
        raise typer.Exit(ExitCode.USAGE)
    if address and engine == "local":
        engine = "ray"  # a cluster's address can only mean Ray (it was silently unused)
    if out_path is None:
        out_path = Path("scores.parquet")
    if debug:  # the Ray engine leaves Ray's own messages on the terminal
        os.environ["KONOMI_DEBUG"] = "1"
    with (
        errors(debug),
        context(
            root,
            model,
            device=device,
            precision=precision,
            like_threshold=like_threshold,
            dislike_threshold=dislike_threshold,
        ) as ctx,
    ):
        result = run(
            ctx,
            lambda c: score_dataset(
                c,
                source,
                out_path,
                engine=engine,
                address=address,
                with_embeddings=with_embeddings,
                cpus=cpus,
            ),
        )
        c = result.counts
        out.print(
            escape(
                t(
                    "batch.wrote",
                    path=display(result.out),
                    total=result.total,
                    head=result.head_id,
                    engine=result.engine,
                    like=c["like"],
                    unsure=c["unsure"],
                    dislike=c["dislike"],
                    unreadable=result.unreadable,
                )
            )
        )
        if result.reused:
            out.print(t("batch.resumed", reused=result.reused, scored=result.scored))
        if result.scored:
            work = max(1e-9, result.seconds - result.startup_seconds)
            out.print(
                t("batch.speed", scored=result.scored, seconds=work, rate=result.scored / work)
            )
        s = result.ray
        if s is not None:
            key = "batch.ray_started" if s.started_here else "batch.ray_joined"
            out.print(
                escape(
                    t(
                        key,
                        cpus=s.cpus,
                        gpus=s.gpus,
                        seconds=result.startup_seconds,
                        session=s.session_dir,
                        address=s.address,
                    )
                )
            )
            if s.log:
                out.print(escape(t("batch.ray_log", log=s.log)))
            if s.started_here and s.gpus < 1 and s.cpus <= LOCAL_IS_FASTER:
                out.print(t("batch.ray_local_faster", cpus=s.cpus, seconds=result.startup_seconds))
