"""The review page in a real headless Chromium (Debian's `chromium`), driven by Playwright.

The server is started the way a person starts it — `python -m konomi review --no-browser` — and
the page is driven with the keys a person presses. Every assertion is about files on disk: the
right file in the right folder, back again after undo, every byte conserved.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from factories.images import assert_conserved, file_hashes
from factories.models import konomi_env
from messages import said
from test_review_server import CliServer, prepare, where

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (/usr/bin/chromium)"),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Iterator[CliServer]:
    root = prepare(tmp_path_factory.mktemp("browser") / "ws", tiny_model, size=(640, 480))
    server = CliServer(root, konomi_env(tiny_model, root.parent))
    server.root = root
    try:
        yield server
    finally:
        assert server.stop() == 0, server.out


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
def page(browser, served):
    context = browser.new_context(viewport={"width": 1360, "height": 860})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    expected = "the server responded with a status of 409"  # a refusal the test provokes
    page.on(
        "console",
        lambda msg: msg.type == "error" and expected not in msg.text and errors.append(msg.text),
    )
    page.goto(served.url)
    page.wait_for_function(
        "() => { const p = document.getElementById('photo');"
        " return p.src.startsWith('blob:') && p.complete && p.naturalWidth > 0; }"
    )
    yield page
    context.close()
    assert not errors, errors  # no CSP violation, no script error


def api_state(page, token: str) -> dict:
    """/api/state as the page's own script asks for it (the token in its header)."""
    return page.evaluate(
        "token => fetch('/api/state', {headers: {'X-Konomi-Token': token}}).then(r => r.json())",
        token,
    )


def shown(page) -> str:
    return page.inner_text("#name")


def wait_shown(page, name: str) -> None:
    """Wait until `name` is the image on screen, its preview loaded."""
    page.wait_for_function(
        "name => document.getElementById('name').textContent === name"
        " && !document.getElementById('photo').classList.contains('loading')",
        arg=name,
    )


def press(page, key: str, endpoint: str):
    """Press a key and wait for the server's answer to it."""
    with page.expect_response(lambda r: r.url.endswith(endpoint)) as answer:
        page.keyboard.press(key)
    return answer.value


def test_keys_move_exactly_the_right_files_and_back(page, served, tmp_path):
    root = served.root
    before = file_hashes(root / "data")
    port = served.port

    # The link's token left the address bar and became no cookie: the page keeps it in memory.
    assert page.url == f"http://127.0.0.1:{port}/"
    assert not page.context.cookies()

    state = api_state(page, served.token)
    a, b, c, d = state["items"][:4]
    assert shown(page) == a["name"]
    assert page.inner_text("#score") == f"{a['score']:.2f}"
    assert page.inner_text("#proposal") == a["proposal"]
    assert page.inner_text("#progress-text") == f"0 done · {state['left']} left"
    page.screenshot(path=str(tmp_path / "review.png"))

    assert press(page, "l", "/api/decide").ok
    assert where(root, a["name"]) == [f"data/train/like/{a['name']}"]
    wait_shown(page, b["name"])
    assert press(page, "d", "/api/decide").ok
    assert where(root, b["name"]) == [f"data/train/dislike/{b['name']}"]
    assert press(page, "s", "/api/decide").ok
    assert where(root, c["name"]) == [c["path"]]
    wait_shown(page, d["name"])
    assert page.inner_text("#progress-text") == f"3 done · {state['left'] - 3} left"

    assert press(page, "u", "/api/undo").ok  # the skip
    wait_shown(page, c["name"])
    assert press(page, "u", "/api/undo").ok  # the dislike
    assert where(root, b["name"]) == [b["path"]]
    wait_shown(page, b["name"])
    assert press(page, "Backspace", "/api/undo").ok  # the like
    assert where(root, a["name"]) == [a["path"]]
    wait_shown(page, a["name"])

    assert press(page, "ArrowRight", "/api/decide").ok
    assert where(root, a["name"]) == [f"data/train/like/{a['name']}"]
    assert press(page, "ArrowLeft", "/api/decide").ok
    assert where(root, b["name"]) == [f"data/train/dislike/{b['name']}"]
    assert press(page, "ArrowDown", "/api/decide").ok
    for _ in range(3):
        assert press(page, "u", "/api/undo").ok
    assert where(root, a["name"]) == [a["path"]] and where(root, b["name"]) == [b["path"]]
    assert_conserved(before, file_hashes(root / "data"))


