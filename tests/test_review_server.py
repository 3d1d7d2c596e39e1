"""`konomi review` over real HTTP on loopback: the gate (token, Host, Origin), traversal probes,
and decisions as journaled moves — conflicts, vanished files, a busy workspace, undo, retrain.

Most tests run the real server (uvicorn on a socket bound to 127.0.0.1) in a thread of the test
process, so that a test can also hold the workspace lock or look at the queue; one test starts
it the way a person does, through the CLI, and stops it with Ctrl-C.
"""

from __future__ import annotations

import io
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import numpy as np
import psutil
import pytest
from factories.images import (
    assert_conserved,
    file_hashes,
    make_image,
    make_taste_set,
    make_unlabeled_set,
)
from messages import said, word
from PIL import Image

from konomi.app import loop as workflow
from konomi.app.review.server import ReviewServer
from konomi.workspace import Workspace, workspace_lock

URL_LINE = re.compile(r"^http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_-]+)$")
SECRET = b"KONOMI-SECRET-OUTSIDE-THE-WORKSPACE"


# -- helpers (the browser tests use them too) ---------------------------------------------------
def prepare(root: Path, model: Path, *, n_unlabeled: int = 12, size=(160, 120)) -> Path:
    """A workspace with a trained head and classified proposals, like after `konomi round`."""
    make_taste_set(root / "data" / "train", 12, 12, seed=3)
    make_unlabeled_set(
        root / "data" / "unlabeled",
        n_unlabeled // 2,
        n_unlabeled - n_unlabeled // 2,
        4,
        n_ambiguous=2,
        size=size,
    )
    ctx = workflow.Context.open(root, model=str(model))
    try:
        workflow.train(ctx, folds=3)
        workflow.classify(ctx)
    finally:
        ctx.close()
    return root


@contextmanager
def serving(root: Path, model: Path) -> Iterator[ReviewServer]:
    """The real review server, in a thread of this process, until the block ends."""
    ctx = workflow.Context.open(root, model=str(model))
    server = ReviewServer.start(ctx, port=0)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not (server.server and server.server.started):
        assert time.monotonic() < deadline, "the review server did not start"
        time.sleep(0.02)
    try:
        yield server
    finally:
        server.stop()
        thread.join(15)
        ctx.close()
        assert not thread.is_alive()


def base(port: int) -> str:
    return f"http://127.0.0.1:{port}"


@contextmanager
def session(server: ReviewServer) -> Iterator[httpx.Client]:
    """A client that opened the printed link and sends its token in the header, as the page's
    script does (no cookie is ever set)."""
    headers = {"X-Konomi-Token": server.token}
    with httpx.Client(base_url=base(server.port), timeout=20, headers=headers) as client:
        opened = client.get(f"/?token={server.token}")
        assert opened.status_code == 200, opened.text
        assert "set-cookie" not in opened.headers
        yield client


def post(client: httpx.Client, path: str, body: dict, port: int) -> httpx.Response:
    return client.post(path, json=body, headers={"Origin": base(port)})


