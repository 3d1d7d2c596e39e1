"""Corrupt or foreign state: the cache rebuilds itself, the journal refuses, heads say retrain.

Most cases run the real `konomi` app in-process (typer's CliRunner: the same commands, the
same error handling, without paying a process start per case); the last test repeats the
external check's sequence with real subprocesses.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from factories.images import assert_conserved, file_hashes, make_image, make_taste_set
from factories.models import build_model_dir, konomi_env
from messages import said
from test_crash import train_in_process
from test_moves import assert_settled, layout, undo_everything
from typer.testing import CliRunner

from konomi.app import loop as workflow
from konomi.cli.main import app
from konomi.errors import NoHeadError
from konomi.store.cache import EmbeddingCache


class Run:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    @property
    def text(self) -> str:
        return self.out + self.err


def invoke(root: Path, *args: str, model: Path, **env: str) -> Run:
    """`konomi ARGS --root ROOT` in-process; an escaped exception fails the test loudly."""
    result = CliRunner().invoke(
        app,
        [*args, "--root", str(root)],
        env={"KONOMI_MODEL": str(model), "NO_COLOR": "1", "COLUMNS": "200", **env},
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    run = Run(result.exit_code, result.stdout, result.stderr)
    assert "Traceback" not in run.text
    return run


@pytest.fixture(scope="module")
def trained_once(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A trained workspace with its cache, built once for the module."""
    root = tmp_path_factory.mktemp("trained") / "ws"
    make_taste_set(root / "data" / "train", 8, 8, seed=0)
    for i in range(6):
        make_image(root / "data" / "unlabeled" / f"u{i}.jpg", seed=30 + i)
    train_in_process(root, tiny_model)
    return root


@pytest.fixture
def ws(trained_once: Path, tmp_path: Path) -> Path:
    """A fresh copy of the trained workspace for each test."""
    return Path(shutil.copytree(trained_once, tmp_path / "ws", symlinks=True))


def short(run: Run) -> list[str]:
    """The non-empty lines a person reads on stderr."""
    return [line for line in run.err.splitlines() if line.strip()]


# -- the embedding cache ------------------------------------------------------------------------
def garbage(path: Path) -> None:
    path.write_bytes(os.urandom(5000))


def truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def header_only(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:100] + b"\x00" * (len(data) - 100))


def scrambled_pages(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for offset in range(4096, len(data), 4096):  # every page after the header page
        data[offset : offset + 64] = os.urandom(64)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [garbage, truncated, header_only, scrambled_pages])
def test_damaged_cache_is_set_aside_rebuilt_and_the_command_succeeds(ws, tiny_model, damage):
    cache = ws / ".konomi" / "cache.sqlite"
    assert cache.stat().st_size > 12000
    damage(cache)
    run = invoke(ws, "score", model=tiny_model)
    assert run.code == 0, run.text
    assert said(run.err, "errors.store.cache_corrupt")
    assert said(run.out, "cli.score.done", out="reports/scores.csv", n=22)
    assert list((ws / ".konomi").glob("cache.sqlite.corrupt-*"))
    again = invoke(ws, "score", model=tiny_model)  # the rebuilt cache is healthy
    assert again.code == 0 and "corrupt" not in again.err


def test_garbage_wal_and_shm_beside_the_cache_are_harmless(ws, tiny_model):
    garbage(ws / ".konomi" / "cache.sqlite-wal")
    garbage(ws / ".konomi" / "cache.sqlite-shm")
    run = invoke(ws, "score", model=tiny_model)
    assert run.code == 0, run.text


def test_cache_damage_found_in_the_middle_of_a_run(ws, tiny_model):
    """Damage the open cache after it passed its check: a later statement meets a bad page."""
    ctx = workflow.Context.open(ws, model=str(tiny_model))
    try:
        ctx.cache.db.execute("PRAGMA cache_size=1")  # read pages from disk, not from memory
        assert ctx.cache.file_stamps()  # opened and checked: healthy
        scrambled_pages(ws / ".konomi" / "cache.sqlite")
        outcome = workflow.score(ctx)
    finally:
        ctx.close()
    assert len(outcome.rows) == 22
    assert any(said(w, "errors.store.cache_corrupt") for w in ctx.reporter.warnings)
    assert list((ws / ".konomi").glob("cache.sqlite.corrupt-*"))
    with EmbeddingCache(ws / ".konomi" / "cache.sqlite") as rebuilt:
        assert len(rebuilt.file_stamps()) == 22 and not rebuilt.warnings


def test_cache_damage_inside_a_transaction(tmp_path):
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    cache.put_embeddings([(f"d{i}", np.ones(512, np.float32)) for i in range(200)], "m")
    cache.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # all on the main file, none in the WAL
    cache.db.execute("PRAGMA cache_size=1")
    with cache.transaction():
        scrambled_pages(tmp_path / "cache.sqlite")
        cache.db.executemany("INSERT OR REPLACE INTO failures VALUES (?, ?)", [("b", "bad")])
        assert cache.get_embeddings(["d1", "d150"], "m") == {}  # lost: recomputed, never wrong
    assert cache.get_failures(["b"]) == {"b": "bad"}
    assert len(cache.warnings) == 1 and said(cache.warnings[0], "errors.store.cache_corrupt")
    cache.close()


