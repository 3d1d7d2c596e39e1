"""Synthetic labelled pools of CLIP-like embeddings, for the simulator and the head benchmark.

Real CLIP image embeddings are unit vectors with a strong direction they all share, grouped into
themes (cats, beaches, receipts…) that themselves group into broader ones, and varying inside a
theme along directions every theme shares (light, colour, framing…). A person's taste over them is
multi-modal: several liked themes, disliked ones, themes where it depends on the style (dark cats
yes, bright cats no — and the other way round for beaches), a few where it is a coin toss, and a
little label noise on top. That last mix is what a linear head cannot fit: the same style
direction means "like" in one theme and "dislike" in another.

`make_pool(PoolSpec(...))` builds one such pool; `VARIED` is a family of specs that differ in size,
dimension, balance, noise and structure, so nothing gets tuned to one pool. Run this module to
write pools as `.npz` files for `konomi simulate`:

    uv run python -m benchmarks.pools --out bench-out/pools
"""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class PoolSpec:
    """How to build one pool; the defaults are a CLIP-like 8,000 × 256 pool."""

    name: str = "default"
    n: int = 8000
    d: int = 256
    themes: int = 40  # topics the images fall into
    groups: int = 8  # broader topics the themes group into (themes in a group are near)
    liked: int = 7  # themes the person mostly likes (with exceptions inside)
    mixed: int = 8  # themes where taste depends on the style, differently in each theme
    ambiguous: int = 2  # themes where taste is close to a coin toss
    style_dims: int = 24  # directions of variation that every theme shares
    private_dims: int = 6  # directions of variation that belong to one theme
    style: float = 0.12  # spread along the shared style directions
    private: float = 0.10  # spread along a theme's own directions
    noise: float = 0.02  # isotropic noise per coordinate
    common: float = 1.2  # weight of the direction all embeddings share
    exception: float = 0.03  # share of a liked / disliked theme that goes the other way
    label_noise: float = 0.02  # share of labels flipped at random
    anchors: int = 0  # > 0: taste is instead "near one of this many liked images", any theme
    like_share: float = 0.3  # with anchors: the share of the pool that is liked
    bursts: float = 0.0  # share of images that are near-copies of another (burst shots, edits)
    seed: int = 0


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _orthonormal(rng: np.random.Generator, d: int, k: int) -> np.ndarray:
    q, _ = np.linalg.qr(rng.standard_normal((d, k)))
    return q[:, :k]


def make_pool(spec: PoolSpec = PoolSpec()) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return X (float32, n × d, unit rows), y (0/1 int8) and the theme of each row."""
    X, y, theme, _ = make_pool_with_truth(spec)
    return X, y, theme


def make_pool_with_truth(
    spec: PoolSpec = PoolSpec(),
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`make_pool`, plus each row's true probability of "like" (label noise included): the
    best any head could predict, which bounds the AUC a strategy can reach on the pool."""
    rng = np.random.default_rng(spec.seed)
    d = spec.d
    common = _unit(rng.standard_normal(d))
    group_dirs = _unit(rng.standard_normal((spec.groups, d)))
    group_of = rng.integers(0, spec.groups, spec.themes)
    centers = _unit(group_dirs[group_of] * 0.8 + _unit(rng.standard_normal((spec.themes, d))) * 0.6)
    style_basis = _orthonormal(rng, d, spec.style_dims)

    # Theme sizes: a few big themes, a long tail of small ones.
    weights = 1.0 / np.arange(1, spec.themes + 1) ** 0.7
    theme = rng.choice(spec.themes, spec.n, p=rng.permutation(weights / weights.sum()))

    s = rng.standard_normal((spec.n, spec.style_dims))
    X = spec.common * common + centers[theme] + spec.style * s @ style_basis.T
    for t in range(spec.themes):
        rows = np.flatnonzero(theme == t)
        basis = _orthonormal(rng, d, spec.private_dims)
        X[rows] += spec.private * rng.standard_normal((len(rows), spec.private_dims)) @ basis.T
    if spec.bursts:
        # Burst shots: runs of 2–8 near-copies of one image (same theme, same style, same taste).
        copies = rng.random(spec.n) < spec.bursts
        for i in np.flatnonzero(copies):
            source = max(0, i - int(rng.integers(1, 8)))
            X[i], theme[i], s[i] = X[source], theme[source], s[source]
    X += spec.noise * rng.standard_normal(X.shape)
    X = _unit(X).astype(np.float32)

    # Taste, theme by theme: a direction in the shared style space and an offset.
    kinds = np.array(
        ["liked"] * spec.liked
        + ["mixed"] * spec.mixed
        + ["ambiguous"] * spec.ambiguous
        + ["disliked"] * (spec.themes - spec.liked - spec.mixed - spec.ambiguous)
    )
    kinds = rng.permutation(kinds)
    taste_dir = _unit(rng.standard_normal((spec.themes, spec.style_dims)))
    along = np.einsum("ij,ij->i", s, taste_dir[theme])  # ~ N(0, 1) inside every theme
    cut = _normal_quantile(1.0 - spec.exception)
    offset = {
        "liked": cut,
        "disliked": -cut,
        "mixed": 0.0,
        "ambiguous": 0.0,
    }
    y = np.zeros(spec.n, dtype=np.int8)
    p_like = np.zeros(spec.n)
    if spec.anchors:
        near = (X @ X[rng.choice(spec.n, spec.anchors, replace=False)].T).max(axis=1)
        y[near > np.quantile(near, 1.0 - spec.like_share)] = 1
        p_like[:] = y
    for t in range(spec.themes if not spec.anchors else 0):
        rows = theme == t
        margin = along[rows] + offset[kinds[t]]
        if kinds[t] == "ambiguous":
            p = 1.0 / (1.0 + np.exp(-0.5 * margin))  # soft: 38 %–62 % over ±1 sd
            y[rows] = rng.random(rows.sum()) < p
            p_like[rows] = p
        else:
            y[rows] = margin > 0
            p_like[rows] = margin > 0
    flip = rng.random(spec.n) < spec.label_noise
    y[flip] = 1 - y[flip]
    p_like = p_like * (1.0 - spec.label_noise) + (1.0 - p_like) * spec.label_noise
    return X, y, theme, p_like


