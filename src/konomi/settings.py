"""Settings of one workspace: `konomi.toml`, checked whole before any work starts.

Every key has a type and a range (or a set of choices). A key konomi does not know is refused with
the closest known one ("did you mean …"), so `like_treshold = 0.8` can never be silently ignored.
Command-line flags go through the same checks (`Settings.with_overrides`).
"""

from __future__ import annotations

import difflib
import math
import os
import re
import stat
import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from konomi.errors import KonomiError
from konomi.i18n import t

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

DEFAULT_MODEL = "immich-app/ViT-B-32__openai"
DEFAULT_LIKE = 0.7  # score ≥ this is a "like" proposal
DEFAULT_DISLIKE = 0.3  # score ≤ this is a "dislike" proposal
DEVICES = ("auto", "cpu", "cuda", "coreml", "directml", "openvino")
PRECISIONS = ("fp32", "int8")
HEADS = ("auto", "kernel", "logreg", "svm", "mlp", "knn")
LANGUAGES = ("", "en", "ja")  # "": from KONOMI_LANG or the locale
SIDECAR_NAMES = ("with_extension", "without_extension")  # IMG_1.NEF.xmp / IMG_1.xmp
MAX_BATCH = 4096
DEFAULT_BURST_GAP = 2.0  # seconds between two frames of one burst, at most
DEFAULT_BURST_SIMILARITY = 0.9  # cosine of consecutive frames of a burst, at least (0: time)
MAX_BURST_GAP = 3600.0
MAX_SETTINGS_BYTES = 1_000_000


@dataclass(frozen=True)
class Settings:
    """Settings of one workspace; `konomi.toml` may set any of them, flags override."""

    model: str = DEFAULT_MODEL
    like_threshold: float = DEFAULT_LIKE
    dislike_threshold: float = DEFAULT_DISLIKE
    target_precision: float = 0.0  # 0: fixed thresholds; else chosen to reach this precision
    head: str = "auto"
    device: str = "auto"
    precision: str = "fp32"
    batch_size: int = 0  # 0: chosen from the model
    language: str = ""
    libraries: tuple[str, ...] = ()  # folders scored in place, never moved or modified
    ratings_as_labels: bool = False
    like_rating: int = 4  # an XMP rating ≥ this is a "like" (with ratings_as_labels)
    dislike_rating: int = 1  # ≤ this (or rejected, -1) is a "dislike"
    sidecar_name: str = "with_extension"
    like_text: tuple[str, ...] = ()  # phrases describing the taste (models with a text tower)
    dislike_text: tuple[str, ...] = ()
    burst_gap: float = DEFAULT_BURST_GAP
    burst_similarity: float = DEFAULT_BURST_SIMILARITY
    explicit: frozenset[str] = frozenset()  # keys konomi.toml or a flag set

    def with_overrides(self, **values: object) -> Settings:
        """A copy with every non-None value replaced (and marked explicit), checked."""
        given = {k: v for k, v in values.items() if v is not None}
        for key, value in given.items():
            _check_value(key, value, where=f"--{key.replace('_', '-')}")
        updated = replace(self, **given, explicit=self.explicit | frozenset(given))  # type: ignore[arg-type]
        check_thresholds(updated.dislike_threshold, updated.like_threshold)
        return updated


KNOWN = tuple(f.name for f in fields(Settings) if f.name != "explicit")