# -- the move journal ---------------------------------------------------------------------------
@pytest.mark.parametrize("damage", [garbage, truncated, scrambled_pages])
def test_damaged_journal_refuses_to_move_and_explains(ws, tiny_model, damage):
    assert invoke(ws, "classify", model=tiny_model).code == 0
    undo_everything(ws)
    for i in range(6, 60):  # a journal of several pages
        make_image(ws / "data" / "unlabeled" / f"u{i}.jpg", seed=30 + i, size=(16, 16))
    assert invoke(ws, "classify", model=tiny_model).code == 0
    undo_everything(ws)
    journal = ws / ".konomi" / "journal.sqlite"
    damage(journal)
    before = layout(ws)
    for command in ("classify", "undo"):
        run = invoke(ws, command, model=tiny_model)
        assert run.code == 1, run.text
        lines = short(run)
        assert said(lines[0], "errors.journal.damaged", path=".konomi/journal.sqlite")
        assert len(lines) == 2
        assert said(lines[1], "errors.journal.damaged_hint", path=".konomi/journal.sqlite")
        assert layout(ws) == before
    score = invoke(ws, "score", model=tiny_model)
    assert score.code == 0 and said(score.err, "errors.journal.damaged")
    journal.rename(journal.with_name("journal.sqlite.bad"))  # the documented reset
    assert invoke(ws, "classify", model=tiny_model).code == 0
    assert not list((ws / "data" / "unlabeled").iterdir())


# -- heads --------------------------------------------------------------------------------------
def current(ws: Path) -> Path:
    return ws / "models" / "current.json"


def head_files(ws: Path) -> tuple[Path, Path]:
    head_id = json.loads(current(ws).read_text())["id"]
    return ws / "models" / f"{head_id}.npz", ws / "models" / f"{head_id}.json"


@pytest.mark.parametrize(
    "damage",
    [
        "current_garbage",
        "current_empty",
        "current_no_id",
        "current_path_escape",
        "current_missing_head",
        "npz_truncated",
        "npz_garbage",
        "npz_missing",
        "json_garbage",
        "json_no_head_params",
    ],
)
def test_broken_head_files_ask_to_retrain(ws, tiny_model, damage):
    npz, info = head_files(ws)
    if damage == "current_garbage":
        current(ws).write_bytes(os.urandom(40))
    elif damage == "current_empty":
        current(ws).write_text("")
    elif damage == "current_no_id":
        current(ws).write_text('{"head": 3}')
    elif damage == "current_path_escape":
        current(ws).write_text('{"id": "../../etc/passwd"}')
    elif damage == "current_missing_head":
        current(ws).write_text('{"id": "20990101-000000"}')
    elif damage == "npz_truncated":
        npz.write_bytes(npz.read_bytes()[:200])
    elif damage == "npz_garbage":
        npz.write_bytes(os.urandom(800))
    elif damage == "npz_missing":
        npz.unlink()
    elif damage == "json_garbage":
        info.write_text("{not json")
    elif damage == "json_no_head_params":
        info.write_text(json.dumps({"id": "x", "model_id": "y"}))
    before = layout(ws)
    for command in ("score", "classify"):
        run = invoke(ws, command, model=tiny_model)
        assert run.code == 1, run.text
        lines = short(run)
        assert len(lines) == 2, lines
        assert "train" in lines[1]  # the hint names the command that mends it
    assert layout(ws) == before


def test_head_from_another_encoder_is_refused(ws, tiny_model, tmp_path):
    other = build_model_dir(tmp_path / "other-model", seed=5)
    before = layout(ws)
    run = invoke(ws, "classify", model=other)
    assert run.code == 1
    assert said(run.err, "errors.heads.other_encoder")
    assert layout(ws) == before


# -- settings -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("like_threshold = 0.7.5\n", ["line 1", "like_threshold"]),
        ('head = "auto"\nmodel = ViT-B-32\n', ["line 2", "model"]),
        ("[thresholds\nlike = 0.8\n", ["line 1"]),
        ('like_threshold = "high"\n', ["line 1", "like_threshold", "should be a number"]),
        ("# mine\ndislike_threshold = 0.9\nlike_threshold = 0.2\n", ["line 3", "0.9"]),
        ("batch_size = 1.5\n", ["line 1", "batch_size", "whole number"]),
        ("like_threshold = true\n", ["line 1", "like_threshold"]),
        ("model = 'a'\nmodel = 'b'\n", ["line 2", "model"]),
    ],
)
def test_malformed_settings_name_the_line_and_key(ws, tiny_model, toml, expected):
    (ws / "konomi.toml").write_text(toml, encoding="utf-8")
    run = invoke(ws, "classify", model=tiny_model)
    assert run.code == 1, run.text
    lines = short(run)
    assert lines[0].startswith("error: konomi.toml")
    assert len(lines) == 2, lines
    for word in expected:
        assert word in lines[0], (word, lines[0])


