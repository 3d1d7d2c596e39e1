"""The cache's vectors in a flat float32 file per model, indexed by SQLite: read back exactly,
never a wrong vector after damage or a crash, and a full pass in bounded memory."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from messages import said

from konomi.store.cache import EmbeddingCache
from konomi.store.vectors import HEADER

DIM = 16


def vectors(n: int, seed: int = 0, dim: int = DIM) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)


def digests(n: int, prefix: str = "d") -> list[str]:
    return [f"{prefix}{i:05d}" for i in range(n)]


def vector_file(folder: Path) -> Path:
    (path,) = folder.glob("cache.vectors-*.f32")
    return path


@pytest.fixture
def cache(tmp_path):
    with EmbeddingCache(tmp_path / "cache.sqlite") as opened:
        yield opened


def test_vectors_round_trip_through_every_read(cache, tmp_path):
    X, names = vectors(300), digests(300)
    cache.put_encoded("m", zip(names[:200], X[:200]), [("/a.jpg", 1, 2, names[0])])
    cache.put_embeddings(zip(names[200:], X[200:]), "m")
    assert cache.vector_bytes("m") == 4 * DIM
    asked = [names[5], "nope", names[250], names[5]]
    slots = cache.slots_of(asked, "m")
    assert slots[1] == -1 and slots[0] == slots[3] >= 0
    got, sound = cache.vectors_at("m", slots)
    assert sound.tolist() == [True, False, True, True]
    np.testing.assert_array_equal(got[[0, 2, 3]], X[[5, 250, 5]])
    found = cache.get_embeddings(names, "m")
    assert len(found) == 300 and all(np.array_equal(found[d], X[i]) for i, d in enumerate(names))
    many = cache.slots_of(names[::-1], "m")  # more than a few: one pass over the index
    np.testing.assert_array_equal(cache.vectors_at("m", many)[0], X[::-1])
    seen = np.zeros((300, DIM), np.float32)
    for slot_numbers, block in cache.vector_blocks("m", rows=64):  # every row, in file order
        seen[slot_numbers] = block
    np.testing.assert_array_equal(seen[cache.slots_of(names, "m")], X)
    picked = np.zeros((300, DIM), np.float32)
    for positions, block in cache.vector_blocks("m", many, rows=7):
        picked[positions] = block
    np.testing.assert_array_equal(picked, X[::-1])
    assert cache.embedded_digests("m") == set(names)
    cache.forget_embeddings([names[7]], "m")
    assert names[7] not in cache.embedded_digests("m")
    assert cache.get_embeddings([names[7], names[8]], "m").keys() == {names[8]}


def test_two_models_keep_two_files(cache, tmp_path):
    cache.put_embeddings(zip(digests(10), vectors(10, 1)), "a")
    cache.put_embeddings(zip(digests(10), vectors(10, 2, dim=8)), "b")
    assert len(list(tmp_path.glob("cache.vectors-*.f32"))) == 2
    np.testing.assert_array_equal(
        cache.get_embeddings(["d00003"], "a")["d00003"], vectors(10, 1)[3]
    )
    np.testing.assert_array_equal(
        cache.get_embeddings(["d00003"], "b")["d00003"], vectors(10, 2, dim=8)[3]
    )
    assert (cache.vector_bytes("a"), cache.vector_bytes("b"), cache.vector_bytes("c")) == (
        64,
        32,
        None,
    )


def test_a_cache_in_memory_keeps_vectors_in_memory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with EmbeddingCache(Path(":memory:")) as memory:
        memory.put_embeddings(zip(digests(3), vectors(3)), "m")
        np.testing.assert_array_equal(
            memory.get_embeddings(["d00002"], "m")["d00002"], vectors(3)[2]
        )
    assert list(tmp_path.iterdir()) == []


def test_a_truncated_file_loses_its_tail_and_never_gives_a_wrong_vector(cache, tmp_path):
    X, names = vectors(100), digests(100)
    cache.put_embeddings(zip(names, X), "m")
    path = vector_file(tmp_path)
    os.truncate(path, HEADER + 40 * 4 * DIM + 10)  # 40 rows and a piece of one
    found = cache.get_embeddings(names, "m")
    assert set(found) == set(names[:40])
    assert all(np.array_equal(found[d], X[i]) for i, d in enumerate(names[:40]))
    assert cache.embedded_digests("m") == set(names[:40])
    Y = vectors(60, 9)
    cache.put_embeddings(zip(names[40:], Y), "m")  # embedded again: appended after row 40
    again = cache.get_embeddings(names, "m")
    assert all(np.array_equal(again[d], Y[i]) for i, d in enumerate(names[40:]))
    assert all(np.array_equal(again[d], X[i]) for i, d in enumerate(names[:40]))


@pytest.mark.parametrize("damage", ["magic", "dim", "token", "empty"])
def test_a_bad_header_makes_every_vector_missing(cache, tmp_path, damage):
    cache.put_embeddings(zip(digests(20), vectors(20)), "m")
    path = vector_file(tmp_path)
    data = bytearray(path.read_bytes())
    if damage == "magic":
        data[:4] = b"JUNK"
    elif damage == "dim":
        data[20:24] = (8).to_bytes(4, "little")  # rows of 8 floats: slots would shift
    elif damage == "token":
        data[24:40] = os.urandom(16)  # another file's
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    cache.vectors.files.close()  # as a new process would open it
    assert cache.get_embeddings(digests(20), "m") == {}
    assert cache.slots_of(digests(20), "m").tolist() == [-1] * 20
    assert cache.vector_bytes("m") is None and cache.embedded_digests("m") == set()
    assert list(cache.vector_blocks("m")) == []
    cache.put_embeddings(zip(digests(2), vectors(2, 5)), "m")  # started afresh
    found = cache.get_embeddings(digests(20), "m")
    assert found.keys() == {"d00000", "d00001"}
    np.testing.assert_array_equal(found["d00001"], vectors(2, 5)[1])


def test_a_row_of_nan_and_a_slot_past_the_end_are_missing(cache, tmp_path):
    X, names = vectors(30), digests(30)
    cache.put_embeddings(zip(names, X), "m")
    (slot,) = cache.slots_of([names[4]], "m")
    with open(vector_file(tmp_path), "r+b") as f:
        f.seek(HEADER + int(slot) * 4 * DIM + 8)
        f.write(np.float32(np.nan).tobytes())
    cache.db.execute("UPDATE vector_slots SET slot = 999 WHERE digest = ?", (names[9],))
    cache.db.execute("UPDATE vector_slots SET slot = 'x' WHERE digest = ?", (names[11],))
    found = cache.get_embeddings(names, "m")
    assert set(names) - set(found) == {names[4], names[9], names[11]}
    positions = [p for p, _ in cache.vector_blocks("m", cache.slots_of(names, "m"))]
    assert sorted(np.concatenate(positions).tolist()) == [
        i for i in range(30) if i not in (4, 9, 11)
    ]


def test_an_old_cache_of_blobs_is_moved_into_the_file_and_read(tmp_path):
    path = tmp_path / "cache.sqlite"
    X, names = vectors(50), digests(50)
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE embeddings (digest TEXT NOT NULL, model TEXT NOT NULL, vector BLOB NOT NULL,"
        " PRIMARY KEY (digest, model)) WITHOUT ROWID;"
        "CREATE TABLE files (path TEXT PRIMARY KEY, size INTEGER NOT NULL,"
        " mtime_ns INTEGER NOT NULL, digest TEXT NOT NULL) WITHOUT ROWID;"
        "CREATE TABLE failures (digest TEXT PRIMARY KEY, reason TEXT NOT NULL) WITHOUT ROWID;"
        "CREATE TABLE scores (digest TEXT NOT NULL, head TEXT NOT NULL, score REAL NOT NULL,"
        " info REAL, PRIMARY KEY (digest, head)) WITHOUT ROWID;"
        "PRAGMA user_version = 2;"
        f"INSERT INTO meta VALUES ('dim:m', '{DIM}');"
    )
    rows = [(d, "m", X[i].tobytes()) for i, d in enumerate(names)]
    rows += [(d, "other", X[i, :4].tobytes()) for i, d in enumerate(names[:5])]
    bad = X[3].copy()
    bad[0] = np.inf
    rows[3] = (names[3], "m", bad.tobytes())  # not finite
    rows[4] = (names[4], "m", X[4, :8].tobytes())  # the wrong size
    rows[5] = (names[5], "m", "text, not floats")
    db.executemany("INSERT INTO embeddings VALUES (?, ?, ?)", rows)
    db.close()
    with EmbeddingCache(path) as cache:
        found = cache.get_embeddings(names, "m")
        assert set(names) - set(found) == {names[3], names[4], names[5]}
        assert all(np.array_equal(found[d], X[i]) for i, d in enumerate(names) if d in found)
        np.testing.assert_array_equal(cache.get_embeddings([names[2]], "other")[names[2]], X[2, :4])
        assert not cache.warnings
        gone = cache.db.execute("SELECT 1 FROM sqlite_master WHERE name = 'embeddings'").fetchall()
        assert gone == []  # the blobs' space is SQLite's again
    assert len(list(tmp_path.glob("cache.vectors-*.f32"))) == 2


CRASHING = """
import sys
import numpy as np
from pathlib import Path
from konomi.store.cache import EmbeddingCache

