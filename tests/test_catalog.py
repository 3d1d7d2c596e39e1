"""The message catalog: every message in both languages, with the same fields in each, and each
renders."""

from __future__ import annotations

import pytest

from konomi import i18n


def test_every_message_exists_in_both_languages():
    assert i18n.missing() == []


@pytest.mark.parametrize("key", sorted(i18n.CATALOG))
def test_both_languages_use_the_same_fields_and_render(key):
    texts = i18n.CATALOG[key]
    en, ja = i18n.fields_of(texts["en"]), i18n.fields_of(texts["ja"])
    assert en == ja, f"{key}: English fields {en}, Japanese fields {ja}"
    values = {name: 1 for name in en}  # a number suits every format spec ({n:,} {x:.2f})
    for lang in i18n.LANGUAGES:
        assert i18n.t(key, lang, **values)


def test_the_language_comes_from_the_setting_then_the_environment(monkeypatch):
    monkeypatch.delenv("KONOMI_LANG", raising=False)
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    assert i18n.from_environment() == "ja"
    monkeypatch.setenv("KONOMI_LANG", "en")
    assert i18n.from_environment() == "en"
    i18n.set_language("ja")
    try:
        assert i18n.language() == "ja" and i18n.t("error.prefix") == "エラー:"
    finally:
        i18n.set_language(None)
    assert i18n.language() == "en"


def test_hints_name_the_command_one_way(monkeypatch):
    monkeypatch.delenv("KONOMI_COMMAND", raising=False)
    assert i18n.command() == "uv run konomi"
    monkeypatch.setenv("KONOMI_COMMAND", "konomi")
    assert i18n.command() == "konomi"
    literal = [
        k for k, texts in i18n.CATALOG.items() for v in texts.values() if "uv run konomi" in v
    ]
    assert literal == [], "write {cmd} where a hint names a konomi command"
