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

The review page and the report read `bursts_among`; scores.csv reads `burst_columns`, and
`konomi xmp --cull` reads `burst_table`. A keeper the person chose on the review page (`keep`)
is journaled into the label store (`konomi undo` takes it back) and read by every call here
unless told otherwise, so `konomi cull` and `cull --apply` follow the person's choice.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import overload

import numpy as np

from konomi.app.context import Context, moving, repair_if_idle
from konomi.app.folders import all_images, ignore_rules
from konomi.app.library import key, library_images
from konomi.app.reports.scores_csv import Culling
from konomi.app.scoring import score_paths, slots_of_rows
from konomi.encode.images import Skipped
from konomi.encode.ingest import Embedded
from konomi.encode.listing import not_among
from konomi.encode.pairs import companions_for
from konomi.errors import NoHeadError
from konomi.i18n import t
from konomi.learn.bursts import REASONS, Bursts, cull_flat
from konomi.store.journal import Journal, MoveReport, PlannedMove, prune_empty_parents
from konomi.store.labels import read_keepers
from konomi.store.quality import QualityColumns
from konomi.workspace import lock_wait, workspace_lock

REJECTED = "rejected"  # data/classified/rejected/: where `cull --apply` puts the rest
CHOSEN = len(REASONS)  # the reason code of a keeper the person chose, after learn's reasons
_REASON_NAMES = (*REASONS, "chosen")


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


class BurstColumns(Sequence[Culling]):
    """scores.csv's culling columns of every embedded image, kept as arrays: a million images
    cost a few arrays, not a million objects. Item i is image i's (sharpness, exposure, burst,
    keeper), None where not measured or in no burst."""

    def __init__(
        self, sharpness: np.ndarray, exposure: np.ndarray, burst: np.ndarray, keeper: np.ndarray
    ) -> None:
        self.sharpness, self.exposure = sharpness, exposure  # NaN: not measured
        self.burst, self.keeper = burst, keeper  # 0 and -1: in no burst

    def __len__(self) -> int:
        return len(self.burst)

    @overload
    def __getitem__(self, i: int) -> Culling: ...
    @overload
    def __getitem__(self, i: slice) -> list[Culling]: ...
    def __getitem__(self, i: int | slice) -> Culling | list[Culling]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        sharp, clipped = float(self.sharpness[i]), float(self.exposure[i])
        burst, keeper = int(self.burst[i]), int(self.keeper[i])
        return (
            None if math.isnan(sharp) else sharp,
            None if math.isnan(clipped) else clipped,
            burst or None,
            None if keeper < 0 else bool(keeper),
        )

    def frame(self, i: int) -> FrameInfo:
        return FrameInfo(*self[i])


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

    def ranks(self, paths: Sequence[Path], digests: list[str], rows: np.ndarray) -> np.ndarray:
        """`rank` of each of `rows` (into `paths` and `digests`) at once: one look-up per row
        in a table of the choices, the newest of a path's or a digest's kept."""
        by_path = {str(p): i for i, p in enumerate(self.paths)}
        by_digest = {d: i for i, d in enumerate(self.digests) if d}
        return np.fromiter(
            (
                max(by_path.get(str(paths[i]), -1), by_digest.get(digests[i], -1))
                for i in rows.tolist()
            ),
            np.int64,
            len(rows),
        )


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


def _frames(ctx: Context, skipped: list[Skipped]) -> tuple[Sequence[Path], list[Path]]:
    """The images taking part (workspace ones first, in folder order), and the workspace's
    among them (the others are library images)."""
    ws_paths = [p for p in all_images(ctx.ws, skipped) if waiting(ctx, p)]
    in_library = library_images(ctx, skipped)
    return ws_paths + in_library, ws_paths


def _embed_and_score(
    ctx: Context, paths: Sequence[Path]
) -> tuple[Embedded, np.ndarray | None, str | None]:
    try:
        scored = score_paths(ctx, paths, vectors=False)
    except NoHeadError:
        return ctx.embed(paths, vectors=False), None, None
    return scored.embedded, scored.scores, scored.record.id


