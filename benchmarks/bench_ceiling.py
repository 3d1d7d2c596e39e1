"""How high can any review strategy end on a pool? The ceilings behind docs/simulation.md.

`konomi simulate` compares strategies by the held-out AUC they reach. This script measures what
bounds that number on the same pools and the same held-out quarter (`bench_heads.split`):

* **Bayes** - ranking by each image's true probability of "like" (label noise included), which
  no head can beat;
* **head, every label** - the default head trained on the whole training part, i.e. a person
  who labelled everything;
* **head, N random labels** - the same head on N labels drawn at random (the workflow's counts).

The gap between the last two and a strategy's final AUC is what better review choices can
still win; the gap between "every label" and Bayes is what only a better head could.

    uv run python -m benchmarks.bench_ceiling [--pools default noisy] [--seeds 2]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.bench_heads import split
from benchmarks.common import describe_machine
from benchmarks.pools import VARIED, make_pool_with_truth
from konomi.learn.head import rank_auc, resolve_kind, train_head

SIZES = (1000, 3000)


def ceilings(name: str, seeds: int, head: str) -> dict[str, float]:
    """Mean held-out AUC of each ceiling over `seeds` splits of one pool."""
    spec = next(s for s in VARIED if s.name == name)
    X, y, _, p_like = make_pool_with_truth(spec)
    found: dict[str, list[float]] = {}
    for seed in range(seeds):
        train, test = split(y, seed)
        found.setdefault("Bayes", []).append(rank_auc(y[test], p_like[test]))
        for n in (*SIZES, len(train)):
            if n > len(train):
                continue
            rows = train[:n]  # `split` returns the training part in random order
            model = train_head(X[rows], y[rows], kind=head, seed=seed).head
            key = "every label" if n == len(train) else f"{n} random"
            found.setdefault(key, []).append(rank_auc(y[test], model.predict(X[test])))
    return {key: float(np.mean(values)) for key, values in found.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pools", nargs="*", default=["default", "noisy", "mostly-mixed"])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--head", default="auto", help="head kind (default: konomi's default)")
    args = parser.parse_args()
    head = resolve_kind(args.head)
    print(describe_machine())
    columns = ["Bayes", *(f"{n} random" for n in SIZES), "every label"]
    print(f"\nheld-out AUC, head {head}, mean of {args.seeds} split(s)")
    print(f"{'pool':<22}" + "".join(f"{c:>14}" for c in columns) + f"{'seconds':>10}")
    for name in args.pools:
        started = time.perf_counter()
        row = ceilings(name, args.seeds, head)
        cells = "".join(f"{row[c]:>14.3f}" if c in row else f"{'':>14}" for c in columns)
        print(f"{name:<22}{cells}{time.perf_counter() - started:>10.0f}", flush=True)


if __name__ == "__main__":
    main()
