"""The thumbnail store (`.konomi/thumbs.sqlite`): a cache by content digest, never a blocker."""

from __future__ import annotations

import sqlite3

import pytest
from messages import said

from konomi.errors import KonomiError
from konomi.store.migrations import version_of
from konomi.store.thumbs import STEPS, ThumbStore, thumbs_path


def test_thumbnails_are_kept_by_digest_and_forgotten_when_their_images_are_gone(tmp_path):
    path = thumbs_path(tmp_path / ".konomi")
    items = [(f"{i:032x}", bytes([i % 256]) * (i + 1)) for i in range(1200)]  # > one query chunk
    with ThumbStore(path) as store:
        store.put_many(items)
        assert store.digests() == {d for d, _ in items}
        wanted = [d for d, _ in items[::3]] + ["f" * 32]  # one digest it never saw
        got = store.get_many(wanted)
        assert got == dict(items[::3])
        store.put_many([(items[0][0], b"new")])  # a thumbnail made again replaces the old one
        assert store.get_many([items[0][0]]) == {items[0][0]: b"new"}

        kept = {d for d, _ in items[:10]}
        assert store.keep_only(kept) == len(items) - 10
        assert store.digests() == kept
    with ThumbStore(path) as again:  # on disk, not in memory
        assert again.digests() == kept


def test_a_damaged_store_is_started_again_instead_of_stopping_the_report(tmp_path):
    path = tmp_path / "thumbs.sqlite"
    path.write_bytes(b"this is not a database, just bytes " * 100)
    with ThumbStore(path) as store:
        assert store.digests() == set()
        store.put_many([("a" * 32, b"webp")])
        assert version_of(store.db) == STEPS[-1].version
    with ThumbStore(path) as store:
        assert store.get_many(["a" * 32]) == {"a" * 32: b"webp"}


def test_a_store_of_a_newer_konomi_is_refused_not_overwritten(tmp_path):
    path = tmp_path / "thumbs.sqlite"
    with ThumbStore(path) as store:
        store.put_many([("b" * 32, b"webp")])
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={STEPS[-1].version + 1}")
    db.commit()
    db.close()
    with pytest.raises(KonomiError) as caught:
        ThumbStore(path)
    assert said(caught.value.message, "errors.store.newer")
    db = sqlite3.connect(path)
    assert db.execute("SELECT count(*) FROM thumbs").fetchone() == (1,)
    db.close()
