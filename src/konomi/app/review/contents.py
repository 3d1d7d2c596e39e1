"""The contents of the review queue: the images waiting for a person's eye, found on disk and
scored, and what has been decided about each.

`scan` finds the images (the model's proposals in `data/classified/*`, `data/unlabeled/`, and
the libraries' images without a label), embeds them through the cache and scores them with the
current head; `Contents.merge` folds a scan into the queue: pending and skipped images get their
new score and order, decided ones keep their state, images no longer on disk leave.
"""

from __future__ import annotations

import itertools
import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from konomi.app.context import Context
from konomi.app.folders import ignore_rules
from konomi.app.library import library_images, library_labels, library_roots
from konomi.app.scoring import VectorLookup, score_paths
from konomi.encode.images import Skipped, find_images
from konomi.errors import NoHeadError
from konomi.i18n import kept
from konomi.learn import duplicates
from konomi.learn.thresholds import proposal
from konomi.workspace import LABELS, PROPOSALS, Workspace

BURST_WINDOW = 2000  # bursts are looked for among this many images at the head of the queue


@dataclass(slots=True)
class Item:
    """One image of the queue and what has been decided about it (slots: a library of a
    million images is a million of these, a quarter of a GB less without a dict each)."""

    id: int
    path: Path
    digest: str
    stamp: tuple[int, int]  # (size, mtime_ns) when listed: a changed file is not moved
    identity: tuple[int, int]  # (device, inode): the preview is of this very file, no other
    score: float | None
    info: float
    proposal: str | None
    origin: str  # the workspace folder it was found in, e.g. "data/classified/unsure"
    state: str = "pending"  # pending | like | dislike | skip | gone
    round: int = 0  # the round it was decided in
    op: int | None = None  # the journal operation that moved it
    burst: int = -1  # its group of near-duplicates among the waiting images (-1: none)
    shown: str = ""  # a library image's name on the page: its library's name and the rest

    @property
    def in_library(self) -> bool:
        return self.origin == "library"

    def public(self, ws: Workspace) -> dict[str, Any]:
        """What the page may know: no absolute path, only the id it fetches the preview by."""
        return {
            "id": self.id,
            "name": self.path.name,
            "path": self.shown or ws.rel(self.path),
            "folder": self.origin,
            "score": self.score,
            "proposal": self.proposal,
            "preview": f"/api/preview/{self.id}",
        }


@dataclass
class Scan:
    """Images found on disk with their scores under one head."""

    paths: Sequence[Path]
    digests: list[str]
    scores: np.ndarray | None
    head_id: str | None
    thresholds: tuple[float, float]
    note: str = ""
    skipped: list[Skipped] = field(default_factory=list)
    info: np.ndarray | None = None  # `active.informativeness` of each image: the review order
    bursts: list[list[int]] = field(default_factory=list)  # rows that are near-duplicates
    library: dict[Path, str] = field(default_factory=dict)  # library image → its name shown


def source_folders(ws: Workspace) -> list[Path]:
    """Where images waiting for a person's eye live."""
    return [ws.classified_dir(p) for p in PROPOSALS] + [ws.unlabeled]