# key: (kind, lower, upper) for numbers; (kind, choices) for words; (kind,) for the rest
_RULES: dict[str, tuple[Any, ...]] = {
    "model": ("text",),
    "like_threshold": ("number", 0.0, 1.0),
    "dislike_threshold": ("number", 0.0, 1.0),
    "target_precision": ("number", 0.0, 1.0),
    "head": ("choice", HEADS),
    "device": ("choice", DEVICES),
    "precision": ("choice", PRECISIONS),
    "batch_size": ("whole", 0, MAX_BATCH),
    "language": ("choice", LANGUAGES),
    "libraries": ("texts",),
    "ratings_as_labels": ("bool",),
    "like_rating": ("whole", 1, 5),
    "dislike_rating": ("whole", -1, 5),
    "sidecar_name": ("choice", SIDECAR_NAMES),
    "like_text": ("texts",),
    "dislike_text": ("texts",),
    "burst_gap": ("number", 0.0, MAX_BURST_GAP),
    "burst_similarity": ("number", 0.0, 1.0),
}
_EXAMPLES = {
    "model": 'model = "immich-app/ViT-B-32__openai"',
    "libraries": 'libraries = ["~/Pictures", "/mnt/nas/photos"]',
    "like_text": 'like_text = ["quiet streets at dusk", "film grain portraits"]',
    "dislike_text": 'dislike_text = ["screenshots", "food"]',
    "ratings_as_labels": "ratings_as_labels = true",
}


def _example(key: str) -> str:
    if key in _EXAMPLES:
        return _EXAMPLES[key]
    rule = _RULES[key]
    if rule[0] == "choice":
        return f'{key} = "{rule[1][1] if rule[1][0] == "" else rule[1][0]}"'
    return f"{key} = {getattr(Settings, key)!r}"


def _check_value(key: str, value: object, *, where: str) -> None:
    """Refuse a value of the wrong type or outside its range, naming the key and an example."""
    if key not in _RULES:
        return  # not a setting konomi.toml holds (e.g. a flag-only value)
    kind, *limits = _RULES[key]
    problem, fields = "", {"value": _shown(value)}
    if kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok or not _finite(value):
            problem = "errors.settings.number"
        elif not limits[0] <= float(value) <= limits[1]:  # type: ignore[arg-type]
            problem = "errors.settings.range"
            fields = {"low": f"{limits[0]:g}", "high": f"{limits[1]:g}", "value": str(value)}
    elif kind == "whole":
        if not isinstance(value, int) or isinstance(value, bool):
            problem = "errors.settings.whole"
        elif not limits[0] <= value <= limits[1]:
            problem = "errors.settings.range"
            fields = {"low": str(limits[0]), "high": str(limits[1]), "value": str(value)}
    elif kind == "bool":
        if not isinstance(value, bool):
            problem = "errors.settings.bool"
    elif kind == "text":
        if not isinstance(value, str) or not value.strip():
            problem = "errors.settings.text"
    elif kind == "texts":
        if not isinstance(value, list | tuple) or not all(
            isinstance(v, str) and v.strip() for v in value
        ):
            problem = "errors.settings.texts"
    elif kind == "choice" and (not isinstance(value, str) or value not in limits[0]):
        problem = "errors.settings.choice"
        fields["choices"] = ", ".join(c for c in limits[0] if c)
    if problem:
        raise KonomiError(
            t(problem, where=where, key=key, **fields),
            t("errors.settings.example", example=_example(key)),
        )


def _finite(value: object) -> bool:
    """A number a float can hold (a 400-digit integer cannot)."""
    try:
        return math.isfinite(float(value))  # type: ignore[arg-type]
    except (OverflowError, TypeError, ValueError):
        return False


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "…"


