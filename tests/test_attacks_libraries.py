"""Attacks on the surfaces of photo libraries: overlapping libraries and `.konomiignore`, search,
hostile ratings and sidecars, RAW+JPEG sidecars, ignore files that hang, names that drive the
terminal, library values that name nothing (docs/safety.md, "Libraries, XMP and ignore rules").

Each test repeats one attack against real files, the real CLI or the app layer, and fails on a
konomi without the defence it names.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from factories.images import file_hashes, make_image, make_taste_set
from messages import said
from test_crash import train_in_process

from konomi.app import loop as workflow
from konomi.app.library import library_images, library_labels, person_rating
from konomi.app.search import workspace_images
from konomi.app.xmp import write_sidecars
from konomi.encode.ignore import IgnoreRules
from konomi.errors import KonomiError
from konomi.store.xmp import merge, read_rating

BUG = "A bug in konomi"
EXIFTOOL = shutil.which("exiftool")
needs_exiftool = pytest.mark.skipif(EXIFTOOL is None, reason="exiftool not installed")


def _no_crash(result) -> None:  # noqa: ANN001
    assert BUG not in result.text and "Traceback" not in result.text, result.text


def rated(rating: str, extra: str = "") -> bytes:
    """A sidecar with `rating` as the person's xmp:Rating (element form)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"{extra}"
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">\n'
        f"   <xmp:Rating>{rating}</xmp:Rating>\n"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
    ).encode()


