"""`konomi search "TEXT"`: the workspace's images ranked by how well they match words."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from konomi.cli.app import app, err, out
from konomi.cli.options import DebugOpt, DeviceOpt, ModelOpt, RootOpt
from konomi.cli.render import context, errors, print_skipped, run
from konomi.i18n import t
from konomi.i18n.display import display


@app.command(help=t("cli.help.search"))
def search(
    text: Annotated[str, typer.Argument(help=t("cli.help.search.text"))],
    root: RootOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    top: Annotated[
        int, typer.Option("--top", min=1, max=1_000_000, help=t("cli.help.search.top"))
    ] = 20,
    as_json: Annotated[
        bool,
        typer.Option("--json", help=t("cli.help.search.json")),
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Text-to-image search over the cached image embeddings; it needs the model's text
    tower."""
    from konomi.app.search import search as run_search

    with errors(debug), context(root, model, device=device) as ctx:
        with ctx:
            found = run(ctx, lambda c: run_search(c, text, top))
        if as_json:
            rows = [{"path": h.rel, "similarity": round(h.similarity, 6)} for h in found.hits]
            sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
            sys.stdout.flush()
            for item in found.skipped:
                shown = t(
                    "text.search.skipped", path=display(ctx.ws.rel(item.path)), reason=item.reason
                )
                err.print(shown, markup=False)
            return
        header = "text.search.header_cached" if found.cached else "text.search.header"
        out.print(t(header, n=len(found.hits), text=display(text), total=found.total))
        for h in found.hits:
            out.print(f"  {h.similarity:+.3f}  {display(h.rel)}", markup=False, highlight=False)
        print_skipped(found.skipped, ctx.ws.rel)