cache = EmbeddingCache(Path(sys.argv[1]))
rng = np.random.default_rng(int(sys.argv[2]))
names = [f"{sys.argv[3]}{i:05d}" for i in range(40)]
cache.put_encoded("m", zip(names, rng.standard_normal((40, 16)).astype(np.float32)), [])
print("committed", flush=True)
"""


def _put_in_child(
    path: Path, seed: int, prefix: str, crash: str = ""
) -> subprocess.CompletedProcess:
    env = {**os.environ, "KONOMI_TEST_CRASH_AT": crash} if crash else dict(os.environ)
    return subprocess.run(
        [sys.executable, "-c", CRASHING, str(path), str(seed), prefix],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_kill_between_the_append_and_the_commit_leaves_no_wrong_vector(tmp_path):
    path = tmp_path / "cache.sqlite"
    assert _put_in_child(path, 1, "a").returncode == 0
    killed = _put_in_child(path, 2, "b", crash="vectors_appended")
    assert killed.returncode == -9 and "committed" not in killed.stdout
    assert _put_in_child(path, 3, "c").returncode == 0  # appended over the rows nothing named
    rng = {s: np.random.default_rng(s).standard_normal((40, 16)).astype(np.float32) for s in (1, 3)}
    with EmbeddingCache(path) as cache:
        assert not cache.warnings
        found = cache.get_embeddings([f"{p}{i:05d}" for p in "abc" for i in range(40)], "m")
        assert len(found) == 80 and not any(d.startswith("b") for d in found)
        for seed, prefix in ((1, "a"), (3, "c")):
            for i in range(40):
                np.testing.assert_array_equal(found[f"{prefix}{i:05d}"], rng[seed][i])


def test_a_kill_during_the_first_append_leaves_a_usable_cache(tmp_path):
    path = tmp_path / "cache.sqlite"
    assert _put_in_child(path, 1, "a", crash="vectors_appended").returncode == -9
    with EmbeddingCache(path) as cache:
        assert cache.get_embeddings(digests(40, "a"), "m") == {}
        cache.put_embeddings(zip(digests(3, "z"), vectors(3)), "m")
        np.testing.assert_array_equal(
            cache.get_embeddings(["z00002"], "m")["z00002"], vectors(3)[2]
        )


def test_a_corrupt_cache_set_aside_takes_its_vector_files_along(tmp_path):
    path = tmp_path / "cache.sqlite"
    with EmbeddingCache(path) as cache:
        cache.put_embeddings(zip(digests(20), vectors(20)), "m")
    old = vector_file(tmp_path)
    path.write_bytes(os.urandom(5000))
    for side in ("-wal", "-shm"):
        path.with_name(path.name + side).unlink(missing_ok=True)
    with EmbeddingCache(path) as cache:
        assert len(cache.warnings) == 1 and said(cache.warnings[0], "errors.store.cache_corrupt")
        assert not old.exists()
        (aside,) = tmp_path.glob("cache.sqlite.corrupt-*.vectors-*.f32")
        assert aside.stat().st_size == HEADER + 20 * 4 * DIM
        assert cache.get_embeddings(digests(20), "m") == {}
        cache.put_embeddings([("d00001", vectors(1, 7)[0])], "m")
        assert cache.get_embeddings(digests(20), "m").keys() == {"d00001"}


def test_a_vector_file_left_by_a_deleted_cache_is_not_read(tmp_path):
    path = tmp_path / "cache.sqlite"
    with EmbeddingCache(path) as cache:
        cache.put_embeddings(zip(digests(20), vectors(20)), "m")
    for leftover in tmp_path.glob("cache.sqlite*"):
        leftover.unlink()  # deleted by hand: the vector file stays
    with EmbeddingCache(path) as cache:
        assert cache.get_embeddings(digests(20), "m") == {}
        cache.put_embeddings([("d00005", vectors(1, 7)[0])], "m")
        found = cache.get_embeddings(digests(20), "m")
        assert found.keys() == {"d00005"}
        np.testing.assert_array_equal(found["d00005"], vectors(1, 7)[0])


PASS = """
import sys
import numpy as np
from pathlib import Path
from konomi.store.cache import EmbeddingCache

