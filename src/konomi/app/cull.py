"""`konomi cull`: a shoot's bursts, the frame to keep from each, and the rest set aside.

Which frames take part: in the workspace, those waiting for a decision — data/unlabeled/ and
data/classified/ (not data/train/, the person's own labels, nor data/classified/rejected/,
already set aside); and the images of the libraries, grouped apart from the workspace's.
Capture times come from EXIF (else the file's modification time), sharpness and clipping from
the cache (`encode.quality`, measured during ingest), taste from the current head when there
is one; `learn.bursts` groups and chooses.

`find_bursts` moves and changes nothing. `apply` moves the rest of each workspace burst into
data/classified/rejected/ as one journaled operation (one `konomi undo` takes it back); library
images are never moved — `konomi xmp --cull` marks them rejected in their sidecars instead.

The review page and the report read `bursts_among` and `burst_table`. A keeper the person
chose on the review page (`keep`) is journaled into the label store (`konomi undo` takes it
back) and read by every call here unless told otherwise, so `konomi cull` and `cull --apply`
follow the person's choice.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from konomi.app.context import Context, moving, repair_if_idle
from konomi.app.folders import all_images, ignore_rules
from konomi.app.library import key, library_images
from konomi.app.scoring import VectorLookup, score_paths
from konomi.encode.images import Skipped
from konomi.encode.ingest import Embedded
from konomi.encode.pairs import companions_for
from konomi.encode.quality import MEASURE
from konomi.errors import NoHeadError
from konomi.i18n import t
from konomi.learn.bursts import cull
from konomi.store.journal import Journal, MoveReport, PlannedMove, prune_empty_parents
from konomi.store.labels import read_keepers
from konomi.store.quality import Quality, get_quality
from konomi.workspace import lock_wait, workspace_lock

REJECTED = "rejected"  # data/classified/rejected/: where `cull --apply` puts the rest


@dataclass(frozen=True)
class CullBurst:
    """One burst: the frame to keep, the others (in capture order), and why that one."""

    keeper: Path
    rest: tuple[Path, ...]
    reason: str  # learn.bursts.REASONS ("sharpest", "best_exposed", "liked_most") or "chosen"
    keeper_name: str  # as in scores.csv: relative to the root, or absolute for a library image
    rest_names: tuple[str, ...]
    library: bool  # the burst's frames are library images (never moved)
    frames: tuple[Path, ...] = ()  # every frame, keeper included, in capture order

    @property
    def reason_text(self) -> str:
        """The reason in the language in force."""
        return t(f"cull.reason.{self.reason}")

    def as_dict(self) -> dict[str, object]:
        """The `--json` form: {"keeper": path, "rest": [paths], "reason": text}."""
        return {
            "keeper": self.keeper_name,
            "rest": list(self.rest_names),
            "reason": self.reason_text,
        }


@dataclass(frozen=True)
class FrameInfo:
    """One image's columns in scores.csv: its quality and its burst (numbered as listed)."""

    sharpness: float | None
    exposure: float | None  # share of the picture clipped (0 = none)
    burst: int | None = None
    keeper: bool | None = None  # None: in no burst


@dataclass
class CullOutcome:
    bursts: list[CullBurst]
    images: int  # frames considered
    head_id: str | None  # the head whose taste broke ties; None without one
    skipped: list[Skipped] = field(default_factory=list)
    report: MoveReport | None = None  # what `apply` moved

    @property
    def rejects(self) -> int:
        return sum(len(b.rest) for b in self.bursts)

    def as_json(self) -> list[dict[str, object]]:
        return [b.as_dict() for b in self.bursts]


@dataclass(frozen=True)
class Chosen:
    """Frames the person chose to keep, oldest choice first; matched by path, or by content
    when the file has moved since (`classify` sent it to another folder)."""

    paths: tuple[Path, ...] = ()
    digests: tuple[str, ...] = ()

    def rank(self, path: Path, digest: str) -> int:
        """How recent the choice of this frame is (higher: newer); -1 when not chosen."""
        found = -1
        for i, (p, d) in enumerate(zip(self.paths, self.digests)):
            if p == path or (d and d == digest):
                found = i
        return found


def stored_keepers(ctx: Context) -> Chosen:
    """The keepers chosen on the review page and not undone (the label store's)."""
    rows = read_keepers(ctx.ws.state)
    return Chosen(tuple(Path(p) for p, _ in rows), tuple(d for _, d in rows))


def _chosen(ctx: Context, chosen: Collection[Path] | Chosen | None) -> Chosen:
    if chosen is None:
        return stored_keepers(ctx)
    if isinstance(chosen, Chosen):
        return chosen
    return Chosen(tuple(chosen), tuple("" for _ in chosen))


