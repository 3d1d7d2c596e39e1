"""Scale: warm re-runs of `embed`, `classify` and `score` on a 100,000-image workspace.

An unchanged workspace must be answered by the cache alone: no file read, hashed or encoded
again. This builds one cheaply — 100,000 tiny distinct PNGs, and a cache pre-filled with exactly
the rows konomi itself would have written (each file's size, mtime and content hash, and a
512-d embedding per hash under the model's id) — trains a head on the labelled part, then times
each command as a person runs it (a fresh process) and reads its peak memory from the kernel.

Layout: 1,000 labelled images (data/train/{like,dislike}), 98,000 already sorted
(data/classified/{like,dislike,unsure}) and 1,000 new ones (data/unlabeled). `classify` runs
with --dry-run so that every repeat sees the same workspace; `score` scores all 100,000.

    uv run python -m benchmarks.bench_scale [--images 100000] [--repeats 3]

Targets (issue 5): every warm re-run under 10 s, peak RSS under 1 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks.common import describe_machine
from benchmarks.vit_model import build_vit_b32
from konomi.encode.encoder import resolve_model
from konomi.encode.images import content_hash
from konomi.store.cache import EmbeddingCache

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "bench-out"
BUILD_VERSION = 1
DIM = 512


def _png_template() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (1, 1), 128).save(buf, "PNG")
    return buf.getvalue()


_PNG = _png_template()
_AFTER_IHDR = 8 + 25  # signature, then the IHDR chunk (length, type, 13 bytes, CRC)


def _png(i: int) -> bytes:
    """A 1x1 grey PNG whose tEXt chunk holds `i`: every file's bytes, so its hash, differ."""
    import zlib

    text = b"konomi\x00" + str(i).encode()
    chunk = len(text).to_bytes(4, "big") + b"tEXt" + text
    chunk += zlib.crc32(b"tEXt" + text).to_bytes(4, "big")
    return _PNG[:_AFTER_IHDR] + chunk + _PNG[_AFTER_IHDR:]


def layout(n: int) -> list[tuple[str, int]]:
    """(folder, count) pairs: 1 % labelled, 1 % new, the rest already sorted."""
    labelled = max(20, n // 100)
    new = max(1, n // 100)
    sorted_ = n - labelled - new
    return [
        ("data/train/like", labelled // 2),
        ("data/train/dislike", labelled - labelled // 2),
        ("data/classified/like", sorted_ // 3),
        ("data/classified/dislike", sorted_ // 3),
        ("data/classified/unsure", sorted_ - 2 * (sorted_ // 3)),
        ("data/unlabeled", new),
    ]


def build(root: Path, n: int, model_id: str) -> None:
    """Write the files and the cache rows konomi would have written after embedding them."""
    stamp = {"n": n, "model": model_id, "version": BUILD_VERSION}
    stamp_path = root / "bench-stamp.json"
    if stamp_path.is_file() and json.loads(stamp_path.read_text()) == stamp:
        return
    import shutil

    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    root = root.resolve()
    rng = np.random.default_rng(0)
    like_dir = rng.standard_normal(DIM).astype(np.float32)
    i = 0
    with EmbeddingCache(root / ".konomi" / "cache.sqlite") as cache:
        for folder, count in layout(n):
            (root / folder).mkdir(parents=True, exist_ok=True)
            files, vectors = [], []
            for _ in range(count):
                data = _png(i)
                path = root / folder / f"img_{i:06}.png"
                path.write_bytes(data)
                st = path.stat()
                digest = content_hash(data)
                files.append((str(path), st.st_size, st.st_mtime_ns, digest))
                v = rng.standard_normal(DIM).astype(np.float32)
                if folder.endswith("/like"):
                    v += 0.5 * like_dir
                elif folder.endswith("/dislike"):
                    v -= 0.5 * like_dir
                vectors.append((digest, v / np.linalg.norm(v)))
                i += 1
            cache.put_files(files)
            cache.put_embeddings(vectors, model_id)
    stamp_path.write_text(json.dumps(stamp))


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Seconds and peak RSS (MB) of one command in a fresh process, and its output."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{out.decode(errors='replace')[-2000:]}")
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return wall, usage.ru_maxrss * scale / 1e6, out.decode(errors="replace")


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--images", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    print(describe_machine())
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(
        f"command: uv run python -m benchmarks.bench_scale --images {args.images} "
        f"--repeats {args.repeats}\n",
        flush=True,
    )

    model_dir = build_vit_b32(args.out / "vit-b32").parent.parent
    model_id = resolve_model(str(model_dir)).model_id
    root = args.out / f"scale-{args.images}"
    t0 = time.perf_counter()
    build(root, args.images, model_id)
    print(
        f"workspace {root} with {args.images:,} images: ready in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    env = {**os.environ, "KONOMI_MODEL": str(model_dir), "HF_HUB_OFFLINE": "1"}
    konomi = [sys.executable, "-m", "konomi"]
    if not (root / "models" / "current.json").is_file():
        wall, rss, _ = run([*konomi, "train", "--root", str(root)], env)
        print(f"trained the head once: {wall:.1f} s, {rss:.0f} MB\n")

    empty = args.out / "scale-empty"
    (empty / "data" / "unlabeled").mkdir(parents=True, exist_ok=True)
    commands = {
        "start-up: embed on an empty workspace": [*konomi, "embed", "--root", str(empty)],
        f"embed ({args.images:,} cached)": [*konomi, "embed", "--root", str(root)],
        "classify --dry-run (1 % new)": [*konomi, "classify", "--dry-run", "--root", str(root)],
        f"score ({args.images:,} rows to CSV)": [*konomi, "score", "--root", str(root)],
    }
    results: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
    for rep in range(args.repeats):
        for label, argv_ in commands.items():
            wall, rss, out = run(argv_, env)
            results[label].append((wall, rss))
            if "embed (" in label and "0 new" not in out:
                raise RuntimeError(f"the warm re-run embedded something:\n{out}")
            print(f"  repeat {rep + 1}: {label:<40} {wall:6.2f} s {rss:7.0f} MB", flush=True)

    print(f"\nresults, best of {args.repeats} (targets: < 10 s, < 1000 MB):")
    print(f"  {'':<40} {'seconds':>8} {'peak RSS MB':>12}")
    for label, values in results.items():
        best = min(w for w, _ in values)
        rss = max(r for _, r in values)
        print(f"  {label:<40} {best:8.2f} {rss:12.0f}")
    print("\nload average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
