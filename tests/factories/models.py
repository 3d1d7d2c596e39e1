"""Tiny, real ONNX image encoders laid out like Immich CLIP model folders.

Tests must never download a 300 MB CLIP model, yet they need something that goes through the
same code paths: an ONNX file that onnxruntime really runs, sitting in the exact folder layout
Immich publishes (``config.json``, ``visual/model.onnx``, ``visual/preprocess_cfg.json``),
optionally inside a genuine huggingface_hub cache so the offline download path is exercised.

The encoder is a deliberately small CNN whose embedding depends on both colour and spatial
structure. Colour is fed straight into the projection (the per-channel mean of the input), so
"warm" and "cool" images end up linearly separable: tests of the learning loop can then assert
that a taste for warm images is actually learned, with no real model involved.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

#: opset 17 keeps ReduceMean's ``axes`` as an attribute; ir_version 8 loads in every
#: onnxruntime from 1.14 up to the 1.32 pinned here.
OPSET = 17
IR_VERSION = 8

#: CLIP (OpenAI) normalisation, as written by Immich in preprocess_cfg.json.
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)

#: The files ``konomi`` asks the hub for (``allow_patterns``); kept here so tests agree.
HUB_PATTERNS = ["config.json", "visual/*"]

#: A fixed, valid-looking commit hash so cache paths are predictable across runs.
DEFAULT_COMMIT = "0123456789abcdef0123456789abcdef01234567"

_CONV_CHANNELS = 8
_COLOUR_GAIN = 4.0  # makes the colour features dominate the projection (see module docstring)


def preprocess_cfg(size: int) -> dict[str, Any]:
    """The ``visual/preprocess_cfg.json`` content Immich ships for a CLIP model of ``size`` px."""
    return {
        "size": [size, size],
        "mode": "RGB",
        "mean": list(CLIP_MEAN),
        "std": list(CLIP_STD),
        "interpolation": "bicubic",
        "resize_mode": "shortest",
        "fill_color": 0,
    }


def _batch_dim(dynamic_batch: bool) -> str | int:
    return "batch" if dynamic_batch else 1


def save_model(model: onnx.ModelProto, path: Path) -> Path:
    """Check and write a model, creating parent folders (fixtures start from empty tmp dirs)."""
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path


def _opset() -> list[onnx.OperatorSetIdProto]:
    return [helper.make_opsetid("", OPSET)]


def _random_rotation(rng: np.random.Generator, n_in: int, n_out: int) -> np.ndarray:
    """A random ``[n_in, n_out]`` projection with orthonormal rows (or columns if n_out < n_in).

    A plain Gaussian matrix stretches some directions, and after the L2 normalisation every
    CLIP user applies, that distortion occasionally pushed a borderline green image across
    the warm/cool boundary. An orthonormal map preserves norms, so normalised embeddings are
    just a rotation of the normalised features.
    """
    g = rng.normal(0.0, 1.0, (max(n_in, n_out), min(n_in, n_out)))
    q, _ = np.linalg.qr(g)  # orthonormal columns
    return (q.T if n_out >= n_in else q).astype(np.float32)


def build_tiny_encoder(
    path: Path,
    *,
    size: int = 32,
    dim: int = 16,
    seed: int = 0,
    dynamic_batch: bool = True,
    input_name: str = "image",
) -> Path:
    """Write a tiny CLIP-like visual encoder to ``path`` and return ``path``.

    Graph (float32 throughout)::

        image [B,3,S,S] -> Conv(3->8, k=4, s=4) -> Relu -> GlobalAveragePool -> Flatten  [B,8]
        image           -> ReduceMean(H,W) * 4                                          [B,3]
        Concat([B,11]) -> MatMul([11,dim], orthonormal) -> Add(bias) -> embedding [B,dim]

    The conv branch makes the output depend on spatial structure (so two images with the same
    mean colour still embed differently); the colour branch makes warm vs cool images linearly
    separable. Weights come from ``numpy.random.default_rng(seed)``, so a seed is a model.
    ``dynamic_batch=False`` fixes the batch dimension at 1, like some exported models.
    Keep ``dim >= 11`` (the feature count) for the projection to lose nothing.
    """
    if size < 4:
        raise ValueError("size must be at least 4 (the conv has a 4x4 kernel)")
    rng = np.random.default_rng(seed)
    conv_w = rng.normal(0.0, 0.5, (_CONV_CHANNELS, 3, 4, 4)).astype(np.float32)
    conv_b = rng.normal(0.0, 0.1, (_CONV_CHANNELS,)).astype(np.float32)
    proj = _random_rotation(rng, _CONV_CHANNELS + 3, dim)
    bias = rng.normal(0.0, 0.05, (dim,)).astype(np.float32)

    batch = _batch_dim(dynamic_batch)
    inp = helper.make_tensor_value_info(input_name, TensorProto.FLOAT, [batch, 3, size, size])
    out = helper.make_tensor_value_info("embedding", TensorProto.FLOAT, [batch, dim])
    inits = [
        numpy_helper.from_array(conv_w, "conv_w"),
        numpy_helper.from_array(conv_b, "conv_b"),
        numpy_helper.from_array(proj, "proj_w"),
        numpy_helper.from_array(bias, "proj_b"),
        numpy_helper.from_array(np.array(_COLOUR_GAIN, np.float32), "colour_gain"),
    ]
    nodes = [
        helper.make_node(
            "Conv", [input_name, "conv_w", "conv_b"], ["conv"], kernel_shape=[4, 4], strides=[4, 4]
        ),
        helper.make_node("Relu", ["conv"], ["relu"]),
        helper.make_node("GlobalAveragePool", ["relu"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["spatial"], axis=1),
        helper.make_node("ReduceMean", [input_name], ["chan_mean"], axes=[2, 3], keepdims=0),
        helper.make_node("Mul", ["chan_mean", "colour_gain"], ["colour"]),
        helper.make_node("Concat", ["spatial", "colour"], ["features"], axis=1),
        helper.make_node("MatMul", ["features", "proj_w"], ["projected"]),
        helper.make_node("Add", ["projected", "proj_b"], ["embedding"]),
    ]
    graph = helper.make_graph(nodes, "tiny_clip_visual", [inp], [out], inits)
    model = helper.make_model(graph, opset_imports=_opset(), producer_name="konomi-tests")
    return save_model(model, Path(path))


def build_model_dir(root: Path, **kw: Any) -> Path:
    """Write a complete Immich-style model folder at ``root`` and return it.

    Layout: ``config.json``, ``visual/model.onnx``, ``visual/preprocess_cfg.json``. Keyword
    arguments go to :func:`build_tiny_encoder` (``size``, ``dim``, ``seed``, ...), and the two
    JSON files are written to agree with them.
    """
    root = Path(root)
    size = int(kw.get("size", 32))
    dim = int(kw.get("dim", 16))
    build_tiny_encoder(root / "visual" / "model.onnx", **kw)
    config = {"embed_dim": dim, "vision_cfg": {"image_size": size}}
    (root / "config.json").write_text(json.dumps(config, indent=2))
    (root / "visual" / "preprocess_cfg.json").write_text(json.dumps(preprocess_cfg(size), indent=2))
    return root


def _git_blob_sha1(data: bytes) -> str:
    """Git's object id for a blob: what the Hub reports as ETag / blob_id for non-LFS files."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _link_or_copy(blob: Path, pointer: Path) -> None:
    """Point a snapshot file at its blob with a relative symlink, as huggingface_hub does.

    Falls back to a plain copy where symlinks are unavailable (Windows without developer mode),
    which is also what huggingface_hub itself does there.
    """
    pointer.parent.mkdir(parents=True, exist_ok=True)
    pointer.unlink(missing_ok=True)  # rebuilding a cache: never write through an old link
    try:
        pointer.symlink_to(os.path.relpath(blob, pointer.parent))
    except OSError:
        shutil.copyfile(blob, pointer)


