"""The first ten minutes, from a folder of photos to a first trusted score with no hand-sorting:
review is the way in, hints name the command the person can type, the workspace is found from
inside it, usage errors exit 2, `round --dry-run` changes nothing, Ray stays quiet and leaves
nothing behind. Real CLI runs (a real `uv tool install` for the command name), with the tiny
ONNX encoder."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import pytest
from factories.images import make_unlabeled_set
from messages import said

from konomi.app.suggestion import suggest
from konomi.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
HAS_RAY = importlib.util.find_spec("ray") is not None
needs_ray = pytest.mark.skipif(not HAS_RAY, reason="Ray is not installed here")


def run_in(folder: Path, env: dict[str, str], *args: str | Path, timeout: float = 180):
    """`python -m konomi ARGS` started in `folder` (the konomi fixture runs in the repo)."""
    proc = subprocess.run(
        [sys.executable, "-m", "konomi", *map(str, args)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return proc.returncode, proc.stdout, proc.stderr


def only_unlabeled(root: Path, n: int = 12) -> Path:
    """A workspace holding only unlabeled photos (as `konomi init` leaves it, plus photos)."""
    for folder in ("data/train/like", "data/train/dislike", "data/unlabeled"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    make_unlabeled_set(root / "data" / "unlabeled", n // 2, n - n // 2, 5)
    return root


def files_of(root: Path, skip: tuple[str, ...] = (".konomi",)) -> dict[str, str]:
    """Every file under `root` (but `skip`) with a hash of its bytes."""
    found = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith(skip):
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


# -- 1. start from zero: review is the way in ---------------------------------------------------
def test_init_offers_review_before_hand_sorting(tmp_path, konomi):
    made = konomi("init", tmp_path / "ws", check=True).out
    steps = made[made.index("Next:") :]
    assert "data/unlabeled/" in steps and "konomi review --root" in steps
    assert steps.index("konomi review") < steps.index("data/train/like/")
    assert said(steps, "cli.init.next")  # says why no sorting is needed first
    ja = konomi("init", tmp_path / "ja", env={"KONOMI_LANG": "ja"}, check=True).out
    assert ja.index("review") < ja.index("data/train/like/")


@pytest.mark.parametrize(
    "command",
    [("train",), ("round",), ("suspects",), ("classify",), ("score",), ("report",)],
)
def test_every_no_model_or_no_labels_error_names_review(tmp_path, konomi, command):
    root = only_unlabeled(tmp_path / "ws")
    failed = konomi(*command, root=root)
    assert failed.code == 1, failed.text
    assert "konomi review" in failed.err and "Traceback" not in failed.err
    assert not (root / "models").exists()


def test_search_with_nothing_to_search_says_where_photos_go(tmp_path, konomi):
    from factories.models import build_joint_model_dir

    model = build_joint_model_dir(tmp_path / "joint")
    root = tmp_path / "ws"
    (root / "data" / "unlabeled").mkdir(parents=True)
    failed = konomi("search", "red", "--model", model, root=root)
    assert failed.code == 1, failed.text
    assert "data/unlabeled/" in failed.err and "konomi review" in failed.err


def test_explain_without_a_model_names_review(tmp_path, konomi):
    root = only_unlabeled(tmp_path / "ws")
    image = next((root / "data" / "unlabeled").iterdir())
    failed = konomi("explain", image, root=root)
    assert failed.code == 1 and "konomi review" in failed.err


# -- 2. the command name as konomi was installed -------------------------------------------------
def _tool_install(tmp_path: Path, *how: str) -> Path:
    """konomi installed with `uv tool install [HOW]` from this checkout into private folders;
    the path of its `konomi` command."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("KONOMI_", "VIRTUAL_ENV"))},
        "UV_TOOL_DIR": str(tmp_path / "tools"),
        "UV_TOOL_BIN_DIR": str(tmp_path / "bin"),
    }
    tried = []
    for offline in (["--offline"], []):  # the warm cache first; PyPI when it lacks something
        proc = subprocess.run(
            [uv, "tool", "install", *offline, *how, str(REPO)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if proc.returncode == 0:
            return tmp_path / "bin" / "konomi"
        tried.append(proc.stderr[-500:])
    pytest.skip(f"uv cannot install konomi here: {tried}")


def test_an_installed_tool_says_konomi_and_installs_extras_as_a_tool(tmp_path, cli_env):
    command = _tool_install(tmp_path)
    root = only_unlabeled(tmp_path / "ws")
    (root / "konomi.toml").write_text(
        f"model = {json.dumps(cli_env['KONOMI_MODEL'])}\n", encoding="utf-8"
    )
    env = {k: v for k, v in cli_env.items() if k != "KONOMI_MODEL"}
    env["COLUMNS"] = "400"

    def tool(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(command), *args], cwd=root, env=env, capture_output=True, text=True, timeout=180
        )

    version = tool("--version")
    assert (
        version.returncode == 0 and version.stdout.strip() == f"konomi {metadata.version('konomi')}"
    )
    trained = tool("train")
    shown = trained.stdout + trained.stderr
    assert trained.returncode != 0 and "konomi review" in shown
    assert "uv run konomi" not in shown
    checked = tool("check-env")
    shown = checked.stdout + checked.stderr
    assert "uv run konomi" not in shown and "uv sync" not in shown
    assert f"uv tool install --reinstall 'konomi[ray] @ {REPO}'" in shown  # Ray is not in it

    # an editable tool (`uv tool install -e`) runs from the checkout's src/, still as `konomi`
    command = _tool_install(tmp_path / "editable", "-e")
    trained = tool("train")
    shown = trained.stdout + trained.stderr
    assert "konomi review" in shown and "uv run konomi" not in shown
    checked = tool("check-env")
    assert f"uv tool install --reinstall -e 'konomi[ray] @ {REPO}'" in checked.stdout


def test_hints_from_a_checkout_say_uv_run_and_uv_sync(tmp_path, konomi):
    root = only_unlabeled(tmp_path / "ws")
    ran = konomi("classify", root=root, env={"UV_RUN_RECURSION_DEPTH": "1"})
    assert "uv run konomi review" in ran.err
    asked = konomi("classify", root=root, env={"KONOMI_COMMAND": "kn"})
    assert "kn review" in asked.err and "uv run" not in asked.err


# -- 3. the workspace is found from inside it ----------------------------------------------------
def test_a_command_inside_the_workspace_uses_it(workspace, cli_env, konomi):
    ws = workspace(n_like=8, n_dislike=8, n_unlabeled=6)
    konomi("init", ws.root, check=True)  # konomi.toml marks the workspace
    konomi("train", root=ws.root, check=True)
    inside = ws.root / "data" / "train" / "like"
    before = sorted(p.name for p in inside.iterdir())
    code, out, err = run_in(inside, cli_env, "score")
    assert code == 0, out + err
    assert (ws.root / "reports" / "scores.csv").is_file()
    assert sorted(p.name for p in inside.iterdir()) == before  # nothing made in the sub-folder
    # init there names the workspace it is in, and makes no second one inside it
    code, out, err = run_in(inside, cli_env, "init")
    assert code == 0 and str(ws.root) in out and "already" in out
    assert not (inside / "konomi.toml").exists() and not (inside / "data").exists()


def test_a_workspace_found_by_its_state_folder_and_never_told_to_init(tmp_path, cli_env):
    root = only_unlabeled(tmp_path / "ws")
    (root / ".konomi").mkdir()
    code, out, err = run_in(root / "data" / "unlabeled", cli_env, "classify")
    assert code == 1 and "konomi review" in err and "init" not in err
    assert not (root / "data" / "unlabeled" / ".konomi").exists()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    code, out, err = run_in(outside, {**cli_env, "KONOMI_ROOT": str(root)}, "classify")
    assert code == 1 and "konomi review" in err  # KONOMI_ROOT still wins over the cwd


# -- 4. --version and round --dry-run ------------------------------------------------------------
def test_version(konomi):
    for flag in ("--version", "-V"):
        shown = konomi(flag)
        assert shown.code == 0 and shown.out.strip() == f"konomi {metadata.version('konomi')}"


def test_round_dry_run_moves_nothing_and_writes_no_head(workspace, konomi):
    ws = workspace(n_like=10, n_dislike=10, n_unlabeled=8)
    before = files_of(ws.root)
    planned = konomi("round", "--dry-run", root=ws.root, check=True).out
    assert said(planned, "cli.round.dry.first", like=10, dislike=10)
    assert "data/classified/like/" in planned and "data/classified/dislike/" in planned
    assert said(planned, "cli.round.dry.done", n=8)
    assert files_of(ws.root) == before and not (ws.root / "models").exists()

    konomi("round", root=ws.root, check=True)
    make_unlabeled_set(ws.root / "data" / "unlabeled", 2, 2, 9)
    before = files_of(ws.root)
    models = files_of(ws.root / "models", skip=())
    again = konomi("round", "--dry-run", root=ws.root, check=True).out
    assert said(again, "cli.round.dry.keep") and said(again, "cli.round.dry.done", n=4)
    assert files_of(ws.root) == before and files_of(ws.root / "models", skip=()) == models

    (ws.root / "data" / "unlabeled" / "img_0000.jpg").rename(
        ws.root / "data" / "train" / "like" / "moved.jpg"
    )
    before = files_of(ws.root)
    changed = konomi("round", "--dry-run", root=ws.root, check=True).out
    assert said(changed, "cli.round.dry.retrain", like=11, dislike=10)
    assert files_of(ws.root) == before and files_of(ws.root / "models", skip=()) == models


# -- 5. usage errors exit 2 ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("classify", "--like-threshold", "1.5"), "--like-threshold"),
        (("classify", "--dislike-threshold", "-0.1"), "--dislike-threshold"),
        (("classify", "--like-threshold", "0.2", "--dislike-threshold", "0.5"), "0.5"),
        (("review", "--like-threshold", "nan?"), "--like-threshold"),
        (("score", "--device", "gpu"), "--device"),
        (("train", "--precision", "fp8"), "--precision"),
        (("train", "--head", "forest"), "--head"),
        (("train", "--folds", "1"), "--folds"),
        (("score", "--input", ".", "--engine", "spark"), "--engine"),
        (("score", "--input", ".", "--cpus", "0"), "--cpus"),
        (("search", "red", "--top", "0"), "--top"),
        (("report", "--duplicate-threshold", "2"), "--duplicate-threshold"),
        (("classify", "--forse"), "--forse"),
        (("explain",), "paths"),
        (("nosuchcommand",), "nosuchcommand"),
    ],
)
def test_every_usage_error_exits_2(tmp_path, konomi, args, named):
    root = only_unlabeled(tmp_path / "ws", n=2)
    refused = konomi(*args, root=root)
    assert refused.code == 2, refused.text
    assert named in refused.err and "Traceback" not in refused.err
    assert "like_threshold =" not in refused.err  # an option, not a konomi.toml example


