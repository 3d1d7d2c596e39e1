"""The ingest pipeline: same embeddings as one image at a time, bounded memory, clean failures."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from factories.images import expected_unreadable, make_format_zoo, make_hostile_zoo, make_image
from factories.models import OPSET, save_model
from messages import said
from onnx import TensorProto, helper, numpy_helper

from konomi.encode.encoder import Encoder, resolve_model
from konomi.encode.images import find_images, load_image
from konomi.encode.ingest import embed_files
from konomi.errors import ModelError
from konomi.store.cache import EmbeddingCache


def _one_at_a_time(encoder: Encoder, paths: list[Path]) -> np.ndarray:
    """The obvious way: decode one file, embed it, next."""
    return np.concatenate(
        [encoder.encode_images([load_image(p, min_side=encoder.size)]) for p in paths]
    )


def _embed(paths, cache_path, encoder, **kw):
    with EmbeddingCache(cache_path) as cache:
        return embed_files(paths, cache, encoder.model_id, lambda: encoder, **kw)


def test_the_pipeline_gives_the_embeddings_of_one_image_at_a_time(tiny_model, tmp_path):
    zoo = make_format_zoo(tmp_path / "photos" / "zoo")
    hostile = make_hostile_zoo(tmp_path / "photos" / "hostile")
    copy = tmp_path / "photos" / "copy of webp.webp"
    shutil.copy(zoo["webp"], copy)
    paths = list(find_images(tmp_path / "photos"))
    encoder = Encoder(resolve_model(str(tiny_model)), runs=2)

    result = _embed(paths, tmp_path / "cache.sqlite", encoder, workers=3, batch_size=4)

    bad = set(expected_unreadable(hostile).values()) - {hostile["dir_named_jpg"]}
    assert {s.path for s in result.unreadable} == bad
    readable = [p for p in paths if p not in bad]
    assert result.paths == readable  # the order asked, unreadable ones left out
    distinct = len({p.read_bytes() for p in readable})  # the zoo has copies too
    assert (result.new, result.cached) == (distinct, len(readable) - distinct)
    np.testing.assert_allclose(result.vectors, _one_at_a_time(encoder, readable), atol=1e-5)
    assert result.digests[readable.index(copy)] == result.digests[readable.index(zoo["webp"])]


def test_batch_size_workers_and_parallel_runs_do_not_change_the_result(tiny_model, tmp_path):
    paths = [
        make_image(tmp_path / "img" / f"{i:02}.jpg", seed=i, color=(9 * i, 120, 200 - 5 * i))
        for i in range(23)
    ]
    files = resolve_model(str(tiny_model))
    serial = _embed(paths, tmp_path / "a.sqlite", Encoder(files, runs=1), workers=1, batch_size=1)
    wide = _embed(paths, tmp_path / "b.sqlite", Encoder(files, runs=3), workers=4, batch_size=5)
    assert serial.paths == wide.paths == paths
    np.testing.assert_allclose(serial.vectors, wide.vectors, atol=1e-6)


def test_an_unchanged_workspace_is_answered_by_the_cache_alone(tiny_model, tmp_path):
    paths = [make_image(tmp_path / "img" / f"{i}.png", seed=i) for i in range(6)]
    encoder = Encoder(resolve_model(str(tiny_model)))
    first = _embed(paths, tmp_path / "c.sqlite", encoder)

    def no_encoder() -> Encoder:
        raise AssertionError("nothing should need encoding")

    with EmbeddingCache(tmp_path / "c.sqlite") as cache:
        again = embed_files(paths, cache, encoder.model_id, no_encoder)
        counted = embed_files(paths, cache, encoder.model_id, no_encoder, vectors=False)
    assert (again.new, again.cached) == (0, 6)
    np.testing.assert_array_equal(again.vectors, first.vectors)
    # `konomi embed` only counts: the same answer without reading a vector.
    assert (counted.new, counted.cached, counted.paths) == (0, 6, paths)
    assert counted.vectors.shape == (6, 0)


def _slow_encoder(path: Path, size: int = 224, width: int = 32) -> Path:
    """Two 3x3 convolutions at full resolution: encoding is far slower than decoding, so
    decoded images would pile up if nothing bounded them."""
    rng = np.random.default_rng(0)
    w1 = numpy_helper.from_array(rng.normal(0, 0.1, (width, 3, 3, 3)).astype(np.float32), "w1")
    w2 = rng.normal(0, 0.1, (width, width, 3, 3)).astype(np.float32)
    nodes = [
        helper.make_node("Conv", ["image", "w1"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("Conv", ["r1", "w2"], ["c2"], pads=[1, 1, 1, 1]),
        helper.make_node("GlobalAveragePool", ["c2"], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["embedding"]),
    ]
    image = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["n", 3, size, size])
    out = helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["n", width])
    inits = [w1, numpy_helper.from_array(w2, "w2")]
    graph = helper.make_graph(nodes, "slow", [image], [out], inits)
    return save_model(
        helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)]), path
    )


def test_memory_stays_flat_however_many_images(tmp_path):
    """Decoded pixels wait in a bounded window: the peak does not grow with the image count."""
    encoder = Encoder(resolve_model(str(_slow_encoder(tmp_path / "slow.onnx"))), runs=1)
    pixels = 224 * 224 * 3  # bytes of one decoded image as it waits for its batch

    def peak(n: int, name: str) -> int:
        paths = [
            make_image(tmp_path / name / f"{i:03}.jpg", size=(320, 240), seed=i) for i in range(n)
        ]
        tracemalloc.start()
        try:
            result = _embed(paths, tmp_path / f"{name}.sqlite", encoder, workers=2, batch_size=4)
            assert result.new == n
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, large = peak(20, "small"), peak(80, "large")
    # Without the window, the 60 extra images of the large run would add up to 9 MB.
    assert large < small + 10 * pixels, (small, large)


def _model_that_loses_the_batch(path: Path) -> Path:
    """An encoder whose output always has one row, whatever the batch: a broken export."""
    image = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["n", 3, 32, 32])
    out = helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["m", "d"])
    nodes = [
        helper.make_node("ReduceMean", ["image"], ["per_image"], axes=[2, 3], keepdims=0),
        helper.make_node("ReduceMean", ["per_image"], ["embedding"], axes=[0], keepdims=1),
    ]
    graph = helper.make_graph(nodes, "loses_batch", [image], [out])
    return save_model(
        helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)]), path
    )


def test_an_encoder_failure_stops_the_run_with_its_message_and_no_thread_left(tmp_path):
    onnx_path = _model_that_loses_the_batch(tmp_path / "broken" / "model.onnx")
    encoder = Encoder(resolve_model(str(onnx_path)))
    paths = [make_image(tmp_path / "img" / f"{i}.jpg", seed=i) for i in range(12)]
    before = threading.active_count()
    started = time.perf_counter()
    with pytest.raises(ModelError) as caught:
        _embed(paths, tmp_path / "c.sqlite", encoder, workers=2, batch_size=4)
    assert said(str(caught.value), "errors.model.batch_shape")
    assert time.perf_counter() - started < 30
    deadline = time.monotonic() + 5
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() <= before


def test_the_embed_command_starts_without_heavy_imports(tmp_path, cli_env):
    """`konomi embed` is timed from a cold start: scikit-learn, SciPy, matplotlib, the web
    server and ONNX Runtime (when nothing needs encoding) must stay out of its imports."""
    (tmp_path / "ws" / "data" / "unlabeled").mkdir(parents=True)
    probe = (
        "import runpy, sys\n"
        "sys.argv = ['konomi', 'embed', '--root', sys.argv[1]]\n"
        "try:\n"
        "    runpy.run_module('konomi', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('sklearn', 'scipy', 'matplotlib', 'starlette', 'uvicorn', 'onnxruntime')\n"
        "print('HEAVY', sorted({m.split('.')[0] for m in sys.modules if m.startswith(heavy)}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, str(tmp_path / "ws")],
        capture_output=True,
        text=True,
        env=cli_env,
    )
    assert said(done.stdout, "cli.embed.done", new=0), done.stdout + done.stderr
    assert "HEAVY []" in done.stdout, done.stdout


def test_files_moved_by_classify_and_undo_are_not_read_again(workspace, tiny_model, monkeypatch):
    """classify moves thousands of photos at once; the next run must know them by their new
    paths instead of reading and hashing every one again."""
    from konomi.app import loop as workflow
    from konomi.encode import prepare

    ws = workspace(n_like=6, n_dislike=6, n_unlabeled=10)
    ctx = workflow.Context.open(ws.root, model=str(tiny_model))
    try:
        workflow.train(ctx, folds=2)
        moved = workflow.classify(ctx).report.moved
        assert len(moved) == 10
        read: list[Path] = []
        real_read = prepare.read_file

        def counted_read(path: Path, *args, **kwargs):
            read.append(path)
            return real_read(path, *args, **kwargs)

        monkeypatch.setattr(prepare, "read_file", counted_read)
        assert workflow.embed(ctx).embedded.new == 0
        assert read == []  # every moved file known at its new path
        workflow.undo(ctx)
        assert workflow.embed(ctx).embedded.new == 0
        assert read == []
        # A file changed after its move is read again: a carried stamp is only a hint.
        changed = moved[0][0]
        make_image(changed, seed=99)
        workflow.embed(ctx)
        assert read == [changed]
    finally:
        ctx.close()
