"""A ViT-B/32 CLIP image encoder with random weights, for benchmarking without a model hub.

The ingest benchmark must measure what a real CLIP visual tower costs on this machine, but
the model hubs are unreachable here.  Inference time depends only on the graph's shapes, not
on the weight values, so this module writes an ONNX graph with exactly the architecture of
OpenAI CLIP ViT-B/32's visual tower (same ops, same tensor sizes, so the same FLOPs) and
random weights, laid out the way Immich ships its models::

    out_dir/config.json
    out_dir/visual/model.onnx
    out_dir/visual/preprocess_cfg.json

CLI: ``uv run python -m benchmarks.vit_model OUT_DIR`` builds (or reuses) the model and
prints the per-image latency at batch 1 and batch 16.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# OpenAI CLIP ViT-B/32 visual tower.
IMAGE_SIZE = 224
PATCH = 32
WIDTH = 768
LAYERS = 12
HEADS = 12
MLP_WIDTH = 4 * WIDTH
EMBED_DIM = 512
GRID = IMAGE_SIZE // PATCH  # 7
TOKENS = GRID * GRID + 1  # 49 patches + class token = 50
HEAD_DIM = WIDTH // HEADS  # 64
LN_EPS = 1e-5

OPSET = 17  # first opset with LayerNormalization
IR_VERSION = 8  # accepted by onnxruntime 1.17 .. 1.32

#: Bumped whenever the graph changes, so stale cached models get rebuilt.
BUILD_VERSION = 1
STAMP_NAME = ".konomi-bench-stamp.json"

CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]

PREPROCESS_CFG = {
    "size": [IMAGE_SIZE, IMAGE_SIZE],
    "mode": "RGB",
    "mean": CLIP_MEAN,
    "std": CLIP_STD,
    "interpolation": "bicubic",
    "resize_mode": "shortest",
    "fill_color": 0,
}

# open_clip's model config for ViT-B-32, the file Immich puts next to visual/ and textual/.
MODEL_CONFIG = {
    "embed_dim": EMBED_DIM,
    "vision_cfg": {
        "image_size": IMAGE_SIZE,
        "layers": LAYERS,
        "width": WIDTH,
        "patch_size": PATCH,
    },
    "text_cfg": {
        "context_length": 77,
        "vocab_size": 49408,
        "width": 512,
        "heads": 8,
        "layers": 12,
    },
}


class _GraphBuilder:
    """Collects nodes and initialisers; keeps the graph-writing code below readable."""

    def __init__(self, rng: np.random.Generator, std: float) -> None:
        self.rng = rng
        self.std = std
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self._n = 0

    def _name(self, hint: str) -> str:
        self._n += 1
        return f"{hint}_{self._n}"

    def const(self, name: str, value: np.ndarray) -> str:
        self.inits.append(numpy_helper.from_array(value, name))
        return name

    def weight(self, name: str, shape: tuple[int, ...]) -> str:
        """Random normal weights; small std keeps the residual stream finite through 12 blocks."""
        w = self.rng.standard_normal(shape, dtype=np.float32)
        w *= np.float32(self.std)
        return self.const(name, w)

    def ones(self, name: str, n: int) -> str:
        return self.const(name, np.ones(n, dtype=np.float32))

    def zeros(self, name: str, n: int) -> str:
        return self.const(name, np.zeros(n, dtype=np.float32))

    def op(self, op_type: str, inputs: list[str], hint: str | None = None, **attrs) -> str:
        out = self._name(hint or op_type.lower())
        self.nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def layer_norm(self, x: str, prefix: str) -> str:
        scale = self.ones(f"{prefix}.weight", WIDTH)
        bias = self.zeros(f"{prefix}.bias", WIDTH)
        return self.op("LayerNormalization", [x, scale, bias], prefix, axis=-1, epsilon=LN_EPS)

    def linear(self, x: str, prefix: str, n_in: int, n_out: int, bias: bool = True) -> str:
        """x @ W (+ b), with W stored as [in, out] so no Transpose is needed at run time."""
        y = self.op("MatMul", [x, self.weight(f"{prefix}.weight", (n_in, n_out))], prefix)
        if bias:
            y = self.op("Add", [y, self.zeros(f"{prefix}.bias", n_out)], prefix)
        return y


def _attention(g: _GraphBuilder, x: str, prefix: str) -> str:
    """Multi-head self-attention as in torch.nn.MultiheadAttention (fused in-proj)."""
    qkv = g.linear(x, f"{prefix}.in_proj", WIDTH, 3 * WIDTH)  # [B, 50, 2304]
    split = g.const(f"{prefix}.split", np.array([WIDTH] * 3, dtype=np.int64))
    q, k, v = (f"{prefix}.{n}" for n in "qkv")
    g.nodes.append(helper.make_node("Split", [qkv, split], [q, k, v], axis=-1))
    heads = g.const(f"{prefix}.heads_shape", np.array([0, 0, HEADS, HEAD_DIM], dtype=np.int64))
    qh = g.op("Transpose", [g.op("Reshape", [q, heads])], perm=[0, 2, 1, 3])  # [B,12,50,64]
    kh = g.op("Transpose", [g.op("Reshape", [k, heads])], perm=[0, 2, 3, 1])  # [B,12,64,50]
    vh = g.op("Transpose", [g.op("Reshape", [v, heads])], perm=[0, 2, 1, 3])  # [B,12,50,64]
    scale = g.const(f"{prefix}.scale", np.array(HEAD_DIM**-0.5, dtype=np.float32))
    scores = g.op("MatMul", [g.op("Mul", [qh, scale]), kh])  # [B,12,50,50]
    attn = g.op("Softmax", [scores], axis=-1)
    ctx = g.op("Transpose", [g.op("MatMul", [attn, vh])], perm=[0, 2, 1, 3])  # [B,50,12,64]
    merged = g.const(f"{prefix}.merge_shape", np.array([0, 0, WIDTH], dtype=np.int64))
    ctx = g.op("Reshape", [ctx, merged])
    return g.linear(ctx, f"{prefix}.out_proj", WIDTH, WIDTH)


def _mlp(g: _GraphBuilder, x: str, prefix: str) -> str:
    """c_fc -> QuickGELU (x * sigmoid(1.702 x)) -> c_proj, as in OpenAI CLIP."""
    h = g.linear(x, f"{prefix}.c_fc", WIDTH, MLP_WIDTH)
    k = g.const(f"{prefix}.gelu_k", np.array(1.702, dtype=np.float32))
    h = g.op("Mul", [h, g.op("Sigmoid", [g.op("Mul", [h, k])])], "quick_gelu")
    return g.linear(h, f"{prefix}.c_proj", MLP_WIDTH, WIDTH)


def build_graph(seed: int = 0, std: float = 0.02) -> onnx.ModelProto:
    """Return the ViT-B/32 visual tower as an in-memory ONNX model (random weights)."""
    g = _GraphBuilder(np.random.default_rng(seed), std)

    # Patch embedding: Conv 3->768, k=32, s=32, no bias -> [B, 768, 7, 7] -> [B, 49, 768].
    conv_w = g.weight("conv1.weight", (WIDTH, 3, PATCH, PATCH))
    x = g.op(
        "Conv", ["image", conv_w], "conv1", kernel_shape=[PATCH, PATCH], strides=[PATCH, PATCH]
    )
    flat = g.const("patch_shape", np.array([0, WIDTH, GRID * GRID], dtype=np.int64))
    x = g.op("Transpose", [g.op("Reshape", [x, flat])], "patches", perm=[0, 2, 1])

    # Prepend the class embedding, broadcast to the (dynamic) batch size.
    cls = g.weight("class_embedding", (1, 1, WIDTH))
    batch = g.op("Shape", [x], "batch", start=0, end=1)
    tail = g.const("cls_tail", np.array([1, WIDTH], dtype=np.int64))
    cls_shape = g.op("Concat", [batch, tail], "cls_shape", axis=0)
    cls_b = g.op("Expand", [cls, cls_shape], "cls")
    x = g.op("Concat", [cls_b, x], "tokens", axis=1)  # [B, 50, 768]
    x = g.op("Add", [x, g.weight("positional_embedding", (TOKENS, WIDTH))], "pos")
    x = g.layer_norm(x, "ln_pre")

    for i in range(LAYERS):
        p = f"transformer.resblocks.{i}"
        x = g.op("Add", [x, _attention(g, g.layer_norm(x, f"{p}.ln_1"), f"{p}.attn")], "res")
        x = g.op("Add", [x, _mlp(g, g.layer_norm(x, f"{p}.ln_2"), f"{p}.mlp")], "res")

    # Class token -> ln_post -> projection to the joint embedding space.
    idx = g.const("cls_index", np.array(0, dtype=np.int64))
    x = g.op("Gather", [x, idx], "cls_token", axis=1)  # [B, 768]
    x = g.layer_norm(x, "ln_post")
    proj = g.weight("proj", (WIDTH, EMBED_DIM))
    g.nodes.append(helper.make_node("MatMul", [x, proj], ["embedding"], name="proj"))

    graph = helper.make_graph(
        g.nodes,
        "clip_vit_b32_visual_random",
        [
            helper.make_tensor_value_info(
                "image", TensorProto.FLOAT, ["batch", 3, IMAGE_SIZE, IMAGE_SIZE]
            )
        ],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", EMBED_DIM])],
        g.inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET)],
        producer_name="konomi-benchmarks",
        doc_string=f"CLIP ViT-B/32 visual tower, RANDOM weights (seed={seed}), for benchmarks.",
    )
    model.ir_version = IR_VERSION
    return model


def _stamp(seed: int) -> dict:
    return {"seed": seed, "build_version": BUILD_VERSION, "opset": OPSET}


def _is_cached(out_dir: Path, seed: int) -> bool:
    visual = out_dir / "visual"
    needed = [out_dir / "config.json", visual / "model.onnx", visual / "preprocess_cfg.json"]
    stamp = visual / STAMP_NAME
    if not stamp.is_file() or not all(p.is_file() for p in needed):
        return False
    try:
        return json.loads(stamp.read_text()) == _stamp(seed)
    except (OSError, ValueError):
        return False


def check_finite(model_path: Path, batch: int = 2) -> None:
    """Run the model once on a normalised-looking input; raise if the output is not finite.

    Random weights can blow up through 12 residual blocks if scaled badly; this catches it
    before a benchmark silently times NaN arithmetic.
    """
    import onnxruntime as ort

    sess = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(1).standard_normal(
        (batch, 3, IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32
    )
    (y,) = sess.run(None, {"image": x})
    if y.shape != (batch, EMBED_DIM):
        raise RuntimeError(f"unexpected output shape {y.shape}")
    if not np.isfinite(y).all():
        raise RuntimeError("model output contains NaN or inf")


def build_vit_b32(out_dir: Path, *, seed: int = 0) -> Path:
    """Write the random ViT-B/32 in Immich's layout under ``out_dir``; return the .onnx path.

    Reuses the existing files when a stamp says they were built from the same seed and
    builder version (building takes a few seconds and writes ~350 MB).
    """
    out_dir = Path(out_dir)
    visual = out_dir / "visual"
    model_path = visual / "model.onnx"
    if _is_cached(out_dir, seed):
        return model_path

    visual.mkdir(parents=True, exist_ok=True)
    (visual / STAMP_NAME).unlink(missing_ok=True)  # invalid until everything is written
    model = build_graph(seed)
    # ~88 M parameters = ~350 MB, well under protobuf's 2 GB limit: one file, no external data.
    onnx.checker.check_model(model)
    tmp = model_path.with_suffix(".onnx.tmp")
    onnx.save(model, str(tmp))
    tmp.replace(model_path)
    del model
    (out_dir / "config.json").write_text(json.dumps(MODEL_CONFIG, indent=2) + "\n")
    (visual / "preprocess_cfg.json").write_text(json.dumps(PREPROCESS_CFG, indent=2) + "\n")
    check_finite(model_path)
    (visual / STAMP_NAME).write_text(json.dumps(_stamp(seed)) + "\n")
    return model_path


def time_per_image(model_path: Path, batch: int, repeats: int = 5) -> float:
    """Seconds per image for onnxruntime CPU inference at ``batch`` (after one warm-up run)."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal(
        (batch, 3, IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32
    )
    sess.run(None, {"image": x})
    t0 = time.perf_counter()
    for _ in range(repeats):
        sess.run(None, {"image": x})
    return (time.perf_counter() - t0) / (repeats * batch)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.exit("usage: python -m benchmarks.vit_model OUT_DIR")
    t0 = time.perf_counter()
    path = build_vit_b32(Path(args[0]))
    print(
        f"model: {path} ({path.stat().st_size / 1e6:.0f} MB, ready in "
        f"{time.perf_counter() - t0:.1f} s)"
    )
    for batch in (1, 16):
        print(f"batch {batch:>2}: {time_per_image(path, batch) * 1e3:.1f} ms/image")


if __name__ == "__main__":
    main()
