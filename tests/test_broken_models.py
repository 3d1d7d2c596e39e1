"""Broken models: one clear message each, exit code 3, no traceback, before any file is touched.

Each broken model (tests/factories/models.py) is given to `konomi classify` on a trained
workspace; the workspace's data and models are hashed before and after. The model that is only
unusual (a batch fixed at 1) must work end to end.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from factories.images import make_image, make_taste_set
from factories.models import build_broken_models, build_model_dir
from messages import said
from test_corrupt_state import invoke, short
from test_crash import train_in_process
from test_moves import layout

from konomi.errors import ExitCode

EXPECTED = {
    "missing_dir": "Model not found",
    "no_visual": "has no visual/model.onnx",
    "truncated_onnx": "The model file does not load",
    "not_onnx": "The model file does not load",
    "wrong_rank": "the input should be an image batch [N, 3, H, W]",
    "bad_output": "the output should be embeddings [N, d]",
    "bad_preprocess_json": "preprocessing file is not valid JSON",
    "preprocess_missing_keys": "Keys missing from",
    "too_small_input": "too small to be an image model",
    "missing_onnx_file": "Model file not found",
    "truncated_onnx_file": "The model file does not load",
}


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("broken-models")
    models = build_broken_models(root)
    models["too_small_input"] = build_model_dir(root / "too_small_input", size=4)
    models["missing_onnx_file"] = root / "gone" / "model.onnx"
    models["truncated_onnx_file"] = models["truncated_onnx"] / "visual" / "model.onnx"
    return models


@pytest.fixture(scope="module")
def trained_once(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A trained workspace with its cache, built once for the module."""
    root = tmp_path_factory.mktemp("trained") / "ws"
    make_taste_set(root / "data" / "train", 8, 8, seed=0)
    for i in range(5):
        make_image(root / "data" / "unlabeled" / f"u{i}.jpg", seed=40 + i)
    train_in_process(root, tiny_model)
    return root


@pytest.fixture
def ws(trained_once: Path, tmp_path: Path) -> Path:
    """A fresh copy of the trained workspace for each test."""
    return Path(shutil.copytree(trained_once, tmp_path / "ws", symlinks=True))


def everything(root: Path) -> dict[str, str]:
    """data/ and models/ (relative path -> hash): what a broken model must leave untouched."""
    return {
        **layout(root),
        **{
            f"models/{p.name}": p.read_text(errors="replace")
            for p in (root / "models").iterdir()
            if p.suffix == ".json"
        },
    }


@pytest.mark.parametrize("kind", sorted(EXPECTED))
@pytest.mark.parametrize("how", ["flag", "env"])
def test_broken_model_is_refused_before_anything_moves(ws, tiny_model, broken, kind, how):
    before = everything(ws)
    if how == "flag":
        run = invoke(ws, "classify", "--model", str(broken[kind]), model=tiny_model)
    else:
        run = invoke(ws, "classify", model=broken[kind])
    assert run.code == ExitCode.MODEL, run.text
    lines = short(run)
    assert 1 <= len(lines) <= 2, lines
    assert lines[0].startswith("error: ") and EXPECTED[kind] in lines[0], lines
    assert everything(ws) == before


@pytest.mark.parametrize("command", ["score", "train", "embed"])
def test_other_commands_refuse_a_broken_model_too(ws, tiny_model, broken, command):
    before = everything(ws)
    run = invoke(ws, command, model=broken["truncated_onnx"])
    assert run.code == ExitCode.MODEL, run.text
    assert said(run.err, "errors.model.does_not_load")
    assert everything(ws) == before


def test_a_model_with_a_batch_fixed_at_one_works(ws, broken):
    fixed = broken["fixed_batch"]
    assert invoke(ws, "train", "--folds", "2", model=fixed).code == 0
    run = invoke(ws, "classify", model=fixed)
    assert run.code == 0, run.text
    assert said(run.out, "cli.classify.sorted", n=5)
    assert not list((ws / "data" / "unlabeled").iterdir())


def test_a_hub_model_that_is_not_downloaded_offline(konomi, workspace):
    """Real process: huggingface_hub reads HF_HUB_OFFLINE when it is imported."""
    ws = workspace(n_like=2, n_dislike=2, n_unlabeled=2)
    run = konomi("classify", "--model", "someone/not-downloaded", root=ws.root)
    assert run.code == ExitCode.MODEL, run.text
    assert said(run.err, "errors.model.offline", repo="someone/not-downloaded")
    assert said(run.err, "errors.model.offline_hint")
    assert "Traceback" not in run.text
