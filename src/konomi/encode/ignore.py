"""What a person (or konomi itself) leaves out: `.konomiignore` and tools' own folders.

A `.konomiignore` file at the root of the workspace, or of a photo library, lists paths to leave
out in gitignore syntax (`private/`, `*.tmp.jpg`, `!keep.jpg`), matched relative to that root by
the `pathspec` library — the same rules git applies, so there is nothing new to learn. An
ignored file appears nowhere: not embedded, not scored, not listed as unreadable.

Photo tools and NAS systems keep thumbnails and caches beside the photos; scoring those would
count each photo two or three times, so they are always left out (`BUILTIN`):

- `@eaDir/` — Synology DSM thumbnails; `#recycle/` — Synology's recycle bin
- `.@__thumb/`, `@Recycle/` — QNAP thumbnails and recycle bin
- `.thumbnails/` — freedesktop (GNOME, KDE) thumbnail folders
- `*.lrdata/` — Lightroom Classic previews (`Previews.lrdata`, `Smart Previews.lrdata`)
- `.dtrash/` — digiKam's trash; `.picasaoriginals/` — Picasa's copies of edited photos
- `CaptureOne/Cache/` — Capture One's proxies and thumbnails
- `$RECYCLE.BIN/`, `System Volume Information/`, `.Trash-*/`, `.Spotlight-V100/` — system
  folders of removable and network drives

(Hidden names, beginning with a dot, are skipped anyway; they are listed for completeness.)

Two things a plain gitignore matcher would let a file do to every command, refused here:

- **hang on a pattern.** pathspec turns each `*` into the regular expression `[^/]*`, and
  Python's backtracking engine takes exponential time on `*a*a*a*a*a*a*a*a*a*b` against a long
  name of `a`s. `_LinearPattern` rewrites every `*` but the last of a segment as an atomic,
  lazy match of the text after it (`(?>[^/]*?a)`): the earliest match of a fixed-width piece
  is always the right one, so nothing is tried twice and matching stays polynomial (measured
  in docs/safety.md). The answers are those of pathspec's own expressions (tests/test_fuzz.py
  compares them on random patterns and names). A line with more than `MAX_GLOBSTARS` `**`
  is refused: each `**` may stand for any number of folders, and more of them multiply the ways
  a deep path is split.
- **hang on the file itself.** The ignore file is opened without following a link and
  without blocking, and read only if it is a regular file: a FIFO named `.konomiignore` would
  otherwise block every command forever. A link is refused, said once, not read through.
"""

from __future__ import annotations

import errno
import itertools
import os
import re
import stat
import warnings
from pathlib import Path
from typing import Any

from pathspec import GitIgnoreSpec
from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

from konomi.errors import KonomiError
from konomi.i18n import t

IGNORE_FILE = ".konomiignore"
MAX_IGNORE_BYTES = 1 << 20  # a megabyte of patterns is far beyond any real ignore file
# `**` spans folders, and each one more multiplies the ways a deep path can be split (4 of them
# against a path 200 folders deep: 2.8 s per file); real ignore files use one or two.
MAX_GLOBSTARS = 3

_STAR = "[^/]*"  # pathspec's expression for one `*` inside a path segment
_STARS = re.compile(r"(?:\[\^/\]\*){2,}")
_NEGATED = re.compile(r"(?<!\\)\[\^((?:\\.|[^\]\\])+)\]")
# One character's worth of a pathspec expression: an escape, a class, or a plain character.
_TOKEN = re.compile(r"\\.|\[(\^?)(\]?(?:\\.|[^\]\\])*)\]|[^\\\[\]().*+?{}|^$/]")
_LOOSE_STAR = re.compile(r"\[\^/\]\*(?!\?)")  # a `*` left to backtrack
_GROUPS = itertools.count()  # names of the atomic groups: unique in any joined expression
MAX_LOOSE_STARS = 2  # two backtracking `*` in a row cost n² steps at most


