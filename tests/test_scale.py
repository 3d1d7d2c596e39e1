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
import pytest
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
        vectors = db.execute("SELECT COUNT(*) FROM vector_slots").fetchone()[0]
        orphans = db.execute(
            "SELECT COUNT(*) FROM files f WHERE NOT EXISTS "
            "(SELECT 1 FROM vector_slots e WHERE e.digest = f.digest)"
        ).fetchone()[0]
    finally:
        db.close()
    return files, vectors, orphans


def _stopped(pid: int) -> bool:
    """True once the process has stopped itself (SIGSTOP at a fault point)."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0] == "T"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_cold_embed_killed_half_way_keeps_its_work_and_resumes(tmp_path, cli_env):
    ws = tmp_path / "ws"
    (ws / "data" / "unlabeled").mkdir(parents=True)
    photos = tmp_path / "photos"
    images = _library(photos, 1400)  # more than one transaction holds
    (ws / "konomi.toml").write_text(f'libraries = ["{photos.as_posix()}"]\n', encoding="utf-8")
    argv = [sys.executable, "-m", "konomi", "embed", "--root", str(ws)]
    env = {  # stops after its first commit, of 1,000 images
        **cli_env,
        "KONOMI_TEST_PAUSE_AT": "ingest_flush:1",
        "KONOMI_TEST_FLUSH_ROWS": "1000",
    }
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while proc.poll() is None and not _stopped(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the embed ended before its first transaction"
    os.kill(proc.pid, signal.SIGKILL)  # kill -9 while it holds the rest in memory
    proc.wait()
    files, vectors, orphans = _cache_rows(ws)
    assert 0 < files < len(images) and vectors == files and orphans == 0, (files, vectors)

    resumed = subprocess.run(argv, env=cli_env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"Embedded {len(images) - files} new, {files} cached" in resumed.stdout, resumed.stdout
    again = subprocess.run(argv, env=cli_env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and f"Embedded 0 new, {len(images)} cached" in again.stdout
    assert _cache_rows(ws) == (len(images), len(images), 0)


def test_stamps_are_read_as_ranges_and_scattered_paths_still_found(tmp_path, monkeypatch):
    """A walk's piece of paths is read as one range of the table; paths spread over a table
    much larger than the piece are looked up one by one — both give every known stamp."""
    from konomi.store import cache as cache_module
    from konomi.store.cache import EmbeddingCache

    monkeypatch.setattr(cache_module, "STAMP_RANGE", 50)
    rows = [(f"/lib/{i // 100:03}/p{i:05}.jpg", i, 10 * i, f"d{i}") for i in range(3000)]
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        cache.put_files(rows)
        side_by_side = [p for p, *_ in rows[1000:1200]] + ["/lib/010/unknown.jpg"]
        scattered = [p for p, *_ in rows[::60]] + ["/elsewhere/x.jpg", "ünï/😀.jpg"]
        for asked in (side_by_side, scattered, list(reversed(scattered))):
            want = {p: (s, m, d) for p, s, m, d in rows if p in set(asked)}
            assert cache.stamps_of(asked) == want


def test_embed_stats_each_file_in_its_folder_and_names_the_vanished(tmp_path):
    """The stats asked relative to each folder agree with `os.stat`; a file gone, a folder
    gone and a bare name each answer as `os.stat` would."""
    from konomi.encode.stamps import stats_of

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    names = [str(tmp_path / "a" / "1.png"), str(tmp_path / "b" / "2.png")]
    for n in names:
        Path(n).write_bytes(b"x" * len(n))
    asked = [
        names[0],
        str(tmp_path / "a" / "gone.png"),
        names[1],
        str(tmp_path / "nowhere" / "3.png"),
        "relative-gone.png",
        names[0],
    ]
    got = list(stats_of(asked))
    assert [s is None for s in got] == [False, True, False, True, True, False]
    for name, st in zip(asked, got):
        if st is not None:
            assert (st.st_size, st.st_mtime_ns, st.st_ino) == (
                os.stat(name).st_size,
                os.stat(name).st_mtime_ns,
                os.stat(name).st_ino,
            )


def test_vectors_of_most_of_the_cache_are_read_in_one_pass_like_by_lookup(tmp_path):
    """Culling a whole library asks for most vectors at once: read in one ordered pass into
    one block, they are the vectors the lookups give, copies included, in the order asked;
    a damaged vector is missing either way."""
    from konomi.app.scoring import _vectors_pass
    from konomi.store.cache import EmbeddingCache

    rng = np.random.default_rng(3)
    digests = [f"{i:04x}" * 16 for i in range(700)]
    vectors = rng.standard_normal((700, 16)).astype(np.float32)
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        cache.put_encoded("m", zip(digests, vectors), [])
        cache.put_encoded("other", [(digests[0], vectors[1])], [])
        wanted = [digests[i] for i in rng.permutation(700)[:500]] + digests[:3] + digests[5:6]
        got = _vectors_pass(cache, "m", wanted, 64)
        found = cache.get_embeddings(wanted, "m")
        np.testing.assert_array_equal(got, np.stack([found[d] for d in wanted]))
        bad = vectors[7].copy()
        bad[2] = np.nan
        cache.put_encoded("m", [(digests[7], bad)], [])
        with pytest.raises(KeyError):
            _vectors_pass(cache, "m", [digests[6], digests[7]], 64)
        with pytest.raises(KeyError):
            np.stack([cache.get_embeddings([digests[7]], "m")[digests[7]]])


def test_a_command_collects_cycles_rarely():
    """A command holding a million paths must not spend most of its walk in the cycle
    collector: every konomi process starts with a high first threshold."""
    import gc

    from konomi.cli.main import collect_less

    before = gc.get_threshold()
    try:
        collect_less()
        assert gc.get_threshold()[0] >= 100_000
    finally:
        gc.set_threshold(*before)
