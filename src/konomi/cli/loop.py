"""The loop's commands: check-env, embed, train, classify, score, undo, round."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
    HeadKindOpt,
    LikeOpt,
    ModelOpt,
    PrecisionOpt,
    RootOpt,
)
from konomi.cli.render import context, errors, fail, print_skipped, run
from konomi.encode.images import Skipped
from konomi.errors import ExitCode
from konomi.i18n import t
from konomi.i18n.display import display

if TYPE_CHECKING:
    from konomi.app.context import Context

SHOWN = 50  # images listed per destination by classify --dry-run before "… and N more"
NAMED = 5  # files undo names before "and N more"


@app.command("check-env", help=t("cli.help.check-env"))
def check_env(
    root: RootOpt = None, model: ModelOpt = None, device: DeviceOpt = None, debug: DebugOpt = False
) -> None:
    """Check the environment before a command fails on it: what is missing is said with
    its fix here, not as a traceback later."""
    from konomi.app.checks import run_checks

    with errors(debug), context(root, model, device=device) as ctx:
        checks = run_checks(ctx.ws, ctx.settings)
        table = Table(title=f"konomi {__version__} — {ctx.ws.root}", show_lines=False)
        for col in (
            "",
            t("cli.check.col.check"),
            t("cli.check.col.status"),
            t("cli.check.col.fix"),
        ):
            table.add_column(col, overflow="fold")  # a path is wrapped, never cut with "…"
        for c in checks:
            mark = "[green]✓[/]" if c.ok else ("[red]✗[/]" if c.required else "[yellow]–[/]")
            table.add_row(mark, escape(c.name), escape(c.detail), "" if c.ok else escape(c.fix))
        out.print(table)
        failed = [c for c in checks if c.required and not c.ok]
        if failed:
            out.print(f"[red]{t('cli.check.failed', n=len(failed))}[/]")
            raise typer.Exit(ExitCode.ERROR)
        out.print(f"[green]{t('cli.check.passed')}[/]")


@app.command(help=t("cli.help.embed"))
def embed(
    root: RootOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    precision: PrecisionOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Embed ahead of time, so that train, classify and review start without waiting."""
    with errors(debug), context(root, model, device=device, precision=precision) as ctx:
        result = run(ctx, workflow.embed)
        e = result.embedded
        speed = t("cli.embed.speed", rate=e.images_per_second) if e.new else ""
        out.print(
            t(
                "cli.embed.done",
                new=e.new,
                cached=e.cached,
                unreadable=len(result.skipped),
                seconds=e.seconds,
                speed=speed,
            )
        )
        print_skipped(result.skipped, ctx.ws.rel)
        if not (e.new or e.cached or result.skipped):
            err.print(f"[yellow]{t('cli.embed.nothing', data=ctx.ws.rel(ctx.ws.data))}[/]")


@app.command(help=t("cli.help.train"))
def train(
    root: RootOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    precision: PrecisionOpt = None,
    like_threshold: LikeOpt = None,
    dislike_threshold: DislikeOpt = None,
    folds: Annotated[int, typer.Option(min=2, max=20, help=t("cli.help.train.folds"))] = 5,
    head: HeadKindOpt = None,
    target_precision: Annotated[
        float | None,
        typer.Option(
            "--target-precision",
            min=0.5,
            max=1.0,
            help=t("cli.help.train.target_precision"),
        ),
    ] = None,
    debug: DebugOpt = False,
) -> None:
    """Train a head. `--target-precision` chooses the thresholds itself, so given together
    with explicit thresholds it is refused rather than silently overridden."""
    if target_precision is not None and (like_threshold, dislike_threshold) != (None, None):
        raise fail(t("cli.train.both"), t("cli.train.both.hint"))
    with (
        errors(debug),
        context(
            root,
            model,
            device=device,
            precision=precision,
            like_threshold=like_threshold,
            dislike_threshold=dislike_threshold,
            head=head,
        ) as ctx,
    ):
        result = run(
            ctx, lambda c: workflow.train(c, folds=folds, target_precision=target_precision)
        )
        _print_train(result)
        print_skipped(result.skipped, ctx.ws.rel)


def _pct(x: float | None, interval: tuple[float, float] | None = None) -> str:
    """A share as a percentage, with its interval while the labels are few: "100% (72%–100%)"."""
    if x is None:
        return "–"
    return f"{x:.0%}" if interval is None else f"{x:.0%} ({interval[0]:.0%}–{interval[1]:.0%})"


