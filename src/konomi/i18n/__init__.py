"""One message catalog for everything a person reads: the CLI, the review page, the report.

Each message has a key and a text per language (English and Japanese), with `{name}` fields
filled by `str.format`: whole sentences are translated, never glued from fragments. The texts
live in the area modules beside this file (`core`, `loop`, …); this module merges them, checks
that every key exists in every language, and picks the language:

1. `language = "ja" | "en"` in konomi.toml (the CLI calls `set_language` once it has read it);
2. else `KONOMI_LANG`;
3. else the locale: `LC_ALL`, `LC_MESSAGES`, `LANG` — the first one set — beginning with `ja`.
"""

from __future__ import annotations

import os

from konomi.i18n import batch, core

LANGUAGES = ("en", "ja")
DEFAULT = "en"

_AREAS = (core.MESSAGES, batch.MESSAGES)


def _merge() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for area in _AREAS:
        for key, texts in area.items():
            if key in merged:
                raise RuntimeError(f"message key {key!r} is defined twice")
            merged[key] = texts
    return merged


CATALOG = _merge()
_chosen: str | None = None


def from_environment() -> str:
    """The language the environment asks for: KONOMI_LANG, else the locale, else English."""
    asked = os.environ.get("KONOMI_LANG", "").strip().lower()
    if asked:
        return asked[:2] if asked[:2] in LANGUAGES else DEFAULT
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "ja" if value.lower().startswith("ja") else DEFAULT
    return DEFAULT


def set_language(language: str | None) -> None:
    """Use `language` from now on (None: from the environment again)."""
    global _chosen
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    _chosen = language


def language() -> str:
    """The language messages are shown in now."""
    return _chosen or from_environment()


def t(key: str, lang: str | None = None, /, **fields: object) -> str:
    """The message `key` in the language in force (or `lang`), with its fields filled."""
    texts = CATALOG[key]
    text = texts.get(lang or language()) or texts[DEFAULT]
    return text.format(**fields) if fields else text


def missing() -> list[tuple[str, str]]:
    """(key, language) of every text the catalog lacks: a test keeps this empty."""
    return [(k, lang) for k, texts in CATALOG.items() for lang in LANGUAGES if not texts.get(lang)]