def build_hub_cache(
    cache_dir: Path,
    repo_id: str = "immich-app/ViT-B-32__openai",
    *,
    commit: str = DEFAULT_COMMIT,
    revision: str = "main",
    write_tree_cache: bool = True,
    text: bool = False,
    **kw: Any,
) -> Path:
    """Populate ``cache_dir`` (an ``HF_HUB_CACHE``) with a model repo and return its snapshot dir.

    The layout is exactly what ``huggingface_hub`` 2.x writes after
    ``snapshot_download(repo_id, allow_patterns=["config.json", "visual/*"])``::

        <cache_dir>/CACHEDIR.TAG
        <cache_dir>/models--<org>--<name>/
            blobs/<git-sha1 for small files | sha256 for LFS files (the .onnx)>
            refs/<revision>                      (the commit hash, no newline)
            snapshots/<commit>/config.json       -> ../../blobs/<...>
            snapshots/<commit>/visual/model.onnx -> ../../../blobs/<...>
            snapshots/<commit>/visual/preprocess_cfg.json
            trees/<commit>.json                  (tree listing, since huggingface_hub 1.x/2.x)

    With ``HF_HUB_OFFLINE=1`` the hub resolves ``refs/main`` to the commit and returns the
    snapshot folder. The tree listing, when written, makes the hub verify the snapshot is
    complete; it lists exactly the files written here, so any ``allow_patterns`` succeeds.
    Keyword arguments go to :func:`build_tiny_encoder`. With ``text=True`` the repo also holds
    a text tower (:func:`build_text_tower`): ``textual/*`` and ``text_cfg`` in config.json.
    """
    cache_dir = Path(cache_dir)
    if len(commit) != 40 or any(c not in "0123456789abcdef" for c in commit):
        raise ValueError("commit must be 40 lowercase hex digits (the hub checks this)")
    staging = cache_dir / ".konomi-staging" / commit
    build_model_dir(staging, **kw)
    files = ["config.json", "visual/model.onnx", "visual/preprocess_cfg.json"]
    if text:
        build_text_tower(staging)
        files += ["textual/model.onnx", "textual/tokenizer.json", "textual/tokenizer_config.json"]

    storage = cache_dir / ("models--" + repo_id.replace("/", "--"))
    snapshot = storage / "snapshots" / commit
    blobs = storage / "blobs"
    blobs.mkdir(parents=True, exist_ok=True)
    tree: dict[str, dict[str, Any]] = {}
    for rel in files:
        data = (staging / rel).read_bytes()
        git_sha = _git_blob_sha1(data)
        entry: dict[str, Any] = {"size": len(data), "blob_id": git_sha}
        if rel.endswith(".onnx"):  # binaries are LFS on the Hub: the blob is named by sha256
            sha256 = hashlib.sha256(data).hexdigest()
            entry.update(lfs_sha256=sha256, lfs_size=len(data))
            blob_name = sha256
        else:
            blob_name = git_sha
        (blobs / blob_name).write_bytes(data)
        _link_or_copy(blobs / blob_name, snapshot / rel)
        tree[rel] = entry
    shutil.rmtree(cache_dir / ".konomi-staging")

    (storage / "refs").mkdir(exist_ok=True)
    (storage / "refs" / revision).write_text(commit)  # the hub reads it verbatim: no newline
    if write_tree_cache:
        (storage / "trees").mkdir(exist_ok=True)
        listing = {"format_version": 1, "files": dict(sorted(tree.items()))}
        (storage / "trees" / f"{commit}.json").write_text(json.dumps(listing, indent=1))
    tag = cache_dir / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text(
            "Signature: 8a477f597d28d172789f06886806bc55\n"
            "# This file is a cache directory tag created by huggingface_hub.\n"
        )
    return snapshot


