"""Time and peak memory of the kernel head's exact fit, against the textbook way in the same run.

The kernel head's final fit needs alpha = (K + λI)⁻¹ t and the diagonal of (K + λI)⁻¹ (the exact
leave-one-out scores that calibrate it). The baseline is the textbook route: a Cholesky factor
L, then L⁻¹ by a triangular solve against the identity — three n × n arrays. konomi's route
(`head_kinds._exact_fit`) turns the factor into the inverse in place with LAPACK: one n × n
array. Each measurement runs in a fresh process, so its peak resident memory is its own.

    uv run python -m benchmarks.bench_kernel_fit [--labels 3000 6000 8000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

from benchmarks.common import describe_machine


def textbook_fit(K: np.ndarray, t: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """The baseline: Cholesky, then L⁻¹ from a triangular solve against the identity."""
    from scipy.linalg import cholesky, solve_triangular

    K[np.diag_indices_from(K)] += lam
    L = cholesky(K, lower=True, overwrite_a=True, check_finite=False)
    L_inv = solve_triangular(L, np.eye(len(t)), lower=True, check_finite=False)
    alpha = L_inv.T @ (L_inv @ t)
    return alpha, t - alpha / np.einsum("ij,ij->j", L_inv, L_inv)


def measure(way: str, n: int) -> dict[str, float]:
    """One fit on n unit vectors (256-d, 30 % liked) on one BLAS thread, as `konomi train`."""
    from threadpoolctl import threadpool_limits

    from konomi.learn.kinds import _exact_fit, rbf_gram, squared_distances

    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, 256))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    t = np.where(rng.random(n) < 0.3, 1.0, -1.0)
    t -= t.mean()
    with threadpool_limits(1):
        started = time.perf_counter()
        if way == "textbook":
            alpha, loo = textbook_fit(np.exp(-1.0 * squared_distances(X, X)), t, 0.01)
        else:
            alpha, loo = _exact_fit(rbf_gram(X, 1.0), t, 0.01)
        seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "peak_mb": peak_mb, "check": float(alpha @ t + loo.sum())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--labels", type=int, nargs="*", default=[3000, 6000, 8000])
    parser.add_argument("--one", nargs=2, metavar=("WAY", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one[0], int(args.one[1]))))
        return
    print(describe_machine())
    print(f"\n{'labels':>7} {'textbook s':>11} {'MB':>6} {'konomi s':>9} {'MB':>6} "
          f"{'time ratio':>11} {'memory ratio':>13}")  # fmt: skip
    for n in args.labels:
        found = {}
        for way in ("textbook", "konomi"):
            cmd = [sys.executable, "-m", "benchmarks.bench_kernel_fit", "--one", way, str(n)]
            found[way] = json.loads(subprocess.run(cmd, capture_output=True, check=True).stdout)
        a, b = found["textbook"], found["konomi"]
        assert abs(a["check"] - b["check"]) < 1e-6 * max(1.0, abs(a["check"])), "results differ"
        print(
            f"{n:>7} {a['seconds']:>11.1f} {a['peak_mb']:>6.0f} {b['seconds']:>9.1f} "
            f"{b['peak_mb']:>6.0f} {b['seconds'] / a['seconds']:>11.2f} "
            f"{b['peak_mb'] / a['peak_mb']:>13.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
