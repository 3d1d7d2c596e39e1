"""Journaled, collision-safe file moves, crash repair, and undo.

How one move works (docs/safety.md has the full argument):
1. **plan** — the move (source, destination name, and the source's identity: device + inode) is
   written to the SQLite journal and committed *before* anything on disk changes; moves are
   planned in batches that share one commit.
2. **link** — the destination is created as a hard link to the source with `os.link`, which
   fails rather than replace an existing file: a collision is impossible, and a new name
   (`name (1).jpg`) is journaled and used instead.
3. **unlink** — the source name is removed. *This is the commit point*: before it the photo is
   at its old place (perhaps also at the new one, as the same inode); after it, only at the new
   one. If the source cannot be removed, the new link is removed again and the move is skipped.
4. **done** — the journal marks the batch's moves done.

Where hard links are impossible (another device, a file system without them) the file is
copied to a hidden part-file `.konomi-part-<move id>` in the destination folder, flushed,
verified byte for byte, its identity journaled, then linked (or renamed without replacing) into
place, and only then is the source removed — the commit point again.

A crash at any instant leaves each journaled move in a state `repair` recognises from the
journal and the file system: a destination that is *ours* (the source's inode, or our journaled
copy) finishes the move or rolls it back, part-files are deleted, and every file ends in exactly
one place. Undo is itself a journaled operation of reverse moves, so it is as crash-safe as the
moves it reverts.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sqlite3
import stat
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from konomi.errors import JournalError, KonomiError, is_sqlite_corruption
from konomi.i18n import t
from konomi.progress import Progress
from konomi.store.edits import EDITS_SCHEMA, FileEdits
from konomi.store.migrations import Step, add_columns, sql, upgrade
from konomi.workspace import Workspace

BATCH = 64  # moves planned per journal commit
NAME_MAX = 255  # bytes in one file name on every file system people use
_SCHEMA = """
CREATE TABLE IF NOT EXISTS operations (
    id INTEGER PRIMARY KEY, kind TEXT NOT NULL, created REAL NOT NULL,
    state TEXT NOT NULL, note TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS moves (
    id INTEGER PRIMARY KEY, op INTEGER NOT NULL REFERENCES operations(id),
    src TEXT NOT NULL, dst TEXT NOT NULL, state TEXT NOT NULL,
    size INTEGER, mtime_ns INTEGER, digest TEXT,
    reverts INTEGER REFERENCES moves(id), reverted_by INTEGER REFERENCES moves(id),
    reason TEXT
);
CREATE INDEX IF NOT EXISTS moves_op ON moves(op);
CREATE INDEX IF NOT EXISTS moves_state ON moves(state);
"""
# The journal's history, oldest first: a file is brought up to the last step when opened.
STEPS = (
    Step(1, "operations and their moves", sql(_SCHEMA)),
    Step(
        2,
        "moves remember each file's identity (src_id) and its copy's (copy_id)",
        add_columns("moves", {"src_id": "TEXT", "copy_id": "TEXT"}),
    ),
    Step(3, "edits: labels of library images and XMP sidecar writes", sql(EDITS_SCHEMA)),
    Step(
        4,
        "a RAW twin or sidecar moves with its photo (companion_of)",
        add_columns("moves", {"companion_of": "INTEGER REFERENCES moves(id)"}),
    ),
)
# move states: planned → (copying →) done | skipped
# operation states: open → done | interrupted (repaired after a crash)
# reverted_by: the undo move that brought the file back; 0 when it can never come back
# companion_of: the move of the photo this file travels with (a RAW beside its JPEG, a sidecar)

PART_PREFIX = ".konomi-part-"


class Hopeless(str):
    """A reason retrying cannot help (the file is gone, or is no regular file): undo stops
    offering the move. A type, not a wording, so that it holds in every language."""


class Gone(Hopeless):
    """The file is no longer where it was scored: a caller may look for it again."""


class _FileInTheWay(str):
    """`unsafe_path`'s reason when a file stands where a folder must be."""


@dataclass(frozen=True)
class PlannedMove:
    """A file to move into a folder; `stamp` is (size, mtime_ns) when it was scored."""

    src: Path
    dst_dir: Path
    stamp: tuple[int, int] | None = None
    digest: str | None = None
    name: str | None = None  # the name to take there (default: the source's name)
    # Files that travel with this one (its RAW twin, XMP sidecars), each its own journaled move
    # in the same operation, after this one succeeded; they keep their part of the name after
    # the source's stem, and all take the same new stem when any name collides.
    companions: tuple[Path, ...] = ()


@dataclass
class MoveReport:
    """What an operation did: moves done, moves refused (with the reason)."""

    op: int
    moved: list[tuple[Path, Path]] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    # Companions (`PlannedMove.companions`) moved, and those that could not follow their photo
    # (a companion of a photo that stayed is not listed: it stays with it).
    companions: list[tuple[Path, Path]] = field(default_factory=list)
    companions_left: list[tuple[Path, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # for the person, e.g. history lost


@dataclass
class RepairReport:
    """What `repair` found after a crash."""

    finished: int = 0
    rolled_back: int = 0
    part_files_removed: int = 0
    operations: int = 0
    stuck: list[tuple[str, str]] = field(default_factory=list)  # (path, why) left for later

    def __bool__(self) -> bool:
        return bool(self.operations or self.finished or self.rolled_back or self.stuck)


# -- fault injection (tests only) ---------------------------------------------------------------
# Read once at import; unset in normal use, so each hook costs one string comparison.
_CRASH_AT = os.environ.get("KONOMI_TEST_CRASH_AT", "")
_PAUSE_AT = os.environ.get("KONOMI_TEST_PAUSE_AT", "")
_LINK_ERROR = os.environ.get("KONOMI_TEST_LINK_ERROR", "")
_fault_counts: dict[str, int] = {}

FAULT_POINTS = (
    "before_plan",  # a batch is about to be planned (files scored, nothing journaled)
    "after_plan",  # a batch is journaled, nothing moved yet
    "after_link",  # the destination link exists, the source too (same inode)
    "after_unlink",  # the source is removed: the move is committed, not yet marked done
    "after_move",  # after each move of a batch (its done mark comes at the batch's end)
    "after_batch",  # a batch is marked done
    "after_copy",  # cross-device: the part-file is written and flushed, not yet verified
    "after_copy_recorded",  # cross-device: the verified copy's identity is journaled
    "after_place",  # cross-device: the copy is in place, the source still exists
    "repair",  # repair has settled one move
)


def _fault(point: str) -> None:
    """A test hook: SIGKILL (`KONOMI_TEST_CRASH_AT`) or SIGSTOP (`KONOMI_TEST_PAUSE_AT`) here.

    The value is `point` or `point:N` (the N-th time the point is reached). A paused process
    waits for SIGCONT, which lets a test change the file system at exactly this instant.
    """
    if not (_CRASH_AT or _PAUSE_AT):
        return
    count = _fault_counts[point] = _fault_counts.get(point, 0) + 1
    for spec, sig in ((_CRASH_AT, signal.SIGKILL), (_PAUSE_AT, getattr(signal, "SIGSTOP", 0))):
        name, _, nth = spec.partition(":")
        if name == point and count == int(nth or 1) and sig:
            os.kill(os.getpid(), sig)


def _link(src: Path, dst: Path, *, same_folder: bool = False) -> None:
    """`os.link` without following links; `KONOMI_TEST_LINK_ERROR` makes it fail like a
    cross-device link (`EXDEV`: only links between folders fail) or a file system without hard
    links (`EPERM`: every link fails), so tests reach the copy path on any machine."""
    if _LINK_ERROR == "EPERM" or (_LINK_ERROR == "EXDEV" and not same_folder):
        code = errno.EPERM if _LINK_ERROR == "EPERM" else errno.EXDEV
        raise OSError(code, os.strerror(code), str(src), None, str(dst))
    os.link(src, dst, follow_symlinks=False)


# -- file-system primitives ---------------------------------------------------------------------
def _fit_name(stem: str, suffix: str) -> str:
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
        candidate = folder / _fit_name(stem, f" ({n}){suffix}")
        n += 1
    return candidate


def _group_names(
    move: PlannedMove, name: str, taken: set[Path] | frozenset[Path] = frozenset()
) -> tuple[Path, list[tuple[Path, Path]]]:
    """Destinations for a photo and its companions: `name` and each companion's part of the
    name after the source's stem, on one stem — `IMG_1`, else `IMG_1 (1)`, `(2)`, … — the first
    for which *every* name is free, so a pair never ends up split across two stems."""
    src_stem = os.path.splitext(move.src.name)[0]
    stem, suffix = os.path.splitext(name)
    tails: list[str | None] = [  # IMG_1.NEF.xmp beside IMG_1.JPG → ".NEF.xmp"
        c.name[len(src_stem) :] if c.name.startswith(src_stem + ".") else None
        for c in move.companions
    ]
    longest = max([suffix, *(tail for tail in tails if tail)], key=lambda x: len(x.encode()))
    folder = move.dst_dir
    n = 0
    while True:
        marker = f" ({n})" if n else ""
        fitted = _fit_name(stem, marker + longest)
        new_stem = fitted[: len(fitted) - len(longest)] if longest else fitted
        dst = folder / (new_stem + suffix)
        shared = [(c, folder / (new_stem + t)) for c, t in zip(move.companions, tails) if t]
        wanted = [dst, *(d for _, d in shared)]
        if len(set(wanted)) == len(wanted) and not any(
            os.path.lexists(p) or p in taken for p in wanted
        ):
            break
        n += 1
    # A companion whose name does not begin with the stem keeps its own name (numbered alone).
    promised = set(taken) | set(wanted)
    riders = dict(shared)
    for c, tail in zip(move.companions, tails):
        if not tail:
            riders[c] = free_name(folder, c.name, promised)
            promised.add(riders[c])
    return dst, [(c, riders[c]) for c in move.companions]


def _identity(st: os.stat_result) -> str:
    return f"{st.st_dev}:{st.st_ino}"


def _identity_of(path: Path) -> str | None:
    try:
        return _identity(os.lstat(path))
    except OSError:
        return None


def _part_path(dst: Path, move_id: int) -> Path:
    return dst.parent / f"{PART_PREFIX}{move_id}"


def _same_bytes(a: Path, b: Path) -> bool:
    """Compare two files byte for byte (no stat shortcuts: the copy must be proven)."""
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            block_a, block_b = fa.read(1 << 20), fb.read(1 << 20)
            if block_a != block_b:
                return False
            if not block_a:
                return True


def _copy_to_part(src: Path, part: Path) -> None:
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


def _fsync_folder(folder: Path) -> None:
    """Make a folder's new entries durable (POSIX; a no-op where folders cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _rename_noreplace(src: Path, dst: Path) -> None:
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


# Errors of `os.link` that mean "no hard link possible here", not "this move is impossible".
_NO_HARD_LINK = {errno.EXDEV, errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK}
_NO_HARD_LINK |= {errno.ENOSYS, errno.EACCES} if os.name == "nt" else {errno.ENOSYS}


class _Unsafe(Exception):
    """A move stopped half-way in a state only `repair` may settle: keep it 'planned'."""


class Journal(FileEdits):
    """The move journal (`.konomi/journal.sqlite`). Callers hold the workspace lock."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        path = ws.journal_path
        try:
            ws.ensure_state()
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise JournalError(
                t("errors.journal.cannot_open", path=ws.rel(path), why=exc),
                t("errors.store.writable_hint"),
            ) from None
        self._identity = _identity_of(path)  # to notice the file deleted while we work
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            upgrade(self.db, STEPS, what=str(ws.rel(path)))
            row = self.db.execute("PRAGMA quick_check").fetchone()
            if not row or row[0] != "ok":
                raise sqlite3.DatabaseError(row[0] if row else "integrity check failed")
        except KonomiError:
            self.close()
            raise
        except sqlite3.DatabaseError as exc:
            self.close()
            if is_sqlite_corruption(exc):
                raise self._corrupt(str(exc)) from None
            raise JournalError(
                t("errors.journal.cannot_use", path=ws.rel(path), why=exc),
                t("errors.journal.cannot_use_hint"),
            ) from None

    def _corrupt(self, why: str) -> JournalError:
        rel = self.ws.rel(self.ws.journal_path)
        return JournalError(
            t("errors.journal.damaged", path=rel, why=why),
            t("errors.journal.damaged_hint", path=rel),
        )

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error, AttributeError):
            self.db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[None]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _abs(self, rel: object) -> Path:
        """A journaled path, refused when it could lead outside the workspace (a foreign or
        tampered journal must never make konomi move or delete files elsewhere): it must be
        text naming a file strictly below the root — not empty, not `.`, not absolute, no `..`,
        no NUL, not inside `.konomi/`. Symbolic links on the way are checked when it is used."""
        if not _plain_rel(rel):
            raise self._corrupt(t("safety.journal_row", entry=repr(rel)[:200]))
        return self.ws.abs(_local(str(rel)))

    def _unsafe(self, path: Path) -> str | None:
        """Why a move must not touch `path` now, or None: it must lie inside the workspace and
        every folder on the way there must be a real folder, not a symbolic link (a folder
        swapped for a link to somewhere else is refused at the moment of the move)."""
        return unsafe_path(self.ws, path)

    def _lost(self) -> bool:
        """True when the journal file this connection writes is no longer the workspace's (the
        `.konomi` folder was deleted or replaced while we worked): its undo history is lost."""
        return self._identity is None or _identity_of(self.ws.journal_path) != self._identity

    # -- repair ----------------------------------------------------------------------------
    def repair(self) -> RepairReport:
        """Finish or roll back every move a crashed process left half-done.

        For each move still 'planned' or 'copying': our part-file is deleted; a destination that
        is ours (the source's own inode, or our journaled copy) with the source gone finishes the
        move; a hard link of the source finishes it too (the source name is removed); a copy of
        ours with the source still there is rolled back (the copy is removed: the source is the
        authority). A destination that is not ours is never touched.
        """
        report = RepairReport()
        try:
            open_ops = [
                r[0] for r in self.db.execute("SELECT id FROM operations WHERE state='open'")
            ]
            rows = self.db.execute(
                "SELECT id, src, dst, reverts, src_id, copy_id, state FROM moves "
                "WHERE state IN ('planned','copying') ORDER BY id"
            ).fetchall()
            for row in rows:
                try:
                    move_id, src, dst, reverts, src_id, copy_id, state = row
                    self._repair_move(move_id, src, dst, reverts, src_id, copy_id, state, report)
                except OSError as exc:
                    report.stuck.append((row[1], exc.strerror or str(exc)))
                _fault("repair")
            self.repair_edits()
            with self._tx():
                for op in open_ops:
                    self.db.execute("UPDATE operations SET state='interrupted' WHERE id=?", (op,))
        except sqlite3.DatabaseError as exc:
            raise self._journal_failed(exc) from None
        report.operations = len(open_ops)
        return report

    def _repair_move(
        self,
        move_id: int,
        src_rel: str,
        dst_rel: str,
        reverts: int | None,
        src_id: str | None,
        copy_id: str | None,
        state: str,
        report: RepairReport,
    ) -> None:
        src, dst = self._abs(src_rel), self._abs(dst_rel)
        why = self._unsafe(src) or self._unsafe(dst)
        if why:  # nothing is touched through a link; the move waits for the person
            report.stuck.append((str(src_rel), why))
            return
        part = _part_path(dst, move_id)
        if os.path.lexists(part) and not os.path.isdir(part):
            part.unlink()
            report.part_files_removed += 1
        src_there = os.path.lexists(src)
        dst_id = _identity_of(dst)
        linked = dst_id is not None and (
            (src_id is not None and dst_id == src_id) or (src_there and _same_file(src, dst))
        )
        copied = (
            dst_id is not None
            and copy_id is not None
            and not linked
            and (dst_id == copy_id or (src_there and _same_bytes_quiet(src, dst)))
        )
        moved = dst_id is not None and not src_there
        if linked and src_there:
            if _same_file(src, dst):
                src.unlink()  # the hard link was made: finish at the commit point
            moved = True  # (a new file under the source's name since: both stay)
        elif copied and src_there:
            if _same_bytes_quiet(src, dst):
                dst.unlink()  # our copy of an untouched source: roll back to the source
            else:
                moved = True  # the source changed since: keep both, lose neither
        if moved:
            self._mark_done(move_id, reverts)
            report.finished += 1
        else:
            why = "interrupted before the move" if src_there else "file missing after a crash"
            self.db.execute("UPDATE moves SET state='skipped', reason=? WHERE id=?", (why, move_id))
            report.rolled_back += 1

    def _mark_done(self, move_id: int, reverts: int | None) -> None:
        self.db.execute("UPDATE moves SET state='done' WHERE id=?", (move_id,))
        if reverts is not None:
            self.db.execute("UPDATE moves SET reverted_by=? WHERE id=?", (move_id, reverts))

    def _journal_failed(self, exc: sqlite3.Error) -> JournalError:
        if isinstance(exc, sqlite3.DatabaseError) and is_sqlite_corruption(exc):
            return self._corrupt(str(exc))
        return JournalError(
            t("errors.journal.not_written", why=exc), t("errors.journal.not_written_hint")
        )

    # -- moving ----------------------------------------------------------------------------
    def run(
        self,
        kind: str,
        moves: Sequence[PlannedMove],
        *,
        note: str = "",
        progress: Progress | None = None,
        reverts: Sequence[int | None] | None = None,
        companion_reverts: Mapping[Path, int] | None = None,
    ) -> MoveReport:
        """Perform `moves` as one journaled operation of `kind` (e.g. "classify", "review").

        Interrupted by an exception (Ctrl-C, a full disk), it settles its own half-done moves
        before the exception goes on, exactly as the next command's `repair` would.
        """
        try:
            with self._tx():
                cur = self.db.execute(
                    "INSERT INTO operations(kind, created, state, note) VALUES (?, ?, 'open', ?)",
                    (kind, time.time(), note),
                )
            op = int(cur.lastrowid or 0)
            report = MoveReport(op)
            total = len(moves)
            try:
                for start in range(0, total, BATCH):
                    chunk = list(moves[start : start + BATCH])
                    chunk_reverts: list[int | None] = (
                        list(reverts[start : start + BATCH]) if reverts else [None] * len(chunk)
                    )
                    self._run_batch(op, chunk, chunk_reverts, report, companion_reverts or {})
                    if progress:
                        progress(t("progress.moving"), min(start + BATCH, total), total)
                with self._tx():
                    self.db.execute("UPDATE operations SET state='done' WHERE id=?", (op,))
                if report.moved and self._lost():
                    report.warnings.append(t("safety.history_lost", n=len(report.moved)))
            except BaseException:
                with contextlib.suppress(Exception):
                    self.repair()
                raise
        except sqlite3.Error as exc:
            raise self._journal_failed(exc) from None
        return report

    def _run_batch(
        self,
        op: int,
        chunk: list[PlannedMove],
        reverts: list[int | None],
        report: MoveReport,
        companion_reverts: Mapping[Path, int],
    ) -> None:
        _fault("before_plan")
        planned: list[tuple[int, PlannedMove, Path, int | None, str]] = []
        riders: dict[int, list[tuple[int, Path, Path, int | None, str]]] = {}
        with self._tx():
            taken: set[Path] = set()
            for move, rev in zip(chunk, reverts):
                reason, st = self._refusal(move)
                if reason is None:
                    reason = self._unsafe(move.src) or _prepare_folder(move.dst_dir, self.ws)
                if reason is not None or st is None:
                    report.skipped.append(
                        (move.src, reason or Hopeless(t("safety.move.not_regular")))
                    )
                    continue
                name = move.name or move.src.name
                if move.companions:
                    dst, rider_dsts = _group_names(move, name, taken)
                else:
                    dst, rider_dsts = free_name(move.dst_dir, name, taken), []
                src_text, dst_text = _stored(self.ws.rel(move.src)), _stored(self.ws.rel(dst))
                if src_text is None or dst_text is None:
                    report.skipped.append((move.src, t("safety.move.bad_name")))
                    continue
                taken.add(dst)
                size, mtime = move.stamp or (None, None)
                cur = self.db.execute(
                    "INSERT INTO moves(op, src, dst, state, size, mtime_ns, digest, reverts, "
                    "src_id) VALUES (?, ?, ?, 'planned', ?, ?, ?, ?, ?)",
                    (
                        op,
                        src_text,
                        dst_text,
                        size,
                        mtime,
                        move.digest,
                        rev,
                        _identity(st),
                    ),
                )
                move_id = int(cur.lastrowid or 0)
                planned.append((move_id, move, dst, rev, _identity(st)))
                riders[move_id] = self._plan_companions(
                    op, move_id, rider_dsts, taken, companion_reverts, report
                )
        _fault("after_plan")
        done: list[tuple[int, int | None]] = []
        for move_id, move, dst, rev, src_id in planned:
            try:
                final = self._move_file(move_id, move, dst, src_id)
            except _Unsafe as exc:
                report.skipped.append((move.src, str(exc)))  # left 'planned' for repair
                self._stay(riders[move_id], str(exc))
                continue
            except OSError as exc:
                why = t("safety.move.failed", why=exc.strerror or exc)
                self._skip(move_id, why)
                report.skipped.append((move.src, why))
                self._stay(riders[move_id], why)
                continue
            if isinstance(final, str):
                self._skip(move_id, final)
                report.skipped.append((move.src, final))
                self._stay(riders[move_id], final)
                continue
            done.append((move_id, rev))
            report.moved.append((move.src, final))
            _fault("after_move")
            done += self._move_companions(riders[move_id], report)
        with self._tx():
            for move_id, rev in done:
                self._mark_done(move_id, rev)
        _fault("after_batch")

    def _plan_companions(
        self,
        op: int,
        primary: int,
        rider_dsts: list[tuple[Path, Path]],
        taken: set[Path],
        companion_reverts: Mapping[Path, int],
        report: MoveReport,
    ) -> list[tuple[int, Path, Path, int | None, str]]:
        """Journal the moves of a photo's companions (inside the caller's transaction)."""
        out = []
        for src, dst in rider_dsts:
            try:
                st = os.lstat(src)
            except OSError as exc:
                why = t("safety.move.cannot_reach", why=exc.strerror or exc)
                report.companions_left.append((src, why))
                continue
            if not _is_regular(st):
                report.companions_left.append((src, Hopeless(t("safety.move.not_regular"))))
                continue
            src_text, dst_text = _stored(self.ws.rel(src)), _stored(self.ws.rel(dst))
            if src_text is None or dst_text is None:
                report.companions_left.append((src, t("safety.move.bad_name")))
                continue
            taken.add(dst)
            rev = companion_reverts.get(src)
            cur = self.db.execute(
                "INSERT INTO moves(op, src, dst, state, size, mtime_ns, reverts, src_id, "
                "companion_of) VALUES (?, ?, ?, 'planned', ?, ?, ?, ?, ?)",
                (
                    op,
                    src_text,
                    dst_text,
                    st.st_size,
                    st.st_mtime_ns,
                    rev,
                    _identity(st),
                    primary,
                ),
            )
            out.append((int(cur.lastrowid or 0), src, dst, rev, _identity(st)))
        return out

    def _move_companions(
        self, riders: list[tuple[int, Path, Path, int | None, str]], report: MoveReport
    ) -> list[tuple[int, int | None]]:
        """Move a photo's companions once the photo itself has moved."""
        done: list[tuple[int, int | None]] = []
        for move_id, src, dst, rev, src_id in riders:
            move = PlannedMove(src, dst.parent, name=dst.name)
            try:
                final = self._move_file(move_id, move, dst, src_id)
            except _Unsafe as exc:
                report.companions_left.append((src, str(exc)))
                continue
            except OSError as exc:
                final = t("safety.move.failed", why=exc.strerror or exc)
            if isinstance(final, str):
                self._skip(move_id, final)
                report.companions_left.append((src, final))
                continue
            done.append((move_id, rev))
            report.companions.append((src, final))
        return done

    def _stay(
        self,
        riders: list[tuple[int, Path, Path, int | None, str]],
        why: str,
    ) -> None:
        """The photo did not move: its companions stay with it (the photo's reason is
        reported; they are not reported apart)."""
        for move_id, _src, _dst, _rev, _id in riders:
            self._skip(move_id, t("safety.move.stays", why=why))

    def _skip(self, move_id: int, reason: str) -> None:
        with self._tx():
            self.db.execute(
                "UPDATE moves SET state='skipped', reason=? WHERE id=?", (reason, move_id)
            )

    def _refusal(self, move: PlannedMove) -> tuple[str | None, os.stat_result | None]:
        """(why a move must not happen now, or None; the source's lstat)."""
        try:
            st = os.lstat(move.src)
        except FileNotFoundError:
            return Gone(t("safety.move.gone")), None
        except OSError as exc:
            return t("safety.move.cannot_reach", why=exc.strerror or exc), None
        if not _is_regular(st):
            return Hopeless(t("safety.move.not_regular")), st
        if move.stamp and (st.st_size, st.st_mtime_ns) != tuple(move.stamp):
            return t("safety.move.changed"), st
        return None, st

    def _move_file(self, move_id: int, move: PlannedMove, dst: Path, src_id: str) -> Path | str:
        """Move one file without ever replacing another; returns where it ended, or why not."""
        src = move.src
        reason, st = self._refusal(move)
        if reason is not None or st is None:
            return reason or Hopeless(t("safety.move.not_regular"))
        if _identity(st) != src_id:
            return t("safety.move.replaced")
        while True:
            why = self._unsafe(src) or self._unsafe(dst)
            if why:
                return why
            try:
                _link(src, dst)
                break
            except FileExistsError:
                dst = self._rename_planned(move_id, move.dst_dir, move.name or src.name)
            except OSError as exc:
                if exc.errno in _NO_HARD_LINK:
                    return self._copy_move(move_id, move, dst)
                raise
        _fault("after_link")
        return self._commit(src, dst, src_id, self._unsafe(src) or self._unsafe(dst))

    def _commit(self, src: Path, dst: Path, ours: str, why: str | None) -> Path | str:
        """The commit point of a move whose new name `dst` is in place: remove the source. If a
        folder on the way was swapped for a link in the last instant (`why`), or the source
        cannot be removed, take our new name back and leave the file where it was."""
        if why:
            self._undo_link(dst, ours, OSError(errno.ELOOP, why))
            return why
        try:
            os.unlink(src)
        except OSError as exc:
            self._undo_link(dst, ours, exc)
            raise
        _fault("after_unlink")
        return dst

    @staticmethod
    def _undo_link(dst: Path, ours: str, exc: OSError) -> None:
        """The source cannot be removed (a read-only folder): take our new name back."""
        try:
            if _identity_of(dst) == ours:
                dst.unlink()
        except OSError:
            raise _Unsafe(
                t("safety.move.failed_copy_left", why=exc.strerror or exc, copy=dst.name)
            ) from None

    def _rename_planned(self, move_id: int, folder: Path, name: str) -> Path:
        """A file appeared under the planned name: journal a free name before using it."""
        dst = free_name(folder, name)
        with self._tx():
            self.db.execute(
                "UPDATE moves SET dst=? WHERE id=?", (_stored(self.ws.rel(dst)) or "", move_id)
            )
        return dst

    def _copy_move(self, move_id: int, move: PlannedMove, dst: Path) -> Path | str:
        """Across devices: copy to a part-file, verify, put in place, then remove the source."""
        src = move.src
        with self._tx():
            self.db.execute("UPDATE moves SET state='copying' WHERE id=?", (move_id,))
        part = _part_path(dst, move_id)
        try:
            _copy_to_part(src, part)
            _fault("after_copy")
            if not _same_bytes(src, part):
                raise OSError(errno.EIO, t("safety.move.copy_mismatch"))
        except BaseException:
            with contextlib.suppress(OSError):
                part.unlink()
            raise
        copy_id = _identity(os.lstat(part))
        with self._tx():
            self.db.execute("UPDATE moves SET copy_id=? WHERE id=?", (copy_id, move_id))
        _fault("after_copy_recorded")
        while True:
            why = self._unsafe(src) or self._unsafe(dst)
            if why:
                with contextlib.suppress(OSError):
                    part.unlink()
                return why
            try:
                try:
                    _link(part, dst, same_folder=True)
                    part.unlink()
                except OSError as exc:
                    if exc.errno not in _NO_HARD_LINK:
                        raise
                    _rename_noreplace(part, dst)  # no hard links on this file system
                break
            except FileExistsError:
                dst = self._rename_planned(move_id, move.dst_dir, move.name or src.name)
            except BaseException:
                with contextlib.suppress(OSError):
                    part.unlink()
                raise
        _fsync_folder(dst.parent)
        _fault("after_place")
        return self._commit(src, dst, copy_id, self._unsafe(src))

    # -- undo ------------------------------------------------------------------------------
    def last_undoable(self, kinds: Iterable[str] | None = None) -> int | None:
        """The newest operation that still has moves to revert (undo operations excluded)."""
        sql = (
            "SELECT o.id, o.kind FROM operations o WHERE o.kind != 'undo' AND EXISTS ("
            "SELECT 1 FROM moves m WHERE m.op = o.id AND m.state='done' AND m.reverted_by IS NULL)"
            " OR EXISTS (SELECT 1 FROM edits e WHERE e.op = o.id AND e.state='done')"
            " ORDER BY o.id DESC"
        )
        wanted = set(kinds) if kinds else None
        for op, kind in self.db.execute(sql):
            if wanted is None or kind in wanted:
                return int(op)
        return None

    def describe(self, op: int) -> tuple[str, float, int]:
        """(kind, created, moves still to revert) of an operation."""
        kind, created = self.db.execute(
            "SELECT kind, created FROM operations WHERE id=?", (op,)
        ).fetchone()
        (n,) = self.db.execute(
            "SELECT COUNT(*) FROM moves WHERE op=? AND state='done' AND reverted_by IS NULL "
            "AND companion_of IS NULL",
            (op,),
        ).fetchone()
        (edits,) = self.db.execute(
            "SELECT COUNT(*) FROM edits WHERE op=? AND state='done'", (op,)
        ).fetchone()
        return kind, created, n + edits

    def undo(self, op: int, *, progress: Progress | None = None) -> MoveReport:
        """Move every file of operation `op` back to where it came from (newest move first).

        A file's original place may be taken by now: it then comes back under a free name.
        A file the person deleted or replaced since is reported and no longer offered.
        """
        try:
            rows = self.db.execute(
                "SELECT id, src, dst, companion_of FROM moves WHERE op=? AND state='done' "
                "AND reverted_by IS NULL ORDER BY id DESC",
                (op,),
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            raise self._journal_failed(exc) from None
        # A companion goes back with its photo (same new stem if the old names are taken);
        # one whose photo is not coming back (already back, or gone) goes back on its own.
        ids = {row[0] for row in rows}
        riding: dict[int, list[Path]] = {}
        companion_reverts: dict[Path, int] = {}
        for move_id, _src_rel, dst_rel, primary in rows:
            if primary is not None and primary in ids:
                dst = self._abs(dst_rel)
                riding.setdefault(primary, []).append(dst)
                companion_reverts[dst] = move_id
        moves, reverts = [], []
        for move_id, src_rel, dst_rel, primary in rows:
            if primary is not None and primary in ids:
                continue
            dst = self._abs(dst_rel)
            stamp = None
            with contextlib.suppress(OSError):
                st = os.lstat(dst)
                stamp = (st.st_size, st.st_mtime_ns)
            target = self._abs(src_rel)
            companions = tuple(sorted(riding.get(move_id, ())))
            moves.append(
                PlannedMove(dst, target.parent, stamp, name=target.name, companions=companions)
            )
            reverts.append(move_id)
        report = self.run(
            "undo",
            moves,
            note=f"undo of operation {op}",
            progress=progress,
            reverts=reverts,
            companion_reverts=companion_reverts,
        )
        hopeless = {p for p, why in report.skipped if isinstance(why, Hopeless)}
        hopeless_ids = [move_id for move, move_id in zip(moves, reverts) if move.src in hopeless]
        hopeless_ids += [
            companion_reverts[p]
            for p, why in report.companions_left
            if isinstance(why, Hopeless) and p in companion_reverts
        ]
        if hopeless_ids:
            try:
                with self._tx():
                    for move_id in hopeless_ids:
                        self.db.execute(
                            "UPDATE moves SET reverted_by=0 WHERE id=? AND reverted_by IS NULL",
                            (move_id,),
                        )
            except sqlite3.Error as exc:
                raise self._journal_failed(exc) from None
        return report

    def stats(self) -> dict[str, int]:
        rows = self.db.execute("SELECT state, COUNT(*) FROM moves GROUP BY state")
        return {state: n for state, n in rows}


def latest_operation(ws: Workspace) -> int:
    """The id up to which every journaled operation has finished (0 when there is none yet).

    A cheap read-only look, without the integrity check of opening a `Journal`: the review server
    asks it whenever its page comes back into view, to notice that another command (`konomi
    undo` or `classify` in a terminal) moved files meanwhile.
    """
    path = ws.journal_path
    if not path.is_file():
        return 0
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            # An operation still running (a classify in a terminal) is not counted until it
            # ends: a look taken half-way through must not pass for having seen all its moves.
            row = db.execute(
                "SELECT COALESCE((SELECT MIN(id) - 1 FROM operations WHERE state = 'open'), "
                "(SELECT MAX(id) FROM operations))"
            ).fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return 0
    return row[0] if row and isinstance(row[0], int) else 0


def _is_regular(st: os.stat_result) -> bool:
    return stat.S_ISREG(st.st_mode)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _same_bytes_quiet(a: Path, b: Path) -> bool:
    try:
        return os.path.isfile(a) and os.path.isfile(b) and _same_bytes(a, b)
    except OSError:
        return False


def _prepare_folder(folder: Path, ws: Workspace) -> str | None:
    """Create a destination folder, one level at a time, never through a symbolic link; why it
    cannot be used, or None."""
    why = unsafe_path(ws, folder / "_")
    if why:
        if isinstance(why, _FileInTheWay):
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


def _stored(text: str) -> str | None:
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


def _local(text: str) -> str:
    """A stored path as this process's file functions take it (the same bytes on disk, in any
    locale)."""
    try:
        return os.fsdecode(text.encode("utf-8"))
    except UnicodeEncodeError:
        return text


def _plain_rel(rel: object) -> bool:
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


def unsafe_path(ws: Workspace, path: Path) -> str | None:
    """Why a move must not touch `path`, or None: outside the workspace, or reached through a
    symbolic link, or through something that is not a folder. Folders not there yet pass (they
    are created by `_prepare_folder`, which checks each one)."""
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
            return _FileInTheWay(t("safety.move.file_in_the_way", path=ws.rel(folder)))
    return None


def prune_empty_parents(ws: Workspace, moved_from: Iterable[Path]) -> list[Path]:
    """Remove the sub-folders that moving files out of left empty; returns the ones removed.

    Only folders strictly below data/unlabeled/ or data/classified/<proposal>/ are touched, never
    those folders themselves, and only with `os.rmdir`, which refuses a folder that holds
    anything: no file can be lost. A later move into such a folder recreates it.
    """
    tops = [ws.unlabeled, *(ws.classified_dir(p) for p in ("like", "dislike", "unsure"))]
    removed: list[Path] = []
    for folder in sorted({Path(p).parent for p in moved_from}, key=lambda f: -len(f.parts)):
        top = next((t for t in tops if folder != t and folder.is_relative_to(t)), None)
        while top is not None and folder != top and folder.is_relative_to(top):
            try:
                if folder.is_symlink():
                    break
                os.rmdir(folder)
            except OSError:
                break  # not empty (or not ours to remove): its parents are not empty either
            removed.append(folder)
            folder = folder.parent
    return removed
