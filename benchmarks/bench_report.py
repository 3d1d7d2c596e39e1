"""The HTML report at scale: its size on disk and how fast it opens in a real browser.

A report of N images is the page (`index.html`: plots, lists, the data of every image as JSON,
the script) plus one WebP thumbnail per image in `thumbs/`. Scoring 100,000 real photos to get
there would take hours, so this builds the report from synthetic rows through the same code the
`report` command uses (`html.render` for the page, `html.write_thumbnail` for the files):

1. thumbnails — `write_thumbnail` on P camera-like 1024×768 JPEGs (`benchmarks/photos.py`):
   the bytes and the time one thumbnail costs;
2. the page — N rows shaped like `build`'s (score, proposal, folder, 3 + 3 neighbours, 5 % of
   images in bursts of four, 30 suspects, a tenth of the names in Japanese), rendered by
   `html.render`; each row's thumbnail is a copy of one of the P real ones (so every file on
   disk has the size a real one has);
3. the browser — Debian's chromium through Playwright opens the page from disk (a fresh
   browser each time, R times): time to first contentful paint, to the `load` event, to the
   first screen of grid thumbnails decoded after scrolling to the grid, and to a filter click.

    uv run python -m benchmarks.bench_report [--images 100000] [--repeats 3]

Target (issue 13): the whole report under ~50 MB, open in under 3 s.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import time
from pathlib import Path

import numpy as np

from benchmarks.bench_encoder_decode import describe_machine
from benchmarks.photos import make_photos
from konomi.app.reports import html as html_report
from konomi.learn.suspects import Suspect

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "bench-out" / "report"
CHROMIUM = Path("/usr/bin/chromium")


def make_thumb_pool(out: Path, n: int) -> tuple[list[bytes], float]:
    """Thumbnails of n camera-like photos, made by the report's own code; and ms per image."""
    photos = make_photos(out / "photos", n, seed=13, size=(1024, 768))
    folder = out / "pool"
    shutil.rmtree(folder, ignore_errors=True)
    t0 = time.perf_counter()
    digests = []
    for path in photos:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        html_report.write_thumbnail(path, digest, folder)
        digests.append(digest)
    ms = 1000 * (time.perf_counter() - t0) / n
    return [(folder / html_report.thumb_name(d)).read_bytes() for d in digests], ms


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
    rows = []
    for i in range(n):
        score = float(scores[i])
        folder = "train" if i in kinds else "unlabeled"
        name = f"旅行/写真_{i:06d}.jpg" if i % 10 == 0 else f"2024/IMG_{i:06d}.JPG"
        rows.append(
            {
                "p": f"data/{folder}/{name}",
                "h": hashlib.sha256(str(i).encode()).hexdigest()[: html_report.THUMB_NAME_CHARS],
                "s": round(score, 4),
                "l": "like" if score >= 0.7 else "dislike" if score <= 0.3 else "unsure",
                "f": folder,
                "t": kinds.get(i, ""),
                "x": None,
                "g": group_of.get(i, -1),
                "nl": [[int(j), round(float(rng.uniform(0.6, 0.95)), 3)] for j in liked[:3]],
                "nd": [[int(j), round(float(rng.uniform(0.6, 0.95)), 3)] for j in disliked[:3]],
            }
        )
    return rows, groups


