"""The HTML report at scale: its size on disk and how fast it opens in a real browser.

A report of N images is the page (`index.html`: plots, lists, the data of every image as
gzipped JSON, the script) plus its contact sheets in `thumbs/` (100 thumbnails to an AVIF
image; `app/reports/sheets.py`). Scoring 100,000 real photos to get there would take hours, so
this builds the report from synthetic rows through the same code the `report` command uses:

1. thumbnails — `sheets.make_thumbnail` on P photos: random crops (4:3, 3:2, 1:1, portrait) of
   the real photographs that scikit-learn and matplotlib ship (a palace, a flower, a portrait),
   saved as JPEGs — real photo content, which is what a sheet's size depends on;
2. sheets — `sheets.compose` on D distinct sheets of 100 random thumbnails of the pool: the
   bytes a thumbnail costs in a sheet, and the time a sheet takes to encode; the N/100 sheet
   files of a report are copies of these, so every file on disk has a real sheet's size;
3. the page — N rows shaped like `build`'s (score, proposal, folder, 3 + 3 neighbours drawn at
   random from the training images, 5 % of images in bursts of four, 30 suspects, camera-style
   file names in dated folders, a tenth of them in Japanese), rendered by `html.render`;
4. the browser — Debian's chromium through Playwright opens the page from disk (a fresh
   browser each time, R times): time to first contentful paint, to the `load` event, to the
   data unpacked and the grid drawn, to the first screen of grid thumbnails painted after
   scrolling to the grid, and to a filter click.

    uv run python -m benchmarks.bench_report [--images 1000 10000 100000] [--repeats 3]

Target: the whole report under ~50 MB at 100,000 images, open in under 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import time
from pathlib import Path

import matplotlib
import numpy as np
import sklearn
from PIL import Image

from benchmarks.common import describe_machine
from konomi.app.reports import html as html_report
from konomi.app.reports import plots, sheets
from konomi.app.reports.words import Words
from konomi.encode.images import content_hash
from konomi.i18n import t
from konomi.learn.suspects import Suspect
from konomi.store.thumbs import ThumbStore, thumbs_path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "bench-out" / "report"
CHROMIUM = Path("/usr/bin/chromium")
REAL_PHOTOS = (
    Path(sklearn.__file__).parent / "datasets" / "images" / "china.jpg",
    Path(sklearn.__file__).parent / "datasets" / "images" / "flower.jpg",
    Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg",
)


def make_thumb_pool(out: Path, n: int) -> tuple[list[bytes], float, list[Path]]:
    """Thumbnails of n photo crops, made by the report's own code; ms per thumbnail; the
    photos."""
    bases = [Image.open(p).convert("RGB") for p in REAL_PHOTOS]
    rng = random.Random(13)
    folder = out / "photos"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    paths = []
    for i in range(n):
        base = rng.choice(bases)
        aspect = rng.choice([4 / 3, 3 / 2, 1.0, 3 / 4])
        w = int(min(base.width, base.height * aspect) * rng.uniform(0.4, 1.0))
        h = min(base.height, int(w / aspect))
        x, y = rng.randint(0, base.width - w), rng.randint(0, base.height - h)
        crop = base.crop((x, y, x + w, y + h))
        if rng.random() < 0.5:
            crop = crop.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        path = folder / f"photo_{i:04d}.jpg"
        crop.save(path, quality=90)
        paths.append(path)
    t0 = time.perf_counter()
    pool = [sheets.make_thumbnail(path) for path in paths]
    ms = 1000 * (time.perf_counter() - t0) / n
    return [b for b in pool if b is not None], ms, paths


def sheets_cost(out: Path, photos: list[Path], n: int = 3000) -> dict[str, float]:
    """`build_sheets` end to end on every core, in milliseconds per image: a first report of
    the photos (every original decoded), then reports of n images drawn from them (repeats
    allowed: the sheets of n positions) in a new order each, as after a retrain (sheets from the
    store), and the same order again (nothing to do)."""
    digests = [content_hash(p.read_bytes()) for p in photos]
    folder = out / "sheets"
    shutil.rmtree(folder, ignore_errors=True)
    thumbs_path(out).unlink(missing_ok=True)
    rng = random.Random(3)
    drawn = [rng.randrange(len(photos)) for _ in range(n)]
    cases = (
        ("first_ms", list(range(len(photos)))),
        ("reordered_ms", drawn),
        ("unchanged_ms", drawn),
    )
    cost = {}
    with ThumbStore(thumbs_path(out)) as store:
        for case, order in cases:
            t0 = time.perf_counter()
            paths = [photos[i] for i in order]
            sheets.build_sheets(paths, [digests[i] for i in order], folder, store)
            cost[case] = 1000 * (time.perf_counter() - t0) / len(order)
    return cost


def make_sheet_pool(pool: list[bytes], n: int) -> tuple[list[bytes], float]:
    """n distinct full sheets of random thumbnails of the pool; and seconds per sheet."""
    rng = random.Random(7)
    fmt = sheets.sheet_format()
    t0 = time.perf_counter()
    made = [
        sheets.compose([rng.choice(pool) for _ in range(sheets.PER_SHEET)], fmt) for _ in range(n)
    ]
    return made, (time.perf_counter() - t0) / n


def synthetic_rows(n: int, seed: int = 0) -> tuple[list[dict[str, object]], list[list[int]]]:
    """n rows shaped like `build`'s, in score order, and the bursts among them."""
    rng = np.random.default_rng(seed)
    scores = np.sort(rng.beta(2, 2, n))[::-1]
    n_train = max(10, n // 100)
    train = rng.choice(n, n_train, replace=False)
    kinds = {int(i): ("like" if scores[i] > 0.5 else "dislike") for i in train}
    liked = [i for i, k in kinds.items() if k == "like"] or [int(train[0])]
    disliked = [i for i, k in kinds.items() if k == "dislike"] or [int(train[-1])]
    groups: list[list[int]] = []
    starts = rng.choice(n - 4, n // 80, replace=False)
    taken: set[int] = set()
    for s in sorted(int(v) for v in starts):
        members = [s, s + 1, s + 2, s + 3]
        if taken.isdisjoint(members):
            groups.append(members)
            taken.update(members)
    group_of = {i: g for g, members in enumerate(groups) for i in members}
    cameras = ["IMG_{:04d}.JPG", "DSC{:05d}.JPG", "PXL_2023{:08d}.jpg", "P{:07d}.JPG"]
    rows = []
    for i in range(n):
        score = float(scores[i])
        folder = "train/like" if kinds.get(i) == "like" else "train/dislike" if i in kinds else ""
        day = f"{rng.integers(2012, 2026)}/{rng.integers(1, 13):02d}-{rng.integers(1, 29):02d}"
        if i % 10 == 0:
            name = f"旅行/{day}/写真_{rng.integers(1, 10_000):04d}.jpg"
        else:
            name = f"{day}/" + cameras[i % 4].format(int(rng.integers(1, 10**7)) % 10**8)
        near_liked = rng.choice(liked, size=min(3, len(liked)), replace=False)
        near_disliked = rng.choice(disliked, size=min(3, len(disliked)), replace=False)
        rows.append(
            {
                "p": f"data/{folder or 'unlabeled'}/{name}",
                "s": round(score, 4),
                "l": "like" if score >= 0.7 else "dislike" if score <= 0.3 else "unsure",
                "f": f"data/{folder or 'unlabeled'}",
                "t": kinds.get(i, ""),
                "x": None,
                "g": group_of.get(i, -1),
                "nl": [[int(j), round(float(rng.uniform(0.6, 0.95)), 3)] for j in near_liked],
                "nd": [[int(j), round(float(rng.uniform(0.6, 0.95)), 3)] for j in near_disliked],
            }
        )
    return rows, groups


def build_report(out: Path, n: int, sheet_pool: list[bytes]) -> dict[str, float]:
    """Write index.html and thumbs/ for n synthetic rows; sizes and the render time."""
    # Past MAX_SHOWN images the report carries a sample of MAX_SHOWN rows and says so (`build`):
    # the page of a million images is a page of MAX_SHOWN rows with that sentence on it.
    shown = min(n, html_report.MAX_SHOWN)
    rows, groups = synthetic_rows(shown)
    suspects = []
    train_rows = [i for i, r in enumerate(rows) if r["t"]][:30]
    for rank, i in enumerate(train_rows, start=1):
        rows[i]["x"] = {"rank": rank, "c": 0.9, "flag": rank <= 10, "oof": 0.2}
        suspects.append(Suspect(str(rows[i]["p"]), str(rows[i]["t"]), 0.2, 0.9, rank <= 10, rank))
    report = out / f"report-{n}"
    shutil.rmtree(report, ignore_errors=True)
    thumbs = report / html_report.THUMBS_FOLDER
    thumbs.mkdir(parents=True)
    fmt = sheets.sheet_format()
    names = []
    for start in range(0, shown, sheets.PER_SHEET):
        name = sheets.sheet_name([f"{n}-{i}" for i in range(start, start + 100)], set(), fmt)
        (thumbs / name).write_bytes(sheet_pool[len(names) % len(sheet_pool)])
        names.append(name)
    size = sum((thumbs / name).stat().st_size for name in names)
    blank = plots.plot_reliability(np.zeros(0), np.zeros(0))  # a real plot's size
    t0 = time.perf_counter()
    page = html_report.render(
        items=rows,
        groups=groups,
        suspects=suspects,
        position={str(r["p"]): i for i, r in enumerate(rows)},
        plots={"histogram": blank, "reliability": blank, "learning": blank},
        words=Words(
            [f"{n} synthetic images."],
            "head",
            {"n": n, "created": "-", "n_like": 15, "n_dislike": 15, "model": "synthetic"},
            [],
            "30 synthetic suspects.",
            "rule",
            [t("report.sampled", shown=shown, total=n)] if shown < n else [],
        ),
        duplicate_threshold=0.95,
        sheets=sheets.Sheets(names, [], len(names), size),
    )
    t_render = time.perf_counter() - t0
    (report / "index.html").write_text(page, encoding="utf-8")
    html_mb = (report / "index.html").stat().st_size / 1e6
    files = [report / "index.html", *(thumbs / name for name in names)]
    disk_mb = sum(f.stat().st_blocks * 512 for f in files) / 1e6  # what `du` counts
    return {
        "disk_mb": disk_mb,
        "path": str(report / "index.html"),
        "html_mb": html_mb,
        "sheets": len(names),
        "thumbs_mb": size / 1e6,
        "total_mb": html_mb + size / 1e6,
        "render_s": t_render,
    }


def open_in_chromium(path: Path, repeats: int) -> dict[str, float]:
    """Medians over fresh browsers: FCP, load, ready, first screen of grid thumbnails, filter."""
    from playwright.sync_api import sync_playwright

    keys = ("fcp_s", "load_s", "ready_s", "first_s", "grid_s", "filter_s")
    runs: dict[str, list[float]] = {k: [] for k in keys}
    heap = []
    with sync_playwright() as playwright:
        for _ in range(repeats):
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                headless=True,
                args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
            )
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                t0 = time.perf_counter()
                page.goto(path.resolve().as_uri(), wait_until="load")
                page.wait_for_selector("body[data-ready]", timeout=60_000)
                runs["ready_s"].append(time.perf_counter() - t0)
                nav = page.evaluate(
                    """() => {
                        const n = performance.getEntriesByType('navigation')[0];
                        const p = performance.getEntriesByName('first-contentful-paint')[0];
                        return {load: n.loadEventEnd, fcp: p ? p.startTime : null};
                    }"""
                )
                page.wait_for_function(
                    """() => [...document.querySelectorAll('#first .thumb')]
                        .every(e => e.classList.contains('shown'))""",
                    timeout=60_000,
                )
                runs["first_s"].append(time.perf_counter() - t0)
                runs["load_s"].append(nav["load"] / 1000)
                runs["fcp_s"].append((nav["fcp"] or float("nan")) / 1000)
                page.evaluate("document.getElementById('grid').scrollIntoView()")
                page.wait_for_function(
                    """() => {
                        const seen = [...document.querySelectorAll('#grid .thumb')].filter(e => {
                            const r = e.getBoundingClientRect();
                            return r.bottom > 0 && r.top < innerHeight;
                        });
                        return seen.length > 0 && seen.every(e => e.classList.contains('shown'));
                    }""",
                    timeout=60_000,
                )
                runs["grid_s"].append(time.perf_counter() - t0)
                t1 = time.perf_counter()
                page.click("button[data-filter=unsure]")
                page.wait_for_function("document.querySelector('#grid .tile.unsure') !== null")
                runs["filter_s"].append(time.perf_counter() - t1)
                heap.append(page.evaluate("performance.memory.usedJSHeapSize") / 1e6)
            finally:
                browser.close()
    out = {k: statistics.median(v) for k, v in runs.items()}
    out["heap_mb"] = statistics.median(heap)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, nargs="+", default=[1000, 10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pool", type=int, default=300, help="photo thumbnails made and reused")
    parser.add_argument("--sheets", type=int, default=30, help="distinct sheets encoded")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    print(describe_machine())
    print(f"load average at start: {os.getloadavg()}")
    args.out.mkdir(parents=True, exist_ok=True)
    pool, ms, photos = make_thumb_pool(args.out, args.pool)
    sizes = [len(b) for b in pool]
    print(
        f"stored thumbnail: {np.mean(sizes):.0f} B mean (min {min(sizes)}, max {max(sizes)}), "
        f"{ms:.1f} ms each from a photo crop (WebP q{sheets.THUMB_QUALITY}, "
        f"{sheets.THUMB_PX} px)"
    )
    sheet_pool, s_per_sheet = make_sheet_pool(pool, args.sheets)
    per_thumb = np.mean([len(b) for b in sheet_pool]) / sheets.PER_SHEET
    print(
        f"sheet: {sheets.sheet_format()} of {sheets.PER_SHEET} thumbnails, "
        f"{per_thumb:.0f} B a thumbnail, {s_per_sheet:.2f} s to encode one (one thread)",
        flush=True,
    )
    cost = sheets_cost(args.out, photos)
    print(
        f"build_sheets, all cores, per image: first report of {len(photos)} photos "
        f"{cost['first_ms']:.1f} ms; 3000 images in a new order (from the store) "
        f"{cost['reordered_ms']:.1f} ms, same order again {cost['unchanged_ms']:.3f} ms",
        flush=True,
    )
    rows = []
    for n in args.images:
        built = build_report(args.out, n, sheet_pool)
        opened = open_in_chromium(Path(str(built["path"])), args.repeats)
        row = {"images": n, **built, **opened}
        rows.append(row)
        print(
            f"{n:>7} images: index.html {built['html_mb']:.1f} MB + {built['sheets']:.0f} sheets "
            f"{built['thumbs_mb']:.1f} MB = {built['total_mb']:.1f} MB "
            f"({built['disk_mb']:.1f} MB in disk blocks); render "
            f"{built['render_s']:.2f} s | chromium: first paint {opened['fcp_s']:.2f} s, "
            f"load {opened['load_s']:.2f} s, ready {opened['ready_s']:.2f} s, first screen's "
            f"photos {opened['first_s']:.2f} s, grid thumbnails "
            f"{opened['grid_s']:.2f} s, filter {opened['filter_s']:.2f} s, "
            f"JS heap {opened['heap_mb']:.0f} MB",
            flush=True,
        )
    print(f"load average at end: {os.getloadavg()}")
    (args.out / "bench_report.json").write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
