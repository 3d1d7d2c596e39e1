"""Ingest speed: konomi's pipeline against the machine's limit, in one run.

On generated 12 MP camera-like JPEGs and a ViT-B/32-shaped ONNX model with random weights (same
FLOPs as CLIP ViT-B/32), it measures, interleaved so that a burst of load from other programs
hits every row alike:

* E     - the encoder alone on ready tensors (the better of ONNX Runtime's default session and
          konomi's own session layout), images/s;
* D     - decoding alone: Pillow with draft, resize, crop, normalise, a thread per core;
* B     - the pipeline bound 1 / (1/E + 1/D): decoding and inference share the cores;
* naive - full-size decode, one image at a time through a default session;
* konomi fp32 / int8 - `ingest.embed_files` on the same photos into a fresh cache (hashing,
          SQLite and all; the session is loaded before the clock starts);
* CLI   - `python -m konomi embed` in a subprocess, as an outside check times it: a cold run on
          every photo minus a cold run on a few (start-up cancels out), and a warm re-run.

Each row is repeated `--repeats` times; the table shows the best and the median, the CPU time
per image (which load from other programs barely changes) and how many cores other programs
kept busy meanwhile. Ratios are taken within each repeat, then the median is shown.

    uv run python -m benchmarks.bench_ingest [--photos 100] [--repeats 3] [--sweep]

`--sweep` adds the tables behind konomi's defaults (session layout, spinning, batch size,
decode workers, threads vs processes); `--device cuda` measures on a GPU.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.bench_encoder_decode import (
    Rate,
    decode_rate,
    encoder_rate,
    naive_rate,
    sweep_encoder,
)
from benchmarks.common import describe_machine, usable_cores
from benchmarks.photos import make_photos
from benchmarks.vit_model import build_vit_b32
from konomi.encode.encoder import Encoder, ModelFiles, resolve_model
from konomi.encode.ingest import embed_files, plan_for
from konomi.encode.quantize import quantized_files
from konomi.store.cache import EmbeddingCache

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "bench-out"


@dataclass
class Row:
    """Repeated measurements of one quantity (images/s, CPU per image, others' load)."""

    label: str
    rates: list[Rate] = field(default_factory=list)

    @property
    def values(self) -> list[float]:
        return [r.images_per_s for r in self.rates]

    @property
    def best(self) -> float:
        return max(self.values) if self.rates else float("nan")

    @property
    def median(self) -> float:
        return statistics.median(self.values) if self.rates else float("nan")

    @property
    def last(self) -> float:
        return self.rates[-1].images_per_s


def _busy_seconds() -> float:
    """Machine-wide busy CPU seconds (/proc/stat); NaN where unavailable."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return float("nan")
    ticks = [int(v) for v in fields[:8]]
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")


def _own_seconds() -> float:
    """CPU seconds of this process and its finished children (the CLI runs)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timed(images: int, action: Callable[[], object]) -> Rate:
    """Run `action` once: images/s, CPU seconds per image, cores other programs used."""
    busy0, own0, t0 = _busy_seconds(), _own_seconds(), time.perf_counter()
    action()
    wall = time.perf_counter() - t0
    own = _own_seconds() - own0
    others = max(0.0, (_busy_seconds() - busy0 - own) / wall)
    return Rate(images / wall, own / images, others)


# -- measurements ------------------------------------------------------------------------------
def layout_rate(encoder: Encoder, *, n: int, batch: int = 16) -> Rate:
    """E in konomi's session layout: `parallel_runs` threads calling `encode` on ready tensors."""
    x = np.random.default_rng(0).standard_normal((batch, 3, encoder.size, encoder.size))
    x = x.astype(np.float32)
    encoder.encode(x)  # warm-up: the first run plans and allocates
    runs = encoder.parallel_runs
    per_thread = max(1, -(-n // (batch * runs)))

    def work() -> None:
        for _ in range(per_thread):
            encoder.encode(x)

    def all_runs() -> None:
        threads = [threading.Thread(target=work) for _ in range(runs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    return timed(per_thread * runs * batch, all_runs)


def pipeline_rate(
    photos: Sequence[Path],
    encoder: Encoder,
    *,
    workers: int | None = None,
    batch: int | None = None,
) -> Rate:
    """`embed_files` on every photo into a fresh cache; the session is already loaded."""
    folder = Path(tempfile.mkdtemp(prefix="konomi-bench-"))
    try:
        with EmbeddingCache(folder / "cache.sqlite") as cache:

            def run() -> None:
                result = embed_files(
                    list(photos),
                    cache,
                    encoder.model_id,
                    lambda: encoder,
                    workers=workers,
                    batch_size=batch,
                )
                if result.new != len(photos):
                    raise RuntimeError(f"embedded {result.new} of {len(photos)} photos")

            return timed(len(photos), run)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def make_workspace(root: Path, photos: Sequence[Path]) -> Path:
    """A workspace whose data/unlabeled holds the photos (hard links: no copy, same bytes)."""
    shutil.rmtree(root, ignore_errors=True)
    folder = root / "data" / "unlabeled"
    folder.mkdir(parents=True)
    for p in photos:
        try:
            os.link(p, folder / p.name)
        except OSError:
            shutil.copy2(p, folder / p.name)
    return root


def cli_embed(root: Path, model_dir: Path, device: str, *, cold: bool) -> Rate:
    """`python -m konomi embed --root ROOT` as a person runs it (cold: no cache).

    The Rate's `images_per_s` holds 1 / seconds, so that "best" is the fastest run.
    """
    if cold:
        shutil.rmtree(root / ".konomi", ignore_errors=True)
    env = {**os.environ, "KONOMI_MODEL": str(model_dir), "HF_HUB_OFFLINE": "1"}
    argv = [sys.executable, "-m", "konomi", "embed", "--root", str(root), "--device", device]

    def run() -> None:
        done = subprocess.run(argv, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"konomi embed failed: {done.stderr.strip()[-500:]}")

    return timed(1, run)


# -- the run -----------------------------------------------------------------------------------
def load_line(when: str) -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {when}: {one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min)"


def print_rows(rows: Sequence[Row]) -> None:
    print(f"  {'':<46} {'img/s best':>10} {'median':>7} {'CPU ms/img':>10} {'others':>6}")
    for r in rows:
        cpu = statistics.median(x.cpu_s_per_image for x in r.rates) * 1e3
        others = max(x.others for x in r.rates)
        print(f"  {r.label:<46} {r.best:10.2f} {r.median:7.2f} {cpu:10.0f} {others:6.2f}")


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--photos", type=int, default=100, help="12 MP photos (default 100)")
    ap.add_argument("--repeats", type=int, default=3, help="repeats of every row (default 3)")
    ap.add_argument("--few", type=int, default=8, help="photos of the CLI's short cold run")
    ap.add_argument("--naive", type=int, default=24, help="photos for the slow naive baseline")
    ap.add_argument("--encoder-images", type=int, default=64, help="images per E measurement")
    ap.add_argument("--device", default="cpu", help="cpu (default), cuda, ... (konomi's rows)")
    ap.add_argument("--no-cli", action="store_true", help="skip the `konomi embed` subprocess")
    ap.add_argument("--no-int8", action="store_true", help="skip the int8 rows")
    ap.add_argument("--sweep", action="store_true", help="also the tables behind the defaults")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="cache dir: model and photos")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    cores = usable_cores()
    print(describe_machine())
    print(load_line("at start"), flush=True)
    command = f"uv run python -m benchmarks.bench_ingest --photos {args.photos}"
    command += f" --repeats {args.repeats}" + (" --sweep" if args.sweep else "")
    command += f" --device {args.device}" if args.device != "cpu" else ""
    print(f"command: {command}\n")

    t0 = time.perf_counter()
    onnx_path = build_vit_b32(args.out / "vit-b32")
    model_dir = onnx_path.parent.parent
    photos = make_photos(args.out / "photos", args.photos)
    files = resolve_model(str(model_dir))
    int8 = None if args.no_int8 else quantized_files(files)
    mb = np.mean([p.stat().st_size for p in photos]) / 1e6
    twin = f", int8 twin {int8.onnx_path.name}" if int8 else ""
    print(f"{len(photos)} photos (mean {mb:.2f} MB), model {model_dir}{twin}: ", end="")
    print(f"ready in {time.perf_counter() - t0:.1f} s", flush=True)

    fp32_encoder = Encoder(files, device=args.device)
    int8_encoder = Encoder(int8, device=args.device) if int8 else None
    on_cpu = not fp32_encoder.accelerated
    plan = plan_for(fp32_encoder)
    print(
        f"konomi's plan: {plan.encode_workers} parallel run(s) x {fp32_encoder.threads} "
        f"thread(s) on {fp32_encoder.providers[0]}, {plan.decode_workers} decode threads, "
        f"batch {plan.batch_size}, at most {plan.window} images in flight\n",
        flush=True,
    )

    n_enc = args.encoder_images
    naive_photos = photos[: args.naive]
    e_default = Row(f"E  encoder alone, ORT default session ({cores} thr)")
    e_konomi = Row(f"E  encoder alone, konomi layout ({plan.encode_workers} runs)")
    d = Row(f"D  decode alone, {cores} threads")
    naive = Row(f"naive: full decode, batch 1 ({len(naive_photos)} photos)")
    fp32 = Row("konomi fp32: embed_files, cold cache")
    e_int8 = Row("E  int8 encoder alone, konomi layout")
    int8_row = Row("konomi int8: embed_files, cold cache")
    cli = Row(f"CLI konomi embed fp32: ({len(photos)} - {args.few}) photos")
    few_runs: list[float] = []
    warm_runs: list[float] = []
    ratios: dict[str, list[float]] = {k: [] for k in ("fp32/B", "fp32/naive", "int8/fp32", "CLI/B")}
    ws_many = make_workspace(args.out / "ws-many", photos)
    ws_few = make_workspace(args.out / "ws-few", photos[: args.few])

    for rep in range(1, args.repeats + 1):
        print(f"repeat {rep}/{args.repeats} ({load_line('now')})", flush=True)
        if on_cpu:
            e_default.rates.append(encoder_rate(onnx_path, batch=16, n=n_enc, threads=None))
        e_konomi.rates.append(layout_rate(fp32_encoder, n=n_enc))
        d.rates.append(decode_rate(photos, workers=cores))
        if on_cpu:
            naive.rates.append(naive_rate(naive_photos, onnx_path))
        fp32.rates.append(pipeline_rate(photos, fp32_encoder))
        if int8_encoder:
            e_int8.rates.append(layout_rate(int8_encoder, n=n_enc))
            int8_row.rates.append(pipeline_rate(photos, int8_encoder))
        if not args.no_cli:
            few = cli_embed(ws_few, model_dir, args.device, cold=True)
            many = cli_embed(ws_many, model_dir, args.device, cold=True)
            again = cli_embed(ws_many, model_dir, args.device, cold=False)
            t_few, t_many = 1 / few.images_per_s, 1 / many.images_per_s
            n = len(photos) - args.few
            cpu = (many.cpu_s_per_image - few.cpu_s_per_image) / n
            cli.rates.append(Rate(n / max(1e-9, t_many - t_few), cpu, max(few.others, many.others)))
            few_runs.append(t_few)
            warm_runs.append(1 / again.images_per_s)
        e = max(e_default.last if e_default.rates else 0.0, e_konomi.last)
        b = 1.0 / (1.0 / e + 1.0 / d.last)
        ratios["fp32/B"].append(fp32.last / b)
        if naive.rates:
            ratios["fp32/naive"].append(fp32.last / naive.last)
        if int8_row.rates:
            ratios["int8/fp32"].append(int8_row.last / fp32.last)
        if cli.rates:
            ratios["CLI/B"].append(cli.last / b)
        print(
            f"  this repeat: E {e:.2f}, D {d.last:.2f}, B {b:.2f}, konomi fp32 {fp32.last:.2f}"
            + (f", int8 {int8_row.last:.2f}" if int8_row.rates else "")
            + (f", CLI {cli.last:.2f}" if cli.rates else "")
            + " img/s",
            flush=True,
        )

    e_best = max(e_default.best if e_default.rates else 0.0, e_konomi.best)
    b_best = 1.0 / (1.0 / e_best + 1.0 / d.best)
    print(f"\nresults, {args.repeats} repeats ('others': most cores other programs kept busy):")
    rows = [e_default, e_konomi, d, naive, fp32, e_int8, int8_row, cli]
    print_rows([r for r in rows if r.rates])
    print(f"  {'B  = 1/(1/E + 1/D), from the best E and D':<46} {b_best:10.2f}")
    if warm_runs:
        print(
            f"  CLI cold run on {args.few} photos (start-up + {args.few} images): "
            f"best {min(few_runs):.2f} s; warm re-run on {len(photos)}: best {min(warm_runs):.2f} s"
        )
    print("\nratios within each repeat (median, then every repeat):")
    for name, values in ratios.items():
        if values:
            every = ", ".join(f"{v:.2f}" for v in values)
            print(f"  {name:<11} {statistics.median(values):5.2f}   ({every})")

    if args.sweep:
        sweep(args, photos, files, onnx_path, cores)
    print(f"\n{load_line('at end')}; total {time.perf_counter() - started:.0f} s")


def sweep(
    args: argparse.Namespace, photos: list[Path], files: ModelFiles, onnx: Path, cores: int
) -> None:
    """The tables behind konomi's defaults, each setting measured `--repeats` times."""
    print("\nsweep 1 - encoder alone on ready tensors (one factor at a time):", flush=True)
    sweep_encoder(onnx, n=args.encoder_images, repeats=args.repeats)

    print("\nsweep 2 - decoding alone: threads vs processes:", flush=True)
    rows = []
    for label, kw in [
        ("1 thread", dict(workers=1)),
        (f"{cores} threads", dict(workers=cores)),
        (f"{cores} processes (tensors returned)", dict(workers=cores, pool="process")),
    ]:
        row = Row(label)
        for _ in range(args.repeats):
            row.rates.append(decode_rate(photos, **kw))
        rows.append(row)
    print_rows(rows)

    print("\nsweep 3 - the whole pipeline (embed_files, fp32) under each setting:", flush=True)
    layouts = [
        (f"{cores} runs x 1 thread (konomi)", dict(threads=1, runs=cores)),
        (f"1 run x {cores} threads, no spinning", dict(threads=cores, runs=1)),
        (
            f"1 run x {cores} threads, spinning (ORT default)",
            dict(threads=cores, runs=1, spin=True),
        ),
        (f"2 runs x {cores} threads, no spinning", dict(threads=cores, runs=2)),
    ]
    variants: list[tuple[str, Encoder, dict]] = [
        (label, Encoder(files, device="cpu", **kw), {}) for label, kw in layouts
    ]
    default = variants[0][1]
    for batch in (4, 16, 32):
        variants.append((f"{cores} runs x 1 thread, batch {batch}", default, dict(batch=batch)))
    for workers in sorted({1, cores + 1, 2 * cores} - {cores}):
        label = f"{cores} runs x 1 thread, {workers} decode threads"
        variants.append((label, default, dict(workers=workers)))
    rows = [Row(label) for label, _, _ in variants]
    for _ in range(args.repeats):  # interleaved: each repeat visits every variant
        for row, (_, encoder, kw) in zip(rows, variants):
            row.rates.append(pipeline_rate(photos, encoder, **kw))
            print(f"  {row.label:<46} {row.last:7.2f} img/s", flush=True)
    print_rows(rows)


if __name__ == "__main__":
    main()
