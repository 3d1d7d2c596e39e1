"""One `konomi simulate` run, as the command asks for it: open the pool, replay, write results."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from konomi.app.simulate.files import (
    load_pool,
    load_themes,
    plot_curves,
    write_rounds,
    write_summary,
)
from konomi.app.simulate.runner import simulate
from konomi.errors import KonomiError
from konomi.i18n import t
from konomi.learn.head import MODEL_KINDS, resolve_kind
from konomi.learn.simulate.replay import Plan, RoundRow, Summary, check_plan, summarise
from konomi.progress import Progress


def check_head(head: str) -> str:
    """The head kind `head` names (`auto` resolved), or a KonomiError listing the kinds."""
    kind = resolve_kind(head)
    if kind not in MODEL_KINDS:
        raise KonomiError(
            t("cli.sim.head", head=head), t("cli.sim.head.hint", kinds=", ".join(MODEL_KINDS))
        )
    return kind


@dataclass(frozen=True)
class Pool:
    """A labelled pool read from its file, with the plan checked against it."""

    path: Path
    X: np.ndarray
    y: np.ndarray
    theme: np.ndarray | None
    plan: Plan  # protocol and strategies spelt out


def open_pool(path: Path, plan: Plan) -> Pool:
    """Read the pool file and check the plan (each with a clear KonomiError)."""
    X, y = load_pool(path)
    return Pool(path, X, y, load_themes(path), check_plan(plan))


@dataclass(frozen=True)
class Study:
    """What a simulation found and where it wrote it."""

    rows: list[RoundRow]
    summary: list[Summary]
    rounds_csv: Path
    summary_csv: Path
    png: Path
    seconds: float


def run_study(
    pool: Pool, out_dir: Path, *, target: float, title: str, progress: Progress | None = None
) -> Study:
    """Replay every strategy and seed of the plan; write rounds.csv, summary.csv, curves.png."""
    started = time.perf_counter()
    rows = simulate(pool.X, pool.y, pool.plan, progress, theme=pool.theme)
    summary = summarise(rows, target)
    return Study(
        rows,
        summary,
        write_rounds(rows, out_dir / "rounds.csv"),
        write_summary(summary, out_dir / "summary.csv"),
        plot_curves(rows, out_dir / "curves.png", target=target, title=title),
        time.perf_counter() - started,
    )
