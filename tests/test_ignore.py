"""Leaving things out: `.konomiignore` (gitignore syntax) and the built-in thumbnail folders of
photo tools. An ignored file appears nowhere — not listed, not scored, not even as unreadable."""

from __future__ import annotations

import csv

import pytest
from factories.images import make_image

from konomi.encode.ignore import BUILTIN, IgnoreRules
from konomi.encode.images import Skipped, find_images
from konomi.errors import KonomiError


def _names(folder, **kw) -> list[str]:
    return [p.relative_to(folder).as_posix() for p in find_images(folder, **kw)]


def test_builtin_folders_of_photo_tools_are_left_out(tmp_path):
    make_image(tmp_path / "2024" / "IMG_1.jpg")
    for folder in ("@eaDir/IMG_1.jpg", "Lightroom/Previews.lrdata/0/A", ".thumbnails/normal"):
        make_image(tmp_path / "2024" / folder / "thumb.jpg")
    make_image(tmp_path / "#recycle" / "old.jpg")
    make_image(tmp_path / "CaptureOne" / "Cache" / "Proxies" / "p.jpg")
    (tmp_path / "@eaDir").mkdir()
    (tmp_path / "@eaDir" / "broken.jpg").write_bytes(b"not an image")
    skipped: list[Skipped] = []
    assert _names(tmp_path, skipped=skipped) == ["2024/IMG_1.jpg"]
    assert skipped == []
    assert "@eaDir/" in BUILTIN and "*.lrdata/" in BUILTIN


def test_konomiignore_uses_gitignore_syntax_relative_to_its_root(tmp_path):
    (tmp_path / ".konomiignore").write_text(
        "# my private photos\nprivate/\n*.tmp.jpg\n!keep.tmp.jpg\n/top-only.jpg\n"
    )
    for name in (
        "a.jpg",
        "private/b.jpg",
        "2024/private/c.jpg",
        "2024/d.tmp.jpg",
        "2024/keep.tmp.jpg",
        "top-only.jpg",
        "2024/top-only.jpg",
    ):
        make_image(tmp_path / name)
    (tmp_path / "private" / "broken.NEF").write_bytes(b"not a raw file")
    rules = IgnoreRules.for_root(tmp_path)
    skipped: list[Skipped] = []
    assert sorted(_names(tmp_path, skipped=skipped, ignore=rules)) == [
        "2024/keep.tmp.jpg",
        "2024/top-only.jpg",
        "a.jpg",
    ]
    assert skipped == []
    # Listing a sub-folder keeps the root's rules (the workspace lists data/unlabeled).
    assert [p.name for p in find_images(tmp_path / "2024", ignore=rules)] == [
        "keep.tmp.jpg",
        "top-only.jpg",
    ]
    assert rules.ignores(tmp_path / "private", is_dir=True)
    assert not rules.ignores(tmp_path / "elsewhere" / ".." / "a.jpg")


def test_without_a_file_only_the_builtin_rules_apply(tmp_path):
    rules = IgnoreRules.for_root(tmp_path)
    assert rules.patterns == ()
    assert rules.ignores(tmp_path / "x" / "@eaDir", is_dir=True)
    assert not rules.ignores(tmp_path / "x" / "private", is_dir=True)


def test_an_unreadable_ignore_file_stops_with_a_reason(tmp_path):
    (tmp_path / ".konomiignore").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(KonomiError) as caught:
        IgnoreRules.for_root(tmp_path)
    assert ".konomiignore" in caught.value.message


def test_score_and_classify_leave_ignored_files_alone(workspace, konomi):
    ws = workspace(n_like=12, n_dislike=12, n_unlabeled=4)
    (ws.root / ".konomiignore").write_text("data/unlabeled/private/\n")
    private = ws.root / "data" / "unlabeled" / "private"
    secret = make_image(private / "secret.jpg", color=(220, 40, 30))
    (private / "broken.HEIC").write_bytes(b"not a heic")
    thumbs = ws.root / "data" / "unlabeled" / "@eaDir"
    thumb = make_image(thumbs / "SYNOPHOTO_THUMB_M.jpg")
    konomi("train", root=ws.root, check=True)
    scored = konomi("score", root=ws.root, check=True)
    raw = (ws.root / "reports" / "scores.csv").read_bytes().decode("utf-8-sig")
    paths = [row["path"] for row in csv.DictReader(raw.splitlines())]
    assert paths and not any("private" in p or "@eaDir" in p for p in paths), paths
    assert "broken.HEIC" not in scored.text and "secret" not in scored.text
    classified = konomi("classify", root=ws.root, check=True)
    assert "broken.HEIC" not in classified.text
    assert secret.exists() and thumb.exists() and (private / "broken.HEIC").exists()
    assert not list(ws.root.glob("data/classified/**/secret.jpg"))


def test_an_ignored_twin_or_sidecar_does_not_travel_with_its_photo(tmp_path):
    from konomi.encode.pairs import companions_for

    (tmp_path / ".konomiignore").write_text("*.NEF\n")
    photo = make_image(tmp_path / "IMG_1.JPG")
    (tmp_path / "IMG_1.NEF").write_bytes(b"raw bytes")
    (tmp_path / "IMG_1.JPG.xmp").write_bytes(b"<x:xmpmeta/>")
    rules = IgnoreRules.for_root(tmp_path)
    assert companions_for([photo], rules)[photo] == (tmp_path / "IMG_1.JPG.xmp",)
    assert companions_for([photo])[photo] == (tmp_path / "IMG_1.JPG.xmp", tmp_path / "IMG_1.NEF")
