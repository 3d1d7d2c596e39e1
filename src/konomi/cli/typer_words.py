"""Typer's own words — panel titles, "[default: …]", usage errors — in the language in force.

The help texts and every message of konomi come from the catalog. Typer adds words of its own:
panel titles and "[default: …]" (module constants of `typer.rich_utils`, made once with gettext,
for which no Japanese catalog exists) and usage errors ("No such option: --forc", built in
English by Typer's copy of click). In another language than English, `speak()` sets those
constants from the catalog (`cli.typer.*`) and has Typer's error printer say the common usage
errors with `cli.usage.*`; a detail that only the library can word (why a value does not parse)
is kept in its words, in parentheses, like an operating system's error text. "Usage:" and the
help option's own line are written into Typer's copy of click and stay English.

Only outside English, since it costs Typer's help module (0.1 s) at start-up, and only what
Typer still has in the shape it has today: an upgrade that moves these things leaves them
English, never broken.
"""

from __future__ import annotations

import re
from typing import Any

from konomi import i18n
from konomi.i18n import t

# Typer's fixed words, and the catalog keys that say them.
CONSTANTS = {
    "OPTIONS_PANEL_TITLE": "cli.typer.options",
    "COMMANDS_PANEL_TITLE": "cli.typer.commands",
    "ARGUMENTS_PANEL_TITLE": "cli.typer.arguments",
    "ERRORS_PANEL_TITLE": "cli.typer.error",
    "ABORTED_TEXT": "cli.typer.aborted",
    "DEFAULT_STRING": "cli.typer.default",
    "ENVVAR_STRING": "cli.typer.env_var",
    "REQUIRED_LONG_STRING": "cli.typer.required",
    "DEPRECATED_STRING": "cli.typer.deprecated",
    "RICH_HELP": "cli.typer.try_help",
}
_NO_SUCH_COMMAND = re.compile(
    r"No such command '(?P<name>.*?)'\.(?: Did you mean '(?P<near>.*?)'\?)?"
)
_EXTRA = re.compile(r"Got unexpected extra argument(?:\(s\)|s)? \((?P<args>.*)\)")


def speak() -> None:
    """Typer's words in the language in force, when it is not English."""
    if i18n.language() == "en":
        return
    from typer import rich_utils

    for name, key in CONSTANTS.items():
        if isinstance(getattr(rich_utils, name, None), str):
            setattr(rich_utils, name, i18n.template(key).replace("{value}", "{}"))
    show = getattr(rich_utils, "rich_format_error", None)
    if show is None or getattr(show, "konomi", False):
        return

    def show_in_language(exc: Any) -> None:
        said = usage_error(exc)
        if said is not None:
            exc.format_message = lambda: said  # this error only
        show(exc)

    show_in_language.konomi = True  # type: ignore[attr-defined]
    rich_utils.rich_format_error = show_in_language  # type: ignore[assignment]


def usage_error(exc: Any) -> str | None:
    """A usage error of Typer in the catalog's words; None for one it does not know."""
    kind = type(exc).__name__
    message = str(getattr(exc, "message", "") or "")
    if kind == "NoSuchOption":
        near = sorted(getattr(exc, "possibilities", None) or [])
        if near:
            return t("cli.usage.no_such_option_near", option=exc.option_name, near=", ".join(near))
        return t("cli.usage.no_such_option", option=exc.option_name)
    if kind in ("MissingParameter", "BadParameter"):
        param = getattr(exc, "param", None)
        hint = exc.param_hint if exc.param_hint is not None else param and param.get_error_hint()
        if isinstance(hint, (list, tuple)):
            hint = " / ".join(map(str, hint))
        if kind == "MissingParameter" and hint:
            return t("cli.usage.missing", param=hint)
        if kind == "BadParameter" and hint:
            return t("cli.usage.bad_value", param=hint, detail=message)
        return None
    if kind == "UsageError":
        found = _NO_SUCH_COMMAND.fullmatch(message)
        if found and found["near"]:
            return t("cli.usage.no_such_command_near", name=found["name"], near=found["near"])
        if found:
            return t("cli.usage.no_such_command", name=found["name"])
        found = _EXTRA.fullmatch(message)
        if found:
            return t("cli.usage.extra", args=found["args"])
    return None
