"""`konomi score --input`: list the inputs, skip what a previous run already scored, run an
engine, merge into one Parquet file. The workspace gives the model, the head and the
thresholds; the images are only read."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from konomi.app.batch import output
from konomi.app.batch.scoring import BatchSpec
from konomi.app.batch.sources import as_posix, list_inputs
from konomi.app.context import Context
from konomi.encode.encoder import Encoder
from konomi.errors import KonomiError
from konomi.i18n import t
from konomi.store.heads import load_head

ENGINES = ("local", "ray")


@dataclass
class BatchOutcome:
    out: Path
    head_id: str
    engine: str
    total: int  # rows in the file
    scored: int  # images scored by this run
    reused: int  # rows kept from a previous run
    unreadable: int
    counts: dict[str, int]
    seconds: float
    startup_seconds: float  # Ray: starting or joining the cluster
    ray: Any = None  # RaySession when the Ray engine ran


def spec_for(ctx: Context, *, with_embeddings: bool) -> BatchSpec:
    """The model, head and thresholds of the workspace, as values a worker can receive."""
    record = load_head(ctx.ws, ctx.model.model_id)
    # The model is loaded once here, on the CPU: a broken one fails before any work, and the
    # session tells the input size and dimension. The device is the workers' business (the
    # machine that starts a GPU cluster's job often has no GPU itself).
    encoder = Encoder(ctx.model, device="cpu", threads=1)
    dim = record.info.get("dim")
    if dim and encoder.dim and dim != encoder.dim:
        raise KonomiError(
            t("batch.dim_mismatch", head=dim, model=encoder.dim), t("errors.app.retrain_hint")
        )
    return BatchSpec(
        model=ctx.model,
        size=encoder.size,
        head_id=record.id,
        head_arrays=record.head.arrays(),
        head_params=record.head.params(),
        thresholds=ctx.thresholds(record),
        device=ctx.settings.device,
        with_embeddings=with_embeddings,
    )


def score_dataset(
    ctx: Context,
    source: Path | str,
    out: Path,
    *,
    engine: str = "local",
    address: str | None = None,
    with_embeddings: bool = False,
    cpus: int | None = None,
) -> BatchOutcome:
    """Score every image of `source` into `out` (Parquet), resuming a previous run's work."""
    if engine not in ENGINES:
        raise KonomiError(t("batch.unknown_engine", engine=engine))
    output.require_pyarrow()
    if out.suffix.lower() != ".parquet":
        raise KonomiError(t("batch.out_not_parquet", path=out))
    out = Path(as_posix(out))
    if engine == "ray":
        from konomi.app.batch.ray_engine import import_ray

        import_ray()  # a missing extra is said before any work
    started = time.perf_counter()
    inputs = list_inputs(source)
    output.check_out(out, Path(os.path.expanduser(os.fspath(source))), inputs.paths)
    spec = spec_for(ctx, with_embeddings=with_embeddings)
    out.parent.mkdir(parents=True, exist_ok=True)
    previous = output.still_valid(
        output.load_rows(out, spec.head_id, set(inputs.paths), with_embeddings)
    )
    done = set(previous["path"].to_pylist()) if previous is not None else set()
    todo = [p for p in inputs.paths if p not in done]
    session, startup = None, 0.0
    if todo:
        folder = output.new_run_dir(out)
        if engine == "local":
            from konomi.app.batch.local import run_local

            run_local(todo, spec, folder, progress=ctx.progress, workers=cpus)
        else:
            from konomi.app.batch import ray_engine

            t0 = time.perf_counter()
            session = ray_engine.start(address, cpus)
            startup = time.perf_counter() - t0
            try:
                bars = bool(os.environ.get("KONOMI_PROGRESS")) or _stderr_is_terminal()
                ray_engine.run_ray(todo, spec, folder, session, progress_bars=bars)
            finally:
                ray_engine.stop()
    table = output.finish(
        out, spec.head_id, inputs.paths, inputs.refused, spec.thresholds, with_embeddings
    )
    labels = table["label"].to_pylist()
    return BatchOutcome(
        out=out,
        head_id=spec.head_id,
        engine=engine,
        total=len(table),
        scored=len(todo),
        reused=len(done),
        unreadable=len(table) - table["error"].null_count,
        counts={k: labels.count(k) for k in ("like", "unsure", "dislike")},
        seconds=time.perf_counter() - started,
        startup_seconds=startup,
        ray=session,
    )


def _stderr_is_terminal() -> bool:
    try:
        return os.isatty(2)
    except OSError:
        return False
