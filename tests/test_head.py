"""The preference heads: saved as arrays and read back identically, honest probabilities, the
closed-form leave-one-out of the kernel head, and why the kernel head is the default."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from messages import said

from konomi.learn import kinds as head_kinds
from konomi.learn.head import DEFAULT_HEAD, MODEL_KINDS, Head, evaluate, resolve_kind, train_head
from konomi.learn.kinds import KernelRidgeModel, squared_distances


def multimodal_pool(
    n: int, d: int = 24, seed: int = 0, noise: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors in 12 themes; 3 themes liked, 3 disliked, and 6 split in half along one
    shared direction, the other way round in every other theme — a taste no single hyperplane
    fits."""
    rng = np.random.default_rng(seed)
    centers = rng.standard_normal((12, d))
    theme = rng.integers(0, 12, n)
    X = centers[theme] + 0.5 * rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = (theme < 3).astype(np.int64)
    for t in range(6, 12):
        rows = theme == t
        y[rows] = (X[rows, 0] - np.median(X[rows, 0])) * (-1) ** t > 0
    flip = rng.random(n) < noise
    y[flip] = 1 - y[flip]
    return X.astype(np.float32), y


def save_and_load(head: Head, folder: Path) -> Head:
    """Through the files a head lives in: arrays in .npz (no pickle), parameters in JSON."""
    np.savez(folder / "head.npz", **head.arrays())
    (folder / "head.json").write_text(json.dumps(head.params()), encoding="utf-8")
    with np.load(folder / "head.npz", allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    return Head.load(arrays, json.loads((folder / "head.json").read_text(encoding="utf-8")))


@pytest.mark.parametrize("kind", sorted(MODEL_KINDS))
def test_round_trip_gives_identical_predictions(kind: str, tmp_path: Path) -> None:
    X, y = multimodal_pool(240, seed=1)
    trained = train_head(X[:180], y[:180], kind=kind, folds=3)
    loaded = save_and_load(trained.head, tmp_path)
    assert loaded.kind == kind
    np.testing.assert_array_equal(loaded.predict(X[180:]), trained.head.predict(X[180:]))
    assert trained.oof.shape == (180,) and np.all((trained.oof >= 0) & (trained.oof <= 1))


def test_auto_means_the_default_kernel_head() -> None:
    assert DEFAULT_HEAD == "kernel"
    assert resolve_kind("auto") == resolve_kind(None) == "kernel"
    X, y = multimodal_pool(120)
    assert train_head(X, y, kind="auto").head.kind == "kernel"


def test_kernel_leave_one_out_matches_refitting() -> None:
    """The closed-form leave-one-out scores equal refitting without each row."""
    X, y = multimodal_pool(70, seed=2)
    model, loo = KernelRidgeModel.fit_with_oof(X, y)
    X64 = X.astype(np.float64)
    t = np.where(y > 0, 1.0, -1.0)
    for i in (0, 13, 41, 69):
        keep = np.arange(len(y)) != i
        bias = t.mean()  # the head centres on the mean of every label
        K = np.exp(-model.gamma * squared_distances(X64[keep], X64[keep]))
        alpha = np.linalg.solve(K + model.lam * np.eye(len(K)), t[keep] - bias)
        k_i = np.exp(-model.gamma * squared_distances(X64[i : i + 1], X64[keep]))[0]
        assert loo[i] == pytest.approx(k_i @ alpha + bias, abs=1e-6)


def test_kernel_beats_linear_on_a_multimodal_taste() -> None:
    X, y = multimodal_pool(1400, seed=3, noise=0.02)
    train, test = slice(0, 600), slice(600, None)
    kernel = evaluate(y[test], train_head(X[train], y[train], kind="kernel").head.predict(X[test]))
    linear = evaluate(y[test], train_head(X[train], y[train], kind="logreg").head.predict(X[test]))
    assert kernel.auc > linear.auc + 0.03
    assert kernel.brier < linear.brier


def test_probabilities_mean_what_they_say() -> None:
    """Calibration: among held-out images scored ≥ 0.7 most are liked, ≤ 0.3 most are not, and
    in each populated probability bin the liked share is near the mean score."""
    X, y = multimodal_pool(2400, seed=4, noise=0.05)
    trained = train_head(X[:1200], y[:1200])
    p = trained.head.predict(X[1200:])
    truth = y[1200:]
    assert truth[p >= 0.7].mean() >= 0.7
    assert truth[p <= 0.3].mean() <= 0.3
    bins = np.clip((p * 5).astype(int), 0, 4)
    for b in range(5):
        members = bins == b
        if members.sum() >= 40:
            assert abs(truth[members].mean() - p[members].mean()) < 0.12, b
    m = evaluate(truth, p)
    assert m.brier < 0.12
    # The out-of-fold estimate `konomi train` prints is close to the held-out truth.
    assert abs(trained.metrics.auc - m.auc) < 0.04
    assert trained.metrics.validation == "leave-one-out"


def test_many_labels_use_landmarks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Past MAX_EXACT labels the kernel head keeps LANDMARKS rows and still scores well."""
    monkeypatch.setattr(head_kinds, "MAX_EXACT", 300)
    monkeypatch.setattr(head_kinds, "LANDMARKS", 150)
    X, y = multimodal_pool(900, seed=5)
    trained = train_head(X[:600], y[:600])
    assert trained.head.model.support.shape == (150, X.shape[1])
    assert evaluate(y[600:], trained.head.predict(X[600:])).auc > 0.85
    loaded = save_and_load(trained.head, tmp_path)
    np.testing.assert_array_equal(loaded.predict(X[600:]), trained.head.predict(X[600:]))


def test_scoring_is_chunked_and_matches_direct_computation(monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = multimodal_pool(300, seed=6)
    model = train_head(X[:200], y[:200]).head.model
    direct = (
        np.exp(-model.gamma * squared_distances(X[200:].astype(np.float64), model.support))
        @ model.alpha
        + model.bias
    )
    monkeypatch.setattr(head_kinds, "CHUNK", 7)
    np.testing.assert_allclose(model.decision(X[200:]), direct, rtol=1e-4, atol=1e-4)


def test_unknown_head_is_a_clear_error() -> None:
    from konomi.errors import KonomiError

    X, y = multimodal_pool(60)
    with pytest.raises(KonomiError) as caught:
        train_head(X, y, kind="forest")
    assert said(caught.value.message, "errors.learn.unknown_head", head="forest")