@pytest.fixture(scope="module")
def trained_template(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Path:
    root = tmp_path_factory.mktemp("libattacks") / "ws"
    make_taste_set(root / "data" / "train", 6, 6, seed=3)
    train_in_process(root, tiny_model)
    return root


@pytest.fixture
def ws(trained_template: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(trained_template, tmp_path / "ws", symlinks=True))


def _library(tmp_path: Path, names: list[str]) -> Path:
    lib = tmp_path / "LIB"
    for i, name in enumerate(names):
        make_image(lib / name, seed=200 + i, size=(40, 32))
    return lib


def _settings(ws: Path, libraries: list[str], more: str = "") -> None:
    quoted = ", ".join(json.dumps(x) for x in libraries)
    (ws / "konomi.toml").write_text(f"libraries = [{quoted}]\n{more}", encoding="utf-8")


def _open(ws: Path, model: Path) -> workflow.Context:
    return workflow.Context.open(ws, model=str(model))


# -- 2. overlapping libraries obey every .konomiignore -------------------------------------------
def test_overlapping_libraries_obey_the_outer_konomiignore(ws, tmp_path, tiny_model):
    lib = _library(
        tmp_path, ["2024/w1.jpg", "2024/w5.jpg", "2024/private/p.jpg", "2024/in.jpg", "top.jpg"]
    )
    (lib / ".konomiignore").write_text("2024/w5.jpg\nprivate/\n", encoding="utf-8")
    (lib / "2024" / ".konomiignore").write_text("in.jpg\n", encoding="utf-8")  # the inner's
    _settings(ws, [str(lib), str(lib / "2024"), str(lib)])
    ctx = _open(ws, tiny_model)
    try:
        found = sorted(p.relative_to(lib).as_posix() for p in library_images(ctx, []))
        assert found == ["2024/w1.jpg", "top.jpg"]  # each once, nothing ignored
        outcome = write_sidecars(ctx)
    finally:
        ctx.close()
    assert sorted(p.image.name for p in outcome.plans) == ["top.jpg", "w1.jpg"]
    assert not (lib / "2024" / "w5.jpg.xmp").exists()
    assert not (lib / "2024" / "private" / "p.jpg.xmp").exists()


# -- 3. search obeys every .konomiignore, lists each image once ----------------------------------
def test_search_lists_what_every_other_command_lists(ws, tmp_path, tiny_model):
    make_image(ws / "data" / "unlabeled" / "secret.jpg", seed=9, size=(40, 32))
    make_image(ws / "data" / "unlabeled" / "open.jpg", seed=10, size=(40, 32))
    (ws / ".konomiignore").write_text("data/unlabeled/secret.jpg\n", encoding="utf-8")
    lib = _library(tmp_path, ["a/x.jpg", "a/hidden.jpg"])
    (lib / ".konomiignore").write_text("hidden.jpg\n", encoding="utf-8")
    _settings(ws, [str(lib), str(lib / "a"), str(lib / "a"), str(lib)])
    ctx = _open(ws, tiny_model)
    try:
        paths = workspace_images(ctx, [])
    finally:
        ctx.close()
    names = [p.name for p in paths]
    assert "secret.jpg" not in names and "hidden.jpg" not in names
    assert names.count("x.jpg") == 1 and names.count("open.jpg") == 1


# -- 4. ratings are integers -1..5, parsed strictly ----------------------------------------------
@pytest.mark.parametrize(
    "text", ["9" * 400, "6", str(10**30), "\u0664", "2.5", "-2", "1e3", "", " ", "５"]
)
def test_a_rating_outside_minus_one_to_five_is_no_rating(text):
    assert read_rating(rated(text)).person is None
    assert read_rating(rated(text)).konomi is None


@pytest.mark.parametrize(("text", "value"), [("5", 5), ("-1", -1), (" 3 ", 3), ("4.0", 4)])
def test_ratings_tools_write_are_read(text, value):
    assert read_rating(rated(text)).person == value


def test_a_400_digit_rating_in_a_sidecar_and_a_jpeg_is_no_label(ws, tmp_path, konomi):
    lib = _library(tmp_path, ["big.jpg", "embedded.jpg", "ok.jpg"])
    (lib / "big.jpg.xmp").write_bytes(rated("9" * 400))
    (lib / "ok.jpg.xmp").write_bytes(rated("5"))
    jpeg = (lib / "embedded.jpg").read_bytes()
    app1 = b"http://ns.adobe.com/xap/1.0/\x00" + rated("9" * 400)
    segment = b"\xff\xe1" + (len(app1) + 2).to_bytes(2, "big") + app1
    (lib / "embedded.jpg").write_bytes(jpeg[:2] + segment + jpeg[2:])
    _settings(ws, [str(lib)], "ratings_as_labels = true\n")
    for args in (("train",), ("score",), ("xmp", "--dry-run"), ("suspects",), ("report",)):
        result = konomi(*args, root=ws)
        _no_crash(result)
        assert result.code == 0, result.text
    assert person_rating(lib / "big.jpg") is None and person_rating(lib / "embedded.jpg") is None
    assert person_rating(lib / "ok.jpg") == 5


# -- 5, 6. ignore files that would hang every command --------------------------------------------
def test_a_backtracking_pattern_ends_at_once(ws, konomi):
    photo = make_image(ws / "data" / "unlabeled" / ("a" * 40 + ".jpg"), seed=11, size=(40, 32))
    (ws / "data" / "unlabeled" / ("a" * 60)).write_bytes(photo.read_bytes())  # no extension
    (ws / ".konomiignore").write_text("*a*a*a*a*a*a*a*a*a*a*a*b\n", encoding="utf-8")
    result = konomi("score", root=ws, timeout=90)
    _no_crash(result)
    assert result.code == 0, result.text


def test_linear_matching_gives_pathspecs_answers():
    from konomi.encode.ignore import compile_lines

    spec = compile_lines(("*a*a*a*a*a*a*a*a*a*a*a*b", "x*y*z/", "!keep*me*"))
    assert spec.match_file("a" * 40 + "b") and not spec.match_file("a" * 400)
    assert spec.match_file("q/xAyBz/f.jpg") and not spec.match_file("keepXme.jpg")


@pytest.mark.parametrize("where", ["workspace", "library"])
def test_a_fifo_ignore_file_is_refused_not_waited_on(ws, tmp_path, konomi, where):
    lib = _library(tmp_path, ["l.jpg"])
    _settings(ws, [str(lib)])
    os.mkfifo((ws if where == "workspace" else lib) / ".konomiignore")
    result = konomi("score", root=ws, timeout=60)
    _no_crash(result)
    assert result.code == 1 and said(result.text, "ignore.why_not_file"), result.text


def test_a_linked_ignore_file_is_refused_and_its_lines_never_shown(tmp_path):
    (tmp_path / "elsewhere.txt").write_text("SECRET-LINE[\n", encoding="utf-8")
    (tmp_path / ".konomiignore").symlink_to(tmp_path / "elsewhere.txt")
    with pytest.raises(KonomiError) as caught:
        IgnoreRules.for_root(tmp_path)
    assert said(str(caught.value), "ignore.why_link") and "SECRET-LINE" not in str(caught.value)


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("[[:alpha:]]*.jpg", "POSIX"),
        ("a/**/b/**/c/**/d/**/e", "'**'"),
        ("*[.-0]*[.-0]*[.-0]*[.-0]*b", "cannot match quickly"),  # classes that hold "/"
    ],
)
def test_patterns_konomi_cannot_match_safely_are_refused_clearly(tmp_path, line, said):
    (tmp_path / ".konomiignore").write_text(line + "\n", encoding="utf-8")
    with pytest.raises(KonomiError) as caught:
        IgnoreRules.for_root(tmp_path)
    assert said in str(caught.value)


# -- 7, 8. which sidecar belongs to which photo --------------------------------------------------
def _pair(lib: Path, stem: str, seed: int) -> None:
    make_image(lib / f"{stem}.JPG", seed=seed, size=(40, 32))
    (lib / f"{stem}.DNG").write_bytes(b"II*\x00 raw bytes of a camera")  # the RAW twin


