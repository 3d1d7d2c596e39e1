"""The HTML report (self-contained, every image shown), near-duplicates, and versioned heads."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from factories.images import make_image
from messages import said
from PIL import Image
from test_suspects import plant_mistakes

from konomi.app import loop as workflow
from konomi.app.reports import html as html_report
from konomi.app.reports import sheets
from konomi.encode.images import content_hash, find_images
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
        return [
            [data["train"][data[key][j]], data[key + "s"][j] / 100]
            for j in slots
            if data[key][j] >= 0
        ]

    out = []
    for i in range(data["n"]):
        x = data["x"].get(str(i))
        out.append(
            {
                "p": data["p"][i],
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


def cell(sheet: Image.Image, k: int) -> np.ndarray:
    """Cell k of a decoded sheet, as float RGB."""
    px = sheets.THUMB_PX
    x, y = (k % sheets.COLS) * px, (k // sheets.COLS) * px
    return np.asarray(sheet.convert("RGB").crop((x, y, x + px, y + px)), dtype=np.float32)


def expected_cell(path: Path) -> np.ndarray:
    """What an image's cell should look like: its thumbnail centred on the cell's background."""
    data = sheets.make_thumbnail(path)
    assert data is not None
    return cell(Image.open(io.BytesIO(sheets.compose([data], "webp"))), 0)


def assert_cells_show_their_images(
    root: Path, items: list[dict], folder: Path, names: list[str]
) -> None:
    """Every image is drawn in its own cell (sheet i // 100, cell i % 100), and nowhere else."""
    for s, name in enumerate(names):
        with Image.open(folder / name) as sheet:
            assert sheet.format == sheets.sheet_format().upper()
            assert sheet.width == sheets.COLS * sheets.THUMB_PX
            for k, it in enumerate(items[s * sheets.PER_SHEET : (s + 1) * sheets.PER_SHEET]):
                got, want = cell(sheet, k), expected_cell(root / it["p"])
                # Lossy at ~450 bytes a thumbnail: the colours of a region survive, not the noise.
                assert np.abs(got.mean(axis=(0, 1)) - want.mean(axis=(0, 1))).max() < 6, it["p"]


def scroll_until_painted(page, selector: str) -> None:  # noqa: ANN001 - a Playwright Page
    """Scroll down the page a screen at a time, waiting at each stop until every thumbnail on
    the screen is painted from its decoded sheet, until the bottom."""
    while True:
        page.wait_for_function(
            """sel => [...document.querySelectorAll(sel)].filter(e => {
                const r = e.getBoundingClientRect();
                return r.bottom > 0 && r.top < innerHeight && r.width > 0;
            }).every(e => e.classList.contains('shown') || e.classList.contains('none'))""",
            arg=selector,
        )
        if page.evaluate("innerHeight + scrollY >= document.body.scrollHeight - 2"):
            return
        page.mouse.wheel(0, 700)
        page.wait_for_timeout(50)


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
    assert said(text, "report.summary.head", head=f"<b>{head}</b>")
    # 21 + 20 labels: the head's AUC comes with its interval, never bare.
    assert re.search(r"Cross-validated AUC \d\.\d{3} \(95 % interval \d\.\d\d–\d\.\d\d", text)

    # Every image under data/ has its tile (drawn by the page's script from the data) and its
    # cell in a contact sheet in reports/thumbs/ beside the page; nothing else is there.
    data = html_report.page_data(text)
    items = rows(data)
    assert sorted(it["p"] for it in items) == images, "every image under data/ has its tile"
    thumbs = ws.root / "reports" / data["sheets"]["folder"]
    names = data["sheets"]["names"]
    assert len(names) == -(-len(items) // sheets.PER_SHEET) and not data["sheets"]["missing"]
    assert {p.relative_to(thumbs).as_posix() for p in thumbs.rglob("*")} == set(names)
    assert_cells_show_their_images(ws.root, items, thumbs, names)

    # A second report reuses every sheet: no file is written again.
    stamps = {name: (thumbs / name).stat().st_mtime_ns for name in names}
    konomi("report", "--duplicate-threshold", BURST_THRESHOLD, root=ws.root, check=True)
    assert {name: (thumbs / name).stat().st_mtime_ns for name in names} == stamps

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


def build_report(root: Path, model: Path) -> html_report.ReportOutcome:
    ctx = workflow.Context.open(root, model=str(model))
    try:
        return html_report.build(ctx)
    finally:
        ctx.close()


def no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any decoding of an original for a thumbnail fail the test."""

    def refuse(path: Path, **kw: object) -> None:
        raise AssertionError(f"{path} was decoded again for its thumbnail")

    monkeypatch.setattr(sheets, "load_image", refuse)


def test_a_retrain_reorders_the_sheets_from_the_thumbnail_store(workspace, tiny_model, monkeypatch):
    ws = workspace(n_like=12, n_dislike=12, n_unlabeled=120)
    train(ws.root, tiny_model)
    first = build_report(ws.root, tiny_model)
    folder = first.out.parent / html_report.THUMBS_FOLDER
    before = set(html_report.page_data(first.out.read_text(encoding="utf-8"))["sheets"]["names"])
    assert first.sheets_written == len(before) == 2

    # A copy kept for comparison (report --out) has its own sheets, which later reports keep.
    ctx = workflow.Context.open(ws.root, model=str(tiny_model))
    try:
        kept = html_report.build(ctx, ws.root / "reports" / "before.html")
    finally:
        ctx.close()
    kept_data = html_report.page_data(kept.out.read_text(encoding="utf-8"))["sheets"]
    assert kept_data["folder"] == "before-thumbs" and set(kept_data["names"]) == before
    assert "before-thumbs/ folder" in kept.out.read_text(encoding="utf-8")

    # New labels, a new head, new scores: the order changes, and with it the sheets, which
    # are made from the store's thumbnails without decoding a single original again.
    for path in sorted((ws.root / "data/unlabeled").iterdir())[:8]:
        path.rename(ws.root / "data/train/dislike" / path.name)
    train(ws.root, tiny_model)
    no_decoding(monkeypatch)
    second = build_report(ws.root, tiny_model)
    monkeypatch.undo()
    data = html_report.page_data(second.out.read_text(encoding="utf-8"))
    names = data["sheets"]["names"]
    assert second.sheets_written >= 1 and set(names) != before
    assert {p.name for p in folder.iterdir()} == set(names), "sheets of the old order are gone"
    assert not data["sheets"]["missing"]
    assert_cells_show_their_images(ws.root, rows(data), folder, names)
    assert second.thumbs_bytes == sum((folder / n).stat().st_size for n in names)
    kept_folder = kept.out.parent / "before-thumbs"
    assert {p.name for p in kept_folder.iterdir()} == before, "the kept copy is untouched"


def test_thumbnails_of_older_reports_are_taken_over_and_removed(workspace, tiny_model, monkeypatch):
    ws = workspace(n_like=8, n_dislike=8, n_unlabeled=6)
    train(ws.root, tiny_model)
    # A report before sheets left one WebP per image: thumbs/<2 hex>/<20 hex of its digest>.webp
    folder = ws.root / "reports" / html_report.THUMBS_FOLDER
    for path in find_images(ws.root / "data"):
        digest = content_hash(path.read_bytes())
        old = folder / digest[:2] / f"{digest[:20]}.webp"
        old.parent.mkdir(parents=True, exist_ok=True)
        old.write_bytes(sheets.make_thumbnail(path) or b"")
    stranger = folder / "ab" / "notes.txt"  # not a thumbnail: left alone
    stranger.parent.mkdir(parents=True, exist_ok=True)
    stranger.write_text("mine")

    no_decoding(monkeypatch)
    outcome = build_report(ws.root, tiny_model)
    monkeypatch.undo()
    data = html_report.page_data(outcome.out.read_text(encoding="utf-8"))
    assert not data["sheets"]["missing"], "every old thumbnail was taken over"
    assert not list(folder.glob("*/*.webp")), "the old files are gone"
    assert stranger.read_text() == "mine"
    assert_cells_show_their_images(ws.root, rows(data), folder, data["sheets"]["names"])


def test_an_image_without_a_thumbnail_is_a_blank_cell_until_it_can_be_read(
    workspace, tiny_model, monkeypatch
):
    ws = workspace(n_like=8, n_dislike=8, n_unlabeled=4)
    train(ws.root, tiny_model)
    victim = sorted(p.relative_to(ws.root).as_posix() for p in find_images(ws.root / "data"))[0]
    real = sheets.make_thumbnail
    monkeypatch.setattr(
        sheets, "make_thumbnail", lambda p: None if p.name == Path(victim).name else real(p)
    )
    outcome = build_report(ws.root, tiny_model)
    data = html_report.page_data(outcome.out.read_text(encoding="utf-8"))
    at = [it["p"] for it in rows(data)].index(victim)
    assert data["sheets"]["missing"] == [at]
    folder = outcome.out.parent / html_report.THUMBS_FOLDER
    with Image.open(folder / data["sheets"]["names"][0]) as sheet:
        blank = cell(sheet, at)
    assert np.abs(blank - np.float32(sheets.BACKGROUND[0])).max() < 8, "a blank cell"

    # Once it can be read (a decoder installed, say), the next report shows it.
    monkeypatch.setattr(sheets, "make_thumbnail", real)
    again = build_report(ws.root, tiny_model)
    data = html_report.page_data(again.out.read_text(encoding="utf-8"))
    assert not data["sheets"]["missing"] and again.sheets_written == 1
    assert_cells_show_their_images(ws.root, rows(data), folder, data["sheets"]["names"])


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
    written = outcome.out.read_text(encoding="utf-8")
    assert said(written, "report.summary.head", head=f"<b>{first}</b>")


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
            page.wait_for_selector("body[data-ready]")
            # Thumbnails are painted lazily: scroll through the page so every one is shown.
            scroll_until_painted(page, "[data-thumb]")

            # Only the page and its own sheets are fetched, nothing from anywhere else.
            thumbs = (outcome.out.parent / "thumbs").resolve().as_uri() + "/"
            fetched = [
                u
                for u in requests
                if u != url and not u.startswith("data:") and not u.startswith(thumbs)
            ]
            assert not fetched, f"the report fetched {fetched}"
            data = html_report.page_data(outcome.out.read_text(encoding="utf-8"))
            names = data["sheets"]["names"]
            assert {u[len(thumbs) :] for u in requests if u.startswith(thumbs)} == set(names)
            assert not problems, problems
            tiles = page.locator("#grid .tile")
            assert tiles.count() == n_images
            assert page.locator(".thumb.broken, .thumb.none").count() == 0

            # What the reader sees in a tile is its own image, from its cell of the sheet.
            items = rows(data)
            for i in (0, len(items) // 2, len(items) - 1):
                shot = page.locator(f"#im{i}").screenshot()
                with Image.open(io.BytesIO(shot)) as im:
                    seen = np.asarray(im.convert("RGB"), dtype=np.float32)
                want = expected_cell(ws.root / items[i]["p"])
                # The element may sit on half a pixel: compare the middle 120 x 120.
                assert abs(seen.shape[0] - 128) <= 1 and abs(seen.shape[1] - 128) <= 1
                seen, want = seen[4:124, 4:124], want[4:124, 4:124]
                assert np.abs(seen.mean(axis=(0, 1)) - want.mean(axis=(0, 1))).max() < 6, i
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
            shown = panel.inner_text()
            assert said(shown, "report.js.nearest.liked") and said(shown, "report.js.suspect")
            near = panel.locator(".near .thumb")
            assert near.count() == 6
            page.wait_for_function(
                "() => [...document.querySelectorAll('#panel .thumb')]"
                ".every(e => e.classList.contains('shown'))"
            )
            page.screenshot(path=str(tmp_path / "report-panel.png"))
        finally:
            browser.close()


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (/usr/bin/chromium)")
def test_a_report_of_hundreds_of_images_draws_its_grid_by_pages_and_loads_sheets_lazily(
    workspace, tiny_model
):
    from playwright.sync_api import sync_playwright

    ws = workspace(n_like=20, n_dislike=20, n_unlabeled=300)
    japanese = "data/unlabeled/京都の紅葉.jpg"
    make_image(ws.root / japanese, color=(200, 60, 30), seed=21)
    train(ws.root, tiny_model)
    outcome = build_report(ws.root, tiny_model)
    n_images = len(list(find_images(ws.root / "data")))
    assert n_images > 300 and outcome.thumbs_bytes > 0
    assert outcome.size_bytes == outcome.html_bytes + outcome.thumbs_bytes
    names = html_report.page_data(outcome.out.read_text(encoding="utf-8"))["sheets"]["names"]
    assert len(names) == 4

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            sheets_asked: list[str] = []
            problems: list[str] = []
            page.on("request", lambda r: "/thumbs/" in r.url and sheets_asked.append(r.url))
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(outcome.out.resolve().as_uri(), wait_until="load")
            page.wait_for_selector("body[data-ready]")

            # The first page of tiles only, none painted before it comes near the screen, and
            # only the sheets of the thumbnails on the first screen (the suspects' table).
            tiles = page.locator("#grid .tile")
            assert tiles.count() == 240 < n_images
            assert page.locator("#grid .thumb.shown").count() == 0
            assert len(set(sheets_asked)) < len(names)

            # Scrolling down draws the rest and paints each tile from its sheet as it comes
            # into view; every sheet is asked for, once.
            page.evaluate("document.getElementById('images').scrollIntoView()")
            scroll_until_painted(page, "#grid .thumb")
            assert tiles.count() == n_images
            assert page.locator("#grid .thumb.shown").count() == n_images
            assert sorted(u.rsplit("/", 1)[1] for u in sheets_asked) == sorted(names)
            assert not problems, problems

            # A Japanese file name is shown as it is.
            captions = page.eval_on_selector_all(
                "#grid .tile .path", "els => els.map(e => e.textContent)"
            )
            assert japanese in captions
        finally:
            browser.close()


def test_past_its_limit_the_report_shows_a_sample_and_says_so(workspace, tiny_model, monkeypatch):
    """A library of a million images still gives a page that opens: past MAX_SHOWN images the
    page carries every training image and suspect and an even sample of the rest in score
    order, says how many of how many it shows, and makes sheets for those only."""
    ws = workspace(n_like=8, n_dislike=8, n_unlabeled=40)
    train(ws.root, tiny_model)
    monkeypatch.setattr(html_report, "MAX_SHOWN", 24)
    outcome = build_report(ws.root, tiny_model)
    text = outcome.out.read_text(encoding="utf-8")
    data = html_report.page_data(text)
    items = rows(data)
    assert outcome.n_images == 56 and outcome.n_shown == len(items) == 24
    assert said(html.unescape(text), "report.sampled", shown=24, total=56)
    assert {it["p"] for it in items if it["t"]} == {
        p.relative_to(ws.root).as_posix() for p in find_images(ws.root / "data/train")
    }, "every training image is on the page"
    assert [it["s"] for it in items] == sorted((it["s"] for it in items), reverse=True)
    assert len(data["sheets"]["names"]) == 1  # 24 thumbnails: one sheet
    assert_cells_show_their_images(
        ws.root, items, outcome.out.parent / "thumbs", data["sheets"]["names"]
    )


def test_hostile_file_names_are_text_on_the_page(workspace, tiny_model):
    """The template escapes every value: file names that look like markup are shown as text in
    the first screen's strips, the suspects' table and the bursts, never run or parsed."""
    from test_suspects import COOL

    ws = workspace(n_like=12, n_dislike=12, n_unlabeled=2)
    hostile = '<img src=x onerror="alert(1)">_&amp;.jpg'
    make_image(ws.root / "data/unlabeled" / hostile, color=(128, 128, 128), seed=3)
    make_image(ws.root / "data/train/like" / ("</script><b>" + "x.png"), color=COOL, seed=4)
    train(ws.root, tiny_model)
    text = build_report(ws.root, tiny_model).out.read_text(encoding="utf-8")
    assert "<img src=x" not in text and "</script><b>" not in text
    assert 'data-thumb="' in text and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in text
    assert "&lt;/script&gt;&lt;b&gt;" in text  # the suspect's path in the table, as text
    assert {it["p"] for it in rows(html_report.page_data(text))} >= {
        f"data/unlabeled/{hostile}",
        "data/train/like/</script><b>x.png",
    }
