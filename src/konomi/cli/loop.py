"""The loop's commands: check-env, embed, train, classify, score, undo, round."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from konomi import __version__
from konomi.app import loop as workflow
from konomi.cli import batch
from konomi.cli.app import app, err, out
from konomi.cli.batch import AddressOpt, CpusOpt, EmbeddingsOpt, EngineOpt, InputOpt
from konomi.cli.options import (
    DebugOpt,
    DeviceOpt,
    DislikeOpt,
    LikeOpt,
    ModelOpt,
    PrecisionOpt,
    RootOpt,
)
from konomi.cli.render import context, errors, print_skipped, run
from konomi.encode.images import Skipped
from konomi.errors import ExitCode


@app.command("check-env")
def check_env(
    root: RootOpt = None, model: ModelOpt = None, device: DeviceOpt = None, debug: DebugOpt = False
) -> None:
    """Check Python, packages, ONNX Runtime, the model and the data folders.

    Exits non-zero when something required is missing, and says what to do.

    Example: [cyan]uv run konomi check-env --model ./models/ViT-B-32__openai[/]
    """
    from konomi.app.checks import run_checks

    with errors(debug):
        ctx = context(root, model, device=device)
        checks = run_checks(ctx.ws, ctx.settings)
        table = Table(title=f"konomi {__version__} — {ctx.ws.root}", show_lines=False)
        for col in ("", "check", "status", "what to do"):
            table.add_column(col, overflow="fold")  # a path is wrapped, never cut with "…"
        for c in checks:
            mark = "[green]✓[/]" if c.ok else ("[red]✗[/]" if c.required else "[yellow]–[/]")
            table.add_row(mark, c.name, c.detail, c.fix)
        out.print(table)
        failed = [c for c in checks if c.required and not c.ok]
        if failed:
            out.print(f"[red]{len(failed)} required check(s) failed.[/] See 'what to do' above.")
            raise typer.Exit(ExitCode.ERROR)
        out.print("[green]All required checks passed.[/]")


@app.command()
def embed(
    root: RootOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    precision: PrecisionOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Embed every image of the workspace into the cache (moves nothing).

    Example: [cyan]uv run konomi embed --root ~/photos-workspace[/]
    """
    with errors(debug):
        ctx = context(root, model, device=device, precision=precision)
        result = run(ctx, workflow.embed)
        e = result.embedded
        out.print(
            f"Embedded {e.new} new, {e.cached} cached, {len(result.skipped)} unreadable "
            f"in {e.seconds:.1f} s" + (f" ({e.images_per_second:.1f} images/s)" if e.new else "")
        )
        print_skipped(result.skipped, ctx.ws.rel)
        if not (e.new or e.cached or result.skipped):
            err.print(
                f"[yellow]No images under {ctx.ws.rel(ctx.ws.data)}/.[/] konomi reads "
                "data/train/like, data/train/dislike, data/unlabeled and data/classified: put "
                "new photos in data/unlabeled/ (or pass the workspace folder with --root)."
            )


