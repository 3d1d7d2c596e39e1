"""Reads of the embedding cache for answers wanted before any walk of the library: the review
page's first images and a search's best matches.

The cache keeps each image's score and informativeness under a head (arrays by vector slot,
`store.score_arrays`), which digest each slot holds (`store.vector_index`) and the path each
file was last seen at (`files`): enough to know which images a full scan would put first, or
where a search's best matches are, in a fraction of a second at a million images. Through the
cache's own (guarded) connection.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from konomi.store.cache import EmbeddingCache
from konomi.store.cache_rows import valid_stamp

VARIABLES = 900  # SQLite's limit of `?` in one statement, with room to spare


def most_informative(
    cache: EmbeddingCache, head: str, model: str, n: int
) -> list[tuple[str, float, float]]:
    """The `n` (digest, score, informativeness) of `head`'s kept scores with the highest
    informativeness, highest first."""
    scores, info = cache.head_arrays(head, model)
    known = np.flatnonzero(~np.isnan(scores) & ~np.isnan(info))
    best = known[np.argsort(-info[known], kind="stable")[:n]].tolist()
    digests = cache.vectors.digests_at(model, best)
    return [(d, float(scores[k]), float(info[k])) for d, k in zip(digests, best) if d is not None]


def paths_of(cache: EmbeddingCache, digests: Iterable[str]) -> list[tuple[str, int, int, str]]:
    """(path, size, mtime_ns, digest) of every known path whose content is one of `digests`.
    The table has no index by digest, so each 900 digests cost one pass over it in SQLite (a
    million rows: a fraction of a second); more than a few thousand are picked out of one pass
    in Python instead."""
    wanted = list(dict.fromkeys(digests))
    if len(wanted) > 8 * VARIABLES:  # (a scan in SQLite per 900 costs more from here)
        want = set(wanted)
        rows = cache.db.execute("SELECT path, size, mtime_ns, digest FROM files")
        return [r for r in rows if r[3] in want and valid_stamp(*r)]
    found: list[tuple[str, int, int, str]] = []
    for i in range(0, len(wanted), VARIABLES):
        chunk = wanted[i : i + VARIABLES]
        marks = ",".join("?" * len(chunk))
        rows = cache.db.execute(
            f"SELECT path, size, mtime_ns, digest FROM files WHERE digest IN ({marks})", chunk
        )
        found += [r for r in rows if valid_stamp(*r)]
    return found


def paths_with(cache: EmbeddingCache, digests: Iterable[str]) -> dict[str, list[str]]:
    """The paths the cache knows for each of a few `digests`."""
    found: dict[str, list[str]] = {}
    for path, _, _, digest in paths_of(cache, list(dict.fromkeys(digests))[:VARIABLES]):
        found.setdefault(digest, []).append(path)
    return found
