"""Formats tell the truth: HEIC and camera RAW read for real, unreadable files named with their
reason, check-env's answers from decoding samples, cached verdicts retried with new decoders."""

from __future__ import annotations

import csv
import sys

import numpy as np
import pytest
from factories.images import make_image
from factories.raw import add_preview, make_dng, write_dng
from messages import said
from PIL import Image

from konomi.encode.formats import RAW_EXTENSIONS
from konomi.encode.images import Skipped, decode, find_images, load_image
from konomi.encode.probe import probe_formats, tiny_dng
from konomi.errors import UnreadableImage
from konomi.store.cache import EmbeddingCache

RED, BLUE = (220, 40, 30), (30, 60, 220)


def _dominant(image: Image.Image) -> str:
    r, g, b = np.asarray(image, np.float64).reshape(-1, 3).mean(axis=0)
    return "red" if r > b else "blue"


def _flat(size: tuple[int, int], colour: tuple[int, int, int]) -> np.ndarray:
    w, h = size
    return np.ascontiguousarray(np.broadcast_to(np.array(colour, np.uint8), (h, w, 3)))


# -- camera RAW ---------------------------------------------------------------------------------
def test_raw_is_read_through_its_embedded_preview(tmp_path):
    # Sensor data blue, preview red: what comes out shows which one was read.
    path = write_dng(tmp_path / "IMG_1.dng", _flat((96, 64), BLUE))
    add_preview(path, Image.new("RGB", (96, 64), RED))
    image = load_image(path, min_side=32)
    assert image.mode == "RGB" and _dominant(image) == "red"
    assert min(image.size) >= 32


def test_raw_without_a_preview_is_decoded_from_its_sensor_data(tmp_path):
    path = write_dng(tmp_path / "IMG_2.dng", _flat((96, 64), BLUE))
    image = load_image(path, min_side=32)
    assert image.size == (48, 32)  # half size: the fallback decodes at half resolution
    assert _dominant(image) == "blue"


def test_a_preview_too_small_to_use_falls_back_to_the_sensor_data(tmp_path):
    path = write_dng(tmp_path / "IMG_3.dng", _flat((96, 64), BLUE))
    add_preview(path, Image.new("RGB", (24, 16), RED))  # a 24x16 thumbnail, like old cameras
    assert _dominant(load_image(path, min_side=32)) == "blue"


@pytest.mark.parametrize("preview", [True, False])
def test_raw_orientation_is_honoured(tmp_path, preview):
    # Orientation 6: the camera was turned, the picture is shown rotated 90° clockwise.
    path = make_dng(tmp_path / "turned.dng", RED, size=(96, 64), preview=preview, orientation=6)
    image = load_image(path)
    assert image.width < image.height, image.size


def test_a_preview_with_its_own_exif_orientation_is_not_turned_twice(tmp_path):
    path = write_dng(tmp_path / "turned.dng", _flat((96, 64), BLUE), orientation=6)
    # A preview stored landscape whose own EXIF says "turn 90°": turned once, portrait.
    add_preview(path, Image.new("RGB", (96, 64), RED), exif_orientation=6)
    image = load_image(path)
    assert image.size == (64, 96)


@pytest.mark.parametrize("suffix", [".NEF", ".cr2", ".CR3", ".ARW", ".raf", ".ORF", ".RW2", ".DNG"])
def test_every_raw_extension_is_listed_whatever_its_case(tmp_path, suffix):
    (tmp_path / f"a{suffix}").write_bytes(b"garbage, not a camera file" * 10)
    assert [p.name for p in find_images(tmp_path)] == [f"a{suffix}"]
    assert suffix.lower() in RAW_EXTENSIONS


def test_a_dng_under_another_raw_name_is_still_read(tmp_path):
    # LibRaw looks at the bytes: a DNG renamed .NEF is read (the name is only a hint).
    path = make_dng(tmp_path / "x.dng", RED)
    renamed = path.rename(tmp_path / "X.NEF")
    assert _dominant(load_image(renamed)) == "red"
    assert _dominant(decode(renamed.read_bytes())) == "red"  # bytes alone suffice too


