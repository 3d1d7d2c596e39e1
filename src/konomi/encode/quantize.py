"""An int8 twin of the image encoder, used only where it scores like the original.

`--precision int8` (or `precision = "int8"` in konomi.toml) runs a dynamically quantised copy
of the model: weights stored as int8, activations quantised on the fly (ONNX Runtime's
`quantize_dynamic`). It is made once, cached next to the model, keyed by the original's
fingerprint, and its embeddings are cached under their own model id.

How much quantisation moves the embeddings depends on the model, and only the person's own
taste says whether that matters. So before int8 is used, konomi fits a head on the fp32
embeddings of the labelled images (data/train) and scores the same images from both
encoders: the ranking must agree (Spearman ≥ 0.995) and the like/dislike decision must be the
same for ≥ 99 % of them. Otherwise konomi says so and stays with fp32. The verdict is
remembered in `.konomi/int8-check.json` until the labelled images change.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from konomi.atomic import publish
from konomi.encode.encoder import ModelFiles
from konomi.errors import KonomiError, ModelError
from konomi.i18n import t
from konomi.progress import Progress

PRECISIONS = ("fp32", "int8")
INT8_SUFFIX = "+int8"
RECIPE = 1  # bump when the quantisation recipe changes: a new file and a new model id
MIN_SPEARMAN = 0.995
MIN_AGREEMENT = 0.99
MIN_PER_CLASS = 10  # fewer labelled images than this per class cannot vouch for int8
CHECK_FILE = "int8-check.json"


def int8_name(files: ModelFiles) -> str:
    """The cached int8 file's name: the fp32 file's stem and a key from its fingerprint."""
    key = hashlib.blake2b(f"{files.model_id}|{RECIPE}".encode(), digest_size=6).hexdigest()
    return f"{files.onnx_path.stem}.int8-{key}.onnx"


def quantized_files(
    files: ModelFiles, *, fallback_dir: Path | None = None, progress: Progress | None = None
) -> ModelFiles:
    """The int8 twin of `files`: quantised on first use, then read from its cache.

    It is written next to the fp32 model, or into `fallback_dir` (the workspace's `.konomi/`)
    when the model's folder is read-only. The twin has its own model id, so its embeddings
    and heads never mix with the fp32 ones.
    """
    name = int8_name(files)
    places = [files.onnx_path.parent] + ([fallback_dir] if fallback_dir else [])
    twin = replace(files, model_id=files.model_id + INT8_SUFFIX)
    for folder in places:
        if (folder / name).is_file():
            return replace(twin, onnx_path=folder / name)
    if progress:
        progress(t("progress.quantizing"), 0, None)
    errors = []
    for folder in places:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = _quantize(files.onnx_path, folder / name)
        except OSError as exc:  # a read-only model folder: try the next place
            errors.append(f"{folder}: {exc.strerror or exc}")
            continue
        return replace(twin, onnx_path=path)
    raise KonomiError(
        t("errors.model.int8_unwritable", why="; ".join(errors)),
        t("errors.model.int8_unwritable_hint"),
    )


def _quantize(source: Path, target: Path) -> Path:
    """Write the dynamically quantised model atomically (a crash leaves no half file)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    big = source.stat().st_size > 1_500_000_000 or any(source.parent.glob("*.onnx.data"))
    root = logging.getLogger()
    level = root.level
    # quantize_dynamic logs advice about pre-processing that means nothing to a konomi user.
    root.setLevel(max(level, logging.ERROR))
    try:
        # Signed int8 weights of the matrix products only: measured fastest on AVX2 and as
        # exact as the other choices; ONNX Runtime's ConvInteger is slower than the float Conv.
        quantize_dynamic(
            source,
            tmp,
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul", "Gemm"],
            use_external_data_format=big,
        )
        publish(tmp, target)
    except OSError:
        raise
    except Exception as exc:  # noqa: BLE001 - the quantiser raises anything on odd graphs
        raise ModelError(
            t("errors.model.int8_impossible", why=f"{type(exc).__name__}: {str(exc)[:200]}"),
            t("errors.model.use_fp32"),
        ) from None
    finally:
        root.setLevel(level)
        tmp.unlink(missing_ok=True)
    for stale in target.parent.glob(f"{source.stem}.int8-*.onnx"):
        if stale != target:  # an int8 twin of an older version of the weights
            stale.unlink(missing_ok=True)
    return target


@dataclass(frozen=True)
class Agreement:
    """How the int8 encoder's scores compare with fp32's on the person's labelled images."""

    n: int
    spearman: float
    same_decision: float  # share of images on the same side of 0.5
    min_spearman: float = MIN_SPEARMAN
    min_agreement: float = MIN_AGREEMENT

    @property
    def passed(self) -> bool:
        return self.spearman >= self.min_spearman and self.same_decision >= self.min_agreement

    def describe(self) -> str:
        return t(
            "errors.model.int8_agreement",
            n=self.n,
            spearman=self.spearman,
            min_spearman=self.min_spearman,
            same=self.same_decision,
            min_same=self.min_agreement,
        )


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Rank correlation of two score vectors (ties get their average rank)."""
    if len(a) < 2:
        return 1.0
    ra, rb = _ranks(np.asarray(a, np.float64)), _ranks(np.asarray(b, np.float64))
    ra -= ra.mean()
    rb -= rb.mean()
    denominator = float(np.sqrt((ra * ra).sum() * (rb * rb).sum()))
    return float((ra * rb).sum() / denominator) if denominator else 1.0


def _ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x), np.float64)
    ranks[order] = np.arange(len(x), dtype=np.float64)
    values, inverse = np.unique(x, return_inverse=True)
    if len(values) < len(x):  # average the ranks of ties
        sums = np.bincount(inverse, weights=ranks)
        counts = np.bincount(inverse)
        ranks = (sums / counts)[inverse]
    return ranks


def agreement(
    fp32: np.ndarray,
    int8: np.ndarray,
    labels: np.ndarray,
    *,
    min_spearman: float = MIN_SPEARMAN,
    min_agreement: float = MIN_AGREEMENT,
) -> Agreement:
    """Fit a head on the fp32 embeddings; score the same images from both encoders."""
    from konomi.learn.head import train_head

    head = train_head(fp32, labels, folds=3).head
    a, b = head.predict(fp32), head.predict(int8)
    same = float(np.mean((a >= 0.5) == (b >= 0.5))) if len(a) else 1.0
    return Agreement(len(a), spearman(a, b), same, min_spearman, min_agreement)


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()
