"""How well `konomi suspects` finds planted label noise, and what burst grouping saves in reviews.

Two measurements on synthetic CLIP-like pools (no model, no images: embeddings directly, through
the same `head.train_head` as `konomi train`):

1. **Suspects.** A pool of themes (some liked, some not, with genuine exceptions inside themes)
   gets a known share of its labels flipped. The head's out-of-fold scores rank the training set
   (`suspects.rank`); we report, for k = the number of flips and k = 2x that, the share of the
   top-k that are planted flips (precision) and the share of flips found in the top-k (recall),
   plus precision / recall of the `flagged` set (what `train` counts as "look mislabelled").
2. **Bursts.** A pool where some scenes were shot as bursts of 2-8 frames (each frame the scene
   plus a little jitter) is grouped with `duplicates.group`; we report the reviews a person makes
   with one decision per group instead of one per image, the groups that wrongly merge two
   scenes, and how many images a group decision gets wrong.

3. **Thresholds.** `thresholds.choose` picks like / dislike thresholds for a target precision from
   the out-of-fold scores; we check the precision they give on 20,000 held-out embeddings.

CLI: ``uv run python -m benchmarks.bench_suspects [--quick] [--only SECTION]``; prints Markdown
tables (docs/understanding.md holds a run).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from konomi.learn import duplicates, suspects, thresholds
from konomi.learn.head import DEFAULT_HEAD, train_head


def _unit(X: np.ndarray) -> np.ndarray:
    return X / np.linalg.norm(X, axis=-1, keepdims=True)


def taste_pool(
    rng: np.random.Generator,
    n: int,
    d: int = 256,
    themes: int = 30,
    liked_share: float = 0.4,
    exceptions: float = 0.04,
    spread: float = 0.8,
) -> tuple[np.ndarray, np.ndarray]:
    """CLIP-like embeddings: a shared direction (CLIP's cone), themes, and per-image variety.

    Each theme is liked or not; `exceptions` of the images go against their theme's taste (a
    person who dislikes beaches but loves one sunset there): real, not noise.
    """
    common = _unit(rng.normal(size=d)) * 0.8
    centers = _unit(rng.normal(size=(themes, d)))
    liked_theme = rng.random(themes) < liked_share
    theme = rng.integers(0, themes, n)
    X = common + centers[theme] + spread * _unit(rng.normal(size=(n, d)))
    y = liked_theme[theme].astype(int)
    against = rng.random(n) < exceptions
    y[against] = 1 - y[against]
    return _unit(X).astype(np.float32), y


def bench_suspects(
    seeds: int, n: int, rates: list[float], kinds: list[str], exception_rates: list[float]
) -> list[dict]:
    rows = []
    for kind, exceptions, rate in (
        (k, e, r) for k in kinds for e in exception_rates for r in rates
    ):
        stats: dict[str, list[float]] = {}
        started = time.perf_counter()
        for seed in range(seeds):
            rng = np.random.default_rng(seed)
            X, y = taste_pool(rng, n, exceptions=exceptions)
            flips = rng.choice(n, int(round(rate * n)), replace=False)
            noisy = y.copy()
            noisy[flips] = 1 - noisy[flips]
            is_flip = np.zeros(n, dtype=bool)
            is_flip[flips] = True
            oof = train_head(X, noisy, kind=kind).oof
            order = suspects.rank(noisy, oof)
            for mult in (1, 2):
                k = mult * len(flips)
                found = is_flip[order[:k]].sum()
                stats.setdefault(f"p@{mult}k", []).append(found / k)
                stats.setdefault(f"r@{mult}k", []).append(found / len(flips))
            flagged = suspects.flags(noisy, oof)
            hit = (flagged & is_flip).sum()
            stats.setdefault("flagged", []).append(flagged.sum())
            stats.setdefault("flag_p", []).append(hit / max(flagged.sum(), 1))
            stats.setdefault("flag_r", []).append(hit / len(flips))
        row = {
            "head": kind,
            "exceptions": exceptions,
            "noise": rate,
            "n": n,
            "flips": int(round(rate * n)),
        }
        row.update({k: float(np.mean(v)) for k, v in stats.items()})
        row["seconds"] = (time.perf_counter() - started) / seeds
        rows.append(row)
        print(f"  suspects {kind} {exceptions:.0%} {rate:.0%}: done", file=sys.stderr)
    return rows


def burst_pool(
    rng: np.random.Generator, scenes: int, burst_share: float, d: int = 256
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scenes, some shot as bursts of 2-8 frames. Returns X, scene id per row, label per row.

    A frame is its scene plus jitter of relative size 0.1-0.3 (a steady hand to a moving
    subject): frames of one burst are 0.92-0.99 cosine-similar. Within a burst, 3 % of frames get
    the other label (the one frame with closed eyes). A tenth of the scenes are re-shoots of an
    earlier one (same place, another day: about 0.85 similar), labelled independently 20 % of
    the time: the near-misses a threshold must not merge.
    """
    X, y = taste_pool(rng, scenes, d=d)
    for s in np.flatnonzero(rng.random(scenes) < 0.1):
        if s == 0:
            continue
        original = int(rng.integers(0, s))
        X[s] = _unit(X[original] + 0.45 * _unit(rng.normal(size=d)))
        y[s] = y[original] if rng.random() > 0.2 else int(rng.integers(0, 2))
    rows, scene_of, labels = [], [], []
    for s in range(scenes):
        frames = int(rng.integers(2, 9)) if rng.random() < burst_share else 1
        jitter = rng.uniform(0.1, 0.3)
        for _ in range(frames):
            noise = _unit(rng.normal(size=d)) * jitter if frames > 1 else 0.0
            rows.append(X[s] + noise)
            scene_of.append(s)
            odd = frames > 1 and rng.random() < 0.03
            labels.append(1 - y[s] if odd else y[s])
    # Rows are in shooting order: the frames of a burst are consecutive.
    return (
        _unit(np.asarray(rows)).astype(np.float32),
        np.asarray(scene_of),
        np.asarray(labels),
    )


