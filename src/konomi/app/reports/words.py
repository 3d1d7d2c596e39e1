"""What the report says in words: a photographer's sentences first, the figures one click away.

The header of the report reads like a note from an assistant ("the model is right about 9 times
in 10 on your labels"); the head id, AUC with its interval, Brier score and thresholds follow
under "technical figures". Timestamps are written the way the reader's language writes them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from konomi.i18n import t
from konomi.learn.calibration import agreement, in_ten
from konomi.learn.uncertainty import measurable, needs_interval, score_interval
from konomi.store.heads import HeadRecord


def when(moment: datetime | str | None = None) -> str:
    """A moment as the reader's language writes it: "7 Dec 2026, 11:45" / "2026年12月7日 11:45".

    An ISO text (a head's `created`) is read first; one that cannot be read is shown as it is.
    """
    if moment is None:
        moment = datetime.fromtimestamp(time.time())
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return str(moment)
    return t(
        "report.when",
        year=moment.year,
        month=t("report.months").split()[moment.month - 1],
        day=moment.day,
        time=f"{moment.hour:02d}:{moment.minute:02d}",
    )


def _fmt(x: object, digits: int = 3) -> str:
    return f"{x:.{digits}f}" if isinstance(x, (int, float)) else "–"


def _pct(x: object) -> str:
    return f"{x:.0%}" if isinstance(x, (int, float)) else "–"


@dataclass
class Words:
    """Every sentence of the report's header, in the language in force."""

    overview: list[str]  # plain sentences, first screen
    head_id: str
    head_fields: dict[str, Any]  # the fields of `report.summary.head` but the head's id
    figures: list[str]  # the technical sentences: AUC, Brier, thresholds, expectations
    suspects_note: str
    suspects_rule: str  # why a row is marked ●, with the bars in force
    extra: list[str] = field(default_factory=list)  # e.g. "this report shows a sample"
    suspects_plain: str = ""  # the first screen's line: how many labels look wrong, no head id


def _cv(y: np.ndarray, oof: np.ndarray, metrics: dict[str, Any]) -> str:
    """The head's cross-validated figures; with their interval while its labels are few."""
    n_like, n_dislike = int((y == 1).sum()), int((y == 0).sum())
    auc, brier = _fmt(metrics.get("auc")), _fmt(metrics.get("brier"))
    if len(y) != len(oof) or not needs_interval(n_like, n_dislike):
        return t("report.summary.cv", auc=auc, brier=brier)
    if not measurable(n_like, n_dislike):
        return t("report.summary.cv_unmeasurable", like=n_like, dislike=n_dislike)
    lo, hi = score_interval(y, oof).auc
    return t("report.summary.cv_rough", auc=auc, lo=f"{lo:.2f}", hi=f"{hi:.2f}", brier=brier)


def how_right(y: np.ndarray, oof: np.ndarray) -> str:
    """ "Right about 9 times in 10 on your labels", from the out-of-fold scores."""
    n_like, n_dislike = int((y == 1).sum()), int((y == 0).sum())
    if len(y) != len(oof) or not measurable(n_like, n_dislike):
        return t("report.overview.too_few", like=n_like, dislike=n_dislike)
    share = agreement(y, oof)
    right = int(round(share * len(y)))
    rough = needs_interval(n_like, n_dislike)
    key = "report.overview.right_rough" if rough else "report.overview.right"
    return t(key, k=in_ten(share), right=right, n=len(y))


def describe(
    record: HeadRecord,
    *,
    dislike: float,
    like: float,
    proposals: dict[str, int],
    n_images: int,
    suspects_note: str,
    suspects_rule: str,
) -> Words:
    """The header's words for `record`'s scores under the thresholds in force."""
    info = record.info
    metrics = info.get("metrics") or {}
    counts = info.get("counts") or {}
    th = info.get("thresholds") or {}
    extra = info.get("extra", {})
    y = np.asarray(extra.get("train_labels", []), dtype=int)
    oof = np.asarray(extra.get("train_oof", []), dtype=np.float64)
    target = th.get("target")
    overview = [
        t(
            "report.overview.scored",
            n=n_images,
            like=proposals.get("like", 0),
            dislike=proposals.get("dislike", 0),
            unsure=proposals.get("unsure", 0),
        ),
        how_right(y, oof),
        t("report.overview.thresholds", like=f"{like:.2f}", dislike=f"{dislike:.2f}"),
    ]
    figures = [
        _cv(y, oof, metrics),
        t(
            "report.summary.thresholds_target" if target else "report.summary.thresholds",
            like=f"{like:.2f}",
            dislike=f"{dislike:.2f}",
            target=f"{float(target):.0%}" if target else "",
        ),
    ]
    if (th.get("dislike"), th.get("like")) == (dislike, like) and "unsure_share" in th:
        figures.append(
            t(
                "report.summary.expected",
                like=_pct(th.get("like_precision")),
                dislike=_pct(th.get("dislike_precision")),
                unsure=_pct(th.get("unsure_share")),
            )
        )
    head_fields = {
        "n": n_images,
        "created": when(str(info.get("created", "?"))),
        "n_like": counts.get("like", "?"),
        "n_dislike": counts.get("dislike", "?"),
        "model": str(info.get("model_id", "?")),
    }
    return Words(overview, record.id, head_fields, figures, suspects_note, suspects_rule)
