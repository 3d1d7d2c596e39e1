"""`check-env`: is this machine ready, and if not, what exactly to do about it."""

from __future__ import annotations

import importlib.metadata
import platform
import sys
from dataclasses import dataclass

import numpy as np

from konomi.app.folders import ignore_rules
from konomi.encode.encoder import Encoder, available_providers, resolve_model
from konomi.encode.images import Skipped, find_images
from konomi.encode.probe import probe_formats
from konomi.errors import KonomiError
from konomi.i18n import t
from konomi.settings import Settings
from konomi.workspace import LABELS, Workspace


@dataclass(frozen=True)
class Check:
    """One line of the check-env table."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True


PACKAGES = (
    "onnxruntime",
    "numpy",
    "pillow",
    "pillow-heif",
    "rawpy",
    "pathspec",
    "scikit-learn",
    "huggingface-hub",
    "typer",
    "rich",
)


def run_checks(ws: Workspace, settings: Settings) -> list[Check]:
    """Every check, in the order a person would fix them."""
    checks = [
        Check(
            "Python",
            sys.version_info >= (3, 10),
            f"{platform.python_version()} ({sys.executable})",
            t("check.python_fix"),
        )
    ]
    for name in PACKAGES:
        try:
            version = importlib.metadata.version(name)
            checks.append(Check(t("check.package", name=name), True, version))
        except importlib.metadata.PackageNotFoundError:
            missing, fix = t("check.missing"), t("check.package_fix")
            checks.append(Check(t("check.package", name=name), False, missing, fix))
    providers = available_providers()
    checks.append(Check(t("check.providers"), True, ", ".join(providers)))
    checks += format_checks()
    checks.append(_ray_check())
    checks += _model_checks(settings)
    checks += _data_checks(ws)
    return checks


_FORMAT_FIX = {
    "pillow": "formats.check_fix_pillow",
    "pillow-heif": "formats.check_fix_heif",
    "rawpy": "formats.check_fix_raw",
}


def format_checks() -> list[Check]:
    """One row per format, from decoding a sample made in memory: yes only when it decoded."""
    rows = []
    for probe in probe_formats():
        shown = t("formats.raw_name") if probe.decoder == "rawpy" else probe.name
        name = t("formats.check", format=shown)
        if probe.ok:
            rows.append(Check(name, True, t("formats.check_yes", how=probe.detail)))
        else:
            detail = t("formats.check_no", why=probe.detail)
            fix = t(_FORMAT_FIX[probe.decoder])
            # AVIF needs a Pillow built with libavif: worth knowing, not worth stopping for.
            rows.append(Check(name, False, detail, fix, required=probe.name != "AVIF"))
    return rows


def _ray_check() -> Check:
    """Ray is an optional extra (konomi score --engine ray): reported, never required. Read
    from the package metadata, so check-env does not pay for importing Ray."""
    try:
        version = importlib.metadata.version("ray")
    except importlib.metadata.PackageNotFoundError:
        return Check(
            t("batch.check_ray"),
            False,
            t("batch.check_ray_absent"),
            t("batch.check_ray_fix"),
            required=False,
        )
    return Check(
        t("batch.check_ray"), True, t("batch.check_ray_present", version=version), required=False
    )


def _model_checks(settings: Settings) -> list[Check]:
    try:
        files = resolve_model(settings.model)
    except KonomiError as exc:
        return [Check(t("check.model", model=settings.model), False, exc.message, exc.hint or "")]
    out = [Check(t("check.model_files"), True, f"{files.onnx_path}")]
    try:
        encoder = Encoder(files, device=settings.device)
        vec = encoder.encode(np.zeros((1, 3, encoder.size, encoder.size), np.float32))
        detail = t(
            "check.model_loads_yes",
            size=encoder.size,
            dim=vec.shape[1],
            provider=encoder.providers[0],
        )
        out.append(Check(t("check.model_loads"), True, detail))
    except KonomiError as exc:
        out.append(Check(t("check.model_loads"), False, exc.message, exc.hint or ""))
    return out


def _data_checks(ws: Workspace) -> list[Check]:
    out = []
    rules = ignore_rules(ws)
    for label in LABELS:
        folder = ws.train_dir(label)
        if not folder.is_dir():
            fix = t("check.folder_fix", root=ws.root)
            out.append(Check(ws.rel(folder), False, t("check.missing"), fix))
            continue
        skipped: list[Skipped] = []
        n = sum(1 for _ in find_images(folder, skipped, ignore=rules))
        fix = "" if n >= 20 else t(f"check.train_fix.{label}", folder=ws.rel(folder))
        out.append(Check(ws.rel(folder), n > 0, t("check.images", n=n), fix))
    folder = ws.unlabeled
    if folder.is_dir():
        n = sum(1 for _ in find_images(folder, ignore=rules))
        out.append(Check(ws.rel(folder), True, t("check.images_to_sort", n=n), required=False))
    else:
        out.append(Check(ws.rel(folder), True, t("check.missing"), required=False))
    for proposal in ("like", "dislike", "unsure"):
        folder = ws.classified_dir(proposal)
        if folder.is_dir():
            n = sum(1 for _ in find_images(folder, ignore=rules))
            out.append(Check(ws.rel(folder), True, t("check.images", n=n), required=False))
    return out