cache = EmbeddingCache(Path(sys.argv[1]))
names = sorted(cache.embedded_digests("m"))
slots = cache.slots_of(names, "m")
def peak():  # this process's peak RSS in KiB (ru_maxrss would count the parent's, before exec)
    status = open("/proc/self/status").read()
    return int(status.split("VmHWM:")[1].split()[0])

before = peak()
total, rows = np.zeros(512), 0
for _, block in cache.vector_blocks("m"):
    total += block.sum(axis=0)
    rows += len(block)
for positions, block in cache.vector_blocks("m", slots):
    rows += len(positions)
after = peak()
print(rows, before, after)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak RSS read from /proc")
def test_a_full_pass_keeps_memory_bounded(tmp_path):
    """Two passes over a 240 MB vector file (every row; every row of a list of digests) must
    not hold the file: the peak RSS grows by far less than its size."""
    path = tmp_path / "cache.sqlite"
    n = 120_000
    with EmbeddingCache(path) as cache:
        rng = np.random.default_rng(0)
        for start in range(0, n, 20_000):
            block = rng.standard_normal((20_000, 512)).astype(np.float32)
            cache.put_embeddings(zip(digests(n)[start : start + 20_000], block), "m")
    assert vector_file(tmp_path).stat().st_size > 240_000_000
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(PASS), str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    rows, before, after = map(int, done.stdout.split())
    assert rows == 2 * n
    assert (after - before) * 1024 < 80_000_000, (before, after)  # VmHWM: KiB


