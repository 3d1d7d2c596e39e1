"""The review page's retrain worker: trains a new head in a background thread, then has the
queue rescored, while the page polls its progress (`Retraining`).

One run at a time; a failed run is reported on the page, never taken down with the server.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from dataclasses import dataclass

from konomi.app import loop as workflow
from konomi.app.context import Context
from konomi.errors import KonomiError
from konomi.i18n import kept, t


@dataclass
class Retraining:
    """The state of a "retrain now" run, as the page polls it."""

    running: bool = False
    stage: str = ""
    done: int = 0
    total: int | None = None
    message: str = ""  # a kept message (`i18n.kept`): shown in the language of each request
    error: str = ""

    def public(self) -> dict[str, object]:
        from konomi.i18n import shown

        return {
            "running": self.running,
            "stage": self.stage,
            "done": self.done,
            "total": self.total,
            "message": shown(self.message),
            "error": self.error,
        }


class RetrainWorker:
    """Runs `workflow.train` in a thread and hands the new context to `rescore`."""

    def __init__(self, lock: threading.RLock) -> None:
        self.lock = lock
        self.state = Retraining()

    @property
    def running(self) -> bool:
        return self.state.running

    def start(
        self,
        make_context: Callable[[], Context],
        rescore: Callable[[Context, bool], None],
        *,
        auto: bool = False,
    ) -> bool:
        """Train in the background, then `rescore(ctx, auto)`; False if a run is going on.
        `auto`: the page's own retrain every few labels (the round goes on)."""
        with self.lock:
            if self.state.running:
                return False
            self.state = Retraining(running=True, stage=t("progress.starting"))
        thread = threading.Thread(  # in the language of the page that asked (konomi.i18n)
            target=contextvars.copy_context().run,
            args=(self._run, make_context, rescore, auto),
            name="konomi-retrain",
            daemon=True,
        )
        thread.start()
        return True

    def _run(
        self,
        make_context: Callable[[], Context],
        rescore: Callable[[Context, bool], None],
        auto: bool,
    ) -> None:
        state = self.state

        def progress(stage: str, done: int, total: int | None) -> None:
            state.stage, state.done, state.total = stage, done, total

        ctx: Context | None = None
        try:
            ctx = make_context()
            ctx.reporter.on_progress = progress
            trained = workflow.train(ctx)
            progress(t("progress.rescoring"), 0, None)
            rescore(ctx, auto)
            m = trained.metrics
            state.message = kept(
                "page.server.trained",
                head=trained.head_id,
                n_like=m.n_like,
                n_dislike=m.n_dislike,
                auc=f"{m.auc:.2f}",
            )
            if auto:
                state.message = kept("text.retrain.auto", n_like=m.n_like, n_dislike=m.n_dislike)
        except KonomiError as exc:
            state.error = exc.message + (f" {exc.hint}" if exc.hint else "")
        except Exception as exc:  # noqa: BLE001 - a failed retrain must not take the page down
            state.error = t("page.server.retrain_failed", problem=f"{type(exc).__name__}: {exc}")
        finally:
            state.running = False
            if ctx is not None:
                ctx.close()
