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
"""

from __future__ import annotations

import os
from pathlib import Path

from pathspec import GitIgnoreSpec

from konomi.errors import KonomiError
from konomi.i18n import t

IGNORE_FILE = ".konomiignore"

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
_BUILTIN_SPEC = GitIgnoreSpec.from_lines(BUILTIN)


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
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            return cls(Path(root))
        except (OSError, UnicodeDecodeError) as exc:
            why = getattr(exc, "strerror", None) or str(exc)
            raise KonomiError(
                t("ignore.unreadable", path=str(path), why=why), t("ignore.unreadable_hint")
            ) from None
        lines = tuple(text.splitlines())
        try:
            spec = GitIgnoreSpec.from_lines((*BUILTIN, *lines))
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


def builtin_rules(root: Path) -> IgnoreRules:
    """Only the built-in rules, for a folder that is not a workspace or library root."""
    return IgnoreRules(Path(root))
