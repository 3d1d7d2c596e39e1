"""The HTML report: `reports/index.html` and its contact sheets in `reports/thumbs/`; opens offline.

The page and its folder are everything: plots as inline PNG data URIs, the data inline (gzipped
JSON), the script inline, thumbnails as contact sheets beside it (`sheets.py`). It fetches
nothing from any server (no fonts, no scripts, no links), so the folder can be zipped, archived,
or opened on a plane, and it leaks nothing about the person's photos when it is opened.

It scales: a thumbnail costs ~410 bytes in a sheet of 100, made from the thumbnail store (a
second report of the same photos decodes nothing), and the page draws its grid a few hundred
tiles at a time as the reader scrolls, each sheet loaded only when one of its tiles comes near
the screen. A 100,000-image report is under 50 MB in all and shows its first thumbnails in
about a second on two cores (docs/performance.md, "The HTML report").

What it shows, for the current head, in the language in force (`konomi.i18n`):
- every image under data/ and in the libraries (`libraries` in konomi.toml) in score order, with
  filters like / dislike / unsure / suspects /
  bursts;
- the score histogram, the reliability curve of the head's out-of-fold scores (does 0.7 mean
  liked 70 % of the time?), and the learning curve across every saved head;
- the suspect labels (konomi suspects), and bursts of near-duplicates (duplicates.group);
- on click, an image's explanation: its nearest liked and disliked training images.
"""

from __future__ import annotations

import base64
import gzip
import html
import io
import json
import os
import re
import shutil
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, cast

import numpy as np

from konomi import i18n
from konomi.app.context import Context
from konomi.app.explain import DEFAULT_K, TrainingSet
from konomi.app.library import library_images, library_labels
from konomi.app.reports.sheets import COLS, PER_SHEET, Sheets, build_sheets
from konomi.app.suspects import Found, in_workspace
from konomi.atomic import publish
from konomi.encode.images import Skipped
from konomi.errors import KonomiError
from konomi.i18n import t
from konomi.learn import duplicates
from konomi.learn.thresholds import proposal
from konomi.learn.uncertainty import measurable, needs_interval, score_interval
from konomi.store.heads import HeadRecord, list_heads
from konomi.store.thumbs import THUMB_PX, ThumbStore, thumbs_path
from konomi.workspace import Workspace

THUMBS_FOLDER = "thumbs"


def thumbs_folder(page: Path) -> Path:
    """Where a page's sheets go: `thumbs/` beside `index.html`, `<name>-thumbs/` beside any
    other page (`report --out`), so that a report kept for comparison keeps its thumbnails when
    the next one prunes the sheets it no longer shows."""
    return page.parent / (THUMBS_FOLDER if page.name == "index.html" else f"{page.stem}-thumbs")


SUSPECTS_LISTED = 30
BURSTS_LISTED = 200  # bursts listed by name; the "bursts" filter of the grid shows them all


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


# -- plots ----------------------------------------------------------------------------------------
CJK_FONTS = ("Hiragino Sans", "Noto Sans CJK JP", "Noto Sans JP", "Yu Gothic", "IPAexGothic")


def _png(fig: Any) -> str:  # a matplotlib Figure
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_language() -> str:
    """The language of the text inside the plots: the report's, when a font can draw it.

    Matplotlib draws its own glyphs; without a Japanese font it would draw empty boxes, so the
    plots fall back to English there (the captions around them are still translated).
    """
    lang = i18n.language()
    if lang != "ja":
        return lang
    _pyplot()
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    found = [name for name in CJK_FONTS if name in installed]
    if not found:
        return "en"
    import matplotlib

    matplotlib.rcParams["font.family"] = ["sans-serif"]
    matplotlib.rcParams["font.sans-serif"] = [*found, "DejaVu Sans"]
    return "ja"


