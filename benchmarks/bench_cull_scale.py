"""Culling at scale: `score` (with its culling columns) and `konomi cull` on a library of N
photos of a shoot (100k, 1M), each command a fresh process, with its peak RSS.

The library is `bench_scale`'s (N small distinct files, 1,000 to a folder, 200 labelled images
in the workspace's data/train), and its cache is pre-filled with what a cold `embed` of a
shoot would have written — each file's stamp and digest, an embedding, and a quality row with
its capture time, as ingest measures them: frames in bursts of 1–8, 0.2–1.5 s apart, bursts
5 s–5 min apart, embeddings alike within a burst (`bench_cull.shoot_arrays`). The head is
trained once (`train`) and every score cached once (`score`); then, in turn for each code:

    embed (warm)   nothing changed: the check for unmeasured images
    score          every row of scores.csv, with sharpness, exposure, burst and keeper
    cull --json    the bursts, keepers and reasons (default burst_similarity 0.9: the
                   embeddings of the frames in time runs are compared)

`--src OLD/src --label before` times another checkout's code on the same files and cache.
`--no-exif` writes the quality rows without capture times (as ingest does for a PNG): then
the files' modification times count, and a library written in one go is one long time run
whose every vector is compared with its neighbour's.

    uv run python -m benchmarks.bench_cull_scale --images 100000 [--src OLD/src --label before]
    uv run python -m benchmarks.bench_cull_scale --table
    uv run python -m benchmarks.bench_cull_scale --grouping [--src OLD/src]   # bursts alone
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

DEFAULT_OUT = Path("/tmp") / "konomi-bench-cull-scale"
COMMANDS: list[tuple[str, list[str]]] = [
    ("embed (warm)", ["embed"]),
    ("score", ["score"]),
    ("cull --json", ["cull", "--json"]),
]


def shoot_frames(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """`bench_cull.shoot_arrays` without the vectors (2 GB at a million): capture times,
    quality, and each frame's scene (a burst), in folder order (not time order)."""
    from benchmarks.bench_cull import burst_gaps  # here: the timing parent stays small

    rng = np.random.default_rng(seed)
    gaps, first = burst_gaps(rng, n)
    shuffled = rng.permutation(n)
    return {
        "times": np.cumsum(gaps)[shuffled],
        "sharpness": rng.gamma(4.0, 5.0, n)[shuffled],
        "clipped": rng.beta(1, 30, n)[shuffled],
        "scene": np.cumsum(first)[shuffled],
    }


def prefill(ws: Path, library: Path, model_dir: Path, n: int, exif: bool = True) -> None:
    """Write the cache rows a cold `embed` of a shoot would write: stamps and digests of the
    real files, and for each an embedding and a quality row with a capture time."""
    from konomi.encode.encoder import resolve_model
    from konomi.encode.images import content_hash
    from konomi.encode.quality import MEASURE
    from konomi.store.cache import EmbeddingCache
    from konomi.store.quality import Quality, put_quality

    stamp = ws / ".konomi" / "bench-cull-prefilled"
    if stamp.exists():
        return
    shutil.rmtree(ws / ".konomi", ignore_errors=True)
    model_id = resolve_model(str(model_dir)).model_id
    shoot = shoot_frames(n)
    centres = np.random.default_rng(1).standard_normal((shoot["scene"].max() + 1, 512))
    centres = centres.astype(np.float16)  # a million frames' vectors are made a folder at a time
    noise = np.random.default_rng(2)
    i = 0
    with EmbeddingCache(ws / ".konomi" / "cache.sqlite") as cache:
        for folder in sorted(library.iterdir()):
            files, embedded, measured = [], [], []
            names = sorted(folder.iterdir())
            scenes = shoot["scene"][i : i + len(names)]
            vectors = centres[scenes].astype(np.float32)
            vectors += 0.1 * noise.standard_normal(vectors.shape, dtype=np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            for j, path in enumerate(names):
                data, st = path.read_bytes(), path.stat()
                digest = content_hash(data)
                files.append((str(path), st.st_size, st.st_mtime_ns, digest))
                embedded.append((digest, vectors[j]))
                clipped = float(shoot["clipped"][i])
                q = Quality(
                    float(shoot["sharpness"][i]),
                    clipped / 2,
                    clipped / 2,
                    1.7e9 + float(shoot["times"][i]) if exif else None,
                    MEASURE,
                )
                measured.append((digest, q))
                i += 1
            cache.put_encoded(model_id, embedded, files)
            put_quality(cache, measured)
    stamp.write_text("")


def prepare(n: int, out: Path, exif: bool) -> None:
    """Build the library, the model and the pre-filled cache (in a process of its own: see
    `measure`), and describe the machine."""
    from benchmarks.bench_scale import build, model
    from benchmarks.common import describe_machine

    library, ws = build(_base(out, n, exif), n)
    prefill(ws, library, model(out), n, exif)
    (out / "machine.txt").write_text(describe_machine())


def _base(out: Path, n: int, exif: bool) -> Path:
    return out / f"cull-lib-{n}{'' if exif else '-mtime'}"


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """Seconds, CPU seconds and peak RSS (MB) of one command in a fresh process, and its
    output (as `bench_scale.run`, which this process does not import: see `measure`)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    text = out.decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{text[-3000:]}")
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * scale / 1e6, text


def measure(n: int, out: Path, src: Path | None, label: str, exif: bool) -> dict[str, object]:
    """Prepare in a child process, then time each command from this one. On Linux a child's
    peak RSS starts at its parent's peak (the forked copy's high-water mark survives exec), so
    this process stays small: it never holds the shoot's arrays."""
    flags = [] if exif else ["--no-exif"]
    me = [sys.executable, "-m", "benchmarks.bench_cull_scale"]
    subprocess.run([*me, "--prepare", "--images", str(n), "--out", str(out), *flags], check=True)
    ws = _base(out, n, exif) / "workspace"
    model_dir = out / "tiny-clip-224-512"
    env = {
        **os.environ,
        "KONOMI_MODEL": str(model_dir),
        "HF_HUB_OFFLINE": "1",
        "KONOMI_LANG": "en",
        "COLUMNS": "200",
    }
    konomi = [sys.executable, "-m", "konomi"]
    if not (ws / "models").is_dir():  # once, with this checkout: a head, and its scores cached
        for args in (["train"], ["score"]):
            wall, cpu, rss, _ = run([*konomi, *args, "--root", str(ws)], env)
            print(f"  setup {args[0]:<12} {wall:7.2f} s  CPU {cpu:7.2f} s {rss:6.0f} MB")
    if src is not None:
        env["PYTHONPATH"] = str(src.resolve())
    results: dict[str, list[float]] = {}
    for name, args in COMMANDS:
        wall, cpu, rss, text = run([*konomi, *args, "--root", str(ws)], env)
        results[name] = [wall, cpu, rss]
        extra = ""
        if name == "cull --json":
            bursts = text.count('"keeper":')
            extra = f" {bursts:,} bursts"
        print(f"  {name:<14} {wall:7.2f} s  CPU {cpu:7.2f} s {rss:6.0f} MB{extra}", flush=True)
    return {
        "images": n,
        "label": label,
        "machine": (out / "machine.txt").read_text(),
        "load": os.getloadavg(),
        "results": results,
    }


