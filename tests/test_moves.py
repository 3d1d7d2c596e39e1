"""The move journal under fault injection: every crash point, both move paths, and undo.

A small driver process runs `moves.Journal` on a workspace and is killed with SIGKILL at a
named point (`KONOMI_TEST_CRASH_AT`) or at a random instant; the test then repairs, checks that
every file is conserved byte for byte and sits in exactly one place, and undoes everything back
to the original layout. The driver imports only `konomi.moves` (a fraction of a second), so the
whole matrix runs in seconds; `test_crash.py` does the same through the real CLI.

The cross-device path is reached with `KONOMI_TEST_LINK_ERROR` (the one system call that fails,
as it would across devices or on a file system without hard links) and, where /dev/shm is
another device, with a real cross-device move.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from factories.images import assert_conserved, file_hashes
from factories.watch import count_files, moving_window
from messages import said

from konomi.errors import JournalError
from konomi.store.journal import BATCH, FAULT_POINTS, Gone, Journal, PlannedMove, free_name
from konomi.workspace import Workspace, workspace_lock

DRIVER = r"""
import json, sys
from pathlib import Path
from konomi.store.journal import Journal, PlannedMove
from konomi.workspace import Workspace, workspace_lock

args = json.loads(sys.argv[1])
ws = Workspace(Path(args["root"]))
with workspace_lock(ws, purpose="driver"), Journal(ws) as journal:
    print("ready", flush=True)
    journal.repair()
    if args["action"] == "move":
        moves = [PlannedMove(ws.abs(s), ws.abs(d)) for s, d in args["moves"]]
        report = journal.run("classify", moves)
        print(json.dumps({"moved": len(report.moved), "skipped": len(report.skipped)}))
    elif args["action"] == "undo":
        for _ in range(50):
            op = journal.last_undoable()
            if op is None:
                break
            journal.undo(op)
"""


# -- helpers shared with test_crash.py --------------------------------------------------------
def make_files(folder: Path, n: int, seed: int = 0) -> dict[str, bytes]:
    """`n` small files of distinct content with awkward names; returns name -> bytes."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    names = {}
    for i in range(n):
        kind = i % 4
        if kind == 0:
            name = f"img_{i:04d}.jpg"
        elif kind == 1:
            name = f"holiday photo {i} (copy).png"
        elif kind == 2:
            name = unicodedata.normalize("NFD" if i % 8 == 2 else "NFC", f"写真_{i}_ガ.jpg")
        else:
            name = f"weird [red] name [{i}.webp"
        data = f"{i}:".encode() + rng.randbytes(rng.randint(1, 3000))
        (folder / name).write_bytes(data)
        names[name] = data
    return names


def layout(root: Path) -> dict[str, str]:
    """Every regular file under data/ (relative path -> sha256), the exact arrangement."""
    hashes = file_hashes(root / "data")
    return {
        os.path.relpath(path, root): digest
        for digest, paths in hashes.where.items()
        for path in paths
    }


def assert_settled(root: Path, before: object) -> None:
    """After repair: nothing lost or duplicated, no part-file, nothing half-done in the journal."""
    assert_conserved(before, file_hashes(root / "data"))  # type: ignore[arg-type]
    leftovers = [p for p in (root / "data").rglob("*") if p.name.startswith(".konomi-part-")]
    assert not leftovers, f"temporary files left in the user's folders: {leftovers}"
    db = sqlite3.connect(root / ".konomi" / "journal.sqlite")
    try:
        pending = db.execute(
            "SELECT src, dst, state FROM moves WHERE state IN ('planned','copying')"
        ).fetchall()
        open_ops = db.execute("SELECT id FROM operations WHERE state='open'").fetchall()
    finally:
        db.close()
    assert not pending, f"moves left half-done after repair: {pending}"
    assert not open_ops, f"operations left open after repair: {open_ops}"


def undo_everything(root: Path) -> None:
    """`konomi undo` until nothing is left, in-process (the driver and CLI do it out of process)."""
    ws = Workspace(root)
    with workspace_lock(ws), Journal(ws) as journal:
        journal.repair()
        for _ in range(100):
            op = journal.last_undoable()
            if op is None:
                return
            journal.undo(op)
    raise AssertionError("undo never ran out of operations")


def settle(root: Path) -> None:
    ws = Workspace(root)
    with workspace_lock(ws), Journal(ws) as journal:
        journal.repair()


