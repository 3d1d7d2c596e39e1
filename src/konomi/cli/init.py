"""`konomi init [DIR]`: create a workspace and say what to do next."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from konomi.cli.app import app, out
from konomi.cli.options import DebugOpt, ModelOpt, RootOpt
from konomi.cli.render import errors, fail, use_language
from konomi.errors import KonomiError
from konomi.i18n import t
from konomi.workspace import chosen_root, find_root


@app.command(help=t("cli.help.init"))
def init(
    folder: Annotated[
        Path | None,
        typer.Argument(
            metavar="[DIR]",
            help=t("cli.help.init.dir"),
        ),
    ] = None,
    root: RootOpt = None,
    model: ModelOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Create the workspace's folders and konomi.toml. It only adds, so running it again
    on a workspace in use is safe."""
    from konomi.app.init import init_workspace

    with errors(debug):
        if folder is not None and root is not None and folder != root:
            raise fail(t("cli.init.two_roots"), t("cli.init.two_roots.hint"))
        # Without DIR, the workspace the current folder is in (init in its data/train/like/
        # says it is ready, never makes a second workspace inside the first).
        chosen = folder or chosen_root(root)
        _language_of(chosen.expanduser() / "konomi.toml")
        result = init_workspace(chosen, model=model)
        shown = escape(str(result.root))
        if result.created or result.settings_written:
            out.print(t("cli.init.created", root=shown))
        else:
            out.print(t("cli.init.ready", root=shown))
        for name in result.created:
            out.print(f"  + {escape(name)}")
        if result.settings_written:
            out.print("  + konomi.toml  " + t("cli.init.toml"))
        elif (result.root / "konomi.toml").exists():
            out.print("  = konomi.toml  " + t("cli.init.toml.kept"))
        here = find_root(Path.cwd()) == result.root
        root_flag = "" if here else f" --root {escape(_quoted(result.root))}"
        out.print(t("cli.init.next", root=root_flag))


def _quoted(path: Path) -> str:
    """`path` as a person can paste it into a shell."""
    import shlex

    return shlex.quote(str(path))


def _language_of(settings: Path) -> None:
    """Speak the language an existing konomi.toml asks for (a broken one is left to the
    commands that read it: init only adds what is missing)."""
    from konomi.settings import parse_settings

    if settings.is_file():
        with contextlib.suppress(KonomiError):
            use_language(parse_settings(settings).language)
