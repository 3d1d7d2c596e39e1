"""The review page of a large library answers before its full scan ends, in a real Chromium.

A library of a million images takes the review server about a minute to scan; the page starts
from the images the cache already scored and shows how far the scan is. Here the scan is held
just before it merges (`KONOMI_TEST_SCAN_GATE`, a fault switch): the test acts on the page
while it runs — its first images, its progress line in English and Japanese, decisions — then
opens the gate and checks the queue refreshed with what the scan found, every decision kept
exactly once, and nothing shown that is gone.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from factories.images import make_taste_set, make_unlabeled_set
from factories.models import konomi_env
from test_review_browser import CHROMIUM, CHROMIUM_ARGS, api_state
from test_review_server import CliServer

from konomi import i18n
from konomi.app import loop as workflow
from konomi.app.review.background import STEPS
from konomi.app.review.queue import ReviewQueue
from konomi.faults import SCAN_GATE_ENV
from konomi.store.journal import latest_operation
from konomi.store.labels import read_labels
from konomi.workspace import Workspace

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (/usr/bin/chromium)"),
]

N_LIBRARY = 8
AT_GATE = STEPS["merging"]  # the percentage a scan held just before its merge has reached
SIZES = [(1280, 720), (1920, 1080)]


@pytest.fixture(scope="module")
def warm_library(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Path:
    """A trained workspace whose library's images the cache already scored (an earlier review
    session did), as a large library's is: a template copied for each test."""
    base = tmp_path_factory.mktemp("scan")
    root, photos = base / "ws", base / "photos"
    make_taste_set(root / "data" / "train", 12, 12, seed=3)
    make_unlabeled_set(photos / "d", N_LIBRARY // 2, N_LIBRARY // 2, seed=5, size=(640, 480))
    (root / "konomi.toml").write_text(f'libraries = ["{photos.as_posix()}"]\n', encoding="utf-8")
    ctx = workflow.Context.open(root, model=str(tiny_model))
    try:
        workflow.train(ctx, folds=3)
        ReviewQueue(ctx).load()  # scores each library image under the head, in the cache
    finally:
        ctx.close()
    return base


@pytest.fixture
def library(warm_library: Path, tmp_path: Path, tiny_model: Path) -> Path:
    """A fresh copy (workspace and library side by side; konomi.toml names the new library)."""
    base = Path(shutil.copytree(warm_library, tmp_path / "copy", symlinks=True))
    toml = base / "ws" / "konomi.toml"
    toml.write_text(f'libraries = ["{(base / "photos").as_posix()}"]\n', encoding="utf-8")
    ctx = workflow.Context.open(base / "ws", model=str(tiny_model))
    try:  # the copy's cache knows the template's paths: it scores the copy's once more
        ReviewQueue(ctx).load()
    finally:
        ctx.close()
    # A photo new since that session: only the full scan finds it.
    make_unlabeled_set(base / "ws" / "data" / "unlabeled", 1, 0, seed=11, size=(640, 480))
    return base


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def held(library: Path, tiny_model: Path) -> Iterator[tuple[CliServer, Path]]:
    """`konomi review` with its background scan held at the gate; the gate's file."""
    gate = library / "gate"
    env = konomi_env(tiny_model, library)
    env.pop("KONOMI_LANG")  # each browser's own language
    env[SCAN_GATE_ENV] = str(gate)
    server = CliServer(library / "ws", env)
    try:
        yield server, gate
    finally:
        gate.touch()
        assert server.stop() == 0, server.out


def open_page(browser, server: CliServer, locale: str, size: tuple[int, int]):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale=locale)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.goto(server.url)
    page.wait_for_function(
        "() => { const p = document.getElementById('photo');"
        " return p.src.startsWith('blob:') && p.complete && p.naturalWidth > 0; }"
    )
    return context, page, errors


