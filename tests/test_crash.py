"""kill -9 the real CLI while it moves photos; the next command of any kind repairs first.

Every test runs `python -m konomi` as a subprocess on a trained workspace, kills it with SIGKILL
at an injected point (`KONOMI_TEST_CRASH_AT`) or at a random instant while files move, then
checks that every file is conserved byte for byte, sits in exactly one place, that no temporary
file is left in the user's folders, and that `konomi undo` (repeated) brings every image back to
`data/unlabeled/` exactly as it was. The journal-level matrix of every point is in
`test_moves.py`; the long random soak is `benchmarks/soak_crash.py`.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from factories.images import file_hashes, make_taste_set, make_unlabeled_set
from factories.models import konomi_env
from messages import said, word
from test_moves import assert_settled, layout, undo_everything

from konomi.app import loop as workflow

N_UNLABELED = 150  # three journal batches


def cli(root: Path, *args: str, env: dict[str, str], **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "konomi", *args, "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=180,
        env={**env, **extra},
    )


def _hear_ctrl_c() -> None:
    """In the child: Ctrl-C back to its default. A suite started in the background of a
    non-interactive shell (`nohup … &`) inherits SIGINT ignored, and so would every konomi it
    starts: the tests that press Ctrl-C would then test nothing."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(root: Path, *args: str, env: dict[str, str], **extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "konomi", *args, "--root", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**env, **extra},
        preexec_fn=_hear_ctrl_c if os.name == "posix" else None,  # noqa: PLW1509
    )


def start_paused(root: Path, command: str, point: str, env: dict[str, str]) -> subprocess.Popen:
    """Start `command` and wait until it stops itself at fault point `point` (SIGSTOP)."""
    proc = start(root, command, env=env, KONOMI_TEST_PAUSE_AT=point)
    _, status = os.waitpid(proc.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status), f"{command} never reached {point}"
    return proc


def ok(done: subprocess.CompletedProcess) -> str:
    text = done.stdout + done.stderr
    assert done.returncode == 0, text
    assert "Traceback" not in text, text
    return text


def train_in_process(root: Path, model: Path) -> None:
    """Set-up only: train a head without paying for a CLI process (the CLI is what is tested)."""
    ctx = workflow.Context.open(root, model=str(model))
    try:
        workflow.train(ctx, folds=2)
    finally:
        ctx.close()