def _one_segment(piece: str) -> bool:
    """True when `piece` (the expression between two `*`) is a run of single characters none
    of which can be `/`: fixed width, inside one segment, so its earliest match is the one."""
    pos = 0
    while pos < len(piece):
        m = _TOKEN.match(piece, pos)
        if m is None or m.group(0) == "\\/":
            return False
        if m.group(0).startswith("["):
            negated, body = m.group(1), m.group(2)
            if not negated and ("/" in body or _range_holds_slash(body)):
                return False
        pos = m.end()
    return bool(piece)


def _range_holds_slash(body: str) -> bool:
    return any(a[-1] <= "/" <= b[-1] for a, b in re.findall(r"(\\?.)-(\\?.)", body))


def linear_regex(regex: str) -> str:
    """pathspec's expression for one pattern, rewritten to match without exponential
    backtracking: runs of `*` become one, and each `*` followed by a fixed piece and another
    `*` takes the earliest match of that piece and never gives it back. A negated class never
    matches `/` (`[!b]`, as in git, where no bracket expression matches a slash)."""
    regex = _NEGATED.sub(lambda m: m.group(0) if "/" in m.group(1) else f"[^{m.group(1)}/]", regex)
    parts = _STARS.sub(lambda _: _STAR, regex).split(_STAR)
    out = [parts[0]]
    for i, piece in enumerate(parts[1:], start=1):
        if i < len(parts) - 1 and _one_segment(piece):
            # an atomic group, written as a look-ahead and a back-reference (Python 3.10 has
            # no `(?>…)`): what the look-ahead matched is taken whole, never given back
            name = f"konomi_{next(_GROUPS)}"
            out.append(f"(?=(?P<{name}>[^/]*?{piece}))(?P={name})")
        else:
            out.append(_STAR + piece)
    return "".join(out)


class TooComplex(ValueError):
    """A line whose `*`s konomi cannot match in linear time (pieces between them that are not
    plain characters); refused rather than risking a hang."""


class _LinearPattern(GitIgnoreSpecPattern):
    """gitignore's rules exactly as pathspec reads them, matched by `linear_regex`."""

    __slots__ = ()

    @classmethod
    def pattern_to_regex(cls, pattern: Any) -> Any:
        regex, include = super().pattern_to_regex(pattern)
        if isinstance(regex, str):
            regex = linear_regex(regex)
            if len(_LOOSE_STAR.findall(regex)) > MAX_LOOSE_STARS:
                raise TooComplex(pattern)
        return regex, include


