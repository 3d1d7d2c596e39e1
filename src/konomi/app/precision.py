"""Which encoder a command runs: fp32, or the int8 twin once it has scored the person's own
labelled images like fp32 (see `konomi.encode.quantize` for the twin and the agreement test)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Protocol

import numpy as np

from konomi.app.folders import labelled_images
from konomi.atomic import write_text
from konomi.encode.encoder import Encoder, ModelFiles, choose_providers
from konomi.encode.images import Skipped
from konomi.encode.ingest import embed_files
from konomi.encode.quantize import (
    CHECK_FILE,
    MIN_AGREEMENT,
    MIN_PER_CLASS,
    MIN_SPEARMAN,
    PRECISIONS,
    Agreement,
    _digest,
    agreement,
    quantized_files,
)
from konomi.errors import KonomiError
from konomi.i18n import t
from konomi.progress import Progress, Reporter
from konomi.settings import Settings
from konomi.store.cache import EmbeddingCache
from konomi.workspace import Workspace


class Checking(Protocol):
    """What the int8 check needs of a command's context (the context itself picks the
    encoder through this module, so it is named by its parts, not imported)."""

    ws: Workspace
    settings: Settings
    reporter: Reporter

    @property
    def progress(self) -> Progress: ...

    @property
    def cache(self) -> EmbeddingCache: ...


def choose_model(
    ctx: Checking,
    fp32: ModelFiles,
    *,
    min_spearman: float = MIN_SPEARMAN,
    min_agreement: float = MIN_AGREEMENT,
) -> ModelFiles:
    """The model files for the precision in force: the int8 twin when it passes the check on
    the person's labelled images, otherwise fp32 with a warning that says why."""
    precision = ctx.settings.precision
    if precision not in PRECISIONS:
        raise KonomiError(
            t("errors.app.unknown_precision", precision=precision),
            t("errors.app.choose_one", choices=", ".join(PRECISIONS)),
        )
    if precision == "fp32":
        return fp32
    if choose_providers(ctx.settings.device)[0] != "CPUExecutionProvider":
        ctx.reporter.warn(t("errors.app.int8_accelerator"))
        return fp32
    int8 = quantized_files(fp32, fallback_dir=ctx.ws.state / "int8", progress=ctx.progress)
    verdict = _verdict(ctx, fp32, int8, min_spearman, min_agreement)
    if verdict is None:
        ctx.reporter.warn(t("errors.app.int8_unchecked", n=MIN_PER_CLASS))
        return fp32
    if not verdict.passed:
        ctx.reporter.warn(t("errors.app.int8_refused", why=verdict.describe()))
        return fp32
    return int8


def _verdict(
    ctx: Checking, fp32: ModelFiles, int8: ModelFiles, min_spearman: float, min_agreement: float
) -> Agreement | None:
    """Compare both encoders on data/train, or reuse the verdict on the same images."""
    skipped: list[Skipped] = []
    paths, labels = labelled_images(ctx.ws, skipped)
    if min(int((labels == 1).sum()), int((labels == 0).sum())) < MIN_PER_CLASS:
        return None
    device = ctx.settings.device
    cache = ctx.cache
    first = embed_files(
        paths, cache, fp32.model_id, lambda: Encoder(fp32, device=device), progress=ctx.progress
    )
    label_of = dict(zip(paths, labels))
    y = np.asarray([label_of[p] for p in first.paths], dtype=int)
    if min(int(y.sum()), int(len(y) - y.sum())) < MIN_PER_CLASS:
        return None
    key = {
        "fp32": fp32.model_id,
        "int8": int8.model_id,
        "images": _digest("\n".join(sorted(first.digests)).encode()),
        "labels": _digest(y.astype(np.int8).tobytes()),
        "min_spearman": min_spearman,
        "min_agreement": min_agreement,
    }
    record_path = ctx.ws.state / CHECK_FILE
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        if record.get("key") == key:
            return Agreement(**record["agreement"])
    except (OSError, ValueError, TypeError, KeyError):
        pass
    second = embed_files(
        first.paths,
        cache,
        int8.model_id,
        lambda: Encoder(int8, device=device),
        progress=ctx.progress,
    )
    if second.paths != first.paths:  # a file changed between the two passes: check next time
        return None
    verdict = agreement(
        first.vectors, second.vectors, y, min_spearman=min_spearman, min_agreement=min_agreement
    )
    try:
        text = json.dumps({"key": key, "agreement": asdict(verdict)}, indent=2)
        write_text(record_path, text)
    except OSError:
        pass  # only a memo: the check runs again next time
    return verdict
