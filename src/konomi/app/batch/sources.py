"""What to score: a folder (recursive), a text file of paths, or a Parquet file with a `path`
column. Every path comes out absolute with forward slashes, once, in a stable order; nothing
is opened for writing."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from konomi.encode.images import Skipped, find_images
from konomi.errors import KonomiError
from konomi.i18n import t
from konomi.i18n.display import display


@dataclass
class Inputs:
    """The images to score, and the files found but refused before reading (links, names
    that are not UTF-8…): those become rows with an error too."""

    paths: list[str]
    refused: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)


def as_posix(path: str | Path, base: Path | None = None) -> str:
    """Absolute, normalised, forward slashes; symbolic links are not resolved (the row names
    the path the person gave)."""
    p = Path(os.path.expanduser(str(path)))
    if not p.is_absolute():
        p = (base or Path.cwd()) / p
    return Path(os.path.normpath(p)).as_posix()


def list_inputs(source: Path | str) -> Inputs:
    """Read SOURCE: a folder, a `.parquet` file with a `path` column, or a text file of paths
    (one per line; blank lines and lines starting with # are skipped; relative paths are taken
    from the list's own folder, so a list keeps its meaning wherever the command runs).

    An empty SOURCE is refused (it would mean the current folder); so is one that is neither a
    folder nor a regular file (a FIFO would block). A listed path holding a NUL byte names no
    file: it becomes a row with that reason, shown with the NUL escaped."""
    text = os.fspath(source)
    if not text.strip() or "\x00" in text:
        raise KonomiError(t("batch.input_empty"), t("batch.input_hint"))
    source = Path(os.path.expanduser(text))
    if source.is_dir():
        skipped: list[Skipped] = []
        found = [as_posix(p) for p in find_images(source, skipped)]
        refused = [(as_posix(s.path), s.reason) for s in skipped if not s.path.is_dir()]
        return Inputs(_unique(found), refused)
    if not source.exists():
        raise KonomiError(t("batch.input_missing", path=display(source)), t("batch.input_hint"))
    if not source.is_file():
        raise KonomiError(t("batch.input_not_file", path=display(source)), t("batch.input_hint"))
    base = source.resolve().parent
    if source.suffix.lower() == ".parquet":
        raw = _parquet_paths(source)
    elif source.suffix.lower() == ".tar":
        raise KonomiError(t("batch.tar_unsupported", path=source), t("batch.input_hint"))
    else:
        raw = _text_paths(source)
    nul = [p for p in raw if "\x00" in p]
    paths = [as_posix(p, base) for p in raw if "\x00" not in p]
    refused = [(display(p), t("batch.nul_in_path")) for p in dict.fromkeys(nul)]
    return Inputs(_unique(paths), refused)


def _text_paths(source: Path) -> list[str]:
    try:
        text = source.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise KonomiError(t("batch.list_not_text", path=source), t("batch.input_hint")) from None
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _parquet_paths(source: Path) -> list[str]:
    from konomi.app.batch.output import require_pyarrow

    require_pyarrow()
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(source)
        if "path" not in schema.names:
            raise KonomiError(
                t("batch.no_path_column", path=source, columns=", ".join(schema.names))
            )
        column = pq.read_table(source, columns=["path"]).column("path")
    except KonomiError:
        raise
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a bad file
        raise KonomiError(t("batch.parquet_unreadable", path=source, reason=exc)) from None
    import pyarrow as pa

    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        raise KonomiError(
            t("batch.path_column_type", path=display(source), kind=str(column.type)),
            t("batch.input_hint"),
        )
    return [p for p in column.to_pylist() if p]


def _unique(paths: list[str]) -> list[str]:
    """Each input once (a list may name a file twice), first occurrence first."""
    return list(dict.fromkeys(paths))
