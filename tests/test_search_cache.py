"""`search --top N` answered from the cache's vector file: the same images as a search that
walks and embeds everything, without the files that are gone, changed or left out since."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from factories.images import make_image
from factories.models import COLOUR_WORDS, build_joint_model_dir

from konomi.app.context import Context
from konomi.app.search import search
from konomi.app.search_cache import best_slots
from konomi.store.cache import EmbeddingCache
from konomi.store.cache_first import paths_of


@pytest.fixture(scope="module")
def joint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_joint_model_dir(tmp_path_factory.mktemp("joint") / "tiny-joint")


def _workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "ws"
    library = tmp_path / "library"
    for i, kind in enumerate(["red", "blue", "green"] * 6):
        make_image(ws / "data" / "unlabeled" / f"u{i:02d}.jpg", color=COLOUR_WORDS[kind], seed=i)
    for i in range(6):
        make_image(library / "2024" / f"l{i}.jpg", color=COLOUR_WORDS["red"], seed=50 + i)
    make_image(library / ".hidden" / "h.jpg", color=COLOUR_WORDS["red"], seed=70)
    (ws / "konomi.toml").write_text(f'libraries = ["{library.as_posix()}"]\n', encoding="utf-8")
    return ws


def test_the_best_few_come_from_the_cache_as_a_full_search_finds_them(joint, tmp_path):
    ws = _workspace(tmp_path)
    ctx = Context.open(ws, model=str(joint))
    try:
        full = search(ctx, "red", None)  # walks and embeds every image
        assert len(full.hits) == 24 and full.total == 24
        fast = search(ctx, "red", 8)
        assert [h.path for h in fast.hits] == [h.path for h in full.hits[:8]]
        assert [h.rel for h in fast.hits] == [h.rel for h in full.hits[:8]]
        np.testing.assert_allclose(
            [h.similarity for h in fast.hits], [h.similarity for h in full.hits[:8]], rtol=1e-5
        )
        assert fast.total == 24  # the images the cache holds
        gone, changed, ignored = (h.path for h in full.hits[:3])
        gone.unlink()
        os.utime(changed, ns=(1, 1))  # not the file that was embedded any more
        (ws / ".konomiignore").write_text(f"{ignored.name}\n", encoding="utf-8")
        if ignored.is_relative_to(tmp_path / "library"):
            (tmp_path / "library" / ".konomiignore").write_text(f"{ignored.name}\n")
        again = search(ctx, "red", 8)
        expected = [h.path for h in full.hits if h.path not in (gone, changed, ignored)][:8]
        assert [h.path for h in again.hits] == expected
        assert not any(".hidden" in h.path.parts for h in again.hits)
    finally:
        ctx.close()


def test_the_running_best_of_blocks_are_the_best_of_all(tmp_path):
    rng = np.random.default_rng(4)
    X = rng.standard_normal((5000, 32)).astype(np.float32)
    X[17] = np.nan  # a damaged row is never a match
    query = rng.standard_normal(32).astype(np.float32)
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        cache.put_embeddings(((f"d{i}", x) for i, x in enumerate(X)), "m")
        sims = X @ query
        sims[17] = -np.inf
        expected = np.argsort(-sims, kind="stable")[:50]
        for rows in (64, 1000, 8192):
            slots, got = best_slots(cache, "m", query, 50, rows=rows)
            assert slots.tolist() == [
                int(s) for s in cache.slots_of([f"d{i}" for i in expected], "m")
            ]
            np.testing.assert_allclose(got, sims[expected], rtol=1e-5)


def test_a_search_for_more_than_a_few_thousand_reads_each_table_once(tmp_path):
    """Thousands of candidates are picked out of one pass over the index and the files table
    (a lookup per 900 would scan the files table once each)."""
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        names = [f"{i:032x}" for i in range(60_000)]
        cache.put_encoded(
            "m",
            zip(names, np.eye(60_000, 8, dtype=np.float32) + 1),
            [(f"/p/{i}.jpg", i, i, d) for i, d in enumerate(names)],
        )
        slots = cache.slots_of(names, "m")
        assert cache.vectors.digests_at("m", slots[::-1].tolist()) == names[::-1]
        assert cache.vectors.digests_at("m", [4999, 10**6]) == [names[4999], None]
        rows = paths_of(cache, names[:8000])
        assert sorted(rows) == sorted((f"/p/{i}.jpg", i, i, names[i]) for i in range(8000))
        assert paths_of(cache, names[:2]) == [
            ("/p/0.jpg", 0, 0, names[0]),
            ("/p/1.jpg", 1, 1, names[1]),
        ]