def test_buttons_help_and_a_refusal_shown_on_the_page(page, served, tmp_path):
    root = served.root
    before = file_hashes(root / "data")
    page.keyboard.press("?")
    assert page.is_visible("#help")
    page.keyboard.press("Escape")
    assert page.is_hidden("#help")

    current = api_state(page, served.token)["items"][0]
    with page.expect_response(lambda r: r.url.endswith("/api/decide")):
        page.click("#btn-like")  # a touch screen has no keyboard
    assert where(root, current["name"]) == [f"data/train/like/{current['name']}"]
    with page.expect_response(lambda r: r.url.endswith("/api/undo")):
        page.click("#btn-undo")
    assert where(root, current["name"]) == [current["path"]]
    wait_shown(page, current["name"])

    # The person moves the shown file away in a file manager, then presses `l`.
    src = root / current["path"]
    aside = tmp_path / current["name"]
    os.rename(src, aside)
    try:
        refused = press(page, "l", "/api/decide")
        assert refused.status == 409
        page.wait_for_selector("#toast.error")
        assert said(page.inner_text("#toast"), "safety.move.gone")
        assert shown(page) != current["name"]  # and the page goes on with the next image
        assert not (root / "data" / "train" / "like" / current["name"]).exists()
    finally:
        os.rename(aside, src)
    assert_conserved(before, file_hashes(root / "data"))


def test_a_key_pressed_as_soon_as_the_page_loads_is_not_lost(browser, served):
    root = served.root
    before = file_hashes(root / "data")
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(served.url)  # returns at the load event, before the queue has arrived
        liked = press(page, "l", "/api/decide").json()
        name = re.match(r"Liked (.+) → ", liked["message"])[1]
        assert where(root, name) == [f"data/train/like/{name}"]
        undone = press(page, "u", "/api/undo").json()
        assert name in undone["message"] and len(where(root, name)) == 1
        assert not where(root, name)[0].startswith("data/train/")
    finally:
        context.close()
    assert_conserved(before, file_hashes(root / "data"))


def test_shift_l_judges_a_burst_at_once_and_u_takes_it_back(browser, tiny_model, tmp_path):
    """The page says when the image has look-alikes; Shift+L moves the whole burst, one `u`
    brings every shot back to where it was."""
    from factories.images import make_image

    root = prepare(tmp_path / "ws", tiny_model, n_unlabeled=4)
    burst = [
        make_image(
            root / "data" / "unlabeled" / f"burst_{q}.jpg",
            seed=5,
            quality=q,
            color=(240, 240, 240),
            size=(320, 240),
        )
        for q in (95, 80)
    ]
    before = file_hashes(root / "data")
    server = CliServer(root, konomi_env(tiny_model, tmp_path))
    context = browser.new_context(viewport={"width": 1360, "height": 860})
    try:
        page = context.new_page()
        page.goto(server.url)
        page.wait_for_function("() => document.getElementById('name').textContent !== '–'")
        for _ in range(10):  # skip (moves nothing) until a shot of the burst is on screen
            if shown(page).startswith("burst_"):
                break
            assert press(page, "s", "/api/decide").ok
        else:
            raise AssertionError("the burst never came up")
        assert "1 look-alike wait too" in page.inner_text("#alike")
        other = next(p.name for p in burst if p.name != shown(page))
        assert page.locator("#alike-thumbs img").count() == 1  # the frame a burst decision covers
        assert page.get_attribute("#alike-thumbs img", "alt") == other
        page.screenshot(path=str(tmp_path / "burst.png"))
        liked = press(page, "Shift+L", "/api/decide").json()
        assert liked["ok"] and "look-alikes (1)" in liked["message"]
        for p in burst:
            assert where(root, p.name) == [f"data/train/like/{p.name}"]
        assert press(page, "u", "/api/undo").ok
        for p in burst:
            assert where(root, p.name) == [p.relative_to(root).as_posix()]
        assert press(page, "l", "/api/decide").ok  # a plain like: one file only
        trained = [p for p in burst if where(root, p.name)[0].startswith("data/train/like/")]
        assert len(trained) == 1
        assert press(page, "u", "/api/undo").ok
    finally:
        context.close()
        assert server.stop() == 0, server.out
    assert_conserved(before, file_hashes(root / "data"))


