"""The review page from zero and taste in words: the first order of a queue with few or no
labels, the model's quality so far, and the search box.

Kept apart from `queue.py`, which calls these at a few points: the order of a scan, the
quality line of the page's state, and the focus of a search.
"""

from __future__ import annotations

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
from konomi.learn.firstpicks import first_order
from konomi.learn.prior import blend, prior_weight, unit_mean
from konomi.learn.uncertainty import TRUST_AUC, TRUST_PER_CLASS, Quality, auc_interval
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


def label_counts(ws: Workspace) -> dict[str, int]:
    """How many images data/train/like and data/train/dislike hold now."""
    return {label: sum(1 for _ in find_images(ws.train_dir(label))) for label in LABELS}


def order(
    ctx: Context, paths: list[Path], scores: np.ndarray | None, taste: Taste, n_labels: int
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


def quality(ctx: Context) -> Quality | None:
    """Cross-validated AUC of the current head with its bootstrap interval (None: no head)."""
    try:
        record = load_head(ctx.ws, ctx.model.model_id)
    except NoHeadError:
        return None
    extra = record.info.get("extra", {})
    y, oof = extra.get("train_labels"), extra.get("train_oof")
    if y is None or oof is None or len(y) != len(oof):
        return None
    return auc_interval(np.asarray(y), np.asarray(oof, np.float64))


def quality_public(q: Quality | None) -> dict[str, Any]:
    """The quality line as the page shows it, in the language in force."""
    if q is None or not np.isfinite(q.auc):
        return {"known": False, "trusted": False, "text": t("text.quality.none"), "verdict": ""}
    line = t(
        "text.quality.line", auc=q.auc, lo=q.lo, hi=q.hi, n_like=q.n_like, n_dislike=q.n_dislike
    )
    verdict = (
        t("text.quality.trusted", bar=TRUST_AUC)
        if q.trusted
        else t("text.quality.not_yet", bar=TRUST_AUC, per_class=TRUST_PER_CLASS)
    )
    return {
        "known": True,
        "auc": q.auc,
        "lo": q.lo,
        "hi": q.hi,
        "n_like": q.n_like,
        "n_dislike": q.n_dislike,
        "trusted": q.trusted,
        "text": line,
        "verdict": verdict,
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
