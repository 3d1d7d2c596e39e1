"""Each file's cache row names its content's vector (file id and slot), so a warm embed of a
million images needs no pass over the vector index; a row whose slot cannot be trusted (another
vector file, past its end, not a number, a vector since forgotten) is asked of the index."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from factories.images import make_image

from konomi.app.context import Context
from konomi.store import vector_index


@pytest.fixture
def embedded_once(tmp_path: Path, tiny_model: Path) -> Path:
    root = tmp_path / "ws"
    for i in range(6):
        make_image(root / "data" / "unlabeled" / f"img_{i}.png", color=(40 * i, 90, 200 - 30 * i))
    make_image(root / "data" / "unlabeled" / "copy.png", color=(0, 90, 200))  # img_0's pixels
    with Context.open(root, model=str(tiny_model)) as ctx:
        ctx.embed(_images(root))
    return root


def _images(root: Path) -> list[Path]:
    return sorted((root / "data" / "unlabeled").glob("*.png"))


def _asked(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many digests each call asked of the index."""
    asked: list[int] = []
    real = vector_index.VectorIndex.slots_of

    def counted(self, digests, model):  # type: ignore[no-untyped-def]
        asked.append(len(digests))
        return real(self, digests, model)

    monkeypatch.setattr(vector_index.VectorIndex, "slots_of", counted)
    return asked


def _rows(root: Path) -> dict[str, tuple[object, object]]:
    db = sqlite3.connect(root / ".konomi" / "cache.sqlite")
    rows = {Path(p).name: (f, s) for p, f, s in db.execute("SELECT path, vfile, slot FROM files")}
    db.close()
    return rows


def _embed(root: Path, tiny_model: Path, *, vectors: bool = False):  # type: ignore[no-untyped-def]
    with Context.open(root, model=str(tiny_model)) as ctx:
        return ctx.embed(_images(root), vectors=vectors)


def test_a_warm_embed_takes_slots_from_the_file_rows(embedded_once, tiny_model, monkeypatch):
    rows = _rows(embedded_once)
    assert all(isinstance(f, int) and isinstance(s, int) for f, s in rows.values())
    assert rows["copy.png"][1] == rows["img_0.png"][1]  # one content, one vector
    asked = _asked(monkeypatch)
    warm = _embed(embedded_once, tiny_model)
    assert warm.new == 0 and sum(asked) == 0  # the index was not asked
    assert warm.slots.tolist() == [rows[p.name][1] for p in warm.paths]
    full = _embed(embedded_once, tiny_model, vectors=True)  # the vectors read by those slots
    with Context.open(embedded_once, model=str(tiny_model)) as ctx:
        by_index = ctx.cache.get_embeddings(full.digests, ctx.model.model_id)
    assert np.array_equal(full.vectors, np.stack([by_index[d] for d in full.digests]))


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE files SET slot = NULL, vfile = NULL",  # a cache from before rows named slots
        "UPDATE files SET vfile = vfile + 100",  # another (older) vector file's slots
        "UPDATE files SET slot = slot + 100000",  # past the file's end
        "UPDATE files SET slot = 'two'",  # not a number
    ],
)
def test_an_untrusted_slot_is_asked_of_the_index_and_noted(
    embedded_once, tiny_model, monkeypatch, damage
):
    good = _rows(embedded_once)
    db = sqlite3.connect(embedded_once / ".konomi" / "cache.sqlite")
    with db:
        db.execute(damage)
    db.close()
    asked = _asked(monkeypatch)
    warm = _embed(embedded_once, tiny_model)
    assert warm.new == 0 and sum(asked) == len(set(warm.digests))  # asked, nothing re-embedded
    assert warm.slots.tolist() == [good[p.name][1] for p in warm.paths]
    assert _rows(embedded_once) == good  # noted: the next run asks nothing
    asked.clear()
    _embed(embedded_once, tiny_model)
    assert sum(asked) == 0


def test_a_forgotten_vector_unnames_its_files_and_a_new_file_gets_a_new_id(
    embedded_once, tiny_model
):
    with Context.open(embedded_once, model=str(tiny_model)) as ctx:
        model = ctx.model.model_id
        first = ctx.embed(_images(embedded_once))
        (old_file, _) = ctx.cache.vector_file(model) or (None, 0)
        ctx.cache.forget_embeddings([first.digests[0]], model)  # damaged: computed again
    rows = _rows(embedded_once)
    assert rows["img_0.png"] == (None, None) and rows["copy.png"] == (None, None)
    again = _embed(embedded_once, tiny_model)
    assert again.new == 1  # the forgotten content, embedded again (once for both paths)
    rows = _rows(embedded_once)
    assert rows["img_0.png"] == rows["copy.png"] and rows["img_0.png"][0] == old_file
    for vectors in (embedded_once / ".konomi").glob("cache.vectors-*.f32"):
        vectors.unlink()  # the vector file lost: started afresh under a new id
    fresh = _embed(embedded_once, tiny_model)
    assert fresh.new == 6
    with Context.open(embedded_once, model=str(tiny_model)) as ctx:
        new_file = (ctx.cache.vector_file(model) or (None, 0))[0]
    assert new_file != old_file and {f for f, _ in _rows(embedded_once).values()} == {new_file}


def test_a_truncated_vector_file_unnames_the_rows_it_lost(embedded_once, tiny_model):
    (vectors,) = (embedded_once / ".konomi").glob("cache.vectors-*.f32")
    rows = _rows(embedded_once)
    last = max(s for _, s in rows.values())  # type: ignore[type-var]
    with open(vectors, "r+b") as f:  # the last row cut off
        f.truncate(vectors.stat().st_size - 4)
    make_image(embedded_once / "data" / "unlabeled" / "new.png", color=(1, 2, 3))
    again = _embed(embedded_once, tiny_model, vectors=True)
    assert again.new == 2  # the new image, and the one whose row was cut off
    rows = _rows(embedded_once)
    lost = [name for name, (_, s) in _rows(embedded_once).items() if s == last]
    assert len(lost) == 1  # the slot now holds one content only: the one appended last
    assert np.isfinite(again.vectors).all()
