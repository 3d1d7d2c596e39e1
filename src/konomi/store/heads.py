"""Versioned heads on disk: `models/<id>.npz` + `models/<id>.json`, and `models/current.json`.

Every `train` keeps its head with its metrics, so a person can list them and roll back. Arrays go
in `.npz` (loaded with `allow_pickle=False`), everything else in JSON: nothing read back from disk
can run code. A head remembers the encoder that made its embeddings, and refuses another.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from konomi import __version__
from konomi.atomic import atomic_file, write_text
from konomi.errors import NoHeadError
from konomi.i18n import t
from konomi.learn.head import Head
from konomi.workspace import Workspace


@dataclass
class HeadRecord:
    """One saved head: its id, the head itself, and what was recorded with it."""

    id: str
    head: Head
    info: dict[str, Any]

    @property
    def thresholds(self) -> tuple[float, float]:
        """(dislike, like) thresholds recorded at training time."""
        t = self.info.get("thresholds", {})
        return float(t.get("dislike", 0.3)), float(t.get("like", 0.7))


def new_id(ws: Workspace) -> str:
    base = time.strftime("%Y%m%d-%H%M%S")
    candidate, n = base, 1
    while (ws.models / f"{candidate}.json").exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def save_head(
    ws: Workspace,
    head: Head,
    info: dict[str, Any],
    extra_arrays: dict[str, np.ndarray] | None = None,
) -> str:
    """Save a head with its info and make it current. Returns its id."""
    ws.models.mkdir(parents=True, exist_ok=True)
    head_id = new_id(ws)
    arrays = {f"model__{k}": v for k, v in head.arrays().items()}
    for key, value in (extra_arrays or {}).items():
        arrays[f"extra__{key}"] = value
    npz = ws.models / f"{head_id}.npz"
    with atomic_file(npz) as f:
        np.savez_compressed(f, **arrays)  # type: ignore[arg-type]
    record = {
        "id": head_id,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "konomi_version": __version__,
        "head": head.params(),
        **info,
    }
    write_text(ws.models / f"{head_id}.json", json.dumps(record, indent=2, ensure_ascii=False))
    use_head(ws, head_id)
    return head_id


def use_head(ws: Workspace, head_id: str) -> None:
    """Make a saved head the current one (roll back or forward)."""
    if not (ws.models / f"{head_id}.json").is_file():
        known = ", ".join(r["id"] for r in list_heads(ws)[-5:])
        if not known:
            raise NoHeadError(t("errors.heads.no_such_none", head=head_id))
        raise NoHeadError(t("errors.heads.no_such", head=head_id, recent=known))
    write_text(ws.models / "current.json", json.dumps({"id": head_id}) + "\n")


def list_heads(ws: Workspace) -> list[dict[str, Any]]:
    """Every saved head's info, oldest first (unreadable ones are skipped)."""
    out = []
    for path in sorted(ws.models.glob("*.json")) if ws.models.is_dir() else []:
        if path.name == "current.json":
            continue
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(info, dict) and "id" in info and info_problem(info) is None:
            out.append(info)
    return sorted(out, key=lambda info: _id_order(str(info["id"])))


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value)


def info_problem(info: object) -> str | None:
    """What is wrong with a head's JSON record (None when every field konomi reads has the type
    it wrote): a hand-edited or damaged `models/<id>.json` is refused with this, never trusted."""
    if not isinstance(info, dict):
        return t("errors.json.not_object")
    if not isinstance(info.get("id"), str):
        return t("heads.problem.not_text", key="id")
    if not isinstance(info.get("head", {}), dict):
        return t("heads.problem.field_not_object", key="head")
    for key in ("created", "model_id", "model", "konomi_version"):
        if key in info and not isinstance(info[key], str):
            return t("heads.problem.not_text", key=key)
    if "dim" in info and not (type(info["dim"]) is int and info["dim"] > 0):
        return t("heads.problem.not_positive", key="dim")
    if "suspects" in info and info["suspects"] is not None and type(info["suspects"]) is not int:
        return t("heads.problem.not_whole", key="suspects")
    counts = info.get("counts", {})
    if not isinstance(counts, dict) or not all(
        isinstance(k, str) and type(v) is int and v >= 0 for k, v in counts.items()
    ):
        return t("heads.problem.not_whole_numbers", key="counts")
    for key in ("metrics", "thresholds"):
        block = info.get(key, {})
        if not isinstance(block, dict) or not all(
            v is None or isinstance(v, bool) or _number(v) for v in block.values()
        ):
            return t("heads.problem.not_numbers", key=key)
    limits = info.get("thresholds", {})
    for side in ("like", "dislike"):
        if side in limits and not (_number(limits[side]) and 0.0 <= limits[side] <= 1.0):
            return t(f"heads.problem.threshold.{side}")
    return None


def _id_order(head_id: str) -> tuple[str, int]:
    """Training order of ids: "…-120000" before "…-120000-2" (file names sort the other way)."""
    base, _, n = head_id.rpartition("-")
    if base.count("-") == 1 and n.isdigit():
        return base, int(n)
    return head_id, 1


def current_id(ws: Workspace) -> str:
    path = ws.models / "current.json"
    if not path.is_file():
        raise NoHeadError(t("errors.heads.none_yet"), t("errors.heads.none_yet_hint"))
    try:
        head_id = json.loads(path.read_text(encoding="utf-8"))["id"]
        if not isinstance(head_id, str) or "/" in head_id or head_id.startswith("."):
            raise ValueError(head_id)
    except (OSError, ValueError, KeyError, TypeError):
        raise NoHeadError(
            t("errors.heads.pointer_corrupt", path=ws.rel(path)), t("errors.app.retrain_hint")
        ) from None
    return head_id


def load_head(ws: Workspace, model_id: str | None, head_id: str | None = None) -> HeadRecord:
    """Load the current (or a given) head; refuse one made with another encoder."""
    head_id = head_id or current_id(ws)
    json_path, npz_path = ws.models / f"{head_id}.json", ws.models / f"{head_id}.npz"
    try:
        info = json.loads(json_path.read_text(encoding="utf-8"))
        # Opened here, not by np.load, so a damaged file is closed too (np.load leaks it).
        with open(npz_path, "rb") as handle, np.load(handle, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        model_arrays = {k[7:]: v for k, v in arrays.items() if k.startswith("model__")}
        problem = info_problem(info)
        if problem:
            raise ValueError(problem)
        head = Head.load(model_arrays, info["head"])
    except FileNotFoundError as exc:
        raise NoHeadError(
            t("errors.heads.missing", head=head_id, file=exc.filename),
            t("errors.app.retrain_hint"),
        ) from None
    except Exception as exc:  # noqa: BLE001 - any damage to these files means the same thing
        why = str(exc)[:120] if isinstance(exc, ValueError) and str(exc) else type(exc).__name__
        raise NoHeadError(
            t("errors.heads.corrupt", head=head_id, why=why), t("errors.app.retrain_hint")
        ) from None
    if model_id is not None and info.get("model_id") != model_id:
        raise NoHeadError(
            t("errors.heads.other_encoder", trained=info.get("model_id"), model=model_id),
            t("errors.heads.other_encoder_hint"),
        )
    head.meta = info
    info["extra"] = {k[7:]: v for k, v in arrays.items() if k.startswith("extra__")}
    return HeadRecord(head_id, head, info)
