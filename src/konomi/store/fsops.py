"""File-system primitives of the journal's moves: names, identities, links, copies.

Nothing here knows the journal: each function does one file-system step the move state machine
(`store/moves.py`) builds on — a free name that never replaces a file, a hard link that never
follows one, a verified copy into a part-file, a rename that refuses to replace.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from pathlib import Path

from konomi import faults

NAME_MAX = 255  # bytes in one file name on every file system people use
PART_PREFIX = ".konomi-part-"

# Errors of `os.link` that mean "no hard link possible here", not "this move is impossible".
NO_HARD_LINK = {errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK}
NO_HARD_LINK |= {errno.ENOSYS, errno.EACCES} if os.name == "nt" else {errno.ENOSYS}


def link(src: Path, dst: Path, *, same_folder: bool = False) -> None:
    """`os.link` without following links (tests may make it fail: `faults.link_error`)."""
    code = faults.link_error(same_folder=same_folder)
    if code:
        raise OSError(code, os.strerror(code), str(src), None, str(dst))
    os.link(src, dst, follow_symlinks=False)


def fit_name(stem: str, suffix: str) -> str:
    """`stem + suffix`, the stem shortened (on a character boundary) to fit NAME_MAX bytes."""
    budget = NAME_MAX - len(suffix.encode("utf-8", "surrogateescape"))
    raw = stem.encode("utf-8", "surrogateescape")
    if len(raw) > budget:
        stem = raw[: max(budget, 1)].decode("utf-8", "ignore")
    return stem + suffix


def free_name(folder: Path, name: str, taken: set[Path] | frozenset[Path] = frozenset()) -> Path:
    """`folder/name`, or `folder/name (1).ext`, `(2)`, … — the first that does not exist.

    `taken` holds names already promised to other moves of the same batch. A numbered name
    never grows past 255 bytes: the stem is shortened instead.
    """
    candidate = folder / name
    stem, suffix = os.path.splitext(name)
    n = 1
    while os.path.lexists(candidate) or candidate in taken:
        candidate = folder / fit_name(stem, f" ({n}){suffix}")
        n += 1
    return candidate


def group_names(
    src: Path,
    folder: Path,
    companions: tuple[Path, ...],
    name: str,
    taken: set[Path] | frozenset[Path] = frozenset(),
) -> tuple[Path, list[tuple[Path, Path]]]:
    """Destinations in `folder` for a photo `src` and its companions: `name` and each
    companion's part of the name after the source's stem, on one stem — `IMG_1`, else
    `IMG_1 (1)`, `(2)`, … — the first for which *every* name is free, so a pair never ends up
    split across two stems."""
    src_stem = os.path.splitext(src.name)[0]
    stem, suffix = os.path.splitext(name)
    tails: list[str | None] = [  # IMG_1.NEF.xmp beside IMG_1.JPG → ".NEF.xmp"
        c.name[len(src_stem) :] if c.name.startswith(src_stem + ".") else None for c in companions
    ]
    longest = max([suffix, *(tail for tail in tails if tail)], key=lambda x: len(x.encode()))
    n = 0
    while True:
        marker = f" ({n})" if n else ""
        fitted = fit_name(stem, marker + longest)
        new_stem = fitted[: len(fitted) - len(longest)] if longest else fitted
        dst = folder / (new_stem + suffix)
        shared = [(c, folder / (new_stem + t)) for c, t in zip(companions, tails) if t]
        wanted = [dst, *(d for _, d in shared)]
        if len(set(wanted)) == len(wanted) and not any(
            os.path.lexists(p) or p in taken for p in wanted
        ):
            break
        n += 1
    # A companion whose name does not begin with the stem keeps its own name (numbered alone).
    promised = set(taken) | set(wanted)
    riders = dict(shared)
    for c, tail in zip(companions, tails):
        if not tail:
            riders[c] = free_name(folder, c.name, promised)
            promised.add(riders[c])
    return dst, [(c, riders[c]) for c in companions]


def identity(st: os.stat_result) -> str:
    """A file's identity as the journal keeps it: device and inode."""
    return f"{st.st_dev}:{st.st_ino}"


def identity_of(path: Path) -> str | None:
    try:
        return identity(os.lstat(path))
    except OSError:
        return None


def is_regular(st: os.stat_result) -> bool:
    return stat.S_ISREG(st.st_mode)


def part_path(dst: Path, move_id: int) -> Path:
    """The hidden part-file a cross-device copy of move `move_id` is written to first."""
    return dst.parent / f"{PART_PREFIX}{move_id}"


def same_bytes(a: Path, b: Path) -> bool:
    """Compare two files byte for byte (no stat shortcuts: the copy must be proven)."""
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            block_a, block_b = fa.read(1 << 20), fb.read(1 << 20)
            if block_a != block_b:
                return False
            if not block_a:
                return True


def same_bytes_quiet(a: Path, b: Path) -> bool:
    try:
        return os.path.isfile(a) and os.path.isfile(b) and same_bytes(a, b)
    except OSError:
        return False


def same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def copy_to_part(src: Path, part: Path) -> None:
    """Copy `src` into a fresh part-file (never through a link placed there), flush, stamp."""
    with contextlib.suppress(FileNotFoundError):
        part.unlink()  # our own name: a leftover of ours
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(part, flags, 0o644)
    try:
        with open(src, "rb") as f:
            while block := f.read(1 << 20):
                view = memoryview(block)
                while view:
                    view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    st = os.stat(src)
    with contextlib.suppress(OSError):
        os.utime(part, ns=(st.st_atime_ns, st.st_mtime_ns))  # keeps the cache's stamp valid


def rename_noreplace(src: Path, dst: Path) -> None:
    """Rename `src` to `dst`, failing with FileExistsError rather than replace `dst`.

    Linux has `renameat2(RENAME_NOREPLACE)`; elsewhere (or where the file system lacks it) the
    name is checked just before an ordinary rename — used only where hard links are impossible.
    """
    if sys.platform.startswith("linux") and _renameat2(src, dst):
        return
    if os.path.lexists(dst):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(dst))
    os.rename(src, dst)


def _renameat2(src: Path, dst: Path) -> bool:
    """True when renameat2(RENAME_NOREPLACE) did the rename; False when it is unsupported."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_noreplace = -100, 1
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(at_fdcwd, os.fsencode(src), at_fdcwd, os.fsencode(dst), rename_noreplace) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(src), None, str(dst))