def raw_get(port: int, target: str, host: str | None = "", headers: tuple[str, ...] = ()):
    """Send a request line exactly as written (no client-side normalisation of `..`)."""
    lines = [f"GET {target} HTTP/1.1"]
    if host is not None:
        lines.append(f"Host: {host or f'127.0.0.1:{port}'}")
    lines += [*headers, "Connection: close", "", ""]
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall("\r\n".join(lines).encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def where(root: Path, name: str) -> list[str]:
    """Every place under data/ a file of this name is, relative to the root."""
    return sorted(p.relative_to(root).as_posix() for p in (root / "data").rglob(name))


class CliServer:
    """`python -m konomi review` as a subprocess; reads the URL it prints."""

    def __init__(self, root: Path, env: dict[str, str], *args: str) -> None:
        argv = [sys.executable, "-m", "konomi", "review", "--no-browser", "--root", str(root)]
        self.proc = subprocess.Popen(
            [*argv, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.out: list[str] = []
        self.err = ""  # the whole stderr, once stopped
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        deadline = time.monotonic() + 120
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                self.stop()
                raise AssertionError(f"no URL: {self.out} {self.proc.stderr.read()}") from None
            match = URL_LINE.match(line.strip())
            if match:
                self.url, self.port, self.token = line.strip(), int(match[1]), match[2]
                return

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.out.append(line)
            self.lines.put(line)

    def stop(self) -> int:
        """Ctrl-C, as a person stops it; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(timeout=10)  # stdout is at its end once the process is gone
        if self.proc.stderr is not None and not self.proc.stderr.closed:
            self.err = self.proc.stderr.read()
            self.proc.stderr.close()  # closed here: warnings are errors in the tests
        if self.proc.stdout is not None and not self.reader.is_alive():
            self.proc.stdout.close()
        return self.proc.returncode


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Path:
    return prepare(tmp_path_factory.mktemp("template") / "ws", tiny_model)


@pytest.fixture
def ws(prepared: Path, tmp_path: Path) -> Path:
    """A fresh copy of the trained and classified workspace for each test."""
    return Path(shutil.copytree(prepared, tmp_path / "ws", symlinks=True))


# -- starting and stopping ----------------------------------------------------------------------
def test_cli_prints_the_url_listens_on_loopback_only_and_stops_on_ctrl_c(ws, cli_env):
    with socket.socket() as probe:  # a free port to ask for, as `--port N` users do
        probe.bind(("127.0.0.1", 0))
        wanted = probe.getsockname()[1]
    server = CliServer(ws, cli_env, "--port", str(wanted))
    try:
        assert server.port == wanted
        listening = [
            c.laddr
            for c in psutil.Process(server.proc.pid).net_connections("inet")
            if c.status == psutil.CONN_LISTEN
        ]
        assert listening and all(addr.ip == "127.0.0.1" for addr in listening), listening
        others = {
            a.address
            for addrs in psutil.net_if_addrs().values()
            for a in addrs
            if a.family == socket.AF_INET and not a.address.startswith("127.")
        }
        for address in others:  # not reachable from the network
            with pytest.raises(OSError), socket.create_connection((address, wanted), timeout=2):
                pass
        page = httpx.get(server.url, timeout=20)
        assert page.status_code == 200 and "konomi" in page.text
    finally:
        code = server.stop()
    assert code == 0, (server.out, server.err)
    assert said("".join(server.out), "cli.review.stopped")
    assert "Traceback" not in server.err


# -- the gate -------------------------------------------------------------------------------------
def test_every_request_needs_the_token(ws, tiny_model):
    with serving(ws, tiny_model) as server:
        port, token = server.port, server.token
        for path in ["/static/app.js", "/static/app.css"]:  # the package's own, for anyone
            assert httpx.get(base(port) + path).status_code == 200, path
        paths = ["/", "/api/state", "/api/preview/1"]
        for path in paths:
            assert httpx.get(base(port) + path).status_code == 401, path
            other = ("y" if token[0] == "x" else "x") + token[1:]  # never the token itself
            wrong = httpx.get(base(port) + path, params={"token": other})
            assert wrong.status_code == (403 if path == "/" else 401), path  # API: header only
            good_cookie = httpx.get(base(port) + path, cookies={f"konomi_token_{port}": token})
            assert good_cookie.status_code == 401, path  # a cookie never lets anyone in
            bad_header = httpx.get(base(port) + path, headers={"X-Konomi-Token": token[:-1]})
            assert bad_header.status_code == 403, path
        assert said(httpx.get(base(port) + "/").text, "page.guard.no_token")  # says what to do

        with httpx.Client(base_url=base(port), timeout=20) as client:
            opened = client.get("/", params={"token": token})
            assert opened.status_code == 200
            assert "set-cookie" not in opened.headers
            assert client.get("/api/state").status_code == 401  # the link is for the page only
            assert client.get("/api/state", params={"token": token}).status_code == 401
            ok = client.get("/api/state", headers={"X-Konomi-Token": token})
            assert ok.status_code == 200
            assert client.get("/", params={"token": "wrong"}).status_code == 403
        headers = opened.headers
        assert headers["content-security-policy"].startswith("default-src 'self'")
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "script-src 'self'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-store"


def test_a_foreign_host_header_is_refused(ws, tiny_model):
    with serving(ws, tiny_model) as server:
        port, token = server.port, server.token
        for host in (
            f"evil.example:{port}",
            "evil.example",
            f"127.0.0.1:{port + 1}",
            "127.0.0.1",
            "localhost",
            f"127.0.0.1.nip.io:{port}",
            f"[::1]:{port}",
        ):
            status, body = raw_get(port, f"/?token={token}", host=host)
            assert status == 400, host
            assert b"<!doctype html>" not in body
        assert raw_get(port, f"/?token={token}", host=None)[0] == 400  # no Host at all
        assert raw_get(port, f"/?token={token}", host=f"localhost:{port}")[0] == 200
        assert raw_get(port, f"/?token={token}", host=f"LOCALHOST:{port}")[0] == 200


def test_traversal_and_symlink_probes_never_serve_a_file_outside(ws, tiny_model, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(SECRET)
    make_image(outside / "private.png", size=(97, 31), color=(10, 200, 90))
    (outside / "album").mkdir()
    make_image(outside / "album" / "also-private.jpg", size=(97, 31), color=(10, 200, 90))
    (ws / "data" / "unlabeled" / "escape.png").symlink_to(outside / "private.png")
    (ws / "data" / "unlabeled" / "escape.txt").symlink_to(outside / "secret.txt")
    (ws / "data" / "classified" / "like" / "album").symlink_to(outside / "album")
    before = file_hashes(ws / "data")

    with serving(ws, tiny_model) as server:
        port, token = server.port, server.token
        listed = list(server.queue.items.values())
        assert listed
        for item in listed:
            assert item.path.resolve().is_relative_to(ws.resolve())
            assert not item.path.is_symlink()
        secret, png = str(outside / "secret.txt"), str(outside / "private.png")
        probes = [
            "/../../../../../../etc/passwd",
            "/static/../../../../../../etc/passwd",
            "/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
            "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
            "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
            "/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
            "/static/app.js/../../../konomi.toml",
            "/static/%2e%2e%5c%2e%2e%5csecret.txt",
            "/static/" + secret,
            "/" + secret,
            "/" + secret.lstrip("/"),
            "/" + png,
            "//" + secret.lstrip("/"),
            "/static//etc/passwd",
            "/api/preview/../../../../etc/passwd",
            "/api/preview/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
            "/api/preview/1/../../../../etc/passwd",
            "/api/preview/1%2f..%2f..%2fsecret.txt",
            "/api/preview/-1",
            "/api/preview/999999",
            "/api/preview/" + secret,
            f"/api/preview/1?path={secret}",
            "/data/unlabeled/escape.png",
            "/data/unlabeled/escape.txt",
            "/data/classified/like/album/also-private.jpg",
            "/.konomi/journal.sqlite",
            "/konomi.toml",
            f"http://127.0.0.1:{port}/../../{secret}",
        ]
        cookie = f"X-Konomi-Token: {token}"
        passwd = Path("/etc/passwd").read_bytes()[:32] if Path("/etc/passwd").exists() else None
        for target in probes:
            status, body = raw_get(port, target, headers=(cookie,))
            assert SECRET not in body, target
            assert not passwd or passwd not in body, target
            if status == 200:  # only the listed item 1 may answer
                assert target.startswith("/api/preview/1?"), (target, status)
                assert Image.open(io.BytesIO(body)).size != (97, 31), target
            else:
                assert status in (400, 404, 405), (target, status)

        # Every id the server knows serves only previews of listed images.
        with session(server) as client:
            for item_id in range(0, max(server.queue.items) + 3):
                got = client.get(f"/api/preview/{item_id}")
                if got.status_code == 200:
                    assert Image.open(io.BytesIO(got.content)).size != (97, 31)
                    assert item_id in server.queue.items

            # A listed file swapped for a link to a private file is refused, not followed.
            victim = next(it for it in server.queue.pending() if it.id != 1)
            aside = tmp_path / "aside"
            aside.mkdir()
            os.rename(victim.path, aside / victim.path.name)
            victim.path.symlink_to(outside / "private.png")
            try:
                got = client.get(f"/api/preview/{victim.id}")
                assert got.status_code == 422 and got.json()["ok"] is False
                decided = post(client, "/api/decide", {"id": victim.id, "decision": "like"}, port)
                assert decided.status_code == 409
                assert victim.path.is_symlink()  # left where it was
                assert not any(p.is_symlink() for p in (ws / "data" / "train").rglob("*"))
            finally:
                victim.path.unlink()
                os.rename(aside / victim.path.name, victim.path)
    assert_conserved(before, file_hashes(ws / "data"))


def test_changes_need_post_the_token_our_origin_and_json(ws, tiny_model):
    before = file_hashes(ws / "data")
    with serving(ws, tiny_model) as server:
        port, token = server.port, server.token
        target = server.queue.pending()[0]
        body = {"id": target.id, "decision": "like"}
        origin = {"Origin": base(port)}
        url = base(port) + "/api/decide"
        assert httpx.post(url, json=body, headers=origin).status_code == 401
        wrong = httpx.post(url, json=body, headers={**origin, "X-Konomi-Token": "nope"})
        assert wrong.status_code == 403
        with session(server) as client:
            for bad in (
                "http://evil.example",
                f"http://evil.example:{port}",
                "null",
                f"http://127.0.0.1:{port + 1}",
                f"https://127.0.0.1:{port}",
            ):
                assert (
                    client.post("/api/decide", json=body, headers={"Origin": bad}).status_code
                    == 403
                ), bad
            assert client.post("/api/decide", json=body).status_code == 403  # no Origin
            cross = client.post(
                "/api/decide", json=body, headers={**origin, "Sec-Fetch-Site": "cross-site"}
            )
            assert cross.status_code == 403
            form = client.post("/api/decide", data={"id": "1"}, headers=origin)
            assert form.status_code == 415  # what an HTML form on another site could send
            assert client.get("/api/decide").status_code == 405
            assert client.get("/api/undo").status_code == 405
            assert target.path.is_file() and target.state == "pending"  # nothing happened

            ok = post(client, "/api/decide", body, port)
            assert ok.status_code == 200 and ok.json()["ok"]
            assert ok.headers["cache-control"] == "no-store"
            assert where(ws, target.path.name) == [f"data/train/like/{target.path.name}"]
            via_header = httpx.post(
                url.replace("decide", "undo"),
                json={},
                headers={**origin, "X-Konomi-Token": token},
            )
            assert via_header.status_code == 200
    assert_conserved(before, file_hashes(ws / "data"))


# -- decisions ------------------------------------------------------------------------------------
def test_like_dislike_skip_undo_are_journaled_moves_and_konomi_undo_reverts_them(
    ws, tiny_model, konomi
):
    before = file_hashes(ws / "data")
    with serving(ws, tiny_model) as server, session(server) as client:
        port = server.port
        state = client.get("/api/state").json()
        assert state["head"] and state["left"] == 14 and state["done"] == 0
        a, b, c = state["items"][:3]
        assert [a["score"], b["score"], c["score"]] and all(
            0 <= it["score"] <= 1 for it in state["items"]
        )
        info = [0.5 - abs(it["score"] - 0.5) for it in state["items"]]
        assert info == sorted(info, reverse=True)  # most informative first

        liked = post(client, "/api/decide", {"id": a["id"], "decision": "like"}, port).json()
        assert liked["ok"] and liked["state"]["items"][0]["id"] == b["id"]
        assert where(ws, a["name"]) == [f"data/train/like/{a['name']}"]
        disliked = post(client, "/api/decide", {"id": b["id"], "decision": "dislike"}, port)
        assert where(ws, b["name"]) == [f"data/train/dislike/{b['name']}"]
        skipped = post(client, "/api/decide", {"id": c["id"], "decision": "skip"}, port).json()
        assert where(ws, c["name"]) == [c["path"]]  # a skip moves nothing
        assert skipped["state"]["done"] == 3 and skipped["state"]["left"] == 11
        assert skipped["state"]["counts"] == {"liked": 1, "disliked": 1, "skipped": 1}
        assert disliked.json()["state"]["new_labels"] == 2

        undone = post(client, "/api/undo", {}, port).json()  # the skip
        assert undone["ok"] and undone["state"]["items"][0]["id"] == c["id"]
        undone = post(client, "/api/undo", {}, port).json()  # the dislike
        assert where(ws, b["name"]) == [b["path"]]
        assert undone["state"]["items"][0]["id"] == b["id"]

        by_cli = konomi("undo", root=ws)  # the like, from another terminal
        assert by_cli.code == 0, by_cli.text
        assert said(by_cli.out, "cli.undo.done", kind=word("cli.undo.kind.review")), by_cli.text
        assert where(ws, a["name"]) == [a["path"]]
        nothing = post(client, "/api/undo", {}, port).json()
        assert nothing["ok"] and said(nothing["message"], "page.server.nothing_to_undo")
        assert where(ws, a["name"]) == [a["path"]]  # the classify run was not touched
    assert_conserved(before, file_hashes(ws / "data"))


def test_two_tabs_never_move_one_file_twice(ws, tiny_model):
    before = file_hashes(ws / "data")
    with serving(ws, tiny_model) as server:
        port = server.port
        with ExitStack() as stack:  # the tabs' connections closed however the test ends
            tabs = [stack.enter_context(session(server)) for _ in range(4)]
            target = server.queue.pending()[0]
            results: list[int] = []
            barrier = threading.Barrier(len(tabs))

            def press(tab: httpx.Client, decision: str) -> None:
                barrier.wait()
                body = {"id": target.id, "decision": decision}
                results.append(post(tab, "/api/decide", body, port).status_code)

            threads = [
                threading.Thread(target=press, args=(tab, d))
                for tab, d in zip(tabs, ("like", "dislike", "like", "skip"))
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            assert sorted(results) == [200, 409, 409, 409]
            assert len(where(ws, target.path.name)) == 1
            again = post(tabs[0], "/api/decide", {"id": target.id, "decision": "like"}, port)
            first = ("like", "dislike", "skip")  # whichever tab won the race
            assert again.status_code == 409
            assert any(said(again.json()["error"], f"page.server.already_{d}") for d in first)
    assert_conserved(before, file_hashes(ws / "data"))


def test_a_vanished_or_changed_file_is_refused_with_a_message(ws, tiny_model, tmp_path):
    aside = tmp_path / "aside"
    aside.mkdir()
    with serving(ws, tiny_model) as server, session(server) as client:
        port = server.port
        gone, changed, fine = server.queue.pending()[:3]
        moved_away = aside / gone.path.name
        os.rename(gone.path, moved_away)  # the person moved it in a file manager
        refused = post(client, "/api/decide", {"id": gone.id, "decision": "like"}, port)
        assert refused.status_code == 409
        body = refused.json()
        assert not body["ok"] and gone.path.name in body["error"]
        assert said(body["error"], "safety.move.gone")
        assert gone.id not in [it["id"] for it in body["state"]["items"]]
        assert moved_away.is_file() and not list((ws / "data" / "train").rglob(gone.path.name))

        with open(changed.path, "ab") as f:  # edited since it was scored
            f.write(b"\0")
        refused = post(client, "/api/decide", {"id": changed.id, "decision": "dislike"}, port)
        assert refused.status_code == 409 and said(refused.json()["error"], "safety.move.changed")
        assert changed.path.is_file()

        unknown = post(client, "/api/decide", {"id": 10**6, "decision": "like"}, port)
        assert unknown.status_code == 409
        nonsense = post(client, "/api/decide", {"id": fine.id, "decision": "delete"}, port)
        assert nonsense.status_code == 409 and fine.path.is_file()
        broken = client.post(
            "/api/decide",
            content=b"{nope",
            headers={"Origin": base(port), "Content-Type": "application/json"},
        )
        assert broken.status_code == 400

        ok = post(client, "/api/decide", {"id": fine.id, "decision": "like"}, port)
        assert ok.status_code == 200  # the server carries on


def test_a_busy_workspace_is_reported_not_waited_on_forever(ws, tiny_model):
    before = file_hashes(ws / "data")
    with serving(ws, tiny_model) as server, session(server) as client:
        port = server.port
        target = server.queue.pending()[0]
        with workspace_lock(Workspace(ws), purpose="classify"):
            started = time.monotonic()
            busy = post(client, "/api/decide", {"id": target.id, "decision": "like"}, port)
            assert time.monotonic() - started < 10
        assert busy.status_code == 423
        error = busy.json()["error"]
        assert said(error, "errors.workspace.busy") and "classify" in error
        assert target.path.is_file() and target.state == "pending"
        assert post(client, "/api/decide", {"id": target.id, "decision": "like"}, port).is_success
    assert_conserved(before, file_hashes(ws / "data"))


def test_retrain_now_trains_a_new_head_and_rescores_the_queue(ws, tiny_model):
    with serving(ws, tiny_model) as server, session(server) as client:
        port = server.port
        first = client.get("/api/state").json()
        post(client, "/api/decide", {"id": first["items"][0]["id"], "decision": "like"}, port)
        started = post(client, "/api/retrain", {}, port).json()
        assert started["ok"]
        deadline = time.monotonic() + 120
        state = started["state"]
        while state["retrain"]["running"]:
            assert time.monotonic() < deadline
            time.sleep(0.1)
            state = client.get("/api/state").json()
        assert not state["retrain"]["error"], state["retrain"]
        assert state["head"] != first["head"]
        assert said(state["retrain"]["message"], "page.server.trained")
        assert state["new_labels"] == 0 and state["left"] == 13
        assert state["done"] == 1 and state["counts"]["liked"] == 1  # counters survive retrain
        ids = {it["id"] for it in first["items"][1:]}
        assert ids & {it["id"] for it in state["items"]}  # the same images, rescored


def test_previews_are_downscaled_upright_and_cached(tmp_path, tiny_model):
    root = prepare(tmp_path / "ws", tiny_model, n_unlabeled=2)
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: shown rotated by 90 degrees
    big = make_image(
        root / "data" / "unlabeled" / "写真 big.jpg", size=(2400, 1800), exif=exif.tobytes()
    )
    with serving(root, tiny_model) as server, session(server) as client:
        item = next(it for it in server.queue.items.values() if it.path == big)
        got = client.get(f"/api/preview/{item.id}")
        assert got.status_code == 200 and got.headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(got.content)).size == (1200, 1600)
        assert len(got.content) < big.stat().st_size
        cached = list((root / ".konomi" / "previews").glob(f"{item.digest}-*.jpg"))
        assert len(cached) == 1
        assert client.get(f"/api/preview/{item.id}").content == got.content


def test_without_a_trained_head_images_can_still_be_labelled(tmp_path, tiny_model):
    root = tmp_path / "fresh"
    make_unlabeled_set(root / "data" / "unlabeled", 2, 2, 9)
    before = file_hashes(root / "data")
    with serving(root, tiny_model) as server, session(server) as client:
        state = client.get("/api/state").json()
        # One banner: with no labels yet, "no model" and "no labels" are said once, together.
        assert state["head"] is None and said(state["note"], "text.cold.note")
        assert not said(state["note"], "page.server.no_head_yet")
        first = state["items"][0]
        assert first["score"] is None and first["proposal"] is None
        post(client, "/api/decide", {"id": first["id"], "decision": "dislike"}, server.port)
        assert where(root, first["name"]) == [f"data/train/dislike/{first['name']}"]
    assert_conserved(before, file_hashes(root / "data"))


def test_the_queue_shows_images_in_the_order_score_recorded(ws, tiny_model):
    """The review queue follows `active.informativeness` as `score_paths` computed it (the
    diverse order the simulator chose), not an order of its own."""
    from konomi.app.review.queue import ReviewQueue, scan

    ctx = workflow.Context.open(ws, model=str(tiny_model))
    try:
        found = scan(ctx)
        scored = workflow.score_paths(ctx, found.paths)
        assert found.info is not None
        np.testing.assert_allclose(found.info, scored.info, rtol=1e-5, atol=1e-5)  # float32 ≈
        # An order the score alone would never give: the queue must follow the recorded one.
        found.info = np.linspace(0.0, 1.0, len(found.paths))
        queue_ = ReviewQueue(ctx)
        queue_.contents.merge(found)
        shown = [queue_.items[i].path for i in queue_.contents.order]
        assert shown == list(reversed(found.paths))
    finally:
        ctx.close()


def test_the_page_catches_up_with_an_undo_run_in_a_terminal(ws, tiny_model, konomi):
    """A decision undone by `konomi undo` while the page is open: when the page looks again, the
    image is back in the queue and the page's own undo has nothing left to take back."""
    before = file_hashes(ws / "data")
    with serving(ws, tiny_model) as server, session(server) as client:
        port = server.port
        state = client.get("/api/state").json()
        first = state["items"][0]
        liked = post(client, "/api/decide", {"id": first["id"], "decision": "like"}, port).json()
        assert liked["state"]["left"] == state["left"] - 1
        assert where(ws, first["name"]) == [f"data/train/like/{first['name']}"]

        undone = konomi("undo", root=ws)  # another process, as from a terminal
        assert undone.code == 0, undone.text
        assert said(undone.out, "cli.undo.done", kind=word("cli.undo.kind.review")), undone.text
        assert where(ws, first["name"]) == [first["path"]]

        again = client.get("/api/state").json()
        assert again["left"] == state["left"]  # the image is waiting again
        back = next(it for it in again["items"] if it["name"] == first["name"])
        assert again["done"] == 0  # the undone decision no longer counts
        nothing = post(client, "/api/undo", {}, port).json()
        assert said(nothing["message"], "page.server.nothing_to_undo")
        assert where(ws, first["name"]) == [first["path"]]
        # The page's own decisions do not make it rescan: it keeps its order and progress.
        decided = post(client, "/api/decide", {"id": back["id"], "decision": "skip"}, port)
        assert decided.json()["state"]["done"] == 1
        assert client.get("/api/state").json()["done"] == 1
    assert_conserved(before, file_hashes(ws / "data"))


def test_a_burst_is_judged_with_one_decision_and_undone_with_one(tmp_path, tiny_model, konomi):
    """Three near-identical shots (one scene saved at three JPEG qualities) form a burst: a
    plain decision still moves one file; a `burst` decision moves all three in one journaled
    operation, and one undo brings each back to its own place."""
    ws = prepare(tmp_path / "ws", tiny_model, n_unlabeled=6)
    burst = [
        make_image(
            ws / "data" / "unlabeled" / f"burst_{q}.jpg", seed=77, quality=q, color=(240, 240, 240)
        )
        for q in (95, 85, 75)
    ]
    names = {p.name for p in burst}
    before = file_hashes(ws / "data")
    with serving(ws, tiny_model) as server, session(server) as client:
        port = server.port
        items = {it["name"]: it for it in everything_waiting(server)}
        shots = [items[p.name] for p in burst]
        assert all(shot["alike"] == 2 for shot in shots)
        group = server.queue.get(shots[0]["id"]).burst
        assert {it.path.name for it in server.queue.pending() if it.burst == group} == names

        single = post(client, "/api/decide", {"id": shots[0]["id"], "decision": "dislike"}, port)
        assert single.json()["ok"] and "look-alike" not in single.json()["message"]
        assert where(ws, burst[0].name) == [f"data/train/dislike/{burst[0].name}"]
        assert where(ws, burst[1].name) == [burst[1].relative_to(ws).as_posix()]
        post(client, "/api/undo", {}, port)
        assert where(ws, burst[0].name) == [burst[0].relative_to(ws).as_posix()]

        body = {"id": shots[1]["id"], "decision": "like", "burst": True}
        liked = post(client, "/api/decide", body, port).json()
        assert liked["ok"] and "look-alikes (2)" in liked["message"]
        for p in burst:
            assert where(ws, p.name) == [f"data/train/like/{p.name}"]
        assert liked["state"]["counts"]["liked"] == 3
        assert not {it["name"] for it in everything_waiting(server)} & names

        undone = post(client, "/api/undo", {}, port).json()
        assert undone["ok"]
        for p in burst:
            assert where(ws, p.name) == [p.relative_to(ws).as_posix()]
        back = {it["name"]: it for it in everything_waiting(server)}
        assert names <= set(back)
        for name in names:  # each item is the file it was, with its own score
            assert back[name]["score"] == items[name]["score"]
            assert server.queue.get(back[name]["id"]).path.name == name
        # Both review operations are undone: what `konomi undo` finds next is the classify.
        undone = konomi("undo", root=ws).out
        assert said(undone, "cli.undo.done", kind=word("cli.undo.kind.classify"))
    assert_conserved(before, file_hashes(ws / "data"))


def everything_waiting(server: ReviewServer) -> list[dict]:
    """Every waiting image as the page would see it (the page is sent only the next few)."""
    return server.queue.snapshot(ahead=10_000)["items"]
