"""Soak test: SIGKILL the real `konomi classify` / `konomi undo` at random instants, many times.

Each trial starts `python -m konomi classify` or `undo` on a workspace of a few hundred images
and kills it with SIGKILL at a random instant: a third of the kills at a uniformly random time
over the whole run, the rest a random moment after the first file has moved (so that many land
in the middle of the moves, which take a fraction of a second). After every kill, before
anything repairs, it counts files whose bytes no longer exist anywhere under data/ (**lost**;
must be 0). Every few trials a command
runs to completion and the workspace must then be exact: every file once, no part-file, no
half-done journal entry; every tenth trial `konomi undo` runs until nothing is left and every
image must be back in data/unlabeled/ byte for byte.

    uv run python -m benchmarks.soak_crash --trials 60 --files 300

Prints the figures quoted in docs/safety.md; exits 1 if anything was lost or left wrong.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.factories.images import file_hashes, make_taste_set, make_unlabeled_set
from tests.factories.models import build_model_dir
from tests.factories.watch import count_files, moving_window

HERE = Path(__file__).resolve().parent


@dataclass
class Figures:
    trials: int = 0
    killed: int = 0
    killed_mid_move: int = 0
    killed_by_command: Counter = field(default_factory=Counter)
    files_lost: int = 0
    settled_checks: int = 0
    settled_failures: int = 0
    restorations: int = 0
    restoration_failures: int = 0
    problems: list[str] = field(default_factory=list)


def layout(root: Path) -> dict[str, str]:
    hashes = file_hashes(root / "data")
    return {os.path.relpath(p, root): d for d, paths in hashes.where.items() for p in paths}


def journal_state(root: Path) -> tuple[int, int]:
    """(open operations that have started moving, moves still planned) — read-only."""
    path = root / ".konomi" / "journal.sqlite"
    if not path.exists():
        return 0, 0
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        started = db.execute(
            "SELECT COUNT(*) FROM operations o WHERE o.state='open' "
            "AND EXISTS (SELECT 1 FROM moves m WHERE m.op=o.id)"
        ).fetchone()[0]
        planned = db.execute(
            "SELECT COUNT(*) FROM moves WHERE state IN ('planned','copying')"
        ).fetchone()[0]
    finally:
        db.close()
    return started, planned


class Soak:
    def __init__(self, root: Path, env: dict[str, str], rng: random.Random) -> None:
        self.root, self.env, self.rng = root, env, rng
        self.original = layout(root)
        self.before = file_hashes(root / "data")
        self.figures = Figures()
        self.full_run = {"classify": 3.0, "undo": 3.0}  # seconds, refined as runs finish
        self.move_span = {"classify": 0.3, "undo": 0.3}  # first to last file moved, seconds

    def argv(self, command: str) -> list[str]:
        return [sys.executable, "-m", "konomi", command, "--root", str(self.root)]

    def watched(self, command: str) -> Path:
        """The folder where a command's first moved file lands."""
        return self.root / "data" / ("classified" if command == "classify" else "unlabeled")

    def wait_first_move(self, proc: subprocess.Popen, command: str, timeout: float) -> float | None:
        """Poll until the command has moved its first file; the time it did, or None."""
        watch = self.watched(command)
        start_count = count_files(watch)
        deadline = time.perf_counter() + timeout
        while proc.poll() is None and time.perf_counter() < deadline:
            if count_files(watch) != start_count:
                return time.perf_counter()
            time.sleep(0.002)
        return None

    def run(self, command: str, env: dict[str, str] | None = None, learn: bool = False) -> str:
        """Run a command to completion (it repairs first); with `learn`, time it and its moves
        (done once, on a run that moves every file, so the kills aim at a realistic window)."""
        started = time.perf_counter()
        proc = subprocess.Popen(
            self.argv(command),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env or self.env,
        )
        if learn:  # watch the moves: from the first file to the last
            window = moving_window(proc, self.watched(command), poll=0.002)
            if window is not None:
                self.move_span[command] = max(0.02, window[1] - window[0])
        out, err = proc.communicate(timeout=600)
        if learn:
            self.full_run[command] = time.perf_counter() - started
        text = out + err
        if proc.returncode != 0 or "Traceback" in text:
            self.figures.problems.append(f"{command} failed ({proc.returncode}): {text[-500:]}")
        return text

    def kill_one(self, command: str, env: dict[str, str]) -> None:
        f = self.figures
        proc = subprocess.Popen(
            self.argv(command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
        )
        if self.rng.random() < 1 / 3:  # any moment of the whole run
            time.sleep(self.rng.uniform(0, self.full_run[command]))
        else:  # a random moment within the moving phase
            self.wait_first_move(proc, command, 4 * self.full_run[command] + 10)
            time.sleep(self.rng.uniform(0, 1.1 * self.move_span[command]))
        finished = proc.poll() is not None
        proc.kill()
        proc.wait()
        f.trials += 1
        if finished:
            return
        f.killed += 1
        f.killed_by_command[command] += 1
        started_moving, planned = journal_state(self.root)
        if started_moving or planned:
            f.killed_mid_move += 1
        lost = self.before - file_hashes(self.root / "data")
        if lost:
            f.files_lost += sum(lost.values())
            f.problems.append(f"trial {f.trials}: {sum(lost.values())} file(s) lost after a kill")

    def check_settled(self) -> None:
        f = self.figures
        f.settled_checks += 1
        after = file_hashes(self.root / "data")
        parts = [p for p in (self.root / "data").rglob(".konomi-part-*")]
        started_moving, planned = journal_state(self.root)
        if after != self.before or parts or planned or started_moving:
            f.settled_failures += 1
            f.problems.append(
                f"trial {f.trials}: not settled (lost {sum((self.before - after).values())}, "
                f"extra {sum((after - self.before).values())}, part-files {len(parts)}, "
                f"pending moves {planned})"
            )

    def restore(self, learn: bool = False) -> None:
        f = self.figures
        for _ in range(200):
            if "Nothing to undo" in self.run("undo", learn=learn):
                break
            learn = False
        f.restorations += 1
        if layout(self.root) != self.original:
            f.restoration_failures += 1
            f.problems.append(f"trial {f.trials}: undo did not restore the original layout")


def build(root: Path, n_files: int, seed: int) -> Path:
    model = build_model_dir(root.parent / "model")
    make_taste_set(root / "data" / "train", 12, 12, seed=seed)
    make_unlabeled_set(root / "data" / "unlabeled", n_files // 2, n_files - n_files // 2, seed + 1)
    from konomi.app import loop as workflow

    ctx = workflow.Context.open(root, model=str(model))
    try:
        workflow.train(ctx, folds=2)
    finally:
        ctx.close()
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=60, help="kill attempts (default 60)")
    parser.add_argument("--files", type=int, default=300, help="images to sort (default 300)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--cross-device", type=float, default=0.25, help="share of runs on the copy path"
    )
    parser.add_argument("--keep", action="store_true", help="keep the workspace afterwards")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    base = Path(tempfile.mkdtemp(prefix="konomi-soak-"))
    root = base / "ws"
    t0 = time.perf_counter()
    model = build(root, args.files, args.seed)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KONOMI_")}
    env.update(KONOMI_MODEL=str(model), HF_HUB_OFFLINE="1", NO_COLOR="1")
    soak = Soak(root, env, rng)
    soak.run("classify", learn=True)  # warm the cache, time a run that moves every file
    soak.restore(learn=True)
    for trial in range(args.trials):
        command = (
            "undo"
            if count_files(root / "data" / "classified") and rng.random() < 0.35
            else "classify"
        )
        if not count_files(root / "data" / "unlabeled"):
            command = "undo"
        trial_env = dict(env)
        if rng.random() < args.cross_device:
            trial_env["KONOMI_TEST_LINK_ERROR"] = "EXDEV"
        soak.kill_one(command, trial_env)
        if trial % 4 == 3:
            soak.run(rng.choice(["classify", "undo", "score"]), trial_env)
            soak.check_settled()
        if trial % 10 == 9:
            soak.restore()
    soak.run("score")
    soak.check_settled()
    soak.restore()
    f = soak.figures
    elapsed = time.perf_counter() - t0
    print(f"files in the workspace:      {sum(soak.before.values())} ({args.files} to sort)")
    print(f"trials:                      {f.trials}")
    print(f"killed before finishing:     {f.killed} ({dict(f.killed_by_command)})")
    print(f"kills mid-move:              {f.killed_mid_move}")
    print(f"files lost:                  {f.files_lost}")
    print(f"settled checks failed:       {f.settled_failures} of {f.settled_checks}")
    print(f"full undo restorations bad:  {f.restoration_failures} of {f.restorations}")
    print(
        f"moving phase:                {soak.move_span['classify'] * 1000:.0f} ms of a "
        f"{soak.full_run['classify']:.1f} s classify of every file"
    )
    print(f"elapsed:                     {elapsed:.0f} s")
    for problem in f.problems[:20]:
        print("PROBLEM:", problem)
    if args.keep:
        print("workspace kept at", root)
    else:
        shutil.rmtree(base, ignore_errors=True)
    bad = f.files_lost or f.settled_failures or f.restoration_failures or f.problems
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