@pytest.fixture(scope="module")
def served_unset(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Iterator[CliServer]:
    """A server with no language set anywhere (konomi.toml, KONOMI_LANG, locale): each browser
    gets its own."""
    root = prepare(tmp_path_factory.mktemp("browser-any") / "ws", tiny_model, size=(640, 480))
    env = konomi_env(tiny_model, root.parent)
    for name in ("KONOMI_LANG", "LC_ALL", "LC_MESSAGES"):
        env.pop(name, None)
    env["LANG"] = "C.UTF-8"
    server = CliServer(root, env)
    server.root = root
    try:
        yield server
    finally:
        assert server.stop() == 0, server.out


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
@pytest.mark.parametrize("lang", ["en", "ja"])
def test_the_first_screen_for_a_first_time_person(served_unset, browser, size, lang):
    """No head id and no AUC on the first screen, the figures one hover away; the sidebar fits
    the window (what does not fit scrolls inside it); the quality line and the screen-reader
    labels in the browser's language."""
    width, height = size
    page = browser.new_page(
        viewport={"width": width, "height": height},
        locale="ja-JP" if lang == "ja" else "en-US",
    )
    try:
        page.goto(served_unset.url)
        page.wait_for_function("() => document.getElementById('name').textContent !== '–'")
        page.wait_for_function("() => document.getElementById('quality').title !== ''")
        page.wait_for_load_state("networkidle")  # previews in, the panel laid out
        current = served_unset.root / "models" / "current.json"
        head = json.loads(current.read_text(encoding="utf-8"))["id"]
        shown = page.inner_text("body")
        assert head not in shown and "AUC" not in shown
        assert head in (page.get_attribute("#quality", "title") or "")
        panel = page.evaluate(
            """() => { const p = document.getElementById('panel'), r = p.getBoundingClientRect();
                return {sw: p.scrollWidth, cw: p.clientWidth, bottom: r.bottom, right: r.right,
                        overflow: getComputedStyle(p).overflowY}; }"""
        )
        widest = page.evaluate(
            """() => [...document.querySelectorAll('#panel *')].map(e => [e.scrollWidth,
                e.id || e.className || e.tagName, (e.textContent || '').slice(0, 60)])
                .sort((a, b) => b[0] - a[0]).slice(0, 3)"""
        )
        assert panel["sw"] <= panel["cw"], f"nothing sticks out sideways: {widest}"
        assert panel["bottom"] <= height and panel["right"] <= width
        assert panel["overflow"] in ("auto", "scroll")
        search = page.locator("#search").bounding_box()
        assert search and search["y"] + search["height"] <= panel["bottom"], "search box fits"
        japanese = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
        for text in (
            page.get_attribute("#search", "aria-label") or "",
            page.get_attribute("#panel", "aria-label") or "",
            page.inner_text("#quality-text"),
        ):
            assert bool(japanese.search(text)) == (lang == "ja"), text
    finally:
        page.close()
