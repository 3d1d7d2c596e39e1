"""Thresholds by target precision: chosen on out-of-fold scores, they hold on held-out data."""

from __future__ import annotations

import colorsys
import json
import shutil

import numpy as np
import pytest
from factories.images import make_image
from messages import said

from konomi.errors import KonomiError
from konomi.learn import thresholds
from konomi.learn.head import train_head
from konomi.settings import Settings


def pool(seed: int, n: int, d: int = 64, sep: float = 0.5):
    """Two tastes of three themes each, overlapping (AUC about 0.97): unit vectors, labels."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    centers = np.random.default_rng(1000 + seed).normal(size=(6, d))
    theme = rng.integers(0, 3, n) + 3 * y
    X = centers[theme] * sep + rng.normal(size=(n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X.astype(np.float32), y


def test_thresholds_reach_the_target_on_held_out_data():
    achieved: dict[float, list[float]] = {0.9: [], 0.95: []}
    for seed in range(3):
        X, y = pool(seed, 400 + 20_000)
        trained = train_head(X[:400], y[:400])
        p, held = trained.head.predict(X[400:]), y[400:]
        for target, results in achieved.items():
            t = thresholds.choose(y[:400], trained.oof, target)
            assert t.like_reached and t.dislike_reached
            assert t.like_precision >= target and t.dislike_precision >= target
            liked, disliked = p >= t.like, p <= t.dislike
            assert liked.mean() > 0.2 and disliked.mean() > 0.2  # the piles are not tiny
            results += [held[liked].mean(), 1 - held[disliked].mean()]
            unsure = np.mean(~liked & ~disliked)
            assert abs(unsure - t.unsure_share) < 0.1  # the printed share of unsure holds too
    for target, results in achieved.items():
        assert np.mean(results) >= target, (target, results)
        assert min(results) >= target - 0.02, (target, results)


def test_no_threshold_when_labels_cannot_support_the_target():
    y = np.array([1] * 8 + [0] * 8)
    oof = np.linspace(0.99, 0.01, 16)
    t = thresholds.choose(y, oof, 0.95)  # 8 right of 8 is no evidence of 95 %
    assert not t.like_reached and not t.dislike_reached
    assert (t.dislike, t.like) == (0.0, 1.0) and t.unsure_share == 1.0
    assert any(said(line, "cli.train.unreached.like") for line in thresholds.describe(t))


def test_expected_counts_piles_and_unsure():
    y = np.array([1, 1, 0, 1, 0, 0])
    oof = np.array([0.9, 0.8, 0.75, 0.5, 0.2, 0.1])
    t = thresholds.expected(y, oof, 0.3, 0.7)
    assert t.like_precision == pytest.approx(2 / 3) and t.dislike_precision == 1.0
    assert t.unsure_share == pytest.approx(1 / 6) and t.like_share == 0.5


def test_settle_target_and_explicit_thresholds():
    X, y = pool(7, 400)
    oof = train_head(X, y).oof
    warnings: list[str] = []
    stored, in_force = thresholds.settle(y, oof, Settings(), 0.9, warnings)
    assert (stored.like, stored.dislike) == (in_force.like, in_force.dislike)
    assert stored.target == 0.9 and not warnings
    toml = Settings(like_threshold=0.8, explicit=frozenset({"like_threshold"}))
    stored, in_force = thresholds.settle(y, oof, toml, 0.9, warnings)
    assert in_force.like == 0.8 and in_force.dislike == stored.dislike
    assert warnings and "like_threshold" in warnings[0]
    from_toml = Settings(target_precision=0.95, explicit=frozenset({"target_precision"}))
    assert thresholds.settle(y, oof, from_toml, None, [])[0].target == 0.95
    with pytest.raises(KonomiError):
        thresholds.settle(y, oof, Settings(), 1.5, [])


def hue_taste(folder, n: int, seed: int) -> dict:
    """n images whose hue runs from red to cyan; liked with a probability that falls with hue.

    Reds are liked and cyans disliked for sure, yellow-greens by a coin: a taste with a genuinely
    noisy middle, the same in training and held out. Returns path -> label (1 like).
    """
    rng = np.random.default_rng(seed)
    labels = {}
    for i in range(n):
        hue = float(rng.uniform(0.0, 0.5))
        p_like = 1.0 / (1.0 + np.exp((hue - 0.25) / 0.04))
        label = int(rng.random() < p_like)
        rgb = tuple(int(255 * c) for c in colorsys.hsv_to_rgb(hue, 0.8, 0.85))
        path = folder / f"hue_{seed}_{i:03d}.jpg"
        make_image(path, color=rgb, seed=seed * 1000 + i, quality=90)
        labels[path] = label
    return labels


def test_cli_target_precision_holds_on_held_out_images(konomi, tmp_path):
    root = tmp_path / "ws"
    for path, label in hue_taste(tmp_path / "train", 160, seed=1).items():
        side = root / "data/train" / ("like" if label else "dislike")
        side.mkdir(parents=True, exist_ok=True)
        shutil.move(path, side / path.name)
    held = hue_taste(root / "data/unlabeled", 160, seed=2)

    conflict = konomi("train", "--target-precision", "0.9", "--like-threshold", "0.8", root=root)
    assert conflict.code == 2 and said(conflict.err, "cli.train.both.hint")

    trained = konomi("train", "--target-precision", "0.9", root=root, check=True)
    assert said(trained.out, "cli.train.expected")
    head = json.loads((root / "models/current.json").read_text())["id"]
    info = json.loads((root / f"models/{head}.json").read_text())
    assert info["thresholds"]["target"] == 0.9
    like, dislike = info["thresholds"]["like"], info["thresholds"]["dislike"]
    assert said(trained.out, "cli.train.thresholds", like=like, dislike=dislike)

    classified = konomi("classify", root=root, check=True)
    assert f"(≥ {like:.2f})" in classified.out  # classify uses the head's thresholds
    for side, truth in (("like", 1), ("dislike", 0)):
        pile = list((root / "data/classified" / side).iterdir())
        assert len(pile) >= 30, f"only {len(pile)} proposed as {side}"
        right = sum(held[root / "data/unlabeled" / p.name] == truth for p in pile)
        # 0.9 asked; ~60 held-out proposals a side leave a sampling margin of a few points.
        assert right / len(pile) >= 0.9 - 0.05, f"{side}: {right} of {len(pile)} right"
