"""Downscaled, upright previews of images for the review page, cached under `.konomi/previews/`.

The review page never receives an original: a 12 MP photo is 5–10 MB and would make every key
press wait. A preview is decoded once (JPEG in draft mode, EXIF orientation applied, alpha put
on grey — the same safe decoder the encoder uses), shrunk to at most `MAX_SIDE` pixels, and
stored as a JPEG named by the file's content hash. Naming by content means a preview stays valid
when the file moves into `data/train/`, and two copies of one photo share one preview.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
from pathlib import Path
from typing import BinaryIO

from PIL import Image

from konomi.atomic import publish
from konomi.encode.images import decode
from konomi.errors import UnreadableImage
from konomi.workspace import Workspace

MAX_SIDE = 1600  # sharp on a laptop screen, ~150–300 KB as JPEG
QUALITY = 85
MAX_PREVIEW_BYTES = 32 << 20  # far above any preview of MAX_SIDE pixels
KEEP = 3000  # previews kept on disk at most (the oldest go first)
_DIGEST = re.compile(r"^[0-9a-f]{8,128}$")


def preview_dir(ws: Workspace) -> Path:
    return ws.state / "previews"


def preview_path(ws: Workspace, digest: str, max_side: int = MAX_SIDE) -> Path:
    """Where the preview of the content `digest` lives (the digest is checked to be hex)."""
    if not _DIGEST.match(digest):
        raise ValueError(f"not a content digest: {digest!r}")
    return preview_dir(ws) / f"{digest}-{max_side}.jpg"


def open_listed(path: Path, identity: tuple[int, int] | None = None) -> BinaryIO:
    """Open a file the server listed: never through a symbolic link, and only that very file.

    `identity` is the (device, inode) the file had when it was listed; a file swapped for
    another one (or for a link to one outside the workspace) since then is refused.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    flags |= getattr(os, "O_NONBLOCK", 0)  # a FIFO swapped in must not block the server
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise UnreadableImage.because("unreadable.gone") from None
    except OSError as exc:
        raise UnreadableImage.because("unreadable.cannot_read", why=exc.strerror or exc) from None
    st = os.fstat(fd)
    f = os.fdopen(fd, "rb")
    if not stat.S_ISREG(st.st_mode):
        f.close()
        raise UnreadableImage.because("unreadable.not_regular")
    if identity is not None and (st.st_dev, st.st_ino) != tuple(identity):
        f.close()
        raise UnreadableImage.because("unreadable.replaced")
    return f


def make_preview(data: bytes, max_side: int = MAX_SIDE) -> bytes:
    """JPEG bytes of an image file's `data`, upright, at most `max_side` pixels on its long side.

    Raises `UnreadableImage` (a `KonomiError`) with a plain reason when it cannot be decoded.
    """
    min_side = _draft_side(data, max_side)
    image = decode(data, min_side=min_side)
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=QUALITY, optimize=True, progressive=True)
    return buf.getvalue()


def _draft_side(data: bytes, max_side: int) -> int | None:
    """The short side a JPEG must keep so that its long side still covers `max_side`."""
    with contextlib.suppress(Exception):
        with Image.open(io.BytesIO(data)) as probe:
            w, h = probe.size
        long, short = max(w, h), min(w, h)
        if long > max_side:
            result: int = max(1, -(-short * max_side // long))  # ceiling division
            return result
    return None


def cached_preview(
    ws: Workspace,
    source: Path,
    digest: str,
    identity: tuple[int, int] | None = None,
    max_side: int = MAX_SIDE,
) -> bytes:
    """The preview of `source` (content hash `digest`), made once and then reused.

    A cached preview is served only while `source` is still the listed file (`open_listed`).
    """
    target = preview_path(ws, digest, max_side)
    with open_listed(source, identity) as f:
        # never through a link, a pipe or a device
        with contextlib.suppress(OSError, UnreadableImage), open_listed(target) as cached:
            return cached.read(MAX_PREVIEW_BYTES)
        data = f.read()
    jpeg = make_preview(data, max_side)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}-{id(jpeg)}.tmp")
    try:
        tmp.write_bytes(jpeg)
        publish(tmp, target)  # two requests for one preview both write whole files
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return jpeg


def prune(ws: Workspace, keep: int = KEEP) -> int:
    """Delete the oldest previews beyond `keep` (they are only a cache); returns how many."""
    folder = preview_dir(ws)
    if not folder.is_dir():
        return 0
    entries = []
    for entry in os.scandir(folder):
        if entry.is_file(follow_symlinks=False) and entry.name.endswith(".jpg"):
            with contextlib.suppress(OSError):
                entries.append((entry.stat(follow_symlinks=False).st_mtime, entry.path))
    entries.sort(reverse=True)
    removed = 0
    for _, path in entries[keep:]:
        with contextlib.suppress(OSError):
            os.unlink(path)
            removed += 1
    return removed
