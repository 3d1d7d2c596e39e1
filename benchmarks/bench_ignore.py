"""`.konomiignore` matching: konomi's linear expressions against pathspec's own.

Two measurements, both as ratios to pathspec's expressions timed in the same run:

- **everyday rules** (the built-in tool folders plus a typical person's lines) against 20,000
  generated paths: what the rewrite costs on every command;
- **a hostile line**, `*a*a*a*a*a*a*a*a*a*a*a*b`, against names of n `a`s: pathspec's time
  grows exponentially with n (timed only while it stays under `--budget` seconds); konomi's
  stays in microseconds up to 250 (the longest file name).

CLI: ``uv run python -m benchmarks.bench_ignore [--budget SECONDS]``.
"""

from __future__ import annotations

import argparse
import random
import time
import warnings

from pathspec import GitIgnoreSpec

from benchmarks.common import cpu_model
from konomi.encode.ignore import BUILTIN, compile_lines

EVERYDAY = (*BUILTIN, "private/", "*.tmp.jpg", "!keep.jpg", "/exports/**", "**/drafts/*.png")
HOSTILE = "*a*a*a*a*a*a*a*a*a*a*a*b"


def _paths(n: int) -> list[str]:
    rng = random.Random(1)
    words = ["2024", "trip", "private", "drafts", "IMG", "exports", "写真", "@eaDir", "a"]
    return [
        "/".join(rng.choice(words) for _ in range(rng.randrange(1, 5)))
        + f"/IMG_{i:05d}"
        + rng.choice([".jpg", ".tmp.jpg", ".png", ".NEF"])
        for i in range(n)
    ]


def _best(fn, repeats: int = 3) -> float:  # noqa: ANN001
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=2.0)
    args = parser.parse_args()
    print(f"CPU: {cpu_model()}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs, ours = GitIgnoreSpec.from_lines(EVERYDAY), compile_lines(EVERYDAY)
    paths = _paths(20_000)
    assert [theirs.match_file(p) for p in paths] == [ours.match_file(p) for p in paths]
    base = _best(lambda: [theirs.match_file(p) for p in paths])
    new = _best(lambda: [ours.match_file(p) for p in paths])
    print(
        f"everyday rules, 20,000 paths: pathspec {base:.3f} s, konomi {new:.3f} s "
        f"(ratio {new / base:.2f})"
    )
    theirs, ours = GitIgnoreSpec.from_lines([HOSTILE]), compile_lines((HOSTILE,))
    n, spent = 12, 0.0
    print("hostile line, n a's: pathspec s / konomi s (ratio)")
    while spent < args.budget and n <= 40:
        name = "a" * n
        spent = _best(lambda: theirs.match_file(name), 1)  # noqa: B023
        mine = _best(lambda: ours.match_file(name))  # noqa: B023
        print(f"  n={n}: {spent:.4f} / {mine:.6f} ({spent / mine:,.0f}x)")
        n += 2
    for n in (40, 250):
        mine = _best(lambda: ours.match_file("a" * n))  # noqa: B023
        print(f"  n={n}: pathspec not timed / konomi {mine:.6f} s")


if __name__ == "__main__":
    main()