def plot_histogram(scores: np.ndarray, kinds: list[str], dislike: float, like: float) -> str:
    """Scores of every image, stacked by where it lives, with the thresholds in force."""
    plt = _pyplot()
    lang = plot_language()
    fig, ax = plt.subplots(figsize=(4.6, 3.0))
    bins = np.linspace(0, 1, 21)
    groups = [
        ("report.plot.train_like", "#d9534f", [s for s, k in zip(scores, kinds) if k == "like"]),
        (
            "report.plot.train_dislike",
            "#337ab7",
            [s for s, k in zip(scores, kinds) if k == "dislike"],
        ),
        ("report.plot.not_training", "#999999", [s for s, k in zip(scores, kinds) if k == ""]),
    ]
    shown = [(t(n, lang), c, v) for n, c, v in groups if v]
    if shown:
        ax.hist(
            [v for _, _, v in shown],
            bins=bins,
            stacked=True,
            color=[c for _, c, _ in shown],
            label=[n for n, _, _ in shown],
        )
    for x in (dislike, like):
        ax.axvline(x, color="black", linestyle="--", linewidth=1)
    ax.set_xlim(0, 1)
    ax.set_xlabel(t("report.plot.score_axis", lang))
    ax.set_ylabel(t("report.plot.images_axis", lang))
    ax.set_title(t("report.plot.histogram_title", lang))
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
    lang = plot_language()
    fig, ax = plt.subplots(figsize=(3.4, 3.0))
    ax.plot([0, 1], [0, 1], color="#bbbbbb", linewidth=1, label=t("report.plot.perfect", lang))
    rows = reliability(y, p)
    if rows:
        xs, ys, ns = zip(*rows)
        ax.plot(xs, ys, color="#5cb85c", linewidth=1.5)
        ax.scatter(
            xs,
            ys,
            s=[12 + 60 * n / max(ns) for n in ns],
            color="#5cb85c",
            label=t("report.plot.oof", lang),
            zorder=3,
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(t("report.plot.score_short", lang))
    ax.set_ylabel(t("report.plot.share_liked", lang))
    ax.set_title(t("report.plot.reliability_title", lang))
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
    lang = plot_language()
    fig, ax = plt.subplots(figsize=(4.6, 3.0))
    xs = list(range(1, len(points) + 1))
    auc = [float(p["auc"]) if p["auc"] is not None else np.nan for p in points]  # type: ignore[arg-type]
    brier = [float(p["brier"]) if p["brier"] is not None else np.nan for p in points]  # type: ignore[arg-type]
    ax.plot(xs, auc, marker="o", color="#5cb85c", label=t("report.plot.auc", lang))
    ax.plot(xs, brier, marker="s", color="#f0ad4e", label=t("report.plot.brier", lang))
    for x, p in zip(xs, points):
        if p["id"] == current:
            ax.annotate(
                t("report.plot.current", lang),
                (x, auc[x - 1]),
                textcoords="offset points",
                xytext=(0, 8),
                ha="center",
                fontsize=8,
            )
    step = max(1, -(-len(xs) // 12))  # at most 12 labelled ticks
    ax.set_xticks(xs[::step])
    ax.set_xticklabels([f"{x}\n{p['n']}" for x, p in zip(xs, points)][::step], fontsize=7)
    ax.set_xlabel(t("report.plot.heads_axis", lang))
    ax.set_ylim(0, 1.05)
    ax.set_title(t("report.plot.learning_title", lang))
    ax.legend(fontsize=7, loc="lower left")
    return _png(fig)


# -- the page -------------------------------------------------------------------------------------
def _template() -> str:
    return (resources.files("konomi") / "templates" / "report.html").read_text(encoding="utf-8")


def _script_json(value: object) -> str:
    """JSON safe inside a <script> element (no "</" can close it)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")


def pack(value: object) -> str:
    """The page's data as base64 of gzipped JSON, which the page unpacks with the browser's own
    DecompressionStream: at 100,000 images 4 MB instead of 12 (file names, scores and neighbours
    repeat a lot), so the file is smaller and the browser has less to read before it paints."""
    raw = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(gzip.compress(raw, compresslevel=6, mtime=0)).decode("ascii")


def page_data(page: str) -> dict[str, Any]:
    """The data of a written report page (`columns` and its sheets) read back, as its script
    reads it: for tools that look into a report, and the tests."""
    found = re.search(r'<script type="application/gzip" id="data">([^<]*)</script>', page)
    if found is None:
        raise ValueError("not a konomi report page: it carries no data")
    return cast(dict[str, Any], json.loads(gzip.decompress(base64.b64decode(found.group(1)))))


def _fmt(x: object, digits: int = 3) -> str:
    return f"{x:.{digits}f}" if isinstance(x, (int, float)) else "–"


def _pct(x: object) -> str:
    return f"{x:.0%}" if isinstance(x, (int, float)) else "–"


def _cv_summary(record: HeadRecord, metrics: dict[str, Any]) -> str:
    """The head's cross-validated figures; with their interval while its labels are few."""
    extra = record.info.get("extra", {})
    y = np.asarray(extra.get("train_labels", []), dtype=int)
    oof = np.asarray(extra.get("train_oof", []), dtype=np.float64)
    n_like, n_dislike = int((y == 1).sum()), int((y == 0).sum())
    auc, brier = _fmt(metrics.get("auc")), _fmt(metrics.get("brier"))
    if len(y) != len(oof) or not needs_interval(n_like, n_dislike):
        return t("report.summary.cv", auc=auc, brier=brier)
    if not measurable(n_like, n_dislike):
        return t("report.summary.cv_unmeasurable", like=n_like, dislike=n_dislike)
    lo, hi = score_interval(y, oof).auc
    return t("report.summary.cv_rough", auc=auc, lo=f"{lo:.2f}", hi=f"{hi:.2f}", brier=brier)


def _summary(record: HeadRecord, dislike: float, like: float, n_images: int) -> str:
    """The header's paragraph (HTML): which head scored what, how good it is, the thresholds."""
    esc = html.escape
    info = record.info
    m = info.get("metrics") or {}
    c = info.get("counts") or {}
    th = info.get("thresholds") or {}
    target = th.get("target")
    parts = [
        t(
            "report.summary.head",
            n=n_images,
            head=f"<b>{esc(record.id)}</b>",
            created=esc(str(info.get("created", "?"))),
            n_like=c.get("like", "?"),
            n_dislike=c.get("dislike", "?"),
            model=esc(str(info.get("model_id", "?"))),
        ),
        _cv_summary(record, m),
        t(
            "report.summary.thresholds_target" if target else "report.summary.thresholds",
            like=f"{like:.2f}",
            dislike=f"{dislike:.2f}",
            target=f"{float(target):.0%}" if target else "",
        ),
    ]
    if (th.get("dislike"), th.get("like")) == (dislike, like) and "unsure_share" in th:
        parts.append(
            t(
                "report.summary.expected",
                like=_pct(th.get("like_precision")),
                dislike=_pct(th.get("dislike_precision")),
                unsure=_pct(th.get("unsure_share")),
            )
        )
    return " ".join(parts)


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


def _build(ctx: Context, out: Path | None, *, duplicate_threshold: float, k: int) -> ReportOutcome:
    from konomi.app.context import repair_if_idle
    from konomi.app.folders import all_images
    from konomi.app.scoring import score_paths

    ws: Workspace = ctx.ws
    repair_if_idle(ws, ctx.reporter.warn)
    skipped: list[Skipped] = []
    in_library = library_images(ctx, skipped)
    scored = score_paths(ctx, all_images(ws, skipped) + in_library)
    library = library_labels(ctx, in_library).labels if in_library else {}
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
        ctx.reporter.warn(t("report.no_suspects", reason=exc.message))
        found = Found([], 0, 0, record.id, False, [])
    suspect_of = {s.path: s for s in found.suspects}

    groups_in_file_order = duplicates.group(emb.vectors, duplicate_threshold)
    inverse = np.empty(len(order), dtype=int)
    inverse[order] = np.arange(len(order))
    groups = sorted(
        (sorted(int(inverse[i]) for i in g) for g in groups_in_file_order), key=lambda g: g[0]
    )
    group_of = duplicates.group_of(groups, len(rel))

    target = out or ws.reports / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    thumbs_dir = thumbs_folder(target)
    # Reports before this one cached JPEG thumbnails in .konomi/thumbs/: nothing reads them now.
    shutil.rmtree(ws.state / "thumbs", ignore_errors=True)
    with ThumbStore(thumbs_path(ws.state)) as store:
        sheets = build_sheets(
            [emb.paths[i] for i in order],
            [emb.digests[i] for i in order],
            thumbs_dir,
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
    plots = {
        "histogram": plot_histogram(scores, kinds, dislike, like),
        "reliability": plot_reliability(oof_y, oof_p),
        "learning": plot_learning_curve(learning_curve(ws), record.id),
    }
    page = render(
        items=items,
        groups=groups,
        suspects=[s for s in found.suspects if s.path in position],
        position=position,
        plots=plots,
        summary=_summary(record, dislike, like, len(rel)),
        suspects_note=t(
            "report.suspects.note_fresh" if found.recomputed else "report.suspects.note",
            n=found.n_flagged,
            total=found.n_train,
            head=record.id,
        ),
        duplicate_threshold=duplicate_threshold,
        sheets=sheets,
    )
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    tmp.write_text(page, encoding="utf-8")
    publish(tmp, target)
    html_bytes = target.stat().st_size
    return ReportOutcome(
        target,
        len(rel),
        record.id,
        found.n_flagged,
        len(groups),
        html_bytes + sheets.bytes,
        skipped + emb.unreadable + found.skipped,
        html_bytes,
        sheets.bytes,
        sheets.written,
    )


_LABEL_CODES = {"like": "L", "dislike": "D", "unsure": "U", "": "-"}


def columns(items: list[dict[str, object]], groups: list[list[int]]) -> dict[str, object]:
    """The page's data, one array per field rather than one object per image.

    At 100,000 images an object per image costs twice the bytes and three times the browser's
    parsing time: names repeated in every object, floats spelled out. Here scores are whole
    numbers of 1/10,000, similarities of 1/100, proposals one letter each, folders indices into
    a short list, neighbours k slots per image holding an index into `train` (the page
    positions of the training images that are someone's neighbour: a few digits instead of
    six; -1: none). `rows()` in the tests and the page's script read it back.
    """
    folders = sorted({str(it["f"]) for it in items})
    folder_of = {f: i for i, f in enumerate(folders)}
    out: dict[str, object] = {
        "n": len(items),
        "p": [it["p"] for it in items],
        "s": [round(float(it["s"]) * 10_000) for it in items],  # type: ignore[arg-type]
        "l": "".join(_LABEL_CODES[str(it["l"])] for it in items),
        "t": "".join(_LABEL_CODES[str(it["t"])] for it in items),
        "folders": folders,
        "f": [folder_of[str(it["f"])] for it in items],
        "x": {
            str(i): [x["rank"], round(x["c"] * 1000), int(x["flag"]), round(x["oof"] * 1000)]
            for i, it in enumerate(items)
            if (x := cast(dict[str, Any], it["x"]))
        },
        "groups": groups,
    }
    neighbours = [cast(list[list[float]], it[key]) for key in ("nl", "nd") for it in items]
    train = sorted({int(j) for pairs in neighbours for j, _ in pairs})
    slot_of = {j: n for n, j in enumerate(train)}
    out["train"] = train
    for key in ("nl", "nd"):
        k = max((len(it[key]) for it in items), default=0)  # type: ignore[arg-type]
        index: list[int] = []
        similarity: list[int] = []
        for it in items:
            pairs = cast(list[list[float]], it[key])
            for slot in range(k):
                if slot < len(pairs):
                    j, sim = pairs[slot]
                    index.append(slot_of[int(j)])
                    similarity.append(round(float(sim) * 100))
                else:
                    index.append(-1)
                    similarity.append(0)
        out[key], out[key + "s"], out[key + "k"] = index, similarity, k
    return out


def page_messages(lang: str | None = None) -> dict[str, str]:
    """The texts the report's script shows (`report.js.*`), in one language."""
    prefix = "report.js."
    return {k[len(prefix) :]: i18n.template(k, lang) for k in i18n.CATALOG if k.startswith(prefix)}


def render(
    *,
    items: list[dict[str, object]],
    groups: list[list[int]],
    suspects: list[Any],  # list[Suspect]
    position: dict[str, int],
    plots: dict[str, str],
    summary: str,
    suspects_note: str,
    duplicate_threshold: float,
    sheets: Sheets,
    generated: str | None = None,
) -> str:
    """The page: the template with the lists, the plots, the texts and the data filled in.

    The grid itself is drawn by the page's script from the data, a few hundred tiles at a time
    as the reader scrolls, each tile painted from its contact sheet in `thumbs/` only when it
    comes near the screen: a report of 100,000 images opens as fast as one of a hundred.
    """
    esc = html.escape
    suspect_rows = []
    for s in suspects:
        i = position[s.path]
        suspect_rows.append(
            f'<tr data-open="{i}"><td>{s.rank}</td><td>{"●" if s.flagged else ""} '
            f"{s.confidence:.0%}</td><td>{esc(t('report.label.' + s.label))}</td>"
            f"<td>{s.score:.2f}</td>"
            f'<td><span class="thumb mini" data-thumb="{i}"></span></td>'
            f'<td class="path">{esc(s.path)}</td></tr>'
        )
    group_rows = []
    for g, members in enumerate(groups[:BURSTS_LISTED]):
        minis = "".join(
            f'<span class="thumb mini" role="img" data-thumb="{i}" data-open="{i}" '
            f'aria-label="{esc(str(items[i]["p"]))}"></span>'
            for i in members
        )
        title = esc(t("report.bursts.row", n=g + 1, size=len(members)))
        group_rows.append(f'<div class="burst"><b>{title}</b> {minis}</div>')
    if len(groups) > BURSTS_LISTED:
        group_rows.append(f"<p>{esc(t('report.bursts.more', n=len(groups) - BURSTS_LISTED))}</p>")
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
        f"{esc(t('report.filter.' + name))} <small>{n}</small></button>"
        for name, n in counts.items()
    )
    page = _template()
    fills = {
        "LANG": i18n.language(),
        "SUMMARY": summary,
        "GENERATED": esc(
            t(
                "report.generated",
                when=generated or time.strftime("%Y-%m-%d %H:%M"),
                folder=f"{sheets.folder}/",
            )
        ),
        "HISTOGRAM": plots["histogram"],
        "RELIABILITY": plots["reliability"],
        "LEARNING": plots["learning"],
        "SUSPECTS_NOTE": esc(suspects_note),
        "SUSPECT_ROWS": "".join(suspect_rows)
        or f'<tr><td colspan="6">{esc(t("report.none"))}</td></tr>',
        "BURSTS_NOTE": esc(
            t("report.bursts.note", n=len(groups), threshold=f"{duplicate_threshold:g}")
        ),
        "BURST_ROWS": "".join(group_rows) or f"<p>{esc(t('report.none'))}</p>",
        "FILTERS": filters,
        "MESSAGES": _script_json(page_messages()),
        "DATA": pack(
            {
                **columns(items, groups),
                "sheets": {
                    "folder": sheets.folder,
                    "names": sheets.names,
                    "missing": sheets.missing,
                    "cols": COLS,
                    "per": PER_SHEET,
                    "px": THUMB_PX,
                },
            }
        ),
    }

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        return fills[name] if name in fills else esc(t(name))

    # One pass over the template only: a file named "{{DATA}}.jpg" stays a file name.
    return re.sub(r"\{\{([A-Za-z_.]+)\}\}", fill, page)