def _print_figures(result: workflow.TrainOutcome) -> None:
    """AUC, accuracy and Brier — with their 95 % interval when labels are few, or the
    plain statement that they cannot be measured yet: never a bare "AUC 1.000" on 8 images."""
    from konomi.learn.uncertainty import TOO_FEW, measurable

    m = result.metrics
    validation = (
        t("cli.train.loo") if m.validation == "leave-one-out" else t("cli.train.kfold", k=m.folds)
    )
    if not measurable(m.n_like, m.n_dislike):
        out.print("  " + t("cli.train.unmeasurable", like=m.n_like, dislike=m.n_dislike, n=TOO_FEW))
        return
    if result.interval is None:
        out.print(
            "  " + t("cli.train.figures", how=validation, auc=m.auc, acc=m.accuracy, brier=m.brier)
        )
        return
    i = result.interval
    out.print(
        "  "
        + t(
            "cli.train.figures.rough",
            how=validation,
            auc=m.auc,
            auc_lo=i.auc[0],
            auc_hi=i.auc[1],
            acc=m.accuracy,
            acc_lo=i.accuracy[0],
            acc_hi=i.accuracy[1],
            brier=m.brier,
            level=i.level,
        )
    )
    out.print("  " + t("cli.train.rough.why", like=m.n_like, dislike=m.n_dislike))


def _print_train(result: workflow.TrainOutcome) -> None:
    from konomi.learn.uncertainty import measurable

    m = result.metrics
    if result.reused:
        out.print(t("cli.train.kept", id=result.head_id, like=m.n_like, dislike=m.n_dislike))
    else:
        out.print(
            t(
                "cli.train.done",
                id=result.head_id,
                like=m.n_like,
                dislike=m.n_dislike,
                new=result.embedded.new,
            )
        )
    _print_figures(result)
    if result.library is not None:
        lib = result.library
        likes = sum(1 for v in lib.labels.values() if v == "like")
        out.print(
            t(
                "library.train_counts",
                ratings=lib.count("rating"),
                review=lib.count("review"),
                likes=likes,
                dislikes=len(lib.labels) - likes,
            )
        )
    dislike, like = result.thresholds
    out.print("  " + t("cli.train.thresholds", like=like, dislike=dislike))
    x = result.expected
    if x is not None and measurable(m.n_like, m.n_dislike):
        like_ci, dislike_ci = x.precision_intervals() if result.interval else (None, None)
        out.print(
            "  "
            + t(
                "cli.train.expected",
                like=_pct(x.like_precision, like_ci),
                dislike=_pct(x.dislike_precision, dislike_ci),
                unsure=x.unsure_share,
            )
        )
        if x.target is not None:
            for side, reached in (("like", x.like_reached), ("dislike", x.dislike_reached)):
                if not reached:
                    out.print("  " + t(f"cli.train.unreached.{side}", target=x.target))
    small, big = min(m.n_like, m.n_dislike), max(m.n_like, m.n_dislike)
    if small < 20:
        out.print("[yellow]  " + t("cli.note.little", like=m.n_like, dislike=m.n_dislike) + "[/]")
    if small and big / small > 5:
        side = "like" if m.n_like > m.n_dislike else "dislike"
        out.print("[yellow]  " + t(f"cli.note.unbalanced.{side}", ratio=big / small) + "[/]")
    if result.n_suspects:
        out.print("[yellow]  " + t("cli.train.suspects", n=result.n_suspects) + "[/]")


