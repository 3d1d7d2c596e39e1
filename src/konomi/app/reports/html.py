"""The HTML report: `reports/index.html` and its contact sheets in `reports/thumbs/`; opens offline.

The page and its folder are everything: plots as inline PNG data URIs (`plots.py`), the data
inline (gzipped JSON, `data.py`), the script inline, thumbnails as contact sheets beside it
(`sheets.py`). It fetches nothing from any server (no fonts, no scripts, no links), so the folder
can be zipped, archived, or opened on a plane, and it leaks nothing about the person's photos.

The page is written from a Jinja2 template (`konomi/templates/report.html`) that escapes every
value by default: a file named `<script>.jpg` is a file name on the page, nothing more.

It opens on photos: the top of the person's taste, the proposals most worth a look and the
suspect labels, as thumbnails; then how the model is doing in plain words, with the plots and the
technical figures (head id, AUC, Brier) one click away; then every image in score order, with
filters like / dislike / unsure / suspects / bursts, and on click an image's explanation (its
nearest liked and disliked training images). The bursts of a shoot (`konomi cull`: capture time,
the keeper by sharpness and exposure, then taste) are a section of their own: each a strip of
its frames with the keeper marked and the reason.

It scales: a thumbnail costs ~410 bytes in a sheet of 100, made from the thumbnail store, and
the page draws its grid a few hundred tiles at a time as the reader scrolls. Beyond MAX_SHOWN
images the page shows a sample (every training image and suspect, and an even sample of the
rest in score order) and says so; `reports/scores.csv` keeps every row.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from konomi import i18n
from konomi.app.context import Context
from konomi.app.cull import CullBurst, bursts_among
from konomi.app.explain import DEFAULT_K, TrainingSet
from konomi.app.library import library_images, library_labels
from konomi.app.reports import plots
from konomi.app.reports.data import page_data as page_data
from konomi.app.reports.page import render as render
from konomi.app.reports.sheets import build_sheets
from konomi.app.reports.words import describe
from konomi.app.scoring import VectorLookup
from konomi.app.suspects import Found, in_workspace
from konomi.atomic import write_text
from konomi.encode.images import Skipped
from konomi.errors import KonomiError
from konomi.i18n import t
from konomi.learn import duplicates
from konomi.learn.thresholds import proposal
from konomi.store.thumbs import ThumbStore, thumbs_path
from konomi.workspace import Workspace

THUMBS_FOLDER = "thumbs"
SUSPECTS_LISTED = 30  # suspects listed beyond the marked ones (every marked one is listed)
MAX_SHOWN = 100_000  # images a page carries; beyond, a sample (the report at 100k: ~45 MB)

__all__ = ["MAX_SHOWN", "THUMBS_FOLDER", "ReportOutcome", "build", "page_data", "render"]


def thumbs_folder(page: Path) -> Path:
    """Where a page's sheets go: `thumbs/` beside `index.html`, `<name>-thumbs/` beside any
    other page (`report --out`), so that a report kept for comparison keeps its thumbnails when
    the next one prunes the sheets it no longer shows."""
    return page.parent / (THUMBS_FOLDER if page.name == "index.html" else f"{page.stem}-thumbs")


@dataclass
class ReportOutcome:
    out: Path
    n_images: int
    head_id: str
    n_suspects: int  # training images flagged as likely mislabelled
    n_groups: int  # bursts of near-duplicates
    size_bytes: int  # the page and its sheets of thumbnails together
    skipped: list[Skipped]
    html_bytes: int = 0
    thumbs_bytes: int = 0
    sheets_written: int = 0  # sheets encoded by this report (the others were reused)
    n_shown: int = 0  # images the page carries (fewer than n_images: a sample)


def build(
    ctx: Context,
    out: Path | None = None,
    *,
    duplicate_threshold: float = duplicates.DEFAULT_THRESHOLD,
    k: int = DEFAULT_K,
) -> ReportOutcome:
    """Score every image under data/ with the current head and write the HTML report.

    In the workspace's language when its konomi.toml sets one, else in the language in force.
    """
    with i18n.speaking(ctx.settings.language or None):
        return _build(ctx, out, duplicate_threshold=duplicate_threshold, k=k)


def sample(n: int, keep: set[int], limit: int) -> np.ndarray:
    """Rows (of a score order of `n`) a page of at most `limit` images shows: every row of
    `keep`, then rows evenly spaced through the rest, so each score range keeps its share."""
    if n <= limit:
        return np.arange(n)
    must = np.asarray(sorted(keep), dtype=np.int64)[:limit]
    room = limit - len(must)
    rest = np.setdiff1d(np.arange(n), must, assume_unique=True)
    if room > 0 and len(rest):
        picked = rest[np.linspace(0, len(rest) - 1, room).round().astype(np.int64)]
        must = np.union1d(must, picked)
    return must


def cull_strips(
    ws: Workspace, bursts: list[CullBurst], position: dict[str, int]
) -> list[dict[str, object]]:
    """Each culling burst as the page shows it: its frames (page rows, capture order), the
    keeper's row, and why it is kept. Frames the page does not carry (a sample) are left out."""
    strips: list[dict[str, object]] = []
    for b in bursts:
        rows = [position[r] for r in map(ws.rel, b.frames) if r in position]
        keeper = position.get(ws.rel(b.keeper))
        if keeper is None or len(rows) < 2:
            continue
        strips.append(
            {"frames": rows, "keeper": keeper, "reason": b.reason_text, "name": b.keeper.name}
        )
    return strips


