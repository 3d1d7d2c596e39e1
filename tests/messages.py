"""Asking whether a message was shown, by its catalog key, not by its words.

A test that matches English words breaks when a translator rewords a message, and says nothing
in Japanese. `said(text, key)` asks whether `text` (a command's output, an error's message, a
reason) holds the message `key` in the language it was shown in: the catalog's own template,
with the fields a test names filled in and the others matching anything. Rich may fold a long
line, so any run of white space matches any other, and rich's markup (`[bold]`) is left out.
In the same process, `konomi.i18n.recording` lists the keys rendered instead.

    assert said(result.err, "errors.journal.damaged")
    assert said(result.out, "cli.undo.done", kind=word("cli.undo.kind.classify"), n=7)
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable

from konomi.i18n import CATALOG, DEFAULT, LANGUAGES, command, t

RICH_TAG = re.compile(r"\[/?[a-z][a-z0-9 _.#-]*\]|\[/\]")


def word(key: str) -> Callable[[str], str]:
    """A field that is itself a message (`kind=word("cli.undo.kind.classify")`): filled in the
    language the whole message is matched in."""
    return lambda lang: t(key, lang)


def pattern(key: str, lang: str = DEFAULT, /, **fields: object) -> re.Pattern[str]:
    """A regular expression for message `key` in `lang`, fields given filled, others free.
    `lang` may name one of the message's count forms (`"en:1"`)."""
    template = CATALOG[key][lang]
    lang = lang.partition(":")[0]
    parts: list[str] = []
    for literal, name, spec, conversion in string.Formatter().parse(template):
        literal = RICH_TAG.sub("", literal)  # rich renders its markup away
        parts += [r"\s+" if chunk.isspace() else re.escape(chunk)
                  for chunk in re.split(r"(\s+)", literal) if chunk]  # fmt: skip
        if name is None:
            continue
        if name == "cmd":
            value: object = command()
        elif name in fields:
            value = fields[name]
            value = value(lang) if callable(value) else value
        else:
            parts.append(r".*?")
            continue
        value = repr(value) if conversion == "r" else value
        parts.append(re.escape(format(value, spec or "")))
    return re.compile("".join(parts), re.DOTALL)


def said(text: str, key: str, /, lang: str | None = None, **fields: object) -> bool:
    """Whether `text` holds message `key` (in `lang`, else in any language of the catalog): in
    the count form its count field picks ("1 image", "No image"), or in any form when a test
    leaves that field out."""
    return any(
        pattern(key, form, **fields).search(text)
        for language in ([lang] if lang else LANGUAGES)
        for form in _forms(key, language, fields)
    )


def _forms(key: str, lang: str, fields: dict[str, object]) -> list[str]:
    """The texts of `key` in `lang` that `fields` may have rendered: the one its count picks,
    else the language's text and each of its count forms."""
    texts = CATALOG[key]
    counted = texts.get("count")
    forms = [f for f in texts if f.startswith(f"{lang}:")]
    if counted is None or not forms:
        return [lang]
    if counted not in fields:
        return [lang, *forms]
    count = fields[counted]
    form = f"{lang}:{count}" if isinstance(count, int) and count in (0, 1) else None
    return [form] if form in texts else [lang]
