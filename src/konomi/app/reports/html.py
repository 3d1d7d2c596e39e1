"""The HTML report: `reports/index.html`, one self-contained file that opens offline.

Everything is inside the file: thumbnails as inline JPEG data URIs, plots as inline PNG data URIs,
the explanations as inline JSON, the filters as a few lines of inline script. It fetches nothing
(no fonts, no scripts, no links to any server), so it can be mailed, archived, or opened on a
plane, and it leaks nothing about the person's photos when it is opened.

What it shows, for the current head:
- every image under data/ in score order, with filters like / dislike / unsure / suspects /
  bursts;
- the score histogram, the reliability curve of the head's out-of-fold scores (does 0.7 mean
  liked 70 % of the time?), and the learning curve across every saved head;
- the suspect labels (konomi suspects), and bursts of near-duplicates (duplicates.group);
- on click, an image's explanation: its nearest liked and disliked training images.

Thumbnails are made once per image content and kept under `.konomi/thumbs/`, so a second report
of the same photos costs no decoding.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from PIL import Image

from konomi.app.context import Context
from konomi.app.explain import DEFAULT_K, TrainingSet
from konomi.app.reports.scores_csv import proposal
from konomi.app.suspects import Found, in_workspace
from konomi.encode.images import Skipped, load_image
from konomi.errors import KonomiError, UnreadableImage
from konomi.learn import duplicates
from konomi.progress import Progress
from konomi.store.heads import HeadRecord, list_heads
from konomi.workspace import Workspace

THUMB_PX = 128
THUMB_QUALITY = 80
SUSPECTS_LISTED = 30


@dataclass
class ReportOutcome:
    out: Path
    n_images: int
    head_id: str
    n_suspects: int  # training images flagged as likely mislabelled
    n_groups: int  # bursts of near-duplicates
    size_bytes: int
    skipped: list[Skipped]


# -- thumbnails -----------------------------------------------------------------------------------
def _placeholder(px: int) -> bytes:
    """A plain grey JPEG for an image that can no longer be decoded (kept in the grid)."""
    buf = io.BytesIO()
    Image.new("RGB", (px, px), (128, 128, 128)).save(buf, "JPEG", quality=50)
    return buf.getvalue()


def thumbnail(path: Path, digest: str, ws: Workspace, px: int = THUMB_PX) -> bytes:
    """A JPEG at most `px` on its long side, from `.konomi/thumbs/` or made now and kept there."""
    cached = ws.state / "thumbs" / str(px) / digest[:2] / f"{digest}.jpg"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    try:
        image = load_image(path, min_side=px)
    except UnreadableImage:
        return _placeholder(px)
    image.thumbnail((px, px), Image.Resampling.BICUBIC)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=THUMB_QUALITY, optimize=True)
    data = buf.getvalue()
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_name(f".{cached.name}.tmp-{os.getpid()}-{id(data)}")
        tmp.write_bytes(data)
        os.replace(tmp, cached)
    except OSError:
        pass  # a read-only workspace still gets its report
    return data


def thumbnails(
    paths: list[Path], digests: list[str], ws: Workspace, progress: Progress | None = None
) -> list[str]:
    """Data URIs of every image's thumbnail, decoded on all cores."""
    out: list[str] = [""] * len(paths)
    workers = max(1, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="konomi-thumb") as pool:
        jobs = pool.map(lambda pd: thumbnail(pd[0], pd[1], ws), zip(paths, digests))
        for i, data in enumerate(jobs):
            out[i] = "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")
            if progress and (i % 32 == 0 or i == len(paths) - 1):
                progress("thumbnails", i + 1, len(paths))
    return out


