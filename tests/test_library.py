"""Photo libraries scored in place, end to end through the real CLI on the tiny encoder.

An empty workspace and, outside it, a library of generated JPEGs in dated sub-folders: some
rated by the person in XMP sidecars of both names (5 stars on warm images, rejected on cool
ones), a few sidecars carrying keywords and a colour label, a `private/` folder that
`.konomiignore` leaves out. train → score → xmp → undo → xmp → classify, checked with exiftool
as an independent reader of the sidecars.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from factories.images import _taste_image
from messages import said

from konomi.app.reports import html as html_report

EXIFTOOL = shutil.which("exiftool")

KEYWORDS_XMP = """<?xml version="1.0" encoding="UTF-8"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:darktable="http://darktable.sf.net/"
    {rating}xmp:Label="{colour}"
    darktable:xmp_version="5">
   <dc:subject>
    <rdf:Bag>
     <rdf:li>{word}</rdf:li>
     <rdf:li>家族</rdf:li>
    </rdf:Bag>
   </dc:subject>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
"""


def sidecar(rating: int | None, colour: str = "", word: str = "") -> str:
    """A darktable-like sidecar: a rating and, optionally, keywords and a colour label."""
    if colour:
        attr = f'xmp:Rating="{rating}"\n    ' if rating is not None else ""
        return KEYWORDS_XMP.format(rating=attr, colour=colour, word=word)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/"'
        f' xmp:Rating="{rating}"/>\n'
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
    )


class Library:
    """The generated library and its hidden truth."""

    def __init__(self, root: Path, seed: int = 3) -> None:
        self.root = root
        self.rated: dict[Path, int] = {}  # image → the person's rating
        self.truth: dict[Path, int] = {}  # unrated image → 1 warm (like) / 0 cool
        self.decorated: dict[Path, tuple[str, str]] = {}  # image → (keyword, colour label)
        self.private: list[Path] = []
        rng = np.random.default_rng(seed)
        n = 0
        for month in ("2024/01", "2024/02", "2024/03"):
            for i in range(16):
                kind = "like" if i % 2 == 0 else "dislike"
                path = root / month / f"IMG_{n:04d}.jpg"
                _taste_image(rng, kind, path, (64, 48))
                n += 1
                if i < 8:  # rated by the person, alternating the sidecar names
                    rating = 5 if kind == "like" else -1
                    name = path.name + ".xmp" if i % 4 < 2 else path.stem + ".xmp"
                    decorate = i in (0, 3)
                    word, colour = (f"word{n}", "Red" if kind == "like" else "Blue")
                    text = sidecar(rating, colour, word) if decorate else sidecar(rating)
                    (path.parent / name).write_text(text, encoding="utf-8")
                    self.rated[path] = rating
                    if decorate:
                        self.decorated[path] = (word, colour)
                else:
                    self.truth[path] = 1 if kind == "like" else 0
        # unrated images with keywords and a label but no rating: kept, and rated by konomi
        for path in [p for p in self.truth if p.name.endswith(("13.jpg", "14.jpg"))]:
            word, colour = f"kw{path.stem}", "Green"
            (path.parent / (path.name + ".xmp")).write_text(
                sidecar(None, colour, word), encoding="utf-8"
            )
            self.decorated[path] = (word, colour)
        for i in range(3):
            path = root / "private" / f"secret_{i}.jpg"
            _taste_image(rng, "like", path, (64, 48))
            self.private.append(path)
        (root / ".konomiignore").write_text("private/\n", encoding="utf-8")


def hashes(root: Path) -> dict[str, str]:
    """sha256 of every file under `root`, by path relative to it."""
    out = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            out[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def images_of(state: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in state.items() if not k.endswith(".xmp")}


def read_report(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    return list(csv.DictReader(raw[3:].decode("utf-8").splitlines()))


def exif(paths: list[Path]) -> dict[str, dict]:
    """exiftool's reading of XMP sidecars, by file (an independent reader)."""
    proc = subprocess.run(
        [EXIFTOOL, "-j", "-G1", "-XMP:all", *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
    )
    return {Path(d["SourceFile"]).as_posix(): d for d in json.loads(proc.stdout)}


def sidecars_of(image: Path) -> list[Path]:
    return [
        p
        for p in (image.with_name(image.name + ".xmp"), image.with_name(image.stem + ".xmp"))
        if p.exists()
    ]


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Library]:
    ws = tmp_path / "ws"
    ws.mkdir()
    lib = Library(tmp_path / "photos")
    (ws / "konomi.toml").write_text(
        f'libraries = ["{lib.root.as_posix()}"]\nratings_as_labels = true\n', encoding="utf-8"
    )
    return ws, lib


