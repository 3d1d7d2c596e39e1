"""Commands that explain the score: `suspects`, `explain`, `models` (and `models use`), `report`."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.cells import cell_len
from rich.markup import escape

from konomi.app.models import head_rows, use_head_checked
from konomi.cli.app import app, err, out
from konomi.cli.options import DebugOpt, DeviceOpt, ModelOpt, RootOpt
from konomi.cli.render import context, errors, print_skipped, run
from konomi.encode.images import Skipped
from konomi.errors import ExitCode
from konomi.i18n import t, when
from konomi.i18n.display import display

if TYPE_CHECKING:
    from konomi.app.explain import Explanation

MAX_K = 1000  # neighbours per label in `explain`: bounded before any array is made

JsonOpt = Annotated[bool, typer.Option("--json", help=t("cli.help.option.json"))]


def _print_json(value: object) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def _skipped_to_stderr(skipped: list[Skipped], rel: Callable[[Path], str]) -> None:
    for item in skipped:
        err.print(
            t("cli.skipped.one", path=escape(display(rel(item.path))), why=escape(item.reason))
        )


# -- suspects -------------------------------------------------------------------------------------
@app.command(help=t("cli.help.suspects"))
def suspects(
    root: RootOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    top: Annotated[
        int, typer.Option("--top", min=1, max=1_000_000, help=t("cli.help.suspects.top"))
    ] = 20,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Labels that the out-of-fold scores contradict: a mislabelled image misleads every
    later head, so they are worth a look before the next train."""
    from konomi.app.suspects import in_workspace

    with errors(debug), context(root, model, device=device) as ctx:
        found = run(ctx, lambda c: in_workspace(c, top=top))
        if as_json:
            _print_json([s.as_dict() for s in found.suspects])
            _skipped_to_stderr(found.skipped, ctx.ws.rel)
            return
        key = "cli.suspects.fresh" if found.recomputed else "cli.suspects.head"
        out.print(t(key, id=found.head_id, n=found.n_train, flagged=found.n_flagged))
        keys = ("rank", "wrong", "label", "score", "path")
        lines = [["", *(t(f"cli.suspects.col.{key}") for key in keys)]]
        for s in found.suspects:
            label = t(f"cli.label.{s.label}") if s.label in ("like", "dislike") else s.label
            lines.append(
                [
                    "●" if s.flagged else "",
                    str(s.rank),
                    f"{s.confidence:.0%}",
                    label,
                    f"{s.score:.2f}",
                    display(s.path),
                ]
            )
        for line in _columns(lines, right={1, 2, 4}):
            out.print(line, markup=False)
        out.print(t("cli.suspects.legend"))
        out.print(found.rule(), markup=False)
        out.print(t("cli.suspects.next"))
        print_skipped(found.skipped, ctx.ws.rel)


# -- explain --------------------------------------------------------------------------------------
def _resolve(ws_root: Path, given: Path) -> Path:
    """A path as typed: relative to the current folder if it exists there, else to the root."""
    if given.is_absolute() or given.exists():
        return given.resolve()
    return (ws_root / given).resolve()


