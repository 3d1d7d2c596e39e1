"""The frozen CLIP image encoder: resolving a model, preprocessing, batched ONNX inference.

A model VALUE (see README, "Choosing the model") is a Hugging Face repo id in the Immich /
open_clip ONNX layout, a local directory in that layout, or a bare `.onnx` file. The model's
input name and size are read from the ONNX session, never assumed.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from konomi.errors import ModelError
from konomi.i18n import t
from konomi.machine import usable_cores
from konomi.progress import Progress

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)
HUB_PATTERNS = ["config.json", "visual/*"]
_RESAMPLE = {
    "bicubic": Image.Resampling.BICUBIC,
    "bilinear": Image.Resampling.BILINEAR,
    "nearest": Image.Resampling.NEAREST,
    "lanczos": Image.Resampling.LANCZOS,
    "box": Image.Resampling.BOX,
}


@dataclass(frozen=True)
class Preprocess:
    """How pixels become the model's input (from `preprocess_cfg.json`)."""

    size: int | None = None  # None: read from the ONNX input
    mean: tuple[float, float, float] = CLIP_MEAN
    std: tuple[float, float, float] = CLIP_STD
    interpolation: str = "bicubic"
    resize_mode: str = "shortest"  # "shortest": resize + centre crop; "squash": plain resize

    @classmethod
    def from_file(cls, path: Path) -> Preprocess:
        """Parse `preprocess_cfg.json`, explaining exactly what is wrong with it."""
        try:
            cfg = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ModelError(
                t("errors.model.cfg_json", path=path, problem=exc),
                t("errors.model.cfg_json_hint"),
            ) from None
        if not isinstance(cfg, dict):
            raise ModelError(t("errors.model.cfg_object", path=path))
        missing = [k for k in ("size", "mean", "std") if k not in cfg]
        if missing:
            raise ModelError(
                t("errors.model.cfg_keys", path=path, keys=", ".join(missing)),
                t("errors.model.cfg_keys_hint"),
            )
        try:
            size = cfg["size"]
            size = int(size[0] if isinstance(size, list) else size)
            mean = tuple(float(v) for v in cfg["mean"])
            std = tuple(float(v) for v in cfg["std"])
            if len(mean) != 3 or len(std) != 3 or size <= 0 or min(std) <= 0:
                raise ValueError("mean and std need 3 values, size and std must be positive")
        except (TypeError, ValueError, IndexError) as exc:
            raise ModelError(t("errors.model.cfg_values", path=path, problem=exc)) from None
        interpolation = str(cfg.get("interpolation", "bicubic")).lower()
        if interpolation not in _RESAMPLE:
            interpolation = "bicubic"
        mode = str(cfg.get("resize_mode", "shortest")).lower()
        mode = "squash" if mode == "squash" else "shortest"
        return cls(size, mean, std, interpolation, mode)

    def with_size(self, size: int) -> Preprocess:
        return Preprocess(size, self.mean, self.std, self.interpolation, self.resize_mode)

    def pixels(self, image: Image.Image) -> np.ndarray:
        """RGB image → uint8 [S, S, 3], resized and cropped (4x smaller than the float input).

        The shortest-side mode resizes only the centre square (`box`), which gives the pixels
        of "resize, then centre-crop" without resampling what the crop throws away.
        """
        size = self.size
        assert size is not None, "size must be known (read from the ONNX session)"
        resample = _RESAMPLE[self.interpolation]
        w, h = image.size
        box: tuple[float, float, float, float] | None = None
        if self.resize_mode != "squash" and w != h:
            side = min(w, h)
            left, top = (w - side) / 2, (h - side) / 2
            box = (left, top, left + side, top + side)
        if (w, h) != (size, size) or box is not None:
            # reducing_gap lets Pillow shrink big images in cheap integer steps first.
            image = image.resize((size, size), resample, box=box, reducing_gap=3.0)
        return np.asarray(image, dtype=np.uint8)

    def normalise(self, pixels: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """uint8 [N, S, S, 3] → the model's float32 [N, 3, S, S] input, in one pass.

        (x / 255 - mean) / std is computed as x * scale + offset, written channel-first
        straight into `out` (allocated when None).
        """
        n, s = pixels.shape[0], pixels.shape[1]
        if out is None:
            out = np.empty((n, 3, s, s), np.float32)
        std = np.asarray(self.std, np.float32)
        scale = (1.0 / (255.0 * std)).reshape(1, 3, 1, 1)
        offset = (-np.asarray(self.mean, np.float32) / std).reshape(1, 3, 1, 1)
        np.multiply(pixels.transpose(0, 3, 1, 2), scale, out=out, casting="unsafe")
        out += offset
        return out

    def apply(self, image: Image.Image) -> np.ndarray:
        """RGB image → CHW float32, resized, cropped and normalised."""
        result: np.ndarray = self.normalise(self.pixels(image)[None])[0]
        return result


@dataclass(frozen=True)
class ModelFiles:
    """A resolved model: where its ONNX file is, how to preprocess, and a stable id."""

    value: str  # what the person asked for
    model_id: str  # the key of cached embeddings and of heads made with it
    onnx_path: Path
    preprocess: Preprocess


def _local_fingerprint(path: Path) -> str:
    """A cheap fingerprint of a local model file: size + hashes of its first and last MiB.

    Hashing a 350 MB model on every run would cost more than a warm run itself; the head and
    cache only need to notice that the weights changed.
    """
    h = hashlib.blake2b(digest_size=8)
    size = path.stat().st_size
    h.update(str(size).encode())
    with open(path, "rb") as f:
        h.update(f.read(1 << 20))
        if size > 2 << 20:
            f.seek(-(1 << 20), os.SEEK_END)
            h.update(f.read())
    return h.hexdigest()


def _from_layout(value: str, folder: Path, model_id: str | None = None) -> ModelFiles:
    """The Immich layout (visual/model.onnx), or a folder holding just model.onnx, which is how
    people often keep an exported encoder; its preprocess_cfg.json is read from beside it."""
    onnx_path = folder / "visual" / "model.onnx"
    if not onnx_path.is_file() and (folder / "model.onnx").is_file():
        onnx_path = folder / "model.onnx"
    if not onnx_path.is_file():
        raise ModelError(t("errors.model.no_onnx", folder=folder), t("errors.model.no_onnx_hint"))
    cfg = onnx_path.with_name("preprocess_cfg.json")
    pre = Preprocess.from_file(cfg) if cfg.exists() else Preprocess()
    if model_id is None:
        model_id = f"{folder.name}@{_local_fingerprint(onnx_path)}"
    return ModelFiles(value, model_id, onnx_path, pre)


def resolve_model(value: str, progress: Progress | None = None) -> ModelFiles:
    """Find the model files for VALUE: local `.onnx`, local folder, or Hugging Face repo id."""
    path = Path(value).expanduser()
    if value.lower().endswith(".onnx"):
        if not path.is_file():
            raise ModelError(
                t("errors.model.file_not_found", path=path),
                t("errors.model.file_not_found_hint"),
            )
        cfg = path.with_name("preprocess_cfg.json")
        pre = Preprocess.from_file(cfg) if cfg.exists() else Preprocess()
        return ModelFiles(value, f"{path.stem}@{_local_fingerprint(path)}", path, pre)
    if path.is_dir():
        return _from_layout(value, path.resolve())
    looks_like_repo = value.count("/") == 1 and not value.startswith((".", "/", "~"))
    if not looks_like_repo or path.exists() or not _valid_repo_id(value):
        raise ModelError(t("errors.model.not_found", value=value), t("errors.model.not_found_hint"))
    snapshot = _download(value, progress)
    return _from_layout(value, snapshot, model_id=f"{value}@{snapshot.name[:12]}")


def _valid_repo_id(value: str) -> bool:
    """Whether `value` can be a Hugging Face repo id at all (`owner/name`, at most 96
    characters, no spaces, no leading `-`): anything else names no model, and the hub's own
    check would otherwise fail as an unexpected error."""
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id  # type: ignore[attr-defined,unused-ignore]

    try:
        validate_repo_id(value)
    except HFValidationError:
        return False
    return True


def _download(
    repo_id: str,
    progress: Progress | None,
    patterns: list[str] | None = None,
    *,
    cached_first: bool = True,
) -> Path:
    """Fetch only the visual files of a hub model (or find them in the local HF cache);
    `patterns` asks for other files instead (the text tower: config.json, textual/*), and
    `cached_first=False` asks the hub even when a snapshot is cached (it may lack those files)."""
    patterns = patterns or HUB_PATTERNS
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import (
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
    )

    if progress:
        progress(t("progress.model", repo=repo_id), 0, None)
    try:
        try:
            if not cached_first:
                raise LocalEntryNotFoundError("asked to look on the hub")
            folder = snapshot_download(repo_id, allow_patterns=patterns, local_files_only=True)
        except LocalEntryNotFoundError:
            folder = snapshot_download(repo_id, allow_patterns=patterns)
    except RepositoryNotFoundError:
        raise ModelError(
            t("errors.model.no_repo", repo=repo_id), t("errors.model.no_repo_hint")
        ) from None
    except (LocalEntryNotFoundError, HfHubHTTPError, OSError) as exc:
        raise ModelError(
            t("errors.model.offline", repo=repo_id, why=type(exc).__name__),
            t("errors.model.offline_hint"),
        ) from None
    return Path(folder)


def hub_snapshot(
    repo_id: str,
    patterns: list[str],
    progress: Progress | None = None,
    *,
    cached_first: bool = True,
) -> Path:
    """The local snapshot of some files of a hub model (`patterns`), downloaded if needed: the
    text tower's files are fetched this way, only when a text feature is used."""
    return _download(repo_id, progress, patterns, cached_first=cached_first)


def available_providers() -> list[str]:
    """ONNX Runtime execution providers usable on this machine."""
    import onnxruntime as ort

    return list(ort.get_available_providers())


DEVICE_PROVIDERS = {
    "cuda": "CUDAExecutionProvider",
    "coreml": "CoreMLExecutionProvider",
    "directml": "DmlExecutionProvider",
    "openvino": "OpenVINOExecutionProvider",
    "cpu": "CPUExecutionProvider",
}
PROVIDER_PACKAGES = {  # the package whose ONNX Runtime has the device (it replaces onnxruntime)
    "cuda": "onnxruntime-gpu",
    "directml": "onnxruntime-directml",
    "openvino": "onnxruntime-openvino",
}


def choose_providers(device: str) -> list[str]:
    """Providers for `--device`: `auto` takes the best available accelerator, then the CPU."""
    available = available_providers()
    if device == "auto":
        order = ["cuda", "coreml", "directml", "openvino"]
        chosen = [DEVICE_PROVIDERS[d] for d in order if DEVICE_PROVIDERS[d] in available]
        return [*chosen[:1], "CPUExecutionProvider"]
    if device not in DEVICE_PROVIDERS:
        raise ModelError(
            t("errors.model.unknown_device", device=device),
            t("errors.app.choose_one", choices=", ".join(["auto", *DEVICE_PROVIDERS])),
        )
    provider = DEVICE_PROVIDERS[device]
    if provider not in available:
        package = PROVIDER_PACKAGES.get(device)
        raise ModelError(
            t("errors.model.device_unavailable", device=device, available=", ".join(available)),
            t("errors.model.device_unavailable_hint", package=package)
            if package
            else t("errors.model.device_unavailable_hint_other"),
        )
    return [provider] if device == "cpu" else [provider, "CPUExecutionProvider"]


def session_options(threads: int, *, spin: bool = False) -> object:
    """ONNX Runtime options for a session that shares the CPU with image decoding.

    Chosen by measurement (docs/performance.md): full graph optimisation, the memory arena on,
    `threads` intra-op threads, and no spin-waiting — a spinning worker burns a core that the
    decoders need, which costs far more than the microseconds it saves.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.enable_cpu_mem_arena = True
    options.log_severity_level = 3
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    if not spin:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    return options


class Encoder:
    """An ONNX Runtime session over a CLIP image tower, producing L2-normalised embeddings.

    On the CPU, each `encode` call runs on `threads` cores (1 by default) and the session is
    meant to be called from `parallel_runs` threads at once: independent single-threaded runs
    never wait for each other at the end of every operator, as intra-op threads must, so they
    keep their speed when image decoding takes a core away from them for a moment. On an
    accelerator, the provider does the parallel work and a second run overlaps the copies.
    """

    def __init__(
        self,
        files: ModelFiles,
        *,
        device: str = "auto",
        threads: int | None = None,
        onnx_path: Path | None = None,
        runs: int | None = None,
        spin: bool = False,
    ) -> None:
        import onnxruntime as ort

        self.files = files
        path = onnx_path or files.onnx_path
        self.onnx_path = path  # the file this session runs (an int8 twin's, a worker's copy)
        providers = choose_providers(device)
        accelerated = providers[0] != "CPUExecutionProvider"
        cores = usable_cores()
        if threads is None:
            threads = cores if accelerated else 1
        options = session_options(threads, spin=spin)
        try:
            self.session = ort.InferenceSession(
                str(path), sess_options=options, providers=providers
            )
        except ModelError:
            raise
        except Exception as exc:  # noqa: BLE001 - ORT raises many types for a bad file
            first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
            raise ModelError(
                t(
                    "errors.model.does_not_load",
                    path=path,
                    problem=f"{type(exc).__name__}: {first}",
                ),
                t("errors.model.does_not_load_hint"),
            ) from None
        got = self.session.get_providers()
        if device not in ("auto", "cpu") and providers[0] not in got:
            raise ModelError(
                t("errors.model.fell_back", device=device, got=got[0]),
                t("errors.model.fell_back_hint"),
            )
        self.accelerated = got[0] != "CPUExecutionProvider"
        self.threads = threads
        if runs is None:
            runs = 2 if self.accelerated else max(1, cores // max(1, threads))
        self.parallel_runs = max(1, runs)
        self.providers = got
        inputs = self.session.get_inputs()
        outputs = self.session.get_outputs()
        if len(inputs) != 1:
            raise ModelError(t("errors.model.inputs", path=path, n=len(inputs)))
        shape = inputs[0].shape
        if len(shape) != 4 or shape[1] not in (3, "3"):
            raise ModelError(
                t("errors.model.input_shape", path=path, shape=shape),
                t("errors.model.input_shape_hint"),
            )
        self.input_name = inputs[0].name
        h, w = shape[2], shape[3]
        if isinstance(h, int) and isinstance(w, int):
            if h != w:
                raise ModelError(t("errors.model.non_square", path=path, h=h, w=w))
            size = h
        else:
            size = files.preprocess.size or 224
        if size < 8:
            raise ModelError(t("errors.model.too_small", path=path, size=size))
        self.preprocess = files.preprocess.with_size(size)
        self.size = size
        batch = shape[0]
        self.fixed_batch = batch if isinstance(batch, int) and batch > 0 else None
        out_shape = outputs[0].shape
        if len(out_shape) != 2:
            raise ModelError(
                t("errors.model.output_shape", path=path, shape=out_shape),
                t("errors.model.output_shape_hint"),
            )
        self.dim = out_shape[1] if isinstance(out_shape[1], int) else None
        if self.dim is None:
            self.dim = int(self.encode(np.zeros((1, 3, size, size), np.float32)).shape[1])

    @property
    def model_id(self) -> str:
        return self.files.model_id

    def encode(self, batch: np.ndarray) -> np.ndarray:
        """Embed a preprocessed batch [N, 3, S, S] → L2-normalised float32 [N, d]."""
        fixed = self.fixed_batch
        if fixed and len(batch) != fixed:
            # A model exported with a fixed batch: feed it chunks of exactly that size.
            parts = []
            for i in range(0, len(batch), fixed):
                chunk = batch[i : i + fixed]
                pad = fixed - len(chunk)
                if pad:
                    chunk = np.concatenate([chunk, np.zeros((pad, *chunk.shape[1:]), chunk.dtype)])
                parts.append(self.encode(chunk)[: fixed - pad])
            return np.concatenate(parts) if parts else np.zeros((0, self.dim or 0), np.float32)
        try:
            out = self.session.run(None, {self.input_name: batch.astype(np.float32, copy=False)})[0]
        except Exception as exc:  # noqa: BLE001 - ORT raises many types for a model that fails
            first = (str(exc).strip().splitlines() or [""])[0][:300]
            raise ModelError(
                t("errors.model.batch_failed", problem=f"{type(exc).__name__}: {first}"),
                t("errors.model.batch_failed_hint"),
            ) from None
        out = np.asarray(out, dtype=np.float32)
        if out.ndim != 2 or out.shape[0] != len(batch):
            raise ModelError(t("errors.model.batch_shape", shape=out.shape, n=len(batch)))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        result: np.ndarray = out / np.maximum(norms, 1e-12)
        return result

    def encode_images(self, images: list[Image.Image]) -> np.ndarray:
        """Preprocess and embed PIL images (convenience for small jobs and tests)."""
        if not images:
            return np.zeros((0, self.dim or 0), np.float32)
        return self.encode(np.stack([self.preprocess.apply(im) for im in images]))