def driver(root: Path, action: str, moves: list[tuple[str, str]] | None = None, **env: str):
    """Run the driver to completion (or to its injected crash); returns the CompletedProcess."""
    args = json.dumps({"root": str(root), "action": action, "moves": moves or []})
    return subprocess.run(
        [sys.executable, "-c", DRIVER, args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )


@contextmanager
def unwritable(folder: Path) -> Iterator[None]:
    """Make a folder refuse new and removed entries, even for root (chattr +i), then restore."""
    if os.geteuid() == 0:
        if not shutil.which("chattr"):
            pytest.skip("chattr is needed to make a folder read-only for root")
        done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"this file system has no immutable flag: {done.stderr!r}")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        mode = folder.stat().st_mode
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(mode)


# -- the crash matrix -------------------------------------------------------------------------
def prepared(tmp_path: Path, n: int = 80) -> tuple[Path, list[tuple[str, str]]]:
    root = tmp_path / "ws"
    names = make_files(root / "data" / "unlabeled", n)
    moves = [
        (f"data/unlabeled/{name}", f"data/classified/{('like', 'dislike', 'unsure')[i % 3]}")
        for i, name in enumerate(sorted(names))
    ]
    return root, moves


HARD_LINK_POINTS = [
    "before_plan:2",
    "after_plan:1",
    "after_link:1",
    "after_link:70",
    "after_unlink:1",
    "after_unlink:64",
    "after_move:9",
    "after_batch:1",
]
COPY_POINTS = [
    "after_copy:1",
    "after_copy:66",
    "after_copy_recorded:3",
    "after_place:1",
    "after_place:65",
    "after_move:64",
    "after_batch:1",
]


def test_fault_points_cover_every_stage():
    points = {p.split(":")[0] for p in HARD_LINK_POINTS + COPY_POINTS} | {"repair"}
    assert points == set(FAULT_POINTS)


@pytest.mark.parametrize(
    ("link_error", "crash_at"),
    [("", p) for p in HARD_LINK_POINTS]
    + [("EXDEV", p) for p in COPY_POINTS]
    + [("EPERM", p) for p in ("after_copy_recorded:2", "after_place:3", "after_move:70")],
)
def test_crash_at_every_point_then_repair_and_undo(tmp_path, link_error, crash_at):
    root, moves = prepared(tmp_path)
    original, before = layout(root), file_hashes(root / "data")
    done = driver(
        root, "move", moves, KONOMI_TEST_CRASH_AT=crash_at, KONOMI_TEST_LINK_ERROR=link_error
    )
    assert done.returncode == -signal.SIGKILL, done.stdout + done.stderr
    settle(root)
    assert_settled(root, before)
    undo_everything(root)
    assert_settled(root, before)
    assert layout(root) == original


@pytest.mark.parametrize("link_error", ["", "EXDEV"])
@pytest.mark.parametrize("crash_at", ["after_plan:1", "after_unlink:3", "after_place:2"])
def test_crash_during_undo(tmp_path, link_error, crash_at):
    root, moves = prepared(tmp_path, n=70)
    original, before = layout(root), file_hashes(root / "data")
    assert driver(root, "move", moves, KONOMI_TEST_LINK_ERROR=link_error).returncode == 0
    undone = driver(root, "undo", KONOMI_TEST_CRASH_AT=crash_at, KONOMI_TEST_LINK_ERROR=link_error)
    if crash_at.startswith("after_place") and not link_error:
        assert undone.returncode == 0  # no copy path, the point is never reached
    else:
        assert undone.returncode == -signal.SIGKILL, undone.stdout + undone.stderr
    settle(root)
    assert_settled(root, before)
    assert driver(root, "undo", KONOMI_TEST_LINK_ERROR=link_error).returncode == 0
    assert_settled(root, before)
    assert layout(root) == original


@pytest.mark.parametrize("link_error", ["", "EXDEV"])
def test_crash_during_repair_itself(tmp_path, link_error):
    root, moves = prepared(tmp_path, n=40)
    original, before = layout(root), file_hashes(root / "data")
    point = "after_unlink:30" if not link_error else "after_place:30"
    crashed = driver(root, "move", moves, KONOMI_TEST_CRASH_AT="after_plan:1")
    assert crashed.returncode == -signal.SIGKILL
    # Leave a run that died mid-way through its moves, then kill its repair half-way too.
    again = driver(
        root, "move", moves, KONOMI_TEST_CRASH_AT=point, KONOMI_TEST_LINK_ERROR=link_error
    )
    assert again.returncode == -signal.SIGKILL
    repair = driver(root, "repair", KONOMI_TEST_CRASH_AT="repair:5")
    assert repair.returncode == -signal.SIGKILL
    settle(root)
    assert_settled(root, before)
    undo_everything(root)
    assert layout(root) == original


