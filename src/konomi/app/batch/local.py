"""The local engine: decode in a thread pool while one ONNX Runtime session encodes, a part
file written every few hundred images (so a stopped run resumes from there)."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np

from konomi.app.batch.output import write_part
from konomi.app.batch.scoring import BatchSpec, Scorer, decode_batch
from konomi.app.ordered import in_order
from konomi.i18n import t
from konomi.machine import usable_cores
from konomi.progress import Progress

BATCH = 32  # images decoded by one task and encoded in one call
PART_BATCHES = 16  # batches per part file: a crash costs at most this many


def run_local(
    todo: list[str],
    spec: BatchSpec,
    folder: Path,
    *,
    progress: Progress | None = None,
    workers: int | None = None,
) -> int:
    """Score `todo` into part files under `folder`. Returns how many images were scored.

    Pillow decodes and resizes with the GIL released, so a thread per core keeps the encoder
    fed; the session itself uses every core between batches.
    """
    folder.mkdir(parents=True, exist_ok=True)
    cores = workers or usable_cores()
    scorer = Scorer(spec, threads=cores)
    batches = [todo[i : i + BATCH] for i in range(0, len(todo), BATCH)]
    done, part, pending_tables = 0, 0, []
    jobs = (partial(_decode, batch, spec) for batch in batches)
    for n, decoded in enumerate(in_order(jobs, cores, "konomi-decode"), start=1):
        pending_tables.append(scorer(decoded))
        done += len(decoded["path"])
        if progress:
            progress(t("progress.scoring"), done, len(todo))
        if len(pending_tables) >= PART_BATCHES or n == len(batches):
            import pyarrow as pa

            write_part(pa.concat_tables(pending_tables), folder, part)
            part, pending_tables = part + 1, []
    return done


def _decode(paths: list[str], spec: BatchSpec) -> dict[str, np.ndarray]:
    return decode_batch({"path": np.asarray(paths, dtype=object)}, spec)
