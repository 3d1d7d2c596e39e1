"""Typer's own words — panel titles, "[default: …]", usage errors — in the language in force.

The help texts and every message of konomi come from the catalog. Typer adds words of its own:
panel titles and "[default: …]" (module constants of `typer.rich_utils`, made once with gettext,
for which no Japanese catalog exists) and usage errors ("No such option: --forc", built in
English by Typer's copy of click). In another language than English, `speak()` sets those
constants from the catalog (`cli.typer.*`) and has Typer's error printer say the common usage
errors with `cli.usage.*`; a detail that only the library can word (why a value does not parse)
is said in the catalog's words for the common cases (a number out of range, not a number, not
one of the choices), the library's own words kept for `KONOMI_DEBUG=1`. "Usage:", the usage
line's `[OPTIONS]`, the help option's line and the value tags (`<int>`; none for a flag) are
Typer's too, and said in the catalog's words the same way.

Whatever the language, rich's tables and paragraphs break lines where Japanese breaks
(`cli.wrap`): a Japanese file name may turn up in English output too.

Only outside English, since it costs Typer's help module (0.1 s) at start-up, and only what
Typer still has in the shape it has today: an upgrade that moves these things leaves them
English, never broken.
"""

from __future__ import annotations

import os
import re
from typing import Any

from konomi import i18n
from konomi.cli import wrap
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
# The library's words for why a value does not parse, and the catalog's key for each.
_VALUE = (
    (re.compile(r"Input should be less than or equal to (?P<n>\S+)"), "cli.usage.value.le"),
    (re.compile(r"Input should be greater than or equal to (?P<n>\S+)"), "cli.usage.value.ge"),
    (re.compile(r"Input should be less than (?P<n>\S+)"), "cli.usage.value.lt"),
    (re.compile(r"Input should be greater than (?P<n>\S+)"), "cli.usage.value.gt"),
    (re.compile(r"Input should be a valid integer\b.*"), "cli.usage.value.int"),
    (re.compile(r"Input should be a (?:valid|finite) number\b.*"), "cli.usage.value.float"),
    (re.compile(r"Input should be a valid boolean\b.*"), "cli.usage.value.bool"),
    (re.compile(r"Input should be (?P<choices>'.*'(?:,? or '.*')?)"), "cli.usage.value.choice"),
    (
        re.compile(r"(?:Path|File|Directory) '?(?P<path>.*?)'? does not exist\.?"),
        "cli.usage.value.exists",
    ),
)
# The value tags of help screens (`<int>`), by what Typer writes between < and >.
_TAGS = {
    "str": "cli.typer.type.str",
    "int": "cli.typer.type.int",
    "int range": "cli.typer.type.int",
    "float": "cli.typer.type.float",
    "float range": "cli.typer.type.float",
    "path": "cli.typer.type.path",
    "file": "cli.typer.type.file",
    "dir": "cli.typer.type.dir",
    "datetime": "cli.typer.type.datetime",
}


def speak() -> None:
    """Typer's words in the language in force, when it is not English."""
    wrap.install()
    if i18n.language() == "en":
        return
    from typer import rich_utils

    _speak_click()

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
            said = value_error(message)
            if said is None:
                return t("cli.usage.bad_value", param=hint, detail=message)
            return t("cli.usage.bad_value_said", param=hint, said=said) + (
                t("cli.usage.original", detail=message) if _debug() else ""
            )
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


def value_error(detail: str) -> str | None:
    """Why a value does not parse, in the catalog's words; None for a reason it does not know."""
    for pattern, key in _VALUE:
        found = pattern.fullmatch(detail.strip())
        if found:
            fields = found.groupdict()
            if "choices" in fields:
                fields["choices"] = ", ".join(re.findall(r"'([^']*)'", fields["choices"]))
            return t(key, **fields)
    return None


def _debug() -> bool:
    return os.environ.get("KONOMI_DEBUG", "") not in ("", "0")


_spoken = False


def _speak_click() -> None:
    """The words "Usage:", the usage line's metavars, the help option's line and the value
    tags in the language in force (once per process), while Typer's copy of click has the shape
    it has. Each replacement asks the catalog when it draws, so a language set later (from
    konomi.toml) is followed; the catalog's English is Typer's own, so English is unchanged."""
    global _spoken
    if _spoken:
        return
    try:
        from typer import core
        from typer._click import core as click_core
        from typer._click import formatting
    except ImportError:
        return
    write_usage = getattr(formatting.HelpFormatter, "write_usage", None)
    help_option = getattr(click_core.Command, "get_help_option", None)
    if write_usage is None or help_option is None:
        return

    def usage_in_language(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        for key in ("cli.typer.command_metavar", "cli.typer.options_metavar"):
            args = args.replace(t(key, "en"), t(key))
        write_usage(self, prog, args, t("cli.typer.usage") if prefix is None else prefix)

    def help_option_in_language(self: Any, ctx: Any) -> Any:
        option = help_option(self, ctx)
        if option is not None and getattr(option, "help", None) == t("cli.typer.help_option", "en"):
            option.help = t("cli.typer.help_option")
        return option

    formatting.HelpFormatter.write_usage = usage_in_language  # type: ignore[method-assign]
    click_core.Command.get_help_option = help_option_in_language  # type: ignore[method-assign]
    for kind in (core.TyperOption, core.TyperArgument):
        shown = getattr(kind, "display_type_rich", None)
        if shown is not None:
            kind.display_type_rich = _tag_in_language(shown)  # type: ignore[method-assign]
        ranged = getattr(kind, "_get_number_range_help_str", None)
        if ranged is not None:
            kind._get_number_range_help_str = _range_in_language(ranged)  # type: ignore[method-assign]
    _spoken = True


def _tag_in_language(shown: Any) -> Any:
    """Typer's `display_type_rich` with its tag in the catalog's words: none for a flag."""

    def tag(self: Any, ctx: Any) -> str | None:
        said: str | None = shown(self, ctx)
        if not isinstance(said, str) or not (said.startswith("<") and ">" in said):
            return said
        name, _, rest = said[1:].partition(">")
        if name == "bool" and getattr(self, "is_flag", False):
            return None if i18n.language() != "en" else said
        key = _TAGS.get(name)
        return t(key) + rest if key else said

    return tag


def _range_in_language(ranged: Any) -> Any:
    """Typer's range of a number (`1<=x<=1000`) as the catalog writes one (`1〜1000`)."""

    def said(self: Any) -> str | None:
        typers: str | None = ranged(self)
        low, high = getattr(self, "min", None), getattr(self, "max", None)
        if typers is None or (low is None and high is None):
            return typers
        if low is None:
            return t("cli.typer.range.max", max=high)
        if high is None:
            return t("cli.typer.range.min", min=low)
        return t("cli.typer.range", min=low, max=high)

    return said
