"""Culling a shoot: bursts by capture time, the sharp well-exposed frame kept, the rest set
aside — end to end through the real CLI on the tiny encoder, and the parts in-process."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from factories.images import file_hashes
from factories.shoots import make_shoot, save_frame, scene
from PIL import Image, ImageEnhance, ImageFilter

from konomi.encode import quality
from konomi.learn import bursts
from konomi.settings import parse_settings

# -- the shoot, as a check from outside sees it ------------------------------------------------


def _json(result) -> list[dict]:  # noqa: ANN001
    assert result.code == 0, result.text
    return json.loads(result.out)


def test_a_shoot_in_a_trained_workspace_is_culled_burst_by_burst(workspace, konomi):
    ws = workspace(n_like=10, n_dislike=10, n_unlabeled=0).root
    unlabeled = ws / "data" / "unlabeled"
    shoot = make_shoot(unlabeled, bursts=30, frames=5, singles=30)
    (ws / "konomi.toml").write_text("burst_similarity = 0\n", encoding="utf-8")
    konomi("train", root=ws, check=True)
    before = file_hashes(ws / "data")

    found = _json(konomi("cull", "--json", root=ws))

    rel = {p: p.relative_to(ws).as_posix() for b in shoot.bursts for p in b}
    rel |= {p: p.relative_to(ws).as_posix() for p in shoot.singles}
    groups = [{g["keeper"], *g["rest"]} for g in found]
    whole = sum({rel[p] for p in b} in groups for b in shoot.bursts)
    assert whole >= 27, found
    singles = {rel[p] for p in shoot.singles}
    assert not any(g & singles for g in groups)
    keepers = {g["keeper"] for g in found}
    assert sum(rel[p] in keepers for p in shoot.sharp) >= 27
    assert all(set(g) == {"keeper", "rest", "reason"} and g["reason"] for g in found)
    assert file_hashes(ws / "data") == before  # nothing moved, nothing changed
    assert before.where == file_hashes(ws / "data").where


def test_apply_sets_the_rest_aside_and_one_undo_brings_every_file_back(workspace, konomi):
    ws = workspace(n_like=6, n_dislike=6, n_unlabeled=0).root
    shoot = make_shoot(ws / "data" / "unlabeled" / "day1", bursts=3, frames=4, singles=3)
    (ws / "konomi.toml").write_text("burst_similarity = 0\n", encoding="utf-8")
    rejected = ws / "data" / "classified" / "rejected" / "day1"
    rest = [p for frames, sharp in zip(shoot.bursts, shoot.sharp) for p in frames if p != sharp]
    taken = rejected / rest[0].name  # a file of that name is there already: it is kept
    save_frame(scene(99), taken, None)
    konomi("train", root=ws, check=True)
    before = file_hashes(ws / "data")

    result = konomi("cull", "--apply", root=ws)
    assert result.code == 0, result.text
    assert all(p.is_file() for p in [*shoot.sharp, *shoot.singles])
    assert not any(p.exists() for p in rest)
    assert {p.name for p in rejected.iterdir()} > {p.name for p in rest}
    assert len(list(rejected.iterdir())) == len(rest) + 1
    assert file_hashes(ws / "data") == before  # moved, not changed, nothing replaced

    assert konomi("cull", "--json", root=ws).out.strip() == "[]"  # the rest is out of the way
    result = konomi("undo", root=ws)
    assert result.code == 0, result.text
    after = file_hashes(ws / "data")
    assert after == before and sorted(map(sorted, after.where.values())) == sorted(
        map(sorted, before.where.values())
    )


def test_library_frames_are_listed_by_absolute_path_and_never_moved(workspace, konomi, tmp_path):
    ws = workspace(n_like=6, n_dislike=6, n_unlabeled=0).root
    photos = tmp_path / "photos"
    shoot = make_shoot(photos, bursts=2, frames=3, singles=1)
    (ws / "konomi.toml").write_text(
        f'libraries = ["{photos.as_posix()}"]\nburst_similarity = 0\n', encoding="utf-8"
    )
    konomi("train", root=ws, check=True)
    before = file_hashes(photos)

    found = _json(konomi("cull", "--json", "--apply", root=ws))
    assert {g["keeper"] for g in found} == {p.as_posix() for p in shoot.sharp}
    assert file_hashes(photos).where == before.where  # every file where it was, unchanged
    assert not (ws / "data" / "classified" / "rejected").exists()


def _rating(sidecar: Path) -> str | None:
    from konomi.store.xmp import read_sidecar_rating

    found = read_sidecar_rating(sidecar)
    return None if found is None else found.person


def test_xmp_cull_rejects_the_rest_but_never_over_the_persons_rating(workspace, konomi, tmp_path):
    ws = workspace(n_like=6, n_dislike=6, n_unlabeled=0).root
    photos = tmp_path / "photos"
    shoot = make_shoot(photos, bursts=2, frames=3, singles=1)
    (ws / "konomi.toml").write_text(
        f'libraries = ["{photos.as_posix()}"]\nburst_similarity = 0\n', encoding="utf-8"
    )
    rest = [p for frames, sharp in zip(shoot.bursts, shoot.sharp) for p in frames if p != sharp]
    rated = rest[0]
    person = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        b'rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="3"/>'
        b"</rdf:RDF></x:xmpmeta>"
    )
    (photos / f"{rated.name}.xmp").write_bytes(person)
    konomi("train", root=ws, check=True)
    images = file_hashes(photos)

    result = konomi("xmp", "--cull", root=ws)
    assert result.code == 0, result.text
    from konomi.store.xmp import read_sidecar_rating

    def written(image: Path) -> int | None:
        found = read_sidecar_rating(image.with_name(image.name + ".xmp"))
        assert found is not None
        return found.konomi

    assert _rating(photos / f"{rated.name}.xmp") == 3  # the person's rating stands
    assert written(rated) == -1  # konomi's own proposal says rejected
    for image in rest[1:]:
        assert _rating(image.with_name(image.name + ".xmp")) is None  # konomi's, not theirs
        assert b'xmp:Rating="-1"' in image.with_name(image.name + ".xmp").read_bytes()
    for image in [*shoot.sharp, *shoot.singles]:
        assert written(image) in (1, 2, 3, 4, 5)
    sidecars = {p for p in photos.iterdir() if p.suffix == ".xmp"}
    assert len(sidecars) == len(rest) + len(shoot.sharp) + len(shoot.singles)

    assert konomi("undo", root=ws).code == 0
    assert (photos / f"{rated.name}.xmp").read_bytes() == person
    assert {p for p in photos.iterdir() if p.suffix == ".xmp"} == {photos / f"{rated.name}.xmp"}
    assert file_hashes(photos) == images  # the images themselves were never touched


def test_scores_csv_has_the_quality_and_burst_columns(workspace, konomi):
    ws = workspace(n_like=6, n_dislike=6, n_unlabeled=0).root
    shoot = make_shoot(ws / "data" / "unlabeled", bursts=2, frames=3, singles=2)
    (ws / "konomi.toml").write_text("burst_similarity = 0\n", encoding="utf-8")
    konomi("train", root=ws, check=True)
    konomi("score", root=ws, check=True)
    text = (ws / "reports" / "scores.csv").read_text(encoding="utf-8-sig")
    rows = {r["path"]: r for r in csv.DictReader(io.StringIO(text))}
    for column in ("sharpness", "exposure", "burst", "keeper"):
        assert column in next(iter(rows.values()))
    name = {p: p.relative_to(ws).as_posix() for b in shoot.bursts for p in b}
    for number, (frames, sharp) in enumerate(zip(shoot.bursts, shoot.sharp), 1):
        for frame in frames:
            row = rows[name[frame]]
            assert row["burst"] == str(number)
            assert row["keeper"] == ("1" if frame == sharp else "0")
            assert float(row["sharpness"]) > 0
    for single in shoot.singles:
        row = rows[single.relative_to(ws).as_posix()]
        assert row["burst"] == row["keeper"] == "" and float(row["exposure"]) >= 0
    train = [r for r in rows.values() if r["folder"].startswith("data/train")]
    assert train and all(r["burst"] == "" and r["sharpness"] for r in train)


# -- the measures ------------------------------------------------------------------------------


def _jpeg(image: Image.Image, **kw: object) -> Image.Image:
    data = io.BytesIO()
    image.save(data, "JPEG", quality=90, **kw)
    from konomi.encode.images import decode

    return decode(data.getvalue(), min_side=quality.decode_side(32))


def test_blur_lowers_sharpness_whatever_the_size_and_exposure_counts_clipping():
    for size in ((320, 240), (640, 480), (1600, 1200)):
        base = scene(3, size)
        sharp = quality.measure(_jpeg(base))
        soft = quality.measure(_jpeg(base.filter(ImageFilter.GaussianBlur(2 * size[0] / 640))))
        assert sharp.sharpness > 1.5 * soft.sharpness, size
    bright = quality.measure(_jpeg(ImageEnhance.Brightness(scene(3)).enhance(2.2)))
    dark = quality.measure(_jpeg(ImageEnhance.Brightness(scene(3)).enhance(0.05)))
    plain = quality.measure(_jpeg(scene(3)))
    assert bright.highlights > plain.highlights + 0.1 and bright.clipped > plain.clipped
    assert dark.shadows > plain.shadows + 0.1


def test_a_sharp_subject_on_a_soft_background_counts_as_sharp():
    background = scene(5).filter(ImageFilter.GaussianBlur(6))
    subject = scene(6).crop((0, 0, 160, 120))
    sharp = background.copy()
    sharp.paste(subject, (240, 180))
    soft = background.copy()
    soft.paste(subject.filter(ImageFilter.GaussianBlur(2)), (240, 180))
    assert quality.measure(_jpeg(sharp)).sharpness > 1.5 * quality.measure(_jpeg(soft)).sharpness


def test_capture_time_comes_from_exif_with_its_fraction_of_a_second():
    exif = Image.Exif()
    ifd = exif.get_ifd(0x8769)
    ifd[0x9003] = "2024:05:18 09:30:07"
    ifd[0x9291] = "25"
    taken = quality.measure(_jpeg(scene(1), exif=exif)).taken
    assert taken is not None and taken % 60 == pytest.approx(7.25)
    assert quality.measure(_jpeg(scene(1))).taken is None
    in_ifd0 = Image.Exif()  # where `image.getexif()[36867] = ...` puts it
    in_ifd0[0x9003] = "2024:05:18 09:30:07"
    assert quality.measure(_jpeg(scene(1), exif=in_ifd0)).taken == taken - 0.25
    edited = Image.Exif()
    edited[0x0132] = "2024:05:18 09:30:09"
    assert quality.measure(_jpeg(scene(1), exif=edited)).taken == taken + 1.75
    broken = Image.Exif()
    broken.get_ifd(0x8769)[0x9003] = "not a date"
    assert quality.measure(_jpeg(scene(1), exif=broken)).taken is None


def test_ingest_caches_the_quality_and_an_older_cache_is_measured_when_next_read(
    tmp_path, tiny_model
):
    from konomi.app.context import Context
    from konomi.store.quality import get_quality

    root = tmp_path / "ws"
    paths = make_shoot(root / "data" / "unlabeled", bursts=1, frames=3, singles=1).bursts[0]
    with Context.open(root, model=str(tiny_model)) as ctx:
        embedded = ctx.embed(paths)
        found = get_quality(ctx.cache, embedded.digests, quality.MEASURE)
        assert set(found) == set(embedded.digests)
        assert all(q.taken is not None and q.sharpness > 0 for q in found.values())
        ctx.cache.db.execute("DELETE FROM quality")  # a cache from before quality was measured
        ctx.cache.db.execute("DELETE FROM quality_slots")
        again = ctx.embed(paths)
        assert again.new == 0  # nothing embedded again, and a warm embed measures nothing ...
        assert get_quality(ctx.cache, again.digests, quality.MEASURE) == {}
        columns = ctx.quality_of(again)  # ... but the columns' first reader measures them
        measured = get_quality(ctx.cache, again.digests, quality.MEASURE)
        assert measured == found  # from the same decode size
        assert columns.sharpness.tolist() == [measured[d].sharpness for d in again.digests]
        assert columns.taken.tolist() == [measured[d].taken for d in again.digests]


# -- bursts and keepers ------------------------------------------------------------------------


def test_bursts_split_at_time_gaps_and_where_frames_stop_looking_alike():
    times = np.array([10.0, 0.0, 1.0, 2.5, 100.0, 101.0, 500.0, 3.0])
    runs = bursts.time_runs(times, gap=2.0)
    assert [r.tolist() for r in runs] == [[1, 2, 3, 7], [4, 5]]
    assert bursts.time_runs(times, gap=0.4) == []
    same = np.array([1.0, 0.0])
    other = np.array([0.0, 1.0])
    vectors = {1: same, 2: same, 3: other, 7: other, 4: same, 5: same}

    def vectors_of(rows: np.ndarray) -> np.ndarray:
        return np.stack([vectors[int(r)] for r in rows])

    groups = bursts.group(times, 2.0, similarity=0.9, vectors_of=vectors_of)
    assert [g.tolist() for g in groups] == [[1, 2], [3, 7], [4, 5]]
    assert len(bursts.group(times, 2.0, similarity=0.0, vectors_of=vectors_of)) == 2


def test_grouping_is_fast_at_a_million_frames():
    rng = np.random.default_rng(0)
    times = np.cumsum(rng.exponential(3.0, 1_000_000))
    groups = bursts.time_runs(times, gap=2.0)
    assert sum(map(len, groups)) < 1_000_000 and all(len(g) >= 2 for g in groups[:100])


def test_the_keeper_is_sharp_then_well_exposed_then_liked():
    sharp = np.array([10.0, 20.0, 9.0])
    none = np.zeros(3)
    assert bursts.choose_keeper(sharp, none, np.array([0.9, 0.1, 0.8])) == (1, "sharpest")
    # equally sharp (within the ratio): taste decides
    even = np.array([19.0, 20.0, 18.0])
    assert bursts.choose_keeper(even, none, np.array([0.9, 0.1, 0.8])) == (0, "liked_most")
    # without taste: the sharpest
    assert bursts.choose_keeper(even, none, None) == (1, "sharpest")
    assert bursts.choose_keeper(even, none, np.full(3, np.nan)) == (1, "sharpest")
    # the sharpest frame is blown out: the best exposed of the others
    clipped = np.array([0.0, 0.3, 0.01])
    assert bursts.choose_keeper(sharp, clipped, None) == (0, "best_exposed")


def test_burst_settings_are_typed_and_ranged(tmp_path):
    from konomi.errors import KonomiError

    path = tmp_path / "konomi.toml"
    path.write_text("burst_gap = 0.5\nburst_similarity = 0\n", encoding="utf-8")
    settings = parse_settings(path)
    assert (settings.burst_gap, settings.burst_similarity) == (0.5, 0.0)
    for bad in ("burst_gap = -1", "burst_similarity = 1.5", 'burst_gap = "2"'):
        path.write_text(bad + "\n", encoding="utf-8")
        with pytest.raises(KonomiError):
            parse_settings(path)
    from konomi.app.init import settings_text

    assert "# burst_gap = 2.0" in settings_text() and "# burst_similarity = 0.9" in settings_text()


def test_a_damaged_quality_row_is_measured_again(tmp_path, tiny_model):
    from konomi.app.context import Context
    from konomi.store.quality import get_quality

    root = tmp_path / "ws"
    paths = make_shoot(root / "data" / "unlabeled", bursts=1, frames=2, singles=0).bursts[0]
    with Context.open(root, model=str(tiny_model)) as ctx:
        embedded = ctx.embed(paths)
        good = get_quality(ctx.cache, embedded.digests, quality.MEASURE)
        ctx.cache.db.execute("UPDATE quality SET sharpness = 'x', highlights = 7")
        ctx.cache.db.execute("DELETE FROM quality_slots")  # (its copy by slot lost too)
        assert get_quality(ctx.cache, embedded.digests, quality.MEASURE) == {}
        assert ctx.quality_of(ctx.embed(paths)).known.all()
        assert get_quality(ctx.cache, embedded.digests, quality.MEASURE) == good


def test_without_a_head_the_sharp_frame_is_kept_and_a_chosen_frame_wins(tmp_path, tiny_model):
    from konomi.app import cull
    from konomi.app.context import Context

    root = tmp_path / "ws"
    shoot = make_shoot(root / "data" / "unlabeled", bursts=2, frames=3, singles=1)
    (root / "konomi.toml").write_text("burst_similarity = 0\n", encoding="utf-8")
    with Context.open(root, model=str(tiny_model)) as ctx:
        found = cull.find_bursts(ctx)
        assert found.head_id is None
        assert [b.keeper for b in found.bursts] == shoot.sharp
        assert {b.reason for b in found.bursts} == {"sharpest"}
        swap = next(p for p in shoot.bursts[1] if p != shoot.sharp[1])
        again = cull.find_bursts(ctx, chosen={swap})
        assert again.bursts[0] == found.bursts[0]
        assert again.bursts[1].keeper == swap and again.bursts[1].reason == "chosen"
        assert shoot.sharp[1] in again.bursts[1].rest
