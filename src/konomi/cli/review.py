"""`konomi review`: go through the model's proposals in the browser, one key per image."""

from __future__ import annotations

import os
import sys
import threading
import webbrowser
from typing import Annotated

import typer
from rich.markup import escape

from konomi.cli.app import app, out
from konomi.cli.options import DebugOpt, DeviceOpt, DislikeOpt, LikeOpt, ModelOpt, RootOpt
from konomi.cli.render import context, errors, run
from konomi.i18n import t


def _open_browser(url: str) -> bool:
    """Open `url` in the person's browser, in the background; False where there is no screen.

    Without a display, Python's `webbrowser` falls back to console browsers (lynx, w3m) that
    would take over this terminal, so we do not try.
    """
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return False
    threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    return True


@app.command()
def review(
    root: RootOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    like_threshold: LikeOpt = None,
    dislike_threshold: DislikeOpt = None,
    port: Annotated[
        int,
        typer.Option("--port", min=0, max=65535, help="Port on 127.0.0.1 (0: pick a free one)."),
    ] = 0,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Only print the link; do not open a browser.")
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Review the model's proposals in your browser: one image at a time, one key each.

    Shows data/classified/* and data/unlabeled/, most informative first, with the score.
    Keys: [bold]l[/] / → like (moves to data/train/like/), [bold]d[/] / ← dislike
    (data/train/dislike/), [bold]s[/] / ↓ skip, [bold]u[/] / Backspace undo, [bold]?[/] help.
    Every move is journaled: [cyan]konomi undo[/] reverts a decision too. The server listens on
    127.0.0.1 only and needs the link it prints (a new token each start). Ctrl-C stops it.

    Example: [cyan]konomi review --port 8765 --no-browser[/]
    """
    from konomi.app.review.server import ReviewServer

    with errors(debug):
        ctx = context(
            root,
            model,
            device=device,
            like_threshold=like_threshold,
            dislike_threshold=dislike_threshold,
        )
        server = run(ctx, lambda c: ReviewServer.start(c, port=port))
        snap = server.queue.snapshot()
        if snap["head"]:
            out.print(t("cli.review.start", n=snap["left"], id=snap["head"]))
        else:
            out.print(t("cli.review.start.nohead", n=snap["left"]))
        suggested = server.suggested()
        if suggested:
            out.print(t("cli.review.suggested", n=suggested))
        if snap["note"]:
            out.print(f"[yellow]{t('cli.review.note')}[/] {escape(snap['note'])}")
        out.print(t("cli.review.link"))
        out.print(server.url, markup=False, highlight=False, overflow="ignore", crop=False)
        sys.stdout.flush()
        if not no_browser and not _open_browser(server.url):
            out.print(t("cli.review.nobrowser"))
        try:
            server.serve()
        finally:
            _print_summary(server)
            ctx.close()


def _print_summary(server) -> None:  # noqa: ANN001 - a ReviewServer
    """What the session did: every decision since the start, across retrains."""
    snap = server.queue.snapshot()
    c = snap["counts"]
    out.print(
        t(
            "cli.review.stopped",
            liked=c["liked"],
            disliked=c["disliked"],
            skipped=c["skipped"],
            left=snap["left"],
        )
    )
    if c["liked"] or c["disliked"]:
        out.print(t("cli.review.next"))
