"""The int8 twin: quantised once and cached, used only when it scores the labelled images like
fp32, refused with a clear message otherwise."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from messages import said

from konomi.app.loop import Context, all_images
from konomi.app.precision import choose_model
from konomi.encode.encoder import Encoder, resolve_model
from konomi.encode.quantize import (
    CHECK_FILE,
    Agreement,
    agreement,
    quantized_files,
    spearman,
)


def test_spearman_matches_the_textbook_values():
    assert spearman(np.array([1, 2, 3, 4]), np.array([1, 3, 2, 4])) == pytest.approx(0.8)
    assert spearman(np.array([1, 2, 3]), np.array([3, 2, 1])) == pytest.approx(-1.0)
    # Ties get their average rank (scipy.stats.spearmanr gives 0.8660254).
    assert spearman(np.array([1, 1, 2]), np.array([1, 2, 3])) == pytest.approx(0.8660254)


def test_agreement_counts_flipped_decisions():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 8)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    same = agreement(X, X.copy(), y)
    assert same.passed and same.spearman == pytest.approx(1.0) and same.same_decision == 1.0
    shuffled = agreement(X, X[rng.permutation(60)], y)
    assert not shuffled.passed and shuffled.same_decision < 0.9


def test_the_int8_twin_is_made_once_next_to_the_model(tiny_model):
    files = resolve_model(str(tiny_model))
    twin = quantized_files(files)
    assert twin.onnx_path.parent == files.onnx_path.parent and twin.onnx_path.is_file()
    assert twin.model_id == files.model_id + "+int8"
    made = twin.onnx_path.stat().st_mtime_ns
    assert quantized_files(files).onnx_path == twin.onnx_path
    assert twin.onnx_path.stat().st_mtime_ns == made  # reused, not quantised again
    images = np.random.default_rng(0).uniform(-2, 2, (4, 3, 32, 32)).astype(np.float32)
    fp32, int8 = Encoder(files).encode(images), Encoder(twin).encode(images)
    assert np.all(np.sum(fp32 * int8, axis=1) > 0.95)  # close, not equal


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_model_folder_puts_the_twin_in_the_workspace(tiny_model, tmp_path):
    import shutil

    folder = shutil.copytree(tiny_model, tmp_path / "ro-model")
    visual = folder / "visual"
    visual.chmod(0o555)
    try:
        twin = quantized_files(resolve_model(str(folder)), fallback_dir=tmp_path / "state")
        assert twin.onnx_path.parent == tmp_path / "state"
    finally:
        visual.chmod(0o755)


def _context(root, tiny_model) -> Context:
    return Context.open(root, model=str(tiny_model), precision="int8")


def test_int8_is_used_when_it_passes_the_check_and_caches_under_its_own_id(workspace, tiny_model):
    ws = workspace(n_like=12, n_dislike=12, n_unlabeled=6)
    ctx = _context(ws.root, tiny_model)
    fp32 = resolve_model(str(tiny_model))
    chosen = choose_model(ctx, fp32, min_spearman=0.9, min_agreement=0.9)
    assert chosen.model_id == fp32.model_id + "+int8" and not ctx.reporter.warnings
    record = json.loads((ws.root / ".konomi" / CHECK_FILE).read_text())
    assert record["agreement"]["n"] == 24

    ctx.model_files = chosen  # what Context.model would hold after this choice
    paths = all_images(ctx.ws, [])
    embedded = ctx.embed(paths)
    rows = dict(
        ctx.cache.db.execute(
            "SELECT f.model, COUNT(*) FROM vector_slots s JOIN vector_files f ON s.file = f.id "
            "GROUP BY f.model"
        ).fetchall()
    )
    assert rows[chosen.model_id] == len(embedded.paths) == len(paths)
    assert rows[fp32.model_id] == 24  # the labelled images, embedded for the check
    ctx.close()


def test_int8_is_refused_with_the_numbers_when_it_scores_differently(workspace, tiny_model):
    ws = workspace(n_like=12, n_dislike=12, n_unlabeled=0)
    ctx = _context(ws.root, tiny_model)
    fp32 = resolve_model(str(tiny_model))
    chosen = choose_model(ctx, fp32, min_spearman=1.01)  # no model can pass this
    assert chosen == fp32
    (warning,) = ctx.reporter.warnings
    assert said(warning, "errors.app.int8_refused")
    assert said(warning, "errors.model.int8_agreement")
    ctx.close()


def test_the_verdict_is_remembered_until_the_labelled_images_change(workspace, tiny_model):
    ws = workspace(n_like=12, n_dislike=12, n_unlabeled=0)
    fp32 = resolve_model(str(tiny_model))
    ctx = _context(ws.root, tiny_model)
    assert choose_model(ctx, fp32, min_spearman=0.9, min_agreement=0.9) != fp32
    ctx.close()
    # A remembered failing verdict is believed as long as the images are the same ...
    path = ws.root / ".konomi" / CHECK_FILE
    record = json.loads(path.read_text())
    record["agreement"]["spearman"] = 0.5
    path.write_text(json.dumps(record))
    ctx = _context(ws.root, tiny_model)
    assert choose_model(ctx, fp32, min_spearman=0.9, min_agreement=0.9) == fp32
    assert said(ctx.reporter.warnings[0], "errors.model.int8_agreement", spearman=0.5)
    ctx.close()
    # ... and checked again once they change.
    next(iter((ws.root / "data" / "train" / "like").iterdir())).unlink()
    ctx = _context(ws.root, tiny_model)
    assert choose_model(ctx, fp32, min_spearman=0.9, min_agreement=0.9) != fp32
    assert json.loads(path.read_text())["agreement"]["n"] == 23
    ctx.close()


def test_too_few_labelled_images_keep_fp32_and_say_why(workspace, tiny_model):
    ws = workspace(n_like=4, n_dislike=4, n_unlabeled=2)
    ctx = _context(ws.root, tiny_model)
    fp32 = resolve_model(str(tiny_model))
    assert choose_model(ctx, fp32) == fp32
    assert said(ctx.reporter.warnings[0], "errors.app.int8_unchecked", n=10)
    ctx.close()


def _remember_verdict(root, tiny_model, *, spearman: float, same_decision: float) -> None:
    """Run the int8 check once with the thresholds the CLI uses, then replace the remembered
    numbers: whether int8 passes then no longer depends on how this CPU rounds int8."""
    ctx = _context(root, tiny_model)
    choose_model(ctx, resolve_model(str(tiny_model)))
    ctx.close()
    path = root / ".konomi" / CHECK_FILE
    record = json.loads(path.read_text())
    record["agreement"].update(spearman=spearman, same_decision=same_decision)
    path.write_text(json.dumps(record))


def test_the_cli_takes_precision_and_says_when_int8_is_refused(workspace, tiny_model, konomi):
    """Both outcomes of the check, forced: a verdict no encoder could pass, then a perfect one."""
    ws = workspace(n_like=15, n_dislike=15, n_unlabeled=4)
    _remember_verdict(ws.root, tiny_model, spearman=0.5, same_decision=0.5)
    result = konomi("embed", "--precision", "int8", root=ws.root, check=True)
    assert said(result.out, "cli.embed.done", new=4, cached=30)  # the check embedded data/train
    assert said(result.err, "errors.app.int8_refused")
    assert said(result.err, "errors.model.int8_agreement", spearman=0.5)
    assert "Traceback" not in result.text
    verdict = Agreement(**json.loads((ws.root / ".konomi" / CHECK_FILE).read_text())["agreement"])
    assert not verdict.passed

    _remember_verdict(ws.root, tiny_model, spearman=1.0, same_decision=1.0)
    result = konomi("embed", "--precision", "int8", root=ws.root, check=True)
    assert not said(result.text, "errors.app.int8_refused") and "Traceback" not in result.text
    assert said(result.out, "cli.int8.used")  # said, not silent
    assert said(
        result.out, "cli.embed.done", new=4, cached=30
    )  # int8 vectors of data/train, from the check
    bad = konomi("embed", "--precision", "fp16", root=ws.root)
    assert bad.code != 0 and "fp16" in bad.err and "Traceback" not in bad.text
