"""The one scoring function both engines run: decode a batch of paths, then encode and apply
the head. The local engine calls them in a loop; the Ray engine runs `decode_batch` as CPU
tasks and `Scorer` as an actor pool. Same code, same preprocessing, so the same scores."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from konomi.encode.encoder import Encoder, ModelFiles
from konomi.encode.images import decode, read_file
from konomi.encode.quality import decode_side
from konomi.errors import UnreadableImage
from konomi.i18n import t
from konomi.learn.head import Head

NO_ERROR = ""  # the error column's value inside the pipeline for a readable file (null on disk)


@dataclass(frozen=True)
class BatchSpec:
    """Everything a worker needs to score, as plain picklable values: the model's files, the
    input size read from its session, the head as its arrays and parameters (the .npz + JSON
    of models/), and the thresholds in force. Nothing refers to a workspace."""

    model: ModelFiles
    size: int
    head_id: str
    head_arrays: dict[str, np.ndarray] = field(repr=False)
    head_params: dict[str, Any]
    thresholds: tuple[float, float]  # (dislike, like)
    device: str = "cpu"
    with_embeddings: bool = False

    def head(self) -> Head:
        return Head.load(self.head_arrays, self.head_params)


def labels(scores: np.ndarray, dislike: float, like: float) -> np.ndarray:
    """like (score ≥ like), dislike (score ≤ dislike), else unsure — as the CSV report says."""
    out = np.full(len(scores), "unsure", dtype=object)
    out[scores >= like] = "like"
    out[scores <= dislike] = "dislike"
    return out


def decode_batch(batch: dict[str, np.ndarray], spec: BatchSpec) -> dict[str, np.ndarray]:
    """Paths → their size, mtime and the model's uint8 pixels; an unreadable file keeps zero
    pixels and the reason in `error`. CPU work only: no model is loaded here."""
    paths = [str(p) for p in batch["path"]]
    pre = spec.model.preprocess.with_size(spec.size)
    n, s = len(paths), spec.size
    pixels = np.zeros((n, s, s, 3), np.uint8)
    sizes = np.full(n, -1, np.int64)
    mtimes = np.full(n, -1, np.int64)
    errors = np.full(n, NO_ERROR, dtype=object)
    for i, path in enumerate(paths):
        try:
            st = os.stat(path, follow_symlinks=False)
            sizes[i], mtimes[i] = st.st_size, st.st_mtime_ns
            pixels[i] = pre.pixels(decode(read_file(Path(path)), min_side=decode_side(s)))
        except UnreadableImage as exc:
            errors[i] = exc.message
        except OSError as exc:
            errors[i] = t("unreadable.cannot_read", why=exc.strerror or exc)
    return {
        "path": np.asarray(paths, dtype=object),
        "size": sizes,
        "mtime_ns": mtimes,
        "error": errors.astype(str),
        "pixels": pixels,
    }


class Scorer:
    """An ONNX Runtime session and the head, applied to decoded batches. Ray Data builds one per
    actor (the model is loaded once per actor, not once per batch)."""

    def __init__(
        self, spec: BatchSpec, *, threads: int | None = None, model_path: str = ""
    ) -> None:
        self.spec = spec
        self.encoder = Encoder(
            spec.model,
            device=spec.device,
            threads=threads,
            onnx_path=Path(model_path) if model_path else None,
        )
        self.pre = spec.model.preprocess.with_size(spec.size)
        self.head = spec.head()

    def __call__(self, batch: dict[str, np.ndarray]) -> Any:
        """Decoded batch → a pyarrow Table of results (see `output.SCHEMA`)."""
        import pyarrow as pa

        errors = np.asarray(batch["error"]).astype(str)
        ok = np.flatnonzero(errors == NO_ERROR)
        n = len(errors)
        scores = np.full(n, np.nan)
        vectors = None
        if len(ok):
            X = self.encoder.encode(self.pre.normalise(np.asarray(batch["pixels"])[ok]))
            scores[ok] = self.head.predict(X)
            if self.spec.with_embeddings:
                vectors = np.zeros((n, X.shape[1]), np.float32)
                vectors[ok] = X
        dislike, like = self.spec.thresholds
        label = labels(scores, dislike, like)
        bad = errors != NO_ERROR
        columns: dict[str, Any] = {
            "path": pa.array([str(p) for p in batch["path"]], pa.string()),
            "score": pa.array(scores, pa.float64(), mask=bad),
            "label": pa.array(label.tolist(), pa.string(), mask=bad),
            "head": pa.array([self.spec.head_id] * n, pa.string()),
            "error": pa.array(errors.tolist(), pa.string(), mask=~bad),
            "size": pa.array(np.asarray(batch["size"], np.int64), pa.int64()),
            "mtime_ns": pa.array(np.asarray(batch["mtime_ns"], np.int64), pa.int64()),
        }
        if self.spec.with_embeddings:
            dim = self.encoder.dim or 0
            flat = (vectors if vectors is not None else np.zeros((n, dim), np.float32)).ravel()
            columns["embedding"] = pa.FixedSizeListArray.from_arrays(
                pa.array(flat, pa.float32()), dim, mask=pa.array(bad)
            )
        return pa.table(columns)


def score_batch(paths: list[str], spec: BatchSpec, scorer: Scorer) -> Any:
    """Score a list of paths: `decode_batch` then the scorer — what both engines compute."""
    return scorer(decode_batch({"path": np.asarray(paths, dtype=object)}, spec))
