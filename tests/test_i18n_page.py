"""Japanese and English for the review page, the HTML report and the errors below the CLI.

The catalog holds both languages for every key, with the same fields; the review page follows the
browser when nothing is set and the setting when one is; the report is written in the language in
force; and an error in konomi.toml is explained in Japanese under a Japanese locale, although the
language setting itself could not be read.
"""

from __future__ import annotations

import json
import re
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from factories.images import make_image
from factories.models import konomi_env
from test_review_server import CliServer, prepare

from konomi import i18n
from konomi.app.reports import html as html_report

CHROMIUM = Path("/usr/bin/chromium")
AREAS = ("page.", "report.", "errors.")


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# -- the catalog ----------------------------------------------------------------------------------
def test_every_page_report_and_error_message_exists_in_both_languages_with_the_same_fields():
    keys = [k for k in i18n.CATALOG if k.startswith(AREAS)]
    assert len(keys) > 150
    assert not [m for m in i18n.missing() if m[0].startswith(AREAS)]
    for key in keys:
        texts = i18n.CATALOG[key]
        assert set(texts) - {"count", *i18n.forms(texts)} == {"en", "ja"}, key
        assert fields(texts["en"]) == fields(texts["ja"]), key
        words = re.sub(r"\{\w+\}|<[^>]+>", "", texts["en"])
        if re.search(r"[A-Za-z]{3,}", words):
            assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", texts["ja"]), f"{key} is English"
    # The page's HTML-bearing texts hold only the catalog's own markup.
    for key in keys:
        for text in i18n.CATALOG[key].values():
            assert set(re.findall(r"</?(\w+)", text)) <= {"kbd", "code", "em"}, key


