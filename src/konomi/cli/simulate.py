"""`konomi simulate`: replay the loop on a labelled pool of embeddings, write curves."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from konomi.cli.app import app, err, out
from konomi.cli.options import DebugOpt, ModelOpt, RootOpt
from konomi.cli.render import RichProgress, context, errors, print_skipped, run
from konomi.errors import KonomiError
from konomi.i18n import t

if TYPE_CHECKING:
    from konomi.app.simulate.study import Pool
    from konomi.learn.simulate.replay import Summary


@app.command(help=t("cli.help.simulate"))
def simulate(
    out_dir: Annotated[Path, typer.Option("--out", help=t("cli.help.simulate.out"))],
    embeddings: Annotated[
        Path | None,
        typer.Option("--embeddings", help=t("cli.help.simulate.embeddings")),
    ] = None,
    from_workspace: Annotated[
        bool,
        typer.Option(
            "--from-workspace",
            help=t("cli.help.simulate.from_workspace"),
        ),
    ] = False,
    strategies: Annotated[
        str,
        typer.Option(help=t("cli.help.simulate.strategies")),
    ] = "",
    protocol: Annotated[
        str,
        typer.Option(help=t("cli.help.simulate.protocol")),
    ] = "auto",
    retrain_every: Annotated[
        int,
        typer.Option(min=1, max=100_000, help=t("cli.help.simulate.retrain_every")),
    ] = 20,
    judgements: Annotated[
        int,
        typer.Option(
            min=1,
            max=10_000_000,
            help=t("cli.help.simulate.judgements"),
        ),
    ] = 1000,
    prompt_cosine: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help=t("cli.help.simulate.prompt_cosine"),
        ),
    ] = 0.0,
    prompts: Annotated[
        int,
        typer.Option(
            min=1,
            max=100,
            help=t("cli.help.simulate.prompts"),
        ),
    ] = 1,
    rounds: Annotated[int, typer.Option(min=1, max=1000, help=t("cli.help.simulate.rounds"))] = 12,
    batch: Annotated[
        int,
        typer.Option(
            min=0,
            max=10_000_000,
            help=t("cli.help.simulate.batch"),
        ),
    ] = 0,
    budget: Annotated[
        int,
        typer.Option(
            min=0,
            max=10_000_000,
            help=t("cli.help.simulate.budget"),
        ),
    ] = 0,
    seeds: Annotated[int, typer.Option(min=1, max=1000, help=t("cli.help.simulate.seeds"))] = 3,
    seed: Annotated[
        int,
        typer.Option(min=0, max=2**32 - 1, help=t("cli.help.simulate.seed")),
    ] = 0,
    head: Annotated[str, typer.Option(help=t("cli.help.simulate.head"))] = "auto",
    start: Annotated[
        int,
        typer.Option(
            min=0,
            max=10_000_000,
            help=t("cli.help.simulate.start"),
        ),
    ] = 400,
    test_fraction: Annotated[
        float,
        typer.Option(min=0.01, max=0.9, help=t("cli.help.simulate.test_fraction")),
    ] = 0.25,
    target: Annotated[
        float,
        typer.Option(min=0.5, max=1.0, help=t("cli.help.simulate.target")),
    ] = 0.93,
    workers: Annotated[int, typer.Option(min=0, max=1024, help=t("cli.help.simulate.workers"))] = 0,
    root: RootOpt = None,
    model: ModelOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Replay the loop on labelled embeddings to compare review strategies before a
    person spends hours labelling; the head is trained with the code `konomi train` uses."""
    from konomi.app.simulate.study import check_head, open_pool, run_study
    from konomi.learn.simulate.replay import Plan

    with errors(debug):
        kind = check_head(head)
        if (embeddings is None) == (not from_workspace):
            raise KonomiError(t("cli.sim.source"), t("cli.sim.source.hint"))
        if embeddings is None:
            embeddings = _export_workspace(root, model, out_dir / "pool.npz")
            title = t("cli.sim.title.own", name=embeddings.name)
        else:
            title = embeddings.name
        plan = Plan(
            strategies=tuple(s.strip() for s in strategies.split(",") if s.strip()),
            protocol=protocol,
            retrain_every=retrain_every,
            judgements=judgements,
            prompt_cosine=prompt_cosine,
            prompts=prompts,
            rounds=rounds,
            batch=batch,
            budget=budget,
            seeds=seeds,
            seed=seed,
            head=head,
            start=start,
            test_fraction=test_fraction,
            workers=workers,
        )
        pool = open_pool(embeddings, plan)
        err.print(_describe(pool, kind))
        with RichProgress(err) as progress:
            study = run_study(pool, out_dir, target=target, title=title, progress=progress)
        _print_summary(study.summary, target)
        out.print(
            t(
                "cli.sim.wrote",
                rounds=escape(str(study.rounds_csv)),
                summary=escape(str(study.summary_csv)),
                png=escape(str(study.png)),
                seconds=study.seconds,
            )
        )


def _describe(pool: Pool, kind: str) -> str:
    """The line that says what is about to be replayed."""
    plan, y = pool.plan, pool.y
    if plan.session:
        shape = t(
            "simulate.session",
            judgements=plan.judgements,
            every=plan.retrain_every,
            start=plan.start,
        )
    else:
        shape = t("simulate.arrivals", rounds=plan.rounds, start=plan.start)
    return t(
        "simulate.pool",
        name=escape(pool.path.name),
        n=len(y),
        d=pool.X.shape[1],
        like=int(y.sum()),
        dislike=int(len(y) - y.sum()),
        head=kind,
        strategies=len(plan.strategies),
        seeds=plan.seeds,
        shape=shape,
    )


def _export_workspace(root: Path | None, model: str | None, path: Path) -> Path:
    """Embed the workspace's labelled images (through the cache) into a pool file."""
    from konomi.app import loop as workflow

    with context(root, model) as ctx:
        pool = run(ctx, lambda c: workflow.export_pool(c, path))
        print_skipped(pool.skipped, ctx.ws.rel)
        err.print(
            t(
                "cli.sim.exported",
                like=pool.n_like,
                dislike=pool.n_dislike,
                data=ctx.ws.rel(ctx.ws.data),
                path=escape(str(pool.path)),
            )
        )
        return pool.path


def _print_summary(summary: Sequence[Summary], target: float) -> None:
    common = min(s.final_reviewed for s in summary)
    table = Table(title=t("cli.sim.table"))
    table.add_column(t("cli.sim.col.strategy"))
    table.add_column(t("cli.sim.col.reach", target=target), justify="right")
    table.add_column(t("cli.sim.col.common", n=common), justify="right")
    table.add_column(t("cli.sim.col.final"), justify="right")
    table.add_column(t("cli.sim.col.reviews"), justify="right")
    table.add_column(t("cli.sim.col.labels"), justify="right")
    for s in summary:
        never = t("cli.sim.never")
        reached = never if math.isnan(s.reviews_to_target) else f"{s.reviews_to_target:.0f}"
        table.add_row(
            s.strategy,
            reached,
            f"{s.auc_at_common:.3f}",
            f"{s.final_auc:.3f} ± {s.final_auc_sd:.3f}",
            f"{s.final_reviewed:.0f}",
            f"{s.final_labeled:.0f}",
        )
    out.print(table)
