"""Schema upgrades by named steps: each store opens the files older konomi versions wrote, keeps
their rows, and refuses a file from a newer konomi instead of guessing."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest
from messages import said

from konomi.errors import KonomiError
from konomi.store import cache as cache_module
from konomi.store import journal as journal_module
from konomi.store.cache import EmbeddingCache
from konomi.store.journal import Journal
from konomi.store.migrations import Step, sql, upgrade, version_of
from konomi.workspace import Workspace

# The cache as the first konomi wrote it: version 1 in a `meta` row, user_version left at 0.
CACHE_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE embeddings (digest TEXT NOT NULL, model TEXT NOT NULL, vector BLOB NOT NULL,
    PRIMARY KEY (digest, model)) WITHOUT ROWID;
CREATE TABLE files (path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
    digest TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE failures (digest TEXT PRIMARY KEY, reason TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE scores (digest TEXT NOT NULL, head TEXT NOT NULL, score REAL NOT NULL, info REAL,
    PRIMARY KEY (digest, head)) WITHOUT ROWID;
INSERT INTO meta VALUES ('schema', '1');
"""

# The journal as the first konomi wrote it: no file identities, user_version 0.
JOURNAL_V1 = """
CREATE TABLE operations (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, created REAL NOT NULL,
    state TEXT NOT NULL, note TEXT NOT NULL DEFAULT '');
CREATE TABLE moves (id INTEGER PRIMARY KEY, op INTEGER NOT NULL REFERENCES operations(id),
    src TEXT NOT NULL, dst TEXT NOT NULL, state TEXT NOT NULL,
    size INTEGER, mtime_ns INTEGER, digest TEXT,
    reverts INTEGER REFERENCES moves(id), reverted_by INTEGER REFERENCES moves(id),
    reason TEXT);
CREATE INDEX moves_op ON moves(op);
CREATE INDEX moves_state ON moves(state);
"""


def old_file(path: Path, script: str) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(script)
    return db


def test_a_version_1_cache_opens_with_its_rows_and_is_marked_upgraded(tmp_path):
    path = tmp_path / ".konomi" / "cache.sqlite"
    db = old_file(path, CACHE_V1)
    vector = np.arange(4, dtype=np.float32)
    db.execute("INSERT INTO embeddings VALUES ('d1', 'm', ?)", (vector.tobytes(),))
    db.execute("INSERT INTO files VALUES ('/x.jpg', 10, 20, 'd1')")
    db.execute("INSERT INTO scores VALUES ('d1', 'h', 0.25, 0.5)")
    db.close()

    cache = EmbeddingCache(path)
    try:
        assert cache.get_embeddings(["d1"], "m")["d1"].tolist() == vector.tolist()
        assert cache.file_stamps()["/x.jpg"].digest == "d1"
        # scores by digest are not carried over (a head's scores are arrays by vector slot
        # now): they are computed again, and the old table is gone
        (slot,) = cache.slots_of(["d1"], "m").tolist()
        assert np.isnan(cache.scores_at("h", "m", np.array([slot]))[0]).all()
        assert (
            cache.db.execute("SELECT name FROM sqlite_master WHERE name = 'scores'").fetchall()
            == []
        )
        assert cache.warnings == []  # an upgrade is not damage: nothing was rebuilt
    finally:
        cache.close()
    check = sqlite3.connect(path)
    assert version_of(check) == cache_module.STEPS[-1].version
    check.close()


def test_a_version_1_journal_gains_the_identity_columns_and_keeps_its_history(tmp_path):
    ws = Workspace(tmp_path)
    db = old_file(ws.journal_path, JOURNAL_V1)
    db.execute("INSERT INTO operations VALUES (1, 'classify', ?, 'done', 'head x')", (time.time(),))
    db.execute(
        "INSERT INTO moves (id, op, src, dst, state) VALUES "
        "(1, 1, 'data/unlabeled/a.jpg', 'data/classified/like/a.jpg', 'done')"
    )
    db.close()

    with Journal(ws) as journal:
        columns = {row[1] for row in journal.db.execute("PRAGMA table_info(moves)")}
        assert {"src_id", "copy_id"} <= columns
        assert journal.last_undoable() == 1
        assert journal.describe(1)[0] == "classify"
        assert version_of(journal.db) == journal_module.STEPS[-1].version