def waiting(ctx: Context, path: Path) -> bool:
    """A workspace image that waits for a decision (in data/unlabeled, or data/classified
    outside rejected/), as opposed to a labelled or an already rejected one."""
    parts = ctx.ws.rel(path).split("/")
    if parts[:2] == ["data", "unlabeled"]:
        return True
    return parts[:2] == ["data", "classified"] and len(parts) > 3 and parts[2] != REJECTED


def _frames(ctx: Context, skipped: list[Skipped]) -> tuple[list[Path], set[Path]]:
    """The images taking part (workspace ones first, in folder order) and which are library
    images."""
    ws_paths = [p for p in all_images(ctx.ws, skipped) if waiting(ctx, p)]
    in_library = library_images(ctx, skipped)
    return ws_paths + in_library, set(in_library)


def _embed_and_score(
    ctx: Context, paths: list[Path]
) -> tuple[Embedded, np.ndarray | None, str | None]:
    try:
        scored = score_paths(ctx, paths, vectors=False)
    except NoHeadError:
        return ctx.embed(paths, vectors=False), None, None
    return scored.embedded, scored.scores, scored.record.id


def _bursts(
    ctx: Context,
    embedded: Embedded,
    taste: np.ndarray | None,
    is_library: set[Path],
    qualities: dict[str, Quality],
    chosen: Chosen,
) -> list[CullBurst]:
    """Group the embedded images (workspace and libraries apart) and name each burst."""
    paths, digests = embedded.paths, embedded.digests
    n = len(paths)
    sharp = np.zeros(n)
    clipped = np.ones(n)  # unmeasured: never preferred
    times = np.empty(n)
    for i, (path, digest) in enumerate(zip(paths, digests)):
        q = qualities.get(digest)
        if q is not None:
            sharp[i], clipped[i] = q.sharpness, q.clipped
        taken = q.taken if q is not None else None
        if taken is None:
            try:
                taken = os.stat(path).st_mtime
            except OSError:
                taken = np.nan
        times[i] = taken
    s = ctx.settings
    lookup = VectorLookup(ctx, embedded)
    lib = np.fromiter((p in is_library for p in paths), bool, n)
    found = []
    for part in (
        np.flatnonzero(~lib & np.isfinite(times)),
        np.flatnonzero(lib & np.isfinite(times)),
    ):
        if len(part) < 2:
            continue
        for b in cull(
            times[part],
            sharp[part],
            clipped[part],
            None if taste is None else taste[part],
            gap=s.burst_gap,
            similarity=s.burst_similarity,
            vectors_of=_through(lookup, part),
        ):
            members, keeper, reason = part[b.members], int(part[b.keeper]), b.reason
            ranks = [chosen.rank(paths[int(i)], digests[int(i)]) for i in members]
            if max(ranks, default=-1) >= 0:  # the person's own choice wins (their latest)
                keeper, reason = int(members[int(np.argmax(ranks))]), "chosen"
            found.append((members, keeper, reason))
    found.sort(key=lambda f: int(f[0].min()))  # folder order: as the images were found

    def name(path: Path) -> str:
        return key(path) if path in is_library else ctx.ws.rel(path)

    bursts = []
    for members, keeper, reason in found:
        rest = tuple(paths[int(i)] for i in members if int(i) != keeper)
        bursts.append(
            CullBurst(
                paths[keeper],
                rest,
                reason,
                name(paths[keeper]),
                tuple(name(p) for p in rest),
                paths[keeper] in is_library,
                tuple(paths[int(i)] for i in members),
            )
        )
    return bursts


