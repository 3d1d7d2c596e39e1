"""The review page from zero labels in a real headless Chromium: a person judges about twenty
images with the keys, the page retrains itself in the background, shows how good the model is
so far, and every judged file lands in data/train."""

from __future__ import annotations

import pytest
from factories.images import assert_conserved, file_hashes, make_unlabeled_set
from factories.models import konomi_env
from messages import said
from test_review_browser import CHROMIUM, CHROMIUM_ARGS
from test_review_server import CliServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (/usr/bin/chromium)"),
]


def test_twenty_keys_from_zero_labels_train_a_model_the_page_rates(tmp_path, tiny_model):
    from playwright.sync_api import sync_playwright

    root = tmp_path / "ws"
    truth = make_unlabeled_set(root / "data" / "unlabeled", 20, 20, 11, size=(320, 240))
    label_of = {p.name: ("like" if y == 1 else "dislike") for p, y in truth.items()}
    before = file_hashes(root / "data")
    server = CliServer(root, konomi_env(tiny_model, tmp_path))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1360, "height": 860})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(server.url)
            page.wait_for_function("() => document.getElementById('name').textContent !== '–'")
            assert said(page.inner_text("#quality"), "page.server.quality.learning")
            assert said(page.get_attribute("#quality", "title"), "text.quality.none")
            judged: list[tuple[str, str]] = []
            for _ in range(20):
                name = page.inner_text("#name")
                label = label_of[name]
                with page.expect_response(lambda r: r.url.endswith("/api/decide")) as answer:
                    page.keyboard.press("l" if label == "like" else "d")
                assert answer.value.ok
                judged.append((name, label))
                page.wait_for_function(
                    "name => document.getElementById('name').textContent !== name", arg=name
                )
            page.wait_for_function(
                "() => document.getElementById('quality').title.includes('AUC')",
                timeout=60_000,
            )
            # The first screen says it plainly; the figures wait in the tooltip and the help.
            line = page.inner_text("#quality")
            fair = ("fair", "fair_more", "good")
            assert any(said(line, f"page.server.quality.{k}") for k in fair) and "AUC" not in line
            assert not said(line, "text.quality.line")
            detail = page.get_attribute("#quality", "title")
            assert said(detail, "text.quality.line")
            assert said(detail, "text.quality.not_yet") or said(detail, "text.quality.trusted")
            page.keyboard.press("?")
            assert "AUC" in page.inner_text("#help")
            page.screenshot(path=str(tmp_path / "cold.png"))
            browser.close()
        assert not errors, errors
    finally:
        assert server.stop() == 0, server.out
    for name, label in judged:
        assert (root / "data" / "train" / label / name).is_file(), name
    assert_conserved(before, file_hashes(root / "data"))


def test_a_late_state_answer_never_brings_a_decided_image_back(tmp_path, tiny_model):
    """While the page polls a background retrain, a /api/state answer can arrive after the
    answer of a decision made since. The page delays every /api/state answer here (by 700 ms)
    and the keys are pressed as fast as the server answers: the image on screen is never one
    already judged."""
    from playwright.sync_api import sync_playwright

    root = tmp_path / "ws"
    truth = make_unlabeled_set(root / "data" / "unlabeled", 15, 15, 5, size=(160, 120))
    label_of = {p.name: ("like" if y == 1 else "dislike") for p, y in truth.items()}
    server = CliServer(root, konomi_env(tiny_model, tmp_path))
    late_state = """
        const fetchNow = window.fetch.bind(window);
        window.fetch = async (url, options) => {
            const answer = await fetchNow(url, options);
            if (String(url).includes('/api/state')) {
                await new Promise((done) => setTimeout(done, 700));
            }
            return answer;
        };
    """
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1360, "height": 860})
            page.add_init_script(late_state)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(server.url)
            page.wait_for_function("() => document.getElementById('name').textContent !== '–'")
            judged: set[str] = set()
            for _ in range(22):  # two background retrains, at 10 and 20 labels
                name = page.inner_text("#name")
                assert name not in judged, f"{name} was judged already and is shown again"
                with page.expect_response(lambda r: r.url.endswith("/api/decide")) as answer:
                    page.keyboard.press("l" if label_of[name] == "like" else "d")
                assert answer.value.ok
                judged.add(name)
                page.wait_for_function(
                    "name => document.getElementById('name').textContent !== name", arg=name
                )
            page.wait_for_timeout(1500)  # every late answer has arrived
            assert page.inner_text("#name") not in judged
            browser.close()
        assert not errors, errors
    finally:
        assert server.stop() == 0, server.out
