"""A walk's compact listing (`encode.listing`): the same paths, in the same order, as the walk's
`Path` objects, with each file's text given without making one."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from konomi.encode.images import find_images, list_images
from konomi.encode.listing import Listing, child, not_among, pick, prefix_of, texts_of


def _tree(root: Path) -> None:
    for folder in ("a", "a/deep", "b", "c d", "写真"):
        (root / folder).mkdir(parents=True, exist_ok=True)
        for name in ("x.jpg", "y.PNG", "z.heic", "notes.txt", ".hidden.jpg"):
            (root / folder / name).write_bytes(b"x")


def test_a_listing_holds_the_walks_paths_in_its_order(tmp_path):
    _tree(tmp_path)
    walked = list(find_images(tmp_path))
    listed = list_images(tmp_path)
    assert len(walked) == 15 and len(listed) == 15
    assert list(listed) == walked and listed == walked
    assert [listed[i] for i in range(-15, 15)] == walked + walked
    assert listed[2:7] == walked[2:7] and listed[::-3] == walked[::-3]
    assert listed.texts() == [os.fspath(p) for p in walked]
    assert listed.texts(4, 9) == texts_of(walked, 4, 9) == [str(p) for p in walked[4:9]]
    for made in listed:  # made as the walk makes them: parts, name and text all agree
        assert made == Path(str(made)) and made.parent.is_dir() and made.name in str(made)
    with pytest.raises(IndexError):
        listed[15]


def test_listings_join_pick_and_tell_apart_like_lists(tmp_path):
    _tree(tmp_path)
    own = list(find_images(tmp_path / "a"))
    rest = list_images(tmp_path / "b")
    joined = own + rest  # a list and a listing: a listing of both, in order
    assert isinstance(joined, Listing) and list(joined) == own + list(rest)
    assert list(rest + own) == list(rest) + own
    assert list(pick(joined, [5, 0, 3])) == [joined[5], joined[0], joined[3]]
    assert list(pick(joined)) == list(joined) and pick(own, [1]) == [own[1]]
    assert not_among(joined, own).tolist() == [False] * len(own) + [True] * len(rest)
    relative = Listing([Path("x.jpg"), Path("sub/y.jpg")])  # relative paths keep their text
    assert relative.texts() == ["x.jpg", os.path.join("sub", "y.jpg")]
    assert list(relative) == [Path("x.jpg"), Path("sub/y.jpg")]


def test_a_listing_costs_a_fraction_of_a_list_of_paths(tmp_path):
    """The point of it: a big library's listing, held by every command, is a fifth of the
    memory of the same paths as `Path` objects (measured: ~400 against ~80 bytes a file)."""
    folders = [tmp_path / f"f{k:03}" for k in range(20)]

    def held(make) -> int:
        tracemalloc.start()
        kept = make()
        size = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        assert len(kept) == 100_000
        return size

    def listing() -> Listing:
        found = Listing()
        for folder in folders:
            found.add(folder, [f"IMG_{i:06}.JPG" for i in range(5000)])  # names as read
        return found

    as_paths = held(  # as the walk made them: each with its text
        lambda: [child(f, f"IMG_{i:06}.JPG", prefix_of(f)) for f in folders for i in range(5000)]
    )
    compact = held(listing)
    assert compact * 3 < as_paths, (compact, as_paths)
    assert np.array_equal(not_among(listing(), []), np.ones(100_000, bool))


def test_rows_under_a_folder_and_among_a_few_agree_with_each_files_text(tmp_path):
    _tree(tmp_path)
    (tmp_path / "a2").mkdir()
    (tmp_path / "a2" / "w.jpg").write_bytes(b"x")  # "a2" starts like "a" but is not under it
    listed = list_images(tmp_path)
    texts = listed.texts()
    under = os.path.join(str(tmp_path), "a") + os.sep
    assert listed.rows_under(under).tolist() == [
        i for i, t in enumerate(texts) if t.startswith(under)
    ]
    assert len(listed.rows_under(under)) == 6 and not len(listed.rows_under("/nowhere/"))
    few = [listed[4], listed[0], tmp_path / "gone.jpg"]
    assert not_among(listed, few).tolist() == not_among(list(listed), few).tolist()
    assert (~not_among(listed, few)).nonzero()[0].tolist() == [0, 4]
    assert [listed.text(i) for i in range(len(listed))] == texts


def test_the_walk_keeps_each_files_stat_and_gives_it_once(tmp_path):
    _tree(tmp_path)
    listed = list_images(tmp_path)
    stats = listed.take_stats()
    assert stats is not None and listed.take_stats() is None  # given once
    for i, path in enumerate(listed):
        st = os.stat(path)
        assert (stats.size[i], stats.mtime_ns[i], stats.mtime[i]) == (
            st.st_size,
            st.st_mtime_ns,
            st.st_mtime,
        )
    both = list_images(tmp_path / "a") + list_images(tmp_path / "b")  # kept when joined
    assert both.take_stats() is not None
    assert (list(find_images(tmp_path / "a")) + list_images(tmp_path / "b")).take_stats() is None
    assert list_images(tmp_path).take([1, 2]).take_stats() is None


def test_an_embed_uses_the_walks_stats_once_and_sees_a_later_change(tiny_model, tmp_path):
    """The embed right after a walk takes its stats (no second stat of every file); the same
    listing embedded again later stats its files anew, so an image changed meanwhile is
    embedded again, and a file gone before the walk's stat is said to be gone."""
    from factories.images import make_image

    from konomi.encode.encoder import Encoder, resolve_model
    from konomi.encode.ingest import embed_files
    from konomi.encode.listing import WalkStats
    from konomi.store.cache import EmbeddingCache

    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(6):
        make_image(photos / f"p{i}.png", seed=i)
    listed = list_images(photos)
    encoder = Encoder(resolve_model(str(tiny_model)))
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        first = embed_files(listed, cache, encoder.model_id, lambda: encoder)
        assert (first.new, first.cached) == (6, 0) and isinstance(first.paths, Listing)
        make_image(photos / "p3.png", seed=99)  # changed after the walk
        os.utime(photos / "p3.png", ns=(1, 10**18))
        again = embed_files(listed, cache, encoder.model_id, lambda: encoder)
        assert (again.new, again.cached) == (1, 5)
        gone = Listing()
        seen = WalkStats()
        seen.add(None)  # the walk listed it, its stat found nothing
        gone.add(photos, ["vanished.png"], seen)
        result = embed_files(gone, cache, encoder.model_id, lambda: encoder)
        assert [s.path for s in result.unreadable] == [photos / "vanished.png"]
