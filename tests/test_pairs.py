"""A RAW+JPEG pair and its XMP sidecars are one photo: scored once, moved together, collision-safe,
journaled, and brought back together by undo — also after a crash half-way."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from factories.images import assert_conserved, file_hashes, make_image
from factories.raw import make_dng
from messages import said

from konomi.app import loop as workflow
from konomi.app.review.queue import ReviewQueue
from konomi.encode.images import find_images
from konomi.encode.pairs import companions_for, group
from konomi.store.journal import Journal, PlannedMove
from konomi.workspace import Workspace, workspace_lock

RED = (220, 40, 30)
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>\n'


def make_pair(folder: Path, stem: str, *, colour=RED, seed: int = 0) -> list[Path]:
    """IMG.JPG + IMG.DNG (a real DNG) + the three sidecar names seen in the wild."""
    files = [
        make_image(folder / f"{stem}.JPG", color=colour, seed=seed),
        make_dng(folder / f"{stem}.DNG", colour),
    ]
    for name in (f"{stem}.DNG.xmp", f"{stem}.xmp", f"{stem}.JPG.xmp"):
        (folder / name).write_bytes(XMP + name.encode())
        files.append(folder / name)
    return files


# -- the rule ----------------------------------------------------------------------------------
def test_group_pairs_raw_with_its_jpeg_and_gathers_the_sidecars():
    names = [
        "IMG_1.NEF", "IMG_1.JPG", "IMG_1.NEF.xmp", "IMG_1.xmp", "IMG_1.JPG.xmp",
        "IMG_2.CR3", "IMG_2.xmp",
        "IMG_3.HEIC", "IMG_3.ARW",
        "a.jpg", "a.jpeg", "a.xmp",
        "b.png", "b.dng",
        "notes.txt",
    ]  # fmt: skip
    assert group(names) == {
        "IMG_1.JPG": ("IMG_1.JPG.xmp", "IMG_1.NEF", "IMG_1.NEF.xmp", "IMG_1.xmp"),
        "IMG_2.CR3": ("IMG_2.xmp",),
        "IMG_3.HEIC": ("IMG_3.ARW",),
        "a.jpeg": (),  # two JPEGs of one stem are two photos; a.xmp is ambiguous: it stays
        "a.jpg": (),
        "b.dng": (),  # a PNG is no camera's twin of a RAW file
        "b.png": (),
    }


def test_find_images_lists_a_pair_once_through_its_jpeg(tmp_path):
    make_pair(tmp_path, "IMG_1")
    make_dng(tmp_path / "IMG_2.DNG", RED)  # a RAW alone is a photo of its own
    (tmp_path / "sub").mkdir()
    make_dng(tmp_path / "sub" / "IMG_1.DNG", RED)  # same stem, another folder: no pair
    assert [p.relative_to(tmp_path).as_posix() for p in find_images(tmp_path)] == [
        "IMG_1.JPG",
        "IMG_2.DNG",
        "sub/IMG_1.DNG",
    ]
    assert len(list(find_images(tmp_path, pairs=False))) == 4
    found = companions_for([tmp_path / "IMG_1.JPG", tmp_path / "IMG_2.DNG"])
    assert [p.name for p in found[tmp_path / "IMG_1.JPG"]] == [
        "IMG_1.DNG",
        "IMG_1.DNG.xmp",
        "IMG_1.JPG.xmp",
        "IMG_1.xmp",
    ]
    assert found[tmp_path / "IMG_2.DNG"] == ()


# -- the journal -----------------------------------------------------------------------------
def _move_pair(root: Path, stem: str, dst: str) -> tuple[Journal, object]:
    ws = Workspace(root)
    src = root / "data" / "unlabeled" / f"{stem}.JPG"
    riders = companions_for([src])[src]
    with workspace_lock(ws), Journal(ws) as journal:
        return journal.run("classify", [PlannedMove(src, root / dst, companions=riders)])


def test_a_pair_moves_and_comes_back_together(tmp_path):
    root = tmp_path / "ws"
    make_pair(root / "data" / "unlabeled", "IMG_1")
    before = file_hashes(root / "data")
    report = _move_pair(root, "IMG_1", "data/classified/like")
    assert [d.name for _, d in report.moved] == ["IMG_1.JPG"]  # the photo, once
    assert len(report.companions) == 4 and not report.companions_left
    assert sorted(os.listdir(root / "data" / "classified" / "like")) == [
        "IMG_1.DNG", "IMG_1.DNG.xmp", "IMG_1.JPG", "IMG_1.JPG.xmp", "IMG_1.xmp",
    ]  # fmt: skip
    assert os.listdir(root / "data" / "unlabeled") == []
    ws = Workspace(root)
    with workspace_lock(ws), Journal(ws) as journal:
        op = journal.last_undoable()
        assert journal.describe(op)[2] == 1  # one photo to bring back
        undone = journal.undo(op)
    assert len(undone.moved) == 1 and len(undone.companions) == 4
    assert not any((root / "data" / "classified" / "like").iterdir())
    assert_conserved(before, file_hashes(root / "data"))
    assert sorted(os.listdir(root / "data" / "unlabeled")) == sorted(
        ["IMG_1.JPG", "IMG_1.DNG", "IMG_1.DNG.xmp", "IMG_1.xmp", "IMG_1.JPG.xmp"]
    )


def test_when_the_photo_stays_its_companions_stay_with_it(tmp_path):
    root = tmp_path / "ws"
    files = make_pair(root / "data" / "unlabeled", "IMG_1")
    src = files[0]
    ws = Workspace(root)
    stale = (src.stat().st_size + 1, src.stat().st_mtime_ns)  # "changed since it was scored"
    move = PlannedMove(src, root / "data/classified/like", stale, companions=tuple(files[1:]))
    with workspace_lock(ws), Journal(ws) as journal:
        report = journal.run("classify", [move])
        assert journal.last_undoable() is None  # nothing moved, nothing to undo
    assert report.moved == [] and "changed" in report.skipped[0][1]
    assert report.companions == [] and report.companions_left == []
    assert all(p.exists() for p in files)


def test_a_collision_on_any_name_gives_the_whole_group_one_new_stem(tmp_path):
    root = tmp_path / "ws"
    make_pair(root / "data" / "unlabeled", "IMG_1")
    like = root / "data" / "classified" / "like"
    like.mkdir(parents=True)
    (like / "IMG_1.xmp").write_bytes(b"someone else's sidecar")  # only one name is taken
    before = file_hashes(root / "data")
    report = _move_pair(root, "IMG_1", "data/classified/like")
    assert [d.name for _, d in report.moved] == ["IMG_1 (1).JPG"]
    assert sorted(os.listdir(like)) == [
        "IMG_1 (1).DNG", "IMG_1 (1).DNG.xmp", "IMG_1 (1).JPG", "IMG_1 (1).JPG.xmp",
        "IMG_1 (1).xmp", "IMG_1.xmp",
    ]  # fmt: skip
    assert (like / "IMG_1.xmp").read_bytes() == b"someone else's sidecar"
    assert_conserved(before, file_hashes(root / "data"))
    # Undo into a folder where the old names are taken now: again one new stem for the group.
    (root / "data" / "unlabeled" / "IMG_1.DNG").write_bytes(b"a new file under the old name")
    ws = Workspace(root)
    with workspace_lock(ws), Journal(ws) as journal:
        journal.undo(journal.last_undoable())
    back = sorted(os.listdir(root / "data" / "unlabeled"))
    assert back == [
        "IMG_1 (1).DNG", "IMG_1 (1).DNG.xmp", "IMG_1 (1).JPG", "IMG_1 (1).JPG.xmp",
        "IMG_1 (1).xmp", "IMG_1.DNG",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("link_error", "crash_at"),
    [("", "after_link:3"), ("EXDEV", "after_place:3")],
    ids=["hard-links", "copies"],
)
def test_a_crash_half_way_through_a_pair_is_repaired_and_undone(tmp_path, link_error, crash_at):
    from test_moves import settle, undo_everything

    root = tmp_path / "ws"
    for i in range(3):
        make_pair(root / "data" / "unlabeled", f"IMG_{i}", seed=i)
    before = file_hashes(root / "data")
    # Killed at the 3rd file: the photo moved, its RAW too, a sidecar placed but its source kept.
    script = (
        "import sys; sys.path.insert(0, 'tests'); from pathlib import Path\n"
        "from test_pairs import _move_pair\n"
        f"_move_pair(Path({str(root)!r}), 'IMG_1', 'data/classified/like')\n"
    )
    env = {**os.environ, "KONOMI_TEST_CRASH_AT": crash_at, "KONOMI_TEST_LINK_ERROR": link_error}
    cwd = Path(__file__).resolve().parents[1]
    crashed = subprocess.run([sys.executable, "-c", script], env=env, cwd=cwd, timeout=60)
    assert crashed.returncode != 0  # killed
    settle(root)
    assert_conserved(before, file_hashes(root / "data"))
    like = root / "data" / "classified" / "like"
    assert (like / "IMG_1.JPG").exists() and (like / "IMG_1.DNG").exists()
    undo_everything(root)
    assert_conserved(before, file_hashes(root / "data"))
    assert not list(like.iterdir())


# -- the commands ----------------------------------------------------------------------------
def test_classify_and_undo_move_a_pair_and_its_sidecars_together(workspace, konomi):
    ws = workspace(n_like=12, n_dislike=12, n_unlabeled=2)
    unlabeled = ws.root / "data" / "unlabeled"
    pair = make_pair(unlabeled / "trip", "IMG_7")
    konomi("train", root=ws.root, check=True)
    before = file_hashes(ws.root / "data")
    result = konomi("classify", root=ws.root, check=True)
    assert said(result.out, "cli.classify.sorted", n=3), result.out  # the pair counts once
    homes = {
        p.name: p.parent.parent.name
        for p in (ws.root / "data" / "classified").rglob("*")
        if p.is_file() and p.parent.name == "trip"
    }
    assert sorted(homes) == sorted(p.name for p in pair)
    assert len(set(homes.values())) == 1, homes  # one decision for the whole photo
    assert not any((unlabeled / "trip").glob("*"))
    assert_conserved(before, file_hashes(ws.root / "data"))
    konomi("undo", root=ws.root, check=True)
    assert sorted(p.name for p in (unlabeled / "trip").iterdir()) == sorted(p.name for p in pair)
    assert_conserved(before, file_hashes(ws.root / "data"))


def test_a_review_decision_moves_the_pair_and_undo_brings_it_back(workspace, tiny_model):
    ws = workspace(n_like=12, n_dislike=12, n_unlabeled=2)
    pair = make_pair(ws.root / "data" / "unlabeled", "IMG_9")
    before = file_hashes(ws.root / "data")
    ctx = workflow.Context.open(ws.root, model=str(tiny_model))
    try:
        workflow.train(ctx, folds=3)
        queue = ReviewQueue(ctx)
        queue.load()
        item = next(it for it in queue.items.values() if it.path.name == "IMG_9.JPG")
        assert not any(it.path.name == "IMG_9.DNG" for it in queue.items.values())
        queue.decide(item.id, "like")
        like = ws.root / "data" / "train" / "like"
        assert sorted(p.name for p in pair) <= sorted(os.listdir(like))
        queue.undo()
    finally:
        ctx.close()
    assert sorted(p.name for p in pair) <= sorted(os.listdir(ws.root / "data" / "unlabeled"))
    assert_conserved(before, file_hashes(ws.root / "data"))
