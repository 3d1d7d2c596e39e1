"""One message catalog for everything a person reads: the CLI, the review page, the report.

Each message has a key and a text per language (English and Japanese), with `{name}` fields
filled by `str.format`: whole sentences are translated, never glued from fragments. The texts
live in the area modules listed in `_AREAS` below; this module merges them (a key defined
twice is an error; `missing` lists a text a language lacks, and a test keeps it empty) and picks
the language:

1. `language = "ja" | "en"` in konomi.toml (the CLI calls `set_language` once it has read it);
2. else `KONOMI_LANG`;
3. else the locale: `LC_ALL`, `LC_MESSAGES`, `LANG` — the first one set — beginning with `ja`.

The review page is the exception to 3: when neither konomi.toml nor KONOMI_LANG says, it follows
the browser (`from_browser`), and its server answers each request in the page's language
(`speaking` sets a language for one block of one thread).

Hints name commands with `{cmd}` (`konomi`, `uv run konomi` in a checkout, or what KONOMI_COMMAND
says), never literally, and the commands that add an extra with `{install_ray}` and
`{install_parquet}`, and the one that reinstalls its dependencies with `{reinstall}` (as konomi
was installed: see konomi.i18n.installed). A message kept on disk is its key and fields (`kept`),
shown later in the language in force then (`shown`). `recording` lists the keys rendered inside
a block, so that a test asks "was this message shown" instead of matching its words.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import string
from collections.abc import Iterator
from contextvars import ContextVar

from konomi.i18n import (
    batch,
    cli,
    core,
    cull,
    details,
    errors,
    formats,
    help,
    installed,
    library,
    page,
    refusals,
    safety,
    simulate,
    start,
    text,
)

LANGUAGES = ("en", "ja")
DEFAULT = "en"

_AREAS = (
    batch.MESSAGES,
    cli.MESSAGES,
    core.MESSAGES,
    details.MESSAGES,
    cull.MESSAGES,
    errors.MESSAGES,
    formats.MESSAGES,
    help.MESSAGES,
    library.MESSAGES,
    page.MESSAGES,
    refusals.MESSAGES,
    safety.MESSAGES,
    simulate.MESSAGES,
    start.MESSAGES,
    text.MESSAGES,
)


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
_heard: list[str] | None = None  # the keys `t` renders while `recording` is on
_speaking: ContextVar[str | None] = ContextVar("konomi_speaking", default=None)


def requested() -> str | None:
    """The language KONOMI_LANG asks for; None when it is not set."""
    asked = os.environ.get("KONOMI_LANG", "").strip().lower()
    if asked:
        return asked[:2] if asked[:2] in LANGUAGES else DEFAULT
    return None


def from_browser(accept_language: str | None) -> str:
    """The language a browser asks for (its Accept-Language header): Japanese first, or English."""
    first = (accept_language or "").split(",")[0].strip().lower()
    return "ja" if first.startswith("ja") else DEFAULT


def from_environment() -> str:
    """The language the environment asks for: KONOMI_LANG, else the locale, else English."""
    asked = requested()
    if asked:
        return asked
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


@contextlib.contextmanager
def speaking(language: str | None) -> Iterator[None]:
    """Messages in `language` inside the block, in this thread only (None: no change).

    For work that has its own language at hand — a workspace's konomi.toml, the page a request
    came from — while the process may be speaking another.
    """
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}")
    token = _speaking.set(language or _speaking.get())
    try:
        yield
    finally:
        _speaking.reset(token)


def language() -> str:
    """The language messages are shown in now."""
    return _speaking.get() or _chosen or from_environment()


def command() -> str:
    """How the person runs konomi, as hints should name it (`{cmd}` in a message)."""
    return installed.command()


class _Implied(dict[str, object]):
    """A message's fields, with the ones every message may use filled on demand: `{cmd}`, and
    `{install_ray}` / `{install_parquet}` (the command that adds that extra to this install)."""

    def __missing__(self, key: str) -> object:
        if key == "cmd":
            return command()
        if key == "reinstall":
            return installed.reinstall()
        if key.startswith("install_"):
            return installed.extra_install(key.removeprefix("install_"))
        raise KeyError(key)


def t(key: str, lang: str | None = None, /, **fields: object) -> str:
    """The message `key` in the language in force (or `lang`), with its fields filled;
    `{cmd}` is how the person runs konomi.

    A message may have forms for a count (`"en:0"`, `"ja:0"`, `"en:1"`, chosen by the field its
    `"count"` names) — "No suspect labels", not "0 suspect label(s)" — and a field that holds a
    library's words is said in the catalog's words outside English (`details`)."""
    texts = CATALOG[key]
    if _heard is not None:
        _heard.append(key)
    lang = lang or language()
    if lang != DEFAULT and key in details.FIELDS:
        fields = _library_words(key, lang, fields)
    return _form(texts, lang, fields).format_map(_Implied(fields))


@contextlib.contextmanager
def recording() -> Iterator[list[str]]:
    """The keys of every message rendered inside the block, in order (all threads): a test asks
    `"cli.undo.nothing" in heard` instead of matching words that a translator may change."""
    global _heard
    outer, _heard = _heard, []
    try:
        yield _heard
    finally:
        _heard = outer


def _form(texts: dict[str, str], lang: str, fields: dict[str, object]) -> str:
    """The text of `lang` for the count in `fields` (its zero or one form, where it has one)."""
    counted = texts.get("count")
    if counted is not None:
        count = fields.get(counted)
        form = {0: "0", 1: "1"}.get(count) if isinstance(count, int) else None
        if form and f"{lang}:{form}" in texts:
            return texts[f"{lang}:{form}"]
    return texts.get(lang) or texts[DEFAULT]


def _library_words(key: str, lang: str, fields: dict[str, object]) -> dict[str, object]:
    """`fields` with the library's words of message `key` in the catalog's words."""
    name, kind = details.FIELDS[key]
    original = str(fields.get(name, ""))
    found = details.known(kind, original)
    if found is None:
        return fields
    said = t(found[0], lang, **found[1])
    if details.showing_originals():
        said = t("detail.original", lang, said=said, original=original)
    return {**fields, name: said}


def kept(key: str, /, **fields: object) -> str:
    """A message to keep on disk and show later, in the language in force then: its key and
    fields as JSON (`shown` renders it). The cache keeps why a file is unreadable this way, so
    a verdict reached in one language reads right in the other."""
    plain = {k: v if isinstance(v, (int, float)) else str(v) for k, v in fields.items()}
    return json.dumps({"key": key, "fields": plain}, ensure_ascii=False)


def shown(text: str) -> str:
    """A message kept by `kept`, in the language in force; any other text (words written by an
    older konomi) as it is."""
    if not text.startswith('{"key"'):
        return text
    try:
        said = json.loads(text)
        return t(said["key"], **said["fields"])
    except (ValueError, KeyError, TypeError, IndexError):
        return text


def when(moment: object, lang: str | None = None) -> str:
    """A time as the reader's language writes it: "7 Dec 2026, 14:05" or "2026年12月7日 14:05",
    in local time. `moment` is a datetime, an ISO 8601 text (what konomi keeps on disk) or
    seconds since the epoch; anything else is shown as it is."""
    if isinstance(moment, (int, float)) and not isinstance(moment, bool):
        moment = dt.datetime.fromtimestamp(moment)
    elif isinstance(moment, str):
        text = moment
        try:
            iso = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", text.strip().replace("Z", "+00:00"))
            moment = dt.datetime.fromisoformat(iso)  # Python 3.10 reads only this form
        except ValueError:
            return text
    if not isinstance(moment, dt.datetime):
        return "" if moment is None else str(moment)
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    month = t(f"time.month.{moment.month}", lang)
    return t(
        "time.when",
        lang,
        year=moment.year,
        month=month,
        day=moment.day,
        hour=moment.hour,
        minute=f"{moment.minute:02d}",
    )


def template(key: str, lang: str | None = None) -> str:
    """The message `key` with its fields left for a page's script to fill (only `{cmd}` is
    filled here): the texts the review page and the report show."""
    texts = CATALOG[key]
    return (texts.get(lang or language()) or texts[DEFAULT]).replace("{cmd}", command())


def fields_of(text: str) -> set[str]:
    """The `{name}` fields a message text uses."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def forms(texts: dict[str, str]) -> list[str]:
    """The count forms a message has beside its two languages (`"ja:0"`, …)."""
    return [k for k in texts if ":" in k]


def missing() -> list[tuple[str, str]]:
    """(key, language) of every text the catalog lacks: a test keeps this empty."""
    return [(k, lang) for k, texts in CATALOG.items() for lang in LANGUAGES if not texts.get(lang)]
