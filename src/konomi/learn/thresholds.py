"""Thresholds that mean something: chosen from out-of-fold scores to reach a target precision.

Fixed 0.7 / 0.3 say nothing about how often a "like" proposal is right. The out-of-fold scores of
`train` are honest predictions for images the head did not see, so they tell us, for any
threshold t, how many of the images scoring ≥ t were really liked. `choose` picks the lowest like
threshold whose pile reaches the target precision (and symmetrically the highest dislike
threshold), so that as many images as possible are proposed while the proposals stay right
`target` of the time. Everything between the two thresholds is "unsure": that share is the price
of the precision, and `train` prints it.

Picking the lowest threshold whose measured precision just touches the target is optimistic:
among many candidate piles, the one chosen is the one whose estimate happened to come out high,
so on new images it falls short about half the time (measured: docs/understanding.md). So a pile
counts as reaching the target only when a lower confidence bound of its precision does — the
10 % quantile of the Beta(right + 1, wrong + 1) posterior — and when it holds at least
`min_support` images: 5 right out of 5 is no evidence of 95 %.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from konomi.errors import KonomiError
from konomi.i18n import t
from konomi.learn.uncertainty import wilson
from konomi.settings import DEFAULT_DISLIKE, DEFAULT_LIKE, Settings, check_thresholds

MIN_SUPPORT = 10
#: The precision of a pile is taken at this posterior quantile (0.1: a 90 % lower bound).
LOWER_QUANTILE = 0.1


@dataclass(frozen=True)
class Thresholds:
    """The thresholds in force and what the out-of-fold scores expect of them."""

    dislike: float
    like: float
    like_precision: float | None  # share of like proposals that were liked (None: no proposals)
    dislike_precision: float | None
    unsure_share: float  # share of images that fall between the two thresholds
    like_share: float
    dislike_share: float
    target: float | None = None  # the precision asked for, when chosen by `choose`
    like_reached: bool = True  # False: no like threshold reaches the target
    dislike_reached: bool = True
    like_proposed: int = 0  # out-of-fold images proposed as like: what like_precision is of
    dislike_proposed: int = 0

    def precision_intervals(self) -> tuple[tuple[float, float] | None, ...]:
        """95 % (Wilson) intervals of like_precision and dislike_precision (None: no proposals),
        for `train` to print beside them while the labels are few."""
        return tuple(
            None if share is None or not n else wilson(round(share * n), n)
            for share, n in (
                (self.like_precision, self.like_proposed),
                (self.dislike_precision, self.dislike_proposed),
            )
        )

    def as_dict(self) -> dict[str, float | bool | None]:
        """The form stored in a head's JSON under "thresholds"."""
        return dict(self.__dict__)


def proposal(score: float, dislike: float, like: float) -> str:
    """like (score ≥ like), dislike (score ≤ dislike), or unsure (between)."""
    if score >= like:
        return "like"
    if score <= dislike:
        return "dislike"
    return "unsure"


def check_target(target: float) -> None:
    """A target precision must be a probability above chance and below certainty."""
    if not (0.5 < target < 1.0):
        raise KonomiError(t("errors.learn.target", target=target), t("errors.learn.target_hint"))


def expected(
    y: np.ndarray, oof: np.ndarray, dislike: float, like: float, *, target: float | None = None
) -> Thresholds:
    """What thresholds (dislike, like) give on out-of-fold scores `oof` for labels `y` (1=like)."""
    y = np.asarray(y).astype(int)
    p = np.asarray(oof, dtype=np.float64)
    n = max(len(p), 1)
    liked = p >= like
    disliked = (p <= dislike) & ~liked
    unsure = ~liked & ~disliked
    like_prec = float(y[liked].mean()) if liked.any() else None
    dislike_prec = float(1 - y[disliked].mean()) if disliked.any() else None
    return Thresholds(
        float(dislike),
        float(like),
        like_prec,
        dislike_prec,
        float(unsure.sum() / n),
        float(liked.sum() / n),
        float(disliked.sum() / n),
        target,
        like_proposed=int(liked.sum()),
        dislike_proposed=int(disliked.sum()),
    )


