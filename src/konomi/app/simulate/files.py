"""What `konomi simulate` reads and writes: the pool file, rounds.csv, summary.csv, curves.png."""

from __future__ import annotations

import contextlib
import csv
import math
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np

from konomi.atomic import atomic_file
from konomi.errors import KonomiError
from konomi.i18n import t
from konomi.learn.simulate.replay import COLUMNS, RoundRow, Summary, curves

SUMMARY_COLUMNS = ("strategy", "reviews_to_target", "auc_at_common", "final_auc",
                   "final_auc_sd", "final_reviewed", "final_labeled")  # fmt: skip


def load_pool(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read `X` (n × d) and `y` (0/1) from an .npz file, with clear errors for bad input."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if "X" not in data or "y" not in data:
                raise KonomiError(
                    t("simulate.error.no_arrays", path=path, names=", ".join(data.files)),
                    t("simulate.error.no_arrays_hint"),
                )
            X, y = data["X"], data["y"]
    except FileNotFoundError:
        raise KonomiError(t("simulate.error.no_file", path=path)) from None
    except (OSError, ValueError) as exc:
        raise KonomiError(
            t("simulate.error.not_npz", path=path, why=exc), t("simulate.error.not_npz_hint")
        ) from None
    if X.ndim != 2 or y.ndim != 1 or len(X) != len(y):
        raise KonomiError(
            t("simulate.error.shapes", x=X.shape, y=y.shape), t("simulate.error.shapes_hint")
        )
    if not np.isfinite(X).all():
        raise KonomiError(t("simulate.error.not_finite"))
    if not np.isin(y, (0, 1)).all():
        raise KonomiError(t("simulate.error.labels"))
    return np.asarray(X, np.float32), np.asarray(y, np.int64)


def load_themes(path: Path) -> np.ndarray | None:
    """The optional `theme` array of a pool file (one group number per row), else None: the
    synthetic prompts then find themes by k-means."""
    with contextlib.suppress(OSError, ValueError), np.load(path, allow_pickle=False) as data:
        if "theme" in data.files and data["theme"].ndim == 1:
            return np.asarray(data["theme"], np.int64)
    return None


def write_rounds(rows: Sequence[RoundRow], path: Path) -> Path:
    """rounds.csv: one row per strategy, seed and round."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([_cell(v) for v in asdict(row).values()])
    return path


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.6f}"
    return str(value)


def write_summary(summary: Sequence[Summary], path: Path) -> Path:
    """summary.csv: one row per strategy (`replay.summarise`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(SUMMARY_COLUMNS)
        for s in summary:
            writer.writerow(
                [
                    s.strategy,
                    "" if math.isnan(s.reviews_to_target) else f"{s.reviews_to_target:.0f}",
                    f"{s.auc_at_common:.4f}",
                    f"{s.final_auc:.4f}",
                    f"{s.final_auc_sd:.4f}",
                    f"{s.final_reviewed:.0f}",
                    f"{s.final_labeled:.0f}",
                ]
            )
    return path


def plot_curves(
    rows: Sequence[RoundRow], path: Path, *, target: float | None = None, title: str = ""
) -> Path:
    """curves.png: held-out AUC and Brier against reviews, one line per strategy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cs = curves(rows)
    fig, (ax_auc, ax_brier) = plt.subplots(1, 2, figsize=(13, 5.2))
    for c in cs:
        (line,) = ax_auc.plot(c.n_reviewed, c.auc, marker="o", ms=3, label=c.strategy)
        ax_auc.fill_between(c.n_reviewed, c.auc_low, c.auc_high, color=line.get_color(), alpha=0.15)
        ax_brier.plot(
            c.n_reviewed, c.brier, marker="o", ms=3, color=line.get_color(), label=c.strategy
        )
        ax_brier.fill_between(
            c.n_reviewed, c.brier_low, c.brier_high, color=line.get_color(), alpha=0.15
        )
    if target is not None:
        ax_auc.axhline(target, color="grey", ls="--", lw=1, label=f"target {target:.2f}")
    seeds = len({r.seed for r in rows})
    heads = ", ".join(sorted({r.head for r in rows}))
    ax_auc.set(
        xlabel="images the person looked at (n_reviewed)",
        ylabel="held-out AUC (higher is better)",
        title="Ranking quality",
    )
    ax_brier.set(
        xlabel="images the person looked at (n_reviewed)",
        ylabel="held-out Brier score (lower is better)",
        title="Probability quality",
    )
    for ax in (ax_auc, ax_brier):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9)
    fig.suptitle(
        (title + " — " if title else "")
        + f"head: {heads}; mean over {seeds} seed(s), band = min–max",
        fontsize=11,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as f:
        fig.savefig(f, format="png", dpi=110)
    plt.close(fig)
    return path
