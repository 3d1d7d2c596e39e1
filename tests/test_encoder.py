"""The encoder on real ONNX Runtime sessions: resolution, preprocessing, batching."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from factories.images import make_image
from factories.models import build_broken_models, build_model_dir, build_tiny_encoder
from messages import said
from PIL import Image

from konomi.encode.encoder import Encoder, Preprocess, choose_providers, resolve_model
from konomi.encode.images import load_image
from konomi.errors import ModelError


def test_embeddings_are_l2_normalised_and_batch_independent(tiny_model, tmp_path):
    encoder = Encoder(resolve_model(str(tiny_model)))
    images = [
        load_image(make_image(tmp_path / f"{i}.jpg", color=(20 * i, 100, 200))) for i in range(5)
    ]
    together = encoder.encode_images(images)
    one_by_one = np.concatenate([encoder.encode_images([im]) for im in images])
    assert together.shape == (5, encoder.dim) and together.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(together, one_by_one, atol=1e-5)


def test_input_size_comes_from_the_session_not_the_config(tmp_path):
    folder = build_model_dir(tmp_path / "m", size=40)
    cfg = folder / "visual" / "preprocess_cfg.json"
    cfg.write_text(json.dumps({**json.loads(cfg.read_text()), "size": [224, 224]}))
    encoder = Encoder(resolve_model(str(folder)))
    assert encoder.size == 40
    assert encoder.preprocess.apply(Image.new("RGB", (300, 100))).shape == (3, 40, 40)


def test_shortest_side_resize_crops_the_centre_and_squash_does_not():
    image = Image.new("RGB", (300, 100), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 100, 100))  # a red left third
    shortest = Preprocess(size=10).apply(image)
    squash = Preprocess(size=10, resize_mode="squash").apply(image)
    red = (1.0 - Preprocess().mean[0]) / Preprocess().std[0]
    assert shortest[0].max() < red / 2  # the centre crop shows only blue
    assert squash[0, :, 0].min() > red * 0.9  # squashing keeps the red third on the left


def test_a_bare_onnx_file_uses_the_preprocess_config_beside_it(tmp_path):
    onnx_path = build_tiny_encoder(tmp_path / "solo" / "encoder.onnx", size=24)
    files = resolve_model(str(onnx_path))
    assert files.preprocess.size is None  # CLIP defaults, size read from the session
    shutil.copy(
        build_model_dir(tmp_path / "m") / "visual" / "preprocess_cfg.json",
        onnx_path.with_name("preprocess_cfg.json"),
    )
    cfg = resolve_model(str(onnx_path)).preprocess
    assert cfg.size == 32 and cfg.interpolation == "bicubic"
    assert Encoder(files).size == 24


def test_a_folder_with_just_model_onnx_is_a_model_too(tmp_path):
    folder = build_model_dir(tmp_path / "immich")
    flat = tmp_path / "flat"
    flat.mkdir()
    shutil.copy(folder / "visual" / "model.onnx", flat / "model.onnx")
    shutil.copy(folder / "visual" / "preprocess_cfg.json", flat / "preprocess_cfg.json")
    files = resolve_model(str(flat))
    assert files.onnx_path == (flat / "model.onnx").resolve()
    assert files.preprocess == resolve_model(str(folder)).preprocess
    assert Encoder(files).size == 32


def test_a_fixed_batch_model_is_fed_one_image_at_a_time(tmp_path):
    broken = build_broken_models(tmp_path / "models")
    encoder = Encoder(resolve_model(str(broken["fixed_batch"])))
    batch = np.random.default_rng(0).normal(size=(3, 3, encoder.size, encoder.size))
    out = encoder.encode(batch.astype(np.float32))
    assert out.shape == (3, encoder.dim)


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("missing_dir", "not found"),
        ("no_visual", "visual/model.onnx"),
        ("truncated_onnx", "does not load"),
        ("not_onnx", "does not load"),
        ("wrong_rank", "[N, 3, H, W]"),
        ("bad_output", "[N, d]"),
        ("bad_preprocess_json", "not valid JSON"),
        ("preprocess_missing_keys", "size, mean, std"),
    ],
)
def test_broken_models_raise_one_clear_error(tmp_path, case, words):
    broken = build_broken_models(tmp_path / "models")
    with pytest.raises(ModelError) as info:
        Encoder(resolve_model(str(broken[case])))
    assert words in str(info.value)


def test_unknown_device_is_refused_with_the_choices():
    with pytest.raises(ModelError) as caught:
        choose_providers("tpu")
    assert said(caught.value.hint, "errors.app.choose_one") or said(
        caught.value.message, "errors.app.choose_one"
    )
    assert choose_providers("cpu") == ["CPUExecutionProvider"]