def build_report(out: Path, n: int, pool: list[bytes]) -> dict[str, float]:
    """Write index.html and thumbs/ for n synthetic rows; sizes and the render time."""
    rows, groups = synthetic_rows(n)
    suspects = []
    train_rows = [i for i, r in enumerate(rows) if r["t"]][:30]
    for rank, i in enumerate(train_rows, start=1):
        rows[i]["x"] = {"rank": rank, "c": 0.9, "flag": rank <= 10, "oof": 0.2}
        suspects.append(Suspect(str(rows[i]["p"]), str(rows[i]["t"]), 0.2, 0.9, rank <= 10, rank))
    report = out / f"report-{n}"
    shutil.rmtree(report, ignore_errors=True)
    thumbs = report / html_report.THUMBS_FOLDER
    t0 = time.perf_counter()
    for i, row in enumerate(rows):
        target = thumbs / html_report.thumb_name(str(row["h"]))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(pool[i % len(pool)])
    t_thumbs = time.perf_counter() - t0
    blank = html_report.plot_reliability(np.zeros(0), np.zeros(0))  # a real plot's size
    t0 = time.perf_counter()
    page = html_report.render(
        items=rows,
        groups=groups,
        suspects=suspects,
        position={str(r["p"]): i for i, r in enumerate(rows)},
        plots={"histogram": blank, "reliability": blank, "learning": blank},
        summary=f"{n} synthetic images.",
        suspects_note="30 synthetic suspects.",
        duplicate_threshold=0.95,
    )
    t_render = time.perf_counter() - t0
    (report / "index.html").write_text(page, encoding="utf-8")
    files = [p for p in thumbs.rglob("*") if p.is_file()]
    apparent = sum(p.stat().st_size for p in files)
    on_disk = sum(p.stat().st_blocks * 512 for p in files)
    return {
        "path": str(report / "index.html"),
        "html_mb": (report / "index.html").stat().st_size / 1e6,
        "thumbs_mb": apparent / 1e6,
        "thumbs_disk_mb": on_disk / 1e6,
        "render_s": t_render,
        "copy_thumbs_s": t_thumbs,
    }


def open_in_chromium(path: Path, repeats: int) -> dict[str, float]:
    """Medians over fresh browsers: FCP, load, first screen of grid thumbnails, a filter click."""
    from playwright.sync_api import sync_playwright

    runs: dict[str, list[float]] = {"fcp_s": [], "load_s": [], "grid_s": [], "filter_s": []}
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
                nav = page.evaluate(
                    """() => {
                        const n = performance.getEntriesByType('navigation')[0];
                        const p = performance.getEntriesByName('first-contentful-paint')[0];
                        return {load: n.loadEventEnd, fcp: p ? p.startTime : null};
                    }"""
                )
                runs["load_s"].append(nav["load"] / 1000)
                runs["fcp_s"].append((nav["fcp"] or float("nan")) / 1000)
                page.evaluate("document.getElementById('grid').scrollIntoView()")
                page.wait_for_function(
                    """() => {
                        const seen = [...document.querySelectorAll('#grid img')].filter(i => {
                            const r = i.getBoundingClientRect();
                            return r.bottom > 0 && r.top < innerHeight;
                        });
                        return seen.length > 0 && seen.every(i => i.complete && i.naturalWidth);
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
    parser.add_argument("--pool", type=int, default=200, help="real thumbnails made and reused")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    print(describe_machine())
    print(f"load average at start: {os.getloadavg()}")
    args.out.mkdir(parents=True, exist_ok=True)
    pool, ms = make_thumb_pool(args.out, args.pool)
    sizes = [len(b) for b in pool]
    print(
        f"thumbnail: {np.mean(sizes):.0f} B mean (min {min(sizes)}, max {max(sizes)}), "
        f"{ms:.1f} ms each from a 1024x768 JPEG (WebP q{html_report.THUMB_QUALITY}, "
        f"{html_report.THUMB_PX} px)"
    )
    rows = []
    for n in args.images:
        built = build_report(args.out, n, pool)
        opened = open_in_chromium(Path(str(built["path"])), args.repeats)
        row = {"images": n, **built, **opened}
        rows.append(row)
        print(
            f"{n:>7} images: index.html {built['html_mb']:.1f} MB + thumbs "
            f"{built['thumbs_mb']:.1f} MB ({built['thumbs_disk_mb']:.1f} MB in disk blocks); "
            f"render {built['render_s']:.2f} s | chromium: first paint {opened['fcp_s']:.2f} s, "
            f"load {opened['load_s']:.2f} s, grid thumbnails {opened['grid_s']:.2f} s, "
            f"filter {opened['filter_s']:.2f} s, JS heap {opened['heap_mb']:.0f} MB",
            flush=True,
        )
    print(f"load average at end: {os.getloadavg()}")
    (args.out / "bench_report.json").write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    main()
