"""The review page's burst strip in a real headless Chromium: a frame of a burst shows its
burst's frames with the keeper marked and why, and the `k` key makes the shown frame the
keeper — which `konomi cull` then follows. The help overlay lists the key."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from factories.images import assert_conserved, file_hashes
from factories.models import konomi_env
from test_review_browser import CHROMIUM, CHROMIUM_ARGS, api_state, press, shown, wait_shown
from test_review_bursts import shoot_workspace
from test_review_server import CliServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (/usr/bin/chromium)"),
]


@pytest.fixture
def served(tmp_path: Path, tiny_model: Path) -> Iterator[CliServer]:
    root = tmp_path / "ws"
    shoot = shoot_workspace(root, tiny_model)
    server = CliServer(root, konomi_env(tiny_model, root.parent))
    server.root, server.shoot = root, shoot
    try:
        yield server
    finally:
        assert server.stop() == 0, server.out


@pytest.fixture
def page(served):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
        page.goto(served.url)
        page.wait_for_function("() => document.getElementById('photo').naturalWidth > 0")
        yield page
        browser.close()
        assert not errors, errors


def test_k_makes_the_shown_frame_the_keeper_and_konomi_cull_follows(page, served, konomi):
    root, shoot = served.root, served.shoot
    frames, sharp = shoot.bursts[0], shoot.sharp[0]
    before = file_hashes(root / "data")
    page.keyboard.press("?")
    assert "konomi cull" in page.inner_text("#help")  # the key is in the help overlay
    page.keyboard.press("Escape")

    wanted = {p.name for p in frames if p != sharp}
    for _ in range(40):  # skip (in memory only) until a frame of the first burst, not its keeper
        wait_shown(page, api_state(page, served.token)["items"][0]["name"])
        if shown(page) in wanted:
            break
        assert press(page, "s", "/api/decide").ok
    name = shown(page)
    assert name in wanted
    assert page.is_visible("#burst") and page.is_hidden("#keeper-badge")
    assert f"keep: {sharp.name} (sharpest)" in page.inner_text("#burst-text")
    assert "Press k to keep this frame" in page.inner_text("#burst-hint")
    marked = page.eval_on_selector_all(
        "#burst-thumbs img", "nodes => nodes.map(n => [n.alt, n.classList.contains('keeper')])"
    )
    assert marked == [[p.name, p == sharp] for p in frames]

    answer = press(page, "k", "/api/keeper")
    assert answer.ok, answer.text()
    page.wait_for_selector("#keeper-badge:not(.hidden)")
    assert page.inner_text("#keeper-badge") == "keeper"
    assert "(your choice)" in page.inner_text("#burst-text")
    keeper = page.eval_on_selector_all("#burst-thumbs img.keeper", "nodes => nodes.map(n => n.alt)")
    assert keeper == [name]

    result = konomi("cull", "--json", root=root)
    assert result.code == 0, result.text
    keepers = {b["keeper"] for b in json.loads(result.out)}
    assert f"data/unlabeled/shoot/{name}" in keepers
    assert f"data/unlabeled/shoot/{sharp.name}" not in keepers
    assert_conserved(before, file_hashes(root / "data"))