@pytest.mark.parametrize("link_error", ["", "EXDEV"])
def test_sigkill_at_random_instants(tmp_path, link_error):
    """Kills at moments nobody chose: a random time after the first file of a run has moved."""
    rng = random.Random(7 if link_error else 3)
    root, moves = prepared(tmp_path, n=150)
    original, before = layout(root), file_hashes(root / "data")
    env = {**os.environ, "KONOMI_TEST_LINK_ERROR": link_error}
    args = [sys.executable, "-c", DRIVER]
    classified = root / "data" / "classified"

    def launch(action: str) -> subprocess.Popen:
        payload = json.dumps({"root": str(root), "action": action, "moves": moves})
        return subprocess.Popen(args + [payload], stdout=subprocess.DEVNULL, env=env)

    window = moving_window(launch("move"), classified)  # how long moving 150 files takes
    assert window is not None
    span = window[1] - window[0]
    undo_everything(root)
    killed_mid_move = 0
    for trial in range(6):
        action = "undo" if trial % 3 == 2 else "move"
        watch = root / "data" / ("unlabeled" if action == "undo" else "classified")
        start_count = count_files(watch)
        proc = launch(action)
        while proc.poll() is None and count_files(watch) == start_count:
            time.sleep(0.001)
        time.sleep(rng.uniform(0, span))
        proc.kill()
        proc.wait()
        db = sqlite3.connect(root / ".konomi" / "journal.sqlite")
        pending = db.execute("SELECT COUNT(*) FROM operations WHERE state='open'").fetchone()[0]
        db.close()
        killed_mid_move += bool(pending)
        settle(root)
        assert_settled(root, before)
    undo_everything(root)
    assert_settled(root, before)
    assert layout(root) == original
    assert killed_mid_move >= 1, "no kill landed while files were moving"


# -- one move at a time: collisions, refusals, odd file systems --------------------------------
def journal_at(root: Path) -> Journal:
    return Journal(Workspace(root))


def test_collision_takes_a_new_name_and_overwrites_nothing(tmp_path):
    root = tmp_path / "ws"
    src = root / "data" / "unlabeled" / "a.jpg"
    dst_dir = root / "data" / "classified" / "like"
    dst_dir.mkdir(parents=True)
    src.parent.mkdir(parents=True)
    src.write_bytes(b"mine")
    (dst_dir / "a.jpg").write_bytes(b"already there")
    (dst_dir / "a (1).jpg").write_bytes(b"also there")
    with journal_at(root) as journal:
        report = journal.run("classify", [PlannedMove(src, dst_dir)])
    assert report.moved == [(src, dst_dir / "a (2).jpg")]
    assert (dst_dir / "a.jpg").read_bytes() == b"already there"
    assert (dst_dir / "a (1).jpg").read_bytes() == b"also there"
    assert (dst_dir / "a (2).jpg").read_bytes() == b"mine"


def test_numbered_names_stay_within_255_bytes(tmp_path):
    name = "長" * 83 + ".jpg"  # 249 + 4 = 253 bytes
    assert len(name.encode()) == 253
    (tmp_path / name).write_bytes(b"x")
    other = free_name(tmp_path, name)
    assert len(other.name.encode()) <= 255 and other.name.endswith(" (1).jpg")
    assert not other.exists()


def test_long_name_collision_moves_instead_of_failing(tmp_path):
    root = tmp_path / "ws"
    name = "x" * 251 + ".jpg"
    src, dst_dir = root / "data" / "unlabeled" / name, root / "data" / "classified" / "like"
    src.parent.mkdir(parents=True)
    dst_dir.mkdir(parents=True)
    src.write_bytes(b"new")
    (dst_dir / name).write_bytes(b"old")
    with journal_at(root) as journal:
        report = journal.run("classify", [PlannedMove(src, dst_dir)])
    assert len(report.moved) == 1 and not report.skipped
    assert report.moved[0][1].read_bytes() == b"new"
    assert (dst_dir / name).read_bytes() == b"old"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("modify", "safety.move.changed"),
        ("delete", "safety.move.gone"),
        ("symlink", "safety.move.not_regular"),
        ("folder", "safety.move.not_regular"),
        ("replace", "safety.move.changed"),
    ],
)
def test_a_file_changed_after_scoring_is_not_moved(tmp_path, change, reason):
    root = tmp_path / "ws"
    src = root / "data" / "unlabeled" / "a.jpg"
    src.parent.mkdir(parents=True)
    src.write_bytes(b"original")
    st = src.stat()
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(b"not in the workspace")
    if change == "modify":
        src.write_bytes(b"edited by the person, longer")
    elif change == "delete":
        src.unlink()
    elif change == "symlink":
        src.unlink()
        src.symlink_to(outside)
    elif change == "folder":
        src.unlink()
        src.mkdir()
    elif change == "replace":
        src.unlink()
        src.write_bytes(b"other")
    dst_dir = root / "data" / "classified" / "like"
    with journal_at(root) as journal:
        report = journal.run("classify", [PlannedMove(src, dst_dir, (st.st_size, st.st_mtime_ns))])
    assert not report.moved
    assert said(report.skipped[0][1], reason)
    assert outside.read_bytes() == b"not in the workspace"
    assert not (dst_dir / "a.jpg").exists()


