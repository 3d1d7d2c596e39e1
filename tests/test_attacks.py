"""The attacks of docs/safety.md ("Threat model"), each repeated the way an attacker or an
accident would make it, against the real CLI, the real server and real files.

Each test fails on a konomi without the defence it names: a move that followed a symbolic link
out of the workspace, a journal row of `.` acted on, a hang, a token on a command line, a
cookie that let another local page in, "A bug in konomi" instead of a message.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from factories.images import file_hashes, make_image, make_taste_set, make_unlabeled_set
from messages import said
from test_review_server import URL_LINE, base, prepare, serving

from konomi.app import loop as workflow

BUG = "A bug in konomi"


def _no_crash(result) -> None:  # noqa: ANN001
    assert BUG not in result.text and "Traceback" not in result.text, result.text


def _images(folder: Path, n: int, seed: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        make_image(folder / f"p{seed}_{i}.jpg", seed=seed * 100 + i, size=(48, 40))
        for i in range(n)
    ]


def _train_in_process(root: Path, model: Path, *, classify: bool = False) -> Path:
    """Set-up only (the CLI is what the tests run): train, and classify if asked."""
    ctx = workflow.Context.open(root, model=str(model))
    try:
        workflow.train(ctx, folds=2)
        if classify:
            workflow.classify(ctx)
    finally:
        ctx.close()
    return root


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> dict[str, Path]:
    """Two workspaces built once: trained; trained and classified. Unlabeled images include a
    sub-folder `sub/` of 6."""
    made = {}
    for name in ("trained", "classified"):
        root = tmp_path_factory.mktemp(name) / "ws"
        make_taste_set(root / "data" / "train", 10, 10, seed=0)
        make_unlabeled_set(root / "data" / "unlabeled", 2, 2, 1)
        _images(root / "data" / "unlabeled" / "sub", 6, seed=7)
        made[name] = _train_in_process(root, tiny_model, classify=name == "classified")
    return made


@pytest.fixture
def trained(templates: dict[str, Path], tmp_path: Path) -> Path:
    """A fresh copy of the trained workspace (nothing classified yet)."""
    return Path(shutil.copytree(templates["trained"], tmp_path / "ws", symlinks=True))


@pytest.fixture
def classified(templates: dict[str, Path], tmp_path: Path) -> Path:
    """A fresh copy of the trained and classified workspace (one classify to undo)."""
    return Path(shutil.copytree(templates["classified"], tmp_path / "ws", symlinks=True))


def _outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir(exist_ok=True)
    return folder


# -- 2. every destination checked ----------------------------------------------------------------
def test_classify_never_moves_through_a_symlinked_destination(trained, konomi, tmp_path):
    outside = _outside(tmp_path)
    for label in ("like", "dislike", "unsure"):
        folder = trained / "data" / "classified" / label
        folder.mkdir(parents=True, exist_ok=True)
        (outside / label).mkdir()
        (folder / "sub").symlink_to(outside / label)
    sub = sorted((trained / "data" / "unlabeled" / "sub").iterdir())
    before = file_hashes(trained / "data" / "unlabeled" / "sub")
    result = konomi("classify", root=trained)
    _no_crash(result)
    assert not [p for p in outside.rglob("*") if p.is_file()], "a photo left the workspace"
    assert sorted((trained / "data" / "unlabeled" / "sub").iterdir()) == sub
    assert file_hashes(trained / "data" / "unlabeled" / "sub") == before
    assert said(result.text, "safety.linked_folder")  # reported, not silent


def test_undo_through_a_folder_swapped_for_a_symlink_sends_nothing_outside(
    classified, konomi, tmp_path
):
    trained = classified
    outside = _outside(tmp_path)
    origin = trained / "data" / "unlabeled" / "sub"
    # every photo of sub/ was classified (and classify removes the folder it emptied)
    assert not origin.exists() or not list(origin.iterdir())
    before = file_hashes(trained / "data")
    if origin.exists():
        origin.rmdir()
    origin.symlink_to(outside)  # swapped before undo
    result = konomi("undo", root=trained)
    _no_crash(result)
    assert not list(outside.iterdir()), "undo followed the link out of the workspace"
    assert file_hashes(trained / "data") == before  # each photo once, inside
    assert said(result.text, "safety.linked_folder")
    # once the person puts a real folder back, the same undo brings them home
    origin.unlink()
    origin.mkdir()
    again = konomi("undo", root=trained)
    _no_crash(again)
    assert len(list(origin.iterdir())) == 6


def test_a_move_checks_its_folders_again_at_the_moment_it_happens(trained, cli_env, tmp_path):
    """Classify paused between planning and moving (its destination folders exist, empty):
    one is swapped for a link to a folder outside. The move re-checks and refuses."""
    outside = _outside(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-m", "konomi", "classify", "--root", str(trained)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**cli_env, "KONOMI_TEST_PAUSE_AT": "after_plan:1"},
    )
    _, status = os.waitpid(proc.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status)
    swapped = []
    for label in ("like", "dislike", "unsure"):
        folder = trained / "data" / "classified" / label / "sub"
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder.symlink_to(outside)
            swapped.append(folder)
    assert swapped
    os.kill(proc.pid, signal.SIGCONT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, out + err
    assert BUG not in out + err and "Traceback" not in err
    assert not list(outside.iterdir()), "a photo went through the swapped link"
    assert len(list((trained / "data" / "unlabeled" / "sub").iterdir())) == 6
    assert said(out, "safety.linked_folder")


@pytest.mark.parametrize("column", ["src", "dst"])
def test_journal_rows_pointing_at_the_root_or_outside_are_refused(
    templates, konomi, tmp_path, column
):
    for n, value in enumerate([".", "", "/etc/passwd", "../x.jpg", "data/../../x.jpg", "./."]):
        trained = Path(
            shutil.copytree(templates["classified"], tmp_path / f"case{n}" / "ws", symlinks=True)
        )
        beside = trained.parent
        for name in ("x.jpg", f"{trained.name} (1)", ".konomi-part-1", ".konomi-part-2"):
            (beside / name).write_bytes(b"beside the workspace")
        before = sorted(p.name for p in beside.iterdir())
        db = sqlite3.connect(trained / ".konomi" / "journal.sqlite")
        with db:
            db.execute(f"UPDATE moves SET {column} = ?", (value,))
        db.close()
        layout = file_hashes(trained / "data")
        undo = konomi("undo", root=trained)
        assert undo.code == 1 and said(undo.text, "errors.journal.damaged"), (value, undo.text)
        _no_crash(undo)
        _no_crash(konomi("score", root=trained))  # repairs first; reads every open row
        assert sorted(p.name for p in beside.iterdir()) == before, value
        for name in before:
            if name != "ws":
                assert (beside / name).read_bytes() == b"beside the workspace"
        assert file_hashes(trained / "data") == layout, value  # nothing moved on a bad row


def test_a_half_done_row_set_to_dot_deletes_nothing_beside_the_workspace(classified, konomi):
    """`dst='.'` on a move left 'planned': repair (run first by every command, `score` too)
    once removed `<parent>/.konomi-part-<id>`, a file beside the workspace."""
    trained = classified
    victim = trained.parent / ".konomi-part-1"
    victim.write_bytes(b"not konomi's")
    db = sqlite3.connect(trained / ".konomi" / "journal.sqlite")
    with db:
        db.execute("UPDATE moves SET dst = '.', state = 'planned' WHERE id = 1")
        db.execute("UPDATE operations SET state = 'open'")
    db.close()
    result = konomi("score", root=trained)
    _no_crash(result)
    assert victim.read_bytes() == b"not konomi's"


# -- 3. no hang, no unbounded allocation ---------------------------------------------------------
@pytest.mark.parametrize("k", ["1000000000", str(10**12), "0", "-3"])
def test_explain_k_is_bounded_before_any_work(trained, konomi, k):
    image = next((trained / "data" / "unlabeled").glob("*.jpg"))
    started = time.monotonic()
    result = konomi("explain", str(image), "--k", k, root=trained, timeout=60)
    assert time.monotonic() - started < 30
    assert result.code == 2 and "--k" in result.text, result.text
    _no_crash(result)


def test_settings_out_of_range_or_linked_are_refused_before_work(trained, konomi, tmp_path):
    toml = trained / "konomi.toml"
    toml.write_text("batch_size = -5\n")
    result = konomi("score", root=trained, timeout=60)  # used to block forever holding the lock
    assert result.code == 1 and "batch_size" in result.text, result.text
    _no_crash(result)

    secret = tmp_path / "shadow"
    secret.write_text("root:$6$SECRET-HASH-LINE:19000:0:99999:7:::\n")
    toml.unlink()
    toml.symlink_to(secret)
    result = konomi("score", root=trained)
    assert result.code == 1 and said(result.text, "errors.settings.symlink"), result.text
    assert "SECRET-HASH-LINE" not in result.text and "root:" not in result.text
    toml.unlink()
    toml.symlink_to(tmp_path / "nowhere.toml")  # a dangling link is refused too
    assert konomi("score", root=trained).code == 1

    toml.unlink()
    toml.write_text("libraries = " + "[" * 5000 + "]" * 5000 + "\n")
    result = konomi("score", root=trained)
    assert result.code == 1 and said(result.text, "errors.settings.nested"), result.text
    _no_crash(result)


# -- 4. every failure is a message ---------------------------------------------------------------
def test_c_locale_and_a_japanese_file_name(trained, konomi):
    make_image(trained / "data" / "unlabeled" / "写真.jpg", seed=42, size=(48, 40))
    raw = os.fsencode(trained / "data" / "unlabeled") + b"/\x82\xa0sjis.jpg"  # Shift_JIS name
    shutil.copyfile(trained / "data" / "unlabeled" / "写真.jpg", raw)
    for env in (
        {"LC_ALL": "C", "PYTHONUTF8": "0", "LANG": "C"},
        {"LC_ALL": "POSIX", "PYTHONUTF8": "0"},
        {"LC_ALL": "ja_JP.UTF-8"},
    ):
        result = konomi("score", root=trained, env=env)
        assert result.code == 0, (env, result.text)
        _no_crash(result)
    shown = konomi("explain", os.fsdecode(raw), root=trained)
    _no_crash(shown)


def test_a_garbage_cached_vector_is_embedded_again(trained, konomi):
    cache = trained / ".konomi" / "cache.sqlite"
    (vectors,) = (trained / ".konomi").glob("cache.vectors-*.f32")
    db = sqlite3.connect(cache)
    with db:
        (n,) = db.execute("SELECT COUNT(*) FROM vector_slots").fetchone()
        (dim,) = db.execute("SELECT dim FROM vector_files").fetchone()
        first = db.execute("SELECT slot FROM vector_slots ORDER BY digest LIMIT 1").fetchone()[0]
        last = db.execute("SELECT digest FROM vector_slots ORDER BY digest DESC LIMIT 1").fetchone()
        db.execute("UPDATE vector_slots SET slot = 1000000 WHERE digest = ?", last)  # past the end
        db.execute("UPDATE files SET slot = 1000000 WHERE digest = ?", last)  # and where named
        db.execute("UPDATE files SET slot = 'x' WHERE digest != ?", last)  # not a number
        db.execute("UPDATE head_scores SET scores = 'high'")
    db.close()
    with open(vectors, "r+b") as f:  # the first row: NaNs
        f.seek(64 + first * 4 * dim)
        f.write(np.full(dim, np.nan, np.float32).tobytes())
    for _ in range(2):  # a NaN row met after the file was hashed: embedded on the next run
        result = konomi("train", "--folds", "2", root=trained)
        assert result.code == 0, result.text
        _no_crash(result)
    db = sqlite3.connect(cache)
    slots = [s for (s,) in db.execute("SELECT slot FROM vector_slots")]
    db.close()
    rows = np.fromfile(vectors, np.float32, offset=64).reshape(-1, dim)
    assert len(slots) == n and max(slots) < len(rows)  # both damaged rows embedded again
    assert np.isfinite(rows[slots]).all()
    classify = konomi("classify", "--dry-run", root=trained)
    assert classify.code == 0, classify.text
    _no_crash(classify)
    assert n > 2


# -- 1. the token never leaves the tab -----------------------------------------------------------
def test_a_cookie_or_another_local_origin_gets_nothing(tmp_path, tiny_model):
    ws = prepare(tmp_path / "ws", tiny_model, n_unlabeled=4)
    with serving(ws, tiny_model) as server:
        port, token = server.port, server.token
        other = f"127.0.0.1:{port + 1 if port < 65535 else port - 1}"
        page = httpx.get(base(port) + "/", params={"token": token})
        assert page.status_code == 200 and "set-cookie" not in page.headers
        cookie = {f"konomi_token_{port}": token}
        assert httpx.get(base(port) + "/api/state", cookies=cookie).status_code == 401
        item = server.queue.pending()[0]
        assert httpx.get(base(port) + f"/api/preview/{item.id}", cookies=cookie).status_code == 401
        # what a page served by another program on 127.0.0.1 can send
        for headers in (
            {"Origin": f"http://{other}", "Cookie": f"konomi_token_{port}={token}"},
            {"Origin": f"http://{other}", "Host": other},
            {"Origin": f"http://{other}", "X-Konomi-Token": token},
            {"Origin": "null", "X-Konomi-Token": token},
        ):
            got = httpx.get(base(port) + "/api/state", headers=headers)
            assert got.status_code in (400, 401, 403), (headers, got.status_code)
            decided = httpx.post(
                base(port) + "/api/decide",
                json={"id": item.id, "decision": "like"},
                headers={**headers, "Content-Type": "application/json"},
            )
            assert decided.status_code in (400, 401, 403), (headers, decided.status_code)
        assert item.path.is_file() and item.state == "pending"
        ok = httpx.get(base(port) + "/api/state", headers={"X-Konomi-Token": token})
        assert ok.status_code == 200


RECORDER = textwrap.dedent(
    """\
    import json, os, stat, sys, urllib.parse
    url = sys.argv[1]
    record = {"argv": sys.argv, "env_browser": os.environ.get("BROWSER", "")}
    if url.startswith("file://"):
        path = urllib.parse.unquote(urllib.parse.urlparse(url).path)
        st = os.stat(path)
        record.update(
            path=path,
            mode=stat.S_IMODE(st.st_mode),
            folder_mode=stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode),
            owner=st.st_uid,
            text=open(path, encoding="utf-8").read(),
        )
    with open(os.environ["KONOMI_TEST_RECORD"], "w") as f:
        json.dump(record, f)
    """
)


def test_the_browser_gets_a_private_file_not_the_token(tmp_path, tiny_model, cli_env):
    ws = prepare(tmp_path / "ws", tiny_model, n_unlabeled=4)
    script = tmp_path / "browser.py"
    script.write_text(RECORDER)
    launcher = tmp_path / "fake-browser"
    launcher.write_text(f'#!/bin/sh\nexec {sys.executable} {script} "$@"\n')
    launcher.chmod(0o755)
    record = tmp_path / "record.json"
    env = {**cli_env, "BROWSER": str(launcher), "KONOMI_TEST_RECORD": str(record)}
    env.pop("DISPLAY", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "konomi", "review", "--root", str(ws)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        url = token = None
        deadline = time.monotonic() + 120
        for line in proc.stdout:  # the printed link stays: the URL on its own line
            match = URL_LINE.match(line.strip())
            if match:
                url, token = line.strip(), match[2]
                break
            assert time.monotonic() < deadline
        assert url and token
        deadline = time.monotonic() + 60
        while not (record.exists() and record.stat().st_size):
            assert time.monotonic() < deadline and proc.poll() is None, "no browser was started"
            time.sleep(0.1)
        got = json.loads(record.read_text())
        assert not any(token in arg for arg in got["argv"]), got["argv"]
        assert got["argv"][1].startswith("file://"), got["argv"]
        assert got["mode"] == 0o600 and got["folder_mode"] == 0o700, got
        assert got["owner"] == os.getuid()
        assert url in got["text"].replace("&amp;", "&")  # it redirects to the tokened link
        assert re.search(r'http-equiv="refresh"', got["text"])
        launch = Path(got["path"])
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert not launch.exists(), "the private file outlived the server"


def test_deep_json_and_a_fifo_in_the_queue_then_ctrl_c(tmp_path, tiny_model, cli_env):
    """A 100k-deep JSON body is a 400 (not a 500 with a traceback); a queued image swapped for
    a FIFO answers its preview at once; the first Ctrl-C then stops the server in seconds."""
    ws = prepare(tmp_path / "ws", tiny_model, n_unlabeled=4)
    proc = subprocess.Popen(
        [sys.executable, "-m", "konomi", "review", "--no-browser", "--root", str(ws)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env,
    )
    try:
        for line in proc.stdout:
            match = URL_LINE.match(line.strip())
            if match:
                port, token = int(match[1]), match[2]
                break
        headers = {"X-Konomi-Token": token, "Origin": base(port)}
        client = httpx.Client(base_url=base(port), headers=headers, timeout=15)
        state = client.get("/api/state").json()
        for body in ("[" * 100_000 + "]" * 100_000, '{"id": ' + "[" * 100_000, "\xff"):
            got = client.post(
                "/api/decide",
                content=body.encode("utf-8", "surrogateescape"),
                headers={"Content-Type": "application/json"},
            )
            assert got.status_code == 400, got.status_code
        for body in ({"id": "1", "decision": None}, {"id": 10**30, "decision": "like"}, []):
            assert client.post("/api/decide", json=body).status_code in (400, 409)

        item = state["items"][0]
        path = ws / item["path"]
        path.unlink()
        os.mkfifo(path)
        started = time.monotonic()
        got = client.get(item["preview"])
        assert 400 <= got.status_code < 500 and time.monotonic() - started < 10
        # a request that does hang (a FIFO opened by another reader is not needed: the server
        # must stop whatever its requests do) — then Ctrl-C once
        hanging = threading.Thread(
            target=lambda: httpx.get(base(port) + item["preview"], headers=headers, timeout=30),
            daemon=True,
        )
        hanging.start()
        time.sleep(0.3)
        client.close()
    finally:
        stopped_at = time.monotonic()
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert time.monotonic() - stopped_at < 8, "the first Ctrl-C did not stop the server"
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "CancelledError" not in err, err
    assert stat.S_ISFIFO(os.lstat(path).st_mode)  # left where it was


# -- 5. recovery that works ----------------------------------------------------------------------
def test_dry_run_writes_no_state(templates, konomi, tmp_path):
    bare = tmp_path / "bare"
    bare.mkdir()
    shutil.copytree(templates["trained"] / "models", bare / "models")
    _images(bare / "data" / "unlabeled", 3)
    result = konomi("classify", "--dry-run", root=bare)
    assert result.code == 0 and said(result.text, "cli.classify.dry"), result.text
    assert not (bare / ".konomi").exists()
    had_state = Path("/.konomi").exists()
    _no_crash(konomi("classify", "--dry-run", root=Path("/")))
    assert Path("/.konomi").exists() == had_state


def test_a_cache_deleted_by_hand_with_its_wal_and_shm_left_behind(trained, konomi):
    state = trained / ".konomi"
    (state / "cache.sqlite").unlink()
    for side in ("cache.sqlite-wal", "cache.sqlite-shm"):
        (state / side).write_bytes(b"stale, from a database that is gone" * 100)
        (state / side).chmod(0o444)
    result = konomi("score", root=trained)
    assert result.code == 0, result.text
    _no_crash(result)


def test_an_unusable_cache_names_every_file_to_delete(trained, konomi):
    cache = trained / ".konomi" / "cache.sqlite"
    cache.unlink()
    cache.mkdir()  # SQLite cannot open it, whoever runs the tests (root ignores chmod)
    result = konomi("score", root=trained)
    assert result.code == 1, result.text
    for name in ("cache.sqlite", "cache.sqlite-wal", "cache.sqlite-shm", "cache.vectors-*.f32"):
        assert name in result.text, result.text
    _no_crash(result)


def test_deleting_konomi_during_classify_is_said_out_loud(trained, cli_env):
    proc = subprocess.Popen(
        [sys.executable, "-m", "konomi", "classify", "--root", str(trained)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**cli_env, "KONOMI_TEST_PAUSE_AT": "after_plan:1"},
    )
    _, status = os.waitpid(proc.pid, os.WUNTRACED)
    assert os.WIFSTOPPED(status)
    before = file_hashes(trained / "data")
    shutil.rmtree(trained / ".konomi")
    os.kill(proc.pid, signal.SIGCONT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, out + err
    assert said(out + err, "safety.history_lost"), out + err
    assert file_hashes(trained / "data") == before  # every photo, once


def test_the_review_queue_catches_up_with_a_classify_run_during_a_poll(
    tmp_path, tiny_model, cli_env
):
    """A page polls while a classify in a terminal is half-way (its operation open, nothing
    moved yet); the classify then moves the photos. The next poll shows them where they are,
    and a decision on one the page still shows by its old place follows it there."""
    ws = prepare(tmp_path / "ws", tiny_model, n_unlabeled=4)
    fresh = _images(ws / "data" / "unlabeled", 4, seed=9)
    with serving(ws, tiny_model) as server:
        port, token = server.port, server.token
        client = httpx.Client(
            base_url=base(port),
            headers={"X-Konomi-Token": token, "Origin": base(port)},
            timeout=30,
        )
        waiting = {it.path.name: it for it in server.queue.pending()}
        assert all(p.name in waiting for p in fresh)
        proc = subprocess.Popen(
            [sys.executable, "-m", "konomi", "classify", "--root", str(ws)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**cli_env, "KONOMI_TEST_PAUSE_AT": "after_plan:1", "KONOMI_LOCK_WAIT": "60"},
        )
        _, status = os.waitpid(proc.pid, os.WUNTRACED)
        assert os.WIFSTOPPED(status)
        assert client.get("/api/state").status_code == 200  # the poll, half-way through
        os.kill(proc.pid, signal.SIGCONT)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, out + err
        shown = client.get("/api/state").json()
        paths = {it["name"]: it["path"] for it in shown["items"]}
        for p in fresh:
            if p.name in paths:
                assert not paths[p.name].startswith("data/unlabeled/"), paths[p.name]
        # a decision sent with an id the page held before: the photo is found where it went
        stale = waiting[fresh[0].name]
        decided = client.post("/api/decide", json={"id": stale.id, "decision": "like"})
        assert decided.status_code == 200 and decided.json()["ok"], decided.text
        assert (ws / "data" / "train" / "like" / fresh[0].name).is_file()
        client.close()
