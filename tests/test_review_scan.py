"""The review queue while its background scan runs: decisions on workspace files (moves) made
meanwhile are kept once, and a scan that ends after a later one merged is dropped.

The scan is held just before it merges by the fault switch `KONOMI_TEST_SCAN_GATE` (read once
at import, so set on the module for this process), as the page's browser tests do.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_review_server import post, prepare, serving, session, where

from konomi import faults
from konomi.app import loop as workflow
from konomi.app.review.queue import ReviewQueue
from konomi.store.journal import latest_operation
from konomi.workspace import Workspace


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Path:
    return prepare(tmp_path_factory.mktemp("scan") / "ws", tiny_model)


@pytest.fixture
def ws(prepared: Path, tmp_path: Path, tiny_model: Path) -> Path:
    """A copy, whose images an earlier review session scored (the cache knows their paths)."""
    root = Path(shutil.copytree(prepared, tmp_path / "ws", symlinks=True))
    ctx = workflow.Context.open(root, model=str(tiny_model))
    try:
        ReviewQueue(ctx).load()
    finally:
        ctx.close()
    return root


@pytest.fixture
def gate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The gate's file: the background scan merges once it exists (opened at the end in any
    case, so no scan thread is left waiting)."""
    path = tmp_path / "gate"
    monkeypatch.setattr(faults, "_SCAN_GATE", str(path))
    yield path
    path.touch()


def scanned(client, deadline_s: float = 60) -> dict:
    """The state once the background scan has ended."""
    deadline = time.monotonic() + deadline_s
    while True:
        state = client.get("/api/state").json()
        if not state["scan"]["running"]:
            return state
        assert time.monotonic() < deadline, state["scan"]
        time.sleep(0.05)


def test_a_move_decided_during_the_scan_is_kept_once_and_its_old_place_not_queued(
    ws, gate, tiny_model
):
    with serving(ws, tiny_model) as server, session(server) as client:
        first = client.get("/api/state").json()
        assert first["scan"]["running"] and first["items"], first["scan"]
        waiting = first["left"]
        a = first["items"][0]
        seen = latest_operation(Workspace(ws))
        liked = post(client, "/api/decide", {"id": a["id"], "decision": "like"}, server.port)
        assert liked.json()["ok"], liked.text
        gate.touch()
        after = scanned(client)
        assert after["left"] == waiting - 1 and after["counts"]["liked"] == 1, after
        assert a["name"] not in {it["name"] for it in after["items"]}
        assert where(ws, a["name"]) == [f"data/train/like/{a['name']}"]
        assert latest_operation(Workspace(ws)) == seen + 1
        # Nothing in the queue stands for the place the photo was moved from.
        pending = server.queue.pending()
        assert len(pending) == waiting - 1
        assert all(os.path.lexists(it.path) for it in pending)


def test_a_scan_that_ends_after_a_later_one_merged_is_dropped(ws, gate, tiny_model):
    with serving(ws, tiny_model) as server, session(server) as client:
        queue = server.queue
        first = client.get("/api/state").json()
        assert first["scan"]["running"]
        source = sorted((Path(ws) / "data" / "train" / "like").iterdir())[0]
        shutil.copy(source, Path(ws) / "data" / "unlabeled" / f"late{source.suffix}")
        queue.load(new_round=False)  # a later scan (as a retrain's): it finds the new file
        assert queue.snapshot()["left"] == first["left"] + 1
        gate.touch()  # the older background scan ends: it never saw the new file
        after = scanned(client)
        assert after["left"] == first["left"] + 1, after


def test_a_retrain_asked_during_the_scan_leaves_the_queue_on_the_new_head(ws, gate, tiny_model):
    with serving(ws, tiny_model) as server, session(server) as client:
        first = client.get("/api/state").json()
        assert first["scan"]["running"]
        started = post(client, "/api/retrain", {}, server.port).json()
        assert started["ok"] and started["state"]["retrain"]["running"]
        gate.touch()  # the scan ends; the retrain rescans after it, with its new head
        deadline = time.monotonic() + 120
        while True:
            state = client.get("/api/state").json()
            if not state["scan"]["running"] and not state["retrain"]["running"]:
                break
            assert time.monotonic() < deadline, state["retrain"]
            time.sleep(0.05)
        assert not state["retrain"]["error"], state["retrain"]
        newest = json.loads((Path(ws) / "models" / "current.json").read_text())["id"]
        assert state["head"] == newest != first["head"]
        assert state["left"] == first["left"]
