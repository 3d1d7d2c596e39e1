"""XMP sidecars: merging keeps everything of the person's, ratings are read in every form, the
person's rating always wins, and the journal restores every sidecar byte for byte.

Sidecars are read back with exiftool (an independent reader) where it is installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from factories.images import _taste_image
from messages import said

from konomi.app.library import label_from_rating
from konomi.app.xmp import stars
from konomi.store.edits import FileWrite
from konomi.store.journal import Journal
from konomi.store.xmp import (
    XmpError,
    embedded_xmp,
    merge,
    read_rating,
    sidecar_for,
    xmp_in_file,
)
from konomi.workspace import Workspace

EXIFTOOL = shutil.which("exiftool")
needs_exiftool = pytest.mark.skipif(EXIFTOOL is None, reason="exiftool not installed")

DARKTABLE = """<?xml version="1.0" encoding="UTF-8"?>
<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <!-- written by a person's tool -->
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:darktable="http://darktable.sf.net/"
    xmlns:lr="http://ns.adobe.com/lightroom/1.0/"
    xmp:Label="Purple"
    darktable:auto_presets_applied="1">
   <darktable:history>
    <rdf:Seq>
     <rdf:li darktable:operation="exposure" darktable:enabled="1" darktable:params="0000803f"/>
    </rdf:Seq>
   </darktable:history>
   <dc:subject>
    <rdf:Bag>
     <rdf:li>夕焼け</rdf:li>
     <rdf:li>street</rdf:li>
    </rdf:Bag>
   </dc:subject>
   <lr:hierarchicalSubject>
    <rdf:Bag>
     <rdf:li>places|Tokyo</rdf:li>
    </rdf:Bag>
   </lr:hierarchicalSubject>
   {rating}
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
"""


def darktable(rating: str = "") -> bytes:
    return DARKTABLE.replace("{rating}", rating).encode("utf-8")


def exif(path: Path) -> dict:
    proc = subprocess.run(
        [EXIFTOOL, "-j", "-G1", "-XMP:all", str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout)[0]


# -- mapping and reading ------------------------------------------------------------------------
def test_stars_mapping_like_at_least_four_dislike_at_most_two():
    assert stars(0.95, 0.3, 0.7) == 5
    assert stars(0.75, 0.3, 0.7) == 4
    assert stars(0.5, 0.3, 0.7) == 3
    assert stars(0.25, 0.3, 0.7) == 2
    assert stars(0.05, 0.3, 0.7) == 1
    assert stars(0.92, 0.3, 0.95) == 3  # under a stricter like threshold: unsure
    assert stars(0.96, 0.3, 0.95) == 5


def test_ratings_to_labels_follow_the_settings():
    assert [label_from_rating(r, 4, 1) for r in (-1, 0, 1, 2, 3, 4, 5, None)] == [
        "dislike",
        None,
        "dislike",
        None,
        None,
        "like",
        "like",
        None,
    ]
    assert label_from_rating(1, 4, -1) is None  # darktable's default 1 star is no dislike
    assert label_from_rating(-1, 5, -1) == "dislike"
    assert label_from_rating(4, 5, 2) is None


@pytest.mark.parametrize(
    "form",
    [
        'xmp:Rating="5"',
        "<xmp:Rating>5</xmp:Rating>",
        "<xmp:Rating>5.0</xmp:Rating>",
    ],
)
def test_the_persons_rating_is_read_in_attribute_and_element_form(form):
    data = darktable()
    if form.startswith("xmp:"):
        data = data.replace(b'xmp:Label="Purple"', b'xmp:Label="Purple" ' + form.encode())
    else:
        data = darktable(form)
    assert read_rating(data).person == 5


# -- merging ------------------------------------------------------------------------------------
@needs_exiftool
def test_merge_keeps_every_property_and_never_changes_the_persons_rating(tmp_path):
    for rating, expected in (("", 4), ("<xmp:Rating>-1</xmp:Rating>", -1)):
        before = darktable(rating)
        merged = merge(before, score=0.83, head="h1", rating=4)
        path = tmp_path / "IMG_0001.NEF.xmp"
        path.write_bytes(before)
        old = exif(path)
        path.write_bytes(merged)
        new = exif(path)
        assert new["XMP-xmp:Rating"] == expected
        assert float(new["XMP-konomi:Score"]) == pytest.approx(0.83)
        assert new["XMP-konomi:ProposedRating"] == 4 and new["XMP-konomi:Head"] == "h1"
        for tag, value in old.items():  # everything the person had reads back the same
            if tag != "SourceFile":
                assert new[tag] == value, tag
        assert b"<!-- written by a person's tool -->" in merged
        assert b'<?xpacket end="w"?>' in merged
        head, tail = before.split(b"<x:xmpmeta")[0], before.split(b"</x:xmpmeta>")[1]
        assert merged.startswith(head) and merged.endswith(tail)  # xpacket bytes kept as they were


def test_konomis_own_rating_is_not_the_persons_but_a_change_by_the_person_is():
    merged = merge(darktable(), score=0.1, head="h", rating=1)
    assert read_rating(merged).person is None and read_rating(merged).konomi == 1
    again = merge(merged, score=0.95, head="h2", rating=5)  # a later run replaces its own
    found = read_rating(again)
    assert found.person is None and found.konomi == 5 and found.score == pytest.approx(0.95)
    assert again.count(b"xmp:Rating=") == 1
    changed = again.replace(b'xmp:Rating="5"', b'xmp:Rating="2"')  # the person's tool
    assert read_rating(changed).person == 2
    kept = merge(changed, score=0.99, head="h3", rating=5)
    assert read_rating(kept).person == 2


def test_a_rating_elsewhere_is_not_shadowed_by_konomis():
    merged = merge(None, score=0.9, head="h", rating=5, rated_elsewhere=True)
    assert b"xmp:Rating" not in merged and read_rating(merged).konomi == 5


def test_entities_are_never_resolved(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    hostile = (
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file://{secret}">]>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        'rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&e;</dc:title>'
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()
    assert read_rating(hostile).person is None  # read without resolving anything
    with pytest.raises(XmpError):  # and never written into: its entities would not survive
        merge(hostile, score=0.5, head="h", rating=3)


def test_embedded_xmp_is_found_in_a_jpeg(tmp_path):
    from PIL import Image

    packet = darktable("<xmp:Rating>4</xmp:Rating>").split(b"?>", 2)[2]
    path = tmp_path / "a.jpg"
    Image.new("RGB", (16, 16), (200, 40, 30)).save(path, xmp=packet.strip())
    found = embedded_xmp(path.read_bytes())
    assert found is not None and read_rating(found).person == 4
    with open(path, "rb") as f:  # by walking the JPEG's segments, not reading all of it
        walked = xmp_in_file(f)
        assert f.tell() < 2048
    assert walked is not None and read_rating(walked).person == 4
    png = tmp_path / "a.png"
    Image.new("RGB", (16, 16)).save(png)
    with open(png, "rb") as f:
        assert xmp_in_file(f) is None


def test_sidecar_names(tmp_path):
    image = tmp_path / "IMG_0001.NEF"
    assert sidecar_for(image) == tmp_path / "IMG_0001.NEF.xmp"
    assert sidecar_for(image, "without_extension") == tmp_path / "IMG_0001.xmp"
    (tmp_path / "IMG_0001.xmp").write_bytes(darktable())
    assert sidecar_for(image) == tmp_path / "IMG_0001.xmp"  # the one that exists


# -- the journal --------------------------------------------------------------------------------
def test_undo_restores_bytes_removes_created_and_leaves_a_changed_file(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.root.mkdir()
    lib = tmp_path / "photos"
    lib.mkdir()
    kept, created, touched = lib / "a.jpg.xmp", lib / "b.jpg.xmp", lib / "c.jpg.xmp"
    kept.write_bytes(darktable())
    touched.write_bytes(darktable())
    writes = [
        FileWrite(kept, merge(kept.read_bytes(), score=0.9, head="h", rating=5), darktable()),
        FileWrite(created, merge(None, score=0.1, head="h", rating=1), None),
        FileWrite(touched, merge(darktable(), score=0.5, head="h", rating=3), darktable()),
        FileWrite(lib / "d.jpg.xmp", b"stale", b"what it held before"),  # changed meanwhile
    ]
    with Journal(ws) as journal:
        report = journal.write_files("xmp", writes)
        assert len(report.written) == 3 and len(report.skipped) == 1
        assert not (lib / "d.jpg.xmp").exists()
        touched.write_bytes(b"the person edited it since")
        op = journal.last_undoable()
        assert op == report.op
        undone = journal.undo_edits(op, roots=[lib])
    assert kept.read_bytes() == darktable()
    assert not created.exists()
    assert touched.read_bytes() == b"the person edited it since"
    assert [p for p, _ in undone.skipped] == [touched]


def test_undo_never_writes_outside_the_libraries(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.root.mkdir()
    lib, elsewhere = tmp_path / "photos", tmp_path / "other"
    lib.mkdir()
    elsewhere.mkdir()
    target = elsewhere / "x.jpg.xmp"
    with Journal(ws) as journal:
        report = journal.write_files("xmp", [FileWrite(target, b"<x/>", None)])
        undone = journal.undo_edits(report.op, roots=[lib])
    assert target.read_bytes() == b"<x/>"  # not removed: outside the libraries given
    assert said(undone.skipped[0][1], "edits.refused.outside")


def test_a_crash_between_journal_and_write_is_settled(tmp_path):
    ws = Workspace(tmp_path / "ws")
    ws.root.mkdir()
    lib = tmp_path / "photos"
    lib.mkdir()
    path = lib / "a.jpg.xmp"
    leftover = lib / ".a.jpg.xmp.konomi-tmp-12345"
    leftover.write_bytes(b"half a sidecar")
    with Journal(ws) as journal:
        with journal._tx():  # a run that journaled the write and died before it
            journal.db.execute(
                "INSERT INTO operations(kind, created, state) VALUES ('xmp', 0, 'open')"
            )
            journal.db.execute(
                "INSERT INTO edits(op, kind, path, existed, after, state) "
                "VALUES (1, 'file', ?, 0, 'x', 'planned')",
                (str(path),),
            )
        journal.repair()
        assert journal.last_undoable() is None
        state = journal.db.execute("SELECT state FROM edits").fetchone()[0]
    assert state == "skipped" and not path.exists() and not leftover.exists()


# -- through the CLI ----------------------------------------------------------------------------
@needs_exiftool
def test_without_extension_setting_and_embedded_ratings(tmp_path, konomi):
    from PIL import Image

    ws = tmp_path / "ws"
    ws.mkdir()
    photos = tmp_path / "photos"
    rng = np.random.default_rng(1)
    rated: dict[Path, int] = {}
    for i in range(12):
        kind = "like" if i % 2 == 0 else "dislike"
        path = _taste_image(rng, kind, photos / f"P{i:03d}.jpg", (64, 48))
        if i < 8:  # Lightroom keeps a JPEG's rating inside the file
            value = 5 if kind == "like" else -1
            with Image.open(path) as im:
                im.load()
                packet = darktable(f"<xmp:Rating>{value}</xmp:Rating>").split(b"?>", 2)[2]
                im.save(path, quality=90, xmp=packet.strip())
            rated[path] = value
    (ws / "konomi.toml").write_text(
        f'libraries = ["{photos.as_posix()}"]\nratings_as_labels = true\n'
        'sidecar_name = "without_extension"\n',
        encoding="utf-8",
    )
    trained = konomi("train", root=ws)
    assert trained.code == 0 and said(trained.out, "library.train_counts", ratings=8), trained.text
    wrote = konomi("xmp", root=ws)
    assert wrote.code == 0, wrote.text
    for i in range(12):
        image = photos / f"P{i:03d}.jpg"
        assert not (photos / f"P{i:03d}.jpg.xmp").exists()
        tags = exif(photos / f"P{i:03d}.xmp")
        if image in rated:  # the rating inside the file stays the only one
            assert "XMP-xmp:Rating" not in tags, tags
        else:
            assert tags["XMP-xmp:Rating"] >= 4 if i % 2 == 0 else tags["XMP-xmp:Rating"] <= 2


@pytest.mark.parametrize("crash_at", ["edit_after_plan:1", "edit_after_write:10"])
def test_a_killed_xmp_run_is_repaired_and_undone_byte_for_byte(tmp_path, konomi, crash_at):
    from test_library import Library, hashes

    ws = tmp_path / "ws"
    ws.mkdir()
    lib = Library(tmp_path / "photos")
    (ws / "konomi.toml").write_text(
        f'libraries = ["{lib.root.as_posix()}"]\nratings_as_labels = true\n', encoding="utf-8"
    )
    assert konomi("train", root=ws).code == 0
    before = hashes(lib.root)
    crashed = konomi("xmp", root=ws, env={"KONOMI_TEST_CRASH_AT": crash_at})
    assert crashed.code == -9, crashed.text  # SIGKILL
    written = sum(1 for k, v in hashes(lib.root).items() if before.get(k) != v)
    assert written == (0 if crash_at.startswith("edit_after_plan") else 10)
    undone = konomi("undo", root=ws)
    assert undone.code == 0, undone.text
    assert hashes(lib.root) == before
    assert said(konomi("undo", root=ws).out, "cli.undo.nothing")


def test_a_label_recorded_before_a_crash_is_kept_and_undoable(tmp_path):
    import subprocess
    import sys

    from konomi.store.labels import read_labels

    ws = Workspace(tmp_path / "ws")
    ws.root.mkdir()
    code = (
        "from pathlib import Path; from konomi.store.journal import Journal; "
        "from konomi.workspace import Workspace; "
        f"j = Journal(Workspace(Path({str(ws.root)!r}))); "
        "j.record_labels('review', [('/p/a.jpg', 'd1', 'like')], source='review')"
    )
    env = {**os.environ, "KONOMI_TEST_CRASH_AT": "edit_after_label"}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True)
    assert proc.returncode == -9
    assert list(read_labels(ws.state)) == ["/p/a.jpg"]
    with Journal(ws) as journal:
        journal.repair()
        op = journal.last_undoable()
        assert op is not None
        undone = journal.undo_edits(op)
    assert undone.labelled == ["/p/a.jpg"] and read_labels(ws.state) == {}