def _through(lookup: VectorLookup, part: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """The embeddings of rows of `part` (rows into the embedded images)."""
    return lambda rows: lookup(part[rows])


def find_bursts(ctx: Context, chosen: Collection[Path] | Chosen | None = None) -> CullOutcome:
    """The bursts of the workspace's waiting images and of the libraries, each with its keeper
    and reason, in folder order. Moves and changes nothing. A frame in `chosen` (the person
    swapped the keeper, on the review page) is its burst's keeper, with the reason "chosen";
    None: the choices stored by `keep`."""
    repair_if_idle(ctx.ws, ctx.reporter.warn)
    return _find(ctx, chosen)


def _find(ctx: Context, chosen: Collection[Path] | Chosen | None = None) -> CullOutcome:
    skipped: list[Skipped] = []
    paths, is_library = _frames(ctx, skipped)
    embedded, taste, head = _embed_and_score(ctx, paths)
    qualities = get_quality(ctx.cache, embedded.digests, MEASURE)
    bursts = _bursts(ctx, embedded, taste, is_library, qualities, _chosen(ctx, chosen))
    return CullOutcome(bursts, len(embedded.paths), head, skipped + embedded.unreadable)


def bursts_among(
    ctx: Context,
    embedded: Embedded,
    taste: np.ndarray | None,
    is_library: set[Path],
    chosen: Collection[Path] | Chosen | None = None,
) -> list[CullBurst]:
    """The bursts among images already embedded (and scored: `taste`), as `find_bursts` finds
    them, for a caller that holds them (the review page's queue, the report): the workspace
    images that wait for a decision and the library images take part, the others not."""
    qualities = get_quality(ctx.cache, embedded.digests, MEASURE)
    taking_part = [i for i, p in enumerate(embedded.paths) if p in is_library or waiting(ctx, p)]
    part = Embedded(
        [embedded.paths[i] for i in taking_part],
        [embedded.digests[i] for i in taking_part],
        embedded.vectors[taking_part],
    )
    return _bursts(
        ctx,
        part,
        None if taste is None else taste[taking_part],
        is_library,
        qualities,
        _chosen(ctx, chosen),
    )


def burst_table(
    ctx: Context, embedded: Embedded, taste: np.ndarray | None, is_library: set[Path]
) -> dict[Path, FrameInfo]:
    """Every embedded image's quality, and its burst number and keeper mark where it takes part
    in a burst (scores.csv's columns `sharpness`, `exposure`, `burst`, `keeper`)."""
    qualities = get_quality(ctx.cache, embedded.digests, MEASURE)
    bursts = bursts_among(ctx, embedded, taste, is_library)
    where: dict[Path, tuple[int, bool]] = {}
    for number, b in enumerate(bursts, 1):
        where[b.keeper] = (number, True)
        for p in b.rest:
            where[p] = (number, False)
    table = {}
    for path, digest in zip(embedded.paths, embedded.digests):
        q = qualities.get(digest)
        burst, keeper = where.get(path, (None, None))
        table[path] = FrameInfo(q.sharpness if q else None, q.clipped if q else None, burst, keeper)
    return table


def keep(ctx: Context, path: Path, digest: str, *, wait: float | None = None) -> int:
    """Make `path` the keeper of its burst for `konomi cull` from now on: one journaled
    operation (kind "keeper"; `konomi undo` takes it back). Returns the operation's id.
    `wait`: seconds to wait for another command's lock (None: the setting's)."""
    ws = ctx.ws
    note = f"keeper: {ws.rel(path)}"
    lock = workspace_lock(ws, wait=wait if wait is not None else lock_wait(), purpose="keeper")
    with lock, Journal(ws) as journal:
        journal.repair()
        return journal.record_keepers("keeper", [(str(path), digest)], note=note).op


def apply(ctx: Context, chosen: Collection[Path] | Chosen | None = None) -> CullOutcome:
    """Move the rest of each workspace burst into data/classified/rejected/ (keeping the
    sub-folder it had), as one journaled operation. Library images stay where they are.
    `chosen`: keepers the person picked (see `find_bursts`)."""
    ws = ctx.ws
    with moving(ctx, "cull") as (journal, _):
        outcome = _find(ctx, chosen)
        stamps = ctx.cache.file_stamps()
        rest = [p for b in outcome.bursts if not b.library for p in b.rest]
        riders = companions_for(rest, ignore_rules(ws))
        moves = []
        for path in rest:
            known = stamps.get(str(path))  # as hashed: a change since refuses the move
            if known is not None:
                stamp, digest = (known.size, known.mtime_ns), known.digest
            else:  # a name the cache cannot hold: as it is now
                try:
                    st = path.stat()
                except OSError:
                    outcome.skipped.append(Skipped(path, t("unreadable.gone_after_scoring")))
                    continue
                stamp, digest = (st.st_size, st.st_mtime_ns), None
            moves.append(
                PlannedMove(
                    path,
                    ws.classified_dir(REJECTED) / _sub(ctx, path),
                    stamp,
                    digest,
                    companions=riders.get(path, ()),
                )
            )
        if moves:
            report = journal.run("cull", moves, progress=ctx.progress)
            ctx.cache.follow_moves(report.moved)
            outcome.skipped += [Skipped(p, why) for p, why in report.skipped]
            outcome.skipped += [Skipped(p, why) for p, why in report.companions_left]
            for warning in report.warnings:
                ctx.reporter.warn(warning)
            prune_empty_parents(ws, [src for src, _ in report.moved])
            outcome.report = report
    return outcome


def _sub(ctx: Context, path: Path) -> Path:
    """The sub-folder of `path` below data/unlabeled/ or data/classified/<proposal>/."""
    parts = Path(ctx.ws.rel(path)).parts
    below = parts[2:-1] if parts[1] == "unlabeled" else parts[3:-1]
    return Path(*below) if below else Path()