@needs_exiftool
def test_the_raw_sidecar_of_a_pair_labels_it_and_is_the_one_written(ws, tmp_path, tiny_model):
    lib = tmp_path / "LIB"
    _pair(lib, "P1", 1)
    _pair(lib, "P2", 2)
    (lib / "P1.DNG.xmp").write_bytes(rated("1"))  # darktable rated the RAW
    _settings(ws, [str(lib)], "ratings_as_labels = true\n")
    ctx = _open(ws, tiny_model)
    try:
        images = library_images(ctx, [])
        assert sorted(p.name for p in images) == ["P1.JPG", "P2.JPG"]
        labels = library_labels(ctx, images)
        assert labels.labels == {lib / "P1.JPG": "dislike"}
        write_sidecars(ctx)
    finally:
        ctx.close()
    assert not (lib / "P1.JPG.xmp").exists() and not (lib / "P2.JPG.xmp").exists()
    proc = subprocess.run(
        [EXIFTOOL, "-j", "-XMP:all", str(lib / "P1.DNG.xmp"), str(lib / "P2.DNG.xmp")],
        capture_output=True,
        text=True,
        check=True,
    )
    p1, p2 = json.loads(proc.stdout)
    assert p1["Rating"] == 1 and "ProposedRating" in p1  # the person's kept, konomi's beside
    assert p2["Rating"] == p2["ProposedRating"]


def test_a_sidecar_belongs_to_exactly_its_photo(ws, tmp_path, tiny_model):
    lib = _library(tmp_path, ["a.jpg.jpg", "b.jpg", "b.jpg.jpg"])
    (lib / "a.jpg.xmp").write_bytes(rated("5"))  # a.jpg's, and there is no a.jpg
    (lib / "b.jpg.xmp").write_bytes(rated("5"))
    _settings(ws, [str(lib)], "ratings_as_labels = true\n")
    ctx = _open(ws, tiny_model)
    try:
        labels = library_labels(ctx, library_images(ctx, []))
        outcome = write_sidecars(ctx, dry_run=True)
    finally:
        ctx.close()
    assert labels.labels == {lib / "b.jpg": "like"}
    targets = {p.image.name: p.sidecar.name for p in outcome.plans}
    assert targets["a.jpg.jpg"] == "a.jpg.jpg.xmp" and targets["b.jpg.jpg"] == "b.jpg.jpg.xmp"


# -- 9. names that would drive the terminal ------------------------------------------------------
HOSTILE = ["t\x1b]0;owned\x07.jpg", "c\x1b[2J.jpg", "two\nlines.jpg", "rtl\u202egpj.jpg"]


def test_terminal_escapes_in_names_are_shown_escaped(ws, konomi):
    for i, name in enumerate(HOSTILE):
        make_image(ws / "data" / "unlabeled" / name, seed=30 + i, size=(40, 32))
    for args in (("score",), ("classify", "--dry-run")):
        result = konomi(*args, root=ws)
        _no_crash(result)
        assert result.code == 0, result.text
        assert (
            "\x1b" not in result.text and "\x07" not in result.text and "\u202e" not in result.text
        )
        assert args[0] == "score" or "\\x1b" in result.text  # classify lists every name
        assert not any(line.startswith("lines.jpg") for line in result.out.splitlines())


def test_display_escapes_every_control_and_keeps_every_word():
    from konomi.i18n.display import display

    assert display("写真 2024/a b.jpg") == "写真 2024/a b.jpg"
    assert (
        display("a\x1b]0;x\x07\n\t\x7f\x9b\u202e.jpg")
        == "a\\x1b]0;x\\x07\\n\\t\\x7f\\x9b\\u202e.jpg"
    )
    assert display(os.fsdecode(b"caf\xff.jpg")) == "caf\\xff.jpg"


def test_search_shows_escaped_names_and_refuses_bytes_that_are_not_text(ws, tmp_path, cli_env):
    from factories.models import build_joint_model_dir

    joint = build_joint_model_dir(tmp_path / "joint")
    make_image(ws / "data" / "unlabeled" / HOSTILE[0], seed=40, size=(40, 32))
    env = {**cli_env, "KONOMI_MODEL": str(joint)}
    argv = [sys.executable, "-m", "konomi", "search", "red", "--root", str(ws)]
    shown = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "\x1b" not in shown.stdout and "\\x1b]0;owned\\x07" in shown.stdout
    raw = [os.fsencode(a) for a in argv]
    raw[4] = b"\xff\xfe red"
    bad = subprocess.run(raw, capture_output=True, env=env, timeout=120)
    text = (bad.stdout + bad.stderr).decode("utf-8", "replace")
    assert bad.returncode == 1 and said(text, "text.query_not_text") and BUG not in text, text
    assert "model" not in text.lower(), text