# -- issue 24: konomi.toml's language for --help and usage errors --------------------------------
def test_help_and_usage_errors_speak_the_workspaces_language(tmp_path, cli_env):
    root = only_unlabeled(tmp_path / "ws", n=2)
    (root / "konomi.toml").write_text('language = "ja"\n', encoding="utf-8")
    env = {k: v for k, v in cli_env.items() if k not in ("KONOMI_LANG", "LC_ALL", "LANG")}
    env["LANG"] = "C.UTF-8"
    inside = root / "data" / "unlabeled"
    code, out, _ = run_in(inside, env, "--help")
    assert code == 0 and "バージョンを表示" in out
    code, _, err = run_in(inside, env, "classify", "--forse")
    assert code == 2 and "というオプションはありません" in err
    code, out, _ = run_in(tmp_path, env, "train", "--help", "--root", root)
    assert code == 0 and "好き" in out
    code, out, _ = run_in(tmp_path, env, "train", "--help")  # not in the workspace: English
    assert code == 0 and said(out, "cli.help.train", lang="en")


# -- 9. a quiet Ray that leaves nothing behind ---------------------------------------------------
@needs_ray
def test_an_unreachable_ray_address_fails_soon_with_a_message(workspace, tmp_path, konomi):
    root = workspace(n_like=4, n_dislike=4, n_unlabeled=2).root
    konomi("train", root=root, check=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    for lang, words in (("en", "No Ray cluster answers"), ("ja", "応答する Ray クラスター")):
        started = time.monotonic()
        failed = konomi("score", "--input", root / "data", "--out", tmp_path / "o.parquet",
                        "--address", f"127.0.0.1:{port}", root=root,
                        env={"KONOMI_RAY_CONNECT_TIMEOUT": "2", "KONOMI_LANG": lang})  # fmt: skip
        assert failed.code == 1 and words in failed.err, failed.text
        assert "Traceback" not in failed.err and "bug" not in failed.err
        assert time.monotonic() - started < 30


@needs_ray
def test_ray_says_nothing_of_its_own_and_is_gone_after_a_kill(workspace, konomi, cli_env, tmp_path):
    psutil = pytest.importorskip("psutil")
    ws = workspace(n_like=6, n_dislike=6, n_unlabeled=4)
    konomi("train", root=ws.root, check=True)
    ran = konomi("score", "--input", ws.root / "data", "--out", tmp_path / "a.parquet",
                 "--engine", "ray", "--cpus", "2", root=ws.root, timeout=300)  # fmt: skip
    assert ran.code == 0, ran.text
    for noise in ("WARNING", "core_worker", "pid=", "INFO"):
        assert noise not in ran.err, ran.err
    assert said(ran.out, "batch.ray_log") and said(ran.out, "batch.ray_local_faster")

    # kill -9 in the middle of a run: no agent of its local Ray may outlive it
    driver = subprocess.Popen(
        [sys.executable, "-m", "konomi", "score", "--input", str(ws.root / "data"), "--out",
         str(tmp_path / "b.parquet"), "--engine", "ray", "--cpus", "2", "--root", str(ws.root)],
        env=cli_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    family: dict[int, psutil.Process] = {}
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for child in psutil.Process(driver.pid).children(recursive=True):
                family.setdefault(child.pid, child)
            names = {" ".join(p.cmdline()[:1]) for p in family.values() if p.is_running()}
            if any("Agent" in n for n in names):
                break
            time.sleep(0.3)
        else:
            pytest.fail(f"Ray's agents never started: {names}")
        driver.send_signal(signal.SIGKILL)
        driver.wait()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            left = [p for p in family.values() if p.is_running() and p.status() != "zombie"]
            if not left:
                break
            time.sleep(0.5)
        assert not left, [p.cmdline()[:1] for p in left]
    finally:
        for process in family.values():  # whatever a failed run left: only what it started
            if process.is_running():
                process.kill()


# -- 10. smaller ---------------------------------------------------------------------------------
def test_help_lists_the_commands_in_the_order_of_the_workflow(konomi):
    listed = konomi("--help", check=True).out
    order = ["init", "review", "round", "train", "classify", "score", "report"]
    places = [listed.index(f"│ {name} ") for name in order]
    assert places == sorted(places)


def test_explain_says_what_its_numbers_mean(workspace, konomi):
    ws = workspace(n_like=6, n_dislike=6, n_unlabeled=2)
    konomi("train", root=ws.root, check=True)
    image = next(iter(ws.truth))
    out = konomi("explain", image, root=ws.root, check=True).out
    assert said(out, "cli.explain.similarity")


def test_xmp_dry_run_shows_the_persons_rating_as_kept(workspace, konomi, tmp_path):
    ws = workspace(n_like=6, n_dislike=6, n_unlabeled=0)
    library = tmp_path / "photos"
    make_unlabeled_set(library, 1, 1, 3)
    rated, other = sorted(p for p in library.iterdir() if p.is_file())
    rated.with_name(rated.name + ".xmp").write_text(
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        'rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="2"/></rdf:RDF>'
        "</x:xmpmeta>",
        encoding="utf-8",
    )
    (ws.root / "konomi.toml").write_text(f'libraries = ["{library.as_posix()}"]\n', "utf-8")
    konomi("train", root=ws.root, check=True)
    planned = konomi("xmp", "--dry-run", root=ws.root, check=True).out
    line = next(ln for ln in planned.splitlines() if rated.name + ".xmp" in ln)
    assert "2★ kept" in line
    other_line = next(ln for ln in planned.splitlines() if other.name + ".xmp" in ln)
    assert "kept" not in other_line


def test_no_review_of_all_is_suggested_when_the_head_is_right_on_nearly_all(tmp_path):
    ws = Workspace(tmp_path)
    assert suggest(ws, "h", 64, 100).n == 64  # unmeasured: the usual suggestion
    assert suggest(ws, "h", 64, 100, accuracy=0.8, unsure=5).n == 64
    sure = suggest(ws, "h", 64, 100, accuracy=0.99, unsure=0)
    assert sure.n == 0 and sure.confident
    assert suggest(ws, "h", 64, 100, accuracy=0.99, unsure=7).n == 7
    few = suggest(ws, "h", 6, 16, accuracy=1.0, unsure=0)  # 16 of 16 may be luck
    assert few.n == 6 and not few.confident


def test_round_says_no_review_is_needed_when_the_head_is_sure(workspace, konomi):
    ws = workspace(n_like=25, n_dislike=25, n_unlabeled=10)
    out = konomi("round", root=ws.root, check=True).out
    assert not said(out, "cli.round.suggest", n=10, waiting=10)
    assert said(out, "cli.round.confident") or said(out, "cli.round.suggest.unsure")
