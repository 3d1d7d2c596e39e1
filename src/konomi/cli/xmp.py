"""`konomi xmp`: write the scores of library images into XMP sidecars as star ratings."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from konomi.app import xmp as sidecars
from konomi.cli.app import app, out
from konomi.cli.options import DebugOpt, DislikeOpt, LikeOpt, ModelOpt, RootOpt
from konomi.cli.render import context, errors, print_skipped, run
from konomi.i18n import t
from konomi.i18n.display import display


@app.command(help=t("cli.help.xmp"))
def xmp(
    root: RootOpt = None,
    model: ModelOpt = None,
    like_threshold: LikeOpt = None,
    dislike_threshold: DislikeOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help=t("cli.help.xmp.dry_run"))] = False,
    cull: Annotated[bool, typer.Option("--cull", help=t("cli.help.xmp.cull"))] = False,
    debug: DebugOpt = False,
) -> None:
    """konomi's scores as star ratings in XMP sidecars, so a photo library (Lightroom,
    darktable, digiKam) can filter by them; undoable through the journal."""
    with (
        errors(debug),
        context(
            root, model, like_threshold=like_threshold, dislike_threshold=dislike_threshold
        ) as ctx,
    ):
        result = run(ctx, lambda c: sidecars.write_sidecars(c, dry_run=dry_run, cull=cull))
        fields = {
            "images": result.images,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "head": result.head_id,
        }
        if dry_run:
            for plan in result.plans[:200]:
                # The rating the sidecar will hold: the person's own one is kept as it is.
                rating = (
                    f"{plan.stars}★"
                    if plan.person is None
                    else t("xmp.dry.kept", person=plan.person, stars=plan.stars)
                )
                out.print(f"  {plan.score:6.1%}  {rating}  {escape(display(plan.sidecar))}")
            out.print(t("xmp.planned", n=len(result.plans), **fields))
        else:
            written = len(result.report.written) if result.report else 0
            out.print(t("xmp.written", n=written, **fields))
        if result.plans:
            counts = t("xmp.stars.separator").join(
                t("xmp.stars.count", stars=n, n=k) for n, k in result.star_counts().items()
            )
            out.print(t("xmp.stars", counts=counts))
        if result.kept:
            out.print(t("xmp.kept", n=result.kept))
        if result.culled:
            out.print(t("xmp.culled", n=result.culled))
        if not dry_run and result.report and result.report.written:
            out.print(t("xmp.undo_hint"))
        print_skipped(result.skipped, ctx.ws.rel)
        print_skipped(result.not_written, ctx.ws.rel, key="cli.skipped.not_written")
