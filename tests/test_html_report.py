"""The HTML report (self-contained, every image shown), near-duplicates, and versioned heads."""

from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from factories.images import make_image
from PIL import Image
from test_suspects import plant_mistakes

from konomi.app import loop as workflow
from konomi.app.reports import html as html_report
from konomi.encode.images import find_images
from konomi.learn import duplicates

CHROMIUM = Path("/usr/bin/chromium")
#: The tiny test encoder puts every image of one colour near cosine 0.999: a burst of the same
#: shot is at 0.99998, so the tests group at 0.9999 (CLIP photos group at the default 0.95).
BURST_THRESHOLD = "0.9999"


def plant_burst(root: Path, n: int = 4) -> list[str]:
    """n frames of one shot (same scene, a little more sensor noise each) in data/unlabeled."""
    paths = []
    for i in range(n):
        path = root / "data/unlabeled" / f"burst_{i}.jpg"
        make_image(path, color=(230, 120, 40), seed=77, noise=10 + i)
        paths.append(path.relative_to(root).as_posix())
    return paths


def train(root: Path, model: Path) -> str:
    ctx = workflow.Context.open(root, model=str(model))
    try:
        return workflow.train(ctx).head_id
    finally:
        ctx.close()


def rows(data: dict) -> list[dict]:
    """The report's columns (html.columns) read back as one dict per image, as the page does."""
    codes = {"L": "like", "D": "dislike", "U": "unsure", "-": ""}
    group_of = {i: g for g, members in enumerate(data["groups"]) for i in members}

    def near(i: int, key: str) -> list[list[float]]:
        k = data[key + "k"]
        slots = range(i * k, (i + 1) * k)
        return [[data[key][j], data[key + "s"][j] / 1000] for j in slots if data[key][j] >= 0]

    out = []
    for i in range(data["n"]):
        x = data["x"].get(str(i))
        out.append(
            {
                "p": data["p"][i],
                "h": data["h"][i],
                "s": data["s"][i] / 10000,
                "l": codes[data["l"][i]],
                "t": codes[data["t"][i]],
                "f": data["folders"][data["f"][i]],
                "x": x and {"rank": x[0], "c": x[1] / 1000, "flag": x[2] == 1, "oof": x[3] / 1000},
                "g": group_of.get(i, -1),
                "nl": near(i, "nl"),
                "nd": near(i, "nd"),
            }
        )
    return out


