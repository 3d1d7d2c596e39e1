"""Test factories: tiny ONNX encoders in Immich/HF-cache layouts, and generated photo folders.

Import from the submodules (``from factories.models import build_model_dir``) or from here.
"""

from .images import (
    HOSTILE_READABLE,
    ORIENTATION_SIZE,
    FileMultiset,
    assert_conserved,
    expected_unreadable,
    file_hashes,
    make_format_zoo,
    make_hostile_zoo,
    make_image,
    make_taste_set,
    make_unlabeled_set,
    orientation_reference,
)
from .models import (
    CLIP_MEAN,
    CLIP_STD,
    HUB_PATTERNS,
    build_broken_models,
    build_hub_cache,
    build_model_dir,
    build_tiny_encoder,
    offline_hub_env,
    preprocess_cfg,
)

__all__ = [
    "CLIP_MEAN",
    "CLIP_STD",
    "HOSTILE_READABLE",
    "HUB_PATTERNS",
    "ORIENTATION_SIZE",
    "FileMultiset",
    "assert_conserved",
    "build_broken_models",
    "build_hub_cache",
    "build_model_dir",
    "build_tiny_encoder",
    "expected_unreadable",
    "file_hashes",
    "make_format_zoo",
    "make_hostile_zoo",
    "make_image",
    "make_taste_set",
    "make_unlabeled_set",
    "offline_hub_env",
    "orientation_reference",
    "preprocess_cfg",
]