def bench_bursts(seeds: int, scenes: int, thresholds: list[float]) -> list[dict]:
    rows = []
    for threshold in thresholds:
        stats: dict[str, list[float]] = {}
        for seed in range(seeds):
            rng = np.random.default_rng(100 + seed)
            X, scene, label = burst_pool(rng, scenes, burst_share=0.3)
            started = time.perf_counter()
            groups = duplicates.group(X, threshold)
            seconds = time.perf_counter() - started
            units = duplicates.review_units(groups, len(X))
            in_burst = np.bincount(scene)[scene] > 1
            grouped = np.zeros(len(X), dtype=bool)
            for g in groups:
                grouped[g] = True
            mixed = sum(len(set(scene[g].tolist())) > 1 for g in groups)
            # One decision per unit: the leader's label; members with another label are wrong.
            wrong = sum(int((label[u] != label[u[0]]).sum()) for u in units)
            stats.setdefault("images", []).append(len(X))
            stats.setdefault("reviews", []).append(len(units))
            stats.setdefault("saved", []).append(1 - len(units) / len(X))
            stats.setdefault("best", []).append(1 - len(set(scene.tolist())) / len(X))
            stats.setdefault("burst_recall", []).append(grouped[in_burst].mean())
            stats.setdefault("mixed", []).append(mixed / max(len(groups), 1))
            stats.setdefault("wrong", []).append(wrong / len(X))
            stats.setdefault("seconds", []).append(seconds)
        row = {"threshold": threshold}
        row.update({k: float(np.mean(v)) for k, v in stats.items()})
        rows.append(row)
    return rows


def bench_thresholds(seeds: int, sizes: list[int], spreads: list[float]) -> list[dict]:
    """Thresholds chosen for a target precision on OOF scores, checked on 20,000 held-out.

    2 % of each pool goes against its theme, so no head can be much more than 98 % precise.
    Each target is tried with the shipped estimate of a pile's precision (the 90 % lower bound,
    `thresholds.LOWER_QUANTILE` = 0.1) and with the posterior median (about the plain share).
    """
    rows = []
    for spread in spreads:
        for n in sizes:
            runs = []
            for seed in range(seeds):
                rng = np.random.default_rng(200 + seed)
                X, y = taste_pool(rng, n + 20_000, spread=spread, exceptions=0.02)
                trained = train_head(X[:n], y[:n])
                runs.append((trained, y[:n], trained.head.predict(X[n:]), y[n:]))
            for target, quantile in ((t, q) for t in (0.90, 0.95) for q in (0.5, 0.1)):
                stats: dict[str, list[float]] = {}
                for trained, y_train, p, y_held in runs:
                    saved, thresholds.LOWER_QUANTILE = thresholds.LOWER_QUANTILE, quantile
                    try:
                        t = thresholds.choose(y_train, trained.oof, target)
                    finally:
                        thresholds.LOWER_QUANTILE = saved
                    stats.setdefault("auc", []).append(trained.metrics.auc)
                    for pile, right in ((p >= t.like, y_held == 1), (p <= t.dislike, y_held == 0)):
                        if pile.any():
                            precision = float(right[pile].mean())
                            stats.setdefault("precision", []).append(precision)
                            stats.setdefault("met", []).append(precision >= target)
                        else:
                            stats.setdefault("none", []).append(1.0)
                    stats.setdefault("unsure_oof", []).append(t.unsure_share)
                    stats.setdefault("unsure_held", []).append(
                        float(np.mean((p > t.dislike) & (p < t.like)))
                    )
                prec = stats.get("precision", [np.nan])
                rows.append(
                    {
                        "spread": spread,
                        "n": n,
                        "target": target,
                        "estimate": "median" if quantile == 0.5 else "90 % lower bound",
                        "auc": float(np.mean(stats["auc"])),
                        "precision": float(np.mean(prec)),
                        "min": float(np.min(prec)),
                        "met": f"{int(np.sum(stats.get('met', [])))}/{len(stats.get('met', []))}",
                        "empty": int(np.sum(stats.get("none", []))),
                        "unsure_oof": float(np.mean(stats["unsure_oof"])),
                        "unsure_held": float(np.mean(stats["unsure_held"])),
                    }
                )
            print(f"  thresholds spread {spread} n {n}: done", file=sys.stderr)
    return rows


