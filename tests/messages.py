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
    """Whether `text` holds message `key` (in `lang`, else in any language of the catalog), in
    any of its count forms ("1 file" as well as "{n} files")."""
    languages = [lang] if lang else LANGUAGES
    counted = CATALOG[key].get("count", "")

    def fits(form: str) -> bool:  # a count form ("en:1") only where the count asked is its number
        language, _, number = form.partition(":")
        return language in languages and not (number and str(fields.get(counted, number)) != number)

    forms = [form for form in CATALOG[key] if fits(form)]
    return any(pattern(key, form, **fields).search(text) for form in forms)
