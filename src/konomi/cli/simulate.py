"""`konomi simulate`: replay the loop on a labelled pool of embeddings, write curves."""

from __future__ import annotations

import csv
import math
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from konomi.cli.app import app, err, out
from konomi.cli.options import DebugOpt, ModelOpt, RootOpt
from konomi.cli.render import RichProgress, context, errors, print_skipped, run
from konomi.i18n import t


@app.command()
def simulate(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for rounds.csv, summary.csv and curves.png.")
    ],
    embeddings: Annotated[
        Path | None,
        typer.Option("--embeddings", help=".npz with X (float32, n × d) and y (0/1, n)."),
    ] = None,
    from_workspace: Annotated[
        bool,
        typer.Option(
            "--from-workspace",
            help="Simulate on your own labelled images (data/train of --root, embedded with "
            "--model); their embeddings are saved as OUT/pool.npz for later runs.",
        ),
    ] = False,
    strategies: Annotated[
        str,
        typer.Option(
            help="Comma-separated. Session protocol: cold, diverse, uncertainty, random "
            "(default: all four). Arrivals protocol: seed, confirm, random, uncertainty, "
            "diverse (default: all five)."
        ),
    ] = "",
    protocol: Annotated[
        str,
        typer.Option(
            help="session: the whole pool at once, the head retrained every few judgements (a "
            "first session); arrivals: new images in batches, one round each; auto: session "
            "when --start is under 100."
        ),
    ] = "auto",
    retrain_every: Annotated[
        int,
        typer.Option(
            min=1, max=100_000, help="Session: judgements between two trainings of the head."
        ),
    ] = 20,
    judgements: Annotated[
        int,
        typer.Option(
            min=1,
            max=10_000_000,
            help="Session: judgements in all, first picks and start included.",
        ),
    ] = 1000,
    prompt_cosine: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Session: give the person a synthetic like and dislike prompt whose cosine to "
            "a liked / disliked theme's centre is this (0.3 vague … 0.7 telling; 0: none).",
        ),
    ] = 0.0,
    prompts: Annotated[
        int,
        typer.Option(
            min=1,
            max=100,
            help="Session, with --prompt-cosine: like prompts (and dislike prompts), "
            "one theme each.",
        ),
    ] = 1,
    rounds: Annotated[
        int, typer.Option(min=1, max=1000, help="Arrivals: rounds (batches of new images) per run.")
    ] = 12,
    batch: Annotated[
        int,
        typer.Option(
            min=0,
            max=10_000_000,
            help="New images per round (0: the pool split evenly over the rounds).",
        ),
    ] = 0,
    budget: Annotated[
        int,
        typer.Option(
            min=0,
            max=10_000_000,
            help="Images the person labels per round in the budgeted strategies (0: what "
            "`konomi round` suggests: a quarter of the labels, in hundreds, 100 to 500).",
        ),
    ] = 0,
    seeds: Annotated[
        int, typer.Option(min=1, max=1000, help="Repeats with different splits (mean and band).")
    ] = 3,
    seed: Annotated[
        int,
        typer.Option(min=0, max=2**32 - 1, help="Random seed: the same seed gives the same CSV."),
    ] = 0,
    head: Annotated[
        str, typer.Option(help="Head to train each round: auto, kernel, logreg, svm, mlp, knn.")
    ] = "auto",
    start: Annotated[
        int,
        typer.Option(
            min=0,
            max=10_000_000,
            help="Starting labelled images, half like and half dislike, picked at random (0: "
            "nobody has labelled anything; each strategy makes its own first picks).",
        ),
    ] = 400,
    test_fraction: Annotated[
        float,
        typer.Option(
            min=0.01, max=0.9, help="Share of the pool held out for measuring, never trained on."
        ),
    ] = 0.25,
    target: Annotated[
        float,
        typer.Option(min=0.5, max=1.0, help="AUC whose reviews-to-reach the summary reports."),
    ] = 0.93,
    workers: Annotated[
        int, typer.Option(min=0, max=1024, help="Worker processes (0: one per core).")
    ] = 0,
    root: RootOpt = None,
    model: ModelOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Replay the active-learning loop on labelled embeddings and compare review strategies.

    Holds out part of the pool and starts from a balanced labelled set (or from nothing, with
    --start 0). With small starts (the session protocol) the whole pool is there at once and
    the head is retrained every --retrain-every judgements; with bigger ones (arrivals) new
    images arrive in batches and the head is retrained each round — always with the code
    [cyan]konomi train[/] uses. Writes OUT/rounds.csv (one row per strategy, seed and round),
    OUT/summary.csv and OUT/curves.png. It reads either an embeddings file (--embeddings) or, with
    --from-workspace, the labelled images of your own workspace (--root, --model): then the
    numbers are about your taste, not a synthetic one.

    Example: [cyan]konomi simulate --embeddings pool.npz --out sim/ --start 0[/]

    Example: [cyan]konomi simulate --embeddings pool.npz --out sim/ --seeds 3[/]

    Example: [cyan]konomi simulate --from-workspace --out sim-mine/[/]
    """
    from konomi.learn.head import MODEL_KINDS, resolve_kind
    from konomi.learn.simulate.replay import (
        Plan,
        check_plan,
        load_pool,
        load_themes,
        plot_curves,
        simulate,
        summarise,
        write_rounds,
    )

    with errors(debug):
        from konomi.errors import KonomiError

        if resolve_kind(head) not in MODEL_KINDS:
            raise KonomiError(
                t("cli.sim.head", head=head), t("cli.sim.head.hint", kinds=", ".join(MODEL_KINDS))
            )
        if (embeddings is None) == (not from_workspace):
            raise KonomiError(t("cli.sim.source"), t("cli.sim.source.hint"))
        if embeddings is None:
            embeddings = _export_workspace(root, model, out_dir / "pool.npz")
            title = t("cli.sim.title.own", name=embeddings.name)
        else:
            title = embeddings.name
        X, y = load_pool(embeddings)
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
        plan = check_plan(plan)
        if plan.session:
            shape = t(
                "simulate.session",
                judgements=plan.judgements,
                every=plan.retrain_every,
                start=plan.start,
            )
        else:
            shape = t("simulate.arrivals", rounds=rounds, start=plan.start)
        err.print(
            t(
                "simulate.pool",
                name=escape(embeddings.name),
                n=len(y),
                d=X.shape[1],
                like=int(y.sum()),
                dislike=int(len(y) - y.sum()),
                head=resolve_kind(head),
                strategies=len(plan.strategies),
                seeds=seeds,
                shape=shape,
            )
        )
        started = time.perf_counter()
        with RichProgress(err) as progress:
            rows = simulate(X, y, plan, progress, theme=load_themes(embeddings))
        rounds_csv = write_rounds(rows, out_dir / "rounds.csv")
        summary = summarise(rows, target)
        png = plot_curves(rows, out_dir / "curves.png", target=target, title=title)
        summary_csv = _write_summary(summary, out_dir / "summary.csv")
        _print_summary(summary, target)
        out.print(
            t(
                "cli.sim.wrote",
                rounds=escape(str(rounds_csv)),
                summary=escape(str(summary_csv)),
                png=escape(str(png)),
                seconds=time.perf_counter() - started,
            )
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


def _write_summary(summary: list, path: Path) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "strategy",
                "reviews_to_target",
                "auc_at_common",
                "final_auc",
                "final_auc_sd",
                "final_reviewed",
                "final_labeled",
            ]
        )
        for s in summary:
            writer.writerow(
                [
                    s.strategy,
                    "" if math.isnan(s.reviews_to_target) else f"{s.reviews_to_target:.0f}",
                    f"{s.auc_at_common:.4f}",
                    f"{s.final_auc:.4f}",
                    f"{s.final_auc_sd:.4f}",
                    f"{s.final_reviewed:.0f}",
                    f"{s.final_labeled:.0f}",
                ]
            )
    return path


def _print_summary(summary: list, target: float) -> None:
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