class Page(HTMLParser):
    """Collects what the report shows: image sources, tiles, and every URL-bearing attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.tiles: list[dict[str, str | None]] = []
        self.img_src: list[str] = []
        self.url_attrs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "figure" and "tile" in (a.get("class") or ""):
            self.tiles.append(a)
        if tag == "img" and "src" in a:
            self.img_src.append(a["src"] or "")
        for name in ("src", "href", "action", "poster", "data"):
            if name in a and tag != "img":
                self.url_attrs.append(f"{tag} {name}={a[name]}")
        if tag in ("link", "iframe", "object", "embed", "base"):
            self.url_attrs.append(tag)


# -- near-duplicates ------------------------------------------------------------------------------
def test_group_finds_bursts_without_chaining():
    rng = np.random.default_rng(0)
    d = 64
    scenes = rng.normal(size=(5, d))
    X = [scenes[0], scenes[0] + 0.01 * rng.normal(size=d), scenes[1], scenes[2]]
    X += [scenes[2] + 0.02 * rng.normal(size=d) for _ in range(3)]
    # A slow pan: each frame close to the next, the ends far apart.
    start, end = scenes[3], scenes[4]
    X += [start + t * (end - start) for t in np.linspace(0, 1, 12)]
    X = np.asarray(X, np.float32)
    groups = duplicates.group(X, 0.95)
    assert groups[0] == [0, 1] and groups[1] == [3, 4, 5, 6]
    for g in groups:
        U = X[g] / np.linalg.norm(X[g], axis=1, keepdims=True)
        assert (U @ U[0] >= 0.95 - 1e-6).all(), "every member is close to its leader"
    pan = [g for g in groups if g[0] >= 7]
    assert len(pan) >= 2, "a pan is not chained into one group"
    units = duplicates.review_units(groups, len(X))
    assert sorted(i for u in units for i in u) == list(range(len(X)))
    assert len(units) == len(X) - sum(len(g) - 1 for g in groups)
    assert duplicates.group_of(groups, len(X))[2] == -1


# -- the report through the CLI -------------------------------------------------------------------
def test_cli_report_is_self_contained_and_shows_every_image(workspace, konomi, tiny_model):
    ws = workspace(n_like=20, n_dislike=20, n_unlabeled=10, n_ambiguous=2)
    planted = plant_mistakes(ws.root, n=1)
    burst = plant_burst(ws.root)
    head = train(ws.root, tiny_model)

    result = konomi("report", "--duplicate-threshold", BURST_THRESHOLD, root=ws.root, check=True)
    assert "reports/index.html" in result.out and head in result.out
    page_path = ws.root / "reports/index.html"
    text = page_path.read_text(encoding="utf-8")

    assert "://" not in text, "the report must name no URL at all"
    page = Page()
    page.feed(text)
    assert not page.url_attrs, page.url_attrs
    assert page.img_src and all(s.startswith("data:image/") for s in page.img_src)

    images = sorted(p.relative_to(ws.root).as_posix() for p in find_images(ws.root / "data"))
    assert f"scored by head <b>{head}</b>" in text

    # Every image under data/ has its tile (drawn by the page's script from the data) and its
    # thumbnail, a WebP file in reports/thumbs/ beside the page; nothing else is there.
    data = json.loads(
        re.search(r'<script type="application/json" id="data">(.*?)</script>', text, re.S).group(1)
    )
    items = rows(data)
    assert sorted(it["p"] for it in items) == images, "every image under data/ has its tile"
    thumbs = ws.root / "reports" / data["thumbs"]
    expected = {f"{it['h'][:2]}/{it['h']}.webp" for it in items}
    on_disk = {p.relative_to(thumbs).as_posix() for p in thumbs.rglob("*") if p.is_file()}
    assert all(it["h"] for it in items) and on_disk == expected
    for name in sorted(expected)[:5]:
        with Image.open(thumbs / name) as im:
            assert im.format == "WEBP" and max(im.size) <= html_report.THUMB_PX

    # A second report reuses every thumbnail: no file is written again.
    stamps = {name: (thumbs / name).stat().st_mtime_ns for name in expected}
    konomi("report", "--duplicate-threshold", BURST_THRESHOLD, root=ws.root, check=True)
    assert {name: (thumbs / name).stat().st_mtime_ns for name in expected} == stamps

    # Scores in descending order; suspects and the burst are marked.
    assert [it["s"] for it in items] == sorted((it["s"] for it in items), reverse=True)
    by_path = {it["p"]: it for it in items}
    for p in planted:
        assert by_path[p]["x"] and by_path[p]["x"]["flag"], f"{p} is not marked as a suspect"
    burst_groups = {by_path[p]["g"] for p in burst}
    assert len(burst_groups) == 1 and -1 not in burst_groups
    assert sorted(data["groups"][burst_groups.pop()]) == sorted(
        i for i, it in enumerate(items) if it["p"] in burst
    )
    # Explanations point at training images, never at the image itself.
    for i, it in enumerate(items):
        for j, sim in it["nl"] + it["nd"]:
            assert j != i and items[j]["t"] in ("like", "dislike") and -1 <= sim <= 1
    assert len(re.findall(r'src="data:image/png;base64,', text)) == 3  # the three plots


def test_models_list_roll_back_and_the_report_names_the_head(workspace, konomi, tiny_model):
    ws = workspace(n_like=12, n_dislike=12, n_unlabeled=4)
    first = train(ws.root, tiny_model)
    make_image(ws.root / "data/train/like/extra.jpg", color=(220, 60, 40), seed=5)
    second = train(ws.root, tiny_model)
    assert first != second

    rows = json.loads(konomi("models", "--json", root=ws.root, check=True).out)
    assert [r["id"] for r in rows] == [first, second]
    assert [r["current"] for r in rows] == [False, True]
    assert rows[1]["n_like"] == 13 and rows[0]["n_like"] == 12
    assert all(0 <= r["auc"] <= 1 and 0 <= r["brier"] <= 1 for r in rows)

    used = konomi("models", "use", first, root=ws.root, check=True)
    assert first in used.out
    assert json.loads((ws.root / "models/current.json").read_text())["id"] == first
    missing = konomi("models", "use", "no-such-head", root=ws.root)
    assert missing.code != 0 and first in missing.err  # names the heads that exist

    ctx = workflow.Context.open(ws.root, model=str(tiny_model))
    try:
        scored = workflow.score(ctx)
        outcome = html_report.build(ctx)
    finally:
        ctx.close()
    raw = scored.out.read_bytes()[3:].decode("utf-8")
    assert {r["head"] for r in csv.DictReader(raw.splitlines())} == {first}
    assert outcome.head_id == first
    assert f"scored by head <b>{first}</b>" in outcome.out.read_text(encoding="utf-8")


# -- in a real browser ----------------------------------------------------------------------------
@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (/usr/bin/chromium)")
def test_report_in_headless_chromium(workspace, tiny_model, tmp_path):
    from playwright.sync_api import sync_playwright

    ws = workspace(n_like=15, n_dislike=15, n_unlabeled=8, n_ambiguous=2)
    planted = plant_mistakes(ws.root, n=1)
    plant_burst(ws.root, 3)
    train(ws.root, tiny_model)
    ctx = workflow.Context.open(ws.root, model=str(tiny_model))
    try:
        outcome = html_report.build(ctx, duplicate_threshold=float(BURST_THRESHOLD))
    finally:
        ctx.close()
    n_images = len(list(find_images(ws.root / "data")))

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            requests: list[str] = []
            problems: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            url = outcome.out.resolve().as_uri()
            page.goto(url, wait_until="load")
            # Thumbnails load lazily: scroll through the page so that every one is asked for.
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            page.wait_for_function("() => [...document.images].every(i => i.complete)")

            # Only the page and its own thumbnails are fetched, nothing from anywhere else.
            thumbs = (outcome.out.parent / "thumbs").resolve().as_uri() + "/"
            fetched = [
                u
                for u in requests
                if u != url and not u.startswith("data:") and not u.startswith(thumbs)
            ]
            assert not fetched, f"the report fetched {fetched}"
            assert sum(u.startswith(thumbs) for u in requests) >= n_images
            assert not problems, problems
            state = page.evaluate(
                """() => ({
                    tiles: document.querySelectorAll('#grid .tile').length,
                    images: document.images.length,
                    broken: [...document.images].filter(i => !(i.naturalWidth > 0))
                                .map(i => i.alt || i.className),
                })"""
            )
            assert state["tiles"] == n_images and not state["broken"], state
            page.screenshot(path=str(tmp_path / "report-top.png"))

            # Filters: suspects shows exactly the flagged ones, then all again.
            page.click("button[data-filter=suspects]")
            visible = page.eval_on_selector_all(
                "#grid .tile:not(.hidden) .path", "els => els.map(e => e.textContent)"
            )
            assert set(planted) <= set(visible) and len(visible) < n_images
            page.click("button[data-filter=bursts]")
            assert page.locator("#grid .tile:not(.hidden)").count() >= 3
            page.click("button[data-filter=all]")
            assert page.locator("#grid .tile:not(.hidden)").count() == n_images

            # An explanation on click: nearest liked and disliked training images, shown.
            page.click(f"#grid .tile:has-text('{planted[0]}')")
            panel = page.locator("#panel")
            assert panel.is_visible()
            assert "Nearest liked" in panel.inner_text() and "suspect #" in panel.inner_text()
            near = panel.locator(".near img")
            assert near.count() == 6
            assert all(near.nth(i).evaluate("i => i.naturalWidth > 0") for i in range(6))
            page.screenshot(path=str(tmp_path / "report-panel.png"))
        finally:
            browser.close()


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (/usr/bin/chromium)")
def test_a_report_of_hundreds_of_images_draws_its_grid_by_pages_and_every_thumbnail_loads(
    workspace, tiny_model
):
    from playwright.sync_api import sync_playwright

    ws = workspace(n_like=20, n_dislike=20, n_unlabeled=300)
    japanese = "data/unlabeled/京都の紅葉.jpg"
    make_image(ws.root / japanese, color=(200, 60, 30), seed=21)
    train(ws.root, tiny_model)
    ctx = workflow.Context.open(ws.root, model=str(tiny_model))
    try:
        outcome = html_report.build(ctx)
    finally:
        ctx.close()
    n_images = len(list(find_images(ws.root / "data")))
    assert n_images > 300 and outcome.thumbs_bytes > 0
    assert outcome.size_bytes == outcome.html_bytes + outcome.thumbs_bytes

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            thumbs: list[str] = []
            problems: list[str] = []
            page.on("request", lambda r: "/thumbs/" in r.url and thumbs.append(r.url))
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(outcome.out.resolve().as_uri(), wait_until="load")

            # The first page of tiles only; thumbnails far below are not fetched yet.
            tiles = page.locator("#grid .tile")
            assert tiles.count() == 240 < n_images
            assert len(thumbs) < n_images

            # Scrolling down draws the rest and loads each thumbnail as it comes into view.
            seen: set[int] = set()
            for _ in range(200):
                visible = page.evaluate(
                    """() => [...document.querySelectorAll('#grid img')].filter(i => {
                        const r = i.getBoundingClientRect();
                        return r.bottom > 0 && r.top < innerHeight;
                    }).map(i => +i.id.slice(2))"""
                )
                page.wait_for_function(
                    """ids => ids.every(i => {
                        const img = document.getElementById('im' + i);
                        return img.complete && img.naturalWidth > 0;
                    })""",
                    arg=visible,
                )
                seen.update(visible)
                if len(seen) == n_images:
                    break
                page.mouse.wheel(0, 700)
                page.wait_for_timeout(50)
            assert len(seen) == n_images and tiles.count() == n_images, (len(seen), n_images)
            assert len(set(thumbs)) == n_images  # one file per image, each fetched once
            assert not problems, problems

            # A Japanese file name is shown as it is.
            captions = page.eval_on_selector_all(
                "#grid .tile .path", "els => els.map(e => e.textContent)"
            )
            assert japanese in captions
        finally:
            browser.close()