def scan(
    ctx: Context,
    paths: list[Path] | None = None,
    step: Callable[[str, int | None], None] | None = None,
) -> Scan:
    """Find (or take) images, embed them through the cache, and score them with the current head.

    Without a usable head (none trained yet, or made with another encoder) the images come
    unscored, in folder order, and `note` says why: a person can still label them. `step`
    hears each step as it starts (the page's progress), with the number of images once listed.
    """
    step = step or (lambda name, n: None)
    ws = ctx.ws
    skipped: list[Skipped] = []
    roots = library_roots(ctx)
    if paths is None:
        rules = ignore_rules(ws)
        paths = [
            p for folder in source_folders(ws) for p in find_images(folder, skipped, ignore=rules)
        ]
        waiting = library_images(ctx, skipped, roots)
        labelled = library_labels(ctx, waiting).labels
        paths += [p for p in waiting if p not in labelled]
    library = shown_names(paths, roots)
    step("embedding", len(paths))
    try:
        scored = score_paths(ctx, paths, vectors=False)
    except NoHeadError as exc:
        embedded = ctx.embed(paths, vectors=False)  # listed unscored: no vector is needed
        return Scan(
            embedded.paths,
            embedded.digests,
            None,
            None,
            ctx.thresholds(),
            _no_head(ws, exc.message),
            skipped + embedded.unreadable,
            library=library,
        )
    e = scored.embedded
    step("bursts", None)
    return Scan(
        e.paths,
        e.digests,
        np.asarray(scored.scores, dtype=np.float64),
        scored.record.id,
        ctx.thresholds(scored.record),
        "",
        skipped + e.unreadable,
        np.asarray(scored.info, dtype=np.float64),
        _bursts(VectorLookup(ctx, e), scored.info),
        library,
    )


def _no_head(ws: Workspace, why: str) -> str:
    """Why the images come unscored, kept to be said in each request's language: with no head
    saved at all, in the catalog's words; else (a head of another encoder, a damaged one) with
    the reason as it was found."""
    saved = ws.models.is_dir() and any(ws.models.glob("*.npz"))
    if not saved:
        return kept("page.server.no_head_yet")
    return kept("page.server.no_head", message=why)


def shown_names(paths: list[Path], roots: list[Path]) -> dict[Path, str]:
    """The library images among `paths` with their names for the page
    (`photos/2024/IMG_1.jpg`). Compared as text, which is what `Path.is_relative_to` does for
    these absolute paths: a million of them through pathlib took seconds of the page's start."""
    if not roots:
        return {}
    prefixes = [(os.path.join(str(root), ""), root.name) for root in roots]
    names: dict[Path, str] = {}
    for path in paths:
        text = str(path)
        for prefix, name in prefixes:
            if text.startswith(prefix):
                names[path] = f"{name}/{text[len(prefix) :]}".replace(os.sep, "/")
                break
    return names


def _bursts(vectors: VectorLookup, info: np.ndarray) -> list[list[int]]:
    """Groups of near-duplicate images (burst shots) among the first BURST_WINDOW of the review
    order, as rows of the scan: a person can then judge a burst with one key. Grouping costs
    O(n²), so only the part of the queue a person will reach this round is grouped."""
    rows = np.argsort(-np.asarray(info), kind="stable")[:BURST_WINDOW]
    if len(rows) < 2:
        return []
    groups = duplicates.group(vectors(rows))
    return [[int(rows[i]) for i in members] for members in groups]