def test_a_garbage_raw_file_is_unreadable_with_its_reason(tmp_path):
    bad = tmp_path / "DSC_0001.NEF"
    bad.write_bytes(b"\x00garbage" * 50)
    with pytest.raises(UnreadableImage) as caught:
        load_image(bad)
    assert said(caught.value.message, "formats.raw_unknown")
    truncated = make_dng(tmp_path / "cut.dng", RED, preview=False)
    truncated.write_bytes(truncated.read_bytes()[:300])
    with pytest.raises(UnreadableImage):
        load_image(truncated)


def test_a_jpeg_under_a_raw_name_is_read_as_the_jpeg_it_is(tmp_path):
    path = make_image(tmp_path / "odd.NEF", color=RED, fmt="JPEG")
    assert _dominant(load_image(path)) == "red"


# -- HEIC ------------------------------------------------------------------------------------
def test_heic_made_with_pillow_heif_is_read(tmp_path):
    path = make_image(tmp_path / "IMG_0001.HEIC", color=RED, fmt="HEIF", size=(80, 60))
    assert [p.name for p in find_images(tmp_path)] == ["IMG_0001.HEIC"]
    image = load_image(path)
    assert image.size == (80, 60) and _dominant(image) == "red"


# -- nothing skipped silently ----------------------------------------------------------------
def test_score_and_classify_take_heic_and_raw_and_name_every_unreadable_file(workspace, konomi):
    ws = workspace(n_like=12, n_dislike=12, n_unlabeled=2)
    unlabeled = ws.root / "data" / "unlabeled"
    make_image(unlabeled / "phone.HEIC", color=RED, fmt="HEIF")
    make_dng(unlabeled / "camera.DNG", RED, size=(96, 64))
    (unlabeled / "DSC_0002.NEF").write_bytes(b"not a raw file" * 40)
    (unlabeled / "broken.heic").write_bytes(b"not a heic file" * 40)
    konomi("train", root=ws.root, check=True)
    scored = konomi("score", root=ws.root, check=True)
    raw = (ws.root / "reports" / "scores.csv").read_bytes().decode("utf-8-sig")
    paths = {row["path"] for row in csv.DictReader(raw.splitlines())}
    assert {"data/unlabeled/phone.HEIC", "data/unlabeled/camera.DNG"} <= paths
    assert "DSC_0002.NEF" in scored.text and "broken.heic" in scored.text
    result = konomi("classify", root=ws.root, check=True)
    assert "DSC_0002.NEF" in result.text and "broken.heic" in result.text
    assert said(result.text, "formats.raw_unknown") or said(result.text, "formats.raw_corrupt")
    classified = {p.name for p in (ws.root / "data" / "classified").rglob("*") if p.is_file()}
    assert {"phone.HEIC", "camera.DNG"} <= classified
    assert (unlabeled / "DSC_0002.NEF").exists() and (unlabeled / "broken.heic").exists()


# -- check-env -------------------------------------------------------------------------------
def test_every_format_probe_decodes_a_real_sample():
    probes = {p.name: p for p in probe_formats()}
    for name in ("JPEG", "PNG", "WebP", "HEIC/HEIF", "camera RAW (DNG)"):
        assert probes[name].ok, probes[name]
    assert decode(tiny_dng(), name="probe.dng").size == (16, 16)


def test_check_env_says_no_when_heif_support_is_missing(tmp_path, konomi):
    # A module that fails to import shadows pillow-heif, as in an install without it.
    blocker = tmp_path / "blocked"
    blocker.mkdir()
    (blocker / "pillow_heif.py").write_text("raise ImportError('pillow-heif is not installed')\n")
    (tmp_path / "ws" / "data" / "train" / "like").mkdir(parents=True)
    without = konomi("check-env", root=tmp_path / "ws", env={"PYTHONPATH": str(blocker)})
    rows = {
        fmt: [line for line in without.out.splitlines() if f"reads {fmt}" in line]
        for fmt in ("JPEG", "HEIC")
    }
    assert rows["JPEG"] and "yes" in rows["JPEG"][0], without.out
    assert rows["HEIC"] and "no" in rows["HEIC"][0] and "yes" not in rows["HEIC"][0], without.out
    assert without.code != 0  # a required check failed


