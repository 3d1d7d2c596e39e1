"""The preference head: embedding → calibrated probability that the person likes the image.

Fitting always goes through `train_head`, used alike by `konomi train` and the simulator:
1. out-of-fold scores by stratified k-fold, or exact leave-one-out where the family has it
   (honest metrics, and the suspects of label noise);
2. a final model fitted on every label;
3. Platt scaling fitted on the out-of-fold scores, so that 0.7 means "liked 70 % of the time".

Heads are plain arrays plus JSON parameters: they are saved as `.npz` + `.json`, never pickled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, cast

import numpy as np

from konomi.errors import KonomiError
from konomi.i18n import t
from konomi.learn.kinds import (
    C_GRID,
    KernelRidgeModel,
    KNNModel,
    LinearModel,
    MLPModel,
    SVMModel,
    choose_C,
)

__all__ = [
    "C_GRID",
    "DEFAULT_HEAD",
    "MODEL_KINDS",
    "Head",
    "LinearModel",
    "Metrics",
    "Trained",
    "advice",
    "check_labels",
    "choose_C",
    "evaluate",
    "resolve_kind",
    "train_head",
]


class Model(Protocol):
    """A raw scorer: higher means more liked; not yet calibrated.

    A family may also define `fit_with_oof(X, y, seed=) -> (model, oof_decisions)` when it can
    produce honest out-of-sample scores cheaper than k-fold (kernel ridge: exact leave-one-out).
    """

    kind: ClassVar[str]

    @classmethod
    def hyperparameters(cls, X: np.ndarray, y: np.ndarray, *, seed: int = 0) -> dict[str, Any]:
        """Settings chosen from the data before the folds (e.g. regularisation)."""
        ...

    @classmethod
    def fit(cls, X: np.ndarray, y: np.ndarray, *, seed: int = 0, **params: Any) -> Model: ...

    @classmethod
    def load(cls, arrays: dict[str, np.ndarray], params: dict[str, Any]) -> Model: ...

    def decision(self, X: np.ndarray) -> np.ndarray: ...

    def arrays(self) -> dict[str, np.ndarray]: ...

    def params(self) -> dict[str, Any]: ...


# Each family's `fit` names its own settings (C=, k=, …) where the protocol says **params, which
# a type checker cannot match structurally: the families are listed as models explicitly.
_KINDS = cast(
    tuple[type[Model], ...], (KernelRidgeModel, LinearModel, SVMModel, MLPModel, KNNModel)
)
MODEL_KINDS: dict[str, type[Model]] = {cls.kind: cls for cls in _KINDS}
# Kernel ridge wins on held-out AUC and Brier from 400 labels up, on every pool we tried, and
# trains fastest of the non-linear heads (docs/simulation.md, benchmarks/bench_heads.py).
DEFAULT_HEAD = KernelRidgeModel.kind


def resolve_kind(kind: str | None) -> str:
    """The head kind to train: "auto" (or nothing) means the default."""
    return DEFAULT_HEAD if kind in (None, "", "auto") else kind


@dataclass
class Metrics:
    """Out-of-fold quality of a head, in the words `train` prints."""

    auc: float
    accuracy: float
    brier: float
    n_like: int
    n_dislike: int
    folds: int

    def as_dict(self) -> dict[str, float | int]:
        return dict(self.__dict__)

    @property
    def validation(self) -> str:
        """How the metrics were measured, in words: "5-fold cross-validation" or
        "leave-one-out" (a fold per label)."""
        if self.folds >= self.n_like + self.n_dislike:
            return "leave-one-out"
        return f"{self.folds}-fold cross-validation"


@dataclass
class Head:
    """A raw model plus its Platt calibration: `predict` gives probabilities of "like"."""

    model: Any
    platt_a: float = 1.0
    platt_b: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        result: str = self.model.kind
        return result

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Calibrated probability of "like" for each row of X (float64 in [0, 1])."""
        if len(X) == 0:
            return np.zeros(0)
        z = self.platt_a * np.asarray(self.model.decision(np.asarray(X, np.float32)), np.float64)
        return 1.0 / (1.0 + np.exp(-(z + self.platt_b)))

    def arrays(self) -> dict[str, np.ndarray]:
        result: dict[str, np.ndarray] = self.model.arrays()
        return result

    def params(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "model": self.model.params(),
            "platt": [self.platt_a, self.platt_b],
        }

    @classmethod
    def load(cls, arrays: dict[str, np.ndarray], params: dict[str, Any]) -> Head:
        kind = params.get("kind")
        if kind not in MODEL_KINDS:
            raise KonomiError(
                t("errors.learn.unknown_kind", kind=repr(kind)), t("errors.app.retrain_hint")
            )
        model = MODEL_KINDS[kind].load(arrays, params["model"])
        a, b = params["platt"]
        return cls(model, float(a), float(b))


@dataclass
class Trained:
    """What `train_head` returns: the head, its honest metrics, and out-of-fold scores."""

    head: Head
    metrics: Metrics
    oof: np.ndarray  # calibrated out-of-fold probability of "like", one per training row


