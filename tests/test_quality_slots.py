"""The culling columns read from one array by vector slot: the table's values exactly, asked of
the table only for what the array lacks, and never trusted when damaged."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from factories.shoots import make_shoot

from konomi.app import context as context_module
from konomi.app.context import Context
from konomi.encode.quality import MEASURE
from konomi.store.quality import quality_columns


@pytest.fixture
def shoot(tmp_path: Path) -> list[Path]:
    root = tmp_path / "ws"
    made = make_shoot(root / "data" / "unlabeled", bursts=2, frames=3, singles=2)
    return sorted(p for burst in made.bursts for p in burst)


def _asked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many digests each read of the table by digest was asked for."""
    asked: list[int] = []

    def counted(cache, digests, measure):  # type: ignore[no-untyped-def]
        asked.append(len(digests))
        return quality_columns(cache, digests, measure)

    monkeypatch.setattr(context_module, "quality_columns", counted)
    return asked


def _columns(ctx: Context, paths: list[Path]) -> np.ndarray:
    q = ctx.quality_of(ctx.embed(paths, vectors=False))
    return np.stack([q.sharpness, q.clipped, q.taken], axis=1)


def test_the_array_gives_the_tables_values_and_spares_the_table(shoot, tiny_model, monkeypatch):
    root = shoot[0].parents[2]
    with Context.open(root, model=str(tiny_model)) as ctx:
        embedded = ctx.embed(shoot, vectors=False)
        truth = quality_columns(ctx.cache, embedded.digests, MEASURE)
        ctx.cache.db.execute("DELETE FROM quality_slots")  # a cache from before the array
        asked = _asked(monkeypatch)
        first = _columns(ctx, shoot)  # the array is built from the table ...
        assert sum(asked) == len(shoot)
        expected = np.stack([truth.sharpness, truth.clipped, truth.taken], axis=1)
        assert np.array_equal(first, expected, equal_nan=True)
        asked.clear()
        again = _columns(ctx, shoot)  # ... and read from it next time
        assert sum(asked) == 0 and np.array_equal(again, expected, equal_nan=True)


def test_only_what_the_array_lacks_is_asked(shoot, tiny_model, monkeypatch):
    root = shoot[0].parents[2]
    with Context.open(root, model=str(tiny_model)) as ctx:
        everything = _columns(ctx, shoot)
        (blob,) = ctx.cache.db.execute("SELECT columns FROM quality_slots").fetchone()
        table = np.frombuffer(blob, np.float64).reshape(-1, 3)
        ctx.cache.db.execute("UPDATE quality_slots SET columns = ?", (table[:4].tobytes(),))
        asked = _asked(monkeypatch)
        assert np.array_equal(_columns(ctx, shoot), everything, equal_nan=True)
        assert sum(asked) == len(shoot) - 4  # the slots past the array's end


def test_what_an_embed_adds_is_merged_into_the_array(shoot, tiny_model, monkeypatch):
    root = shoot[0].parents[2]
    with Context.open(root, model=str(tiny_model)) as ctx:
        _columns(ctx, shoot[:4])
        asked = _asked(monkeypatch)
        _columns(ctx, shoot)  # two more encoded: their quality joins the four kept
        assert sum(asked) == 0


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE quality_slots SET columns = x'0102'",  # not whole rows
        "UPDATE quality_slots SET columns = 'text'",  # not bytes
        "UPDATE quality_slots SET measure = measure + 1",  # another measure's
        "UPDATE quality_slots SET file = file + 7",  # another vector file's
    ],
)
def test_a_damaged_array_is_rebuilt_from_the_table(shoot, tiny_model, monkeypatch, damage):
    root = shoot[0].parents[2]
    with Context.open(root, model=str(tiny_model)) as ctx:
        good = _columns(ctx, shoot)
    db = sqlite3.connect(root / ".konomi" / "cache.sqlite")
    with db:
        db.execute(damage)
    db.close()
    with Context.open(root, model=str(tiny_model)) as ctx:
        asked = _asked(monkeypatch)
        assert np.array_equal(_columns(ctx, shoot), good, equal_nan=True)
        assert sum(asked) == len(shoot)  # from the table, and kept again
        asked.clear()
        assert np.array_equal(_columns(ctx, shoot), good, equal_nan=True)
        assert sum(asked) == 0


def test_values_out_of_range_in_the_array_are_asked_again(shoot, tiny_model, monkeypatch):
    root = shoot[0].parents[2]
    with Context.open(root, model=str(tiny_model)) as ctx:
        good = _columns(ctx, shoot)
        (blob,) = ctx.cache.db.execute("SELECT columns FROM quality_slots").fetchone()
        table = np.frombuffer(blob, np.float64).reshape(-1, 3).copy()
        table[0] = (np.inf, 0.5, 0.0)  # sharpness not finite
        table[1] = (3.0, 9.0, 0.0)  # more than all of the picture clipped
        ctx.cache.db.execute("UPDATE quality_slots SET columns = ?", (table.tobytes(),))
        asked = _asked(monkeypatch)
        assert np.array_equal(_columns(ctx, shoot), good, equal_nan=True)
        assert sum(asked) == 2


def test_an_embed_keeps_the_quality_it_measured_by_slot(tmp_path, tiny_model, monkeypatch):
    """A cold embed writes the quality of what it encoded into the array as well: the culling
    columns that follow never read the table."""
    root = tmp_path / "ws"
    made = make_shoot(root / "data" / "unlabeled", bursts=1, frames=3, singles=1)
    paths = sorted(p for burst in made.bursts for p in burst)
    with Context.open(root, model=str(tiny_model)) as ctx:
        embedded = ctx.embed(paths, vectors=False)
        truth = quality_columns(ctx.cache, embedded.digests, MEASURE)
        asked = _asked(monkeypatch)
        got = ctx.quality_of(embedded)
    assert sum(asked) == 0
    assert np.array_equal(got.sharpness, truth.sharpness)
    assert np.array_equal(got.taken, truth.taken, equal_nan=True)
