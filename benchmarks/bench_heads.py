"""Which head: logistic regression, kernel ridge, kernel SVM, MLP or kNN?

For each pool of `benchmarks.pools.VARIED` (different sizes, dimensions, balance, noise and
structure) and each label count of the workflow (400 → 3,000, drawn at random from the pool's
training part), every head is trained with `konomi.head.train_head` — the code `konomi train`
runs — and measured on a held-out quarter: AUC (ranking), Brier score (probabilities), the
calibration error of the 0.3 / 0.7 thresholds, training time and the time to score 100k
embeddings. Writes `OUT/heads.csv`, `OUT/heads.md` (tables) and `OUT/reliability.png`.

    uv run python -m benchmarks.bench_heads --out bench-out/heads
    uv run python -m benchmarks.bench_heads --pools default anchors --sizes 400 1200
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

import numpy as np

from benchmarks.pools import VARIED, make_pool
from konomi.learn.head import MODEL_KINDS, evaluate, train_head

DEFAULT_SIZES = (400, 1000, 3000)
DEFAULT_HEADS = ("kernel", "logreg", "svm", "mlp", "knn")


def split(y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified 75 / 25 split: (training part in random order, held-out part)."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in (0, 1):
        rows = rng.permutation(np.flatnonzero(y == label))
        cut = len(rows) // 4
        test.append(rows[:cut])
        train.append(rows[cut:])
    return rng.permutation(np.concatenate(train)), np.sort(np.concatenate(test))


def reliability(y: np.ndarray, p: np.ndarray, bins: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Mean predicted probability and observed like-rate per probability bin."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges) - 1, 0, bins - 1)
    mean_p = np.array([p[which == b].mean() if (which == b).any() else np.nan for b in range(bins)])
    rate = np.array([y[which == b].mean() if (which == b).any() else np.nan for b in range(bins)])
    return mean_p, rate


def threshold_error(y: np.ndarray, p: np.ndarray) -> float:
    """How far "≥ 0.7" and "≤ 0.3" are from meaning what they say: the observed like-rate of
    proposals vs the mean score of those proposals, averaged over both sides (0 = honest)."""
    errs = []
    for side in (p >= 0.7, p <= 0.3):
        if side.any():
            errs.append(abs(float(y[side].mean()) - float(p[side].mean())))
    return float(np.mean(errs)) if errs else float("nan")


def score_100k_seconds(head: object, d: int) -> float:
    """Seconds to score 100,000 embeddings (random unit vectors) with this head."""
    rng = np.random.default_rng(0)
    Q = rng.standard_normal((100_000, d)).astype(np.float32)
    Q /= np.linalg.norm(Q, axis=1, keepdims=True)
    started = time.perf_counter()
    head.predict(Q)  # type: ignore[attr-defined]
    return time.perf_counter() - started


def run(
    pools: list[str] | None, sizes: tuple[int, ...], heads: tuple[str, ...], seed: int, out: Path
) -> list[dict[str, object]]:
    out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, object]] = []
    curves: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for spec in VARIED:
        if pools and spec.name not in pools:
            continue
        X, y, _ = make_pool(spec)
        train, test = split(y, seed)
        for size in sizes:
            if size > len(train):
                continue
            idx = train[:size]
            for kind in heads:
                started = time.perf_counter()
                trained = train_head(X[idx], y[idx], kind=kind, seed=seed)
                fit_s = time.perf_counter() - started
                p = trained.head.predict(X[test])
                m = evaluate(y[test], p)
                row = {
                    "pool": spec.name,
                    "n_labels": size,
                    "head": kind,
                    "auc": round(m.auc, 4),
                    "brier": round(m.brier, 4),
                    "threshold_error": round(threshold_error(y[test], p), 4),
                    "fit_s": round(fit_s, 2),
                    "score_100k_s": round(score_100k_seconds(trained.head, X.shape[1]), 2)
                    if size == max(sizes)
                    else "",
                }
                rows.append(row)
                print(row, flush=True)
                if spec.name == "default" and size == max(s for s in sizes if s <= len(train)):
                    curves[kind] = reliability(y[test], p)
        all_rows = train
        ref = train_head(X[all_rows], y[all_rows], kind="logreg", seed=seed)
        rows.append(
            {
                "pool": spec.name,
                "n_labels": len(all_rows),
                "head": "logreg (every label)",
                "auc": round(evaluate(y[test], ref.head.predict(X[test])).auc, 4),
                "brier": round(evaluate(y[test], ref.head.predict(X[test])).brier, 4),
                "threshold_error": "",
                "fit_s": "",
                "score_100k_s": "",
            }
        )
        print(rows[-1], flush=True)
    _write(rows, out)
    if curves:
        _plot(curves, out / "reliability.png")
    return rows


def _write(rows: list[dict[str, object]], out: Path) -> None:
    with open(out / "heads.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    lines = ["| pool | labels | head | AUC | Brier | threshold error | fit s | score 100k s |"]
    lines.append("|---|---:|---|---:|---:|---:|---:|---:|")
    for r in rows:
        lines.append("| " + " | ".join(str(v) for v in r.values()) + " |")
    (out / "heads.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _plot(curves: dict[str, tuple[np.ndarray, np.ndarray]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=1, label="perfect")
    for kind, (mean_p, rate) in curves.items():
        ax.plot(mean_p, rate, marker="o", ms=3, label=kind)
    ax.axvline(0.3, color="grey", lw=0.5)
    ax.axvline(0.7, color="grey", lw=0.5)
    ax.set(
        xlabel="predicted probability of like",
        ylabel="observed share liked (held-out)",
        title="Reliability on the default pool",
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("bench-out/heads"))
    parser.add_argument("--pools", nargs="*", help="pool names from benchmarks.pools.VARIED")
    parser.add_argument("--sizes", nargs="*", type=int, default=list(DEFAULT_SIZES))
    parser.add_argument("--heads", nargs="*", default=list(DEFAULT_HEADS), choices=MODEL_KINDS)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    run(args.pools, tuple(args.sizes), tuple(args.heads), args.seed, args.out)


if __name__ == "__main__":
    main()
