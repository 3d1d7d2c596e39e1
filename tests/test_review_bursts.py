"""The review page knows the culling bursts of the waiting images: each image comes with its
burst's frames (capture order), the keeper `konomi cull` picks and why; `/api/keeper` (the `k`
key) makes an image the keeper, journaled, so `konomi cull --json` follows the choice and
`konomi undo` takes it back. Real server, real CLI, real files."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from factories.images import assert_conserved, file_hashes
from factories.shoots import Shoot, make_shoot
from test_review_server import everything_waiting, post, prepare, serving, session

from konomi.store.labels import read_keepers


def shoot_workspace(root: Path, model: Path, *, bursts: int = 2, frames: int = 3) -> Shoot:
    """A trained workspace (`prepare`) with a shoot in data/unlabeled/shoot/: `bursts` bursts
    of `frames` frames one second apart and two single shots. The workspace's own waiting
    images carry no capture time, so their modification times are spread an hour apart: they
    are no burst of their own."""
    prepare(root, model, n_unlabeled=4)
    start = time.time() - 100_000
    waiting = [p for d in ("classified", "unlabeled") for p in (root / "data" / d).rglob("*.*")]
    for i, path in enumerate(sorted(waiting)):
        os.utime(path, (start + 3600 * i, start + 3600 * i))
    (root / "konomi.toml").write_text("burst_similarity = 0\n", encoding="utf-8")
    return make_shoot(
        root / "data" / "unlabeled" / "shoot",
        bursts=bursts,
        frames=frames,
        singles=2,
        size=(320, 240),
    )


def rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix()


def cull_json(konomi, root: Path) -> dict[str, dict]:  # noqa: ANN001
    """`konomi cull --json`, as {keeper: burst}."""
    result = konomi("cull", "--json", root=root)
    assert result.code == 0, result.text
    return {b["keeper"]: b for b in json.loads(result.out)}


def test_the_page_shows_each_burst_and_k_swaps_its_keeper_for_konomi_cull(
    tmp_path, tiny_model, konomi
):
    ws = tmp_path / "ws"
    shoot = shoot_workspace(ws, tiny_model)
    frames, sharp = shoot.bursts[0], shoot.sharp[0]
    before = file_hashes(ws / "data")
    found = cull_json(konomi, ws)
    assert rel(ws, sharp) in found and found[rel(ws, sharp)]["reason"] == "sharpest"

    with serving(ws, tiny_model) as server, session(server) as client:
        port = server.port
        items = {it["name"]: it for it in everything_waiting(server)}
        for single in shoot.singles:
            assert items[single.name]["cull"] is None  # a single shot is in no burst
        shown = [items[p.name]["cull"] for p in frames]
        for position, burst in enumerate(shown, 1):
            assert burst["size"] == len(frames) and burst["position"] == position
            assert [f["name"] for f in burst["frames"]] == [p.name for p in frames]
            assert [f["keeper"] for f in burst["frames"]] == [p == sharp for p in frames]
            assert burst["reason"] == "sharpest" and burst["reason_text"] == "sharpest"
            assert burst["keeper_name"] == sharp.name
        assert items[sharp.name]["cull"]["keeper"]

        other = next(p for p in frames if p != sharp)
        answer = post(client, "/api/keeper", {"id": items[other.name]["id"]}, port)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["ok"] and other.name in body["message"]
        now = {it["name"]: it["cull"] for it in everything_waiting(server) if it["cull"]}
        assert now[other.name]["keeper"] and now[other.name]["reason"] == "chosen"
        assert not now[sharp.name]["keeper"] and now[sharp.name]["keeper_name"] == other.name
        assert now[other.name]["reason_text"] == "your choice"
        # the other burst is as it was
        assert now[shoot.sharp[1].name]["keeper"]

        # The choice is durable: `konomi cull` (another process) follows it.
        found = cull_json(konomi, ws)
        assert rel(ws, other) in found and rel(ws, sharp) not in found
        assert found[rel(ws, other)]["reason"] == "your choice"
        assert rel(ws, sharp) in found[rel(ws, other)]["rest"]
        assert rel(ws, shoot.sharp[1]) in found

        again = post(client, "/api/keeper", {"id": items[other.name]["id"]}, port).json()
        assert again["ok"] and "already" in again["message"]
        lone = post(client, "/api/keeper", {"id": items[shoot.singles[0].name]["id"]}, port)
        assert lone.status_code == 409 and "no burst" in lone.json()["error"]
        shape = post(client, "/api/keeper", {"id": "1"}, port)
        assert shape.status_code == 400
    assert len(read_keepers(ws / ".konomi")) == 1

    # `konomi undo` takes the choice back: the sharp frame is the keeper again.
    undone = konomi("undo", root=ws)
    assert undone.code == 0 and "keeper choice" in undone.out, undone.text
    found = cull_json(konomi, ws)
    assert found[rel(ws, sharp)]["reason"] == "sharpest"
    assert read_keepers(ws / ".konomi") == []
    assert_conserved(before, file_hashes(ws / "data"))  # a choice moves no file


def test_a_chosen_keeper_is_what_cull_apply_keeps(tmp_path, tiny_model, konomi):
    ws = tmp_path / "ws"
    shoot = shoot_workspace(ws, tiny_model, bursts=1, frames=3)
    frames, sharp = shoot.bursts[0], shoot.sharp[0]
    other = next(p for p in frames if p != sharp)
    with serving(ws, tiny_model) as server, session(server) as client:
        items = {it["name"]: it for it in everything_waiting(server)}
        assert post(client, "/api/keeper", {"id": items[other.name]["id"]}, server.port).json()[
            "ok"
        ]
    result = konomi("cull", "--apply", root=ws)
    assert result.code == 0, result.text
    assert other.is_file()
    assert not sharp.exists()
    assert (ws / "data" / "classified" / "rejected" / "shoot" / sharp.name).is_file()


def test_a_frame_decided_on_the_page_leaves_its_burst_as_it_leaves_konomi_cull(
    tmp_path, tiny_model, konomi
):
    ws = tmp_path / "ws"
    shoot = shoot_workspace(ws, tiny_model, bursts=1, frames=4)
    frames, sharp = shoot.bursts[0], shoot.sharp[0]
    before = file_hashes(ws / "data")
    with serving(ws, tiny_model) as server, session(server) as client:
        port = server.port
        items = {it["name"]: it for it in everything_waiting(server)}
        liked = post(
            client, "/api/decide", {"id": items[sharp.name]["id"], "decision": "like"}, port
        )
        assert liked.json()["ok"], liked.text
        now = {it["name"]: it["cull"] for it in everything_waiting(server)}
        assert sharp.name not in now
        found = cull_json(konomi, ws)  # what `konomi cull` makes of the frames left
        for p in frames:
            if p == sharp:
                continue
            burst = next(
                (b for b in found.values() if rel(ws, p) in (b["keeper"], *b["rest"])), None
            )
            if burst is None:
                assert now[p.name] is None
                continue
            assert now[p.name]["keeper_name"] == Path(burst["keeper"]).name
            assert now[p.name]["reason_text"] == burst["reason"]
            assert {f["name"] for f in now[p.name]["frames"]} == {
                Path(x).name for x in (burst["keeper"], *burst["rest"])
            }
            assert sharp.name not in {f["name"] for f in now[p.name]["frames"]}

        assert post(client, "/api/undo", {}, port).json()["ok"]  # the frame is back: whole again
        back = {it["name"]: it["cull"] for it in everything_waiting(server)}
        for p in frames:
            assert back[p.name]["size"] == len(frames) and back[p.name]["keeper_name"] == sharp.name
    assert_conserved(before, file_hashes(ws / "data"))


def test_a_version_1_label_store_gains_the_keepers_table_and_keeps_its_labels(tmp_path):
    """A label store written before keepers existed opens with its labels, gains the keepers
    table (step 2), and an undo of a keeper choice revokes only that choice."""
    import sqlite3

    from konomi.store.labels import _SCHEMA, LabelStore, labels_path, read_labels
    from konomi.store.migrations import version_of

    state = tmp_path / ".konomi"
    state.mkdir()
    db = sqlite3.connect(labels_path(state))
    db.executescript(_SCHEMA)
    db.execute(
        "INSERT INTO labels(path, digest, label, source, created, op) "
        "VALUES ('/lib/a.jpg', 'd1', 'like', 'review', 1.0, 1)"
    )
    db.execute("PRAGMA user_version=1")
    db.commit()
    db.close()
    with LabelStore(labels_path(state)) as store:
        assert version_of(store.db) == 2
        store.add_keepers([("/ws/data/unlabeled/b.jpg", "d2")], op=2)
        store.add_keepers([("/ws/data/unlabeled/c.jpg", "d3")], op=3)
        assert store.has_op(3) and not store.has_op(4)
        assert store.revoke(3) == ["/ws/data/unlabeled/c.jpg"]
    assert read_keepers(state) == [("/ws/data/unlabeled/b.jpg", "d2")]
    assert set(read_labels(state)) == {"/lib/a.jpg"}


def test_a_keeper_choice_cut_short_by_a_crash_is_repaired_and_undone_whole(tmp_path):
    """Killed after the label store recorded the choice but before the journal said done: the
    next command's repair finds the row, marks the edit done, and one undo revokes it."""
    import subprocess
    import sys

    from konomi.store.journal import Journal
    from konomi.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    ws.root.mkdir()
    code = (
        "from pathlib import Path; from konomi.store.journal import Journal; "
        "from konomi.workspace import Workspace; "
        f"j = Journal(Workspace(Path({str(ws.root)!r}))); "
        "j.record_keepers('keeper', [('/w/data/unlabeled/a.jpg', 'd1')])"
    )
    env = {**os.environ, "KONOMI_TEST_CRASH_AT": "edit_after_label"}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True)
    assert proc.returncode == -9
    assert read_keepers(ws.state) == [("/w/data/unlabeled/a.jpg", "d1")]
    with Journal(ws) as journal:
        journal.repair()
        op = journal.last_undoable()
        assert op is not None and journal.describe(op)[0] == "keeper"
        undone = journal.undo_edits(op)
    assert undone.labelled == ["/w/data/unlabeled/a.jpg"] and read_keepers(ws.state) == []
