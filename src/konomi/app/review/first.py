"""The review page's first images, from what the cache already knows: the page answers at once.

A full scan of a large library (every file listed and checked against the cache, scored,
grouped into bursts) takes a minute at a million images; a person should not wait for it. The
cache already holds each image's score and informativeness under the current head, so the
images a scan would put first are, with few exceptions, the cache's most informative ones.
`first_images` reads those (one pass over the scores, one over the files) and keeps only what
a scan would keep: a file still there, unchanged since the cache saw it, waiting in a source
folder or a library, not left out by the library's ignore rules, and not labelled. The full
scan then runs in the background (`background.py`) and replaces this first order.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from konomi.app.context import Context
from konomi.app.folders import ignore_rules
from konomi.app.library import left_out, library_labels, library_roots
from konomi.app.review.contents import Scan, shown_names, source_folders
from konomi.encode.ignore import IgnoreRules
from konomi.errors import NoHeadError
from konomi.store.cache_first import most_informative, paths_with
from konomi.store.heads import load_head

FIRST = 200  # images the page starts with (a person judges a few dozen before the scan ends)
CANDIDATES = 800  # the cache's most informative rows read for them (some are decided, moved)


def first_images(ctx: Context, n: int = FIRST) -> Scan | None:
    """Up to `n` images to judge first, best first, from the cache's scores of the current
    head; None without a usable head (the page then waits for the scan, saying so)."""
    model_id = ctx.model.model_id  # an encoder that cannot be found stops the page, as before
    try:
        record = load_head(ctx.ws, model_id)
    except NoHeadError:  # none yet, or one of another encoder; a damaged one is refused
        return None
    cache = ctx.cache
    best = most_informative(cache, record.id, model_id, CANDIDATES)
    where = paths_with(cache, (d for d, _, _ in best))
    names = [p for d, _, _ in best for p in where.get(d, [])]
    stamps = cache.stamps_of(names)
    roots = library_roots(ctx)
    rules = [IgnoreRules.for_root(root) for root in roots]
    own_rules = ignore_rules(ctx.ws)
    folders = tuple(os.path.join(str(f), "") for f in source_folders(ctx.ws))
    libraries = tuple(os.path.join(str(r), "") for r in roots)
    paths: list[Path] = []
    rows: list[tuple[str, float, float]] = []
    for digest, score, info in best:
        for name in where.get(digest, []):
            own = name.startswith(folders)
            if not (own or name.startswith(libraries)):
                continue  # in data/train, or somewhere no longer looked at
            if not _unchanged(name, stamps.get(name)):
                continue  # gone or changed since the cache saw it: the scan will tell
            path = Path(name)
            if any(left_out(r, path) for r in ([own_rules] if own else rules)):
                continue
            paths.append(path)
            rows.append((digest, score, info))
    labelled = library_labels(ctx, [p for p in paths if not str(p).startswith(folders)])
    keep = [i for i, p in enumerate(paths) if p not in labelled.labels][:n]
    paths = [paths[i] for i in keep]
    return Scan(
        paths,
        [rows[i][0] for i in keep],
        np.asarray([rows[i][1] for i in keep], dtype=np.float64),
        record.id,
        ctx.thresholds(record),
        info=np.asarray([rows[i][2] for i in keep], dtype=np.float64),
        library=shown_names(paths, roots),
    )


def _unchanged(name: str, known: tuple[int, int, str] | None) -> bool:
    """The file is there with the size and time the cache saw (so its digest still holds)."""
    if known is None:
        return False
    try:
        st = os.stat(name)
    except OSError:
        return False
    return (st.st_size, st.st_mtime_ns) == known[:2]
