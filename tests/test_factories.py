"""The test factories do what they promise, so later tests can trust them.

Nothing here touches konomi: a broken factory must fail here, not as a confusing failure in a
product test.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import unicodedata
import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from factories.images import (
    HOSTILE_READABLE,
    ORIENTATION_SIZE,
    assert_conserved,
    expected_unreadable,
    file_hashes,
    make_format_zoo,
    make_hostile_zoo,
    make_image,
    make_taste_set,
    make_unlabeled_set,
    orientation_reference,
)
from factories.models import (
    CLIP_MEAN,
    CLIP_STD,
    DEFAULT_COMMIT,
    HUB_PATTERNS,
    build_broken_models,
    build_hub_cache,
    build_model_dir,
    build_tiny_encoder,
    offline_hub_env,
)
from PIL import Image, ImageOps

PILLOW_BOMB_ERROR_PIXELS = 178_956_970  # 2 * Image.MAX_IMAGE_PIXELS: Pillow raises above this


def _session(model_dir: Path) -> ort.InferenceSession:
    return ort.InferenceSession(
        str(model_dir / "visual" / "model.onnx"), providers=["CPUExecutionProvider"]
    )


def _to_batch(paths: list[Path], size: int) -> np.ndarray:
    """Plain CLIP preprocessing (resize, scale, mean/std, NCHW), independent of konomi."""
    arrays = []
    for p in paths:
        with Image.open(p) as im:
            rgb = im.convert("RGB").resize((size, size), Image.Resampling.BICUBIC)
        arrays.append((np.asarray(rgb, np.float32) / 255.0 - CLIP_MEAN) / CLIP_STD)
    return np.stack(arrays).transpose(0, 3, 1, 2).astype(np.float32)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_model_dir(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="module")
def format_zoo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_format_zoo(tmp_path_factory.mktemp("zoo"))


@pytest.fixture(scope="module")
def hostile_zoo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_hostile_zoo(tmp_path_factory.mktemp("hostile"))


# --------------------------------------------------------------------------- models


def test_model_dir_has_immich_layout(model_dir: Path) -> None:
    assert json.loads((model_dir / "config.json").read_text())["embed_dim"] == 16
    cfg = json.loads((model_dir / "visual" / "preprocess_cfg.json").read_text())
    assert cfg["size"] == [32, 32]
    assert cfg["mean"] == list(CLIP_MEAN) and cfg["std"] == list(CLIP_STD)
    model = onnx.load(str(model_dir / "visual" / "model.onnx"))
    assert model.ir_version == 8
    assert model.opset_import[0].version == 17


@pytest.mark.parametrize("batch", [1, 5])
def test_tiny_encoder_runs_with_dynamic_batch(model_dir: Path, batch: int) -> None:
    sess = _session(model_dir)
    (inp,) = sess.get_inputs()
    (out,) = sess.get_outputs()
    assert (inp.name, inp.shape) == ("image", ["batch", 3, 32, 32])
    assert (out.name, out.shape) == ("embedding", ["batch", 16])
    x = np.random.default_rng(0).normal(size=(batch, 3, 32, 32)).astype(np.float32)
    (emb,) = sess.run(None, {"image": x})
    assert emb.shape == (batch, 16) and emb.dtype == np.float32
    assert np.isfinite(emb).all()


def test_encoder_options(tmp_path: Path) -> None:
    path = build_tiny_encoder(
        tmp_path / "m.onnx", size=24, dim=8, dynamic_batch=False, input_name="pixel_values"
    )
    sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert sess.get_inputs()[0].name == "pixel_values"
    assert sess.get_inputs()[0].shape == [1, 3, 24, 24]
    assert sess.get_outputs()[0].shape == [1, 8]


def test_encoder_is_deterministic_per_seed(tmp_path: Path) -> None:
    a = build_tiny_encoder(tmp_path / "a.onnx", seed=1).read_bytes()
    b = build_tiny_encoder(tmp_path / "b.onnx", seed=1).read_bytes()
    c = build_tiny_encoder(tmp_path / "c.onnx", seed=2).read_bytes()
    assert a == b and a != c


def test_embedding_depends_on_colour_and_structure(model_dir: Path) -> None:
    sess = _session(model_dir)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 3, 32, 32)).astype(np.float32)
    # Same pixels in another arrangement: identical mean colour, different structure.
    shuffled = x.reshape(1, 3, -1)[:, :, rng.permutation(32 * 32)].reshape(x.shape)
    recoloured = x + np.array([1.0, 0.0, -1.0], np.float32).reshape(1, 3, 1, 1)
    emb = [sess.run(None, {"image": v})[0][0] for v in (x, shuffled, recoloured)]
    assert not np.allclose(emb[0], emb[1], atol=1e-3)
    assert not np.allclose(emb[0], emb[2], atol=1e-3)


def test_warm_and_cool_images_are_linearly_separable(tmp_path: Path, model_dir: Path) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    likes, dislikes = make_taste_set(tmp_path, 20, 20, seed=0)
    (emb,) = _session(model_dir).run(None, {"image": _to_batch(likes + dislikes, 32)})
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    y = np.array([1] * len(likes) + [0] * len(dislikes))
    accuracy = cross_val_score(LogisticRegression(max_iter=1000), emb, y, cv=5).mean()
    assert accuracy >= 0.95


def test_broken_models_table(tmp_path: Path) -> None:
    broken = build_broken_models(tmp_path)
    assert set(broken) == {
        "missing_dir",
        "no_visual",
        "truncated_onnx",
        "not_onnx",
        "wrong_rank",
        "bad_output",
        "bad_preprocess_json",
        "preprocess_missing_keys",
        "fixed_batch",
    }
    assert not broken["missing_dir"].exists()
    assert (broken["no_visual"] / "config.json").is_file()
    assert not (broken["no_visual"] / "visual").exists()
    for key in ("truncated_onnx", "not_onnx"):
        with pytest.raises(Exception):  # noqa: B017 - onnxruntime raises its own classes
            _session(broken[key])
    assert len(_session(broken["wrong_rank"]).get_inputs()[0].shape) == 2
    assert len(_session(broken["bad_output"]).get_outputs()[0].shape) == 3
    with pytest.raises(json.JSONDecodeError):
        json.loads((broken["bad_preprocess_json"] / "visual" / "preprocess_cfg.json").read_text())
    cfg = broken["preprocess_missing_keys"] / "visual" / "preprocess_cfg.json"
    assert json.loads(cfg.read_text()) == {}

    fixed = _session(broken["fixed_batch"])
    assert fixed.get_inputs()[0].shape == [1, 3, 32, 32]
    (emb,) = fixed.run(None, {"image": np.zeros((1, 3, 32, 32), np.float32)})
    assert emb.shape == (1, 16)


def test_hub_cache_layout(tmp_path: Path) -> None:
    snapshot = build_hub_cache(tmp_path)
    storage = tmp_path / "models--immich-app--ViT-B-32__openai"
    assert snapshot == storage / "snapshots" / DEFAULT_COMMIT
    assert (storage / "refs" / "main").read_text() == DEFAULT_COMMIT
    for rel in ("config.json", "visual/model.onnx", "visual/preprocess_cfg.json"):
        link = snapshot / rel
        assert link.is_file()
        if link.is_symlink():  # relative, into blobs/, exactly as huggingface_hub makes them
            target = os.readlink(link)
            assert not os.path.isabs(target)
            assert link.resolve().parent == (storage / "blobs").resolve()
    onnx_blob = (snapshot / "visual" / "model.onnx").resolve().name
    assert len(onnx_blob) == 64  # LFS file: blob named by sha256
    assert len((snapshot / "config.json").resolve().name) == 40  # regular file: git sha1


def test_hub_cache_resolves_offline(tmp_path: Path) -> None:
    """huggingface_hub reads HF_HUB_CACHE/HF_HUB_OFFLINE at import, so ask a fresh process."""
    cache = tmp_path / "hub"
    snapshot = build_hub_cache(cache)
    code = (
        "import json, sys\n"
        "import huggingface_hub as h, huggingface_hub.constants\n"
        "repo = 'immich-app/ViT-B-32__openai'\n"
        "print(json.dumps([\n"
        "    h.constants.HF_HUB_OFFLINE,\n"
        "    h.snapshot_download(repo, allow_patterns=json.loads(sys.argv[1])),\n"
        "    h.hf_hub_download(repo, 'visual/model.onnx'),\n"
        "]))\n"
    )
    env = {**os.environ, **offline_hub_env(cache)}
    proc = subprocess.run(
        [sys.executable, "-c", code, json.dumps(HUB_PATTERNS)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    offline, folder, onnx_file = json.loads(proc.stdout.strip().splitlines()[-1])
    assert offline is True
    assert Path(folder) == snapshot
    assert Path(onnx_file) == snapshot / "visual" / "model.onnx"


# --------------------------------------------------------------------------- images


def test_make_image_format_from_suffix_or_fmt(tmp_path: Path) -> None:
    with Image.open(make_image(tmp_path / "a" / "x.PNG")) as im:
        assert im.format == "PNG" and im.size == (64, 48)
    with Image.open(make_image(tmp_path / "disguised.png", fmt="JPEG")) as im:
        assert im.format == "JPEG"
    first, second = make_image(tmp_path / "1.jpg"), make_image(tmp_path / "2.jpg")
    assert first.read_bytes() == second.read_bytes()


def test_taste_set_is_deterministic_varied_and_mixed(tmp_path: Path) -> None:
    likes, dislikes = make_taste_set(tmp_path / "a", 14, 14, seed=5)
    again, _ = make_taste_set(tmp_path / "b", 14, 14, seed=5)
    assert [p.read_bytes() for p in likes] == [p.read_bytes() for p in again]
    assert all(p.parent == tmp_path / "a" / "like" for p in likes)
    assert all(p.parent == tmp_path / "a" / "dislike" for p in dislikes)
    assert len({p.read_bytes() for p in likes + dislikes}) == 28
    assert {p.suffix for p in likes} == {".jpg", ".png", ".webp"}
    means = [np.asarray(Image.open(p).convert("RGB"), np.float32).mean((0, 1)) for p in likes]
    assert all(r > b for r, _g, b in means)  # warm: more red than blue


def test_unlabeled_set_hides_labels(tmp_path: Path) -> None:
    truth = make_unlabeled_set(tmp_path, 6, 5, 3, n_ambiguous=2)
    labels = list(truth.values())
    assert (labels.count(1), labels.count(0), labels.count(None)) == (6, 5, 2)
    assert {p.parent for p in truth} == {tmp_path}
    assert all(p.name.startswith("img_") for p in truth)
    assert labels != sorted(labels, key=lambda v: -1 if v is None else v)  # shuffled


def test_format_zoo_all_open(format_zoo: dict[str, Path]) -> None:
    for key, path in format_zoo.items():
        with Image.open(path) as im:
            im.load()
            assert im.width > 0, key

    def opened(key: str) -> Image.Image:
        with Image.open(format_zoo[key]) as im:  # closed at once: warnings are errors here
            im.load()
            return im

    def frames(key: str) -> int:
        with Image.open(format_zoo[key]) as im:
            return im.n_frames

    modes = {k: opened(k).mode for k in format_zoo}
    assert modes["png_rgba"] == "RGBA"
    assert modes["png_la"] == "LA"
    assert modes["png_palette_transparency"] == "P"
    assert "transparency" in opened("png_palette_transparency").info
    assert modes["jpeg_cmyk"] == "CMYK"
    assert modes["png_i16"] == "I;16"
    assert modes["jpeg_greyscale"] == "L"
    assert frames("gif_animated") == 2
    assert frames("webp_animated") == 2
    assert opened("jpeg_large").size == (4000, 3000)
    assert opened("png_1px").size == (1, 1)


def test_format_zoo_names(format_zoo: dict[str, Path]) -> None:
    assert format_zoo["upper_case_ext"].name == "PHOTO.JPG"
    assert " " in format_zoo["name_with_spaces"].name
    nfc, nfd = format_zoo["japanese_nfc"].name, format_zoo["japanese_nfd"].name
    assert unicodedata.is_normalized("NFC", nfc)
    assert not unicodedata.is_normalized("NFC", nfd)
    assert nfd in os.listdir(format_zoo["japanese_nfd"].parent)  # stored as NFD bytes
    for key in ("long_name", "long_name_multibyte"):
        assert 240 <= len(format_zoo[key].name.encode()) <= 250, key
    assert len(format_zoo["long_name_multibyte"].name) < 100


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientations_show_the_same_upright_picture(
    format_zoo: dict[str, Path], orientation: int
) -> None:
    with Image.open(format_zoo[f"jpeg_orientation_{orientation}"]) as im:
        assert im.getexif()[0x0112] == orientation
        stored_size = im.size
        upright = ImageOps.exif_transpose(im)
    assert stored_size == (ORIENTATION_SIZE if orientation <= 4 else ORIENTATION_SIZE[::-1])
    assert upright.size == ORIENTATION_SIZE
    diff = np.abs(
        np.asarray(upright.convert("RGB"), np.int16) - np.asarray(orientation_reference(), np.int16)
    )
    assert diff.mean() < 6  # JPEG noise only; a wrong rotation differs by ~40+


def test_hostile_zoo_unreadable_files_fail(hostile_zoo: dict[str, Path]) -> None:
    unreadable = expected_unreadable(hostile_zoo)
    assert set(unreadable) == set(hostile_zoo) - HOSTILE_READABLE
    for key, path in unreadable.items():
        if not path.is_file():
            assert key == "dir_named_jpg" and path.is_dir()
            continue
        with pytest.raises((OSError, Image.DecompressionBombError)), Image.open(path) as im:
            im.load()
    for key in HOSTILE_READABLE:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow complains about the EXIF, as it should
            with Image.open(hostile_zoo[key]) as im:
                im.load()


def test_bomb_is_small_but_declares_huge_size(hostile_zoo: dict[str, Path]) -> None:
    path = hostile_zoo["decompression_bomb"]
    assert path.stat().st_size < 100_000
    data = path.read_bytes()
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width * height > PILLOW_BOMB_ERROR_PIXELS
    with pytest.raises(Image.DecompressionBombError):
        Image.open(path)


def test_broken_exif_is_readable_but_lies(hostile_zoo: dict[str, Path]) -> None:
    with pytest.warns(UserWarning), Image.open(hostile_zoo["readable_broken_exif"]) as im:
        assert im.getexif().get(0x0112) == 9  # not a valid orientation
        assert ImageOps.exif_transpose(im).size == im.size


# --------------------------------------------------------------------------- conservation


def test_conservation_tracks_content_not_location(tmp_path: Path) -> None:
    src = tmp_path / "photos"
    make_taste_set(src, 3, 3)
    before = file_hashes(src)
    assert sum(before.values()) == 6

    moved = tmp_path / "sorted" / "liked"
    moved.mkdir(parents=True)
    for p in (src / "like").iterdir():
        p.rename(moved / p.name)
    (src / "link.jpg").symlink_to(moved / "like_0000.jpg")  # links never count as files
    assert_conserved(before, file_hashes(src, tmp_path / "sorted"))

    (moved / "like_0001.jpg").unlink()
    (src / "report.txt").write_text("hello")
    after = file_hashes(src, tmp_path / "sorted")
    with pytest.raises(AssertionError, match=r"1 file\(s\) lost") as err:
        assert_conserved(before, after)
    assert "like_0001.jpg" in str(err.value) and "report.txt" in str(err.value)
    with pytest.raises(AssertionError, match="lost"):
        assert_conserved(before, after, allow_new=True)
