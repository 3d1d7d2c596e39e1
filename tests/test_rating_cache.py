"""Ratings as labels are remembered by the stamps of their sources (`store.ratings`): a second
`train` on an unchanged library opens no sidecar and no image for its XMP, while an edited, a
new or a removed sidecar — or an edited image — is read again on the next run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from factories.images import make_image, make_taste_set
from test_crash import train_in_process

from konomi.app import library as library_module
from konomi.app import loop as workflow
from konomi.store.ratings import ratings_path


def rated(rating: int) -> bytes:
    """A sidecar holding the person's xmp:Rating."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        f' xmp:Rating="{rating}"/>\n'
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
    ).encode()


@pytest.fixture(scope="module")
def trained_template(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Path:
    root = tmp_path_factory.mktemp("ratingcache") / "ws"
    make_taste_set(root / "data" / "train", 4, 4, seed=5)
    train_in_process(root, tiny_model)
    return root


@pytest.fixture
def lib_ws(trained_template: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A trained workspace and a library: a.jpg (own sidecar, 5 stars), b.jpg (`b.xmp`,
    rejected), P1.JPG with its RAW twin rated in `P1.DNG.xmp` (5), c.jpg and d.jpg unrated."""
    ws = Path(shutil.copytree(trained_template, tmp_path / "ws", symlinks=True))
    lib = tmp_path / "LIB"
    for i, name in enumerate(["a.jpg", "b.jpg", "P1.JPG", "c.jpg", "d.jpg"]):
        make_image(lib / name, seed=300 + i, size=(40, 32))
    (lib / "P1.DNG").write_bytes(b"II*\x00 raw bytes of a camera")
    (lib / "a.jpg.xmp").write_bytes(rated(5))
    (lib / "b.xmp").write_bytes(rated(-1))
    (lib / "P1.DNG.xmp").write_bytes(rated(5))
    (ws / "konomi.toml").write_text(
        f'libraries = ["{lib.as_posix()}"]\nratings_as_labels = true\n', encoding="utf-8"
    )
    return ws, lib


def _train(ws: Path, model: Path) -> dict[str, str]:
    """One in-process `train`: the library labels it trained on, by file name."""
    ctx = workflow.Context.open(ws, model=str(model))
    try:
        outcome = workflow.train(ctx, folds=2)
    finally:
        ctx.close()
    library = outcome.library.labels if outcome.library else {}
    return {p.name: label for p, label in library.items()}


FIRST = {"a.jpg": "like", "b.jpg": "dislike", "P1.JPG": "like"}


def _forbid_reading(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make every sidecar parse and embedded-XMP read of the label code observable."""
    opened: list[str] = []
    real_sidecar, real_embedded = library_module.read_sidecar_rating, library_module.xmp_in_file

    def sidecar(path: Path):  # noqa: ANN202
        opened.append(str(path))
        return real_sidecar(path)

    def embedded(f):  # noqa: ANN001, ANN202
        opened.append(getattr(f, "name", "?"))
        return real_embedded(f)

    monkeypatch.setattr(library_module, "read_sidecar_rating", sidecar)
    monkeypatch.setattr(library_module, "xmp_in_file", embedded)
    return opened


def _restamp(path: Path, data: bytes) -> None:
    """Write `data` with a modification time surely unlike the old one (coarse clocks)."""
    st = path.stat() if path.exists() else None
    path.write_bytes(data)
    if st is not None:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_a_second_train_parses_no_sidecar(lib_ws, tiny_model, monkeypatch):
    ws, _ = lib_ws
    opened = _forbid_reading(monkeypatch)
    assert _train(ws, tiny_model) == FIRST
    assert opened, "the first train must read the ratings"
    assert ratings_path(ws / ".konomi").is_file()
    opened.clear()
    assert _train(ws, tiny_model) == FIRST
    assert opened == [], f"an unchanged library was read again: {opened}"


def test_a_rewritten_sidecar_with_its_old_stamp_is_not_read(lib_ws, tiny_model):
    """The honest proof that nothing is opened: a sidecar's bytes change but its size and
    modification time are put back, so only a read could notice."""
    ws, lib = lib_ws
    assert _train(ws, tiny_model) == FIRST
    sidecar = lib / "a.jpg.xmp"
    st = sidecar.stat()
    swapped = rated(1)
    assert len(swapped) == st.st_size
    sidecar.write_bytes(swapped)
    os.utime(sidecar, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert _train(ws, tiny_model) == FIRST  # remembered, not read


def test_an_edited_rating_changes_the_label(lib_ws, tiny_model, monkeypatch):
    ws, lib = lib_ws
    assert _train(ws, tiny_model) == FIRST
    _restamp(lib / "a.jpg.xmp", rated(1))
    _restamp(lib / "P1.DNG.xmp", rated(-1))
    opened = _forbid_reading(monkeypatch)
    assert _train(ws, tiny_model) == {**FIRST, "a.jpg": "dislike", "P1.JPG": "dislike"}
    assert sorted(Path(p).name for p in opened) == ["P1.DNG.xmp", "a.jpg.xmp"]


def test_a_new_sidecar_is_picked_up_and_a_removed_one_forgotten(lib_ws, tiny_model):
    ws, lib = lib_ws
    assert _train(ws, tiny_model) == FIRST
    (lib / "c.jpg.xmp").write_bytes(rated(5))  # appears
    (lib / "d.xmp").write_bytes(rated(-1))  # STEM.xmp appears
    (lib / "b.xmp").unlink()  # disappears
    assert _train(ws, tiny_model) == {
        "a.jpg": "like",
        "P1.JPG": "like",
        "c.jpg": "like",
        "d.jpg": "dislike",
    }


def test_a_sidecar_ahead_of_the_read_one_is_noticed(lib_ws, tiny_model):
    """`P1.JPG.xmp` appearing beside the RAW's: the RAW's still comes first (reading order)."""
    ws, lib = lib_ws
    assert _train(ws, tiny_model) == FIRST
    (lib / "a.xmp").write_bytes(rated(-1))  # after a.jpg.xmp in reading order: ignored
    (lib / "P1.JPG.xmp").write_bytes(rated(-1))  # after P1.DNG.xmp: ignored
    assert _train(ws, tiny_model) == FIRST
    (lib / "a.jpg.xmp").unlink()  # now a.xmp speaks
    assert _train(ws, tiny_model) == {**FIRST, "a.jpg": "dislike"}


def test_an_unusable_rating_file_is_ignored(lib_ws, tiny_model):
    ws, _ = lib_ws
    path = ratings_path(ws / ".konomi")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a database at all" * 100)
    assert _train(ws, tiny_model) == FIRST
    assert _train(ws, tiny_model) == FIRST


def test_a_rating_inside_the_file_is_read_again_when_the_file_changes(lib_ws, tiny_model):
    from PIL import Image

    ws, lib = lib_ws
    packet = rated(5).split(b"?>", 1)[1].strip()
    path = lib / "c.jpg"
    with Image.open(path) as im:
        im.load()
        im.save(path, xmp=packet)
    assert _train(ws, tiny_model) == {**FIRST, "c.jpg": "like"}
    with Image.open(path) as im:
        im.load()
        im.save(path, xmp=rated(-1).split(b"?>", 1)[1].strip())
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    assert _train(ws, tiny_model) == {**FIRST, "c.jpg": "dislike"}
