"""`konomi review`: go through the model's proposals in the browser, one key per image."""

from __future__ import annotations

import os
import sys
import threading
import time
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from konomi.cli.app import app, out
from konomi.cli.options import DebugOpt, DeviceOpt, DislikeOpt, LikeOpt, ModelOpt, RootOpt
from konomi.cli.render import context, errors, run
from konomi.i18n import t

if TYPE_CHECKING:
    from konomi.app.review.server import ReviewServer


def _open_browser(url: str) -> Path | None:
    """Open `url` in the person's browser, in the background; None where there is no screen.

    The browser gets the address of a private file that redirects to `url` (`launch_file`),
    never `url` itself: a command line is visible to every user of the machine, and `url`
    carries the token. Returns that file (removed when the server stops). Without a display,
    Python's `webbrowser` falls back to console browsers (lynx, w3m) that would take over this
    terminal, so we do not try — unless `BROWSER` names one.
    """
    if (
        sys.platform.startswith("linux")
        and not os.environ.get("BROWSER")
        and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    ):
        return None
    from konomi.app.review.guard import launch_file

    page = launch_file(url)
    threading.Thread(target=webbrowser.open, args=(page.as_uri(),), daemon=True).start()
    return page


def _leave_stuck_requests(grace: float = 2.0) -> None:
    """After Ctrl-C, a request still blocked in a worker thread (a read from a hung network
    disk, say) must not keep konomi running: once `grace` seconds pass, exit at once. Moves are
    crash-safe (the next command settles a half-done one), so nothing is lost by not waiting."""
    others = [
        t for t in threading.enumerate() if t is not threading.current_thread() and not t.daemon
    ]
    deadline = time.monotonic() + grace
    for thread in others:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() for t in others):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


@app.command(help=t("cli.help.review"))
def review(
    root: RootOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    like_threshold: LikeOpt = None,
    dislike_threshold: DislikeOpt = None,
    port: Annotated[
        int,
        typer.Option("--port", min=0, max=65535, help=t("cli.help.review.port")),
    ] = 0,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help=t("cli.help.review.no_browser"))
    ] = False,
    debug: DebugOpt = False,
) -> None:
    """Serve the review page on 127.0.0.1 until Ctrl-C: labelling in a browser is faster
    than moving files by hand, and every decision is journaled like a classify move."""
    from konomi.app.review.guard import remove_launch_file
    from konomi.app.review.server import ReviewServer

    with (
        errors(debug),
        context(
            root,
            model,
            device=device,
            like_threshold=like_threshold,
            dislike_threshold=dislike_threshold,
        ) as ctx,
    ):
        server = run(ctx, lambda c: ReviewServer.start(c, port=port))
        snap = server.queue.snapshot()
        if snap["scan"]["running"]:  # a large library: the page starts from the cache's best
            out.print(t("cli.review.start.scanning", n=snap["left"]))
        elif snap["head"]:
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
        page = None if no_browser else _open_browser(server.url)
        if not no_browser and page is None:
            out.print(t("cli.review.nobrowser"))
        try:
            server.serve()
        finally:
            if page is not None:
                remove_launch_file(page)
            _print_summary(server)
    _leave_stuck_requests()


def _print_summary(server: ReviewServer) -> None:
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
