"""Search and taste in words: the workspace's images ranked by how well they match a text.

Image embeddings come through the cache (`Context.embed`), so a search after `konomi embed`
costs one pass of the text tower and a matrix product.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from konomi.app.context import Context
from konomi.encode.images import Skipped, find_images
from konomi.errors import KonomiError, ModelError
from konomi.i18n import t
from konomi.learn.prior import text_prior, unit_mean


@dataclass
class Hit:
    """One image and its cosine similarity to the text."""

    path: Path
    rel: str  # relative to the root, forward slashes (absolute for a library image)
    similarity: float


@dataclass
class SearchOutcome:
    text: str
    hits: list[Hit]
    total: int
    skipped: list[Skipped] = field(default_factory=list)


def workspace_images(ctx: Context, skipped: list[Skipped] | None = None) -> list[Path]:
    """Every image under data/, then those of the libraries named in konomi.toml."""
    paths = list(find_images(ctx.ws.data, skipped))
    for library in ctx.settings.libraries:
        folder = Path(library).expanduser()
        folder = folder if folder.is_absolute() else ctx.ws.root / folder  # relative: to the root
        paths += find_images(folder.resolve(), skipped)
    return paths


def text_vectors(ctx: Context, phrases: list[str]) -> np.ndarray:
    """Unit vectors of `phrases` from the model's text tower, checked against the image space."""
    phrases = [p for p in (p.strip() for p in phrases) if p]
    if not phrases:
        raise KonomiError(t("text.empty_query"), t("text.empty_query.hint"))
    lang = ctx.settings.language or None
    T = ctx.text_encoder.encode(phrases, language=lang)
    dim = ctx.encoder.dim
    if dim and T.shape[1] != dim:
        raise ModelError(
            t("text.dim_mismatch", text_dim=T.shape[1], image_dim=dim),
            t("text.dim_mismatch.hint"),
        )
    return T


def rank(X: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order best first, cosine similarities) of the unit rows of X to a unit query."""
    sims = np.asarray(X, np.float32) @ np.asarray(query, np.float32)
    return np.argsort(-sims, kind="stable"), sims


def search(ctx: Context, text: str, top: int | None = None) -> SearchOutcome:
    """The workspace's images, most similar to `text` first (the `top` best, or all)."""
    query = unit_mean(text_vectors(ctx, [text]))
    skipped: list[Skipped] = []
    paths = workspace_images(ctx, skipped)
    if not paths:
        raise KonomiError(t("text.no_images"), t("text.no_images.hint"))
    embedded = ctx.embed(paths)
    order, sims = rank(embedded.vectors, query)
    if top is not None:
        order = order[:top]
    hits = [Hit(embedded.paths[i], ctx.ws.rel(embedded.paths[i]), float(sims[i])) for i in order]
    return SearchOutcome(text, hits, len(embedded.paths), skipped + embedded.unreadable)


def taste_prior(
    ctx: Context, X: np.ndarray, like: list[str], dislike: list[str]
) -> np.ndarray | None:
    """The prior score in [0, 1] of each row of X from phrases of taste, or None without any."""
    like = [p for p in like if p.strip()]
    dislike = [p for p in dislike if p.strip()]
    if not like and not dislike:
        return None
    L = text_vectors(ctx, like) if like else None
    D = text_vectors(ctx, dislike) if dislike else None
    return text_prior(X, L, D)