@pytest.mark.skipif(EXIFTOOL is None, reason="exiftool (libimage-exiftool-perl) not installed")
def test_library_in_place_ratings_in_and_out(setup, konomi):
    ws, lib = setup
    before = hashes(lib.root)

    trained = konomi("train", root=ws)
    assert trained.code == 0, trained.text
    assert said(trained.out, "library.train_counts", ratings=24), trained.out
    assert images_of(hashes(lib.root)) == images_of(before)

    scored = konomi("score", root=ws)
    assert scored.code == 0, scored.text
    rows = {r["path"]: r for r in read_report(ws / "reports" / "scores.csv")}
    for path in lib.truth:
        assert path.as_posix() in rows, f"{path} missing from scores.csv"
        assert rows[path.as_posix()]["folder"] == "library"
    for path in lib.private:
        assert path.as_posix() not in rows, "an ignored image was scored"
    warm = [float(rows[p.as_posix()]["score"]) for p, y in lib.truth.items() if y == 1]
    cool = [float(rows[p.as_posix()]["score"]) for p, y in lib.truth.items() if y == 0]
    assert min(warm) > max(cool), (warm, cool)

    report = konomi("report", root=ws)
    assert report.code == 0, report.text
    shown = html_report.page_data((ws / "reports" / "index.html").read_text(encoding="utf-8"))
    for path in lib.truth:
        assert path.as_posix() in shown["p"]
    assert not any(p.name in name for p in lib.private for name in shown["p"])
    suspects = konomi("suspects", "--json", root=ws)
    assert suspects.code == 0, suspects.text

    dry = konomi("xmp", "--dry-run", root=ws)
    assert dry.code == 0, dry.text
    assert hashes(lib.root) == before, "--dry-run wrote something"

    written = konomi("xmp", root=ws)
    assert written.code == 0, written.text
    after_xmp = hashes(lib.root)
    assert images_of(after_xmp) == images_of(before), "an image was changed"

    images = sorted(lib.truth) + sorted(lib.rated)
    for image in images:
        assert len(sidecars_of(image)) == 1, f"{image}: {sidecars_of(image)}"
    read = exif([sidecars_of(i)[0] for i in images])
    for image in images:
        tags = read[sidecars_of(image)[0].as_posix()]
        rating = tags.get("XMP-xmp:Rating")
        if image in lib.rated:
            assert rating == lib.rated[image], (image, tags)
        elif lib.truth[image] == 1:
            assert rating >= 4, (image, tags)
        else:
            assert rating <= 2, (image, tags)
        assert 0.0 <= float(tags["XMP-konomi:Score"]) <= 1.0
        if image in lib.decorated:
            word, colour = lib.decorated[image]
            assert tags["XMP-xmp:Label"] == colour
            assert word in tags["XMP-dc:Subject"] and "家族" in tags["XMP-dc:Subject"]
            assert tags["XMP-darktable:Xmp_version"] == 5
    for image in lib.private:
        assert not sidecars_of(image)

    # konomi's own ratings are never read back as the person's: training again sees 24.
    again = konomi("train", root=ws)
    assert again.code == 0 and said(again.out, "library.train_counts", ratings=24), again.text

    undone = konomi("undo", root=ws)
    assert undone.code == 0, undone.text
    assert hashes(lib.root) == before, "undo did not restore every sidecar byte for byte"

    assert konomi("xmp", root=ws).code == 0
    (ws / "data" / "unlabeled").mkdir(parents=True)
    classified = konomi("classify", root=ws)
    assert classified.code == 0, classified.text
    assert images_of(hashes(lib.root)) == images_of(before), "classify touched the library"
    assert not (ws / "data" / "classified").exists() or not any(
        (ws / "data" / "classified").rglob("*.jpg")
    )


def test_train_without_labels_or_ratings_says_what_to_do(tmp_path, konomi):
    ws = tmp_path / "ws"
    ws.mkdir()
    photos = tmp_path / "photos"
    rng = np.random.default_rng(0)
    _taste_image(rng, "like", photos / "a.jpg", (64, 48))
    (ws / "konomi.toml").write_text(f'libraries = ["{photos.as_posix()}"]\n', encoding="utf-8")
    result = konomi("train", root=ws)
    assert result.code != 0
    assert "ratings_as_labels" in result.text and "Traceback" not in result.text