def grouping(src: Path | None) -> None:
    """`learn.bursts.cull` in this process (CPU time, best of 3), and with `src` that
    checkout's too, on the same frames, checking that both find the same bursts and keepers."""
    import importlib.util

    from benchmarks.bench_cull import shoot_arrays
    from konomi.learn import bursts

    codes = {"after": bursts}
    if src is not None:
        path = src / "konomi" / "learn" / "bursts.py"
        spec = importlib.util.spec_from_file_location("before_bursts", path)
        assert spec is not None and spec.loader is not None
        codes["before"] = module = importlib.util.module_from_spec(spec)
        sys.modules["before_bursts"] = module
        spec.loader.exec_module(module)
    for n, similarities in ((100_000, (0.0, 0.9)), (1_000_000, (0.0,))):
        shoot = shoot_arrays(n) if 0.9 in similarities else shoot_frames(n)
        taste = np.random.default_rng(3).uniform(0, 1, n)
        vectors = shoot.get("vectors")
        for similarity in similarities:
            found = {}
            for label, code in codes.items():
                best = float("inf")
                for _ in range(3):
                    c0 = time.thread_time()
                    out = code.cull(
                        shoot["times"],
                        shoot["sharpness"],
                        shoot["clipped"],
                        taste,
                        gap=2.0,
                        similarity=similarity,
                        vectors_of=None if vectors is None else vectors.__getitem__,
                    )
                    best = min(best, time.thread_time() - c0)
                found[label] = [(b.members.tolist(), b.keeper, b.reason) for b in out]
                print(f"{n:>9,} frames, similarity {similarity}: {label:<6} {best:.2f} s CPU")
            same = all(f == found["after"] for f in found.values())
            print(f"    {len(found['after']):,} bursts; the same in each: {same}", flush=True)


def table(out: Path) -> str:
    """Markdown: each command's seconds (CPU seconds) and peak RSS, before and after, a row
    per library size and kind of capture time."""
    saved = [json.loads(p.read_text()) for p in sorted(out.glob("cull-result-*.json"))]
    found = {(s["images"], s["label"]): s["results"] for s in saved}
    lines = ["| images, capture times | command | before | after |", "| --- | --- | ---: | ---: |"]
    for n in sorted({s["images"] for s in saved}):
        for kind, suffix in (("EXIF", ""), ("mtime", ", mtime")):
            for name, _ in COMMANDS:
                cells = []
                for lb in ("before", "after"):
                    r = found.get((n, lb + suffix), {}).get(name)
                    cells.append(f"{r[0]:.1f} s ({r[1]:.1f} s CPU), {r[2]:,.0f} MB" if r else "–")
                if cells != ["–", "–"]:
                    lines.append(f"| {n:,}, {kind} | `{name}` | {cells[0]} | {cells[1]} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    ap.add_argument("--images", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--src", type=Path, help="the src/ folder of another checkout to time")
    ap.add_argument("--label", default="after", help="name of this run in the table")
    ap.add_argument("--table", action="store_true", help="print the table of saved results")
    ap.add_argument(
        "--no-exif",
        action="store_true",
        help="no capture times (quality rows without one, as for PNGs): the files' mtimes are "
        "used, and files written in one go make one long run",
    )
    ap.add_argument(
        "--grouping", action="store_true", help="time learn.bursts.cull alone (in-process)"
    )
    ap.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.prepare:
        prepare(args.images, args.out, not args.no_exif)
        return
    if args.grouping:
        grouping(args.src)
        return
    if args.table:
        print(table(args.out))
        return
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
    label = f"{args.label}, mtime" if args.no_exif else args.label
    result = measure(args.images, args.out, args.src, label, not args.no_exif)
    print(result["machine"])
    name = f"cull-result-{args.images}-{label.replace(', ', '-')}.json"
    (args.out / name).write_text(json.dumps(result))
    print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(table(args.out))


if __name__ == "__main__":
    main()
