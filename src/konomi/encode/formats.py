"""Which file names are images: the formats konomi reads, by extension (case-insensitive).

Kept apart from the decoders so that listing (`images.find_images`) and pairing (`pairs`) agree
on one list without importing each other.
"""

from __future__ import annotations

import os

# Decoded by Pillow itself.
PILLOW_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff"}
)
# Decoded by pillow-heif (a dependency, registered once in `images`).
HEIF_EXTENSIONS = frozenset({".heic", ".heif", ".hif", ".avif"})
# Camera RAW, decoded by LibRaw (rawpy) through the JPEG preview the camera embedded.
RAW_EXTENSIONS = frozenset(
    {
        ".dng",  # Adobe DNG (Leica, Pentax, Ricoh, phones, converted RAW)
        ".nef",  # Nikon
        ".nrw",  # Nikon compacts
        ".cr2",  # Canon (until 2018)
        ".cr3",  # Canon (since 2018)
        ".crw",  # Canon (old)
        ".arw",  # Sony
        ".srf",  # Sony (old)
        ".sr2",  # Sony (old)
        ".raf",  # Fujifilm
        ".orf",  # Olympus / OM System
        ".rw2",  # Panasonic
        ".pef",  # Pentax
        ".srw",  # Samsung
        ".x3f",  # Sigma
        ".3fr",  # Hasselblad
        ".fff",  # Hasselblad
        ".iiq",  # Phase One
        ".rwl",  # Leica
        ".mrw",  # Minolta
        ".erf",  # Epson
        ".kdc",  # Kodak
        ".dcr",  # Kodak
        ".mos",  # Leaf
    }
)
IMAGE_EXTENSIONS = PILLOW_EXTENSIONS | HEIF_EXTENSIONS | RAW_EXTENSIONS
# What a camera writes beside a RAW file as its rendered twin (RAW+JPEG, RAW+HEIF).
RENDERED_TWINS = frozenset({".jpg", ".jpeg", ".heic", ".heif", ".hif"})
SIDECAR_EXTENSION = ".xmp"


def extension(name: str) -> str:
    """The lower-case extension of a file name (`IMG_1.NEF` → `.nef`)."""
    return os.path.splitext(name)[1].lower()


def is_image_name(name: str) -> bool:
    """True when the name has an image or camera-RAW extension (case-insensitive)."""
    return extension(name) in IMAGE_EXTENSIONS


def is_raw_name(name: str) -> bool:
    """True when the name has a camera-RAW extension (case-insensitive)."""
    return extension(name) in RAW_EXTENSIONS
