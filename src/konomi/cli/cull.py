"""`konomi cull`: bursts, the frame to keep from each, and (with --apply) the rest set aside."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.markup import escape

from konomi.app import cull as culling
from konomi.cli.app import app, err, out
from konomi.cli.options import DebugOpt, DeviceOpt, ModelOpt, RootOpt
from konomi.cli.render import context, errors, print_skipped, run
from konomi.i18n import t


@app.command(help=t("cli.help.cull"))
def cull(
    root: RootOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help=t("cli.help.cull.json"))] = False,
    apply: Annotated[bool, typer.Option("--apply", help=t("cli.help.cull.apply"))] = False,
    debug: DebugOpt = False,
) -> None:
    """Bursts of the workspace and the libraries, each with a keeper; --apply moves the rest."""
    with errors(debug), context(root, model, device=device) as ctx:
        step = culling.apply if apply else culling.find_bursts
        result = run(ctx, step)
        if as_json:
            sys.stdout.write(json.dumps(result.as_json(), ensure_ascii=False, indent=2) + "\n")
            sys.stdout.flush()
            for item in result.skipped:
                err.print(
                    t(
                        "cli.skipped.one",
                        path=escape(ctx.ws.rel(item.path)),
                        why=escape(item.reason),
                    )
                )
            return
        _print(result, ctx.settings.burst_gap)
        print_skipped(result.skipped, ctx.ws.rel, moving=apply)


def _print(result: culling.CullOutcome, gap: float) -> None:
    if not result.bursts:
        out.print(t("cull.none", images=result.images, gap=f"{gap:g}"))
        return
    for number, burst in enumerate(result.bursts, 1):
        out.print(
            t(
                "cull.burst",
                number=number,
                n=1 + len(burst.rest),
                keeper=escape(burst.keeper_name),
                reason=burst.reason_text,
            )
        )
        for name in burst.rest_names:
            out.print(t("cull.rest", path=escape(name)))
    out.print(
        t("cull.summary", bursts=len(result.bursts), images=result.images, rejects=result.rejects)
    )
    if result.head_id is None:
        out.print(t("cull.no_head"))
    elif any(b.reason == "liked_most" for b in result.bursts):
        out.print(t("cull.head", head=result.head_id))
    in_library = sum(len(b.rest) for b in result.bursts if b.library)
    if result.report is not None:
        out.print(t("cull.moved", n=len(result.report.moved), op=result.report.op))
        if result.report.moved:
            out.print(t("cull.undo_hint"))
    elif result.rejects > in_library:
        out.print(t("cull.apply_hint"))
    if in_library:
        out.print(t("cull.library_hint", n=in_library))
