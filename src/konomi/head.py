"""The preference head: embedding → calibrated probability that the person likes the image.

Fitting always goes through `train_head`, used alike by `konomi train` and the simulator:
1. out-of-fold scores by stratified k-fold (honest metrics, and the suspects of label noise);
2. a final model fitted on every label;
3. Platt scaling fitted on the out-of-fold scores, so that 0.7 means "liked 70 % of the time".

Heads are plain arrays plus JSON parameters: they are saved as `.npz` + `.json`, never pickled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from .errors import KonomiError


class Model(Protocol):
    """A raw scorer: higher means more liked; not yet calibrated."""

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


@dataclass
class LinearModel:
    """Logistic regression on the (L2-normalised) embedding; balanced class weights."""

    kind: ClassVar[str] = "logreg"
    coef: np.ndarray
    intercept: float
    C: float

    @classmethod
    def hyperparameters(cls, X: np.ndarray, y: np.ndarray, *, seed: int = 0) -> dict[str, Any]:
        """Chosen once on all labels, then reused in every fold (nested CV costs 5x more)."""
        return {"C": choose_C(X, y, seed=seed)}

    @classmethod
    def fit(cls, X: np.ndarray, y: np.ndarray, *, C: float = 1.0, seed: int = 0) -> LinearModel:
        clf = LogisticRegression(C=C, class_weight="balanced", max_iter=2000)
        clf.fit(X, y)
        return cls(clf.coef_[0].astype(np.float32), float(clf.intercept_[0]), C)

    def decision(self, X: np.ndarray) -> np.ndarray:
        return X @ self.coef + self.intercept

    def arrays(self) -> dict[str, np.ndarray]:
        return {"coef": self.coef}

    def params(self) -> dict[str, Any]:
        return {"intercept": self.intercept, "C": self.C}

    @classmethod
    def load(cls, arrays: dict[str, np.ndarray], params: dict[str, Any]) -> LinearModel:
        return cls(arrays["coef"].astype(np.float32), float(params["intercept"]), params["C"])


C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)


def choose_C(X: np.ndarray, y: np.ndarray, *, seed: int = 0, folds: int = 3) -> float:
    """Regularisation chosen by cross-validated log-loss (cheap: 3 folds, a short grid)."""
    k = min(folds, int(np.bincount(y).min()))
    if k < 2:
        return 1.0
    splits = list(StratifiedKFold(k, shuffle=True, random_state=seed).split(X, y))
    best, best_loss = 1.0, np.inf
    for C in C_GRID:
        loss = 0.0
        for tr, te in splits:
            clf = LogisticRegression(C=C, class_weight="balanced", max_iter=2000).fit(X[tr], y[tr])
            p = np.clip(clf.predict_proba(X[te])[:, 1], 1e-6, 1 - 1e-6)
            loss -= float(np.mean(y[te] * np.log(p) + (1 - y[te]) * np.log(1 - p)))
        if loss < best_loss:
            best, best_loss = C, loss
    return best


MODEL_KINDS: dict[str, type[Model]] = {LinearModel.kind: LinearModel}
DEFAULT_HEAD = "logreg"


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


@dataclass
class Head:
    """A raw model plus its Platt calibration: `predict` gives probabilities of "like"."""

    model: Any
    platt_a: float = 1.0
    platt_b: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.model.kind

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Calibrated probability of "like" for each row of X (float64 in [0, 1])."""
        if len(X) == 0:
            return np.zeros(0)
        z = self.platt_a * np.asarray(self.model.decision(np.asarray(X, np.float32)), np.float64)
        return 1.0 / (1.0 + np.exp(-(z + self.platt_b)))

    def arrays(self) -> dict[str, np.ndarray]:
        return self.model.arrays()

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
            raise KonomiError(f"Unknown head kind {kind!r}.", "Retrain: uv run konomi train")
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
    """Fit p = sigmoid(a*z + b) on out-of-fold decision values (Platt scaling)."""
    if len(np.unique(y)) < 2:
        return 1.0, 0.0
    lr = LogisticRegression(C=1e4, max_iter=1000).fit(z.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def check_labels(y: np.ndarray) -> None:
    """Both classes must be present: a head cannot learn a taste from one side."""
    counts = np.bincount(y.astype(int), minlength=2)
    if counts.min() == 0:
        missing = "dislike" if counts[0] == 0 else "like"
        raise KonomiError(
            f"No readable images labelled '{missing}' (like: {counts[1]}, dislike: {counts[0]}).",
            f"Put at least a few images in data/train/{missing}/ (about 200 each is a good "
            "start), then train again.",
        )
    if counts.min() < 2:
        raise KonomiError(
            f"Too few images to train (like: {counts[1]}, dislike: {counts[0]}).",
            "Add more images to data/train/like and data/train/dislike.",
        )


def train_head(
    X: np.ndarray, y: np.ndarray, *, kind: str = DEFAULT_HEAD, folds: int = 5, seed: int = 0
) -> Trained:
    """Cross-validate, fit and calibrate a head of `kind` on embeddings X with labels y (1=like)."""
    X = np.asarray(X, np.float32)
    y = np.asarray(y).astype(int)
    check_labels(y)
    if kind not in MODEL_KINDS:
        raise KonomiError(f"Unknown head '{kind}'.", f"Choose one of: {', '.join(MODEL_KINDS)}.")
    cls = MODEL_KINDS[kind]
    n_min = int(np.bincount(y, minlength=2).min())
    k = max(2, min(folds, n_min))
    params = cls.hyperparameters(X, y, seed=seed)
    z_oof = np.zeros(len(y))
    for tr, te in StratifiedKFold(k, shuffle=True, random_state=seed).split(X, y):
        z_oof[te] = cls.fit(X[tr], y[tr], seed=seed, **params).decision(X[te])
    a, b = fit_platt(z_oof, y)
    oof = 1.0 / (1.0 + np.exp(-(a * z_oof + b)))
    model = cls.fit(X, y, seed=seed, **params)
    metrics = evaluate(y, oof, folds=k)
    return Trained(Head(model, a, b), metrics, oof)


def evaluate(y: np.ndarray, p: np.ndarray, *, folds: int = 0) -> Metrics:
    """AUC, accuracy at 0.5 and Brier score of probabilities p against labels y."""
    y = np.asarray(y).astype(int)
    auc = float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else float("nan")
    accuracy = float(np.mean((p >= 0.5) == (y == 1)))
    brier = float(np.mean((p - y) ** 2))
    return Metrics(auc, accuracy, brier, int(y.sum()), int(len(y) - y.sum()), folds)


def advice(metrics: Metrics) -> list[str]:
    """Plain-word warnings about the training data."""
    notes = []
    small = min(metrics.n_like, metrics.n_dislike)
    if small < 20:
        notes.append(
            f"Very little data: {metrics.n_like} like / {metrics.n_dislike} dislike. Scores will "
            "be rough; about 200 of each is a good start."
        )
    big = max(metrics.n_like, metrics.n_dislike)
    if small and big / small > 5:
        notes.append(
            f"Very unbalanced: {big / small:.1f}x more "
            f"{'like' if metrics.n_like > metrics.n_dislike else 'dislike'} images. Add some of "
            "the other kind so the model sees both sides."
        )
    return notes
