"""What a row read back from the embedding cache must be before konomi acts on it.

The cache is a file anyone can damage or write; each check says what konomi itself writes, so
anything else is treated as missing (hashed, embedded or measured again), never trusted.
"""

from __future__ import annotations

import numpy as np


def storable(text: str) -> bool:
    """Text SQLite can hold: a file name in another encoding (surrogates) cannot be."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def valid_stamp(path: object, size: object, mtime_ns: object, digest: object) -> bool:
    """A `files` row of the types konomi writes (anything else is hashed again)."""
    return (
        isinstance(path, str)
        and type(size) is int
        and type(mtime_ns) is int
        and isinstance(digest, str)
        and bool(digest)
    )


def sound_vector(blob: object, size: int | None) -> np.ndarray | None:
    """A cached vector as float32, or None when it is not one: not bytes, the wrong size (the
    model's is `size` bytes), or not finite."""
    if not isinstance(blob, bytes) or not blob or len(blob) % 4:
        return None
    if size is not None and len(blob) != size:
        return None
    vector = np.frombuffer(blob, dtype=np.float32)
    return vector if np.isfinite(vector).all() else None


def number(value: object) -> bool:
    """A finite int or float (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value)