def _normal_quantile(q: float) -> float:
    """Inverse standard normal CDF (no scipy needed for one number)."""
    lo, hi = -8.0, 8.0
    from math import erf, sqrt

    for _ in range(80):
        mid = (lo + hi) / 2
        if 0.5 * (1 + erf(mid / sqrt(2))) < q:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


# A family of pools that differ in what matters: size, dimension, balance, noise and structure.
VARIED: tuple[PoolSpec, ...] = (
    PoolSpec(name="default"),
    PoolSpec(name="noisy", label_noise=0.06, seed=1),
    PoolSpec(
        name="clean-many-themes", themes=80, groups=12, liked=12, mixed=18, label_noise=0.0, seed=2
    ),
    PoolSpec(name="few-liked", liked=3, mixed=6, ambiguous=3, seed=3),
    PoolSpec(name="d512", d=512, style_dims=32, seed=4),
    PoolSpec(
        name="d128-small", n=3000, d=128, themes=25, groups=5, liked=5, mixed=6, ambiguous=2, seed=5
    ),
    PoolSpec(name="mostly-mixed", liked=3, mixed=20, ambiguous=2, seed=6),
    PoolSpec(name="big-noisy-ambiguous", n=12000, ambiguous=8, label_noise=0.05, seed=7),
    PoolSpec(name="bursts", bursts=0.4, seed=10),
    PoolSpec(name="anchors", anchors=12, label_noise=0.03, seed=8),
    PoolSpec(name="anchors-balanced", anchors=30, like_share=0.5, label_noise=0.03, seed=9),
)


def save_pool(spec: PoolSpec, path: Path) -> Path:
    """Write a pool in the `konomi simulate` format (`X` float32, `y` 0/1) plus its theme."""
    X, y, theme = make_pool(spec)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, X=X, y=y.astype(np.int8), theme=theme.astype(np.int16))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("bench-out/pools"))
    parser.add_argument("--only", nargs="*", help="names of pools to write (default: all)")
    parser.add_argument("--seed", type=int, default=None, help="override every pool's seed")
    args = parser.parse_args()
    for spec in VARIED:
        if args.only and spec.name not in args.only:
            continue
        if args.seed is not None:
            spec = replace(spec, seed=args.seed)
        path = save_pool(spec, args.out / f"{spec.name}.npz")
        X, y, _ = make_pool(spec)
        print(f"{path}: {X.shape[0]} × {X.shape[1]}, liked {y.mean():.1%}  {asdict(spec)}")


if __name__ == "__main__":
    main()