def _capture_times(embedded: Embedded, taken: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Capture times of `rows`: EXIF's where the quality row has one, else the file's
    modification time as the embed saw it (else asked now; NaN for a file gone meanwhile)."""
    paths = embedded.paths
    times: np.ndarray = taken[rows]
    if len(embedded.mtimes) == len(paths):
        unknown = np.isnan(times)
        times[unknown] = embedded.mtimes[rows[unknown]]
    for j in np.flatnonzero(np.isnan(times)).tolist():
        with contextlib.suppress(OSError):  # a file gone meanwhile stays NaN: takes no part
            times[j] = os.stat(paths[int(rows[j])]).st_mtime
    return times


def _bursts(
    ctx: Context,
    embedded: Embedded,
    taste: np.ndarray | None,
    lib: np.ndarray,
    taking_part: np.ndarray,
    quality: QualityColumns,
    chosen: Chosen,
) -> Bursts:
    """Group the taking-part images (workspace and libraries apart): bursts as rows into
    `embedded`, in folder order (by their first image as found); a burst holding a frame the
    person chose keeps that frame (their latest choice), with the reason `CHOSEN`."""
    known = quality.known
    sharp = np.where(known, quality.sharpness, 0.0)
    clipped = np.where(known, quality.clipped, 1.0)  # unmeasured: never preferred
    s = ctx.settings
    found: list[Bursts] = []
    for side in (taking_part & ~lib, taking_part & lib):
        rows = np.flatnonzero(side)
        if len(rows) < 2:
            continue
        times = _capture_times(embedded, quality.taken, rows)
        part = rows[np.isfinite(times)]
        times = times[np.isfinite(times)]
        if len(part) < 2:
            continue
        b = cull_flat(
            times,
            sharp[part],
            clipped[part],
            None if taste is None else taste[part],
            gap=s.burst_gap,
            similarity=s.burst_similarity,
            vectors_of=_through(ctx, embedded, part),
        )
        found.append(Bursts(part[b.rows], b.starts, part[b.keepers], b.reasons))
    return _with_choice(_in_folder_order(found), embedded, chosen)


def _with_choice(found: Bursts, embedded: Embedded, chosen: Chosen) -> Bursts:
    """`found` with the person's choice on top: in each burst whose frames include chosen
    ones, the keeper becomes the most recently chosen (the first in capture order, should one
    choice match two frames) and the reason `CHOSEN`."""
    if not chosen.paths or not len(found):
        return found
    ranks = chosen.ranks(embedded.paths, embedded.digests, found.rows)
    best = np.maximum.reduceat(ranks, found.starts)
    holding = np.flatnonzero(best >= 0)
    if not len(holding):
        return found
    keepers, reasons = found.keepers.copy(), found.reasons.copy()
    ends = found.starts + found.sizes
    for k in holding.tolist():
        start, end = int(found.starts[k]), int(ends[k])
        keepers[k] = found.rows[start + int(np.argmax(ranks[start:end]))]
        reasons[k] = CHOSEN
    return Bursts(found.rows, found.starts, keepers, reasons)


def _in_folder_order(found: list[Bursts]) -> Bursts:
    """The bursts of both sides as one, ordered by each burst's first image as found."""
    none = np.zeros(0, dtype=np.int64)
    sizes = np.concatenate([none, *(b.sizes for b in found)])
    if not len(sizes):
        return Bursts(none, none, none, none)
    rows = np.concatenate([b.rows for b in found])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    order = np.argsort(np.minimum.reduceat(rows, starts), kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    burst = np.repeat(np.arange(len(sizes)), sizes)
    rows = rows[np.argsort(rank[burst], kind="stable")]
    sizes = sizes[order]
    keepers = np.concatenate([b.keepers for b in found])[order]
    reasons = np.concatenate([b.reasons for b in found])[order]
    return Bursts(rows, np.concatenate([[0], np.cumsum(sizes)[:-1]]), keepers, reasons)


def _through(
    ctx: Context, embedded: Embedded, part: np.ndarray
) -> Callable[[np.ndarray], np.ndarray]:
    """The embeddings of rows of `part` (rows into the embedded images): from the block when it
    was read, else from the model's vector file by each image's slot (frames taken one after
    another were embedded one after another: their rows lie side by side, read a block at a
    time). A vector the cache lacks is NaN: its frame looks like no other."""
    model = ctx.model.model_id
    known: list[np.ndarray] = []

    def slots() -> np.ndarray:
        if not known:  # asked once, when the vectors are not in memory
            known.append(slots_of_rows(ctx, embedded, np.arange(len(embedded.digests))))
        return known[0]

    def vectors_of(rows: np.ndarray) -> np.ndarray:
        at = part[rows]
        if embedded.vectors.shape[1] or not len(at):
            return np.asarray(embedded.vectors[at], dtype=np.float32)
        X, sound = ctx.cache.vectors_at(model, slots()[at])
        if not X.shape[1]:  # no vector file to read
            return np.full((len(at), 1), np.nan, np.float32)
        X[~sound] = np.nan
        return X

    return vectors_of


def find_bursts(ctx: Context, chosen: Collection[Path] | Chosen | None = None) -> CullOutcome:
    """The bursts of the workspace's waiting images and of the libraries, each with its keeper
    and reason, in folder order. Moves and changes nothing. A frame in `chosen` (the person
    swapped the keeper, on the review page) is its burst's keeper, with the reason "chosen";
    None: the choices stored by `keep`."""
    repair_if_idle(ctx.ws, ctx.reporter.warn)
    return _find(ctx, chosen)


def _find(ctx: Context, chosen: Collection[Path] | Chosen | None = None) -> CullOutcome:
    skipped: list[Skipped] = []
    frames, own = _frames(ctx, skipped)
    embedded, taste, head = _embed_and_score(ctx, frames)
    paths = embedded.paths
    lib = not_among(paths, own)
    quality = ctx.quality_of(embedded)
    everyone = np.ones(len(paths), dtype=bool)
    found = _bursts(ctx, embedded, taste, lib, everyone, quality, _chosen(ctx, chosen))
    bursts = _named(ctx, paths, lib, found)
    return CullOutcome(bursts, len(paths), head, skipped + embedded.unreadable)


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
    paths = embedded.paths
    lib = np.fromiter((p in is_library for p in paths), bool, len(paths))
    quality = ctx.quality_of(embedded)
    found = _bursts(
        ctx, embedded, taste, lib, _taking_part(ctx, paths, lib), quality, _chosen(ctx, chosen)
    )
    return _named(ctx, paths, lib, found)


def _taking_part(ctx: Context, paths: Sequence[Path], lib: np.ndarray) -> np.ndarray:
    """The library images, and the workspace images that wait for a decision."""
    taking_part: np.ndarray = lib.copy()
    for i in np.flatnonzero(~lib).tolist():
        taking_part[i] = waiting(ctx, paths[i])
    return taking_part


def _named(ctx: Context, paths: Sequence[Path], lib: np.ndarray, found: Bursts) -> list[CullBurst]:
    """The bursts as `CullBurst`s: paths, names as in scores.csv, and reasons."""

    def name(i: int) -> str:
        return key(paths[i]) if lib[i] else ctx.ws.rel(paths[i])

    bursts = []
    for members, keeper, why in zip(
        np.split(found.rows, found.starts[1:]) if len(found) else [],
        found.keepers.tolist(),
        found.reasons.tolist(),
    ):
        rows = members.tolist()
        rest = [i for i in rows if i != keeper]
        bursts.append(
            CullBurst(
                paths[keeper],
                tuple(paths[i] for i in rest),
                _REASON_NAMES[why],
                name(keeper),
                tuple(name(i) for i in rest),
                bool(lib[keeper]),
                tuple(paths[i] for i in rows),
            )
        )
    return bursts


def burst_columns(
    ctx: Context,
    embedded: Embedded,
    taste: np.ndarray | None,
    lib: np.ndarray,
    chosen: Collection[Path] | Chosen | None = None,
) -> BurstColumns:
    """Every embedded image's quality, and its burst number and keeper mark where it takes part
    in a burst (scores.csv's columns `sharpness`, `exposure`, `burst`, `keeper`). `lib` marks
    the library images; the workspace's take part when they wait for a decision. `chosen`: as
    in `find_bursts` (None: the stored choices)."""
    paths = embedded.paths
    quality = ctx.quality_of(embedded)
    taking_part = _taking_part(ctx, paths, lib)
    burst = np.zeros(len(paths), dtype=np.int64)
    keeper = np.full(len(paths), -1, dtype=np.int8)
    found = _bursts(ctx, embedded, taste, lib, taking_part, quality, _chosen(ctx, chosen))
    burst[found.rows] = np.repeat(np.arange(1, len(found) + 1), found.sizes)
    keeper[found.rows] = 0
    keeper[found.keepers] = 1
    return BurstColumns(quality.sharpness, quality.clipped, burst, keeper)


def burst_table(
    ctx: Context, embedded: Embedded, taste: np.ndarray | None, is_library: set[Path]
) -> dict[Path, FrameInfo]:
    """`burst_columns` by path (a few thousand images: `konomi xmp --cull`)."""
    lib = np.fromiter((p in is_library for p in embedded.paths), bool, len(embedded.paths))
    columns = burst_columns(ctx, embedded, taste, lib)
    return {p: columns.frame(i) for i, p in enumerate(embedded.paths)}


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