@app.command(help=t("cli.help.explain"))
def explain(
    paths: Annotated[list[Path], typer.Argument(help=t("cli.help.explain.paths"))],
    root: RootOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    k: Annotated[int, typer.Option("--k", min=1, max=MAX_K, help=t("cli.help.explain.k"))] = 3,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """The score and the nearest labelled neighbours of given images, so that a score can
    be checked by eye."""
    from konomi.app.explain import explain as explain_paths

    with errors(debug), context(root, model, device=device) as ctx:
        files = [_resolve(ctx.ws.root, p) for p in paths]
        result = run(ctx, lambda c: explain_paths(c, files, k))
        if as_json:
            _print_json([e.as_dict() for e in result.explanations])
            _skipped_to_stderr(result.skipped, ctx.ws.rel)
        else:
            for e in result.explanations:
                _print_explanation(e)
            if result.explanations:
                out.print(t("cli.explain.similarity"))
            print_skipped(result.skipped, ctx.ws.rel)
        if result.skipped:  # an image that could not be explained is a failure
            err.print(
                f"[bold red]{t('error.prefix')}[/] "
                + t("cli.explain.failed", n=len(result.skipped))
            )
            raise typer.Exit(ExitCode.ERROR)


def _print_explanation(e: Explanation) -> None:
    key = "cli.explain.labelled" if e.train_label else "cli.explain.score"
    label = t(f"cli.label.{e.train_label}") if e.train_label in ("like", "dislike") else ""
    proposal = t(f"cli.proposal.{e.proposal}") if e.proposal else e.proposal
    out.print(
        t(
            key,
            path=escape(display(e.path)),
            score=e.score,
            proposal=proposal,
            id=e.head_id,
            label=label,
        )
    )
    for title_key, near in (("cli.explain.liked", e.liked), ("cli.explain.disliked", e.disliked)):
        title = t(title_key)
        if not near:
            out.print(f"  {title} {t('cli.explain.none')}")
        for n in near:
            out.print(f"  {title} {n.similarity:.3f}  {escape(display(n.path))}")
            title = " " * cell_len(title)


# -- models ---------------------------------------------------------------------------------------
models_app = typer.Typer(no_args_is_help=False, invoke_without_command=True)
app.add_typer(models_app, name="models")


@models_app.callback(invoke_without_command=True, help=t("cli.help.models"))
def models(
    command: typer.Context,
    root: RootOpt = None,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """List the saved heads; as the group's callback it runs only when no subcommand is
    given."""
    if command.invoked_subcommand is not None:
        return
    with errors(debug), context(root, model) as ctx:
        rows = head_rows(ctx.ws)
        if as_json:
            _print_json(rows)
            return
        if not rows:
            out.print(t("cli.models.none"))
            return
        keys = ("id", "date", "like", "dislike", "auc", "brier", "thresholds", "suspects")
        lines = [["", *(t(f"cli.models.col.{key}") for key in keys)]]
        for r in rows:
            thresholds = f"{_num(r['dislike_threshold'], 2)}/{_num(r['like_threshold'], 2)}"
            lines.append(
                [
                    "*" if r["current"] else "",
                    str(r["id"]),
                    when(r["created"]) or str(r["date"]),
                    str(r["n_like"] or 0),
                    str(r["n_dislike"] or 0),
                    _num(r["auc"], 3) if _measured(r) else "–",
                    _num(r["brier"], 3) if _measured(r) else "–",
                    thresholds,
                    str(r["suspects"] or 0),
                ]
            )
        for line in _columns(lines, right=set(range(3, len(lines[0])))):
            out.print(line, markup=False)
        out.print(t("cli.models.legend"))


def _measured(row: dict[str, object]) -> bool:
    """Whether a head had enough labels of each class for its figures to mean anything."""
    from konomi.learn.uncertainty import measurable

    return measurable(int(row["n_like"] or 0), int(row["n_dislike"] or 0))  # type: ignore[call-overload]


def _columns(lines: list[list[str]], *, right: set[int]) -> list[str]:
    """Rows of cells as aligned text, the columns numbered in `right` to the right, the others
    to the left; measured in terminal cells (a Japanese character takes two)."""
    widths = [max(cell_len(row[i]) for row in lines) for i in range(len(lines[0]))]
    text = []
    for row in lines:
        cells = []
        for i, (cell, width) in enumerate(zip(row, widths)):
            pad = " " * (width - cell_len(cell))
            cells.append(pad + cell if i in right else cell + pad)
        text.append(" " + "  ".join(cells).rstrip())
    return text


def _num(value: object, digits: int) -> str:
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) else "–"


@models_app.command("use", help=t("cli.help.models.use"))
def models_use(
    head_id: Annotated[str, typer.Argument(metavar="ID", help=t("cli.help.models.use.id"))],
    root: RootOpt = None,
    model: ModelOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Make a saved head the current one, so that a worse new head can be rolled back."""
    with errors(debug), context(root, model) as ctx:
        record = use_head_checked(ctx.ws, head_id)
        m = record.info.get("metrics", {})
        out.print(
            t(
                "cli.models.used",
                id=record.id,
                auc=_num(m.get("auc"), 3),
                brier=_num(m.get("brier"), 3),
            )
        )


# -- report ---------------------------------------------------------------------------------------
@app.command(help=t("cli.help.report"))
def report(
    root: RootOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    out_path: Annotated[Path | None, typer.Option("--out", help=t("cli.help.report.out"))] = None,
    duplicate_threshold: Annotated[
        float,
        typer.Option(
            "--duplicate-threshold",
            min=0.5,
            max=1.0,
            help=t("cli.help.report.duplicate_threshold"),
        ),
    ] = 0.95,
    debug: DebugOpt = False,
) -> None:
    """The HTML report, built from the cache and the current head; it opens offline."""
    from konomi.app.reports.html import build

    with errors(debug), context(root, model, device=device) as ctx:
        result = run(ctx, lambda c: build(c, out_path, duplicate_threshold=duplicate_threshold))
        out.print(
            t(
                "cli.report.done",
                out=escape(ctx.ws.rel(result.out)),
                n=result.n_images,
                id=result.head_id,
                suspects=result.n_suspects,
                groups=result.n_groups,
                mb=result.size_bytes / 1e6,
            )
        )
        print_skipped(result.skipped, ctx.ws.rel)
