"""The review page from zero and taste in words: the first order of a queue with few or no
labels, the model's quality so far, and the search box.

Kept apart from `queue.py`, which calls these at a few points: the order of a scan, the
quality line of the page's state, and the focus of a search. The quality line speaks to a
person on their first visit ("learning — 7 more judgements for a first estimate", "good: right
about 9 in 10"); its figures (AUC and its interval, the head) are its `detail`, which the page
shows in a tooltip and in the help overlay.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from konomi.app.context import Context
from konomi.app.search import rank, taste_prior, text_vectors
from konomi.encode.images import find_images
from konomi.errors import KonomiError, NoHeadError
from konomi.i18n import t
from konomi.learn.active import informativeness
from konomi.learn.calibration import agreement, in_ten
from konomi.learn.firstpicks import first_order
from konomi.learn.prior import blend, prior_weight, unit_mean
from konomi.learn.uncertainty import TOO_FEW, TRUST_AUC, TRUST_PER_CLASS, Quality, auc_interval
from konomi.store.heads import load_head
from konomi.workspace import LABELS, Workspace

AUTO_EVERY = 10  # labels between two background retrains of the review page
WORDS_FADE = 0.1  # below this weight of the prior, the words no longer reorder the queue
FOCUS_MIN = 20  # a search keeps at least this many images …
FOCUS_SHARE = 0.1  # … or this share of the waiting ones, the best matches
PAGE_TEXTS = ("search", "like", "dislike", "apply")  # page.text.*_placeholder in the catalog


@dataclass
class Taste:
    """Phrases of taste: konomi.toml's like_text / dislike_text, or what the page typed."""

    like: list[str] = field(default_factory=list)
    dislike: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.like or self.dislike)


@dataclass(frozen=True)
class Standing:
    """How good the current head is: its AUC with interval, and how often it is right."""

    quality: Quality
    right: float  # share of the labels on the side of 0.5 their out-of-fold score puts them


@dataclass
class Words:
    """The review session's words and measures: taste phrases, search, notes, quality."""

    taste: Taste
    labels: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LABELS, 0))
    since_auto: int = 0  # labels since the last background retrain
    standing: Standing | None = None
    cold: bool = False  # no head yet: the order is the typical picks
    focused: list[int] | None = None  # item ids of a search, best first
    search_text: str = ""
    notes: list[str] = field(default_factory=list)  # kept messages (`i18n.kept`) or plain text


def label_counts(ws: Workspace) -> dict[str, int]:
    """How many images data/train/like and data/train/dislike hold now."""
    return {label: sum(1 for _ in find_images(ws.train_dir(label))) for label in LABELS}


def order(
    ctx: Context, paths: Sequence[Path], scores: np.ndarray | None, taste: Taste, n_labels: int
) -> tuple[np.ndarray | None, str]:
    """The review order (a value per path, highest first) when labels are few, and a note.

    No head: the typical images of the folder first (ordered by the words when there are any).
    A head and words: the words' prior blended with the head's scores, fading as labels grow.
    None keeps the scan's own order (a head and no words, or labels enough to forget them).
    """
    if not paths or (scores is not None and (not taste or prior_weight(n_labels) < WORDS_FADE)):
        return None, ""
    embedded = ctx.embed(paths)
    if len(embedded.paths) != len(paths):
        return None, ""  # a file changed under us: the next scan orders it
    X = embedded.vectors
    prior, note = None, ""
    if taste:
        try:
            prior = taste_prior(ctx, X, taste.like, taste.dislike)
        except KonomiError as exc:  # a model without a text tower: say so, order without words
            note = exc.message
    if scores is None:
        return first_order(X, prior), note
    if prior is None:
        return None, note
    return informativeness(blend(prior, scores, n_labels), X, n_labeled=n_labels), note


def quality(ctx: Context) -> Standing | None:
    """Cross-validated AUC of the current head with its interval, and its share right (None:
    no head, or one without out-of-fold scores)."""
    try:
        record = load_head(ctx.ws, ctx.model.model_id)
    except NoHeadError:
        return None
    extra = record.info.get("extra", {})
    y, oof = extra.get("train_labels"), extra.get("train_oof")
    if y is None or oof is None or len(y) != len(oof):
        return None
    labels, scores = np.asarray(y), np.asarray(oof, np.float64)
    return Standing(auc_interval(labels, scores), agreement(labels, scores))


def _more(labels: dict[str, int], per_class: int) -> int:
    """Judgements still needed for `per_class` of each kind."""
    return sum(max(0, per_class - labels.get(label, 0)) for label in LABELS)


def quality_public(
    standing: Standing | None, labels: dict[str, int], head: str | None = None
) -> dict[str, Any]:
    """The quality line as the page shows it, in the language in force: `text` in plain words
    for the first screen, `detail` with the figures (tooltip and help overlay)."""
    q = standing.quality if standing else None
    if q is None or not np.isfinite(q.auc):
        more = max(_more(labels, TOO_FEW), AUTO_EVERY - sum(labels.values()), 1)
        return {
            "known": False,
            "trusted": False,
            "text": t("page.server.quality.learning", n=more),
            "verdict": "",
            "detail": t("text.quality.none"),
        }
    assert standing is not None
    k = in_ten(standing.right)
    more = _more({"like": q.n_like, "dislike": q.n_dislike}, TRUST_PER_CLASS)
    if q.trusted:
        text = t("page.server.quality.good", k=k)
    elif more:
        text = t("page.server.quality.fair", k=k, n=more)
    else:
        text = t("page.server.quality.fair_more", k=k)
    figures = t(
        "text.quality.line", auc=q.auc, lo=q.lo, hi=q.hi, n_like=q.n_like, n_dislike=q.n_dislike
    )
    verdict = (
        t("text.quality.trusted", bar=TRUST_AUC)
        if q.trusted
        else t("text.quality.not_yet", bar=TRUST_AUC, per_class=TRUST_PER_CLASS)
    )
    detail = " ".join(
        part for part in (t("page.head", head=head) if head else "", figures, verdict) if part
    )
    return {
        "known": True,
        "auc": q.auc,
        "lo": q.lo,
        "hi": q.hi,
        "n_like": q.n_like,
        "n_dislike": q.n_dislike,
        "right": standing.right,
        "trusted": q.trusted,
        "text": text,
        "verdict": "",
        "detail": detail,
    }


def focus(ctx: Context, paths: list[Path], text: str) -> list[tuple[int, float]]:
    """(index into `paths`, similarity) of the best matches of `text`, best first: the search
    box keeps the top FOCUS_SHARE of the waiting images, at least FOCUS_MIN."""
    query = unit_mean(text_vectors(ctx, [text]))
    if not paths:
        return []
    embedded = ctx.embed(paths)
    where = {p: i for i, p in enumerate(paths)}
    ranked, sims = rank(embedded.vectors, query)
    keep = max(FOCUS_MIN, int(np.ceil(FOCUS_SHARE * len(paths))))
    return [(where[embedded.paths[i]], float(sims[i])) for i in ranked[:keep]]
