"""How this konomi was installed, so that every hint names the command a person can type.

Three ways, told apart by where the package lives and how it was started:

- **checkout**: the package is `src/konomi` of a source tree (its pyproject.toml beside `src/`),
  started by `uv run` (which sets `UV_RUN_RECURSION_DEPTH`) or from the project's virtual
  environment while it is not activated: hints say `uv run konomi`, extras come with
  `uv sync --extra NAME`;
- **tool**: a `uv tool install`, editable or not (its environment holds uv's `uv-receipt.toml`):
  hints say `konomi`, extras come with `uv tool install --reinstall 'konomi[NAME]'` (from where
  it was installed: `'konomi[NAME] @ /its/folder'`);
- **pip**: anything else (pip into a virtual environment or the system): `konomi`, and
  `pip install 'konomi[NAME]'`.

`KONOMI_COMMAND` overrides the command for whoever runs konomi some other way.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

CHECKOUT, TOOL, PIP = "checkout", "tool", "pip"


@functools.cache
def how() -> str:
    """`checkout`, `tool` or `pip` (see the module's docstring)."""
    if (Path(sys.prefix) / "uv-receipt.toml").is_file():  # a tool, editable (-e) ones too
        return TOOL
    package = Path(__file__).resolve().parent.parent  # src/konomi, or site-packages/konomi
    if package.parent.name == "src" and (package.parent.parent / "pyproject.toml").is_file():
        return CHECKOUT
    return PIP


def _active_environment() -> bool:
    """This interpreter's environment is the activated one, so its `konomi` is on PATH."""
    active = os.environ.get("VIRTUAL_ENV", "")
    try:
        return bool(active) and Path(active).resolve() == Path(sys.prefix).resolve()
    except OSError:
        return False


def command() -> str:
    """How the person runs konomi, as hints name it: KONOMI_COMMAND, else `uv run konomi` from
    a checkout under `uv run` (or with its environment not activated), else `konomi`."""
    asked = os.environ.get("KONOMI_COMMAND", "").strip()
    if asked:
        return asked
    if how() == CHECKOUT and (
        os.environ.get("UV_RUN_RECURSION_DEPTH") or not _active_environment()
    ):
        return "uv run konomi"
    return "konomi"


def extra_install(extra: str) -> str:
    """The command that adds konomi's optional `extra` (`ray`, `parquet`) to this install."""
    kind = how()
    if kind == CHECKOUT:
        return f"uv sync --extra {extra}"
    if kind == TOOL:
        extras, source, editable = _tool_requirement()
        wanted = ",".join(sorted({*extras, extra}))
        return f"uv tool install --reinstall {editable}'konomi[{wanted}]{source}'"
    return f"pip install 'konomi[{extra}]'"


def _tool_requirement() -> tuple[list[str], str, str]:
    """The extras konomi was installed with as a uv tool, where from (` @ /its/folder`, empty
    for the package index), and `-e ` for an editable install, read from uv's receipt: a
    reinstall keeps them all."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

    try:
        receipt = tomllib.loads((Path(sys.prefix) / "uv-receipt.toml").read_text("utf-8"))
        found = next(r for r in receipt["tool"]["requirements"] if str(r.get("name")) == "konomi")
    except (OSError, ValueError, KeyError, TypeError, StopIteration):
        return [], "", ""
    extras = [str(e) for e in found.get("extras", []) if isinstance(e, str)]
    for key, prefix in (("editable", ""), ("directory", ""), ("path", ""), ("git", "git+")):
        if isinstance(found.get(key), str):
            return extras, f" @ {prefix}{found[key]}", "-e " if key == "editable" else ""
    if isinstance(found.get("url"), str):
        return extras, f" @ {found['url']}", ""
    return extras, "", ""


def reinstall() -> str:
    """The command that installs konomi's own dependencies again in this install."""
    kind = how()
    if kind == CHECKOUT:
        return "uv sync"
    if kind == TOOL:
        extras, source, editable = _tool_requirement()
        wanted = f"[{','.join(sorted(extras))}]" if extras else ""
        return f"uv tool install --reinstall {editable}'konomi{wanted}{source}'"
    return "pip install --force-reinstall konomi"
