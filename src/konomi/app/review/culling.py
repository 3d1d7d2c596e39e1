"""The culling bursts of the review queue: which frames of a shoot belong together, which one
`konomi cull` keeps and why, and the person's swap of that keeper.

The bursts are `app.cull`'s own (capture time, then look-alikes; the keeper by sharpness and
exposure, then taste), found among the images of each scan — so the page shows what
`konomi cull` would do, and a keeper chosen here (`keep`, one journaled operation of kind
"keeper") is what `konomi cull` and `cull --apply` follow afterwards.

Frames decided on the page leave the waiting images, and so their burst, as they leave
`konomi cull`'s: a burst some of whose frames were decided is found again among the frames
still waiting (a few frames: cheap), when the page next shows one of them; an undo brings the
frame back to its place, and its burst is whole again.

Not locked itself: `ReviewQueue` holds its lock around every use.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from konomi.app import cull
from konomi.app.context import Context
from konomi.app.review.contents import Item, Scan
from konomi.encode.ingest import Embedded


@dataclasses.dataclass
class Culling:
    """The bursts of the last scan, each frame's burst, and the bursts found again among the
    frames still waiting."""

    ctx: Context | None = None
    bursts: list[cull.CullBurst] = dataclasses.field(default_factory=list)
    of: dict[Path, int] = dataclasses.field(default_factory=dict)  # frame → index in bursts
    again: dict[tuple[Path, ...], list[cull.CullBurst]] = dataclasses.field(default_factory=dict)

    def refresh(self, ctx: Context, found: Scan) -> None:
        """Find the bursts among a scan's images (their embeddings come from the cache)."""
        n = len(found.paths)
        embedded = Embedded(list(found.paths), list(found.digests), np.empty((n, 0), np.float32))
        self.ctx = ctx
        self.bursts = cull.bursts_among(ctx, embedded, found.scores, set(found.library))
        self.of = {p: i for i, b in enumerate(self.bursts) for p in b.frames}
        self.again = {}

    def burst_of(self, item: Item, waiting: Mapping[Path, Item]) -> cull.CullBurst | None:
        """`item`'s burst among the frames still waiting (`waiting`: by path), as
        `konomi cull` would find it now; None when it is in none."""
        i = self.of.get(item.path)
        if i is None or self.ctx is None:
            return None
        whole = self.bursts[i]
        present = tuple(p for p in whole.frames if p in waiting)
        if present == whole.frames:
            return whole
        if len(present) < 2 or item.path not in present:
            return None
        if present not in self.again:
            frames = [waiting[p] for p in present]
            scores = [it.score for it in frames]
            taste = None if None in scores else np.asarray(scores, dtype=np.float64)
            embedded = Embedded(
                list(present), [it.digest for it in frames], np.empty((len(present), 0), np.float32)
            )
            library = set(present) if whole.library else set()
            self.again[present] = cull.bursts_among(self.ctx, embedded, taste, library)
        return next((b for b in self.again[present] if item.path in b.frames), None)

    def chose(self, path: Path) -> None:
        """`path` is its burst's keeper now, by the person's choice (stored by `cull.keep`,
        which `cull` reads): the scan's burst says so, and bursts found again are found anew."""
        i = self.of.get(path)
        if i is not None:
            b = self.bursts[i]
            rest = tuple(p for p in b.frames if p != path)
            names = dict(zip((b.keeper, *b.rest), (b.keeper_name, *b.rest_names)))
            self.bursts[i] = dataclasses.replace(
                b,
                keeper=path,
                rest=rest,
                reason="chosen",
                keeper_name=names[path],
                rest_names=tuple(names[p] for p in rest),
            )
        self.again = {}

    def public(
        self, item: Item, waiting: Mapping[Path, Item], shown: int, ws_public: Any
    ) -> dict[str, Any] | None:
        """The burst of `item` as the page gets it (None: in no burst): its frames in capture
        order (the first `shown`), which one is kept, and why — in the language in force."""
        b = self.burst_of(item, waiting)
        if b is None:
            return None
        return {
            "size": len(b.frames),
            "position": b.frames.index(item.path) + 1,
            "keeper": b.keeper == item.path,
            "keeper_name": b.keeper.name,
            "reason": b.reason,
            "reason_text": b.reason_text,
            "frames": [
                {**ws_public(waiting[p]), "keeper": p == b.keeper} for p in b.frames[:shown]
            ],
        }
