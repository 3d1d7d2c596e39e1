"""`konomi score --input SOURCE --out FILE.parquet`: scoring images outside the workspace, with
the local engine and on a local Ray, through the real CLI on the tiny model.

The Ray tests start a local Ray (`--cpus 2`) for the run, which the command stops again; they
are `slow` and skipped when the `ray` extra is not installed.
"""

from __future__ import annotations

import csv
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from factories.images import make_image, make_taste_set, make_unlabeled_set
from factories.models import konomi_env
from messages import said

pa = pytest.importorskip("pyarrow", reason="the parquet or ray extra is not installed")
pq = pytest.importorskip("pyarrow.parquet")

HAS_RAY = importlib.util.find_spec("ray") is not None
needs_ray = pytest.mark.skipif(
    not HAS_RAY, reason="Ray is not installed here (uv sync --extra ray installs it)"
)


def listing(folder: Path) -> list[tuple[str, int, int, bytes]]:
    """Every file under `folder` with its size, mtime and bytes: 'unchanged' means all equal."""
    out = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            st = path.stat()
            out.append((path.relative_to(folder).as_posix(), st.st_size, st.st_mtime_ns,
                        path.read_bytes()))  # fmt: skip
    return out


def image_folder(parent: Path, n: int) -> tuple[Path, list[str]]:
    """A folder outside the workspace: `n` images in nested folders, one unreadable file, one
    text file that is not an image. Returns the folder and the image paths konomi must list."""
    folder = parent / "dataset"
    half = n // 2
    made = make_unlabeled_set(folder / "a", half // 2, half - half // 2, seed=7)
    rest = n - half
    made |= make_unlabeled_set(folder / "b" / "c d", rest // 2, rest - rest // 2, seed=8)
    broken = folder / "b" / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not really a jpeg")
    (folder / "notes.txt").write_text("not an image", encoding="utf-8")
    return folder, sorted(p.as_posix() for p in [*made, broken])


def read(path: Path) -> dict[str, dict]:
    table = pq.read_table(path)
    rows = table.to_pylist()
    paths = [r["path"] for r in rows]
    assert len(paths) == len(set(paths)), "a path appears twice"
    return {r["path"]: r for r in rows}


@pytest.fixture(scope="module")
def trained_once(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace trained by `konomi train`, built once for the module."""
    base = tmp_path_factory.mktemp("batch")
    root = base / "ws"
    make_taste_set(root / "data" / "train", 20, 20, seed=0)
    make_unlabeled_set(root / "data" / "unlabeled", 5, 5, seed=1)
    done = subprocess.run(
        [sys.executable, "-m", "konomi", "train", "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        env=konomi_env(tiny_model, base),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return root


@pytest.fixture
def trained(trained_once: Path, tmp_path: Path) -> Path:
    """A fresh copy of the trained workspace for each test (its cache and head included)."""
    return Path(shutil.copytree(trained_once, tmp_path / "ws", symlinks=True))


def test_local_engine_scores_a_folder_read_only(trained, konomi, tmp_path):
    folder, images = image_folder(tmp_path / "outside", 40)
    before = listing(folder)
    out = tmp_path / "results" / "local.parquet"
    done = konomi("score", "--input", folder, "--out", out, root=trained, check=True)
    assert "local" in done.out
    assert listing(folder) == before, "the input folder changed"
    rows = read(out)
    expected = {Path(os.path.abspath(p)).as_posix() for p in images}
    assert set(rows) == expected
    assert all(Path(p).is_absolute() and "\\" not in p for p in rows)
    broken = rows[(folder / "b" / "broken.jpg").as_posix()]
    assert broken["score"] is None and broken["label"] is None and broken["error"]
    good = [r for p, r in rows.items() if r["error"] is None]
    assert len(good) == len(images) - 1
    heads = {r["head"] for r in rows.values()}
    assert len(heads) == 1 and heads.pop() in done.out
    for r in good:
        assert 0.0 <= r["score"] <= 1.0
        want = "like" if r["score"] >= 0.7 else "dislike" if r["score"] <= 0.3 else "unsure"
        assert r["label"] == want
        assert r["size"] == os.stat(r["path"]).st_size
    # Warm images are liked, cool ones not: the head really ran on these pixels.
    likes = [r for r in good if r["label"] == "like"]
    assert 10 <= len(likes) <= 30
    assert not any(p.name.startswith(".") for p in out.parent.iterdir()), "work files left"


def test_same_scores_as_the_workspace_report(trained, konomi, tmp_path):
    """The images of the workspace, scored by --input, get the scores of the CSV report."""
    konomi("score", root=trained, check=True)
    with open(trained / "reports" / "scores.csv", encoding="utf-8-sig") as f:
        report = {r["path"]: float(r["score"]) for r in csv.DictReader(f)}
    out = tmp_path / "ws.parquet"
    konomi("score", "--input", trained / "data", "--out", out, root=trained,
           check=True)  # fmt: skip
    rows = read(out)
    root = trained.as_posix()
    assert {p.removeprefix(root + "/") for p in rows} == set(report)
    for path, row in rows.items():
        assert row["score"] == pytest.approx(report[path.removeprefix(root + "/")], abs=1e-4)


def test_path_list_and_parquet_sources_and_embeddings(trained, konomi, tmp_path):
    folder, images = image_folder(tmp_path / "outside", 12)
    listed = tmp_path / "lists" / "paths.txt"
    listed.parent.mkdir()
    # Relative lines are taken from the list's folder; blank lines, comments, repeats skipped.
    relative = os.path.relpath(images[0], listed.parent)
    listed.write_text("# my picks\n\n" + relative + "\n" + "\n".join(images) + "\n",
                      encoding="utf-8")  # fmt: skip
    from_list = tmp_path / "from-list.parquet"
    konomi("score", "--input", listed, "--out", from_list, "--with-embeddings",
           root=trained, check=True)  # fmt: skip
    rows = read(from_list)
    assert set(rows) == set(images)
    table = pq.read_table(from_list)
    assert "embedding" in table.column_names
    vectors = [r["embedding"] for r in rows.values() if r["error"] is None]
    norms = np.linalg.norm(np.asarray(vectors, np.float64), axis=1)
    np.testing.assert_allclose(norms, 1.0, rtol=1e-5)  # L2-normalised CLIP embeddings

    source = tmp_path / "paths.parquet"
    pq.write_table(pa.table({"path": images, "extra": list(range(len(images)))}), source)
    from_parquet = tmp_path / "from-parquet.parquet"
    konomi("score", "--input", source, "--out", from_parquet, root=trained, check=True)
    again = read(from_parquet)
    assert set(again) == set(images)
    for path, row in again.items():
        if row["error"] is None:
            assert row["score"] == pytest.approx(rows[path]["score"], abs=1e-6)

    bad = tmp_path / "no-path.parquet"
    pq.write_table(pa.table({"file": images}), bad)
    refused = konomi("score", "--input", bad, "--out", tmp_path / "x.parquet", root=trained)
    assert refused.code == 1 and "'path'" in refused.err and "Traceback" not in refused.text


def test_rerun_scores_only_what_changed_and_each_input_once(trained, konomi, tmp_path):
    folder, images = image_folder(tmp_path / "outside", 20)
    out = tmp_path / "scores.parquet"
    konomi("score", "--input", folder, "--out", out, root=trained, check=True)
    first = read(out)

    again = konomi("score", "--input", folder, "--out", out, root=trained, check=True)
    assert said(again.out, "batch.resumed", reused=len(images))
    assert read(out) == first

    # One image replaced by a cool one (new size and mtime), one added, one removed: only the
    # changed and the new are scored, the removed one leaves the file.
    changed = Path(images[1])
    make_image(changed, color=(0, 60, 220), size=(80, 60))
    os.utime(changed, ns=(1_000_000_000, 1_000_000_000))
    added = make_image(folder / "a" / "new.png", color=(240, 120, 20), size=(50, 50))
    Path(images[2]).unlink()
    third = konomi("score", "--input", folder, "--out", out, root=trained, check=True)
    assert said(third.out, "batch.resumed", reused=len(images) - 2)
    rows = read(out)
    assert set(rows) == (set(images) - {images[2]}) | {added.as_posix()}
    assert rows[changed.as_posix()]["size"] == changed.stat().st_size
    assert rows[changed.as_posix()]["mtime_ns"] == 1_000_000_000


def test_a_crashed_run_is_resumed_from_its_parts(trained, konomi, tmp_path):
    """A run that died leaves part files (one cut short); the next run keeps the whole parts,
    scores the rest, and writes every input exactly once."""
    folder, images = image_folder(tmp_path / "outside", 30)
    full = tmp_path / "full.parquet"
    konomi("score", "--input", folder, "--out", full, root=trained, check=True)
    done = pq.read_table(full)
    out = tmp_path / "resumed.parquet"
    run_dir = out.parent / f".{out.name}.parts" / "run-crashed"
    run_dir.mkdir(parents=True)
    pq.write_table(done.slice(0, 10), run_dir / "part-000000.parquet")
    (run_dir / "part-000001.parquet").write_bytes(b"PAR1 cut short")
    result = konomi("score", "--input", folder, "--out", out, root=trained, check=True)
    assert said(result.out, "batch.resumed", reused=10)
    rows = read(out)
    assert set(rows) == set(images)
    assert not run_dir.parent.exists()
    ref = read(full)
    for path, row in rows.items():
        assert row["error"] == ref[path]["error"]
        if row["error"] is None:
            assert row["score"] == pytest.approx(ref[path]["score"], abs=1e-6)


def test_usage_errors_are_plain(trained, konomi, tmp_path):
    no_input = konomi("score", "--engine", "ray", root=trained)
    assert no_input.code == 2 and "--input" in no_input.err
    csv_out = konomi("score", "--input", tmp_path, "--out", tmp_path / "x.csv", root=trained)
    assert csv_out.code == 1 and ".parquet" in csv_out.err
    missing = konomi("score", "--input", tmp_path / "nope", "--out", tmp_path / "x.parquet",
                     root=trained)  # fmt: skip
    assert missing.code == 1 and said(missing.err, "batch.input_missing")
    assert "Traceback" not in no_input.text + csv_out.text + missing.text


def test_engine_ray_without_the_extra_says_how_to_install_it(trained, konomi, tmp_path):
    """An install without Ray: a `ray` that cannot be imported, first on the path."""
    shadow = tmp_path / "no-ray"
    (shadow / "ray").mkdir(parents=True)
    (shadow / "ray" / "__init__.py").write_text("raise ImportError('No module named ray')\n")
    folder, _ = image_folder(tmp_path / "outside", 4)
    result = konomi("score", "--input", folder, "--out", tmp_path / "r.parquet", "--engine",
                    "ray", root=trained, env={"PYTHONPATH": str(shadow)})  # fmt: skip
    assert result.code == 1, result.text
    assert said(result.err, "batch.no_ray") and "uv sync --extra ray" in result.err
    assert not (tmp_path / "r.parquet").exists()


@pytest.mark.slow
@needs_ray
def test_local_and_ray_engines_agree(trained, konomi, tmp_path):
    """The acceptance check: a few hundred images outside the workspace, scored by both
    engines; one row per image by absolute path, the same scores, a Ray session started by the
    second run, the folder unchanged."""
    folder, images = image_folder(tmp_path / "outside", 300)
    before = listing(folder)
    local = tmp_path / "local.parquet"
    ray_out = tmp_path / "ray.parquet"
    konomi("score", "--input", folder, "--out", local, root=trained, check=True)
    ran = konomi("score", "--input", folder, "--out", ray_out, "--engine", "ray", "--cpus", "2",
                 root=trained, timeout=280, check=True)  # fmt: skip
    assert said(ran.out, "batch.ray_started")
    session = ran.out.split("session ")[1].split()[0].rstrip(".")
    assert Path(session).is_dir(), session
    assert listing(folder) == before
    a, b = read(local), read(ray_out)
    assert set(a) == set(b) == set(images)
    for path in a:
        assert a[path]["error"] == b[path]["error"]
        assert a[path]["label"] == b[path]["label"]
        if a[path]["error"] is None:
            assert abs(a[path]["score"] - b[path]["score"]) <= 1e-4


@pytest.mark.slow
@needs_ray
def test_a_ray_worker_killed_mid_run_costs_only_its_batch(trained, konomi, tmp_path):
    """An encoder actor dies (os._exit, as a crash or the OOM killer would end it) on its first
    batch: Ray starts it again, the batch runs again, and every input is in the file once."""
    folder, images = image_folder(tmp_path / "outside", 120)
    trigger = tmp_path / "kill-one-actor"
    trigger.write_text("")
    out = tmp_path / "ray.parquet"
    ran = konomi("score", "--input", folder, "--out", out, "--engine", "ray", "--cpus", "2",
                 root=trained, timeout=280,
                 env={"KONOMI_RAY_FAULT_FILE": str(trigger)})  # fmt: skip
    assert ran.code == 0, ran.text
    assert not trigger.exists(), "no actor died: the test did not test anything"
    rows = read(out)
    assert set(rows) == set(images)
    assert sum(r["error"] is None for r in rows.values()) == len(images) - 1


def test_check_env_reports_ray(konomi, tmp_path):
    result = konomi("check-env", root=tmp_path)
    assert said(result.out, "batch.check_ray")
    if HAS_RAY:
        assert said(result.out, "batch.check_ray_present")
    else:
        assert said(result.out, "batch.check_ray_absent")


def test_batch_messages_exist_in_both_languages():
    from konomi.i18n import batch, missing, t

    assert not [k for k, _ in missing() if k.startswith("batch.")]
    for key in batch.MESSAGES:
        if not key.endswith("_fix"):  # a command line reads the same in every language
            assert t(key, "ja", **_FIELDS) != t(key, "en", **_FIELDS), key  # translated
        assert "{" not in t(key, "ja", **_FIELDS)


_FIELDS = {
    k: 1
    for k in (
        "path", "columns", "reason", "engine", "head", "model", "missing", "total", "like",
        "unsure", "dislike", "unreadable", "reused", "scored", "seconds", "rate", "cpus", "gpus",
        "session", "address", "options", "version",
    )
}  # fmt: skip