def _lowest_reaching(
    scores: np.ndarray, right: np.ndarray, target: float, min_support: int
) -> float | None:
    """Lowest score s such that the images scoring ≥ s are `right` at least `target` of the time.

    The pile grows from the top score down, one distinct score at a time: ties enter together,
    since a threshold cannot split them. None when no pile of `min_support` images reaches it.
    """
    from scipy.stats import beta  # scikit-learn's own dependency; lazy: 2 s of start-up

    order = np.argsort(-scores, kind="stable")
    s, r = scores[order], right[order].astype(np.float64)
    hits = np.cumsum(r)
    size = np.arange(1, len(s) + 1, dtype=np.float64)
    lower = beta.ppf(LOWER_QUANTILE, hits + 1.0, size - hits + 1.0)
    # Only the last position of each run of equal scores is a threshold a pile can stop at.
    last_of_tie = np.ones(len(s), dtype=bool)
    last_of_tie[:-1] = s[:-1] != s[1:]
    ok = last_of_tie & (size >= min_support) & (lower >= target)
    if not ok.any():
        return None
    return float(s[np.flatnonzero(ok)[-1]])


def choose(
    y: np.ndarray, oof: np.ndarray, target: float, *, min_support: int = MIN_SUPPORT
) -> Thresholds:
    """Like and dislike thresholds whose proposals reach `target` precision on out-of-fold scores.

    like: the lowest t such that the images with oof ≥ t were liked ≥ `target` of the time;
    dislike: the highest t such that the images with oof ≤ t were disliked ≥ `target` of the time
    ("were", by the 90 % lower bound of the module docstring, on at least `min_support` images).
    When no threshold reaches the target the side proposes nothing (like 1.0 / dislike 0.0) and
    `like_reached` / `dislike_reached` say so.
    """
    check_target(target)
    y = np.asarray(y).astype(int)
    p = np.asarray(oof, dtype=np.float64)
    like = _lowest_reaching(p, y == 1, target, min_support)
    neg = _lowest_reaching(-p, y == 0, target, min_support)
    dislike = None if neg is None else -neg
    like_t = 1.0 if like is None else like
    dislike_t = 0.0 if dislike is None else dislike
    if dislike_t > like_t:  # only with overlapping piles on odd data: split the difference
        like_t = dislike_t = (like_t + dislike_t) / 2
    return replace(
        expected(y, p, dislike_t, like_t, target=target),
        like_reached=like is not None,
        dislike_reached=dislike is not None,
    )


def settle(
    y: np.ndarray,
    oof: np.ndarray,
    settings: Settings,
    target: float | None,
    warnings: list[str],
) -> tuple[Thresholds, Thresholds]:
    """(the head's own thresholds, the thresholds in force) for a head being trained.

    The target precision comes from `--target-precision`, else `target_precision` in
    konomi.toml; without one the head keeps the fixed thresholds (flags, konomi.toml, 0.3 / 0.7).
    Thresholds set by a flag or in konomi.toml still win over the head's when classifying, so
    those in force can differ from the head's own: a warning then says so.
    """
    explicit = settings.explicit
    dislike = settings.dislike_threshold if "dislike_threshold" in explicit else DEFAULT_DISLIKE
    like = settings.like_threshold if "like_threshold" in explicit else DEFAULT_LIKE
    if target is None and "target_precision" in explicit:
        target = settings.target_precision
    if target is None:
        check_thresholds(dislike, like)
        fixed = expected(y, oof, dislike, like)
        return fixed, fixed
    chosen = choose(y, oof, float(target))
    overridden = [k for k in ("like_threshold", "dislike_threshold") if k in explicit]
    if overridden:
        key = "errors.learn.overridden_both" if len(overridden) == 2 else "errors.learn.overridden"
        warnings.append(t(key, key=overridden[0], target=float(target)))
    dislike = dislike if "dislike_threshold" in explicit else chosen.dislike
    like = like if "like_threshold" in explicit else chosen.like
    check_thresholds(dislike, like)
    return chosen, expected(y, oof, dislike, like, target=float(target))


def describe(x: Thresholds) -> list[str]:
    """What the thresholds promise, in the words `train` prints (from out-of-fold scores)."""

    def pct(p: float | None) -> str:
        return "–" if p is None else f"{p:.0%}"

    lines = [
        t(
            "cli.train.expected",
            like=pct(x.like_precision),
            dislike=pct(x.dislike_precision),
            unsure=x.unsure_share,
        )
    ]
    if x.target is not None:
        for side, reached in (("like", x.like_reached), ("dislike", x.dislike_reached)):
            if not reached:
                lines.append(t(f"cli.train.unreached.{side}", target=x.target))
    return lines
