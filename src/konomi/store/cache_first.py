"""Two reads of the embedding cache for the review page's first answer, before any scan.

The cache keeps each image's score and informativeness under a head (`scores`) and the path
each file was last seen at (`files`): enough to know which images a full scan would put first,
in a fraction of a second at a million images. Through the cache's own (guarded) connection.
"""

from __future__ import annotations

from collections.abc import Iterable

from konomi.store.cache import EmbeddingCache
from konomi.store.cache_rows import number

VARIABLES = 900  # SQLite's limit of `?` in one statement, with room to spare


def most_informative(cache: EmbeddingCache, head: str, n: int) -> list[tuple[str, float, float]]:
    """The `n` (digest, score, info) rows of `head` with the highest informativeness (a row of
    other types, from a damaged cache, is left out)."""
    rows = cache.db.execute(
        "SELECT digest, score, info FROM scores WHERE head = ? AND info IS NOT NULL "
        "ORDER BY info DESC LIMIT ?",
        (head, n),
    ).fetchall()
    return [(d, s, i) for d, s, i in rows if isinstance(d, str) and number(s) and number(i)]


def paths_with(cache: EmbeddingCache, digests: Iterable[str]) -> dict[str, list[str]]:
    """The paths the cache knows for each of a few `digests` (one pass over the files)."""
    wanted = list(dict.fromkeys(digests))[:VARIABLES]
    found: dict[str, list[str]] = {}
    if not wanted:
        return found
    marks = ",".join("?" * len(wanted))
    rows = cache.db.execute(f"SELECT path, digest FROM files WHERE digest IN ({marks})", wanted)
    for path, digest in rows:
        if isinstance(path, str):
            found.setdefault(digest, []).append(path)
    return found
