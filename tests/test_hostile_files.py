"""Hostile and odd files, table-driven: each is scored or reported unreadable with its reason.

One workspace holds every kind at once (formats people have, broken files, links in every
direction, pipes, odd names); the real CLI classifies it and undoes it. For each kind the table
says what must happen; for all of them, nothing is lost, nothing overwritten, no link is
followed out of the workspace and no link's target moves. A last test changes files while a
paused `classify` is between scoring and moving (`KONOMI_TEST_PAUSE_AT`).
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest
from factories.images import (
    assert_conserved,
    expected_unreadable,
    file_hashes,
    make_format_zoo,
    make_hostile_zoo,
    make_image,
    make_taste_set,
)
from factories.models import konomi_env
from messages import said, word
from test_crash import cli, ok, start_paused, train_in_process
from test_moves import assert_settled, layout, undo_everything

from konomi.encode.images import MAX_FILE_BYTES, read_file
from konomi.errors import UnreadableImage

SCORED = None  # the table's expectation for a file that must be scored and sorted

# kind -> None (scored and moved) or the key of the reason konomi must give (the file stays put).
EXTRA_CASES: dict[str, str | None] = {
    "symlink_to_outside": "unreadable.symlink",
    "symlink_to_training_image": "unreadable.symlink",
    "symlink_dangling": "unreadable.symlink",
    "symlink_loop_named_jpg": "unreadable.symlink",
    "fifo_named_jpg": "unreadable.special",
    "thin_strip_1x500": "unreadable.too_thin",
    "markup_in_name_unreadable": "unreadable.not_image",
    "markup_in_name": SCORED,
    "nested_folders": SCORED,
    "name_taken_in_every_destination": SCORED,
    "newline_in_name": SCORED,
    "shift_jis_name": "unreadable.bad_name",
}
UNREADABLE_REASONS = {
    "zero_bytes": "unreadable.empty",
    "truncated_jpeg": "unreadable.truncated",
    "truncated_png": "unreadable.truncated",
    "text_as_png": "unreadable.not_image",
    "html_as_jpg": "unreadable.not_image",
    "decompression_bomb": "unreadable.bomb",
    "dir_named_jpg": "unreadable.folder_named_like_image",
}


def listed(out: str, name: str, key: str, also: str = "") -> bool:
    """Whether a line of `out` names the file `name` with the reason `key` (and holds `also`)."""
    return any(
        f"{name}: " in line and also in line and said(line, key) for line in out.splitlines()
    )


def build_extras(unlabeled: Path, outside: Path, root: Path) -> dict[str, Path]:
    outside.mkdir(parents=True)
    far = make_image(outside / "photo.jpg", seed=9)
    make_image(outside / "folder" / "far.jpg", seed=10)
    extras: dict[str, Path] = {}

    def link(kind: str, name: str, target: Path | str) -> None:
        path = unlabeled / name
        path.symlink_to(target)
        extras[kind] = path

    link("symlink_to_outside", "outside_link.jpg", far)
    link("symlink_to_training_image", "inside_link.jpg", sorted(root.glob("data/train/like/*"))[0])
    link("symlink_dangling", "dangling.jpg", unlabeled / "nowhere.jpg")
    link("symlink_loop_named_jpg", "loop.jpg", ".")
    (unlabeled / "elsewhere").symlink_to(outside / "folder")  # a folder link: never entered
    os.mkfifo(unlabeled / "pipe.jpg")
    extras["fifo_named_jpg"] = unlabeled / "pipe.jpg"
    extras["thin_strip_1x500"] = make_image(unlabeled / "strip.png", size=(1, 500))
    bad = unlabeled / "[bold]notes.png"
    bad.write_text("not an image, and a name rich would take for markup")
    extras["markup_in_name_unreadable"] = bad
    extras["markup_in_name"] = make_image(unlabeled / "[red]tomato[red].jpg")
    extras["nested_folders"] = make_image(unlabeled / "trip" / "2024" / "beach.jpg", seed=4)
    extras["name_taken_in_every_destination"] = make_image(unlabeled / "clash.jpg", seed=5)
    for label in ("like", "dislike", "unsure"):
        make_image(root / "data" / "classified" / label / "clash.jpg", seed=6)
    extras["newline_in_name"] = make_image(unlabeled / "two\nlines.jpg", seed=7)
    sjis = os.fsdecode(os.fsencode(unlabeled) + b"/\x83e\x83X\x83g.jpg")  # "テスト" in Shift_JIS
    extras["shift_jis_name"] = make_image(Path(sjis), seed=8)
    (unlabeled / ".hidden.jpg").write_bytes((unlabeled / "clash.jpg").read_bytes())
    (unlabeled / "notes.txt").write_text("not an image name: ignored")
    return extras


@dataclass
class Zoo:
    root: Path
    cases: dict[str, tuple[Path, str | None]]  # kind -> (path, expectation)
    classify_text: str
    after_classify: dict[str, str]
    after_undo: dict[str, str]
    before: dict[str, str]
    outside_before: object


@pytest.fixture(scope="module")
def zoo(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Zoo:
    base = tmp_path_factory.mktemp("hostile")
    root = base / "ws"
    make_taste_set(root / "data" / "train", 8, 8, seed=0)
    train_in_process(root, tiny_model)
    unlabeled = root / "data" / "unlabeled"
    cases: dict[str, tuple[Path, str | None]] = {}
    for kind, path in make_format_zoo(unlabeled / "formats").items():
        cases[kind] = (path, SCORED)
    hostile = make_hostile_zoo(unlabeled / "hostile")
    for kind, path in hostile.items():
        cases[kind] = (
            path,
            UNREADABLE_REASONS.get(kind) if kind in expected_unreadable(hostile) else SCORED,
        )
    for kind, path in build_extras(unlabeled, base / "outside", root).items():
        cases[kind] = (path, EXTRA_CASES[kind])
    env = konomi_env(tiny_model, base)
    before = layout(root)
    outside_before = file_hashes(base / "outside")
    classify_text = ok(cli(root, "classify", env=env))
    after_classify = layout(root)
    undo_text = ok(cli(root, "undo", env=env))
    assert said(undo_text, "cli.undo.done", kind=word("cli.undo.kind.classify"))
    return Zoo(root, cases, classify_text, after_classify, layout(root), before, outside_before)


def test_the_table_has_at_least_twenty_kinds(zoo: Zoo):
    assert len(zoo.cases) >= 40
    assert sum(1 for _, why in zoo.cases.values() if why is not None) >= 12


ALL_KINDS = [
    *(f"jpeg_orientation_{n}" for n in range(1, 9)),
    "png_rgba",
    "png_la",
    "png_palette_transparency",
    "gif_palette",
    "gif_animated",
    "webp_animated",
    "webp",
    "jpeg_cmyk",
    "png_i16",
    "jpeg_greyscale",
    "bmp",
    "tiff",
    "png_1px",
    "jpeg_large",
    "upper_case_ext",
    "name_with_spaces",
    "japanese_nfc",
    "japanese_nfd",
    "long_name",
    "long_name_multibyte",
    "readable_broken_exif",
    *UNREADABLE_REASONS,
    *EXTRA_CASES,
]


@pytest.mark.parametrize("kind", ALL_KINDS)
def test_each_kind_is_scored_or_reported(zoo: Zoo, kind: str):
    path, expected = zoo.cases[kind]
    rel = os.path.relpath(path, zoo.root)
    if expected is SCORED:
        assert rel not in zoo.after_classify, f"{rel} should have been sorted"
        sub = os.path.relpath(path, zoo.root / "data" / "unlabeled")
        stem, suffix = os.path.splitext(sub)
        homes = [
            p
            for p, digest in zoo.after_classify.items()
            if p.startswith("data/classified/")
            and p.split("/", 3)[3] in (sub, f"{stem} (1){suffix}")
            and digest == zoo.before[rel]
        ]
        assert len(homes) == 1, f"{rel} should be in exactly one proposal folder: {homes}"
        assert zoo.after_undo.get(rel) == zoo.before[rel], "undo should bring it back"
        return
    shown = os.fsencode(rel).decode("utf-8", "replace").split("\n")[-1]  # as printed
    lines = [line for line in zoo.classify_text.splitlines() if shown in line]
    assert any(said(line, expected) for line in lines), f"no '{expected}' for {rel}:\n{lines}"
    if path.is_symlink():
        assert os.path.islink(path), "the link itself must stay"
    elif rel in zoo.before:
        assert zoo.after_classify.get(rel) == zoo.before[rel], "an unreadable file must stay put"
    else:
        assert os.path.lexists(path)


def test_nothing_lost_overwritten_or_followed(zoo: Zoo):
    assert sorted(zoo.after_undo.items()) == sorted(zoo.before.items())
    assert sorted(zoo.after_classify.values()) == sorted(zoo.before.values())
    assert_conserved(zoo.outside_before, file_hashes(zoo.root.parent / "outside"))
    outside = zoo.root.parent / "outside"
    assert (outside / "photo.jpg").is_file() and (outside / "folder" / "far.jpg").is_file()
    for label in ("like", "dislike", "unsure"):  # the names that were taken are untouched
        assert (
            zoo.before[f"data/classified/{label}/clash.jpg"]
            == zoo.after_undo[f"data/classified/{label}/clash.jpg"]
        )
    assert zoo.after_undo["data/unlabeled/.hidden.jpg"] == zoo.before["data/unlabeled/.hidden.jpg"]
    assert "Traceback" not in zoo.classify_text


def test_read_file_refuses_links_pipes_and_huge_files(tmp_path):
    target = make_image(tmp_path / "real.jpg")
    (tmp_path / "link.jpg").symlink_to(target)
    os.mkfifo(tmp_path / "pipe.jpg")  # opening it for reading would block forever
    huge = tmp_path / "huge.jpg"
    with open(huge, "wb") as f:  # sparse: no disk used
        f.truncate(MAX_FILE_BYTES + 1)
    for name, reason in (
        ("link.jpg", "symbolic link"),
        ("pipe.jpg", "not a regular file"),
        ("huge.jpg", "too large for an image"),
    ):
        with pytest.raises(UnreadableImage, match=reason):
            read_file(tmp_path / name)
    assert read_file(target) == target.read_bytes()


def test_files_changed_deleted_or_appearing_while_classify_runs(tiny_model, tmp_path):
    """Paused between scoring and moving, and again between planning and moving."""
    root = tmp_path / "ws"
    make_taste_set(root / "data" / "train", 8, 8, seed=0)
    train_in_process(root, tiny_model)
    unlabeled = root / "data" / "unlabeled"
    for i in range(8):
        make_image(
            unlabeled / f"p{i}.jpg", seed=20 + i, color=(200, 50, 40) if i % 2 else (40, 90, 200)
        )
    env = konomi_env(tiny_model, tmp_path)

    # 1. Between scoring and planning: p0 edited, p1 deleted; neither may be moved.
    proc = start_paused(root, "classify", "before_plan:1", env)
    (unlabeled / "p0.jpg").write_bytes((unlabeled / "p0.jpg").read_bytes() + b"edited")
    (unlabeled / "p1.jpg").unlink()
    before = file_hashes(root / "data")
    os.kill(proc.pid, signal.SIGCONT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, out + err
    assert listed(out, "p0.jpg", "safety.move.changed")
    assert listed(out, "p1.jpg", "safety.move.gone")
    assert (unlabeled / "p0.jpg").is_file()
    assert_conserved(before, file_hashes(root / "data"))
    undo_everything(root)

    # 2. Between planning and moving: p2 edited, p3 deleted, and a stranger's file appears
    #    under the very name p4 was promised in its destination folder.
    proc = start_paused(root, "classify", "after_plan:1", env)
    db = sqlite3.connect(root / ".konomi" / "journal.sqlite")
    (dst,) = db.execute(
        "SELECT dst FROM moves WHERE src='data/unlabeled/p4.jpg' AND state='planned'"
    ).fetchone()
    db.close()
    stranger = root / dst
    stranger.write_bytes(b"a file someone else put here just now")
    (unlabeled / "p2.jpg").write_bytes((unlabeled / "p2.jpg").read_bytes() + b"edited")
    (unlabeled / "p3.jpg").unlink()
    before = file_hashes(root / "data")
    os.kill(proc.pid, signal.SIGCONT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, out + err
    assert listed(out, "p2.jpg", "safety.move.changed")
    assert listed(out, "p3.jpg", "safety.move.gone")
    assert stranger.read_bytes() == b"a file someone else put here just now"
    assert (stranger.parent / "p4 (1).jpg").is_file()
    assert_conserved(before, file_hashes(root / "data"))
    assert_settled(root, before)
    undo_everything(root)
    assert (unlabeled / "p4.jpg").is_file() and stranger.is_file()


def test_a_data_folder_that_is_a_file_or_missing_is_explained(tiny_model, tmp_path):
    root = tmp_path / "ws"
    make_taste_set(root / "data" / "train", 8, 8, seed=0)
    train_in_process(root, tiny_model)
    (root / "data" / "classified").write_text("a file where konomi expects a folder")
    make_image(root / "data" / "unlabeled" / "a.jpg")
    env = konomi_env(tiny_model, tmp_path)
    text = ok(cli(root, "classify", env=env))
    assert listed(text, "a.jpg", "safety.move.cannot_create", "data/classified/")
    assert (root / "data" / "unlabeled" / "a.jpg").is_file()
    shutil.rmtree(root / "data" / "unlabeled")
    (root / "data" / "unlabeled").write_text("not a folder")
    done = cli(root, "classify", env=env)
    assert "Traceback" not in done.stdout + done.stderr
    assert done.returncode in (0, 1)


def test_unreadable_folder_is_reported(tiny_model, tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads every folder")
    root = tmp_path / "ws"
    make_taste_set(root / "data" / "train", 8, 8, seed=0)
    train_in_process(root, tiny_model)
    locked = root / "data" / "unlabeled" / "private"
    make_image(locked / "a.jpg")
    locked.chmod(0)
    try:
        text = ok(cli(root, "classify", env=konomi_env(tiny_model, tmp_path)))
    finally:
        locked.chmod(0o755)
    assert listed(text, "private", "unreadable.cannot_read_folder")
