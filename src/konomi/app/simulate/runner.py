"""Every (strategy, seed) run of a plan, spread over worker processes.

Each run is independent and deterministic (`replay.run_one`), so the runs go to a process pool
and their rows come back sorted (`replay.in_order`): the same seed gives the same rows with any
number of workers. Progress comes back from the workers through a managed queue.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import ProcessPoolExecutor
from queue import Empty
from typing import Any

import numpy as np

from konomi.i18n import t
from konomi.learn.simulate.replay import (
    Plan,
    RoundRow,
    check_plan,
    in_order,
    jobs,
    run_one,
    steps_per_run,
)
from konomi.machine import usable_cores
from konomi.progress import Progress


def _limit_threads() -> None:
    """One BLAS thread per worker: two workers on two cores beat two fighting for both."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def _worker(
    args: tuple[np.ndarray, np.ndarray, Plan, str, int, Any, np.ndarray | None],
) -> list[RoundRow]:
    _limit_threads()
    X, y, plan, strategy, seed, queue, theme = args
    report = queue.put if queue is not None else None
    return run_one(X, y, plan, strategy, seed, report, theme)


def simulate(
    X: np.ndarray,
    y: np.ndarray,
    plan: Plan,
    progress: Progress | None = None,
    theme: np.ndarray | None = None,
) -> list[RoundRow]:
    """Every strategy of the plan on every seed; rows sorted by strategy order, seed, round.
    `theme` (a group number per row, optional) tells the synthetic prompts where themes are."""
    plan = check_plan(plan)
    todo = jobs(plan)
    total = len(todo) * steps_per_run(plan)
    workers = min(plan.workers or usable_cores(), len(todo))
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(t("progress.simulating"), done, total)

    tick(0)
    results: dict[tuple[str, int], list[RoundRow]] = {}
    if workers <= 1:
        for s, seed in todo:
            results[(s, seed)] = run_one(X, y, plan, s, seed, tick, theme)
        return in_order(plan, results.values())
    import multiprocessing

    with multiprocessing.Manager() as manager:
        queue = manager.Queue()
        with ProcessPoolExecutor(workers) as pool:
            futures = {
                pool.submit(_worker, (X, y, plan, s, seed, queue, theme)): (s, seed)
                for s, seed in todo
            }
            pending = set(futures)
            while pending:
                while not queue.empty():
                    tick(queue.get())
                finished = {f for f in pending if f.done()}
                for f in finished:
                    results[futures[f]] = f.result()
                pending -= finished
                if pending:
                    with contextlib.suppress(Empty):
                        tick(queue.get(timeout=0.2))
    return in_order(plan, results.values())
