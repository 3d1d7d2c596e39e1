"""`search` for the best few, answered from the cache without walking the folders.

At a million images, listing the library and checking every file against the cache costs
tens of seconds before a single similarity is computed. The cache already knows every
embedded image, so the model's vector file is read a block at a time, the best rows of each
block kept (`np.argpartition`), and only those candidates are then looked at: the paths whose
content they are (`files`), and of those the ones that are still there unchanged (one `lstat`
each) and that the walk would list (under data/ or a library, not left out by a
`.konomiignore`, not hidden, not the RAW file of a RAW+JPEG pair). When too many candidates
are gone, more are taken. Images added since they were last embedded are not in the cache:
`konomi embed` (or any command that walks) brings them in.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from konomi.app.context import Context
from konomi.app.folders import ignore_rules
from konomi.app.library import left_out, library_roots
from konomi.encode.formats import RENDERED_TWINS, extension, is_image_name, is_raw_name
from konomi.encode.ignore import IgnoreRules
from konomi.store.cache import EmbeddingCache
from konomi.store.cache_first import paths_of
from konomi.store.vectors import BLOCK_ROWS

CANDIDATES = 4  # rows kept per result asked, at first (four times more each time too few remain)
# A block times one vector through `einsum`, not `@`: `@` hands it to the BLAS's threads, which
# on a busy machine spin for their turn (0.4–0.9 s of CPU for a million rows, against 0.05–0.1 s
# for `einsum` on one thread, measured on the benchmarks' machine).
ROWS_DOT = "ij,j->i"


def best_slots(
    cache: EmbeddingCache, model: str, query: np.ndarray, k: int, *, rows: int = BLOCK_ROWS
) -> tuple[np.ndarray, np.ndarray]:
    """(slots, similarities) of the `k` rows of the model's file most similar to `query`, best
    first: a pass a block at a time, keeping only the running best (memory: one block). A row
    whose similarity is not a number (a damaged row) is never among them."""
    q = np.asarray(query, np.float32)
    best = np.zeros(0, np.int64)
    sims = np.zeros(0, np.float32)
    for slots, block in cache.vector_blocks(model, rows=rows):
        s = np.einsum(ROWS_DOT, block, q)
        keep = np.flatnonzero(np.isfinite(s))
        if len(keep) > k:
            keep = keep[np.argpartition(-s[keep], k - 1)[:k]]
        best, sims = np.concatenate([best, slots[keep]]), np.concatenate([sims, s[keep]])
        if len(best) > 2 * k:  # merged rarely: a block's best are mostly not the overall best
            top = np.argpartition(-sims, k - 1)[:k]
            best, sims = best[top], sims[top]
    order = np.lexsort((best, -sims))[:k]
    return best[order], sims[order]


class _Listed:
    """Whether a known path is an image the workspace's walk would list now, unchanged."""

    def __init__(self, ctx: Context) -> None:
        ws = ctx.ws
        rules = ignore_rules(ws)
        self.roots = [(ws.data, rules), *((r, IgnoreRules.for_root(r)) for r in library_roots(ctx))]
        self.ws_root, self.ws_rules = ws.root, rules
        own = (ws.state, ws.models, ws.reports)
        self.own = [f for d in own for f in (d, d.resolve())]

    def __call__(self, path: Path, size: int, mtime_ns: int) -> bool:
        under = [(root, rules) for root, rules in self.roots if path.is_relative_to(root)]
        if not under or any(path.is_relative_to(f) for f in self.own):
            return False
        rules = [r for _, r in under]
        if path.is_relative_to(self.ws_root):
            rules.append(self.ws_rules)
        if any(left_out(r, path) for r in rules) or not is_image_name(path.name):
            return False
        if any(p.startswith(".") for root, _ in under for p in path.relative_to(root).parts):
            return False
        try:
            st = os.lstat(path)
        except OSError:
            return False
        if not stat.S_ISREG(st.st_mode) or (st.st_size, st.st_mtime_ns) != (size, mtime_ns):
            return False
        return not (is_raw_name(path.name) and _has_twin(path))


def _has_twin(path: Path) -> bool:
    """A RAW file with exactly one rendered twin beside it (`IMG_1.NEF` and `IMG_1.JPG`): the
    pair is one photo, listed through the twin (`encode.pairs`)."""
    stem = os.path.splitext(path.name)[0]
    try:
        names = os.listdir(path.parent)
    except OSError:
        return False
    twins = [n for n in names if os.path.splitext(n)[0] == stem and extension(n) in RENDERED_TWINS]
    return len(twins) == 1


def _first(
    top: int,
    listed: _Listed,
    candidates: Iterable[tuple[str | None, float]],
    paths: dict[str, list[tuple[str, int, int]]],
) -> list[tuple[Path, float]]:
    """The first `top` of the candidates' paths (best first) that the walk would list now:
    each checked only until enough are found (an `lstat` and the ignore rules per path)."""
    hits: list[tuple[Path, float]] = []
    for digest, sim in candidates:
        for path, size, mtime_ns in sorted(paths.get(digest, ())) if digest else ():
            if listed(Path(path), size, mtime_ns):
                hits.append((Path(path), sim))
                if len(hits) == top:
                    return hits
    return hits


def from_cache(
    ctx: Context, query: np.ndarray, top: int
) -> tuple[list[tuple[Path, float]], int] | None:
    """The `top` best (path, similarity) of the cache's images and how many images it holds,
    or None when it holds none of the workspace's (nothing embedded yet: the caller walks)."""
    cache, model = ctx.cache, ctx.model.model_id
    total = cache.vectors.count(model)
    if not total:
        return None
    listed = _Listed(ctx)
    k = max(CANDIDATES * top, top + 32)
    while True:
        slots, sims = best_slots(cache, model, query, k)
        digests = cache.vectors.digests_at(model, slots.tolist())
        paths: dict[str, list[tuple[str, int, int]]] = {}
        for path, size, mtime_ns, digest in paths_of(cache, [d for d in digests if d]):
            paths.setdefault(digest, []).append((path, size, mtime_ns))
        hits = _first(top, listed, zip(digests, sims.tolist()), paths)
        if len(hits) >= top or len(slots) < k:
            break
        k *= 4
    return (hits[:top], total) if hits else None


def similarities(ctx: Context, digests: list[str], query: np.ndarray) -> np.ndarray:
    """The similarity of each digest's cached vector to `query` (NaN where the cache has no
    sound one): its slots looked up, then the file read once in its order, a block at a time
    (the review page's search over every waiting image)."""
    cache, model = ctx.cache, ctx.model.model_id
    sims = np.full(len(digests), np.nan, np.float32)
    q = np.asarray(query, np.float32)
    for positions, block in cache.vector_blocks(model, cache.slots_of(digests, model)):
        sims[positions] = np.einsum(ROWS_DOT, block, q)
    return sims
