"""The report's three plots, drawn with matplotlib as inline PNG data URIs.

Kept apart from the page (`html.py`): matplotlib is slow to import and draws its own text, so
its language and fonts are its own business here. The numbers the plots show come from learn/
(`learn.calibration`) and the saved heads; this module only draws them.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np

from konomi import i18n
from konomi.i18n import t
from konomi.learn.calibration import bins_for, reliability
from konomi.store.heads import list_heads
from konomi.workspace import Workspace

CJK_FONTS = ("Hiragino Sans", "Noto Sans CJK JP", "Noto Sans JP", "Yu Gothic", "IPAexGothic")
LIKE, DISLIKE, OTHER, CURVE, BRIER = "#d9534f", "#337ab7", "#999999", "#5cb85c", "#f0ad4e"


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_language() -> str:
    """The language of the text inside the plots: the report's, when a font can draw it.

    Matplotlib draws its own glyphs; without a Japanese font it would draw empty boxes, so the
    plots fall back to English there (the captions around them are still translated).
    """
    lang = i18n.language()
    if lang != "ja":
        return lang
    _pyplot()
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    found = [name for name in CJK_FONTS if name in installed]
    if not found:
        return "en"
    import matplotlib

    matplotlib.rcParams["font.family"] = ["sans-serif"]
    matplotlib.rcParams["font.sans-serif"] = [*found, "DejaVu Sans"]
    return "ja"


def plot_histogram(scores: np.ndarray, kinds: list[str], dislike: float, like: float) -> str:
    """Scores of every image, stacked by where it lives, with the thresholds in force."""
    plt = _pyplot()
    lang = plot_language()
    fig, ax = plt.subplots(figsize=(4.6, 3.0))
    bins = np.linspace(0, 1, 21)
    kind = np.asarray(kinds, dtype=object)
    values = np.asarray(scores, dtype=np.float64)
    groups = [
        ("report.plot.train_like", LIKE, values[kind == "like"]),
        ("report.plot.train_dislike", DISLIKE, values[kind == "dislike"]),
        ("report.plot.not_training", OTHER, values[(kind != "like") & (kind != "dislike")]),
    ]
    shown = [(t(n, lang), c, v) for n, c, v in groups if len(v)]
    if shown:
        ax.hist(
            [v for _, _, v in shown],
            bins=bins,
            stacked=True,
            color=[c for _, c, _ in shown],
            label=[n for n, _, _ in shown],
        )
    for x in (dislike, like):
        ax.axvline(x, color="black", linestyle="--", linewidth=1)
    ax.set_xlim(0, 1)
    ax.set_xlabel(t("report.plot.score_axis", lang))
    ax.set_ylabel(t("report.plot.images_axis", lang))
    ax.set_title(t("report.plot.histogram_title", lang))
    if shown:
        ax.legend(fontsize=8)
    return _png(fig)


def plot_reliability(y: np.ndarray, p: np.ndarray) -> str:
    """Out-of-fold score against how often those images were really liked, each bin with its
    95 % interval (a bin of two images says "somewhere between 9 % and 91 %", not "50 %") and
    its count, so a curve of few labels reads as uncertain rather than broken."""
    plt = _pyplot()
    lang = plot_language()
    fig, ax = plt.subplots(figsize=(3.4, 3.0))
    ax.plot([0, 1], [0, 1], color="#bbbbbb", linewidth=1, label=t("report.plot.perfect", lang))
    rows = reliability(y, p, bins_for(len(y)))
    if rows:
        xs = np.asarray([r.mean_score for r in rows])
        ys = np.asarray([r.share_liked for r in rows])
        lo = np.asarray([r.low for r in rows])
        hi = np.asarray([r.high for r in rows])
        ax.errorbar(
            xs,
            ys,
            yerr=[np.maximum(ys - lo, 0), np.maximum(hi - ys, 0)],
            fmt="o",
            color=CURVE,
            ecolor=CURVE,
            elinewidth=1,
            capsize=2,
            markersize=4,
            label=t("report.plot.oof", lang),
            zorder=3,
        )
        for r in rows:
            ax.annotate(
                str(r.n),
                (r.mean_score, r.high),
                textcoords="offset points",
                xytext=(0, 3),
                ha="center",
                fontsize=6,
                color="#555555",
            )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.08)
    ax.set_xlabel(t("report.plot.score_short", lang))
    ax.set_ylabel(t("report.plot.share_liked", lang))
    ax.set_title(t("report.plot.reliability_title", lang))
    ax.legend(fontsize=7, loc="lower right")
    return _png(fig)


def learning_curve(ws: Workspace) -> list[dict[str, object]]:
    """One point per saved head, oldest first: labels, AUC, Brier."""
    points = []
    for info in list_heads(ws):
        metrics = info.get("metrics") or {}
        counts = info.get("counts") or {}
        if "auc" not in metrics:
            continue
        points.append(
            {
                "id": info["id"],
                "n": int(counts.get("like", 0)) + int(counts.get("dislike", 0)),
                "auc": metrics.get("auc"),
                "brier": metrics.get("brier"),
            }
        )
    return points


def _number(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) else float("nan")


def plot_learning_curve(points: list[dict[str, object]], current: str) -> str:
    """Cross-validated AUC and Brier of every saved head, in training order."""
    plt = _pyplot()
    lang = plot_language()
    fig, ax = plt.subplots(figsize=(4.6, 3.0))
    xs = list(range(1, len(points) + 1))
    auc = [_number(p["auc"]) for p in points]
    brier = [_number(p["brier"]) for p in points]
    ax.plot(xs, auc, marker="o", color=CURVE, label=t("report.plot.auc", lang))
    ax.plot(xs, brier, marker="s", color=BRIER, label=t("report.plot.brier", lang))
    for x, p in zip(xs, points):
        if p["id"] == current:
            ax.annotate(
                t("report.plot.current", lang),
                (x, auc[x - 1]),
                textcoords="offset points",
                xytext=(0, 8),
                ha="center",
                fontsize=8,
            )
    step = max(1, -(-len(xs) // 12))  # at most 12 labelled ticks
    ax.set_xticks(xs[::step])
    ax.set_xticklabels([f"{x}\n{p['n']}" for x, p in zip(xs, points)][::step], fontsize=7)
    ax.set_xlabel(t("report.plot.heads_axis", lang))
    ax.set_ylim(0, 1.05)
    ax.set_title(t("report.plot.learning_title", lang))
    ax.legend(fontsize=7, loc="lower left")
    return _png(fig)
