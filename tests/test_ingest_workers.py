"""Ingest in worker processes: the same vectors, verdicts and quality as the threads give, and
nothing left running or lost when the run is stopped (Ctrl-C to the terminal's group, kill -9).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
from factories.images import make_format_zoo, make_hostile_zoo, make_image
from factories.models import build_tiny_encoder
from messages import said
from test_scale import _cache_rows, _library, _stopped

from konomi.encode import ingest_workers
from konomi.encode.encoder import Encoder, resolve_model
from konomi.encode.images import find_images
from konomi.encode.ingest import embed_files
from konomi.encode.quality import MEASURE
from konomi.store.cache import EmbeddingCache
from konomi.store.quality import get_quality


def _embed(paths, cache_path, encoder, **kw):
    with EmbeddingCache(cache_path) as cache:
        result = embed_files(paths, cache, encoder.model_id, lambda: encoder, **kw)
        measured = get_quality(cache, result.digests, MEASURE)
    return result, measured


@pytest.fixture
def spied(monkeypatch):
    """Worker processes from the first file on; the chunks they return, counted."""
    monkeypatch.setattr(ingest_workers, "MIN_FILES", 1)
    chunks: list[int] = []
    real = ingest_workers.encoded_chunks

    def counted(items, setup, workers):
        for chunk in real(items, setup, workers):
            chunks.append(len(chunk[0]))
            yield chunk

    monkeypatch.setattr(ingest_workers, "encoded_chunks", counted)
    return chunks


def test_worker_processes_give_what_the_threads_give(tiny_model, tmp_path, monkeypatch, spied):
    zoo = make_format_zoo(tmp_path / "photos" / "zoo")
    make_hostile_zoo(tmp_path / "photos" / "hostile")
    shutil.copy(zoo["webp"], tmp_path / "photos" / "copy of webp.webp")  # one content twice
    paths = list(find_images(tmp_path / "photos"))
    encoder = Encoder(resolve_model(str(tiny_model)))
    threads, threads_quality = _embed(paths, tmp_path / "t.sqlite", encoder, workers=1)
    assert spied == []  # one worker: the threads' way
    procs, procs_quality = _embed(paths, tmp_path / "p.sqlite", encoder, workers=2)
    assert sum(spied) == len(paths)  # every file went through the workers

    assert procs.paths == threads.paths and procs.digests == threads.digests
    np.testing.assert_allclose(procs.vectors, threads.vectors, atol=1e-6)
    assert (procs.new, procs.cached) == (threads.new, threads.cached)
    assert {(s.path, s.reason) for s in procs.unreadable} == {
        (s.path, s.reason) for s in threads.unreadable
    }
    assert procs_quality == threads_quality and len(procs_quality) == procs.new

    # Again, with content met before under other names and failures remembered: the workers
    # are told both, decode neither, and the run finds every file by its content.
    moved = tmp_path / "moved"
    shutil.copytree(tmp_path / "photos", moved)
    spied.clear()
    again, _ = _embed(list(find_images(moved)), tmp_path / "p.sqlite", encoder, workers=2)
    assert sum(spied) == len(paths)
    assert (again.new, again.cached) == (0, len(threads.paths))
    np.testing.assert_allclose(again.vectors, threads.vectors, atol=1e-6)
    assert sorted(s.reason for s in again.unreadable) == sorted(
        s.reason for s in threads.unreadable
    )


def test_the_workers_run_the_model_file_the_main_process_runs(tiny_model, tmp_path, spied):
    """An encoder given another ONNX file than its model folder's (the int8 twin, say): the
    workers load that file too, not the folder's."""
    other = build_tiny_encoder(tmp_path / "other" / "model.onnx", seed=7)
    paths = [make_image(tmp_path / "img" / f"{i}.png", seed=i) for i in range(5)]
    encoder = Encoder(resolve_model(str(tiny_model)), onnx_path=other)
    threads, _ = _embed(paths, tmp_path / "t.sqlite", encoder, workers=1)
    procs, _ = _embed(paths, tmp_path / "p.sqlite", encoder, workers=2)
    assert sum(spied) == len(paths)
    np.testing.assert_allclose(procs.vectors, threads.vectors, atol=1e-6)
    folder = Encoder(resolve_model(str(tiny_model)))
    assert not np.allclose(
        folder.encode(np.ones((1, 3, 32, 32), np.float32)),
        encoder.encode(np.ones((1, 3, 32, 32), np.float32)),
    )  # the two files differ: the check above can fail


def test_worker_processes_only_where_they_pay(tiny_model, tmp_path):
    encoder = Encoder(resolve_model(str(tiny_model)))
    enough = ingest_workers.MIN_FILES
    assert ingest_workers.worth_processes(encoder, enough, 2)
    assert not ingest_workers.worth_processes(encoder, enough - 1, 2)  # the start would weigh
    assert not ingest_workers.worth_processes(encoder, enough, 1)  # one core: threads
    onnx = encoder.onnx_path
    with open(onnx.with_name(onnx.name + "_data"), "wb") as weights:  # external weights count
        weights.truncate(ingest_workers.MAX_MODEL_BYTES)  # sparse: no disk used
    assert not ingest_workers.worth_processes(encoder, enough, 2)
    os.remove(onnx.with_name(onnx.name + "_data"))
    encoder.accelerated = True
    assert not ingest_workers.worth_processes(encoder, enough, 2)