# -- cached verdicts -------------------------------------------------------------------------
def test_unreadable_verdicts_are_forgotten_when_the_decoders_change(tmp_path):
    with EmbeddingCache(tmp_path / "cache.sqlite") as cache:
        cache.note_decoders("pillow=1")
        cache.put_failures([("d1", "not an image"), ("d2", "not an image")])
        assert cache.note_decoders("pillow=1") == 0
        assert cache.get_failures(["d1", "d2"]) == {"d1": "not an image", "d2": "not an image"}
        assert cache.note_decoders("pillow=1;pillow-heif=1") == 2
        assert cache.get_failures(["d1", "d2"]) == {}


def test_find_images_names_what_it_cannot_list(tmp_path):
    (tmp_path / "link.NEF").symlink_to(tmp_path / "nowhere.NEF")
    skipped: list[Skipped] = []
    assert list(find_images(tmp_path, skipped)) == []
    assert [s.path.name for s in skipped] == ["link.NEF"]


if sys.platform == "win32":  # pragma: no cover
    pytest.skip("symbolic links need privileges on Windows", allow_module_level=True)


def test_a_heic_seen_without_pillow_heif_is_read_once_it_is_installed(workspace, konomi, tmp_path):
    ws = workspace(n_like=4, n_dislike=4, n_unlabeled=0)
    make_image(ws.root / "data" / "unlabeled" / "IMG_0001.HEIC", color=RED, fmt="HEIF")
    blocker = tmp_path / "blocked"
    blocker.mkdir()
    (blocker / "pillow_heif.py").write_text("raise ImportError('pillow-heif is not installed')\n")
    before = konomi("embed", root=ws.root, env={"PYTHONPATH": str(blocker)}, check=True)
    assert "IMG_0001.HEIC" in before.text and "pillow-heif" in before.text, before.text
    after = konomi("embed", root=ws.root, check=True)
    assert "IMG_0001.HEIC" not in after.text, after.text


@pytest.mark.parametrize(
    ("head", "raw"),
    [
        (b"FUJIFILMCCD-RAW 0201FF383501", True),  # RAF
        (b"IIRO\x08\x00\x00\x00", True),  # ORF
        (b"IIU\x00\x18\x00\x00\x00", True),  # RW2
        (b"\x00\x00\x00\x18ftypcrx \x00\x00\x00\x01", True),  # CR3
        (b"II*\x00\x10\x00\x00\x00CR\x02\x00", True),  # CR2
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", False),
        (b"\x89PNG\r\n\x1a\n", False),
    ],
)
def test_raw_formats_are_recognised_by_their_first_bytes(head, raw):
    from konomi.encode.raw import looks_raw

    assert looks_raw(head + b"\x00" * 64) is raw


def test_a_tiff_from_a_camera_maker_is_still_read_as_the_tiff_it_is(tmp_path):
    from konomi.encode.raw import looks_raw

    exif = Image.Exif()
    exif[271] = "NIKON CORPORATION"  # Make: what a NEF says too
    path = tmp_path / "scan.tif"
    Image.new("RGB", (40, 30), RED).save(path, "TIFF", exif=exif)
    assert looks_raw(path.read_bytes())  # LibRaw is asked first, declines, Pillow reads it
    assert load_image(path).size == (40, 30) and _dominant(load_image(path)) == "red"
    plain = tmp_path / "plain.tif"
    Image.new("RGB", (40, 30), RED).save(plain, "TIFF")
    assert not looks_raw(plain.read_bytes())