def fit_platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Fit p = sigmoid(a*z + b) on out-of-fold decision values (Platt scaling).

    Newton's method on the two parameters, with a whisper of L2 on `a` (as scikit-learn's
    LogisticRegression(C=1e4) has) so that perfectly separated scores stay finite. Plain numpy:
    this runs every time a head is trained, and in the simulator every round.
    """
    y = np.asarray(y, dtype=np.float64)
    if len(np.unique(y)) < 2:
        return 1.0, 0.0
    z = np.asarray(z, dtype=np.float64)
    centre, scale = float(z.mean()), float(z.std()) or 1.0
    Z = np.column_stack([(z - centre) / scale, np.ones_like(z)])
    ridge = np.array([1e-4 / scale**2, 0.0])  # 1e-4 · a² / 2 on the raw scale
    w = np.zeros(2)
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(Z @ w, -500, 500)))
        grad = Z.T @ (p - y) + ridge * w
        hess = (Z * (p * (1 - p))[:, None]).T @ Z + np.diag(ridge + 1e-12)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    a = w[0] / scale
    if a <= 0:
        # With a handful of labels, out-of-sample scores can run against the labels (leaving
        # out one like tips the rest towards dislike). A fitted head's ranking is never worth
        # reversing: keep its order with a negligible slope, at the labels' base rate.
        a = 1e-6 / scale
        rate = float(np.clip(y.mean(), 1e-3, 1 - 1e-3))
        return float(a), float(np.log(rate / (1 - rate)) - a * centre)
    return float(a), float(w[1] - a * centre)


def check_labels(y: np.ndarray) -> None:
    """Both classes must be present: a head cannot learn a taste from one side."""
    counts = np.bincount(y.astype(int), minlength=2)
    if counts.min() == 0:
        missing = "dislike" if counts[0] == 0 else "like"
        raise KonomiError(
            t("errors.learn.no_" + missing, like=counts[1], dislike=counts[0]),
            t("errors.learn.no_class_hint", folder=f"data/train/{missing}/"),
        )
    if counts.min() < 2:
        raise KonomiError(
            t("errors.learn.too_few", like=counts[1], dislike=counts[0]),
            t("errors.learn.too_few_hint"),
        )


def train_head(
    X: np.ndarray, y: np.ndarray, *, kind: str = DEFAULT_HEAD, folds: int = 5, seed: int = 0
) -> Trained:
    """Cross-validate, fit and calibrate a head of `kind` on embeddings X with labels y (1=like).

    `konomi train` and `konomi simulate` both call this, so what the simulator measures is what
    the product ships. `metrics.folds` is the number of folds, or the number of labels when the
    family scores out-of-sample by exact leave-one-out.
    """
    X = np.asarray(X, np.float32)
    y = np.asarray(y).astype(int)
    check_labels(y)
    kind = resolve_kind(kind)
    if kind not in MODEL_KINDS:
        raise KonomiError(
            t("errors.learn.unknown_head", head=kind),
            t("errors.app.choose_one", choices=", ".join(MODEL_KINDS)),
        )
    cls = MODEL_KINDS[kind]
    fit_with_oof = getattr(cls, "fit_with_oof", None)
    if fit_with_oof is not None:
        model, z_oof = fit_with_oof(X, y, seed=seed)
        k = len(y)
    else:
        from sklearn.model_selection import StratifiedKFold  # lazy: keeps start-up quick

        n_min = int(np.bincount(y, minlength=2).min())
        k = max(2, min(folds, n_min))
        params = cls.hyperparameters(X, y, seed=seed)
        z_oof = np.zeros(len(y))
        for tr, te in StratifiedKFold(k, shuffle=True, random_state=seed).split(X, y):
            z_oof[te] = cls.fit(X[tr], y[tr], seed=seed, **params).decision(X[te])
        model = cls.fit(X, y, seed=seed, **params)
    a, b = fit_platt(z_oof, y)
    oof = 1.0 / (1.0 + np.exp(-(a * z_oof + b)))
    metrics = evaluate(y, oof, folds=k)
    return Trained(Head(model, a, b), metrics, oof)


def evaluate(y: np.ndarray, p: np.ndarray, *, folds: int = 0) -> Metrics:
    """AUC, accuracy at 0.5 and Brier score of probabilities p against labels y."""
    y = np.asarray(y).astype(int)
    p = np.asarray(p, dtype=np.float64)
    auc = rank_auc(y, p) if len(np.unique(y)) == 2 else float("nan")
    accuracy = float(np.mean((p >= 0.5) == (y == 1)))
    brier = float(np.mean((p - y) ** 2))
    return Metrics(auc, accuracy, brier, int(y.sum()), int(len(y) - y.sum()), folds)


def rank_auc(y: np.ndarray, p: np.ndarray) -> float:
    """ROC AUC as the Mann–Whitney statistic (ties count half): the chance that a liked image
    scores above a disliked one. Exact with saturated, tied probabilities, where summing a ROC
    curve in floating point can fail."""
    _, where, counts = np.unique(p, return_inverse=True, return_counts=True)
    ranks = (np.cumsum(counts) - (counts - 1) / 2.0)[where]  # 1-based, ties averaged
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def advice(metrics: Metrics) -> list[str]:
    """Plain-word warnings about the training data (the notes `train` prints)."""
    notes = []
    small = min(metrics.n_like, metrics.n_dislike)
    if small < 20:
        notes.append(t("cli.note.little", like=metrics.n_like, dislike=metrics.n_dislike))
    big = max(metrics.n_like, metrics.n_dislike)
    if small and big / small > 5:
        side = "like" if metrics.n_like > metrics.n_dislike else "dislike"
        notes.append(t(f"cli.note.unbalanced.{side}", ratio=big / small))
    return notes
