"""Large libraries: what a command reads, and an interrupted cold ingest.

`train` reads what it trains on: a library that holds no label is not walked (at a million
images the walk alone took most of a minute). A cold `embed` killed half-way (kill -9) keeps
everything it wrote, and the next run finishes the rest with the cache consistent.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from factories.images import _taste_image, make_taste_set

from konomi.store.labels import LabelStore, labels_path


def _library(root: Path, n: int, seed: int = 1) -> list[Path]:
    rng = np.random.default_rng(seed)
    return [
        _taste_image(
            rng, "like" if i % 2 else "dislike", root / f"{i // 10:02}" / f"p{i}.jpg", (24, 18)
        )
        for i in range(n)
    ]


def test_train_does_not_walk_a_library_without_labels(tmp_path, konomi):
    ws = tmp_path / "ws"
    make_taste_set(ws / "data" / "train", 6, 6, seed=2)
    photos = tmp_path / "photos"
    _library(photos, 6)
    (photos / ".konomiignore").mkdir()  # walking the library would stop on it: unreadable
    (ws / "konomi.toml").write_text(f'libraries = ["{photos.as_posix()}"]\n', encoding="utf-8")
    trained = konomi("train", root=ws)
    assert trained.code == 0, trained.text
    scored = konomi("score", root=ws)  # a command that lists the library still refuses it
    assert scored.code != 0 and ".konomiignore" in scored.text, scored.text


def test_train_finds_the_reviewed_library_images_the_walk_lists(tmp_path, konomi):
    ws = tmp_path / "ws"
    make_taste_set(ws / "data" / "train", 6, 6, seed=2)
    photos = tmp_path / "photos"
    images = _library(photos, 12)
    hidden = photos / ".hidden" / "h.jpg"
    hidden.parent.mkdir()
    hidden.write_bytes(images[0].read_bytes())
    gone = images[5]
    (ws / ".konomi").mkdir()
    with LabelStore(labels_path(ws / ".konomi")) as store:
        rows = [(p.as_posix(), "0" * 32, "like") for p in (images[1], images[11], hidden, gone)]
        store.add(rows, source="review", op=1)
    gone.unlink()
    (ws / "konomi.toml").write_text(f'libraries = ["{photos.as_posix()}"]\n', encoding="utf-8")
    trained = konomi("train", root=ws)
    assert trained.code == 0, trained.text
    assert "2 from review decisions" in trained.out, trained.out  # not the hidden or gone one


def _cache_rows(ws: Path) -> tuple[int, int, int]:
    db = sqlite3.connect(ws / ".konomi" / "cache.sqlite")
    try:
        files = db.execute("SELECT COUNT(*) FROM files").fetchone()[0]
        vectors = db.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
        orphans = db.execute(
            "SELECT COUNT(*) FROM files f WHERE NOT EXISTS "
            "(SELECT 1 FROM embeddings e WHERE e.digest = f.digest)"
        ).fetchone()[0]
    finally:
        db.close()
    return files, vectors, orphans


def test_a_cold_embed_killed_half_way_keeps_its_work_and_resumes(tmp_path, cli_env):
    ws = tmp_path / "ws"
    (ws / "data" / "unlabeled").mkdir(parents=True)
    photos = tmp_path / "photos"
    images = _library(photos, 3000)
    (ws / "konomi.toml").write_text(f'libraries = ["{photos.as_posix()}"]\n', encoding="utf-8")
    argv = [sys.executable, "-m", "konomi", "embed", "--root", str(ws)]
    proc = subprocess.Popen(argv, env=cli_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cache = ws / ".konomi" / "cache.sqlite"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:  # until a part is stored
            if cache.exists() and _cache_rows(ws)[0] >= 200:
                break
            time.sleep(0.05)
    except sqlite3.Error:
        pass
    assert proc.poll() is None, "the embed finished before it could be interrupted"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    files, vectors, orphans = _cache_rows(ws)
    assert 200 <= files < len(images) and orphans == 0, (files, vectors, orphans)

    env = {**cli_env}
    resumed = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    again = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and " 0 new" in again.stdout, again.stdout
    files_after, vectors_after, orphans_after = _cache_rows(ws)
    assert files_after == len(images) and vectors_after == len(images) and orphans_after == 0