def shots_folder(tmp_path: Path) -> Path:
    """Where the screenshots go: $KONOMI_SCREENSHOTS when a person wants to look at them."""
    folder = Path(os.environ.get("KONOMI_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def scan_line(lang: str, photos: int) -> str:
    """The progress line's words before its percentage, as the catalog says them."""
    before = i18n.template("page.scan.checking", lang).split("{percent}")[0]
    return before.format(n=f"{photos:,}")


def test_the_page_answers_while_the_scan_runs_and_says_how_far_it_is(
    browser, held, library, tmp_path
):
    server, _gate = held
    shots = shots_folder(tmp_path)
    for locale, lang in (("en-US", "en"), ("ja-JP", "ja")):
        for size in SIZES:
            context, page, errors = open_page(browser, server, locale, size)
            state = api_state(page, server.token)
            assert state["scan"]["running"] and state["scan"]["photos"] == N_LIBRARY + 1
            assert state["items"] and state["left"] == N_LIBRARY  # the cache's first images
            page.wait_for_selector("#scan-bar:not(.hidden)")
            text = page.inner_text("#scan-text")
            assert text.startswith(scan_line(lang, N_LIBRARY + 1)), text
            assert text.endswith(i18n.t("page.scan.meanwhile", lang)), text
            gap = "" if lang == "ja" else " "  # the scan is held just before it merges:
            held_at = i18n.t("page.scan.checking", lang, n=N_LIBRARY + 1, percent=AT_GATE)
            page.wait_for_function(
                "t => document.getElementById('scan-text').textContent === t",
                arg=held_at + gap + i18n.t("page.scan.meanwhile", lang),
            )
            page.screenshot(path=str(shots / f"scan-{lang}-{size[0]}x{size[1]}.png"))
            context.close()
            assert not errors, errors


def test_decisions_during_the_scan_are_kept_once_and_the_queue_refreshes_when_it_ends(
    browser, held, library, tiny_model
):
    server, gate = held
    ws, photos = Workspace(library / "ws"), library / "photos" / "d"
    context, page, errors = open_page(browser, server, "en-US", SIZES[0])
    first = api_state(page, server.token)
    assert first["scan"]["running"]
    liked, disliked = first["items"][0], first["items"][1]
    seen = latest_operation(ws)

    page.keyboard.press("l")  # judged while the scan is still under way
    page.wait_for_function(
        "n => document.getElementById('name').textContent !== n", arg=liked["name"]
    )
    page.keyboard.press("d")
    page.wait_for_function(
        "n => document.getElementById('name').textContent !== n", arg=disliked["name"]
    )
    during = api_state(page, server.token)
    assert during["scan"]["running"] and during["left"] == N_LIBRARY - 2

    gate.touch()  # the scan ends, merges, and the page refreshes its queue
    page.wait_for_selector("#scan-bar.hidden", state="attached", timeout=60_000)
    page.wait_for_function(
        "t => document.getElementById('toast').textContent.includes(t)",
        arg=i18n.t("page.scan.done", "en"),
    )
    after = api_state(page, server.token)
    assert not after["scan"]["running"] and after["scan"]["finished"] == 1
    # The scan listed the library before the two decisions: they stand, once; the new photo
    # the first images did not hold is in the queue now.
    assert after["left"] == N_LIBRARY - 2 + 1, after
    assert after["counts"]["liked"] == 1 and after["counts"]["disliked"] == 1
    labels = {Path(p).name: lb.label for p, lb in read_labels(ws.state).items()}
    assert labels == {liked["name"]: "like", disliked["name"]: "dislike"}
    assert latest_operation(ws) == seen + 2  # one operation each, none again
    names = {it["name"] for it in after["items"]}
    assert not names & {liked["name"], disliked["name"]}
    assert len(list(photos.iterdir())) == N_LIBRARY  # a library is never changed

    page.keyboard.press("u")  # the dislike comes back, once
    page.wait_for_function(
        "n => document.getElementById('name').textContent === n", arg=disliked["name"]
    )
    undone = api_state(page, server.token)
    assert undone["left"] == N_LIBRARY - 1 + 1
    assert {Path(p).name for p in read_labels(ws.state)} == {liked["name"]}
    context.close()
    assert not errors, errors


def test_an_image_gone_since_the_cache_saw_it_is_never_shown(browser, library, tiny_model):
    photos = library / "photos" / "d"
    gone = sorted(photos.iterdir())
    for path in gone[:3]:
        path.unlink()  # deleted since the last session: the cache still scores them
    gate = library / "gate"
    env = konomi_env(tiny_model, library)
    env[SCAN_GATE_ENV] = str(gate)
    server = CliServer(library / "ws", env)
    try:
        context, page, errors = open_page(browser, server, "en-US", SIZES[0])
        state = api_state(page, server.token)
        assert state["scan"]["running"] and state["left"] == N_LIBRARY - 3
        names = {it["name"] for it in state["items"]}
        assert not names & {p.name for p in gone[:3]}
        shown_first = state["items"][0]["name"]
        (photos / shown_first).unlink()  # deleted while the scan runs: left out when next asked
        again = api_state(page, server.token)
        assert again["left"] == N_LIBRARY - 4
        assert shown_first not in {it["name"] for it in again["items"]}
        context.close()
        assert not errors, errors
    finally:
        gate.touch()
        assert server.stop() == 0, server.out


def test_from_zero_labels_the_page_says_it_is_checking_then_shows_the_photos(
    browser, tmp_path, tiny_model
):
    """No head yet: the cache holds no score to start from, so the page says what it does
    until the scan ends, then shows the photos in the typical-picks order."""
    root, photos = tmp_path / "ws", tmp_path / "photos"
    make_unlabeled_set(photos, 3, 3, seed=5, size=(640, 480))
    root.mkdir()
    (root / "konomi.toml").write_text(f'libraries = ["{photos.as_posix()}"]\n', encoding="utf-8")
    gate = tmp_path / "gate"
    env = konomi_env(tiny_model, tmp_path)
    env.pop("KONOMI_LANG")
    env[SCAN_GATE_ENV] = str(gate)
    server = CliServer(root, env)
    shots = shots_folder(tmp_path)
    try:
        for locale, lang in (("ja-JP", "ja"), ("en-US", "en")):  # English last: opens the gate
            context = browser.new_context(viewport={"width": 1280, "height": 720}, locale=locale)
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
            page.on(
                "console",
                lambda msg, errors=errors: msg.type == "error" and errors.append(msg.text),
            )
            page.goto(server.url)
            page.wait_for_selector("#scan-bar:not(.hidden)")
            title = i18n.t("page.scan.empty_title", lang)
            page.wait_for_function(
                "t => document.getElementById('empty-title').textContent === t", arg=title
            )
            assert page.is_visible("#empty") and page.is_hidden("#retrain-empty")
            assert page.is_hidden("#empty-mark")  # not the ✓ of a round done
            held_at = i18n.t("page.scan.checking", lang, n=6, percent=AT_GATE)  # nothing yet
            page.wait_for_function(
                "t => document.getElementById('scan-text').textContent === t", arg=held_at
            )
            assert page.inner_text("#empty-text") == i18n.t("page.scan.empty_text", lang)
            page.screenshot(path=str(shots / f"scan-cold-{lang}-1280x720.png"))
            if lang == "ja":
                context.close()
                assert not errors, errors
                continue
            gate.touch()  # the scan ends: the photos appear, unscored, from zero labels
            page.wait_for_function(
                "() => { const p = document.getElementById('photo');"
                " return p.src.startsWith('blob:') && p.complete && p.naturalWidth > 0; }",
                timeout=60_000,
            )
            state = api_state(page, server.token)
            assert not state["scan"]["running"] and state["cold"] and state["left"] == 6
            assert page.is_hidden("#scan-bar")
            context.close()
            assert not errors, errors
    finally:
        gate.touch()
        assert server.stop() == 0, server.out
