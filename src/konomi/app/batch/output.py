"""The output Parquet file: what it holds, what a rerun may reuse, and how it is replaced.

`--out FILE.parquet` is one Parquet file, written once at the end (a temporary file, then an
atomic rename). While a run goes on, results land as part files in a work folder beside it,
`.FILE.parquet.parts/`, so a run that is stopped or crashes keeps what it finished: the next
run with the same `--out` reads the file and the parts, skips every image whose row is still
valid (same head, same path, same size and modification time), scores the rest, merges, and
removes the work folder. Each input appears in the file exactly once.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from konomi.atomic import publish
from konomi.errors import KonomiError
from konomi.i18n import t

CORE_COLUMNS = ("path", "score", "label", "head", "error", "size", "mtime_ns")
EMBEDDING = "embedding"


def require_pyarrow() -> None:
    """pyarrow comes with the `parquet` or `ray` extra; a plain install does not carry it."""
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise KonomiError(t("batch.no_pyarrow"), t("batch.no_pyarrow_hint")) from None


def check_out(out: Path, source: Path, inputs: list[str]) -> None:
    """Refuse an `--out` that would destroy something: the input itself (`--input d.parquet
    --out d.parquet`), one of the listed files, or an existing file konomi did not write — a
    text file, a folder, a pipe, a link, or a Parquet file without konomi's columns (the
    person's own dataset). Files are compared by what they are on disk (the same folder entry,
    through any link in the folders above), never by how their paths are written."""
    name = out.name.lower()  # only a file of that name can be the same entry
    if _same_entry(out, source) or any(
        _same_entry(out, Path(p)) for p in inputs if p.rpartition("/")[2].lower() == name
    ):
        raise KonomiError(t("batch.out_is_input", path=out), t("batch.out_is_input_hint"))
    if not os.path.lexists(out):
        return
    if out.is_symlink() or not out.is_file() or not _ours(out):
        raise KonomiError(t("batch.out_not_ours", path=out), t("batch.out_not_ours_hint"))


def _same_entry(a: Path, b: Path) -> bool:
    """True when `a` and `b` name the same folder entry (or the same file)."""
    try:
        if os.path.lexists(a) and os.path.lexists(b) and os.path.samefile(a, b):
            return True
        return os.path.realpath(a.parent) == os.path.realpath(b.parent) and a.name == b.name
    except (OSError, ValueError):
        return False


def _ours(out: Path) -> bool:
    """True for a Parquet file whose columns are those konomi writes."""
    import pyarrow.parquet as pq

    try:
        with open(out, "rb") as f:
            if f.read(4) != b"PAR1":
                return False
        names = set(pq.read_schema(out).names)
    except Exception:  # noqa: BLE001 - pyarrow raises several types for a damaged file
        return False
    return set(CORE_COLUMNS) <= names <= {*CORE_COLUMNS, EMBEDDING}


def work_dir(out: Path) -> Path:
    return out.with_name(f".{out.name}.parts")


def new_run_dir(out: Path) -> Path:
    """A fresh folder for this run's parts (a crashed run's parts stay beside it)."""
    path = work_dir(out) / f"run-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_part(table: Any, folder: Path, index: int) -> Path:
    """One part file, complete or absent (written under a temporary name, then renamed)."""
    import pyarrow.parquet as pq

    final = folder / f"part-{index:06d}.parquet"
    tmp = folder / f".part-{index:06d}.parquet.tmp"
    pq.write_table(table, tmp)
    publish(tmp, final)
    return final


def _tables(out: Path) -> Iterable[Any]:
    """The previous output, then the parts oldest first; unreadable files (a part cut short by
    a crash) are passed over: their images are simply scored again."""
    import pyarrow.parquet as pq

    files = [out] if out.is_file() else []
    parts = work_dir(out)
    if parts.is_dir():
        found = [p for p in parts.rglob("*.parquet") if p.is_file()]
        files += sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.as_posix()))
    for path in files:
        try:
            yield pq.read_table(path)
        except Exception:  # noqa: BLE001, S112 - any damage means: score these again
            continue


def load_rows(out: Path, head_id: str, inputs: set[str], with_embeddings: bool) -> Any:
    """Every row already written for `inputs` by head `head_id`, one per path (the newest)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    wanted = [*CORE_COLUMNS, EMBEDDING] if with_embeddings else list(CORE_COLUMNS)
    tables = []
    for table in _tables(out):
        if not set(wanted) <= set(table.column_names):
            continue
        table = table.select(wanted)
        keep = pc.and_(
            pc.equal(table["head"], head_id),
            pc.is_in(table["path"], value_set=pa.array(sorted(inputs), pa.string())),
        )
        tables.append(table.filter(keep))
    if not tables:
        return None
    rows = pa.concat_tables(tables, promote_options="permissive")
    order = pa.array(np.arange(len(rows)))
    last = rows.append_column("__i", order).group_by("path").aggregate([("__i", "max")])
    return rows.take(last["__i_max"])