def test_library_inside_data_is_refused(tmp_path, konomi):
    ws = tmp_path / "ws"
    (ws / "data" / "unlabeled").mkdir(parents=True)
    (ws / "konomi.toml").write_text('libraries = ["data/unlabeled"]\n', encoding="utf-8")
    result = konomi("score", root=ws)
    assert result.code != 0 and "data/" in result.text, result.text


def test_review_labels_a_library_image_in_place_and_undo_takes_it_back(
    tmp_path, tiny_model, konomi
):
    from factories.images import make_taste_set
    from test_review_server import post, serving, session

    from konomi.app import loop as workflow
    from konomi.store.labels import read_labels

    ws = tmp_path / "ws"
    make_taste_set(ws / "data" / "train", 10, 10, seed=5)
    photos = tmp_path / "photos"
    rng = np.random.default_rng(9)
    for i in range(4):
        _taste_image(rng, "like" if i % 2 == 0 else "dislike", photos / "d" / f"p{i}.jpg", (64, 48))
    (ws / "konomi.toml").write_text(f'libraries = ["{photos.as_posix()}"]\n', encoding="utf-8")
    ctx = workflow.Context.open(ws, model=str(tiny_model))
    try:
        workflow.train(ctx, folds=3)
    finally:
        ctx.close()
    before = hashes(photos)

    with serving(ws, tiny_model) as server, session(server) as client:
        port = server.port
        state = client.get("/api/state").json()
        shown = [it for it in state["items"] if it["folder"] == "library"]
        assert len(shown) == 4 and state["left"] == 4
        assert all(it["path"].startswith("photos/d/") for it in shown)  # never an absolute path
        a, b = shown[:2]
        liked = post(client, "/api/decide", {"id": a["id"], "decision": "like"}, port).json()
        assert liked["ok"] and liked["state"]["left"] == 3, liked
        disliked = post(client, "/api/decide", {"id": b["id"], "decision": "dislike"}, port)
        assert disliked.json()["ok"]
        labels = read_labels(ws / ".konomi")
        assert {Path(p).name: lb.label for p, lb in labels.items()} == {
            a["name"]: "like",
            b["name"]: "dislike",
        }
        assert all(lb.source == "review" for lb in labels.values())
        assert hashes(photos) == before, "a review decision changed the library"

        undone = post(client, "/api/undo", {}, port).json()  # the dislike, from the page
        assert undone["ok"] and undone["state"]["items"][0]["id"] == b["id"], undone
        assert [Path(p).name for p in read_labels(ws / ".konomi")] == [a["name"]]

    trained = konomi("train", root=ws)
    assert trained.code == 0 and said(trained.out, "library.train_counts", review=1), trained.text
    by_cli = konomi("undo", root=ws)  # the like, from a terminal
    assert by_cli.code == 0 and said(by_cli.out, "undo.edits", unlabelled=1), by_cli.text
    assert read_labels(ws / ".konomi") == {}
    assert hashes(photos) == before


def test_relative_and_missing_libraries(tmp_path, tiny_model, konomi):
    from factories.images import make_taste_set

    ws = tmp_path / "ws"
    make_taste_set(ws / "data" / "train", 8, 8, seed=2)
    rng = np.random.default_rng(4)
    inside = _taste_image(rng, "like", ws / "photos" / "x" / "in.jpg", (64, 48))
    (ws / "konomi.toml").write_text(
        'libraries = ["photos", "/nonexistent/nas"]\n', encoding="utf-8"
    )
    assert konomi("train", root=ws).code == 0
    scored = konomi("score", root=ws)
    assert scored.code == 0, scored.text
    assert scored.err.count("/nonexistent/nas") == 1, scored.err  # said once, not per step
    rows = {r["path"]: r for r in read_report(ws / "reports" / "scores.csv")}
    assert rows[inside.as_posix()]["folder"] == "library"
    assert sum(r["folder"] == "library" for r in rows.values()) == 1


def test_a_library_holding_the_workspace_data_is_refused(tmp_path, konomi):
    ws = tmp_path / "ws"
    (ws / "data" / "unlabeled").mkdir(parents=True)
    (ws / "konomi.toml").write_text('libraries = ["."]\n', encoding="utf-8")
    result = konomi("score", root=ws)
    assert result.code != 0 and said(result.text, "library.holds_data"), result.text
