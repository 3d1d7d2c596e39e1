"""Search and taste in words: the workspace's images ranked by how well they match a text.

Image embeddings come through the cache: a search for the best few reads the model's vector
file a block at a time (`search_cache`), so at a million images it costs one pass of the text
tower and a second of reading; a search for every image lists and embeds them all first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from konomi.app.context import Context
from konomi.app.folders import all_images
from konomi.app.library import library_images
from konomi.app.search_cache import from_cache
from konomi.encode.images import Skipped
from konomi.errors import KonomiError, ModelError
from konomi.i18n import t
from konomi.i18n.display import display
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
    cached: bool = False  # answered from the cache alone: `total` counts the images it holds


def workspace_images(ctx: Context, skipped: list[Skipped]) -> Sequence[Path]:
    """Every image under data/, then those of the libraries named in konomi.toml — found as
    every other command finds them: each `.konomiignore` obeyed, each image once however the
    libraries overlap."""
    return all_images(ctx.ws, skipped) + library_images(ctx, skipped)


def text_vectors(ctx: Context, phrases: list[str]) -> np.ndarray:
    """Unit vectors of `phrases` from the model's text tower, checked against the image space."""
    phrases = [p for p in (p.strip() for p in phrases) if p]
    for phrase in phrases:
        if not _is_text(phrase):  # bytes of another encoding on the command line
            raise KonomiError(
                t("text.query_not_text", text=display(phrase)), t("text.query_not_text_hint")
            )
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


def _is_text(phrase: str) -> bool:
    try:
        phrase.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def rank(X: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(order best first, cosine similarities) of the unit rows of X to a unit query."""
    sims = np.asarray(X, np.float32) @ np.asarray(query, np.float32)
    return np.argsort(-sims, kind="stable"), sims


def search(ctx: Context, text: str, top: int | None = None) -> SearchOutcome:
    """The workspace's images, most similar to `text` first (the `top` best, or all).

    With `top`, the cache's vectors are searched without walking the folders (`from_cache`);
    without, or when the cache has no vectors yet, every image is listed and embedded first."""
    query = unit_mean(text_vectors(ctx, [text]))
    if top is not None:
        found = from_cache(ctx, query, top)
        if found is not None:
            best, total = found
            hits = [Hit(p, ctx.ws.rel(p), sim) for p, sim in best]
            return SearchOutcome(text, hits, total, cached=True)
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