@app.command()
def train(
    root: RootOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    precision: PrecisionOpt = None,
    like_threshold: LikeOpt = None,
    dislike_threshold: DislikeOpt = None,
    folds: Annotated[int, typer.Option(help="Cross-validation folds.")] = 5,
    head: Annotated[
        str | None,
        typer.Option(
            "--head",
            help="auto (= kernel), kernel, logreg, svm, mlp or knn; see docs/simulation.md.",
        ),
    ] = None,
    target_precision: Annotated[
        float | None,
        typer.Option(
            "--target-precision",
            help="Choose the like / dislike thresholds from cross-validation so that this share "
            "of proposals is right (e.g. 0.95).",
        ),
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Train the preference head on data/train/like (1) and data/train/dislike (0).

    Example: [cyan]uv run konomi train --target-precision 0.95[/]
    """
    if target_precision is not None and (like_threshold, dislike_threshold) != (None, None):
        err.print("[bold red]error:[/] --target-precision chooses the thresholds itself.")
        err.print("  Pass either --target-precision or --like/--dislike-threshold, not both.")
        raise typer.Exit(ExitCode.USAGE)
    with errors(debug):
        ctx = context(
            root,
            model,
            device=device,
            precision=precision,
            like_threshold=like_threshold,
            dislike_threshold=dislike_threshold,
            head=head,
        )
        result = run(
            ctx, lambda c: workflow.train(c, folds=folds, target_precision=target_precision)
        )
        _print_train(result)
        print_skipped(result.skipped, ctx.ws.rel)


def _print_train(result: workflow.TrainOutcome) -> None:
    m = result.metrics
    out.print(
        f"Trained head [bold]{result.head_id}[/] on {m.n_like} like / {m.n_dislike} dislike "
        f"({result.embedded.new} newly embedded)."
    )
    out.print(
        f"  {m.validation}: AUC {m.auc:.3f}, accuracy {m.accuracy:.1%}, "
        f"Brier {m.brier:.3f} (0 is perfect, 0.25 is a coin toss)"
    )
    dislike, like = result.thresholds
    out.print(f"  Thresholds: like ≥ {like:.2f}, dislike ≤ {dislike:.2f}")
    if result.expected is not None:
        from konomi.learn.thresholds import describe

        for line in describe(result.expected):
            out.print(f"  {line}")
    for note in result.advice:
        out.print(f"[yellow]  note:[/] {note}")
    if result.n_suspects:
        n = result.n_suspects
        out.print(
            f"[yellow]  {n} training image{'s' if n != 1 else ''} look"
            f"{'' if n != 1 else 's'} mislabelled:[/] run [cyan]uv run konomi suspects[/]"
        )


@app.command()
def classify(
    root: RootOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    precision: PrecisionOpt = None,
    like_threshold: LikeOpt = None,
    dislike_threshold: DislikeOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan only.")] = False,
    debug: DebugOpt = False,
) -> None:
    """Score data/unlabeled and sort it into data/classified/{like,dislike,unsure}.

    Every move is journaled and collision-safe; [cyan]konomi undo[/] puts them all back.

    Example: [cyan]uv run konomi classify --like-threshold 0.8 --dry-run[/]
    """
    with errors(debug):
        ctx = context(
            root,
            model,
            device=device,
            precision=precision,
            like_threshold=like_threshold,
            dislike_threshold=dislike_threshold,
        )
        result = run(ctx, lambda c: workflow.classify(c, dry_run=dry_run))
        _print_classify(ctx, result, dry_run)


def _print_repair(repaired: object) -> None:
    if repaired:
        r = repaired
        out.print(
            f"[yellow]Repaired an interrupted run:[/] {r.finished} move(s) finished, "  # type: ignore[attr-defined]
            f"{r.rolled_back} rolled back."  # type: ignore[attr-defined]
        )


def _print_classify(ctx: workflow.Context, result: workflow.ClassifyOutcome, dry_run: bool) -> None:
    _print_repair(result.repaired)
    counts = result.counts()
    dislike, like = result.thresholds
    e = result.scored.embedded
    if dry_run:
        for move, label, s in result.plan[:200]:
            out.print(f"  {s:6.1%}  {label:7}  {escape(ctx.ws.rel(move.src))}")
        out.print(f"Dry run: nothing moved. {len(result.plan)} image(s) would be sorted.")
    else:
        moved = len(result.report.moved) if result.report else 0
        out.print(f"Sorted {moved} image(s) with head {result.scored.record.id}:")
        if result.report and result.report.skipped:
            result.skipped += [Skipped(p, r) for p, r in result.report.skipped]
    out.print(
        f"  like {counts['like']} (≥ {like:.2f}) · unsure {counts['unsure']} · "
        f"dislike {counts['dislike']} (≤ {dislike:.2f})"
    )
    if e.new:
        out.print(f"  embedded {e.new} new image(s) at {e.images_per_second:.1f} images/s")
    print_skipped(result.skipped, ctx.ws.rel)
    if not dry_run and result.plan:
        out.print(
            "Next: look through data/classified/like and data/classified/dislike and move every "
            "image you judged into data/train/ — mistakes to the other label, the ones you agree "
            "with too (each is a label) — or run [cyan]uv run konomi review[/], which does both; "
            "then train again."
        )


@app.command()
def score(
    root: RootOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    precision: PrecisionOpt = None,
    like_threshold: LikeOpt = None,
    dislike_threshold: DislikeOpt = None,
    out_path: Annotated[
        Path | None,
        typer.Option(
            "--out", help="CSV path (default: reports/scores.csv); with --input, a .parquet file."
        ),
    ] = None,
    source: InputOpt = None,
    engine: EngineOpt = "local",
    address: AddressOpt = None,
    with_embeddings: EmbeddingsOpt = False,
    cpus: CpusOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Score every image under data/ and write the CSV report (UTF-8 with BOM); or, with
    --input, score images anywhere into a Parquet file (docs/cluster.md).

    Example: [cyan]uv run konomi score --out reports/today.csv[/]

    Example: [cyan]uv run konomi score --input /nas/photos --out scores.parquet[/]
    """
    if source is not None or engine != "local" or address or with_embeddings or cpus:
        batch.score_input(
            root, model, device, precision, like_threshold, dislike_threshold, out_path,
            source=source, engine=engine, address=address, with_embeddings=with_embeddings,
            cpus=cpus, debug=debug,
        )  # fmt: skip
        return
    with errors(debug):
        ctx = context(
            root,
            model,
            device=device,
            precision=precision,
            like_threshold=like_threshold,
            dislike_threshold=dislike_threshold,
        )
        result = run(ctx, lambda c: workflow.score(c, out_path))
        _print_score(ctx, result)


def _print_score(ctx: workflow.Context, result: workflow.ScoreOutcome) -> None:
    rows = sorted(result.rows, key=lambda r: -r.score)
    counts = {k: sum(r.label == k for r in rows) for k in ("like", "unsure", "dislike")}
    out.print(
        f"Wrote {ctx.ws.rel(result.out)}: {len(rows)} image(s) scored by head {result.head_id} — "
        f"like {counts['like']}, unsure {counts['unsure']}, dislike {counts['dislike']}"
    )
    if rows:
        out.print("  top:    " + ", ".join(f"{escape(r.path)} {r.score:.0%}" for r in rows[:3]))
        out.print("  bottom: " + ", ".join(f"{escape(r.path)} {r.score:.0%}" for r in rows[-3:]))
    print_skipped(result.skipped, ctx.ws.rel)


@app.command()
def undo(root: RootOpt = None, model: ModelOpt = None, debug: DebugOpt = False) -> None:
    """Revert the most recent operation: a whole classify run, or one review decision.

    Repeatable: each call reverts the next older one.

    Example: [cyan]uv run konomi undo[/]
    """
    with errors(debug):
        ctx = context(root, model)
        result = run(ctx, workflow.undo)
        _print_repair(result.repaired)
        if result.op is None or result.report is None:
            out.print("Nothing to undo.")
            return
        r = result.report
        out.print(
            f"Undid {result.kind} (operation {result.op}): {len(r.moved)} file(s) moved back."
        )
        print_skipped([Skipped(p, why) for p, why in r.skipped], ctx.ws.rel)


@app.command("round")
def round_(
    root: RootOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    precision: PrecisionOpt = None,
    like_threshold: LikeOpt = None,
    dislike_threshold: DislikeOpt = None,
    debug: DebugOpt = False,
) -> None:
    """One turn of the loop: train → classify → score, then what to review next.

    Example: [cyan]uv run konomi round[/]
    """
    with errors(debug):
        ctx = context(
            root,
            model,
            device=device,
            precision=precision,
            like_threshold=like_threshold,
            dislike_threshold=dislike_threshold,
        )
        started = time.perf_counter()
        trained = run(ctx, workflow.train)
        _print_train(trained)
        classified = run(ctx, workflow.classify)
        _print_classify(ctx, classified, False)
        scored = run(ctx, workflow.score)
        _print_score(ctx, scored)
        _print_suggestion(trained, scored)
        out.print(f"Round done in {time.perf_counter() - started:.1f} s.")


def _print_suggestion(trained: workflow.TrainOutcome, scored: workflow.ScoreOutcome) -> None:
    """Say how many images to look at this round, the most informative first."""
    from konomi.learn.active import suggested_reviews

    waiting = sum(1 for r in scored.rows if not r.train_label)
    labelled = trained.metrics.n_like + trained.metrics.n_dislike
    n = suggested_reviews(waiting, labelled)
    if n:
        out.print(
            f"Suggested this round: look at {n} of {waiting} image(s), most informative first — "
            "[cyan]uv run konomi review[/] (confirmations count as labels too), then run "
            "[cyan]uv run konomi round[/] again."
        )
    else:
        out.print("Nothing waits for review: put new images in data/unlabeled/.")
