"""The journal's speed: journaled moves and their undo, with the same files every time.

Each trial moves `--files` small files from data/unlabeled/ into data/classified/like/ with
`Journal.run` (plan, link, unlink, done in batches), then reverts them with `Journal.undo`.
Given `--baseline SRC` (another checkout's `src/` folder), the trials alternate between that
tree and this one in fresh processes (each first in every other trial), so both are measured
in the same run on the same disk, and the ratio this/baseline is printed (below 1.0: faster).
Wall time (disk flushes included) and the process's CPU time are both given: on a busy machine
the wall time of fsync-bound work varies far more than the code's own cost.

    uv run python -m benchmarks.bench_journal --files 2000 --trials 5 --baseline /tmp/old/src
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"

_TRIAL = r"""
import json, sys, time, tempfile
from pathlib import Path
from konomi.store.journal import Journal, PlannedMove
from konomi.workspace import Workspace

n = int(sys.argv[1])
with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp)
    ws = Workspace(root)
    src = ws.unlabeled
    src.mkdir(parents=True)
    for i in range(n):
        (src / f"img_{i:05d}.jpg").write_bytes(b"x" * 2048)
    like = ws.classified_dir("like")
    moves = [PlannedMove(p, like) for p in sorted(src.iterdir())]
    with Journal(ws) as journal:
        start, cpu = time.perf_counter(), time.process_time()
        report = journal.run("classify", moves)
        moved, moved_cpu = time.perf_counter() - start, time.process_time() - cpu
        assert len(report.moved) == n, report.skipped[:3]
        op = journal.last_undoable()
        start, cpu = time.perf_counter(), time.process_time()
        back = journal.undo(op)
        undone, undone_cpu = time.perf_counter() - start, time.process_time() - cpu
        assert len(back.moved) == n
print(json.dumps({"move": moved, "undo": undone, "move cpu": moved_cpu, "undo cpu": undone_cpu}))
"""


def trial(src: Path, files: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    for key in ("KONOMI_TEST_CRASH_AT", "KONOMI_TEST_PAUSE_AT", "KONOMI_TEST_LINK_ERROR"):
        env.pop(key, None)
    out = subprocess.run(
        [sys.executable, "-c", _TRIAL, str(files)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="another checkout's src/ folder")
    args = parser.parse_args()
    from benchmarks.common import describe_machine

    print(describe_machine())
    trees = {"this": SRC} | ({"baseline": args.baseline} if args.baseline else {})
    parts = ("move", "undo", "move cpu", "undo cpu")
    times: dict[str, dict[str, list[float]]] = {k: {p: [] for p in parts} for k in trees}
    for i in range(args.trials):
        order = list(trees.items())
        for name, src in order if i % 2 == 0 else order[::-1]:  # ABBA: no tree always first
            for part, seconds in trial(src, args.files).items():
                times[name][part].append(seconds)
    for name in trees:
        for part in parts:
            med = statistics.median(times[name][part])
            print(
                f"{name:9} {part}: {med * 1000:8.1f} ms median of {args.trials} "
                f"({args.files / med:,.0f} files/s)"
            )
    if args.baseline:
        for part in parts:
            ratio = statistics.median(times["this"][part]) / statistics.median(
                times["baseline"][part]
            )
            print(f"ratio this/baseline, {part}: {ratio:.3f}")


if __name__ == "__main__":
    main()