def still_valid(rows: Any) -> Any:
    """The rows whose file has not changed since (same size and modification time)."""
    import pyarrow as pa

    if rows is None:
        return None
    keep = []
    for path, size, mtime in zip(
        rows["path"].to_pylist(), rows["size"].to_pylist(), rows["mtime_ns"].to_pylist()
    ):
        try:
            st = os.stat(path, follow_symlinks=False)
            keep.append(st.st_size == size and st.st_mtime_ns == mtime)
        except (OSError, ValueError):  # ValueError: a path that names no file (a NUL)
            keep.append(size == -1)  # unreadable then and still unreadable: keep its row
    return rows.filter(pa.array(keep, pa.bool_()))


def relabel(rows: Any, dislike: float, like: float) -> Any:
    """Labels by the thresholds in force now (kept rows may have been labelled by others)."""
    import pyarrow as pa

    from konomi.app.batch.scoring import labels

    scores = rows["score"].to_numpy(zero_copy_only=False)
    valid = ~np.isnan(np.asarray(scores, dtype=np.float64))
    label = labels(np.nan_to_num(np.asarray(scores, np.float64), nan=0.5), dislike, like)
    column = pa.array(label.tolist(), pa.string(), mask=~valid)
    return rows.set_column(rows.column_names.index("label"), "label", column)


def finish(
    out: Path,
    head_id: str,
    inputs: list[str],
    refused: list[tuple[str, str]],
    thresholds: tuple[float, float],
    with_embeddings: bool,
) -> Any:
    """Merge the previous file and every part into one row per input, in input order, write it
    atomically to `out` and remove the work folder. Returns the table written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    inputs = [*inputs, *(p for p, _ in refused)]
    rows = load_rows(out, head_id, set(inputs), with_embeddings)
    if refused:
        rows = _with_refused(rows, refused, head_id, with_embeddings)
    if rows is None:
        rows = empty_table(with_embeddings)
    position = {p: i for i, p in enumerate(inputs)}
    missing = len(inputs) - len(rows)
    if missing:
        raise KonomiError(t("batch.incomplete", missing=missing), t("batch.incomplete_hint"))
    order = np.argsort([position[p] for p in rows["path"].to_pylist()], kind="stable")
    rows = relabel(rows.take(pa.array(order)), *thresholds)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        pq.write_table(rows, tmp)
        publish(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)  # gone after the rename; left by a failed write otherwise
    shutil.rmtree(work_dir(out), ignore_errors=True)
    return rows


def empty_table(with_embeddings: bool, dim: int = 0) -> Any:
    import pyarrow as pa

    fields = [
        ("path", pa.string()),
        ("score", pa.float64()),
        ("label", pa.string()),
        ("head", pa.string()),
        ("error", pa.string()),
        ("size", pa.int64()),
        ("mtime_ns", pa.int64()),
    ]
    if with_embeddings:
        fields.append((EMBEDDING, pa.list_(pa.float32(), dim) if dim else pa.list_(pa.float32())))
    return pa.table({name: pa.array([], kind) for name, kind in fields})


def _with_refused(
    rows: Any, refused: list[tuple[str, str]], head_id: str, with_embeddings: bool
) -> Any:
    """Add a row for each file refused before reading (a link, an odd name), unless present."""
    import pyarrow as pa

    have = set(rows["path"].to_pylist()) if rows is not None else set()
    todo = [(p, r) for p, r in refused if p not in have]
    if not todo:
        return rows
    n = len(todo)
    columns: dict[str, Any] = {
        "path": pa.array([p for p, _ in todo], pa.string()),
        "score": pa.nulls(n, pa.float64()),
        "label": pa.nulls(n, pa.string()),
        "head": pa.array([head_id] * n, pa.string()),
        "error": pa.array([r for _, r in todo], pa.string()),
        "size": pa.array([-1] * n, pa.int64()),
        "mtime_ns": pa.array([-1] * n, pa.int64()),
    }
    if with_embeddings:
        kind = rows.schema.field(EMBEDDING).type if rows is not None else pa.list_(pa.float32())
        columns[EMBEDDING] = pa.nulls(n, kind)
    extra = pa.table(columns)
    return extra if rows is None else pa.concat_tables([rows, extra], promote_options="permissive")
