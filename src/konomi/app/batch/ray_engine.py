"""The Ray engine: Ray Data reads the path list, decodes on CPU tasks, encodes and applies the
head in an actor pool of ONNX Runtime sessions (one GPU each when the model runs on CUDA), and
writes Parquet parts. The functions are those of the local engine (`scoring`), not a copy.

Ray is imported here only, and only when `--engine ray` is asked for: `import ray` costs seconds
that a laptop run should not pay.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from konomi import faults
from konomi.app.batch.scoring import BatchSpec, Scorer, decode_batch
from konomi.atomic import publish
from konomi.errors import KonomiError
from konomi.i18n import t
from konomi.machine import usable_cores

BATCH = 32  # images per decode task batch and per encoder call
DECODE_MEMORY = 512 * 2**20  # bytes a decode task may hold
# Two decode tasks per CPU of the cluster: the encoder actors hold a CPU each but leave it idle
# while they wait for pixels, and the local engine likewise runs a decoding thread per core
# beside its session. With one task per CPU, a decode-bound run on 2 CPUs (one held by the
# actor) decoded on one core and ran at half the local engine's speed.
DECODE_CPUS = 0.5
WRITE_CPUS = 0.25
BLOCK = 64  # paths per input block: the unit of parallel reading
FAULT_ENV = faults.RAY_FAULT_ENV  # tests: an actor that finds this file removes it and dies


@dataclass
class RaySession:
    """Where the run happened: a local Ray started for it, or a cluster it joined."""

    address: str
    started_here: bool
    session_dir: str
    cpus: float
    gpus: float


def import_ray() -> Any:
    """Import Ray, or say how to install it. Under `uv run`, Ray would make every worker re-run
    `uv run` in an uploaded copy of the project (seconds and a gigabyte per session); the
    workers of a local Ray use this same interpreter instead."""
    os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise KonomiError(t("batch.no_ray"), t("batch.no_ray_hint")) from None
    return ray


def start(address: str | None, cpus: int | None = None) -> RaySession:
    """Join the cluster at `address` (or $RAY_ADDRESS), else start a local Ray for this run."""
    ray = import_ray()
    address = address or os.environ.get("RAY_ADDRESS") or None
    quiet = {"logging_level": logging.WARNING, "include_dashboard": False}
    if address:
        import konomi

        # The workers run this very konomi code, whatever version their image has.
        package = str(Path(konomi.__file__).parent)
        info = ray.init(address=address, runtime_env={"py_modules": [package]}, **quiet)
        started = False
    else:
        n = cpus or max(2, usable_cores())
        info = ray.init(address="local", num_cpus=n, **quiet)
        started = True
    resources = ray.cluster_resources()
    return RaySession(
        address=str(getattr(info, "address_info", {}).get("address", address or "local")),
        started_here=started,
        session_dir=str(getattr(info, "address_info", {}).get("session_dir", "")),
        cpus=float(resources.get("CPU", 0)),
        gpus=float(resources.get("GPU", 0)),
    )


def stop() -> None:
    import ray

    if ray.is_initialized():
        ray.shutdown()


def _decode(batch: dict[str, np.ndarray], spec: BatchSpec) -> dict[str, np.ndarray]:
    return decode_batch(batch, spec)


class RayScorer:
    """The actor: one ONNX Runtime session and the head, loaded once, over many batches.

    The model's bytes come through Ray's object store and are written once per node to a
    temporary file, so a cluster needs no shared copy of models/."""

    def __init__(self, spec: BatchSpec, model: Any, threads: int, fault_file: str = "") -> None:
        import ray

        data = ray.get(model) if isinstance(model, ray.ObjectRef) else model
        path = _materialise(bytes(data))
        self.scorer = Scorer(spec, threads=threads, model_path=path)
        self.fault_file = fault_file

    def __call__(self, batch: dict[str, np.ndarray]) -> Any:
        if self.fault_file:
            try:
                os.unlink(self.fault_file)  # only one actor wins the file: it dies, once
            except OSError:
                pass
            else:
                os._exit(17)
        return self.scorer(batch)


def _materialise(data: bytes) -> str:
    """The model as a file on this node, written once (atomically) under its content hash."""
    digest = hashlib.sha256(data).hexdigest()[:24]
    folder = Path(tempfile.gettempdir()) / "konomi-models"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}.onnx"
    if not path.is_file() or path.stat().st_size != len(data):
        tmp = folder / f".{digest}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        publish(tmp, path)
    return str(path)


def run_ray(
    todo: list[str], spec: BatchSpec, folder: Path, session: RaySession, *, progress_bars: bool
) -> int:
    """Score `todo` on Ray Data into Parquet parts under `folder`. Returns the images scored.

    `folder` must be seen by every node at the same path (so must the images): on one machine
    it is; on a cluster both live on shared storage.
    """
    ray = import_ray()
    import pyarrow as pa
    from ray.data import ActorPoolStrategy, DataContext

    if not todo:
        return 0
    DataContext.get_current().enable_progress_bars = progress_bars
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    gpu = spec.device in ("cuda", "auto") and session.gpus >= 1
    cpus = max(1, int(session.cpus))
    if gpu:
        actors, threads, actor_res = max(1, int(session.gpus)), 2, {"num_gpus": 1, "num_cpus": 1}
    else:
        # Half the CPUs encode, half decode; each actor's session may use two threads, as the
        # local engine's session shares the cores with its decoding threads.
        actors = max(1, cpus // 2)
        threads = max(1, min(2, cpus // actors))
        actor_res = {"num_cpus": 1}
    model_ref = ray.put(Path(spec.model.onnx_path).read_bytes())
    blocks = [pa.table({"path": todo[i : i + BLOCK]}) for i in range(0, len(todo), BLOCK)]
    ds = ray.data.from_arrow(blocks)
    # Decoding is its own stage of CPU tasks, scaled apart from the encoders. Its memory hint
    # (one photo of up to 100 MP decoded at a time, plus the batch) also keeps Ray Data from
    # fusing it into the actors, which would leave decoding and encoding taking turns.
    ds = ds.map_batches(
        _decode,
        fn_kwargs={"spec": spec},
        batch_size=BATCH,
        batch_format="numpy",
        num_cpus=DECODE_CPUS,
        memory=DECODE_MEMORY,
    )
    ds = ds.map_batches(
        RayScorer,
        fn_constructor_kwargs={
            "spec": spec,
            "model": model_ref,
            "threads": threads,
            "fault_file": faults.ray_fault_file(),
        },
        compute=ActorPoolStrategy(size=actors),
        batch_size=BATCH,
        batch_format="numpy",
        **actor_res,
    )  # Ray Data restarts an actor that dies and runs its batch again (max_restarts=-1)
    # Writing a block's few kilobytes of results is light: a whole CPU slot for it would
    # hold back a decode task.
    ds.write_parquet(str(folder), ray_remote_args={"num_cpus": WRITE_CPUS})
    return len(todo)