def konomi_env(model: Path, home: Path) -> dict[str, str]:
    """The environment of a konomi CLI run under test: this model, no hub access, an empty HF
    home under ``home``, no ``KONOMI_*`` setting of whoever runs the tests, wide plain output,
    English messages."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KONOMI_")}
    env.update(
        KONOMI_MODEL=str(model),
        HF_HUB_OFFLINE="1",
        HF_HOME=str(Path(home) / "hf-home"),
        NO_COLOR="1",
        COLUMNS="200",
        KONOMI_LANG="en",  # the tests read English, whatever the locale of the machine
    )
    return env


def offline_hub_env(cache_dir: Path) -> dict[str, str]:
    """Environment variables that make huggingface_hub use only ``cache_dir``, with no network.

    huggingface_hub reads these once, at import (``huggingface_hub.constants``), so they only
    take effect in a fresh process (a subprocess, or the CLI run under test). ``HF_HOME`` is
    pointed inside ``cache_dir`` too, so no token or user cache of the developer is ever read.
    """
    cache_dir = Path(cache_dir)
    return {
        "HF_HUB_OFFLINE": "1",
        "HF_HUB_CACHE": str(cache_dir),
        "HF_HOME": str(cache_dir / ".hf_home"),
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_PROGRESS_BARS": "1",
        # Belt and braces: were offline mode ever ignored, requests would hit a closed port.
        "HF_ENDPOINT": "http://127.0.0.1:9",
    }


def _build_wrong_rank(path: Path, *, size: int = 32, dim: int = 16) -> Path:
    """A loadable model whose input is rank 2 ``[batch, 3*S*S]`` (e.g. a text tower or MLP)."""
    feats = 3 * size * size
    w = np.random.default_rng(1).normal(0, 0.01, (feats, dim)).astype(np.float32)
    inp = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", feats])
    out = helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", dim])
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["image", "w"], ["embedding"])],
        "wrong_rank",
        [inp],
        [out],
        [numpy_helper.from_array(w, "w")],
    )
    return save_model(helper.make_model(graph, opset_imports=_opset()), path)


def _build_bad_output(path: Path, *, size: int = 32, dim: int = 16) -> Path:
    """A loadable image model whose output is rank 3 ``[batch, 1, dim]`` (not an embedding)."""
    inner = path.with_suffix(".inner.onnx")
    build_tiny_encoder(inner, size=size, dim=dim)
    model = onnx.load(str(inner))
    inner.unlink()
    graph = model.graph
    graph.node[-1].output[0] = "flat_embedding"
    graph.initializer.append(numpy_helper.from_array(np.array([1], np.int64), "unsq_axes"))
    graph.node.append(helper.make_node("Unsqueeze", ["flat_embedding", "unsq_axes"], ["tokens"]))
    del graph.output[:]
    graph.output.append(
        helper.make_tensor_value_info("tokens", TensorProto.FLOAT, ["batch", 1, dim])
    )
    return save_model(model, path)


def build_broken_models(root: Path) -> dict[str, Path]:
    """Write one folder per way a model can be wrong, for error-message tests.

    Every value is a path to pass as ``--model`` (a folder in Immich layout unless noted):

    * ``missing_dir`` -- does not exist.
    * ``no_visual`` -- only ``config.json``.
    * ``truncated_onnx`` -- ``visual/model.onnx`` cut to half its bytes.
    * ``not_onnx`` -- ``visual/model.onnx`` is a text file.
    * ``wrong_rank`` -- valid ONNX whose input is rank 2.
    * ``bad_output`` -- valid ONNX whose output is rank 3.
    * ``bad_preprocess_json`` -- ``visual/preprocess_cfg.json`` is malformed JSON.
    * ``preprocess_missing_keys`` -- ``visual/preprocess_cfg.json`` is ``{}``.
    * ``fixed_batch`` -- VALID: batch dimension fixed at 1; an encoder must feed one image at a
      time rather than reject it.

    All but ``missing_dir``, ``no_visual`` and the two ``preprocess`` cases carry a correct
    ``preprocess_cfg.json``, so each folder has exactly one thing wrong with it.
    """
    root = Path(root)
    out: dict[str, Path] = {}

    out["missing_dir"] = root / "missing_dir"

    no_visual = root / "no_visual"
    no_visual.mkdir(parents=True)
    (no_visual / "config.json").write_text(json.dumps({"embed_dim": 16}))
    out["no_visual"] = no_visual

    truncated = build_model_dir(root / "truncated_onnx")
    onnx_file = truncated / "visual" / "model.onnx"
    data = onnx_file.read_bytes()
    onnx_file.write_bytes(data[: len(data) // 2])
    out["truncated_onnx"] = truncated

    not_onnx = build_model_dir(root / "not_onnx")
    # A Git LFS pointer: the classic way to end up with a "model.onnx" that is text.
    (not_onnx / "visual" / "model.onnx").write_text(
        "version https://git-lfs.github.com/spec/v1\noid sha256:4d7a2f0e8b1c\nsize 351468764\n"
    )
    out["not_onnx"] = not_onnx

    for name, builder in (("wrong_rank", _build_wrong_rank), ("bad_output", _build_bad_output)):
        folder = build_model_dir(root / name)
        builder(folder / "visual" / "model.onnx")
        out[name] = folder

    bad_json = build_model_dir(root / "bad_preprocess_json")
    (bad_json / "visual" / "preprocess_cfg.json").write_text('{"size": [32, 32], "mean": [0.48,')
    out["bad_preprocess_json"] = bad_json

    missing_keys = build_model_dir(root / "preprocess_missing_keys")
    (missing_keys / "visual" / "preprocess_cfg.json").write_text("{}")
    out["preprocess_missing_keys"] = missing_keys

    out["fixed_batch"] = build_model_dir(root / "fixed_batch", dynamic_batch=False)
    return out


# --------------------------------------------------------------------------- text tower

#: Colour words the tiny text tower knows, with the colour of the images each one describes.
#: Pairs with :func:`factories.images.make_image` ``color=``: "red" lands near red images.
COLOUR_WORDS: dict[str, tuple[int, int, int]] = {
    "red": (215, 35, 30),
    "green": (40, 170, 50),
    "blue": (35, 60, 210),
    "yellow": (225, 205, 40),
    "grey": (128, 128, 128),
}
#: Japanese words of the multilingual (Unigram, XLM-RoBERTa-like) tokenizer, same colours.
JAPANESE_WORDS = {"赤": "red", "緑": "green", "青": "blue", "黄色": "yellow", "灰色": "grey"}
#: Filler words the tokenizers know, mapped to small vectors ("a photo of red" ≈ "red").
FILLER_WORDS = ("a", "photo", "of", "the", "picture", "写真", "の")


def colour_embedding(model_dir: Path, color: tuple[int, int, int], *, n: int = 8) -> np.ndarray:
    """The mean, L2-normalised image embedding of ``n`` natural-ish images of ``color`` under
    the visual tower in ``model_dir``: what a word describing that colour should map to."""
    import onnxruntime as ort
    from PIL import Image

    from factories.images import _render  # the very renderer of make_image

    session = ort.InferenceSession(
        str(Path(model_dir) / "visual" / "model.onnx"), providers=["CPUExecutionProvider"]
    )
    inp = session.get_inputs()[0]
    size = int(inp.shape[2])
    mean = np.asarray(CLIP_MEAN, np.float32).reshape(1, 3, 1, 1)
    std = np.asarray(CLIP_STD, np.float32).reshape(1, 3, 1, 1)
    batch = []
    for seed in range(n):
        img = _render(np.random.default_rng(1000 + seed), color, (size, size))
        batch.append(np.asarray(img.resize((size, size), Image.Resampling.BICUBIC), np.float32))
    x = (np.stack(batch).transpose(0, 3, 1, 2) / 255.0 - mean) / std
    out = np.concatenate([session.run(None, {inp.name: row[None]})[0] for row in x])
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    v = out.mean(axis=0)
    return (v / np.linalg.norm(v)).astype(np.float32)


def _word_level_tokenizer(words: list[str]) -> tuple[Any, str, list[str]]:
    """A CLIP-like tokenizer: lower case, whitespace words, <|startoftext|> … <|endoftext|>,
    padded with <|endoftext|> (as OpenAI CLIP's tokenizer_config.json says)."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    specials = ["<|startoftext|>", "<|endoftext|>"]
    vocab = {"<unk>": 0, **{w: i + 1 for i, w in enumerate(words)}}
    vocab.update({s: len(vocab) + i for i, s in enumerate(specials)})
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(
        single="<|startoftext|> $A <|endoftext|>",
        special_tokens=[(s, vocab[s]) for s in specials],
    )
    return tok, "<|endoftext|>", ["<unk>", *specials]


def _unigram_tokenizer(words: list[str]) -> tuple[Any, str, list[str]]:
    """An XLM-RoBERTa-like tokenizer: SentencePiece Unigram with ▁ word marks, <s> … </s>, and
    <pad> at id 1 (not 0), so a loader that pads with 0 would feed the wrong token."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

    specials = ["<s>", "<pad>", "</s>", "<unk>"]
    pieces = [(s, 0.0) for s in specials]
    for w in words:
        pieces.append((f"▁{w}", -1.0))
        pieces.append((w, -2.0))  # the same word inside a run of CJK text
    pieces += [("▁", -3.0), *[(c, -8.0) for c in "abcdefghijklmnopqrstuvwxyz"]]
    pieces = list(dict(reversed(pieces)).items())[::-1]  # one entry per piece, first score kept
    tok = Tokenizer(models.Unigram(pieces, unk_id=3, byte_fallback=False))
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    languages = ["jpn_Jpan", "eng_Latn"]  # NLLB's FLORES-200 codes, split off before words
    tok.add_special_tokens(languages)
    return tok, "<pad>", [*specials, *languages]


def build_text_tower(
    model_dir: Path,
    *,
    style: str = "clip",
    context_length: int = 16,
    seed: int = 0,
    pad_as_object: bool = False,
    mclip: bool = False,
) -> Path:
    """Add an Immich-layout text tower to the model folder ``model_dir`` (made by
    :func:`build_model_dir`) and return ``model_dir``.

    Writes ``textual/model.onnx``, ``textual/tokenizer.json`` (made with the ``tokenizers``
    library), ``textual/tokenizer_config.json`` (``pad_token``) and ``text_cfg`` in
    ``config.json``. ``style="clip"``: a word-level, CLIP-like tokenizer of English words;
    ``style="xlmr"``: an XLM-RoBERTa-like Unigram tokenizer (pad id 1) that also knows the
    Japanese colour words. ``pad_as_object`` writes the pad token the way transformers does,
    as ``{"content": ...}``. ``mclip=True`` exports the graph as Immich's M-CLIP models are:
    inputs ``input_ids`` and ``attention_mask`` (the mask zeroes the padded positions).
    The xlmr tokenizer also knows NLLB's language codes (``jpn_Jpan``, ``eng_Latn``) as special
    tokens, so a folder named ``nllb-…`` exercises the language prefix.

    Graph: ``text`` int32 [B, L] → Gather(embedding table) → ReduceSum over tokens → MatMul
    (orthonormal) → L2 normalise. Each colour word's row is chosen so that its vector is the
    mean embedding of images of that colour (:func:`colour_embedding`); special and pad tokens
    have zero rows, filler words small random ones.
    """
    model_dir = Path(model_dir)
    config = json.loads((model_dir / "config.json").read_text())
    dim = int(config.get("embed_dim", 16))
    rng = np.random.default_rng(seed + 7)
    targets = {w: colour_embedding(model_dir, c) for w, c in COLOUR_WORDS.items()}
    if style == "clip":
        words = [*COLOUR_WORDS, *FILLER_WORDS[:5]]
        tok, pad, specials = _word_level_tokenizer(words)
    elif style == "xlmr":
        words = [*COLOUR_WORDS, *JAPANESE_WORDS, *FILLER_WORDS]
        tok, pad, specials = _unigram_tokenizer(words)
        targets.update({ja: targets[en] for ja, en in JAPANESE_WORDS.items()})
    else:
        raise ValueError(f"unknown tokenizer style {style!r}")
    vocab = tok.get_vocab()
    proj = _random_rotation(rng, dim, dim)
    table = np.zeros((len(vocab), dim), np.float32)
    for token, i in vocab.items():
        word = token.removeprefix("▁")
        if token in specials or not word:
            continue
        if word in targets:
            table[i] = targets[word] @ proj.T  # so that table[i] @ proj == the target
        else:
            table[i] = rng.normal(0.0, 0.05, dim)
    textual = model_dir / "textual"
    textual.mkdir(parents=True, exist_ok=True)
    tok.save(str(textual / "tokenizer.json"))
    pad_entry: Any = {"content": pad, "lstrip": False, "rstrip": False} if pad_as_object else pad
    (textual / "tokenizer_config.json").write_text(
        json.dumps({"pad_token": pad_entry, "model_max_length": context_length}, indent=2)
    )
    config["text_cfg"] = {"context_length": context_length, "vocab_size": len(vocab)}
    (model_dir / "config.json").write_text(json.dumps(config, indent=2))

    name = "input_ids" if mclip else "text"
    ids = helper.make_tensor_value_info(name, TensorProto.INT32, ["batch", context_length])
    out = helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", dim])
    nodes = [helper.make_node("Gather", ["table", name], ["gathered"], axis=0)]
    inputs = [ids]
    if mclip:
        shape = ["batch", context_length]
        inputs.append(helper.make_tensor_value_info("attention_mask", TensorProto.INT32, shape))
        nodes += [
            helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
            helper.make_node("Unsqueeze", ["mask_f", "axis2"], ["mask3"]),
            helper.make_node("Mul", ["gathered", "mask3"], ["tokens"]),
        ]
    else:
        nodes.append(helper.make_node("Identity", ["gathered"], ["tokens"]))
    nodes += [
        helper.make_node("ReduceSum", ["tokens", "axis1"], ["pooled"], keepdims=0),
        helper.make_node("MatMul", ["pooled", "proj"], ["projected"]),
        helper.make_node("ReduceL2", ["projected"], ["norm"], axes=[1], keepdims=1),
        helper.make_node("Add", ["norm", "eps"], ["safe_norm"]),
        helper.make_node("Div", ["projected", "safe_norm"], ["embedding"]),
    ]
    inits = [
        numpy_helper.from_array(table, "table"),
        numpy_helper.from_array(np.array([1], np.int64), "axis1"),
        numpy_helper.from_array(np.array([2], np.int64), "axis2"),
        numpy_helper.from_array(proj, "proj"),
        numpy_helper.from_array(np.array(1e-6, np.float32), "eps"),
    ]
    graph = helper.make_graph(nodes, "tiny_clip_textual", inputs, [out], inits)
    model = helper.make_model(graph, opset_imports=_opset(), producer_name="konomi-tests")
    save_model(model, textual / "model.onnx")
    return model_dir


def build_joint_model_dir(
    root: Path, *, style: str = "clip", mclip: bool = False, **kw: Any
) -> Path:
    """A complete Immich-layout model with both towers: :func:`build_model_dir` then
    :func:`build_text_tower` (``style``, ``mclip``)."""
    return build_text_tower(build_model_dir(root, **kw), style=style, mclip=mclip)
