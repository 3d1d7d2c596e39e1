"""Text from outside — file names, folder names, values from konomi.toml — made safe to show.

A file name may hold any character but `/` and NUL: `ESC ] 0 ; … BEL` retitles the terminal,
`ESC [ 2 J` clears it, a newline splits one line of output into two that look like konomi's
own, a right-to-left override reverses what follows. `display` shows every such character as a
visible escape (`\\x1b`, `\\n`, `\\u202e`), and the undecodable bytes of a name in another
encoding (carried by Python as lone surrogates) as `\\xff`; everything else, Japanese included,
is shown as it is. Every path that reaches the terminal passes through it.
"""

from __future__ import annotations

import os
import unicodedata

# Format characters that reorder or hide text (bidirectional controls, separators).
_INVISIBLE = frozenset(
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029\ufeff"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(ch: str, keep: str) -> str:
    if ch in keep:
        return ch
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte, carried by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    if ch in _NAMED:
        return _NAMED[ch]
    category = unicodedata.category(ch)
    if category in ("Cc", "Cs") or ch in _INVISIBLE:
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
    return ch


def display(text: str | os.PathLike[str]) -> str:
    """`text` (a path, a name) with every control, reordering or undecodable character shown
    as a visible escape; one line, whatever it held."""
    text = os.fspath(text)
    if text.isprintable():
        return text
    return "".join(_escaped(ch, "") for ch in text)


def terminal_safe(text: str) -> str:
    """A whole message made safe for the terminal: like `display`, but its own line breaks
    are kept (a message may have several lines; a path inside it went through `display`)."""
    if text.isprintable():
        return text
    return "".join(_escaped(ch, "\n") for ch in text)