@pytest.mark.parametrize("kind", ["hex", "upper", "widths", "odd row", "alike"])
def test_many_digests_are_matched_in_one_pass_as_by_lookup(cache, kind):
    """More than a few digests are matched against one pass over the index (as numbers when
    they are lowercase hex, else as bytes, else row by row): the same slots as lookups give."""
    import hashlib

    names = [hashlib.md5(str(i).encode()).hexdigest() for i in range(30_000)]
    if kind == "upper":
        names = [n.upper() for n in names]
    elif kind == "alike":  # the same first 16 digits: told apart by the rest
        names = ["0" * 16 + n[:16] for n in names]
    elif kind == "widths":
        names = [n[: 20 + i % 5] for i, n in enumerate(names)]
    X = vectors(25_000, dim=4)
    cache.put_embeddings(zip(names[:25_000], X), "m")
    if kind == "odd row":  # an edited index: a key that is not ASCII is read past
        cache.db.execute("INSERT INTO vector_slots VALUES (1, ?, 3)", ("é" * 32,))
    rng = np.random.default_rng(1)
    asked = [names[i] for i in rng.permutation(30_000)] + names[:50] + ["x" * len(names[0])]
    slots = cache.slots_of(asked, "m")
    by_lookup = np.concatenate(
        [cache.slots_of(asked[i : i + 10_000], "m") for i in range(0, len(asked), 10_000)]
    )
    np.testing.assert_array_equal(slots, by_lookup)
    stored = set(names[:25_000])
    known = np.array([d in stored for d in asked])
    assert ((slots >= 0) == known).all()
    got, sound = cache.vectors_at("m", slots)
    index = {d: i for i, d in enumerate(names[:25_000])}
    np.testing.assert_array_equal(got[known], X[[index[d] for d in np.array(asked)[known]]])
    assert sound.tolist() == known.tolist()


@pytest.mark.parametrize("missing", [("preadv",), ("preadv", "pread", "pwrite", "fdatasync")])
def test_systems_without_positioned_reads_read_the_same(tmp_path, monkeypatch, missing):
    """macOS lacks `fdatasync`, Windows `pread`/`pwrite`: the store reads and writes the same
    rows through what the system has."""
    for name in missing:
        monkeypatch.delattr(os, name, raising=False)
    X, names = vectors(50), digests(50)
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        cache.put_embeddings(zip(names, X), "m")
        found = cache.get_embeddings(names, "m")
        assert all(np.array_equal(found[d], X[i]) for i, d in enumerate(names))
        seen = np.concatenate([b.copy() for _, b in cache.vector_blocks("m", rows=16)])
        np.testing.assert_array_equal(seen, X)
