"""Lines that break where Japanese breaks (`cli.wrap`): between Japanese characters, never before
a closing mark or after an opening one, never inside an ASCII word or a number and its unit —
over every command's `--help` at 60, 80 and 120 columns, as a new process draws it."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from konomi.cli import wrap

CLOSING = "。、，．）」』】〕〉》ー？！：；"
OPENING = "（「『【〔〈《"
ASCII_RUN = re.compile(r"[!-~]+")
WIDTHS = (60, 80, 120, 1000)

# Draws every command's --help in one process (each at every width), as `konomi` does at
# start-up: the language from KONOMI_LANG, Typer's words and the line breaking installed.
SWEEP = """
import contextlib, io, json, os, sys
import typer
from konomi.cli.main import app, main
widths = [int(w) for w in sys.argv[1:]]

def paths(command, path):
    yield path
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from paths(sub, [*path, name])

shown = {}
for path in paths(typer.main.get_command(app), []):
    for width in widths:
        os.environ["COLUMNS"] = str(width)
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer), contextlib.suppress(SystemExit):
            main([*path, "--help"])
        shown[" ".join(path) + f"@{width}"] = buffer.getvalue()
print(json.dumps(shown))
"""


@pytest.fixture(scope="module")
def screens() -> dict[str, str]:
    env = {"KONOMI_LANG": "ja", "PYTHONIOENCODING": "utf-8", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", SWEEP, *map(str, WIDTHS)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=True,
    )
    return json.loads(done.stdout)


def cells(line: str) -> list[str]:
    """The text of each table cell on a drawn line (box borders taken off), or the line."""
    inner = line.strip().strip("│╭╰─╮╯")
    return [part.strip() for part in re.split(r"\s{2,}|│", inner) if part.strip()]


def allowed_runs(wide: str) -> set[str]:
    """Every ASCII run of the unwrapped screen, and the parts a too-long one may fold into
    (after `/`, `-` or `_`)."""
    runs: set[str] = set()
    for run in ASCII_RUN.findall(wide):
        runs.add(run)
        parts = re.split(r"(?<=[/_-])", run)
        for i in range(len(parts)):
            for j in range(i + 1, len(parts) + 1):
                runs.add("".join(parts[i:j]))
    return runs


def test_every_help_screen_breaks_its_lines_where_japanese_breaks(screens):
    commands = {key.split("@")[0] for key in screens}
    assert len(commands) > 15 and "models use" in commands
    for command in commands:
        wide = screens[f"{command}@1000"]
        assert "使い方:" in wide and "このヘルプを表示して終了します。" in wide, command
        for english in ("Usage:", "Show this message", "<bool>", "<path>", "range>", "<str>"):
            assert english not in wide, (command, english)
        runs = allowed_runs(wide)
        for width in WIDTHS[:-1]:
            shown = screens[f"{command}@{width}"]
            for line in shown.splitlines():
                assert cell_len(line) <= width, (command, width, line)
                for cell in cells(line):
                    assert cell[0] not in CLOSING, f"{command} @{width}: {line!r}"
                    assert cell[-1] not in OPENING, f"{command} @{width}: {line!r}"
                for run in ASCII_RUN.findall(line.strip("│")):
                    if width == 60 and line.strip("│ *").startswith(run) and "…" in line:
                        continue  # Typer cuts a long option's name at 60 columns, English too
                    assert run in runs, f"{command} @{width}: {run!r} cut in {line!r}"


@pytest.mark.parametrize(
    ("text", "width", "lines"),
    [
        # kinsoku: 、 and 。 stay with the character before them, （ with the one after it.
        ("画像を採点します。次に、", 8, ["画像を採", "点しま", "す。次", "に、"]),
        ("画像（好き）です", 6, ["画像", "（好", "き）で", "す"]),
        # a number stays with its unit; an ASCII word stays whole.
        ("学習用の画像は 0 枚です", 16, ["学習用の画像は ", "0 枚です"]),
        ("デバイスは openvino のいずれかです", 16, ["デバイスは ", "openvino のいず", "れかです"]),
        # a path too long for the line breaks after a slash, not inside a name.
        ("immich-app/ViT-B-32__openai を使います", 14, None),
    ],
)
def test_break_points(text, width, lines):
    offsets = wrap.divide_line(text, width)
    got = [text[a:b] for a, b in zip([0, *offsets], [*offsets, len(text)], strict=True)]
    assert all(cell_len(line.rstrip()) <= width for line in got), got
    if lines is not None:
        assert got == lines
    else:
        assert got == ["immich-app/", "ViT-B-32__", "openai を使い", "ます"], got


def test_english_is_broken_as_rich_breaks_it():
    text = "Score every image under data/ and write a CSV report (UTF-8 with a BOM)."
    for width in (7, 20, 33):
        assert wrap.divide_line(text, width) == wrap._rich_divide(text, width)


def test_a_path_too_long_for_its_column_breaks_after_a_slash():
    text = "3.11.7 (/work/wt/japanese/.venv/bin/python)"
    offsets = wrap.divide_line(text, 34)
    lines = [text[a:b] for a, b in zip([0, *offsets], [*offsets, len(text)], strict=True)]
    assert lines == ["3.11.7 ", "(/work/wt/japanese/.venv/bin/", "python)"], lines


def test_a_table_cell_breaks_between_japanese_characters():
    """rich alone moves a Japanese sentence whole (one "word" to it) and cuts it anywhere."""
    wrap.install()
    console = Console(width=40, record=True, color_system=None)
    table = Table(show_header=False)
    table.add_row("check", "学習用の画像 60 枚のうち、0 枚の画像はラベルが間違っているようです。")
    console.print(table)
    drawn = console.export_text()
    for line in drawn.splitlines():
        for cell in cells(line):
            assert cell[0] not in CLOSING, drawn
    assert "0 枚" in drawn and "60 枚" in drawn, drawn
