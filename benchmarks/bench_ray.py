"""`konomi score --input`: the local engine against the Ray engine on the same images, here.

Both engines run the same functions (`konomi.app.batch.scoring`) on the same photos with the
same model and head; this measures what Ray Data costs or gains on one machine, with Ray's
start-up (starting a local Ray, its workers, loading the model into the actors' sessions on
the first batches) reported apart from the throughput once it runs:

* E  - the encoder alone on ready tensors, one session using every core, images/s;
* D  - decoding alone (read, decode with draft, resize, crop), a thread per core, images/s;
* B  - the bound of one machine where both share the cores: 1 / (1/E + 1/D);
* local - `run_local` end to end (decode threads + one session), images/s;
* ray   - `run_ray` on a local Ray of `--cpus` CPUs: start-up, then images/s of the run.

(*) CPU per image counts this process and its live descendants; Ray workers that exit during a
run take their CPU time with them, so Ray's figure is a lower bound and may read too low.

Then, on paper, N nodes of this kind and N GPU nodes, with the assumptions printed.

    uv run --extra ray python -m benchmarks.bench_ray [--images 2000] [--model vit|tiny]
        [--cpus N] [--photo-size 1024x768] [--repeats 2]

`--model vit` (default) is a ViT-B/32-shaped encoder with random weights (the FLOPs of CLIP
ViT-B/32, benchmarks/vit_model.py); `--model tiny` is the test suite's tiny encoder, which
measures the engines' own overhead (decode-bound).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from benchmarks.bench_encoder_decode import _machine_busy_s, describe_machine
from benchmarks.photos import make_photos
from benchmarks.vit_model import build_vit_b32
from konomi.app.batch.local import run_local
from konomi.app.batch.scoring import BatchSpec, Scorer, decode_batch
from konomi.encode.encoder import Encoder, resolve_model
from konomi.learn.head import train_head
from konomi.machine import usable_cores

CACHE = Path(tempfile.gettempdir()) / "konomi-bench"


def _model(kind: str) -> Path:
    if kind == "vit":
        return build_vit_b32(CACHE / "vit-b32")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from factories.models import build_model_dir

    return build_model_dir(CACHE / "tiny-clip")


def _spec(model_dir: Path) -> BatchSpec:
    """A head trained on random embeddings: its cost is that of a real kernel head of 400
    labels; the scores themselves do not matter here."""
    files = resolve_model(str(model_dir))
    enc = Encoder(files, device="cpu")  # reads the input size and dimension from the session
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, enc.dim or 8)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = (X[:, 0] > 0).astype(int)
    head = train_head(X, y).head
    return BatchSpec(files, enc.size, "bench", head.arrays(), head.params(), (0.3, 0.7), "cpu")


def tree_cpu() -> dict[int, float]:
    """CPU seconds of this process and each of its descendants, by pid: with a local Ray, its
    GCS, raylet and every worker are children of this process, so both engines count alike."""
    import psutil

    out = {}
    me = psutil.Process()
    for proc in [me, *me.children(recursive=True)]:
        try:
            t = proc.cpu_times()
            out[proc.pid] = t.user + t.system
        except psutil.Error:
            continue
    return out


def cpu_since(before: dict[int, float]) -> float:
    """CPU seconds spent since `before` by the processes alive now (those that ended in
    between are not counted: a lower bound when Ray's workers come and go)."""
    return sum(max(0.0, t - before.get(pid, 0.0)) for pid, t in tree_cpu().items())


class Busy:
    """Wall time, our CPU time (with Ray's processes), and the cores other programs kept busy
    while a block ran: this box is shared, and CPU per image is what their load hardly moves."""

    def __enter__(self) -> Busy:
        self.t0, self.b0, self.c0 = time.perf_counter(), _machine_busy_s(), tree_cpu()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.t0
        self.cpu = cpu_since(self.c0)
        busy = _machine_busy_s() - self.b0
        self.others = max(0.0, (busy - self.cpu) / self.seconds)


def encoder_rate(spec: BatchSpec, n: int, cpus: int) -> float:
    scorer = Scorer(spec, threads=cpus)
    batch = np.random.default_rng(0).integers(0, 255, (32, spec.size, spec.size, 3), np.uint8)
    x = scorer.pre.normalise(batch)
    scorer.encoder.encode(x)
    t0, done = time.perf_counter(), 0
    while done < n:
        scorer.encoder.encode(x)
        done += len(x)
    return done / (time.perf_counter() - t0)


def decode_rate(spec: BatchSpec, paths: list[str], cpus: int) -> float:
    chunks = [paths[i : i + 32] for i in range(0, len(paths), 32)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(cpus) as pool:
        list(pool.map(lambda c: decode_batch({"path": np.asarray(c, object)}, spec), chunks))
    return len(paths) / (time.perf_counter() - t0)


def _line(name: str, rate: float, w: Busy, n: int) -> str:
    return (
        f"{name:18s} {rate:8.1f} images/s  {1000 * w.cpu / n:6.1f} CPU ms/image*  "
        f"({w.seconds:.1f} s; others kept {w.others:.1f} cores busy)"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--images", type=int, default=2000)
    ap.add_argument("--model", choices=("vit", "tiny"), default="vit")
    ap.add_argument("--cpus", type=int, default=usable_cores())
    ap.add_argument("--photo-size", default="1024x768")
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args(argv)
    width, height = (int(v) for v in args.photo_size.split("x"))

    print(describe_machine())
    print(f"engine CPUs: {args.cpus}; model: {args.model}; photos: {args.images} JPEG "
          f"{width}x{height}")  # fmt: skip
    photos = make_photos(CACHE / f"photos-{width}x{height}", args.images, size=(width, height))
    paths = [p.as_posix() for p in photos[: args.images]]
    spec = _spec(_model(args.model))
    sample = paths[: min(len(paths), 256)]
    decode_rate(spec, sample[:32], args.cpus)  # page cache and Pillow warm
    D = decode_rate(spec, sample, args.cpus)
    E = encoder_rate(spec, 256, args.cpus)
    B = 1 / (1 / E + 1 / D)
    print(f"\nE (encoder alone)  {E:8.1f} images/s")
    print(f"D (decode alone)   {D:8.1f} images/s")
    print(f"B (bound, shared)  {B:8.1f} images/s")

    from konomi.app.batch import ray_engine

    work = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    t0 = time.perf_counter()
    session = ray_engine.start(None, args.cpus)
    started = time.perf_counter() - t0
    local_rates: list[float] = []
    ray_rates: list[float] = []
    try:
        # A first small run of each pays for imports, Ray's workers and the model loading; the
        # timed runs then measure each engine once started, as a long job sees it. Local and
        # Ray alternate, so a burst of load from other programs hits both alike.
        run_local(paths[:64], spec, work / "local-warm", workers=args.cpus)
        t1 = time.perf_counter()
        ray_engine.run_ray(paths[:64], spec, work / "ray-warm", session, progress_bars=False)
        warm = time.perf_counter() - t1
        print(f"\nray start-up       {started:8.1f} s (ray.init), first 64 images {warm:.1f} s")
        time.sleep(2)
        with Busy() as idle:  # what Ray's daemons cost while nothing runs
            time.sleep(10)
        idle_cores = idle.cpu / idle.seconds
        print(f"ray idle           {idle_cores:8.2f} cores (GCS, raylet, agents, no job)")
        for r in range(args.repeats):
            with Busy() as w:
                run_local(paths, spec, work / f"local-{r}", workers=args.cpus)
            local_rates.append(len(paths) / w.seconds)
            print(_line("local engine", local_rates[-1], w, len(paths)))
            with Busy() as w:
                ray_engine.run_ray(paths, spec, work / f"ray-{r}", session, progress_bars=False)
            ray_rates.append(len(paths) / w.seconds)
            print(_line("ray engine", ray_rates[-1], w, len(paths)))
            print(f"ray / local        {ray_rates[-1] / local_rates[-1]:8.2f}")
    finally:
        ray_engine.stop()
        shutil.rmtree(work, ignore_errors=True)
    ray_rate = max(ray_rates)
    print(
        f"best: local {max(local_rates):.1f}, ray {ray_rate:.1f} images/s, "
        f"ratio of bests {ray_rate / max(local_rates):.2f}"
    )
    # Ray's CPU column is a lower bound: worker processes that exit during a run take their
    # CPU time with them, so only the wall-clock ratio is used below.
    ratio = ray_rate / max(local_rates)

    print("\nOn paper, N nodes like this one (CPU only), images/s:")
    print("  assumptions: every node decodes and encodes its share (Ray Data spreads blocks")
    print("  evenly), the driver only lists paths and merges the results (~1 µs a row), the")
    print("  images are on shared storage fast enough (N x rate x mean file size), and Ray's")
    print(f"  overhead is the ray/local ratio measured above ({ratio:.2f}; B x that per node).")
    for n in (1, 4, 16, 64):
        rate = n * B * min(1.0, ratio)
        print(f"  N={n:3d}: {rate:10.0f} images/s = {rate * 3600 / 1e6:8.2f} M images/hour")
    print("GPU nodes: encode moves to the GPU (E_gpu, thousands/s for ViT-B/32), so a node")
    print(f"gives min(E_gpu, D) and D is the limit: {D:.0f}/s with these {args.cpus} cores;")
    print("  scale D with the node's cores (D per core here: "
          f"{D / args.cpus:.0f}/s).")  # fmt: skip


if __name__ == "__main__":
    os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
    main()