@app.command(help=t("cli.help.classify"))
def classify(
    root: RootOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    precision: PrecisionOpt = None,
    like_threshold: LikeOpt = None,
    dislike_threshold: DislikeOpt = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help=t("cli.help.classify.dry_run"))
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Sort data/unlabeled by score; the moves go through the journal, so undo reverts the
    whole run."""
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
        result = run(ctx, lambda c: workflow.classify(c, dry_run=dry_run))
        _print_classify(ctx, result, dry_run)
        print_skipped(result.skipped, ctx.ws.rel, moving=bool(result.plan) and not dry_run)


def _print_repair(repaired: object) -> None:
    if repaired:
        r = repaired
        out.print(
            f"[yellow]{t('cli.repaired', finished=r.finished, rolled_back=r.rolled_back)}[/]"  # type: ignore[attr-defined]
        )


def _print_plan(ctx: Context, result: workflow.ClassifyOutcome) -> None:
    """The dry run's plan: grouped by destination, each group by score (highest first), every
    image listed up to SHOWN per group, then how many more."""
    for label in ("like", "unsure", "dislike"):
        group = sorted((row for row in result.plan if row[1] == label), key=lambda r: -r[2])
        if not group:
            continue
        folder = ctx.ws.rel(ctx.ws.classified_dir(label))
        out.print(t("cli.plan.group", folder=folder, n=len(group)))
        for move, _, s in group[:SHOWN]:
            out.print(f"  {s:6.1%}  {escape(display(ctx.ws.rel(move.src)))}")
        if len(group) > SHOWN:
            out.print("  " + t("cli.more", n=len(group) - SHOWN))


def _print_classify(ctx: Context, result: workflow.ClassifyOutcome, dry_run: bool) -> None:
    _print_repair(result.repaired)
    counts = result.counts()
    dislike, like = result.thresholds
    e = result.scored.embedded
    if not result.plan:
        out.print(t("cli.classify.nothing", folder=ctx.ws.rel(ctx.ws.unlabeled)))
        return
    if dry_run:
        _print_plan(ctx, result)
        out.print(t("cli.classify.dry", n=len(result.plan)))
    else:
        moved = len(result.report.moved) if result.report else 0
        out.print(t("cli.classify.sorted", n=moved, id=result.scored.record.id))
        if result.report and result.report.skipped:
            result.skipped += [Skipped(p, r) for p, r in result.report.skipped]
    out.print(
        "  "
        + t(
            "cli.classify.counts",
            like=counts["like"],
            unsure=counts["unsure"],
            dislike=counts["dislike"],
            like_t=like,
            dislike_t=dislike,
        )
    )
    if e.new:
        out.print("  " + t("cli.classify.embedded", n=e.new, rate=e.images_per_second))
    if not dry_run:
        out.print(t("cli.classify.next"))


@app.command(help=t("cli.help.score"))
def score(
    root: RootOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    precision: PrecisionOpt = None,
    like_threshold: LikeOpt = None,
    dislike_threshold: DislikeOpt = None,
    out_path: Annotated[
        Path | None,
        typer.Option("--out", help=t("cli.help.score.out")),
    ] = None,
    source: InputOpt = None,
    engine: EngineOpt = "local",
    address: AddressOpt = None,
    with_embeddings: EmbeddingsOpt = False,
    cpus: CpusOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Score without moving anything: the workspace into a CSV, or (`--input` or any engine
    option) a dataset into Parquet through `cli.batch`."""
    if source is not None or engine != "local" or address or with_embeddings or cpus:
        batch.score_input(
            root, model, device, precision, like_threshold, dislike_threshold, out_path,
            source=source, engine=engine, address=address, with_embeddings=with_embeddings,
            cpus=cpus, debug=debug,
        )  # fmt: skip
        return
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
        result = run(ctx, lambda c: workflow.score(c, out_path))
        _print_score(ctx, result)
        print_skipped(result.skipped, ctx.ws.rel)


def _print_score(ctx: Context, result: workflow.ScoreOutcome) -> None:
    rows = result.rows  # highest score first
    counts = rows.counts()
    out.print(
        t(
            "cli.score.done",
            out=escape(ctx.ws.rel(result.out)),
            n=len(rows),
            id=result.head_id,
            like=counts["like"],
            unsure=counts["unsure"],
            dislike=counts["dislike"],
        )
    )
    if rows:
        top = ", ".join(f"{escape(display(r.path))} {r.score:.0%}" for r in rows[:3])
        bottom = ", ".join(f"{escape(display(r.path))} {r.score:.0%}" for r in rows[-3:])
        out.print("  " + t("cli.score.top", names=top))
        out.print("  " + t("cli.score.bottom", names=bottom))


@app.command(help=t("cli.help.undo"))
def undo(root: RootOpt = None, model: ModelOpt = None, debug: DebugOpt = False) -> None:
    """Revert the newest journaled operation, one per call."""
    with errors(debug), context(root, model) as ctx:
        result = run(ctx, workflow.undo)
        _print_repair(result.repaired)
        if result.op is None or result.report is None:
            out.print(t("cli.undo.nothing"))
            return
        r = result.report
        if result.edits is not None:
            e = result.edits
            out.print(
                t(
                    "undo.edits",
                    kind=t("cli.undo.kind.keeper") if result.kind == "keeper" else result.kind,
                    op=result.op,
                    restored=len(e.written),
                    removed=len(e.removed),
                    unlabelled=len(e.labelled),
                )
            )
            print_skipped(
                [Skipped(p, why) for p, why in e.skipped], ctx.ws.rel, key="cli.skipped.not_undone"
            )
            return
        kind = (
            t(f"cli.undo.kind.{result.kind}")
            if result.kind in ("classify", "review", "cull", "keeper")
            else (result.kind)
        )
        out.print(t("cli.undo.done", kind=kind, op=result.op, n=len(r.moved)))
        for _, back in r.moved[:NAMED]:
            out.print(f"  {escape(display(ctx.ws.rel(back)))}")
        if len(r.moved) > NAMED:
            out.print("  " + t("cli.more", n=len(r.moved) - NAMED))
        print_skipped([Skipped(p, why) for p, why in r.skipped], ctx.ws.rel, moving=True)


