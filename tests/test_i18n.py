"""The message catalog: every message in English and Japanese, and the language chosen as
documented — konomi.toml's `language`, else KONOMI_LANG, else the locale (real CLI runs)."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

import konomi
from konomi.i18n import CATALOG, LANGUAGES, from_environment, missing, set_language, t
from konomi.settings import KNOWN

CLI = Path(konomi.__file__).parent / "cli"
JA = {"KONOMI_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "ja_JP.UTF-8"}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_message_exists_in_both_languages_with_the_same_fields():
    assert missing() == []
    for key, texts in CATALOG.items():
        assert set(texts) >= set(LANGUAGES), key
        assert fields(texts["en"]) == fields(texts["ja"]), key
        if key.startswith("cli.") and re.search("[A-Za-z]{3,} [A-Za-z]{3,}", texts["en"]):
            assert texts["en"] != texts["ja"], key  # a sentence, left untranslated


def test_init_explains_every_setting_in_both_languages():
    for key in KNOWN:
        assert f"init.key.{key}" in CATALOG, key


def test_the_cli_prints_no_text_of_its_own():
    """Every sentence the commands print comes from the catalog: no literal prose in a print."""
    literal = re.compile(r'\.print\(\s*f?"([^"]*)"')
    for path in CLI.glob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            for text in literal.findall(line):
                # not prose: fields, markup, and the product's own name
                words = re.sub(r"\{[^}]*\}|\[[^\]]*\]|konomi\.toml|\bkonomi\b", "", text)
                assert not re.search("[A-Za-z]{3}", words), (path.name, line)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"KONOMI_LANG": "ja"}, "ja"),
        ({"KONOMI_LANG": "", "LC_ALL": "", "LC_MESSAGES": "", "LANG": "ja_JP.UTF-8"}, "ja"),
        ({"KONOMI_LANG": "", "LC_ALL": "C.UTF-8", "LANG": "ja_JP.UTF-8"}, "en"),
        ({"KONOMI_LANG": "en", "LANG": "ja_JP.UTF-8"}, "en"),
    ],
)
def test_the_environment_picks_the_language(monkeypatch, env, expected):
    for name in ("KONOMI_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert from_environment() == expected
    set_language(None)
    assert t("cli.undo.nothing") == CATALOG["cli.undo.nothing"][expected]


def test_a_japanese_locale_gets_japanese_messages_and_errors(workspace, konomi):
    ws = workspace(n_like=3, n_dislike=3, n_unlabeled=0)
    nothing = konomi("undo", root=ws.root, env=JA, check=True)
    assert nothing.out.strip() == "元に戻す操作はありません。"
    refused = konomi("models", "use", "../elsewhere", root=ws.root, env=JA)
    assert refused.code == 1
    assert "エラー:" in refused.err and "判定モデルの ID ではありません" in refused.err
    made = konomi("init", ws.root / "new", env=JA, check=True)
    assert "作業フォルダーを作りました" in made.out and "次にすること" in made.out


def test_konomi_toml_language_wins_over_the_environment(workspace, konomi):
    ws = workspace(n_like=3, n_dislike=3, n_unlabeled=0)
    (ws.root / "konomi.toml").write_text('language = "en"\n', encoding="utf-8")
    english = konomi("undo", root=ws.root, env=JA, check=True)
    assert english.out.strip() == "Nothing to undo."
    (ws.root / "konomi.toml").write_text('language = "ja"\n', encoding="utf-8")
    japanese = konomi("undo", root=ws.root, env={"KONOMI_LANG": "en"}, check=True)
    assert japanese.out.strip() == "元に戻す操作はありません。"