# -- 13. library values that name nothing; libraries that are not folders ------------------------
@pytest.mark.parametrize("value", ["\u0000", "~nosuchuser_konomi/x"])
def test_a_bad_library_value_is_a_message(ws, konomi, value):
    _settings(ws, [value])
    result = konomi("score", root=ws)
    _no_crash(result)
    assert result.code == 1 and said(result.text, "library.bad_value"), result.text


def test_a_library_that_is_a_file_is_said_to_be_one(ws, tmp_path, konomi):
    (tmp_path / "notes.txt").write_text("not photos", encoding="utf-8")
    _settings(ws, [str(tmp_path / "notes.txt")])
    result = konomi("score", root=ws)
    _no_crash(result)
    assert result.code == 0 and said(result.text, "library.not_folder"), result.text
    assert not said(result.text, "library.missing")


def test_a_library_reaching_data_through_a_linked_data_folder_is_refused(ws, tmp_path, konomi):
    real = tmp_path / "real-data"
    shutil.move(ws / "data", real)
    (ws / "data").symlink_to(real)
    _settings(ws, [str(real / "train")])
    result = konomi("score", root=ws)
    _no_crash(result)
    assert result.code == 1 and said(result.text, "library.inside_data"), result.text


def test_a_konomi_toml_that_is_a_folder_is_refused(ws, konomi):
    (ws / "konomi.toml").mkdir()
    for args in (("score",), ("init", ws)):
        result = konomi(*args, root=ws)
        _no_crash(result)
        assert result.code == 1 and said(result.text, "errors.settings.not_regular"), result.text


# -- 15. sidecars written whole by the XML library -----------------------------------------------
KEYWORDS = (
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:subject><rdf:Bag><rdf:li>family</rdf:li>'
    "<rdf:li>夕焼け</rdf:li></rdf:Bag></dc:subject></rdf:Description></rdf:RDF></x:xmpmeta>"
)


@needs_exiftool
@pytest.mark.parametrize(
    ("before", "after", "encoding"),
    [
        ("<!-- <MyTool> -->\n", "", "utf-8"),
        ("", "\n<!-- </x:xmpmeta> -->\n", "utf-8"),
        ("<!-- <x:xmpmeta> -->\n<?xpacket begin='' id='W'?>\n", "\n<?xpacket end='w'?>", "utf-16"),
    ],
)
def test_comments_around_the_packet_stay_comments(tmp_path, before, after, encoding):
    declared = f'<?xml version="1.0" encoding="{encoding.upper()}"?>\n'
    data = (declared + before + KEYWORDS + after).encode(encoding)
    merged = merge(data, score=0.8, head="h", rating=4)
    path = tmp_path / "IMG.jpg.xmp"
    path.write_bytes(merged)
    proc = subprocess.run(
        [EXIFTOOL, "-j", "-XMP:all", str(path)], capture_output=True, text=True, check=True
    )
    found = json.loads(proc.stdout)[0]
    assert found["Subject"] == ["family", "夕焼け"] and found["ProposedRating"] == 4, found
    assert read_rating(merged).konomi == 4
    for node in (before + after).split("\n"):
        if node.strip():
            assert node.strip().encode(encoding).removeprefix(b"\xff\xfe") in merged


def test_hashes_of_library_images_never_change(ws, tmp_path, tiny_model):
    lib = _library(tmp_path, ["k.jpg"])
    before = file_hashes(lib)
    _settings(ws, [str(lib)])
    ctx = _open(ws, tiny_model)
    try:
        write_sidecars(ctx)
    finally:
        ctx.close()
    after = file_hashes(lib)
    assert all(after[h] >= n for h, n in before.items())


def test_a_sidecar_konomi_will_not_write_is_listed_as_not_written(ws, tmp_path, konomi):
    lib = _library(tmp_path, ["d.jpg", "fine.jpg"])
    hostile = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e "boom">]>\n' + rated("3").split(
        b"?>\n", 1
    )[1].replace(
        b"</rdf:Description>",
        b'<dc:title xmlns:dc="http://purl.org/dc/elements/1.1/">&e;</dc:title></rdf:Description>',
    )
    (lib / "d.jpg.xmp").write_bytes(hostile)
    _settings(ws, [str(lib)])
    result = konomi("xmp", root=ws)
    _no_crash(result)
    assert result.code == 0, result.text
    assert said(result.text, "cli.skipped.not_written", n=1)
    assert not said(result.text, "cli.skipped.unread")
    assert (lib / "d.jpg.xmp").read_bytes() == hostile
    assert (lib / "fine.jpg.xmp").exists()
