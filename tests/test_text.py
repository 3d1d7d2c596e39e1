"""The text tower and `konomi search`: tokenizers loaded as Immich loads them, the hub fetching
textual files only for text features, a clear refusal without a text tower, and words that
find the right images in a workspace."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from factories.images import make_image
from factories.models import (
    COLOUR_WORDS,
    build_hub_cache,
    build_joint_model_dir,
    build_model_dir,
    offline_hub_env,
)
from messages import said

from konomi.encode.encoder import Encoder, resolve_model
from konomi.encode.images import load_image
from konomi.encode.text import TextEncoder, resolve_text_model
from konomi.errors import ModelError


@pytest.fixture(scope="module")
def joint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_joint_model_dir(tmp_path_factory.mktemp("joint") / "tiny-joint")


@pytest.fixture(scope="module")
def multilingual(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_joint_model_dir(tmp_path_factory.mktemp("xlmr") / "tiny-xlmr", style="xlmr")


def test_clip_tokens_are_padded_with_the_pad_tokens_id_and_truncated(joint):
    encoder = TextEncoder(resolve_text_model(str(joint)))
    tokenizer = encoder.tokenizer
    pad = tokenizer.token_to_id("<|endoftext|>")
    assert pad != 0  # CLIP pads with <|endoftext|>, not with 0
    ids = encoder.tokenize("A photo of  RED")["text"]
    assert ids.dtype == np.int32 and ids.shape == (1, 16)
    words = [tokenizer.token_to_id(w) for w in ("a", "photo", "of", "red")]
    assert ids[0, :6].tolist() == [tokenizer.token_to_id("<|startoftext|>"), *words, pad]
    assert (ids[0, 6:] == pad).all()
    long = encoder.tokenize(" ".join(["red"] * 40))["text"]
    assert long.shape == (1, 16)  # truncated to the context length


def test_a_non_clip_unigram_tokenizer_pads_with_its_own_pad_id(multilingual):
    encoder = TextEncoder(resolve_text_model(str(multilingual)))
    assert encoder.pad_id == 1  # XLM-RoBERTa: <s>=0, <pad>=1, </s>=2
    ids = encoder.tokenize("赤")["text"][0].tolist()
    assert ids[0] == 0 and ids[2] == 2 and ids[3:] == [1] * 13
    assert encoder.tokenizer.id_to_token(ids[1]) == "▁赤"


def test_a_pad_token_written_as_an_object_is_read(tmp_path):
    from factories.models import build_text_tower

    folder = build_text_tower(build_model_dir(tmp_path / "m"), style="xlmr", pad_as_object=True)
    assert TextEncoder(resolve_text_model(str(folder))).pad_id == 1


@pytest.mark.parametrize("style", ["clip", "xlmr"])
def test_colour_words_land_nearest_images_of_that_colour(tmp_path, joint, multilingual, style):
    model = joint if style == "clip" else multilingual
    images = Encoder(resolve_model(str(model)))
    words = TextEncoder(resolve_text_model(str(model)))
    kinds = ["red", "green", "blue"]
    X = {
        k: images.encode_images(
            [
                load_image(make_image(tmp_path / f"{k}{i}.jpg", color=COLOUR_WORDS[k], seed=i))
                for i in range(6)
            ]
        )
        for k in kinds
    }
    queries = kinds if style == "clip" else ["赤", "緑", "青い"]
    T = words.encode(queries)
    np.testing.assert_allclose(np.linalg.norm(T, axis=1), 1.0, rtol=1e-5)
    for kind, v in zip(kinds, T):
        own = (X[kind] @ v).min()
        others = max((X[k] @ v).max() for k in kinds if k != kind)
        assert own > others + 0.3, (kind, own, others)


def test_a_model_without_a_text_tower_is_refused_clearly(tmp_path, tiny_model):
    with pytest.raises(ModelError) as info:
        TextEncoder(resolve_text_model(str(tiny_model)))
    assert said(info.value.message, "text.no_tower")
    assert "textual/model.onnx" in info.value.message
    half = build_joint_model_dir(tmp_path / "half")
    (half / "textual" / "tokenizer.json").unlink()
    with pytest.raises(ModelError, match="textual/tokenizer.json"):
        resolve_text_model(str(half))


def test_without_tokenizer_config_or_text_cfg_the_tower_still_loads(tmp_path):
    """A tower exported by hand: no tokenizer_config.json (a usual pad token is found), no
    text_cfg (the session's fixed sequence length is used, not 77)."""
    folder = build_joint_model_dir(tmp_path / "bare")
    (folder / "textual" / "tokenizer_config.json").unlink()
    (folder / "config.json").write_text(json.dumps({"embed_dim": 16}))
    encoder = TextEncoder(resolve_text_model(str(folder)))
    assert encoder.pad_token == "<|endoftext|>" and encoder.context_length == 16
    assert encoder.encode(["red"]).shape == (1, 16)


_RESOLVE = """
import json, sys
from konomi.encode.text import TextEncoder, resolve_text_model
from konomi.errors import ModelError
try:
    files = resolve_text_model(sys.argv[1])
    enc = TextEncoder(files)
    print(json.dumps({"ok": str(files.onnx_path), "dim": int(enc.encode(["red"]).shape[1])}))
except ModelError as exc:
    print(json.dumps({"error": exc.message}))
"""


def _resolve_offline(cache: Path, repo: str) -> dict:
    env = {**os.environ, **offline_hub_env(cache)}
    proc = subprocess.run(
        [sys.executable, "-c", _RESOLVE, repo], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_the_hub_text_tower_comes_from_the_offline_cache(tmp_path):
    cache = tmp_path / "hub"
    snapshot = build_hub_cache(cache, "immich-app/ViT-B-32__openai", text=True)
    got = _resolve_offline(cache, "immich-app/ViT-B-32__openai")
    assert got.get("ok") == str(snapshot / "textual" / "model.onnx"), got
    assert got["dim"] == 16
    # A repo of the visual files only: its text tower is refused in one sentence, offline.
    build_hub_cache(cache, "immich-app/visual-only")
    refused = _resolve_offline(cache, "immich-app/visual-only")
    assert said(refused.get("error", ""), "text.no_tower"), refused


# -- konomi search -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def colour_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20 images of each colour word, spread over data/ folders, names that do not tell."""
    root = tmp_path_factory.mktemp("search") / "ws"
    folders = ["data/unlabeled", "data/classified/unsure", "data/train/like", "data/train/dislike"]
    n = 0
    for color in COLOUR_WORDS.values():
        for _ in range(20):
            make_image(root / folders[n % 4] / f"img_{n:04d}.jpg", color=color, seed=n)
            n += 1
    (root / "kinds.json").write_text(
        json.dumps({f"img_{k:04d}.jpg": list(COLOUR_WORDS)[k // 20] for k in range(n)})
    )
    return root


def _kind_of(root: Path, rel: str) -> str:
    return json.loads((root / "kinds.json").read_text())[rel.rsplit("/", 1)[-1]]


@pytest.mark.parametrize(("query", "kind"), [("red", "red"), ("a photo of blue", "blue")])
def test_search_json_puts_the_right_images_in_the_top_20(
    konomi, joint, colour_workspace, query, kind
):
    found = konomi(
        "search", query, "--json", root=colour_workspace, env={"KONOMI_MODEL": str(joint)}
    )
    assert found.code == 0, found.text
    rows = json.loads(found.out)
    assert len(rows) == 20
    assert all(set(r) >= {"path", "similarity"} for r in rows)
    sims = [r["similarity"] for r in rows]
    assert sims == sorted(sims, reverse=True)
    assert all(r["path"].startswith("data/") and "\\" not in r["path"] for r in rows)
    assert [_kind_of(colour_workspace, r["path"]) for r in rows] == [kind] * 20


def test_search_finds_library_images_by_absolute_path_and_japanese_words(
    konomi, multilingual, colour_workspace, tmp_path
):
    library = tmp_path / "library"
    make_image(library / "sunset.jpg", color=COLOUR_WORDS["red"], seed=99)
    ws = tmp_path / "ws2"
    (ws / "data" / "unlabeled").mkdir(parents=True)
    for i, kind in enumerate(["green", "blue", "yellow"] * 3):
        make_image(ws / "data" / "unlabeled" / f"{kind}_{i}.jpg", color=COLOUR_WORDS[kind], seed=i)
    (ws / "konomi.toml").write_text('libraries = ["../library"]\n')  # relative to the root
    found = konomi(
        "search",
        "赤い写真",
        "--json",
        "--top",
        "3",
        root=ws,
        env={"KONOMI_MODEL": str(multilingual)},
    )
    assert found.code == 0, found.text
    rows = json.loads(found.out)
    assert rows[0]["path"] == (library / "sunset.jpg").resolve().as_posix()
    plain = konomi("search", "青", "--top", "2", root=ws, env={"KONOMI_MODEL": str(multilingual)})
    assert plain.code == 0 and plain.out.count("blue_") == 2, plain.text


def test_search_with_a_model_without_text_tower_is_refused_in_one_line(
    konomi, tiny_model, colour_workspace
):
    refused = konomi("search", "red", "--json", root=colour_workspace)
    assert refused.code == 3, refused.text
    assert refused.out == ""  # no half JSON for a script to parse
    first = refused.err.strip().splitlines()[0]
    assert said(first, "text.no_tower")
    assert "Traceback" not in refused.err


def test_an_mclip_export_gets_input_ids_and_an_attention_mask(tmp_path):
    folder = build_joint_model_dir(
        tmp_path / "XLM-Roberta-Large-Vit-B-32", style="xlmr", mclip=True
    )
    encoder = TextEncoder(resolve_text_model(str(folder)))
    feeds = encoder.tokenize("青")
    assert set(feeds) == {"input_ids", "attention_mask"}
    assert feeds["attention_mask"].dtype == np.int32
    assert feeds["attention_mask"][0].tolist() == [1, 1, 1] + [0] * 13
    plain = TextEncoder(
        resolve_text_model(str(build_joint_model_dir(tmp_path / "p", style="xlmr")))
    )
    np.testing.assert_allclose(encoder.encode(["青"]), plain.encode(["青"]), atol=1e-5)


def test_an_nllb_tower_gets_the_language_code_in_front(tmp_path):
    folder = build_joint_model_dir(tmp_path / "nllb-clip-tiny", style="xlmr")
    encoder = TextEncoder(resolve_text_model(str(folder)))
    tok = encoder.tokenizer
    ja, en = tok.token_to_id("jpn_Jpan"), tok.token_to_id("eng_Latn")
    assert encoder.tokenize("赤")["text"][0, 1] == ja  # kana or kanji: Japanese
    assert encoder.tokenize("red")["text"][0, 1] == en
    assert encoder.tokenize("red", language="ja")["text"][0, 1] == ja  # konomi.toml's language
    other = TextEncoder(
        resolve_text_model(str(build_joint_model_dir(tmp_path / "x", style="xlmr")))
    )
    assert ja not in other.tokenize("赤")["text"][0].tolist()  # only NLLB towers get the code


def test_every_text_message_is_in_english_and_japanese():
    from konomi.i18n import missing, t
    from konomi.i18n.text import MESSAGES

    assert not [m for m in missing() if m[0] in MESSAGES]
    for key in MESSAGES:  # every field a message names is one the code fills
        for lang in ("en", "ja"):
            t(key, lang, **{f: 0.5 for f in ("auc", "lo", "hi", "bar")}, **_FIELDS)


_FIELDS = dict.fromkeys(
    (
        "model",
        "missing",
        "path",
        "why",
        "token",
        "text",
        "text_dim",
        "image_dim",
        "n",
        "total",
        "n_like",
        "n_dislike",
        "per_class",
        "every",
        "reason",
    ),
    1,
)


def test_a_siglip_style_tower_canonicalises_the_text_first(tmp_path):
    folder = build_joint_model_dir(tmp_path / "siglip-like")
    plain = TextEncoder(resolve_text_model(str(folder)))
    assert plain.tokenize("red!")["text"].tolist() != plain.tokenize("red")["text"].tolist()
    config = json.loads((folder / "config.json").read_text())
    config["text_cfg"]["tokenizer_kwargs"] = {"clean": "canonicalize"}
    (folder / "config.json").write_text(json.dumps(config))
    canonical = TextEncoder(resolve_text_model(str(folder)))
    assert canonical.tokenize("  RED!  ")["text"].tolist() == plain.tokenize("red")["text"].tolist()


def test_towers_of_two_different_models_are_refused(konomi, tmp_path, colour_workspace):
    from factories.models import build_tiny_encoder

    folder = build_joint_model_dir(tmp_path / "mixed")
    build_tiny_encoder(folder / "visual" / "model.onnx", dim=20)
    refused = konomi("search", "red", root=colour_workspace, env={"KONOMI_MODEL": str(folder)})
    assert refused.code == 3 and said(refused.err, "text.dim_mismatch"), refused.text
    assert "Traceback" not in refused.err