# -- plots ----------------------------------------------------------------------------------------
def _png(fig) -> str:  # noqa: ANN001 - a matplotlib Figure
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _pyplot():  # noqa: ANN202
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_histogram(scores: np.ndarray, kinds: list[str], dislike: float, like: float) -> str:
    """Scores of every image, stacked by where it lives, with the thresholds in force."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.6, 3.0))
    bins = np.linspace(0, 1, 21)
    groups = [
        ("training: like", "#d9534f", [s for s, k in zip(scores, kinds) if k == "like"]),
        ("training: dislike", "#337ab7", [s for s, k in zip(scores, kinds) if k == "dislike"]),
        ("not in training", "#999999", [s for s, k in zip(scores, kinds) if k == ""]),
    ]
    shown = [(n, c, v) for n, c, v in groups if v]
    if shown:
        ax.hist(
            [v for _, _, v in shown],
            bins=bins,
            stacked=True,
            color=[c for _, c, _ in shown],
            label=[n for n, _, _ in shown],
        )
    for t in (dislike, like):
        ax.axvline(t, color="black", linestyle="--", linewidth=1)
    ax.set_xlim(0, 1)
    ax.set_xlabel("score (probability you like it)")
    ax.set_ylabel("images")
    ax.set_title("Score histogram (dashed: thresholds)")
    if shown:
        ax.legend(fontsize=8)
    return _png(fig)


def reliability(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[tuple[float, float, int]]:
    """(mean score, share liked, count) per equal-width score bin with at least one image."""
    y = np.asarray(y, dtype=np.float64)
    p = np.asarray(p, dtype=np.float64)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        members = which == b
        if members.any():
            rows.append((float(p[members].mean()), float(y[members].mean()), int(members.sum())))
    return rows


def plot_reliability(y: np.ndarray, p: np.ndarray) -> str:
    """Out-of-fold score against how often those images were really liked."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(3.4, 3.0))
    ax.plot([0, 1], [0, 1], color="#bbbbbb", linewidth=1, label="perfect")
    rows = reliability(y, p)
    if rows:
        xs, ys, ns = zip(*rows)
        ax.plot(xs, ys, color="#5cb85c", linewidth=1.5)
        ax.scatter(
            xs,
            ys,
            s=[12 + 60 * n / max(ns) for n in ns],
            color="#5cb85c",
            label="training images (out-of-fold)",
            zorder=3,
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("score")
    ax.set_ylabel("share really liked")
    ax.set_title("Reliability (calibration)")
    ax.legend(fontsize=7, loc="upper left")
    return _png(fig)


def learning_curve(ws: Workspace) -> list[dict[str, object]]:
    """One point per saved head, oldest first: labels, AUC, Brier."""
    points = []
    for info in list_heads(ws):
        metrics = info.get("metrics") or {}
        counts = info.get("counts") or {}
        if "auc" not in metrics:
            continue
        points.append(
            {
                "id": info["id"],
                "n": int(counts.get("like", 0)) + int(counts.get("dislike", 0)),
                "auc": metrics.get("auc"),
                "brier": metrics.get("brier"),
            }
        )
    return points


def plot_learning_curve(points: list[dict[str, object]], current: str) -> str:
    """Cross-validated AUC and Brier of every saved head, in training order."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.6, 3.0))
    xs = list(range(1, len(points) + 1))
    auc = [float(p["auc"]) if p["auc"] is not None else np.nan for p in points]  # type: ignore[arg-type]
    brier = [float(p["brier"]) if p["brier"] is not None else np.nan for p in points]  # type: ignore[arg-type]
    ax.plot(xs, auc, marker="o", color="#5cb85c", label="AUC (higher is better)")
    ax.plot(xs, brier, marker="s", color="#f0ad4e", label="Brier (lower is better)")
    for x, p in zip(xs, points):
        if p["id"] == current:
            ax.annotate(
                "current",
                (x, auc[x - 1]),
                textcoords="offset points",
                xytext=(0, 8),
                ha="center",
                fontsize=8,
            )
    step = max(1, -(-len(xs) // 12))  # at most 12 labelled ticks
    ax.set_xticks(xs[::step])
    ax.set_xticklabels([f"{x}\n{p['n']}" for x, p in zip(xs, points)][::step], fontsize=7)
    ax.set_xlabel("saved head (and labels it was trained on)")
    ax.set_ylim(0, 1.05)
    ax.set_title("Learning curve across saved heads")
    ax.legend(fontsize=7, loc="lower left")
    return _png(fig)


# -- the page -------------------------------------------------------------------------------------
def _template() -> str:
    return (resources.files("konomi") / "templates" / "report.html").read_text(encoding="utf-8")


def _script_json(value: object) -> str:
    """JSON safe inside a <script> element (no "</" can close it)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def _fmt(x: object, digits: int = 3) -> str:
    return f"{x:.{digits}f}" if isinstance(x, (int, float)) else "–"


def _pct(x: object) -> str:
    return f"{x:.0%}" if isinstance(x, (int, float)) else "–"


def _summary(record: HeadRecord, dislike: float, like: float, n_images: int) -> str:
    info = record.info
    m = info.get("metrics") or {}
    c = info.get("counts") or {}
    t = info.get("thresholds") or {}
    target = t.get("target")
    precision = ""
    if (t.get("dislike"), t.get("like")) == (dislike, like) and "unsure_share" in t:
        precision = (
            f" Expected from cross-validation: like proposals right {_pct(t.get('like_precision'))}"
            f", dislike proposals right {_pct(t.get('dislike_precision'))}; "
            f"{_pct(t.get('unsure_share'))} unsure."
        )
    return (
        f"{n_images} images scored by head <b>{html.escape(record.id)}</b> "
        f"(trained {html.escape(str(info.get('created', '?')))} on {c.get('like', '?')} like / "
        f"{c.get('dislike', '?')} dislike with {html.escape(str(info.get('model_id', '?')))}). "
        f"Cross-validated AUC {_fmt(m.get('auc'))}, Brier {_fmt(m.get('brier'))}. "
        f"Thresholds: like ≥ {like:.2f}, dislike ≤ {dislike:.2f}"
        + (f" (chosen for {float(target):.0%} precision)" if target else "")
        + "."
        + precision
    )


def build(
    ctx: Context,
    out: Path | None = None,
    *,
    duplicate_threshold: float = duplicates.DEFAULT_THRESHOLD,
    k: int = DEFAULT_K,
) -> ReportOutcome:
    """Score every image under data/ with the current head and write the HTML report."""
    from konomi.app.loop import all_images, repair_if_idle, score_paths

    ws: Workspace = ctx.ws
    repair_if_idle(ws, ctx.reporter.warn)
    skipped: list[Skipped] = []
    scored = score_paths(ctx, all_images(ws, skipped))
    record = scored.record
    dislike, like = ctx.thresholds(record)
    emb = scored.embedded
    rel_all = [ws.rel(p) for p in emb.paths]

    # Order of the page: score, highest first.
    order = np.argsort(-scored.scores, kind="stable")
    rel = [rel_all[i] for i in order]
    scores = scored.scores[order]
    vectors = emb.vectors[order]
    position = {p: i for i, p in enumerate(rel)}

    # Training set of the head, as far as its files are still here (and readable).
    extra = record.info.get("extra", {})
    head_labels = {
        str(p): int(y) for p, y in zip(extra.get("train_paths", []), extra.get("train_labels", []))
    }
    train_rows = [position[p] for p in head_labels if p in position]
    train = TrainingSet(
        [rel[i] for i in train_rows],
        np.asarray([head_labels[rel[i]] for i in train_rows], dtype=int),
        vectors[train_rows] if train_rows else np.zeros((0, vectors.shape[1]), np.float32),
    )
    near = train.neighbours(vectors, k, query_paths=rel)

    try:
        found = in_workspace(ctx, top=SUSPECTS_LISTED)
    except KonomiError as exc:  # e.g. data/train emptied since the head was trained
        ctx.reporter.warn(f"No suspect labels in the report: {exc.message}")
        found = Found([], 0, 0, record.id, False, [])
    suspect_of = {s.path: s for s in found.suspects}

    groups_in_file_order = duplicates.group(emb.vectors, duplicate_threshold)
    inverse = np.empty(len(order), dtype=int)
    inverse[order] = np.arange(len(order))
    groups = sorted(
        (sorted(int(inverse[i]) for i in g) for g in groups_in_file_order), key=lambda g: g[0]
    )
    group_of = duplicates.group_of(groups, len(rel))

    uris = thumbnails(
        [emb.paths[i] for i in order], [emb.digests[i] for i in order], ws, ctx.progress
    )
    if ctx.progress:
        ctx.progress("plots", 0, None)

    kinds = [ws.label_of(emb.paths[i]) or "" for i in order]
    items = []
    for i, path in enumerate(rel):
        s = suspect_of.get(path)
        liked, disliked = near[i]
        items.append(
            {
                "p": path,
                "s": round(float(scores[i]), 4),
                "l": proposal(float(scores[i]), dislike, like),
                "f": ws.folder_of(ws.abs(path)),
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
    plots = {
        "histogram": plot_histogram(scores, kinds, dislike, like),
        "reliability": plot_reliability(oof_y, oof_p),
        "learning": plot_learning_curve(learning_curve(ws), record.id),
    }
    page = render(
        items=items,
        uris=uris,
        groups=groups,
        suspects=[s for s in found.suspects if s.path in position],
        position=position,
        plots=plots,
        summary=_summary(record, dislike, like, len(rel)),
        suspects_note=(
            f"{found.n_flagged} of {found.n_train} training images look mislabelled "
            + (
                f"(cross-validation of head {record.id})."
                if not found.recomputed
                else "(fresh cross-validation: data/train changed since the last train)."
            )
        ),
        duplicate_threshold=duplicate_threshold,
    )
    target = out or ws.reports / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, target)
    return ReportOutcome(
        target,
        len(rel),
        record.id,
        found.n_flagged,
        len(groups),
        target.stat().st_size,
        skipped + emb.unreadable + found.skipped,
    )


def render(
    *,
    items: list[dict[str, object]],
    uris: list[str],
    groups: list[list[int]],
    suspects: list,  # list[Suspect]
    position: dict[str, int],
    plots: dict[str, str],
    summary: str,
    suspects_note: str,
    duplicate_threshold: float,
) -> str:
    """The page: the template with the grid, the lists, the plots and the data filled in."""
    esc = html.escape
    tiles = []
    for i, (item, uri) in enumerate(zip(items, uris)):
        x = item["x"]
        flag = bool(x and x["flag"])  # type: ignore[index]
        badges = []
        if flag:
            badges.append('<span class="b sus">suspect</span>')
        if item["g"] >= 0:  # type: ignore[operator]
            members = groups[item["g"]]  # type: ignore[index]
            badges.append(f'<span class="b dup">burst of {len(members)}</span>')
        tiles.append(
            f'<figure class="tile {item["l"]}" data-i="{i}" data-l="{item["l"]}" '
            f'data-s="{1 if flag else 0}" data-g="{item["g"]}" tabindex="0">'
            f'<img id="im{i}" src="{uri}" alt="{esc(str(item["p"]))}">'
            f"<figcaption><b>{float(item['s']):.2f}</b> {item['l']}{''.join(badges)}"  # type: ignore[arg-type]
            f'<br><span class="path">{esc(str(item["p"]))}</span></figcaption></figure>'
        )
    suspect_rows = []
    for s in suspects:
        i = position[s.path]
        suspect_rows.append(
            f'<tr data-open="{i}"><td>{s.rank}</td><td>{"●" if s.flagged else ""} '
            f"{s.confidence:.0%}</td><td>{s.label}</td><td>{s.score:.2f}</td>"
            f'<td><img class="mini" data-src="{i}" alt=""></td>'
            f'<td class="path">{esc(s.path)}</td></tr>'
        )
    group_rows = []
    for g, members in enumerate(groups):
        minis = "".join(
            f'<img class="mini" data-src="{i}" data-open="{i}" alt="{esc(str(items[i]["p"]))}">'
            for i in members
        )
        group_rows.append(f'<div class="burst"><b>burst {g + 1}</b> ({len(members)}) {minis}</div>')
    counts = {
        "all": len(items),
        "like": sum(it["l"] == "like" for it in items),
        "dislike": sum(it["l"] == "dislike" for it in items),
        "unsure": sum(it["l"] == "unsure" for it in items),
        "suspects": sum(bool(it["x"] and it["x"]["flag"]) for it in items),  # type: ignore[index]
        "bursts": sum(it["g"] >= 0 for it in items),  # type: ignore[operator]
    }
    filters = "".join(
        f'<button data-filter="{name}"{" class=on" if name == "all" else ""}>'
        f"{name} <small>{n}</small></button>"
        for name, n in counts.items()
    )
    page = _template()
    fills = {
        "{{SUMMARY}}": summary,
        "{{GENERATED}}": esc(time.strftime("%Y-%m-%d %H:%M")),
        "{{HISTOGRAM}}": plots["histogram"],
        "{{RELIABILITY}}": plots["reliability"],
        "{{LEARNING}}": plots["learning"],
        "{{SUSPECTS_NOTE}}": esc(suspects_note),
        "{{SUSPECT_ROWS}}": "".join(suspect_rows) or '<tr><td colspan="6">none</td></tr>',
        "{{BURSTS_NOTE}}": esc(
            f"{len(groups)} burst(s) of near-duplicates (cosine similarity ≥ "
            f"{duplicate_threshold:g}): one decision can cover each burst."
        ),
        "{{BURST_ROWS}}": "".join(group_rows) or "<p>none</p>",
        "{{FILTERS}}": filters,
        "{{TILES}}": "".join(tiles),
        "{{DATA}}": _script_json({"items": items, "groups": groups}),
    }
    # One pass over the template only: a file named "{{DATA}}.jpg" stays a file name.
    return re.sub(r"\{\{[A-Z_]+\}\}", lambda m: fills[m.group(0)], page)
