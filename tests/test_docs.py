"""The documentation keeps up with the code: every command is in both READMEs, and nothing in
the repository cites a file that is not in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from konomi.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
READMES = [ROOT / "README.md", ROOT / "README.ja.md"]


def command_names() -> list[str]:
    group = typer.main.get_command(app)
    return sorted(group.commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("readme", READMES, ids=lambda p: p.name)
def test_every_command_is_documented(readme: Path):
    text = readme.read_text(encoding="utf-8")
    missing = [name for name in command_names() if not re.search(rf"konomi {name}\b", text)]
    assert missing == []


def test_the_checker_knows_the_commands():
    names = command_names()
    assert {"train", "classify", "score", "review", "undo"} <= set(names)


def test_nothing_cites_files_outside_the_repository():
    pattern = re.compile(r"DESIGN\.md|\.\./shared|the brief", re.IGNORECASE)
    places = [*READMES, ROOT / "ARCHITECTURE.md", *(ROOT / "docs").glob("*.md")]
    places += list((ROOT / "src").rglob("*.py")) + list((ROOT / "benchmarks").glob("*.py"))
    cited = [str(p.relative_to(ROOT)) for p in places if pattern.search(p.read_text("utf-8"))]
    assert cited == []