@app.command("round", help=t("cli.help.round"))
def round_(
    root: RootOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    precision: PrecisionOpt = None,
    like_threshold: LikeOpt = None,
    dislike_threshold: DislikeOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=t("cli.help.round.dry_run"))] = False,
    debug: DebugOpt = False,
) -> None:
    """The whole turn of the loop in one command: train (the current head reused when
    nothing changed), classify, score, then how many images to review."""
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
        if dry_run:
            _print_preview(ctx, run(ctx, workflow.preview_round))
            return
        started = time.perf_counter()
        trained = run(ctx, lambda c: workflow.train(c, reuse=True))
        _print_train(trained)
        classified = run(ctx, workflow.classify)
        _print_classify(ctx, classified, False)
        scored = run(ctx, workflow.score)
        _print_score(ctx, scored)
        # One list of unreadable files for the whole round: each step meets the same ones.
        skipped = trained.skipped + classified.skipped + scored.skipped
        print_skipped(skipped, ctx.ws.rel, moving=bool(classified.plan))
        _print_suggestion(ctx, trained, scored)
        out.print(t("cli.round.done", seconds=time.perf_counter() - started))


def _print_preview(ctx: Context, p: workflow.RoundPreview) -> None:
    """`round --dry-run`: the training it would do, then classify's plan by destination."""
    if p.kept:
        out.print(t("cli.round.dry.keep", id=p.current, like=p.n_like, dislike=p.n_dislike))
    elif p.current:
        out.print(t("cli.round.dry.retrain", id=p.current, like=p.n_like, dislike=p.n_dislike))
    else:
        out.print(t("cli.round.dry.first", like=p.n_like, dislike=p.n_dislike))
    for label in ("like", "unsure", "dislike"):
        group = sorted((row for row in p.plan if row[1] == label), key=lambda r: -r[2])
        if not group:
            continue
        out.print(
            t("cli.plan.group", folder=ctx.ws.rel(ctx.ws.classified_dir(label)), n=len(group))
        )
        for path, _, s in group[:SHOWN]:
            out.print(f"  {s:6.1%}  {escape(ctx.ws.rel(path))}")
        if len(group) > SHOWN:
            out.print("  " + t("cli.more", n=len(group) - SHOWN))
    if not p.plan:
        out.print(t("cli.classify.nothing", folder=ctx.ws.rel(ctx.ws.unlabeled)))
    print_skipped(p.skipped, ctx.ws.rel)
    dislike, like = p.thresholds
    out.print(t("cli.round.dry.done", n=len(p.plan), like_t=like, dislike_t=dislike))


def _print_suggestion(
    ctx: Context, trained: workflow.TrainOutcome, scored: workflow.ScoreOutcome
) -> None:
    """Say how many images to look at this round, the most informative first (and remember
    it, so that the review page shows the same number)."""
    from konomi.app.suggestion import suggest
    from konomi.learn.uncertainty import measurable

    m = trained.metrics
    waiting = [r for r in scored.rows if not r.train_label]
    found = suggest(
        ctx.ws,
        scored.head_id,
        len(waiting),
        m.n_like + m.n_dislike,
        accuracy=m.accuracy if measurable(m.n_like, m.n_dislike) else None,
        unsure=sum(1 for r in waiting if r.label == "unsure"),
    )
    if found.confident and found.n:
        out.print(t("cli.round.suggest.unsure", n=found.n, waiting=found.waiting, acc=m.accuracy))
    elif found.confident and found.waiting:
        out.print(t("cli.round.confident", waiting=found.waiting, acc=m.accuracy))
    elif found.n:
        out.print(t("cli.round.suggest", n=found.n, waiting=found.waiting))
    else:
        out.print(t("cli.round.nothing"))