def test_source_folder_read_only_leaves_the_file_in_one_place(tmp_path):
    """The link succeeds but the source cannot be removed: the new link is taken back."""
    root = tmp_path / "ws"
    make_files(root / "data" / "unlabeled", 3)
    before = file_hashes(root / "data")
    files = sorted((root / "data" / "unlabeled").iterdir())
    dst_dir = root / "data" / "classified" / "like"
    with unwritable(root / "data" / "unlabeled"), journal_at(root) as journal:
        report = journal.run("classify", [PlannedMove(p, dst_dir) for p in files])
    assert not report.moved and len(report.skipped) == 3
    assert all(said(why, "safety.move.failed") for _, why in report.skipped)
    assert not any(dst_dir.iterdir())
    assert_settled(root, before)


def test_destination_folder_read_only_or_a_file(tmp_path):
    root = tmp_path / "ws"
    make_files(root / "data" / "unlabeled", 2)
    before = file_hashes(root / "data")
    files = sorted((root / "data" / "unlabeled").iterdir())
    (root / "data" / "classified").mkdir(parents=True)
    (root / "data" / "classified" / "like").write_bytes(b"a file where a folder should be")
    locked = root / "data" / "classified" / "dislike"
    locked.mkdir()
    before = file_hashes(root / "data")
    with unwritable(locked), journal_at(root) as journal:
        report = journal.run(
            "classify",
            [
                PlannedMove(files[0], root / "data" / "classified" / "like"),
                PlannedMove(files[1], locked),
            ],
        )
    reasons = dict(report.skipped)
    assert said(reasons[files[0]], "safety.move.file_in_the_way")
    assert said(reasons[files[1]], "safety.move.failed")
    assert_settled(root, before)


def test_a_destination_linked_to_another_disk_is_refused(tmp_path):
    """data/classified a symbolic link to another file system (tmpfs): no file goes through it.

    (This once reached the copy path without a test hook; a link out of the workspace is now
    refused like any other, and the copy path is covered through KONOMI_TEST_LINK_ERROR.)"""
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("no second file system to link to")
    root = tmp_path / "ws"
    make_files(root / "data" / "unlabeled", 10)
    original, before = layout(root), file_hashes(root / "data")
    other = Path(tempfile.mkdtemp(dir=shm, prefix="konomi-test-"))
    try:
        (root / "data" / "classified").symlink_to(other)
        files = sorted((root / "data" / "unlabeled").iterdir())
        with journal_at(root) as journal:
            report = journal.run(
                "classify", [PlannedMove(p, root / "data" / "classified" / "like") for p in files]
            )
        assert not report.moved and len(report.skipped) == 10
        assert all(said(why, "safety.linked_folder") for _, why in report.skipped)
        assert layout(root) == original and file_hashes(root / "data") == before
        assert not list(other.rglob("*"))
    finally:
        shutil.rmtree(other)


def test_damaged_journal_refuses_to_move_and_explains(tmp_path):
    root = tmp_path / "ws"
    make_files(root / "data" / "unlabeled", 3)
    (root / ".konomi").mkdir()
    (root / ".konomi" / "journal.sqlite").write_bytes(b"SQLite format 3\x00" + os.urandom(3000))
    before = layout(root)
    with pytest.raises(JournalError) as caught:
        journal_at(root)
    assert said(caught.value.message, "errors.journal.damaged", path=".konomi/journal.sqlite")
    assert said(caught.value.hint, "errors.journal.damaged_hint", path=".konomi/journal.sqlite")
    assert layout(root) == before


def test_truncated_journal_is_detected(tmp_path):
    root = tmp_path / "ws"
    names = make_files(root / "data" / "unlabeled", 150)
    moves = [(f"data/unlabeled/{n}", "data/classified/like") for n in sorted(names)]
    assert driver(root, "move", moves).returncode == 0
    path = root / ".konomi" / "journal.sqlite"
    data = path.read_bytes()
    assert len(data) > 8192
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(JournalError) as caught:
        journal_at(root)
    assert said(caught.value.message, "errors.journal.damaged")


