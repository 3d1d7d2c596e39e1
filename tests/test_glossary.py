"""One Japanese term per concept (i18n/glossary.py, docs/glossary.ja.md): no ruled-out variant in
any Japanese the person reads — the catalog, README.ja.md and docs/*.ja.md — and count forms that
say what their sentence says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from messages import said

import konomi
from konomi import i18n
from konomi.i18n import glossary

ROOT = Path(konomi.__file__).parents[2]
GLOSSARY = ROOT / "docs" / "glossary.ja.md"  # names the variants it rules out
PAGES = [ROOT / "README.ja.md", *sorted(set((ROOT / "docs").glob("*.ja.md")) - {GLOSSARY})]


def japanese_texts() -> list[tuple[str, str]]:
    """(where, text) of every Japanese text of the catalog, count forms included."""
    return [
        (f"{key} [{lang}]", text)
        for key, texts in i18n.CATALOG.items()
        for lang, text in texts.items()
        if lang == "ja" or lang.startswith("ja:")
    ]


def test_the_catalog_uses_the_glossarys_terms():
    found = [
        f"{where}: {variant!r} ({why})"
        for where, text in japanese_texts()
        for variant, why in glossary.violations(text)
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_the_japanese_pages_use_the_glossarys_terms(page):
    found = [
        f"{page.name}:{number}: {variant!r} ({why})"
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1)
        for variant, why in glossary.violations(line)
    ]
    assert not found, "\n".join(found)


def test_the_glossary_page_lists_every_term():
    page = GLOSSARY.read_text(encoding="utf-8")
    for term in glossary.TERMS:
        assert term.term in page, term.concept
        for variant in term.ruled_out:
            shown = re.sub(r"\(\?<?[!=][^)]*\)", "", variant)
            assert shown in page, (term.concept, shown)


@pytest.mark.parametrize(
    ("text", "variant"),
    [
        ("学習済みのヘッドがありません", "ヘッド"),
        ("エンコーダを読み込み中", "エンコーダ"),
        ("ブラウザで開きます", "ブラウザ"),
        ("お断りしました。", "お断り"),
        ("0.25 は当てずっぽうと同じ", "当てずっぽう"),
        ("書き間違いではありませんか?", "か?"),
        (
            "取り消しました: a のラベルを取り消しました。",
            "取り消しました: a のラベルを取り消しました",
        ),
        ("星の評価として書き込みます", "星の評価"),
        ("却下した写真", "却下"),
    ],
)
def test_a_ruled_out_variant_is_caught(text, variant):
    assert variant in [found for found, _ in glossary.violations(text)]


def test_the_right_terms_are_not_caught():
    for text in (
        "エンコーダーのプレビュー",
        "ブラウザーで判定ページを開きます",
        "フォルダー（？）",
    ):
        assert glossary.violations(text) == [], text


def test_count_forms_use_the_fields_of_their_message():
    """A zero or one form ("No training image looks mislabelled") fills no field the message
    does not have, names its count field, and renders."""
    for key, texts in i18n.CATALOG.items():
        forms = i18n.forms(texts)
        if not forms:
            continue
        assert texts.get("count") in i18n.fields_of(texts["en"]), key
        for form in forms:
            lang, _, count = form.partition(":")
            assert lang in i18n.LANGUAGES and count in ("0", "1"), (key, form)
            assert i18n.fields_of(texts[form]) <= i18n.fields_of(texts[lang]), (key, form)
            fields = dict.fromkeys(i18n.fields_of(texts[lang]), 1)
            fields[texts["count"]] = int(count)
            assert i18n.t(key, lang, **fields) == texts[form].format_map(
                {"cmd": i18n.command(), **fields}
            ), (key, form)


def test_a_count_form_is_asked_by_its_key():
    """tests.messages.said matches the form a count picks ("1 file left where it is")."""
    one = i18n.t("cli.skipped.left", "en", n=1)
    assert said(one, "cli.skipped.left", n=1) and said(one, "cli.skipped.left")
    assert not said(one, "cli.skipped.left", n=2)
    none = i18n.t("cull.none", "ja", images=0, gap="2")
    assert said(none, "cull.none", images=0) and not said(none, "cull.none", images=5)


def test_zero_suspects_say_there_are_none():
    said = i18n.t("cli.suspects.head", "ja", id="h1", n=60, flagged=0)
    assert "疑いはありません" in said and " 0 枚" not in said
    assert "none looks mislabelled" in i18n.t("cli.suspects.head", "en", id="h1", n=60, flagged=0)
    assert "[bold]3[/] 枚" in i18n.t("cli.suspects.head", "ja", id="h1", n=60, flagged=3)


def test_no_english_plural_is_written_with_parentheses():
    found = [k for k, texts in i18n.CATALOG.items() if "(s)" in texts["en"]]
    assert found in ([], ["cli.usage.extra"]), found  # Typer's words, matched as Typer writes them


def test_times_are_written_as_the_reader_reads_them():
    assert i18n.when("2026-12-07T14:05:00", "ja") == "2026年12月7日 14:05"
    assert i18n.when("2026-12-07T14:05:00", "en") == "7 Dec 2026, 14:05"
    assert i18n.when("not a time", "ja") == "not a time"
    utc = i18n.when("2026-12-07T14:05:00+0000", "ja")  # as heads keep it (time.strftime %z)
    assert utc.startswith("2026年12月") and utc.count(":") == 1


def test_a_librarys_words_are_said_in_japanese_and_kept_for_debugging(monkeypatch):
    monkeypatch.delenv("KONOMI_DEBUG", raising=False)
    original = "image file is truncated (5 bytes not processed)"
    ja = i18n.t("unreadable.truncated", "ja", why=original)
    assert "5 バイトを処理できませんでした" in ja and "truncated" not in ja
    assert original in i18n.t("unreadable.truncated", "en", why=original)
    monkeypatch.setenv("KONOMI_DEBUG", "1")
    assert original in i18n.t("unreadable.truncated", "ja", why=original)
    monkeypatch.delenv("KONOMI_DEBUG")
    offline = i18n.t("errors.model.offline", "ja", repo="a/b", why="LocalEntryNotFoundError")
    assert "Error" not in offline and "オフライン" in offline
    toml = i18n.t(
        "errors.settings.toml_line", "ja", file="konomi.toml", line=2, column=9,
        problem="Invalid value", shown=": model = abc",
    )  # fmt: skip
    assert "2 行目 9 文字目" in toml and "Invalid" not in toml


def test_the_operating_systems_words_are_said_in_japanese(monkeypatch):
    monkeypatch.delenv("KONOMI_DEBUG", raising=False)
    said = i18n.t("errors.os.failed_at", "ja", problem="Permission denied", path="/p/a.jpg")
    assert said == "/p/a.jpg の操作に失敗しました（アクセスが拒否されました）。"
    moved = i18n.t("safety.move.failed", "ja", why="[Errno 28] No space left on device: '/p'")
    assert moved == "移動できませんでした（ディスクに空きがありません）"
    assert i18n.t("safety.move.failed", "ja", why="odd") == "移動できませんでした（odd）"
