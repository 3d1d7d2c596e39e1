"""Path safety of the journal: which paths a move or an edit may touch, and how a path is kept.

A journal row is data from disk, so a foreign or tampered journal must never make konomi move,
write or delete a file outside the workspace (or, for sidecar edits, outside a library), nor
reach one through a symbolic link. These checks run when a path is planned *and* again at the
instant it is used, because a folder can be swapped for a link in between.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from konomi.i18n import t
from konomi.workspace import Workspace

SIDECAR_SUFFIX = ".xmp"


class Hopeless(str):
    """A reason retrying cannot help (the file is gone, or is no regular file, or must never be
    touched): undo stops offering it. A type, not a wording, so that it holds in every
    language."""


class Gone(Hopeless):
    """The file is no longer where it was scored: a caller may look for it again."""


class FileInTheWay(str):
    """`unsafe_path`'s reason when a file stands where a folder must be."""


def unsafe_path(ws: Workspace, path: Path) -> str | None:
    """Why a move must not touch `path`, or None: outside the workspace, or reached through a
    symbolic link, or through something that is not a folder. Folders not there yet pass (they
    are created by `prepare_folder`, which checks each one)."""
    try:
        rel = path.relative_to(ws.root)
    except ValueError:
        return t("safety.outside", path=str(path))
    if not rel.parts or ".." in rel.parts or rel.parts[0] == ".konomi":
        return t("safety.outside", path=str(path))
    folder = ws.root
    for part in rel.parts[:-1]:
        folder = folder / part
        try:
            st = os.lstat(folder)
        except FileNotFoundError:
            return None
        except OSError as exc:
            return t(
                "safety.move.cannot_reach_folder", folder=ws.rel(folder), why=exc.strerror or exc
            )
        if stat.S_ISLNK(st.st_mode):
            return t("safety.linked_folder", folder=ws.rel(folder))
        if not stat.S_ISDIR(st.st_mode):
            return FileInTheWay(t("safety.move.file_in_the_way", path=ws.rel(folder)))
    return None


def prepare_folder(folder: Path, ws: Workspace) -> str | None:
    """Create a destination folder, one level at a time, never through a symbolic link; why it
    cannot be used, or None."""
    why = unsafe_path(ws, folder / "_")
    if why:
        if isinstance(why, FileInTheWay):
            return t("safety.move.cannot_create", folder=ws.rel(folder), why=why)
        return why
    try:
        rel = folder.relative_to(ws.root)
    except ValueError:
        return t("safety.outside", path=str(folder))
    current = ws.root
    for part in rel.parts:
        current = current / part
        try:
            os.mkdir(current)  # never follows a link placed at `current`
        except FileExistsError:
            pass
        except OSError as exc:
            return t("safety.move.cannot_create", folder=ws.rel(current), why=exc.strerror or exc)
        try:
            st = os.lstat(current)
        except OSError as exc:
            return t("safety.move.cannot_create", folder=ws.rel(current), why=exc.strerror or exc)
        if stat.S_ISLNK(st.st_mode):
            return t("safety.linked_folder", folder=ws.rel(current))
        if not stat.S_ISDIR(st.st_mode):
            return t("safety.move.file_in_the_way", path=ws.rel(current))
    return None


def stored(text: str) -> str | None:
    """A path as the journal stores it: UTF-8 text, whatever this process's locale (under
    `LC_ALL=C` a name arrives as surrogate escapes of its bytes); None for a name whose bytes
    are not UTF-8, which no text column can hold."""
    try:
        raw = os.fsencode(text)
    except UnicodeEncodeError:  # already real text the locale cannot encode
        raw = text.encode("utf-8", "surrogatepass")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def local(text: str) -> str:
    """A stored path as this process's file functions take it (the same bytes on disk, in any
    locale)."""
    try:
        return os.fsdecode(text.encode("utf-8"))
    except UnicodeEncodeError:
        return text


def plain_rel(rel: object) -> bool:
    """A journaled path that names something strictly below the workspace root."""
    if not isinstance(rel, str) or not rel or "\x00" in rel:
        return False
    pure = PurePosixPath(rel)
    parts = pure.parts
    return (
        not pure.is_absolute()
        and bool(parts)
        and ".." not in parts
        and parts[0] != ".konomi"
        and not rel.startswith("/")
    )


def unsafe_edit(path: Path, roots: Sequence[Path]) -> Hopeless | None:
    """Why a journaled sidecar write must not touch `path`, or None: it must be an absolute
    `.xmp` path inside one of `roots` (the libraries), reached through real folders only — no
    symbolic link on the way, so that a tampered journal cannot make konomi write or delete a
    file elsewhere. Checked when a row is read and again just before the file is touched."""
    if not path.is_absolute() or ".." in path.parts or "\x00" in str(path):
        return Hopeless(t("edits.refused.relative"))
    if path.suffix.lower() != SIDECAR_SUFFIX:
        return Hopeless(t("edits.refused.not_sidecar"))
    root = next((r for r in roots if path.is_relative_to(r)), None)
    if root is None or path == root:
        return Hopeless(t("edits.refused.outside"))
    folder = root
    for part in path.relative_to(root).parts[:-1]:
        folder = folder / part
        try:
            st = os.lstat(folder)
        except OSError:
            return Hopeless(t("edits.refused.outside"))
        if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
            return Hopeless(t("edits.refused.linked", folder=str(folder)))
    real = Path(os.path.realpath(path.parent))
    if not real.is_relative_to(os.path.realpath(root)):
        return Hopeless(t("edits.refused.outside"))
    return None