def test_the_language_of_a_browser_and_of_the_environment(monkeypatch):
    assert i18n.from_browser("ja-JP,ja;q=0.9,en;q=0.8") == "ja"
    assert i18n.from_browser("en-US,ja;q=0.5") == "en"
    assert i18n.from_browser(None) == "en"
    for name in ("KONOMI_LANG", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    assert i18n.requested() is None and i18n.from_environment() == "ja"
    monkeypatch.setenv("KONOMI_LANG", "en")
    assert i18n.requested() == "en" and i18n.from_environment() == "en"


# -- errors in konomi.toml, before the language setting could be read -----------------------------
def run_cli(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "konomi", *args, "--root", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


@pytest.mark.parametrize(
    "toml", ["like_treshold = 0.8\n", 'language = "en"\nlike_treshold = 0.8\n']
)
def test_a_misspelled_key_is_refused_in_the_locales_language(toml, tiny_model, tmp_path):
    root = tmp_path / "ws"
    (root / "data/train/like").mkdir(parents=True)
    (root / "data/train/dislike").mkdir(parents=True)
    (root / "konomi.toml").write_text(toml, encoding="utf-8")
    env = {
        k: v
        for k, v in konomi_env(tiny_model, tmp_path).items()
        if k not in ("LC_ALL", "LC_MESSAGES", "KONOMI_LANG")  # the locale decides here
    }

    ja = run_cli(root, {**env, "LANG": "ja_JP.UTF-8"}, "train")
    assert ja.returncode != 0
    assert "'like_treshold' という設定キーはありません" in ja.stderr, ja.stderr
    assert "'like_threshold' の書き間違いではありませんか" in ja.stderr
    line = 2 if "language" in toml else 1
    assert f"konomi.toml の {line} 行目" in ja.stderr

    en = run_cli(root, {**env, "LANG": "C.UTF-8"}, "train")
    assert en.returncode != 0
    assert "unknown key 'like_treshold' — did you mean 'like_threshold'?" in en.stderr, en.stderr

    # KONOMI_LANG wins over the locale.
    chosen = run_cli(root, {**env, "LANG": "ja_JP.UTF-8", "KONOMI_LANG": "en"}, "train")
    assert "did you mean 'like_threshold'?" in chosen.stderr, chosen.stderr


# -- the report in Japanese -----------------------------------------------------------------------
def test_the_report_is_written_in_the_language_in_force(workspace, konomi, tiny_model):
    ws = workspace(n_like=10, n_dislike=10, n_unlabeled=4)
    name = "data/unlabeled/夕焼けの海辺.jpg"
    make_image(ws.root / name, color=(230, 110, 60), seed=9)
    konomi("train", root=ws.root, check=True)

    konomi("report", root=ws.root, env={"KONOMI_LANG": "ja"}, check=True)
    text = (ws.root / "reports/index.html").read_text(encoding="utf-8")
    assert '<html lang="ja">' in text
    for words in ("すべての画像（スコア順）", "疑わしいラベル", "枚の画像を判定モデル", "交差検証"):
        assert words in text
    messages = json.loads(re.search(r'id="messages">(.*?)</script>', text, re.S).group(1))
    assert messages["label.unsure"] == "保留"
    assert name in html_report.page_data(text)["p"]  # the name as it is, never escaped away

    (ws.root / "konomi.toml").write_text('language = "en"\n', encoding="utf-8")
    konomi("report", root=ws.root, env={"KONOMI_LANG": "ja"}, check=True)
    text = (ws.root / "reports/index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in text and "All images, by score" in text
    assert not re.search(r"[\u3040-\u30ff]", text.replace(name, ""))


# -- the review page in Chromium ------------------------------------------------------------------
@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Path:
    return prepare(tmp_path_factory.mktemp("i18n") / "ws", tiny_model)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        try:
            yield chromium
        finally:
            chromium.close()


def serve(root: Path, model: Path, **env: str) -> Iterator[CliServer]:
    base = konomi_env(model, root.parent)
    base.pop("KONOMI_LANG", None)  # the page's own language is under test: nothing forces one
    server = CliServer(root, {**base, **env})
    try:
        yield server
    finally:
        assert server.stop() == 0, server.out


def open_page(browser, server: CliServer, locale: str) -> dict[str, str]:
    context = browser.new_context(locale=locale)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(server.url)
        page.wait_for_function(
            "() => /\\d/.test(document.getElementById('progress-text').textContent)"
        )
        page.keyboard.press("?")
        seen = page.evaluate(
            """() => ({
                lang: document.documentElement.lang,
                like: document.querySelector('#btn-like .what').textContent,
                progress: document.getElementById('progress-text').textContent,
                help: document.getElementById('help-title').textContent,
                helpLike: document.querySelector('[data-i18n-html="help.like"]').innerHTML,
                caption: document.querySelector('[data-i18n="caption.proposal"]').textContent,
                proposal: document.getElementById('proposal').textContent,
                title: document.title,
            })"""
        )
        page.keyboard.press("Escape")
        # The server's own answers come in the page's language too.
        with page.expect_response(lambda r: r.url.endswith("/api/decide")):
            page.keyboard.press("s")
        page.wait_for_function(
            "() => !document.getElementById('toast').classList.contains('hidden')"
        )
        seen["skipped"] = page.inner_text("#toast")
        with page.expect_response(lambda r: r.url.endswith("/api/undo")):
            page.keyboard.press("u")
        assert not errors, errors
        return seen
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (/usr/bin/chromium)")
def test_the_review_page_follows_the_browser_unless_a_language_is_set(
    browser, prepared, tiny_model, tmp_path
):
    import shutil

    root = Path(shutil.copytree(prepared, tmp_path / "ws", symlinks=True))
    for server in serve(root, tiny_model):
        ja = open_page(browser, server, "ja-JP")
        en = open_page(browser, server, "en-US")
    assert ja["lang"] == "ja" and ja["like"] == "好き" and ja["help"] == "キーボード操作"
    assert "残り" in ja["progress"] and ja["caption"] == "判定モデルの提案"
    assert ja["proposal"] in ("好き", "好きでない", "保留") and "判定" in ja["title"]
    assert "<code>data/train/like/</code>" in ja["helpLike"] and "へ移します" in ja["helpLike"]
    assert "をスキップしました" in ja["skipped"], ja["skipped"]
    assert en["lang"] == "en" and en["like"] == "Like" and "left" in en["progress"]
    assert en["skipped"].startswith("Skipped "), en["skipped"]

    # konomi.toml's language wins over the browser's.
    (root / "konomi.toml").write_text('language = "en"\n', encoding="utf-8")
    for server in serve(root, tiny_model):
        forced = open_page(browser, server, "ja-JP")
    assert forced["lang"] == "en" and forced["like"] == "Like" and forced["help"] == "Keyboard"

    # And so does KONOMI_LANG when konomi.toml says nothing.
    (root / "konomi.toml").unlink()
    for server in serve(root, tiny_model, KONOMI_LANG="ja"):
        asked = open_page(browser, server, "en-US")
    assert asked["lang"] == "ja" and asked["like"] == "好き"