def compile_lines(lines: tuple[str, ...]) -> GitIgnoreSpec:
    """The matcher of gitignore `lines` (raises on a line pathspec cannot read; a warning of
    Python's `re`, such as the FutureWarning of `[[:alpha:]]`, counts as one)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return GitIgnoreSpec.from_lines(lines, _LinearPattern, backend="simple")


BUILTIN: tuple[str, ...] = (
    "@eaDir/",
    r"\#recycle/",  # a leading # would make the line a comment
    ".@__thumb/",
    "@Recycle/",
    ".thumbnails/",
    "*.lrdata/",
    ".dtrash/",
    ".picasaoriginals/",
    "CaptureOne/Cache/",
    "$RECYCLE.BIN/",
    "System Volume Information/",
    ".Trash-*/",
    ".Spotlight-V100/",
)
_BUILTIN_SPEC = compile_lines(BUILTIN)


class IgnoreRules:
    """The rules in force under one root folder: the built-in ones, then the root's own file."""

    def __init__(
        self, root: Path, patterns: tuple[str, ...] = (), spec: GitIgnoreSpec | None = None
    ) -> None:
        self.root = Path(root)
        self.patterns = patterns  # the lines of the root's `.konomiignore`
        self._spec = spec or _BUILTIN_SPEC
        # Only folder patterns (`name/`, as every built-in one): a file can then match only by
        # being inside an ignored folder, which a walk never enters, so it need not ask per file
        # (100,000 files: 0.2 s saved on every command).
        self.files_matter = not all(
            line.strip().endswith("/")
            for line in (*BUILTIN, *patterns)
            if line.strip() and not line.lstrip().startswith("#")
        )

    def __repr__(self) -> str:
        return f"IgnoreRules({str(self.root)!r}, {len(self.patterns)} pattern line(s))"

    @classmethod
    def for_root(cls, root: Path) -> IgnoreRules:
        """The rules for a workspace or library at `root` (its `.konomiignore`, if any).

        Raises `KonomiError` when the file exists but cannot be read: silently scoring what the
        person asked to leave out would be worse than stopping.
        """
        path = Path(root) / IGNORE_FILE
        data = _read_ignore_file(path)
        if data is None:
            return cls(Path(root))
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise KonomiError(
                t("ignore.unreadable", path=str(path), why=str(exc)), t("ignore.unreadable_hint")
            ) from None
        lines = tuple(text.splitlines())
        for line in lines:
            if line.count("**") > MAX_GLOBSTARS and not line.lstrip().startswith("#"):
                raise KonomiError(
                    t("ignore.too_many_globstars", path=str(path), line=line, most=MAX_GLOBSTARS),
                    t("ignore.bad_hint"),
                )
            if "[[:" in line:  # git's POSIX classes: pathspec would read them as other text
                raise KonomiError(
                    t("ignore.posix_class", path=str(path), line=line), t("ignore.bad_hint")
                )
        try:
            spec = compile_lines((*BUILTIN, *lines))
        except TooComplex as exc:
            raise KonomiError(
                t("ignore.too_complex", path=str(path), line=str(exc)), t("ignore.bad_hint")
            ) from None
        except Exception as exc:  # noqa: BLE001 - pathspec raises several kinds for a bad line
            raise KonomiError(
                t("ignore.bad_pattern", path=str(path), why=str(exc)), t("ignore.bad_hint")
            ) from None
        return cls(Path(root), lines, spec)

    def relative(self, folder: Path) -> str | None:
        """`folder` relative to the root, as the rules see it ("" for the root itself, None for a
        folder outside it, to which no rule applies)."""
        try:
            rel = os.path.relpath(folder, self.root)
        except ValueError:  # another drive (Windows): not under this root
            return None
        if rel == ".":
            return ""
        if rel == ".." or rel.startswith(".." + os.sep):
            return None
        return rel.replace(os.sep, "/") + "/"

    def ignores_name(self, folder_rel: str | None, name: str, *, is_dir: bool = False) -> bool:
        """Whether `name`, in a folder `relative` gave `folder_rel` for, is left out (the
        folder's relative path is computed once for all its entries)."""
        if folder_rel is None:
            return False
        rel = folder_rel + name
        return self._spec.match_file(rel + "/" if is_dir else rel)

    def ignores(self, path: Path, *, is_dir: bool = False) -> bool:
        """True when `path` (under `root`) is left out; folders match `name/` patterns."""
        return self.ignores_name(self.relative(Path(path).parent), Path(path).name, is_dir=is_dir)


def _read_ignore_file(path: Path) -> bytes | None:
    """The bytes of an ignore file; None when there is none. Opened without following a link
    and without blocking (a FIFO or a device would hang every command), read only when it is a
    regular file of a sane size; anything else stops with the reason."""

    def refuse(why: str) -> KonomiError:
        return KonomiError(
            t("ignore.unreadable", path=str(path), why=why), t("ignore.unreadable_hint")
        )

    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP or path.is_symlink():
            raise refuse(t("ignore.why_link")) from None
        raise refuse(exc.strerror or str(exc)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise refuse(t("ignore.why_not_file"))
        if st.st_size > MAX_IGNORE_BYTES:
            raise refuse(t("ignore.why_too_large", limit=MAX_IGNORE_BYTES >> 20))
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(MAX_IGNORE_BYTES)
    except OSError as exc:
        raise refuse(exc.strerror or str(exc)) from None
    finally:
        os.close(fd)


def builtin_rules(root: Path) -> IgnoreRules:
    """Only the built-in rules, for a folder that is not a workspace or library root."""
    return IgnoreRules(Path(root))