def print_suspects(seeds: int, n: int, kinds: list[str]) -> None:
    print(f"## Suspects: planted label flips in a pool of {n} labels ({seeds} seeds)\n")
    print(
        "| head | exceptions | noise | flips | precision@k | recall@k | precision@2k | recall@2k "
        "| flagged | flagged precision | flagged recall | s/train |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in bench_suspects(seeds, n, [0.02, 0.05, 0.10, 0.20], kinds, [0.0, 0.04]):
        print(
            f"| {r['head']} | {r['exceptions']:.0%} | {r['noise']:.0%} | {r['flips']} | "
            f"{r['p@1k']:.2f} | {r['r@1k']:.2f} | {r['p@2k']:.2f} | {r['r@2k']:.2f} | "
            f"{r['flagged']:.0f} | {r['flag_p']:.2f} | {r['flag_r']:.2f} | {r['seconds']:.1f} |"
        )
    print()


def print_bursts(seeds: int, scenes: int) -> None:
    print(f"## Bursts: {scenes} scenes, 30 % shot as bursts of 2-8 frames ({seeds} seeds)\n")
    print(
        "| threshold | images | reviews | saved | saved at best | bursts grouped "
        "| groups mixing scenes | images a group decision gets wrong | seconds |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in bench_bursts(seeds, scenes, [0.90, 0.93, 0.95, 0.97]):
        print(
            f"| {r['threshold']:.2f} | {r['images']:.0f} | {r['reviews']:.0f} | "
            f"{r['saved']:.1%} | {r['best']:.1%} | {r['burst_recall']:.1%} | {r['mixed']:.1%} "
            f"| {r['wrong']:.1%} | {r['seconds']:.2f} |"
        )
    print()


def print_thresholds(seeds: int, sizes: list[int]) -> None:
    print(
        "## Thresholds for a target precision, checked on 20,000 held-out "
        f"({seeds} seeds, 2 % exceptions)\n"
    )
    print(
        "| spread | labels | AUC | target | pile precision taken as | held-out precision (mean) "
        "| worst side | sides reaching target | sides proposing nothing | unsure (OOF) "
        "| unsure (held-out) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in bench_thresholds(seeds, sizes, [2.0, 3.0]):
        print(
            f"| {r['spread']} | {r['n']} | {r['auc']:.3f} | {r['target']:.2f} | {r['estimate']} | "
            f"{r['precision']:.3f} | {r['min']:.3f} | {r['met']} | {r['empty']} | "
            f"{r['unsure_oof']:.0%} | {r['unsure_held']:.0%} |"
        )
    print()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer seeds, smaller pools")
    parser.add_argument(
        "--only", choices=("suspects", "bursts", "thresholds"), help="run one section only"
    )
    args = parser.parse_args(argv)
    seeds = 2 if args.quick else 3
    if args.only in (None, "suspects"):
        kinds = [DEFAULT_HEAD] if args.quick else sorted({DEFAULT_HEAD, "logreg"})
        print_suspects(seeds, 800 if args.quick else 1500, kinds)
    if args.only in (None, "bursts"):
        print_bursts(seeds, 1000 if args.quick else 3000)
    if args.only in (None, "thresholds"):
        print_thresholds(seeds, [200, 800] if args.quick else [200, 800, 2000])


if __name__ == "__main__":
    main()
