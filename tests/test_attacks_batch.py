"""Attacks on `konomi score --input` and `--model` (docs/safety.md, "Datasets and models"):
NUL bytes in a paths list or a Parquet column, `--out` onto an input or onto a file konomi did
not write, odd `--input` values, model names the hub cannot take. Each ends in a message or a
row with a reason — never "A bug in konomi" — and nothing the person had is lost. Local engine.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from factories.images import make_image, make_taste_set
from messages import said
from test_crash import train_in_process

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

BUG = "A bug in konomi"


def _no_crash(result) -> None:  # noqa: ANN001
    assert BUG not in result.text and "Traceback" not in result.text, result.text


@pytest.fixture(scope="module")
def trained_template(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Path:
    root = tmp_path_factory.mktemp("batchattacks") / "ws"
    make_taste_set(root / "data" / "train", 6, 6, seed=5)
    train_in_process(root, tiny_model)
    return root


@pytest.fixture
def ws(trained_template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(trained_template, tmp_path / "ws", symlinks=True))


@pytest.fixture
def photos(tmp_path: Path) -> list[Path]:
    return [
        make_image(tmp_path / "imgs" / f"i{i}.jpg", seed=70 + i, size=(40, 32)) for i in range(3)
    ]


# -- 10. NUL bytes --------------------------------------------------------------------------------
def test_a_nul_in_a_paths_list_is_a_row_with_a_reason(ws, tmp_path, photos, konomi):
    listing = tmp_path / "list.txt"
    listing.write_text(f"{photos[0]}\n{tmp_path}/x\x00y.jpg\n{photos[1]}\n", encoding="utf-8")
    out = tmp_path / "o.parquet"
    result = konomi("score", "--input", listing, "--out", out, root=ws)
    _no_crash(result)
    assert result.code == 0, result.text
    rows = pq.read_table(out).to_pylist()
    assert len(rows) == 3
    bad = [r for r in rows if r["error"]]
    assert len(bad) == 1 and "\\x00" in bad[0]["path"]
    assert said(bad[0]["error"], "batch.nul_in_path")
    again = konomi("score", "--input", listing, "--out", out, root=ws)  # a rerun reuses it
    _no_crash(again)
    assert again.code == 0, again.text


def test_a_nul_in_a_parquet_path_column_is_a_row_with_a_reason(ws, tmp_path, photos, konomi):
    source = tmp_path / "in.parquet"
    pq.write_table(pa.table({"path": [str(photos[0]), "x\x00.jpg"]}), source)
    out = tmp_path / "o.parquet"
    result = konomi("score", "--input", source, "--out", out, root=ws)
    _no_crash(result)
    assert result.code == 0, result.text
    assert len(pq.read_table(out)) == 2


@pytest.mark.parametrize(
    "column",
    [[1, 2], [b"/a.jpg", b"/b.jpg"], [0.5, 1.5], [True, False]],
)
def test_a_path_column_that_is_not_text_is_refused(ws, tmp_path, konomi, column):
    source = tmp_path / "in.parquet"
    pq.write_table(pa.table({"path": column}), source)
    result = konomi("score", "--input", source, "--out", tmp_path / "o.parquet", root=ws)
    _no_crash(result)
    assert result.code == 1 and said(result.text, "batch.path_column_type"), result.text
    assert not (tmp_path / "o.parquet").exists()


# -- 11. --out never destroys anything -----------------------------------------------------------
def test_out_onto_its_own_parquet_input_is_refused(ws, tmp_path, photos, konomi):
    source = tmp_path / "d.parquet"
    pq.write_table(pa.table({"path": [str(p) for p in photos], "caption": ["a", "b", "c"]}), source)
    before = source.read_bytes()
    (tmp_path / "link").symlink_to(tmp_path)
    for out in (source, tmp_path / "link" / "d.parquet"):
        result = konomi("score", "--input", source, "--out", out, root=ws)
        _no_crash(result)
        assert result.code == 1 and said(result.text, "batch.out_is_input"), result.text
        assert source.read_bytes() == before


def test_out_onto_a_listed_file_through_a_linked_folder_is_refused(ws, tmp_path, photos, konomi):
    victim = photos[0].with_name("photo.parquet")
    shutil.copy(photos[0], victim)
    before = victim.read_bytes()
    listing = tmp_path / "list.txt"
    listing.write_text(f"{victim}\n{photos[1]}\n", encoding="utf-8")
    (tmp_path / "via").symlink_to(victim.parent)
    result = konomi(
        "score", "--input", listing, "--out", tmp_path / "via" / "photo.parquet", root=ws
    )
    _no_crash(result)
    assert result.code == 1 and said(result.text, "batch.out_is_input"), result.text
    assert victim.read_bytes() == before


@pytest.mark.parametrize("kind", ["text", "dataset", "folder", "link"])
def test_out_never_replaces_a_file_konomi_did_not_write(ws, tmp_path, photos, konomi, kind):
    out = tmp_path / "mine.parquet"
    if kind == "text":
        out.write_text("my notes\n", encoding="utf-8")
    elif kind == "dataset":
        pq.write_table(pa.table({"path": ["x"], "caption": ["keep me"]}), out)
    elif kind == "folder":
        out.mkdir()
    else:
        (tmp_path / "target.txt").write_text("linked\n", encoding="utf-8")
        out.symlink_to(tmp_path / "target.txt")
    before = sorted(p.name for p in tmp_path.iterdir())
    snapshot = out.read_bytes() if out.is_file() else None
    result = konomi("score", "--input", photos[0].parent, "--out", out, root=ws)
    _no_crash(result)
    assert result.code == 1 and said(result.text, "batch.out_not_ours"), result.text
    assert (out.read_bytes() if out.is_file() else None) == snapshot
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no .tmp-PID, no parts left


def test_out_replaces_its_own_previous_output(ws, tmp_path, photos, konomi):
    out = tmp_path / "o.parquet"
    for _ in range(2):
        result = konomi("score", "--input", photos[0].parent, "--out", out, root=ws)
        assert result.code == 0, result.text
    assert len(pq.read_table(out)) == 3


# -- minor: odd --input values --------------------------------------------------------------------
def test_an_empty_input_is_refused_not_the_current_folder(ws, tmp_path, konomi):
    result = konomi("score", "--input", "", "--out", tmp_path / "o.parquet", root=ws)
    _no_crash(result)
    assert result.code == 1 and said(result.text, "batch.input_empty"), result.text


def test_a_fifo_input_is_said_to_be_one(ws, tmp_path, konomi):
    import os

    os.mkfifo(tmp_path / "pipe.txt")
    result = konomi(
        "score", "--input", tmp_path / "pipe.txt", "--out", tmp_path / "o.parquet", root=ws
    )
    _no_crash(result)
    assert result.code == 1 and said(result.text, "batch.input_not_file"), result.text


# -- 14. model names the hub cannot take ----------------------------------------------------------
@pytest.mark.parametrize("model", ["my model/ViT B", "owner/-bad", "owner/" + "x" * 100])
def test_a_bad_model_value_is_the_model_message(ws, konomi, model):
    result = konomi("score", "--model", model, root=ws)
    _no_crash(result)
    assert result.code == 3 and said(result.text, "errors.model.not_found"), result.text