def parse_settings(path: Path) -> Settings:
    """Read `konomi.toml`, naming the line and key at fault when anything is wrong.

    A `konomi.toml` that is a symlink is refused without being read: settings are the
    workspace's own file, and an error message must never show a line of some other file.
    """
    text = _read(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(path, text, exc) from None
    except RecursionError:
        raise KonomiError(
            t("errors.settings.nested", file=path.name), t("errors.settings.nested_hint")
        ) from None
    values: dict[str, object] = {}
    for key, value in data.items():
        where = t("errors.settings.where_line", file=path.name, line=_line_of_key(text, key))
        if key not in KNOWN:
            close = difflib.get_close_matches(key, KNOWN, n=1, cutoff=0.6)
            raise KonomiError(
                t("errors.settings.unknown_key_close", where=where, key=key, close=close[0])
                if close
                else t("errors.settings.unknown_key", where=where, key=key),
                t("errors.settings.known_keys", keys=", ".join(KNOWN)),
            )
        _check_value(key, value, where=where)
        if _RULES[key][0] == "number":
            value = float(value)
        elif _RULES[key][0] == "texts":
            value = tuple(value)
        values[key] = value
    settings = Settings(**values, explicit=frozenset(values))  # type: ignore[arg-type]
    try:
        check_thresholds(settings.dislike_threshold, settings.like_threshold)
    except KonomiError as exc:
        key = "like_threshold" if "like_threshold" in data else "dislike_threshold"
        where = t("errors.settings.where_line", file=path.name, line=_line_of_key(text, key))
        raise KonomiError(
            t("errors.settings.at", where=where, message=exc.message), exc.hint
        ) from None
    return settings


def _read(path: Path) -> str:
    """The text of konomi.toml: a regular file, not a link, of a sensible size, in UTF-8."""
    try:
        fd = os.open(
            path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        )
    except OSError as exc:
        if path.is_symlink():
            raise KonomiError(
                t("errors.settings.symlink", file=path.name), t("errors.settings.symlink_hint")
            ) from None
        raise KonomiError(
            t("errors.settings.cannot_read", path=path, reason=exc.strerror or exc)
        ) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise KonomiError(
                t("errors.settings.not_regular", file=path.name),
                t("errors.settings.not_regular_hint"),
            )
        if info.st_size > MAX_SETTINGS_BYTES:
            raise KonomiError(
                t("errors.settings.too_large", file=path.name, size=f"{info.st_size:,}"),
                t("errors.settings.too_large_hint"),
            )
        with os.fdopen(fd, "rb", closefd=False) as handle:
            raw = handle.read(MAX_SETTINGS_BYTES + 1)
    finally:
        os.close(fd)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KonomiError(
            t("errors.settings.not_utf8", file=path.name, byte=exc.start),
            t("errors.settings.not_utf8_hint"),
        ) from None


def _line_of_key(text: str, key: str) -> str:
    """The line number where `key = …` is set (as text; '?' when it cannot be found)."""
    pattern = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*=""")
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return str(number)
    return "?"


def _toml_error(path: Path, text: str, exc: Exception) -> KonomiError:
    """A TOML syntax error as 'line N (`the line`): what is wrong', with the key it sets."""
    message = str(exc)
    found = re.search(r"\(at line (\d+), column (\d+)\)", message)
    what = re.sub(r"\s*\(at line \d+, column \d+\)", "", message) or t("errors.settings.syntax")
    if not found:
        return KonomiError(
            t("errors.settings.toml", file=path.name, problem=message),
            t("errors.settings.toml_hint"),
        )
    number = int(found.group(1))
    lines = text.splitlines()
    line = lines[number - 1].strip()[:120] if 0 < number <= len(lines) else ""
    key = line.split("=", 1)[0].strip().strip("\"'") if "=" in line else ""
    shown = f": {line}" if line else ""
    fields = {"file": path.name, "line": number, "column": int(found.group(2))}
    fields |= {"key": key, "problem": what, "shown": shown}
    return KonomiError(
        t("errors.settings.toml_line_key" if key else "errors.settings.toml_line", **fields),
        t("errors.settings.toml_line_hint"),
    )


def check_thresholds(dislike: float, like: float) -> None:
    """Thresholds must satisfy 0 ≤ dislike ≤ like ≤ 1, or proposals make no sense."""
    if not (0.0 <= dislike <= like <= 1.0):
        raise KonomiError(
            t("errors.settings.thresholds", dislike=dislike, like=like),
            t("errors.settings.thresholds_hint", like=DEFAULT_LIKE, dislike=DEFAULT_DISLIKE),
        )