@dataclass
class Contents:
    """The queue's images by id, their order, this session's decisions, and the head they were
    scored by. Not locked itself: `ReviewQueue` holds its lock around every use."""

    ws: Workspace
    thresholds: tuple[float, float]  # (dislike, like) in force: konomi.toml's, else the head's
    items: dict[int, Item] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)  # item ids, most informative first
    history: list[int] = field(default_factory=list)  # ids decided this session, newest last
    round: int = 0  # each load starts a round: 1 at start-up, +1 per retrain
    head_id: str | None = None
    note: str = ""  # kept messages (`i18n.kept`), shown in the language of each request
    unreadable: int = 0
    new_labels: int = 0  # labels added since the head was trained
    skips: int = 0  # skips this session (undone ones not counted)
    next_id: int = 1
    by_path: dict[Path, int] = field(default_factory=dict)  # where each item is (or was): its id
    members: dict[int, list[int]] = field(default_factory=dict)  # burst → its items, in order

    def merge(
        self,
        found: Scan,
        *,
        new_round: bool = True,
        since: int | None = None,
        made: list[Item | None] | None = None,
    ) -> None:
        """Fold `found` into the queue. `since`: the journal operation the scan started after —
        an image decided by a later one (during the scan) keeps its decision, whatever the scan
        saw. `made`: items prepared for `found`'s rows outside the lock (`prepare`)."""
        if found.head_id != self.head_id:
            self.new_labels = 0
        self.head_id, self.thresholds, self.note = found.head_id, found.thresholds, found.note
        self.unreadable = len(found.skipped)
        by_path = {it.path: it for it in self.items.values() if it.state in ("pending", "skip")}
        decided_since = {
            it.path
            for it in self.items.values()
            if since is not None and it.state in LABELS and it.op is not None and it.op > since
        }
        fresh: list[Item] = []
        fresh_rows: list[int] = []  # each fresh item's row in `found`
        for i, (path, digest) in enumerate(zip(found.paths, found.digests)):
            score = None if found.scores is None else float(found.scores[i])
            item = by_path.pop(path, None)
            if item is None:
                if path in decided_since:
                    continue  # decided while the scan ran: the decision stands, once
                ready = made[i] if made is not None else None
                if ready is not None and ready.digest == digest:
                    item = self.add(ready)
                else:
                    item = self.new_item(path, digest, score, found.library.get(path, ""))
                if item is None:
                    continue  # moved (decided, perhaps) while we were scanning
            else:
                item.digest, item.state = digest, "pending"
                item.score, item.proposal = score, self.proposal(score)
            fresh.append(item)
            fresh_rows.append(i)
        for gone in by_path.values():
            gone.state = "gone"
        labelled_again = set(found.library) - decided_since
        for item in self.items.values():  # a library label undone elsewhere: waiting again
            if item.in_library and item.state in LABELS and item.path in labelled_again:
                item.state = "gone"
        for item in self.items.values():  # a decision undone elsewhere: its file has moved on
            if item.state in LABELS and not item.in_library and not os.path.lexists(item.path):
                item.state = "gone"
        if found.info is not None and fresh:
            infos = found.info[np.asarray(fresh_rows, dtype=np.int64)]  # the diverse order
        else:
            infos = np.zeros(len(fresh))  # unscored: folder order
        group_of = {row: g for g, members in enumerate(found.bursts) for row in members}
        for item in self.items.values():  # group ids belong to this scan only
            item.burst = -1
        for item, row, value in zip(fresh, fresh_rows, infos):
            item.info, item.burst = float(value), group_of.get(row, -1)
        ranked: Any = np.argsort(-infos, kind="stable") if len(fresh) else []
        self.order = [fresh[int(k)].id for k in ranked]
        self.members = {}
        for i in self.order:
            burst = self.items[i].burst
            if burst >= 0:
                self.members.setdefault(burst, []).append(i)
        self.history = [i for i in self.history if self.items[i].state in LABELS]
        self.round += new_round

    def prepare(self, found: Scan, known: set[Path]) -> list[Item | None]:
        """Items for the rows of `found` whose paths are not in `known`, made without the
        queue's lock (a million files are stat'ed here, not while the page waits); `merge`
        numbers the ones it takes. None where the path is known or its file is gone. An image
        decided after `known` was taken was waiting then, so none is made for it here: `merge`
        looks at its file again (a move has taken it away) or keeps its decision (a label)."""
        made: list[Item | None] = []
        for i, (path, digest) in enumerate(zip(found.paths, found.digests)):
            if path in known:
                made.append(None)
                continue
            score = None if found.scores is None else float(found.scores[i])
            made.append(
                self.new_item(path, digest, score, found.library.get(path, ""), found.thresholds)
            )
        return made

    def add(self, item: Item) -> Item:
        """Number a prepared item and take it into the queue."""
        item.id = self.next_id
        self.next_id += 1
        self.items[item.id] = item
        self.by_path[item.path] = item.id
        return item

    def new_item(
        self,
        path: Path,
        digest: str,
        score: float | None,
        shown: str = "",
        thresholds: tuple[float, float] | None = None,
    ) -> Item | None:
        """A new item of the queue; with `thresholds`, a prepared one (not numbered yet, not
        taken in: `prepare`)."""
        try:
            st = os.stat(path)
        except OSError:
            return None
        dislike, like = thresholds or self.thresholds
        item = Item(
            0,
            path,
            digest,
            (st.st_size, st.st_mtime_ns),
            (st.st_dev, st.st_ino),
            score,
            0.0,
            None if score is None else proposal(score, dislike, like),
            "library" if shown else self.ws.folder_of(path),
            shown=shown,
        )
        return item if thresholds is not None else self.add(item)

    def proposal(self, score: float | None) -> str | None:
        if score is None:
            return None
        dislike, like = self.thresholds
        return proposal(score, dislike, like)

    def to_front(self, item: Item) -> None:
        if item.id in self.order:
            self.order.remove(item.id)
        self.order.insert(0, item.id)

    def waiting(self) -> list[Item]:
        """The pending images in the queue's order."""
        return [self.items[i] for i in self.order if self.items[i].state == "pending"]

    def first_waiting(self, n: int) -> list[Item]:
        """The first `n` pending images in the queue's order (a page's answer needs only
        these: at a million images, listing them all cost a second per answer)."""
        return list(itertools.islice(self._pending_in_order(), n))

    def _pending_in_order(self) -> Iterator[Item]:
        items = self.items
        return (items[i] for i in self.order if items[i].state == "pending")

    def states(self) -> Counter[str]:
        """How many images are in each state (one pass, not one per state)."""
        return Counter(it.state for it in self.items.values())

    def waiting_by_path(self) -> WaitingByPath:
        """The images still waiting (pending or skipped), by path, looked up as asked."""
        return WaitingByPath(self)

    def alike(self, item: Item, pending: list[Item] | None = None) -> list[Item]:
        """The other pending images of `item`'s burst: among `pending` (a search's matches),
        else among the whole queue, in its order as of the last scan."""
        if item.burst < 0:
            return []
        if pending is not None:
            return [it for it in pending if it.burst == item.burst and it.id != item.id]
        members = (self.items[i] for i in self.members.get(item.burst, ()))
        return [it for it in members if it.state == "pending" and it.id != item.id]

    def public(self, item: Item, pending: list[Item] | None, shown: int) -> dict[str, Any]:
        """An image as the page gets it, with its waiting look-alikes: a decision for the whole
        burst must let the person see every frame it covers (the first `shown` of them)."""
        alike = self.alike(item, pending)
        return {
            **item.public(self.ws),
            "alike": len(alike),
            "alike_items": [it.public(self.ws) for it in alike[:shown]],
        }


class WaitingByPath(Mapping[Path, Item]):
    """The images still waiting (pending or skipped), by path, without a dict of them all:
    each path asked is looked up (`Contents.by_path`), then its item's state checked."""

    def __init__(self, contents: Contents) -> None:
        self.contents = contents

    def _get(self, path: object) -> Item | None:
        i = self.contents.by_path.get(path)  # type: ignore[call-overload]
        item = None if i is None else self.contents.items.get(i)
        if item is None or item.path != path or item.state not in ("pending", "skip"):
            return None
        return item

    def __getitem__(self, path: Path) -> Item:
        item = self._get(path)
        if item is None:
            raise KeyError(path)
        return item

    def __contains__(self, path: object) -> bool:
        return self._get(path) is not None

    def __iter__(self) -> Iterator[Path]:
        return (p for p in list(self.contents.by_path) if p in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def sub_folder(ws: Workspace, path: Path) -> Path:
    """The sub-folder of `path` under the source folder it sits in (kept when it moves)."""
    for folder in source_folders(ws):
        try:
            return path.parent.relative_to(folder)
        except ValueError:
            continue
    return Path()
