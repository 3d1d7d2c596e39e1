"""The culling bursts of the review queue: which frames of a shoot belong together, which one
`konomi cull` keeps and why, and the person's swap of that keeper.

The bursts are `app.cull`'s own (capture time, then look-alikes; the keeper by sharpness and
exposure, then taste), found among the images of each scan — so the page shows what
`konomi cull` would do, and a keeper chosen here (`keep`, one journaled operation of kind
"keeper") is what `konomi cull` and `cull --apply` follow afterwards.

Not locked itself: `ReviewQueue` holds its lock around every use.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from konomi.app import cull
from konomi.app.context import Context
from konomi.app.library import key
from konomi.app.review.contents import Item, Scan
from konomi.encode.ingest import Embedded
from konomi.workspace import Workspace


@dataclasses.dataclass
class Culling:
    """The bursts of the last scan, and each frame's burst."""

    bursts: list[cull.CullBurst] = dataclasses.field(default_factory=list)
    of: dict[Path, int] = dataclasses.field(default_factory=dict)  # frame → index in bursts

    def refresh(self, ctx: Context, found: Scan) -> None:
        """Find the bursts among a scan's images (their embeddings come from the cache)."""
        n = len(found.paths)
        embedded = Embedded(list(found.paths), list(found.digests), np.empty((n, 0), np.float32))
        self.set(cull.bursts_among(ctx, embedded, found.scores, set(found.library)))

    def set(self, bursts: Iterable[cull.CullBurst]) -> None:
        self.bursts = list(bursts)
        self.of = {p: i for i, b in enumerate(self.bursts) for p in b.frames}

    def burst_of(self, path: Path) -> cull.CullBurst | None:
        i = self.of.get(path)
        return None if i is None else self.bursts[i]

    def chose(self, ctx: Context, path: Path) -> None:
        """`path` is its burst's keeper now, by the person's choice (as `cull` will find it)."""
        i = self.of.get(path)
        if i is None:
            return
        b = self.bursts[i]
        rest = tuple(p for p in b.frames if p != path)

        def name(p: Path) -> str:
            return key(p) if b.library else ctx.ws.rel(p)

        self.bursts[i] = dataclasses.replace(
            b,
            keeper=path,
            rest=rest,
            reason="chosen",
            keeper_name=name(path),
            rest_names=tuple(name(p) for p in rest),
        )

    def public(
        self, ws: Workspace, item: Item, by_path: dict[Path, Item], shown: int
    ) -> dict[str, Any] | None:
        """The burst of `item` as the page gets it (None: in no burst): its frames still in
        the queue, in capture order (the first `shown`), which one is kept, and why — in the
        language in force."""
        b = self.burst_of(item.path)
        if b is None:
            return None
        frames = []
        for p in b.frames:
            it = by_path.get(p)
            if it is not None:
                frames.append({**it.public(ws), "keeper": p == b.keeper})
        return {
            "size": len(b.frames),
            "position": b.frames.index(item.path) + 1,
            "keeper": b.keeper == item.path,
            "keeper_name": b.keeper.name,
            "reason": b.reason,
            "reason_text": b.reason_text,
            "frames": frames[:shown],
        }