def _suspects(ctx: Context, record_id: str) -> Found:
    try:
        return in_workspace(ctx, top=SUSPECTS_LISTED)
    except KonomiError as exc:  # e.g. data/train emptied since the head was trained
        ctx.reporter.warn(t("report.no_suspects", reason=exc.message))
        return Found([], 0, 0, record_id, False, [])


def _build(ctx: Context, out: Path | None, *, duplicate_threshold: float, k: int) -> ReportOutcome:
    from konomi.app.context import repair_if_idle
    from konomi.app.folders import all_images
    from konomi.app.scoring import score_paths

    ws: Workspace = ctx.ws
    repair_if_idle(ws, ctx.reporter.warn)
    skipped: list[Skipped] = []
    in_library = library_images(ctx, skipped)
    paths = all_images(ws, skipped) + in_library
    scored = score_paths(ctx, paths, vectors=len(paths) <= MAX_SHOWN)
    library = library_labels(ctx, in_library).labels if in_library else {}
    record = scored.record
    dislike, like = ctx.thresholds(record)
    emb = scored.embedded
    n_total = len(emb.paths)

    # Order of the page: score, highest first (a sample of it past MAX_SHOWN images).
    extra = record.info.get("extra", {})
    head_labels = {
        str(p): int(y) for p, y in zip(extra.get("train_paths", []), extra.get("train_labels", []))
    }
    found = _suspects(ctx, record.id)
    full_order = np.argsort(-scored.scores, kind="stable")
    rel_all = [ws.rel(p) for p in emb.paths]
    wanted = set(head_labels) | {s.path for s in found.suspects}
    keep = {r for r, i in enumerate(full_order) if rel_all[i] in wanted}
    order = full_order[sample(n_total, keep, MAX_SHOWN)]
    rel = [rel_all[i] for i in order]
    scores = scored.scores[order]
    vectors = VectorLookup(ctx, emb)(order) if len(order) else np.zeros((0, 0), np.float32)
    position = {p: i for i, p in enumerate(rel)}

    # Training set of the head, as far as its files are still here (and readable).
    train_rows = [position[p] for p in head_labels if p in position]
    train = TrainingSet(
        [rel[i] for i in train_rows],
        np.asarray([head_labels[rel[i]] for i in train_rows], dtype=int),
        vectors[train_rows] if train_rows else np.zeros((0, vectors.shape[1]), np.float32),
    )
    near = train.neighbours(vectors, k, query_paths=rel)
    suspect_of = {s.path: s for s in found.suspects}
    # Bursts are grouped in file order (a burst's first frame leads it), then named by page row.
    in_files = np.argsort(order, kind="stable")
    bursts = duplicates.group(vectors[in_files], duplicate_threshold)
    groups = sorted((sorted(int(in_files[i]) for i in g) for g in bursts), key=lambda g: g[0])
    group_of = duplicates.group_of(groups, len(rel))
    culled = cull_strips(ws, bursts_among(ctx, emb, scored.scores, set(in_library)), position)

    target = out or ws.reports / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    # Reports before this one cached JPEG thumbnails in .konomi/thumbs/: nothing reads them now.
    shutil.rmtree(ws.state / "thumbs", ignore_errors=True)
    with ThumbStore(thumbs_path(ws.state)) as store:
        sheets = build_sheets(
            [emb.paths[i] for i in order],
            [emb.digests[i] for i in order],
            thumbs_folder(target),
            store,
            ctx.progress,
        )
    if ctx.progress:
        ctx.progress(t("progress.plots"), 0, None)

    kinds = [library.get(emb.paths[i]) or ws.label_of(emb.paths[i]) or "" for i in order]
    from_library = set(in_library)
    items = []
    for i, path in enumerate(rel):
        s = suspect_of.get(path)
        liked, disliked = near[i]
        items.append(
            {
                "p": path,
                "s": round(float(scores[i]), 4),
                "l": proposal(float(scores[i]), dislike, like),
                "f": "library" if emb.paths[order[i]] in from_library else ws.folder_of(path),
                "t": kinds[i],
                "x": None
                if s is None
                else {
                    "rank": s.rank,
                    "c": round(s.confidence, 3),
                    "flag": s.flagged,
                    "oof": round(s.score, 3),
                },
                "g": int(group_of[i]),
                "nl": [[position[n.path], round(n.similarity, 3)] for n in liked],
                "nd": [[position[n.path], round(n.similarity, 3)] for n in disliked],
            }
        )

    oof_y = np.asarray(extra.get("train_labels", []), dtype=int)
    oof_p = np.asarray(extra.get("train_oof", []), dtype=np.float64)
    figures = {
        "histogram": plots.plot_histogram(scores, kinds, dislike, like),
        "reliability": plots.plot_reliability(oof_y, oof_p),
        "learning": plots.plot_learning_curve(plots.learning_curve(ws), record.id),
    }
    all_proposals = [proposal(float(s), dislike, like) for s in scored.scores]
    words = describe(
        record,
        dislike=dislike,
        like=like,
        proposals={name: all_proposals.count(name) for name in ("like", "dislike", "unsure")},
        n_images=n_total,
        suspects_note=t(
            "report.suspects.note_fresh" if found.recomputed else "report.suspects.note",
            n=found.n_flagged,
            total=found.n_train,
            head=record.id,
        ),
        suspects_rule=found.rule(),
    )
    if found.n_flagged:
        words.suspects_plain = t(
            "report.first.suspects_count", n=found.n_flagged, total=found.n_train
        )
    if len(rel) < n_total:
        words.extra.append(t("report.sampled", shown=len(rel), total=n_total))
    page = render(
        items=items,
        groups=groups,
        suspects=[s for s in found.suspects if s.path in position],
        position=position,
        plots=figures,
        words=words,
        duplicate_threshold=duplicate_threshold,
        sheets=sheets,
        culled=culled,
        burst_gap=ctx.settings.burst_gap,
    )
    write_text(target, page)
    html_bytes = target.stat().st_size
    return ReportOutcome(
        target,
        n_total,
        record.id,
        found.n_flagged,
        len(groups),
        html_bytes + sheets.bytes,
        skipped + emb.unreadable + found.skipped,
        html_bytes,
        sheets.bytes,
        sheets.written,
        len(rel),
    )
