"""`konomi init`: make a workspace a new person can start from.

Creates the folders the loop reads (data/train/like, data/train/dislike, data/unlabeled) and a
konomi.toml in which every setting is written out, commented, with its default and what it
does — so the file documents itself and nothing in it changes konomi until a line is uncommented.
Running it again creates only what is missing; an existing konomi.toml is never overwritten.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from konomi.errors import KonomiError
from konomi.i18n import t
from konomi.settings import KNOWN, Settings
from konomi.workspace import LABELS, Workspace


@dataclass
class InitOutcome:
    """What `init` did: folders made, folders that were already there, and the settings file."""

    root: Path
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    settings_written: bool = False


def _toml_value(value: object) -> str:
    """A default as TOML writes it (the subset konomi's settings use)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return repr(value)


def settings_text(model: str | None = None) -> str:
    """konomi.toml with every key commented out, its default shown and explained, in the
    language in force; with `model`, that one line is set (not commented) to it."""
    defaults = Settings()
    lines = [f"# {t('init.toml.title')}", f"# {t('init.toml.how')}", ""]
    for key in KNOWN:
        lines.append(f"# {t('init.key.' + key)}")
        if key == "model" and model:
            lines.append(f"model = {_toml_value(model)}")
        else:
            lines.append(f"# {key} = {_toml_value(getattr(defaults, key))}")
        lines.append("")
    return "\n".join(lines)


def init_workspace(root: Path | str, *, model: str | None = None) -> InitOutcome:
    """Create the workspace at `root` (and `root` itself): idempotent, never overwrites.
    `model` goes into a new konomi.toml; an existing one is left as it is."""
    path = Path(root).expanduser()
    if path.exists() and not path.is_dir():
        raise KonomiError(t("init.not_a_folder", path=path), t("init.not_a_folder.hint"))
    ws = Workspace(path.resolve() if path.exists() else path.absolute())
    result = InitOutcome(ws.root)
    for folder in (*(ws.train_dir(label) for label in LABELS), ws.unlabeled):
        name = ws.rel(folder) + "/"
        if folder.is_dir():
            result.existing.append(name)
            continue
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise KonomiError(
                t("init.cannot_create", path=folder, why=exc.strerror or exc),
                t("init.cannot_create.hint"),
            ) from None
        result.created.append(name)
    target = ws.settings_path
    if os.path.isdir(target) and not os.path.islink(target):  # not settings "already there"
        raise KonomiError(
            t("errors.settings.not_regular", file=target.name),
            t("errors.settings.not_regular_hint"),
        )
    if not os.path.lexists(target):
        try:
            with open(target, "x", encoding="utf-8") as f:  # "x": never replaces a file
                f.write(settings_text(model))
            result.settings_written = True
        except FileExistsError:
            pass
        except OSError as exc:
            raise KonomiError(
                t("init.cannot_create", path=target, why=exc.strerror or exc),
                t("init.cannot_create.hint"),
            ) from None
    return result
