"""Line breaking where Japanese breaks, for every table and wrapped paragraph rich draws.

rich breaks a line only at spaces: a Japanese sentence, written without spaces, is one long
"word" to it, which it either moves whole to the next line or cuts at any character — so lines
began with 「。」「、」「）」 and ASCII words were cut (`openv|ino`). Here a line may break:

- at a space, except between a number and the unit after it (`0 枚`, `1 回`);
- between two characters when one of them is Japanese (wide in East Asian Width), except before
  a closing mark (。、）」』ー and the small kana: kinsoku) or after an opening one (（「『);

never inside an ASCII word, path, option or number. A piece longer than the whole line (a long
path in a narrow column) is broken after a `/`, `-` or `_` inside it if it can be, and cut only
when nothing else fits. Widths are display cells (rich's `cell_len`: wide characters are two).

`install()` puts this in place of rich's own line divider and of the narrowest width rich
measures for a Japanese text (which decides a table's columns). English text breaks at the
same spaces as with rich's own code; only a word longer than the line (a path) now breaks after
a `/`, `-` or `_` rather than anywhere.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

from rich.cells import cell_len, chop_cells

# Never at the start of a line (JIS X 4051 closing marks, iteration marks, prolonged sound
# mark, small kana) — and the ASCII punctuation that closes too.
NO_START = frozenset(
    "、。，．,.・：；:;？！?!)）]］}｝〕〉》」』】〙〗〟’”｠»"
    "ゝゞヽヾ々〻ー‐゠–〜～…‥%％"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"
)
# Never at the end of a line: the opening marks.
NO_END = frozenset("(（[［{｛〔〈《「『【〘〖〝‘“｟«")
# Inside a piece too long for a line: where a path, an id or an option may still break.
_SOFT = re.compile(r"(?<=[/\\_-])(?=[^/\\_-])")
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=4096)
def wide(char: str) -> bool:
    """Japanese (or another wide script): two cells, and a line may break beside it."""
    return unicodedata.east_asian_width(char) in ("W", "F")


_NUMBER = re.compile(r"(?:^|(?<=[\s\u3000-\u9fff\uff00-\uffef]))[★☆]?[0-9][0-9.,]*$")


def _number_before(text: str, start: int) -> bool:
    """A number stands alone before `start` (`0` in `0 枚`, `★1` in `★1 が`): its unit follows."""
    return _NUMBER.search(text, 0, start) is not None


def breaks(text: str) -> list[int]:
    """The offsets where a line of `text` may begin (0 excluded), in order."""
    found: list[int] = []
    i, n = 1, len(text)
    while i < n:
        before, char = text[i - 1], text[i]
        if char.isspace():
            i += 1
            continue
        if before.isspace():
            # A break after a run of spaces: not between a number and its unit, and never
            # before a closing mark.
            space_start = i - 1
            while space_start > 0 and text[space_start - 1].isspace():
                space_start -= 1
            unit = wide(char) and _number_before(text, space_start)
            if space_start > 0 and not unit and char not in NO_START:
                found.append(i)
        elif (
            (wide(before) or wide(char))
            and char not in NO_START
            and before not in NO_END
            and not before.isdigit()
            and not (before in "…‥" and char in "…‥")
        ):
            found.append(i)
        i += 1
    return found


def pieces(text: str) -> list[tuple[int, str]]:
    """(start, piece) for the unbreakable pieces of `text`, each with the spaces after it."""
    starts = [0, *breaks(text)]
    ends = [*starts[1:], len(text)]
    return [(s, text[s:e]) for s, e in zip(starts, ends, strict=True) if e > s]


def _fold(piece: str, width: int) -> list[str]:
    """A piece too long for a line in lines of at most `width` cells: after `/`, `-` or `_`
    where it can, else cut at the width."""
    lines: list[str] = []
    line = ""
    for part in _SOFT.split(piece):
        if cell_len((line + part).rstrip()) <= width:
            line += part
            continue
        if line:
            lines.append(line)
            line = ""
        while cell_len(part.rstrip()) > width:
            chopped = chop_cells(part, width)
            lines.append(chopped[0])
            part = part[len(chopped[0]) :]
        line = part
    if line:
        lines.append(line)
    return lines


def divide_line(text: str, width: int, fold: bool = True) -> list[int]:
    """Where to break `text` into lines of `width` cells: rich's `divide_line`, with the break
    opportunities of Japanese (the same offsets as rich's for English text of short words)."""
    offsets: list[int] = []
    used = 0
    for start, piece in pieces(text):
        length = cell_len(piece.rstrip())
        if used + length <= width:
            used += cell_len(piece)
            continue
        if length > width and fold:
            folded = _fold(piece, width)
            at = start
            for index, line in enumerate(folded):
                if at and (index or used):
                    offsets.append(at)
                at += len(line)
            used = cell_len(folded[-1])
            continue
        if used and start:
            offsets.append(start)
        used = cell_len(piece)
    return offsets


def narrowest(text: str) -> int:
    """The widest unbreakable piece of `text`, in cells: the narrowest it can be drawn."""
    widest = 0
    for line in text.splitlines():
        for _, piece in pieces(line):
            soft = max(cell_len(part.rstrip()) for part in _SOFT.split(piece))
            widest = max(widest, soft)
    return widest


def _rich_divide(text: str, width: int, fold: bool = True) -> list[int]:
    """rich's own divider (the tests compare with it)."""
    from rich._wrap import divide_line as original

    return original(text, width, fold)


_installed = False


def install() -> None:
    """Break every line rich wraps where Japanese breaks (once per process); only while rich
    has the shape it has today — an upgrade that moves these things leaves rich's own way."""
    global _installed
    if _installed:
        return
    import rich.text
    from rich.measure import Measurement
    from rich.text import Text

    original = getattr(rich.text, "divide_line", None)
    measure = getattr(Text, "__rich_measure__", None)
    if original is None or measure is None:
        return
    rich.text.divide_line = divide_line  # type: ignore[attr-defined,unused-ignore]

    def measured(self: Text, console: Any, options: Any) -> Measurement:
        found: Measurement = measure(self, console, options)
        plain = self.plain
        if not any(map(wide, plain)):
            return found
        return Measurement(min(found.minimum, narrowest(plain)), found.maximum)

    Text.__rich_measure__ = measured  # type: ignore[method-assign]
    _installed = True