def test_settings_that_are_not_utf8(ws, tiny_model):
    (ws / "konomi.toml").write_bytes(b"model = '\xff\xfe'\n")
    run = invoke(ws, "score", model=tiny_model)
    assert run.code == 1 and said(run.err, "errors.settings.not_utf8")


def test_state_folder_that_is_a_file(ws, tiny_model):
    import shutil

    shutil.rmtree(ws / ".konomi")
    (ws / ".konomi").write_text("not a folder")
    for command in ("classify", "score", "undo"):
        run = invoke(ws, command, model=tiny_model)
        assert run.code == 1, run.text
        assert said(run.err, "errors.workspace.state_is_file", path=".konomi")


# -- a full disk --------------------------------------------------------------------------------
@pytest.mark.parametrize("limit_kib", [8, 100])  # here: at the start; between two batches
def test_disk_full_fails_cleanly_and_loses_nothing(ws, tiny_model, tmp_path, limit_kib):
    """RLIMIT_FSIZE makes every write past the limit fail (EFBIG), like a disk filling up."""
    for i in range(6, 150):
        make_image(ws / "data" / "unlabeled" / f"u{i}.jpg", seed=30 + i, size=(16, 16))
    ctx = workflow.Context.open(ws, model=str(tiny_model))
    try:
        workflow.score(ctx)  # everything embedded and scored: classify writes little but moves
    finally:
        ctx.close()
    before = file_hashes(ws / "data")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_kib * 1024, limit_kib * 1024))

    done = subprocess.run(
        [sys.executable, "-m", "konomi", "classify", "--root", str(ws)],
        capture_output=True,
        text=True,
        timeout=180,
        env=konomi_env(tiny_model, tmp_path),
        preexec_fn=limit,
    )
    text = done.stdout + done.stderr
    assert "Traceback" not in text
    assert done.returncode in (0, 1), text
    if done.returncode:
        assert len([ln for ln in done.stderr.splitlines() if ln.strip()]) <= 3, done.stderr
    assert_conserved(before, file_hashes(ws / "data"))
    undo_everything(ws)
    assert_settled(ws, before)
    assert len(list((ws / "data" / "unlabeled").iterdir())) == 150


# -- what the external check does, with real processes --------------------------------------
def test_external_check_sequence(ws, tiny_model, tmp_path):
    env = konomi_env(tiny_model, tmp_path)

    def cli(*args: str, **extra: str) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [sys.executable, "-m", "konomi", *args, "--root", str(ws)],
            capture_output=True,
            text=True,
            timeout=180,
            env={**env, **extra},
        )
        assert "Traceback" not in done.stdout + done.stderr
        return done

    assert cli("classify").returncode == 0
    for path in (ws / ".konomi").iterdir():  # garbage in every state file
        if path.is_file():
            path.write_bytes(os.urandom(4096))
    scored = cli("score")
    assert scored.returncode == 0, scored.stdout + scored.stderr
    assert said(scored.stderr, "errors.store.cache_corrupt")

    current(ws).write_text("{broken")
    broken = cli("score")
    assert broken.returncode == 1 and said(broken.stderr, "errors.heads.pointer_corrupt")
    assert said(broken.stderr, "errors.app.retrain_hint")

    missing = cli("score", KONOMI_MODEL=str(tmp_path / "no-such-model"))
    assert missing.returncode == 3 and said(missing.stderr, "errors.model.not_found")

    model = build_model_dir(tmp_path / "cut-model")
    onnx = model / "visual" / "model.onnx"
    onnx.write_bytes(onnx.read_bytes()[:300])
    cut = cli("score", KONOMI_MODEL=str(model))
    assert cut.returncode == 3 and said(cut.stderr, "errors.model.does_not_load")


def test_sqlite_module_sees_a_healthy_rebuilt_cache(ws, tiny_model):
    garbage(ws / ".konomi" / "cache.sqlite")
    assert invoke(ws, "score", model=tiny_model).code == 0
    db = sqlite3.connect(ws / ".konomi" / "cache.sqlite")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT COUNT(*) FROM vector_slots").fetchone()[0] == 22
    finally:
        db.close()


# -- errors for people --------------------------------------------------------------------------
def test_debug_flag_or_variable_shows_the_traceback(ws, tiny_model):
    current(ws).write_text("{")
    quiet = invoke(ws, "score", model=tiny_model)
    assert quiet.code == 1 and "Traceback" not in quiet.text
    for args, env in ((["score", "--debug"], {}), (["score"], {"KONOMI_DEBUG": "1"})):
        result = CliRunner().invoke(
            app, [*args, "--root", str(ws)], env={"KONOMI_MODEL": str(tiny_model), **env}
        )
        assert isinstance(result.exception, NoHeadError), result.output


def test_file_system_errors_are_one_line_not_a_traceback(ws, tiny_model):
    (ws / "not-a-folder").write_text("a file")
    run = invoke(ws, "score", "--out", str(ws / "not-a-folder" / "scores.csv"), model=tiny_model)
    assert run.code == 1, run.text
    lines = short(run)
    assert len(lines) == 2 and lines[0].startswith("error: ") and "not-a-folder" in lines[0]
