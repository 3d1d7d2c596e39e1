"""Commands beyond the seed loop, one module each; each registers itself on `konomi.cli.app`.

Every module in this package is imported by `konomi.cli` at start-up, so adding a command means
adding a file here, nothing else.
"""

from __future__ import annotations

import importlib
import pkgutil


def load_all() -> None:
    """Import every command module of this package (each decorates `konomi.cli.app`)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
