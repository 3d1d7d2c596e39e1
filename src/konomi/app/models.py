"""The saved heads as the `models` commands show and switch them (`store/heads.py` keeps them)."""

from __future__ import annotations

from konomi.errors import NoHeadError
from konomi.i18n import t
from konomi.store.heads import HeadRecord, current_id, list_heads, load_head, use_head
from konomi.workspace import Workspace, workspace_lock


def head_rows(ws: Workspace) -> list[dict[str, object]]:
    """One flat row per saved head, oldest first, with a `current` marker."""
    try:
        current = current_id(ws)
    except NoHeadError:
        current = None
    rows = []
    for info in list_heads(ws):
        metrics = info.get("metrics") or {}
        counts = info.get("counts") or {}
        thresholds = info.get("thresholds") or {}
        rows.append(
            {
                "id": info["id"],
                "current": info["id"] == current,
                "created": info.get("created", ""),
                "date": str(info.get("created", ""))[:16].replace("T", " "),
                "n_like": counts.get("like"),
                "n_dislike": counts.get("dislike"),
                "auc": metrics.get("auc"),
                "brier": metrics.get("brier"),
                "accuracy": metrics.get("accuracy"),
                "like_threshold": thresholds.get("like"),
                "dislike_threshold": thresholds.get("dislike"),
                "target_precision": thresholds.get("target"),
                "suspects": info.get("suspects"),
                "model_id": info.get("model_id"),
            }
        )
    return rows


def use_head_checked(ws: Workspace, head_id: str) -> HeadRecord:
    """Check that the head loads, then make it current (under the lock: no classify mid-way)."""
    if "/" in head_id or "\\" in head_id or head_id.startswith(".") or not head_id:
        raise NoHeadError(t("cli.models.bad_id", id=head_id), t("cli.models.bad_id.hint"))
    if not (ws.models / f"{head_id}.json").is_file():
        use_head(ws, head_id)  # raises, naming the recent ids
    record = load_head(ws, None, head_id)
    with workspace_lock(ws, purpose="models use"):
        use_head(ws, head_id)
    return record