def test_journal_entry_outside_the_workspace_is_refused(tmp_path):
    root = tmp_path / "ws"
    make_files(root / "data" / "unlabeled", 1)
    victim = tmp_path / "victim.jpg"
    victim.write_bytes(b"outside")
    with journal_at(root) as journal:
        journal.run(
            "classify",
            [
                PlannedMove(p, root / "data" / "classified" / "like")
                for p in (root / "data" / "unlabeled").iterdir()
            ],
        )
        journal.db.execute("UPDATE moves SET src='../victim.jpg'")
        with pytest.raises(JournalError) as caught:
            journal.undo(journal.last_undoable() or 0)
        assert said(caught.value.message, "errors.journal.damaged")
        assert said(caught.value.message, "safety.journal_row", entry="'../victim.jpg'")
    assert victim.read_bytes() == b"outside"


def test_journal_of_an_older_schema_is_upgraded(tmp_path):
    root = tmp_path / "ws"
    make_files(root / "data" / "unlabeled", 2)
    (root / ".konomi").mkdir()
    db = sqlite3.connect(root / ".konomi" / "journal.sqlite")
    db.executescript(
        "CREATE TABLE operations (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, created REAL,"
        " state TEXT NOT NULL, note TEXT NOT NULL DEFAULT '');"
        "CREATE TABLE moves (id INTEGER PRIMARY KEY, op INTEGER NOT NULL, src TEXT NOT NULL,"
        " dst TEXT NOT NULL, state TEXT NOT NULL, size INTEGER, mtime_ns INTEGER, digest TEXT,"
        " reverts INTEGER, reverted_by INTEGER, reason TEXT);"
    )
    db.close()
    files = sorted((root / "data" / "unlabeled").iterdir())
    with journal_at(root) as journal:
        report = journal.run(
            "classify", [PlannedMove(p, root / "data" / "classified" / "like") for p in files]
        )
        assert len(report.moved) == 2
    undo_everything(root)
    assert sorted((root / "data" / "unlabeled").iterdir()) == files


def test_undo_brings_back_under_a_free_name_and_forgets_deleted_files(tmp_path):
    root = tmp_path / "ws"
    make_files(root / "data" / "unlabeled", 3)
    files = sorted((root / "data" / "unlabeled").iterdir())
    like = root / "data" / "classified" / "like"
    with journal_at(root) as journal:
        report = journal.run("classify", [PlannedMove(p, like) for p in files])
    moved = [dst for _, dst in report.moved]
    files[0].write_bytes(b"a new file took the old name")
    moved[1].unlink()  # the person deleted one
    with journal_at(root) as journal:
        back = journal.undo(journal.last_undoable() or 0)
        assert len(back.moved) == 2
        assert isinstance(back.skipped[0][1], Gone)
        assert journal.last_undoable() is None  # the deleted file is not offered again
    stem, suffix = os.path.splitext(files[0].name)
    assert files[0].read_bytes() == b"a new file took the old name"
    assert (files[0].parent / f"{stem} (1){suffix}").is_file()


def test_batches_span_more_than_one_commit():
    assert BATCH == 64  # the crash matrix above places points in the first and second batch


@pytest.mark.parametrize(
    ("link_error", "crash_at"), [("", "after_link:2"), ("EXDEV", "after_place:2")]
)
def test_repair_keeps_both_when_the_source_was_replaced_after_the_crash(
    tmp_path, link_error, crash_at
):
    """A new file saved under the source's name after the crash: repair deletes neither."""
    root, moves = prepared(tmp_path, n=5)
    done = driver(
        root, "move", moves, KONOMI_TEST_CRASH_AT=crash_at, KONOMI_TEST_LINK_ERROR=link_error
    )
    assert done.returncode == -signal.SIGKILL
    db = sqlite3.connect(root / ".konomi" / "journal.sqlite")
    rows = db.execute("SELECT src, dst FROM moves WHERE state IN ('planned','copying')")
    (src, dst) = next((s, d) for s, d in rows if (root / s).exists() and (root / d).exists())
    db.close()
    assert (root / dst).is_file()
    (root / src).unlink()
    (root / src).write_bytes(b"a new picture saved under the old name")
    expected = file_hashes(root / "data")
    settle(root)
    assert_settled(root, expected)
    assert (root / src).read_bytes() == b"a new picture saved under the old name"
    assert (root / dst).is_file()
