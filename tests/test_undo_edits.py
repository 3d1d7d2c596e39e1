"""Undo of sidecar writes: a sidecar the person edited is reported once and left alone, and undo
moves on; a journal row that leads out of a library (through a symbolic link placed inside it,
or a folder swapped for one after konomi wrote) never makes undo write or delete anything."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from konomi.store.edits import FileWrite
from konomi.store.journal import Hopeless, Journal, PlannedMove
from konomi.workspace import Workspace


def _setup(tmp_path: Path) -> tuple[Workspace, Path]:
    ws = Workspace(tmp_path / "ws")
    ws.unlabeled.mkdir(parents=True)
    lib = tmp_path / "photos"
    lib.mkdir()
    return ws, lib


def test_an_edited_sidecar_is_reported_once_and_undo_reaches_the_run_before(tmp_path):
    ws, lib = _setup(tmp_path)
    photo = ws.unlabeled / "a.jpg"
    photo.write_bytes(b"a photo")
    edited, untouched = lib / "x.jpg.xmp", lib / "y.jpg.xmp"
    with Journal(ws) as journal:
        classify = journal.run("classify", [PlannedMove(photo, ws.classified_dir("like"))]).op
        xmp = journal.write_files(
            "xmp", [FileWrite(edited, b"<konomi/>", None), FileWrite(untouched, b"<k/>", None)]
        ).op
        edited.write_bytes(b"<konomi/><the-person-added-a-line/>")
        assert journal.last_undoable() == xmp
        first = journal.undo_edits(xmp, roots=[lib])
        assert [p for p, _ in first.skipped] == [edited]
        assert isinstance(first.skipped[0][1], Hopeless)
        assert first.removed == [untouched]
        # the edited sidecar is not offered again: the next undo is the classify run's
        assert journal.last_undoable() == classify
        back = journal.undo(classify)
    assert [dst for _, dst in back.moved] == [photo] and photo.read_bytes() == b"a photo"
    assert edited.read_bytes() == b"<konomi/><the-person-added-a-line/>"


def test_classify_xmp_edit_then_undo_twice_through_the_cli(tmp_path, konomi, workspace):
    from test_library import Library

    gen = workspace(n_like=6, n_dislike=6, n_unlabeled=4)
    lib = Library(tmp_path / "photos")
    (gen.root / "konomi.toml").write_text(
        f'libraries = ["{lib.root.as_posix()}"]\n', encoding="utf-8"
    )
    unlabeled = sorted(p.name for p in (gen.root / "data" / "unlabeled").iterdir())
    konomi("train", root=gen.root, check=True)
    konomi("classify", root=gen.root, check=True)
    assert not list((gen.root / "data" / "unlabeled").iterdir())
    konomi("xmp", root=gen.root, check=True)
    sidecar = next(lib.root.rglob("*.xmp"))
    sidecar.write_bytes(sidecar.read_bytes() + b"\n<!-- the person's line -->\n")
    edited = sidecar.read_bytes()
    first = konomi("undo", root=gen.root, check=True)
    assert first.out.count(sidecar.name) == 1, first.out
    second = konomi("undo", root=gen.root, check=True)
    assert sidecar.name not in second.out, second.out
    assert sorted(p.name for p in (gen.root / "data" / "unlabeled").iterdir()) == unlabeled
    assert sidecar.read_bytes() == edited


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_undo_never_follows_a_folder_swapped_for_a_link_out_of_the_library(tmp_path):
    ws, lib = _setup(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (lib / "s").mkdir()
    created, replaced = lib / "s" / "victim.xmp", lib / "s" / "kept.xmp"
    replaced.write_bytes(b"the person's sidecar")
    with Journal(ws) as journal:
        op = journal.write_files(
            "xmp",
            [
                FileWrite(created, b"<konomi/>", None),
                FileWrite(replaced, b"<merged/>", b"the person's sidecar"),
            ],
        ).op
        # the folder is swapped for a link to elsewhere holding files of the same bytes
        (lib / "s").rename(tmp_path / "s-moved")
        (outside / "victim.xmp").write_bytes(b"<konomi/>")
        (outside / "kept.xmp").write_bytes(b"<merged/>")
        os.symlink(outside, lib / "s")
        undone = journal.undo_edits(op, roots=[lib])
        assert journal.last_undoable() is None  # refused for good, not offered again
    assert (outside / "victim.xmp").read_bytes() == b"<konomi/>"  # not deleted
    assert (outside / "kept.xmp").read_bytes() == b"<merged/>"  # not overwritten
    assert sorted(p.name for p, _ in undone.skipped) == ["kept.xmp", "victim.xmp"]
    assert not undone.written and not undone.removed


def test_a_tampered_row_through_a_link_inside_a_library_touches_nothing(tmp_path):
    ws, lib = _setup(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.xmp"
    victim.write_bytes(b"not konomi's")
    os.symlink(outside, lib / "s")
    with Journal(ws) as journal:
        with journal._tx():
            journal.db.execute(
                "INSERT INTO operations(kind, created, state) VALUES ('xmp', 0, 'done')"
            )
            journal.db.executemany(
                "INSERT INTO edits(op, kind, path, before, existed, after, state) "
                "VALUES (1, 'file', ?, ?, ?, ?, 'done')",
                [
                    (str(lib / "s" / "victim.xmp"), b"overwritten", 1, _digest(b"not konomi's")),
                    (str(lib / "s" / "victim.xmp"), None, 0, _digest(b"not konomi's")),
                ],
            )
        undone = journal.undo_edits(1, roots=[lib])
    assert victim.read_bytes() == b"not konomi's"
    assert len(undone.skipped) == 2 and not undone.written and not undone.removed
