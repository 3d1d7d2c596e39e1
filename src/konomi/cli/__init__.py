"""The `konomi` command: parse, call `konomi.app`, render. No logic of its own."""

from konomi.cli.main import main, run_script

__all__ = ["main", "run_script"]