def test_a_model_is_weighed_with_its_external_weights_whatever_its_name(tmp_path):
    folder = tmp_path / "models [v2] *"  # characters a file pattern would read as its own
    folder.mkdir()
    (folder / "clip[1].onnx").write_bytes(b"m" * 10)
    (folder / "clip[1].onnx_data").write_bytes(b"w" * 5)
    (folder / "clip[2].onnx").write_bytes(b"o" * 7)  # another model beside it
    assert ingest_workers.model_bytes(folder / "clip[1].onnx") == 15


def _marked(marker: str) -> list[int]:
    """Live processes whose environment holds `marker` (konomi and the workers it started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "environ").read_bytes():
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if state != "Z":
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def _none_left(marker: str, seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while _marked(marker) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not _marked(marker)


def _paused_at_first_flush(ws: Path, env: dict[str, str], marker: str) -> subprocess.Popen:
    argv = [sys.executable, "-m", "konomi", "embed", "--root", str(ws)]
    env = {
        **env,
        "KONOMI_TEST_PAUSE_AT": "ingest_flush:1",
        "KONOMI_TEST_FLUSH_ROWS": "300",
        "KONOMI_TEST_PROCESS_FILES": "1",
        "KONOMI_TEST_MARK": marker,
    }
    proc = subprocess.Popen(
        argv,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group, as a terminal gives a command
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 300
    while proc.poll() is None and not _stopped(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the embed ended before its first transaction"
    assert len(_marked(marker)) >= 3, "konomi and its two workers"
    return proc


def _library_workspace(tmp_path: Path, n: int) -> tuple[Path, list[Path]]:
    ws = tmp_path / "ws"
    (ws / "data" / "unlabeled").mkdir(parents=True)
    images = _library(tmp_path / "photos", n)
    photos = (tmp_path / "photos").as_posix()
    (ws / "konomi.toml").write_text(f'libraries = ["{photos}"]\n', encoding="utf-8")
    return ws, images


def _resumes(ws: Path, env: dict[str, str], images: list[Path], files: int) -> None:
    argv = [sys.executable, "-m", "konomi", "embed", "--root", str(ws)]
    resumed = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"Embedded {len(images) - files} new, {files} cached" in resumed.stdout, resumed.stdout
    assert _cache_rows(ws) == (len(images), len(images), 0)


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc")
def test_ctrl_c_stops_the_workers_quietly_and_keeps_the_work(tmp_path, cli_env):
    ws, images = _library_workspace(tmp_path, 700)
    marker = f"konomi-test-{uuid.uuid4()}"
    proc = _paused_at_first_flush(ws, cli_env, marker)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole group
    os.killpg(proc.pid, signal.SIGCONT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err  # workers say nothing
    assert _none_left(marker)
    files, vectors, orphans = _cache_rows(ws)
    assert 300 <= files < len(images) and vectors == files and orphans == 0
    _resumes(ws, cli_env, images, files)


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc")
def test_a_kill_9_leaves_no_worker_behind_and_nothing_lost(tmp_path, cli_env):
    ws, images = _library_workspace(tmp_path, 700)
    marker = f"konomi-test-{uuid.uuid4()}"
    proc = _paused_at_first_flush(ws, cli_env, marker)
    os.kill(proc.pid, signal.SIGKILL)  # the workers are left without their main process
    proc.communicate(timeout=60)
    assert _none_left(marker), "a worker outlived its main process"
    files, vectors, orphans = _cache_rows(ws)
    assert 300 <= files < len(images) and vectors == files and orphans == 0
    _resumes(ws, cli_env, images, files)


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc")
def test_a_worker_killed_by_the_system_is_a_clear_error_and_nothing_lost(tmp_path, cli_env):
    """What the out-of-memory killer does to one worker: the run stops with a reason and a
    hint, keeps what it wrote, and the next run goes on. More files than the workers are
    given ahead (`AHEAD` chunks each), so that some are still to be asked when one dies."""
    ahead = ingest_workers.AHEAD * 2 * ingest_workers.CHUNK
    ws, images = _library_workspace(tmp_path, ahead + 10 * ingest_workers.CHUNK)
    marker = f"konomi-test-{uuid.uuid4()}"
    proc = _paused_at_first_flush(ws, cli_env, marker)
    workers = [pid for pid in _marked(marker) if pid != proc.pid and _is_worker(pid)]
    assert workers, "the workers run with konomi's environment"
    os.kill(workers[0], signal.SIGKILL)
    os.kill(proc.pid, signal.SIGCONT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, out + err
    assert said(err, "errors.ingest.worker_stopped"), err
    assert said(err, "errors.ingest.worker_stopped_hint"), err
    assert _none_left(marker)
    files, vectors, orphans = _cache_rows(ws)
    assert 300 <= files < len(images) and vectors == files and orphans == 0
    _resumes(ws, cli_env, images, files)


def _is_worker(pid: int) -> bool:
    try:
        return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