@pytest.fixture(scope="module")
def template(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory):
    """A trained workspace with its embedding cache (copied by each test)."""
    base = tmp_path_factory.mktemp("crash")
    root = base / "template"
    make_taste_set(root / "data" / "train", 8, 8, seed=0)
    make_unlabeled_set(root / "data" / "unlabeled", N_UNLABELED // 2, N_UNLABELED // 2, 1)
    train_in_process(root, tiny_model)
    return root, konomi_env(tiny_model, base)


@pytest.fixture
def ws(template, tmp_path):
    root, env = template
    copy = tmp_path / "ws"
    shutil.copytree(root, copy, symlinks=True)
    return copy, env


def unlabeled(root: Path) -> list[Path]:
    return [p for p in (root / "data" / "unlabeled").rglob("*") if p.is_file()]


def classified(root: Path) -> list[Path]:
    folder = root / "data" / "classified"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.is_dir() else []


def undo_until_nothing(root: Path, env: dict[str, str]) -> int:
    for n in range(20):
        text = ok(cli(root, "undo", env=env))
        if said(text, "cli.undo.nothing"):
            return n
    raise AssertionError("undo never said 'Nothing to undo'")


def test_every_command_repairs_a_killed_run_first(ws):
    root, env = ws
    original, before = layout(root), file_hashes(root / "data")

    # Killed between the link and the unlink of the 7th move: `undo` repairs, then undoes.
    crashed = cli(root, "classify", env=env, KONOMI_TEST_CRASH_AT="after_link:7")
    assert crashed.returncode == -signal.SIGKILL
    assert 0 < len(classified(root)) < N_UNLABELED  # it died while files were moving
    text = ok(cli(root, "undo", env=env))
    assert said(text, "cli.repaired", finished=7)
    assert_settled(root, before)
    assert layout(root) == original

    # Across devices, killed with the 70th copy in place and its source still there (two
    # copies on disk for an instant): `score`, a read-only command, repairs first.
    crashed = cli(
        root,
        "classify",
        env=env,
        KONOMI_TEST_LINK_ERROR="EXDEV",
        KONOMI_TEST_CRASH_AT="after_place:70",
    )
    assert crashed.returncode == -signal.SIGKILL
    assert sum(file_hashes(root / "data").values()) == sum(before.values()) + 1
    ok(cli(root, "score", env=env))
    assert_settled(root, before)
    assert len(classified(root)) == 69

    # `classify` sorts the rest; then an undo killed half-way; repeated undo restores all.
    ok(cli(root, "classify", env=env))
    assert not unlabeled(root) and len(classified(root)) == N_UNLABELED
    crashed = cli(root, "undo", env=env, KONOMI_TEST_CRASH_AT="after_unlink:5")
    assert crashed.returncode == -signal.SIGKILL
    assert undo_until_nothing(root, env) == 2
    assert_settled(root, before)
    assert layout(root) == original


def test_ctrl_c_mid_move_leaves_nothing_half_done(ws):
    """Ctrl-C between a link and its unlink: the run settles its own moves before exiting."""
    root, env = ws
    before = file_hashes(root / "data")
    proc = start_paused(root, "classify", "after_link:3", env)
    os.kill(proc.pid, signal.SIGINT)  # delivered the moment it continues
    os.kill(proc.pid, signal.SIGCONT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, out + err
    assert said(err, "cli.interrupted") and "Traceback" not in err
    assert_settled(root, before)  # without any other command having run
    assert len(classified(root)) == 3
    undo_everything(root)


def open_operations(root: Path) -> int:
    db = sqlite3.connect(root / ".konomi" / "journal.sqlite")
    try:
        return db.execute("SELECT COUNT(*) FROM operations WHERE state='open'").fetchone()[0]
    finally:
        db.close()


def kill_at_a_random_instant(root: Path, env: dict[str, str], rng: random.Random) -> bool:
    """Start classify and SIGKILL it a random instant (0–3 ms) after its first file lands; True
    when it died in the middle of its moves (on a fast machine it may already have finished)."""
    proc = start(root, "classify", env=env)
    target = root / "data" / "classified"
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if target.is_dir() and any(p.is_file() for p in target.rglob("*")):
            break
        time.sleep(0.0005)
    time.sleep(rng.uniform(0, 0.003))
    proc.kill()
    proc.communicate()
    return bool(open_operations(root))


def kill_at_a_random_move_step(root: Path, env: dict[str, str], rng: random.Random) -> bool:
    """Stop classify at a random step of a random move (the hooks of `moves`), whatever the
    machine's speed, and SIGKILL it there; True when the journal shows the move still open."""
    point = f"{rng.choice(['after_link', 'after_unlink', 'after_move'])}:{rng.randint(1, 40)}"
    proc = start_paused(root, "classify", point, env)
    proc.kill()
    proc.communicate()
    return bool(open_operations(root))


def test_random_sigkills_then_rerun_and_undo_everything(ws):
    """What a person does: kill it, run it again; nothing lost, undo restores everything."""
    root, env = ws
    original, before = layout(root), file_hashes(root / "data")
    rng = random.Random(11)
    # First at a random step of one of the first 40 moves (of 150: always reached), then at a
    # random instant, which on a fast machine may land after the last move.
    assert kill_at_a_random_move_step(root, env, rng), "a kill mid-move left no open operation"
    kill_at_a_random_instant(root, env, rng)
    ok(cli(root, "classify", env=env))
    assert_settled(root, before)
    assert not unlabeled(root)
    undo_everything(root)  # the CLI's repeated undo is exercised above
    assert_settled(root, before)
    assert layout(root) == original


def test_second_moving_command_is_refused_or_waits_and_stale_lock_is_taken_over(ws):
    root, env = ws
    original, before = layout(root), file_hashes(root / "data")
    first = start_paused(root, "classify", "after_plan:1", env)  # holding the lock, mid-run
    try:
        busy = cli(root, "classify", env=env, KONOMI_LOCK_WAIT="0")
        assert busy.returncode == 4, busy.stdout + busy.stderr
        assert said(busy.stderr, "errors.workspace.busy", holder=f"pid {first.pid} classify")
        assert "Traceback" not in busy.stderr
        waiting = start(root, "undo", env=env)  # the default: wait for the lock
        time.sleep(0.5)
        assert waiting.poll() is None
    finally:
        os.kill(first.pid, signal.SIGCONT)
    first.communicate(timeout=120)  # reads and closes its pipes (wait() would leave them open)
    assert first.returncode == 0
    out, err = waiting.communicate(timeout=120)
    assert waiting.returncode == 0, out + err
    assert said(
        out, "cli.undo.done", kind=word("cli.undo.kind.classify")
    )  # it ran after the first one, never interleaved
    assert_settled(root, before)
    assert layout(root) == original

    # A command killed while holding the lock: the lock is free again and the run repaired.
    stale = start_paused(root, "classify", "after_link:3", env)
    os.kill(stale.pid, signal.SIGKILL)
    stale.communicate()
    assert stale.returncode == -signal.SIGKILL
    text = ok(cli(root, "undo", env=env, KONOMI_LOCK_WAIT="0"))
    assert said(text, "cli.repaired")
    undo_until_nothing(root, env)
    assert_settled(root, before)
    assert layout(root) == original


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def has_open(pid: int, path: Path) -> bool:
    try:
        return any(os.readlink(fd) == str(path) for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")
def test_a_waiting_command_whose_launcher_died_gives_up(ws):
    """`uv run konomi undo` killed while its konomi waits for the lock must not run later."""
    root, env = ws
    holder = start_paused(root, "classify", "after_plan:1", env)
    log = root / "orphan.txt"
    try:
        launcher = subprocess.Popen(
            ["sh", "-c", f'"{sys.executable}" -m konomi undo --root "{root}" >"{log}" 2>&1; true'],
            env=env,
        )
        deadline = time.monotonic() + 120
        waiter = None
        while waiter is None or not has_open(waiter, root / ".konomi" / "lock"):
            assert time.monotonic() < deadline, "the second command never reached the lock"
            waiter = next(iter(children_of(launcher.pid)), None)
            time.sleep(0.05)
        launcher.kill()  # like SIGKILL to `uv run`: its child goes on, orphaned
        launcher.wait()
    finally:
        os.kill(holder.pid, signal.SIGCONT)
    holder.communicate(timeout=120)
    assert holder.returncode == 0
    while alive(waiter):
        assert time.monotonic() < deadline, "the orphan never finished"
        time.sleep(0.05)
    assert said(log.read_text(), "errors.workspace.orphaned")
    assert not unlabeled(root)  # the orphaned undo gave up instead of undoing the classify