def test_a_journal_from_before_named_steps_with_the_columns_already_opens(tmp_path):
    """konomi 0.1 added the identity columns ad hoc and set user_version 2 itself."""
    ws = Workspace(tmp_path)
    db = old_file(ws.journal_path, JOURNAL_V1)
    db.execute("ALTER TABLE moves ADD COLUMN src_id TEXT")
    db.execute("ALTER TABLE moves ADD COLUMN copy_id TEXT")
    db.execute("PRAGMA user_version=2")
    db.close()
    with Journal(ws) as journal:
        assert journal.last_undoable() is None


def test_a_file_from_a_newer_konomi_is_refused_and_left_as_it_is(tmp_path):
    ws = Workspace(tmp_path)
    db = old_file(ws.journal_path, JOURNAL_V1)
    db.execute("PRAGMA user_version=99")
    db.close()
    with pytest.raises(KonomiError) as caught:
        Journal(ws)
    assert said(caught.value.message, "errors.store.newer")
    db = sqlite3.connect(ws.journal_path)
    assert version_of(db) == 99  # untouched: no step ran, nothing was "upgraded" down
    assert "src_id" not in {row[1] for row in db.execute("PRAGMA table_info(moves)")}
    db.close()


def test_steps_run_in_order_once_and_a_failing_step_leaves_the_version(tmp_path):
    db = sqlite3.connect(tmp_path / "x.sqlite", isolation_level=None)
    steps = [
        Step(1, "a table", sql("CREATE TABLE t (a INTEGER)")),
        Step(2, "a row", sql("INSERT INTO t VALUES (7)")),
    ]
    assert upgrade(db, steps, what="x") == ["a table", "a row"]
    assert upgrade(db, steps, what="x") == []  # already there: nothing runs twice
    assert db.execute("SELECT a FROM t").fetchall() == [(7,)]

    broken = [*steps, Step(3, "a broken step", sql("INSERT INTO t VALUES (8); SELECT * FROM nope"))]
    with pytest.raises(sqlite3.OperationalError):
        upgrade(db, broken, what="x")
    assert version_of(db) == 2  # rolled back whole: the row of the broken step is not there
    assert db.execute("SELECT a FROM t").fetchall() == [(7,)]
    db.close()


def test_the_label_store_steps_and_a_newer_store_is_refused(tmp_path):
    from konomi.store.labels import STEPS as LABEL_STEPS
    from konomi.store.labels import LabelStore

    path = tmp_path / "labels.sqlite"
    with LabelStore(path) as store:
        assert version_of(store.db) == LABEL_STEPS[-1].version
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={LABEL_STEPS[-1].version + 1}")
    db.commit()
    db.close()
    with pytest.raises(KonomiError) as caught:
        LabelStore(path)
    assert said(caught.value.message, "errors.store.newer")


def test_a_version_2_journal_gains_the_edits_table(tmp_path):
    ws = Workspace(tmp_path)
    db = old_file(ws.journal_path, JOURNAL_V1)
    db.execute("ALTER TABLE moves ADD COLUMN src_id TEXT")
    db.execute("ALTER TABLE moves ADD COLUMN copy_id TEXT")
    db.execute("PRAGMA user_version=2")
    db.close()
    with Journal(ws) as journal:
        tables = {r[0] for r in journal.db.execute("SELECT name FROM sqlite_master")}
        assert "edits" in tables and version_of(journal.db) == journal_module.STEPS[-1].version
        columns = {row[1] for row in journal.db.execute("PRAGMA table_info(moves)")}
        assert "companion_of" in columns  # step 4
