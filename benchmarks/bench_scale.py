"""Scale: every command on a workspace whose photo library holds N small images (100k, 1M).

The workspace is what a person with a large archive has: 200 labelled images in data/train and
a library (`libraries = [...]` in konomi.toml) of N small distinct image files — real files,
1,000 to a folder. Each command runs as a person runs it (a fresh `konomi` process) and its
peak memory is read from the kernel (`wait4`'s ru_maxrss):

    embed (cold)      every library file read, hashed, decoded, encoded and cached
    train             200 labelled images; the library holds no labels
    embed (warm)      nothing changed
    score             every image, one row each in reports/scores.csv
    classify --dry-run
    search "a photo"  text query over every embedding (warm)
    review            `konomi review` until its page's first /api/state answers

The encoder is the tests' tiny CLIP-shaped model (224 px in, 512-d out) so that konomi's own
per-file work, not the network, is what is measured. `--src` runs another checkout's code (its
`src/` folder) on the same files: the "before" of a change, measured in the same session.

    uv run python -m benchmarks.bench_scale [--images 100000] [--src OLD/src --label before]
    uv run python -m benchmarks.bench_scale --table      # before/after table of saved results
    uv run python -m benchmarks.bench_scale --workspace WS --model MODEL [--commands review]

`--workspace` times commands on an existing, already embedded workspace (nothing is built or
reset: use a copy) — e.g. `review` on a workspace of a million library images.

Targets: cold ≥ 3,000 files/s; warm commands < 10 s; every peak RSS < 1 GB.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks.common import describe_machine

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "bench-out"
BUILD_VERSION = 2
PER_FOLDER = 1000
LABELLED = 100  # per label


def _chunk(kind: bytes, body: bytes) -> bytes:
    return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")


_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png(i: int, rgb: tuple[int, int, int] = (128, 128, 128)) -> bytes:
    """A 2x2 RGB PNG of one colour whose tEXt chunk holds `i`: every file's bytes, so its
    hash, differ (about 110 bytes: the per-file work, not decoding, is what is measured)."""
    ihdr = _chunk(b"IHDR", (2).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0]))
    text = _chunk(b"tEXt", b"konomi\x00" + str(i).encode())
    row = b"\x00" + bytes(rgb) * 2
    idat = _chunk(b"IDAT", zlib.compress(row * 2))
    return _SIGNATURE + ihdr + text + idat + _chunk(b"IEND", b"")


def build(base: Path, n: int) -> tuple[Path, Path]:
    """The library (N files) and a workspace beside it: konomi.toml lists the library, and
    data/train holds 100 reddish likes and 100 bluish dislikes. Reused when already built."""
    library, ws = base / "library", base / "workspace"
    stamp = {"n": n, "version": BUILD_VERSION}
    stamp_path = base / "bench-stamp.json"
    if stamp_path.is_file() and json.loads(stamp_path.read_text()) == stamp:
        return library, ws
    shutil.rmtree(base, ignore_errors=True)
    for i in range(n):
        if i % PER_FOLDER == 0:
            folder = library / f"{i // PER_FOLDER:04}"
            folder.mkdir(parents=True)
        shade = (i * 37) % 256
        (folder / f"img_{i:07}.png").write_bytes(png(i, (shade, 255 - shade, (i * 11) % 256)))
    for label, base_rgb in (("like", (220, 60, 40)), ("dislike", (40, 60, 220))):
        folder = ws / "data" / "train" / label
        folder.mkdir(parents=True)
        for j in range(LABELLED):
            rgb = tuple(min(255, c + (j * 7) % 30) for c in base_rgb)
            (folder / f"{label}_{j:03}.png").write_bytes(png(10**9 + j, rgb))  # type: ignore[arg-type]
    (ws / "konomi.toml").write_text(f"libraries = [{json.dumps(str(library.resolve()))}]\n")
    stamp_path.write_text(json.dumps(stamp))
    return library, ws


def reset(ws: Path, *, keep_cache: bool = False) -> None:
    """Forget everything konomi wrote (cache, heads, reports): the next embed is cold. With
    `keep_cache`, only the heads, reports and cached scores: the cache's files and vectors stay
    (a pre-filled cache, `prefill`)."""
    for name in ("models", "reports") if keep_cache else (".konomi", "models", "reports"):
        shutil.rmtree(ws / name, ignore_errors=True)
    cache = ws / ".konomi" / "cache.sqlite"
    if keep_cache and cache.exists():
        db = sqlite3.connect(cache)
        with db:  # what a cold embed leaves: no scores of any head
            tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
            for table in {"scores", "head_scores"} & tables:
                db.execute(f"DELETE FROM {table}")
        db.close()


PREFILL_VERSION = "2"  # 2: with the quality rows ingest writes too


def prefill(ws: Path, library: Path, model_dir: Path) -> None:
    """Write the cache rows a cold `embed` of the library would write (each file's size, mtime
    and content hash, a random unit vector per hash, and the image's quality as ingest
    measures it: no EXIF, so no capture time), without encoding: the warm commands at a
    million images can then be timed without a cold run first. Reused when present."""
    from PIL import Image

    from konomi.encode.encoder import resolve_model
    from konomi.encode.images import content_hash
    from konomi.encode.quality import measure as measure_quality
    from konomi.store.cache import EmbeddingCache
    from konomi.store.quality import put_quality

    stamp = ws / ".konomi" / "bench-prefilled"
    if stamp.exists() and stamp.read_text() == PREFILL_VERSION:
        return
    shutil.rmtree(ws / ".konomi", ignore_errors=True)
    model_id = resolve_model(str(model_dir)).model_id
    rng = np.random.default_rng(0)
    with EmbeddingCache(ws / ".konomi" / "cache.sqlite") as cache:
        for folder in sorted(library.iterdir()):
            files, vectors, quality = [], [], []
            for path in sorted(folder.iterdir()):
                data, st = path.read_bytes(), path.stat()
                digest = content_hash(data)
                files.append((str(path), st.st_size, st.st_mtime_ns, digest))
                v = rng.standard_normal(512).astype(np.float32)
                vectors.append((digest, v / np.linalg.norm(v)))
                with Image.open(io.BytesIO(data)) as image:
                    quality.append((digest, measure_quality(image.convert("RGB"))))
            cache.put_encoded(model_id, vectors, files)
            put_quality(cache, quality)
    stamp.write_text(PREFILL_VERSION)


def _lines(path: Path) -> int:
    """Lines of a file, read a block at a time: a child started later reports the peak RSS of
    this process as its own when it is higher (the kernel carries it over the fork), so this
    process never holds a million-row report at once."""
    with path.open("rb") as f:
        return sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b""))


class TreeMemory:
    """The peak of a process's resident memory added to its descendants' (worker processes
    ingest starts), sampled every `EVERY` seconds from /proc: `ru_maxrss` gives only the
    largest single process. A lower bound (a peak between two samples is missed); 0 where
    there is no /proc."""

    EVERY = 0.05

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0
        self.page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _tree(self, pid: int) -> list[int]:
        found = [pid]
        for task in Path(f"/proc/{pid}/task").glob("*/children"):
            with contextlib.suppress(OSError, ValueError):
                for child in task.read_text().split():
                    found += self._tree(int(child))
        return found

    def _sample(self) -> None:
        if not Path("/proc/self/statm").exists():
            return
        while not self.done.wait(self.EVERY):
            total = 0
            for pid in self._tree(self.pid):
                with contextlib.suppress(OSError, ValueError, IndexError):
                    total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * self.page
            self.peak = max(self.peak, total)

    def stop(self) -> float:
        """The peak seen, in MB."""
        self.done.set()
        self.thread.join()
        return self.peak / 1e6


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float, float, str, float]:
    """Seconds, CPU seconds (user + system, its worker processes' included: steadier than wall
    time on a shared machine), peak RSS (MB) of its largest process, of one command in a fresh
    process, its output, and the peak of all its processes' memory together (`TreeMemory`)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    tree = TreeMemory(proc.pid)
    out = proc.stdout.read() if proc.stdout else b""
    together = tree.stop()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    text = out.decode(errors="replace")
    if code != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({code}):\n{text[-3000:]}")
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss * scale / 1e6, text, together


def run_review(
    argv: list[str], env: dict[str, str], until_scanned: bool = False
) -> tuple[float, float, float, str, float]:
    """`konomi review` until its page's first `/api/state` answers: seconds from the start to
    that answer, then the server is stopped as a person stops it (Ctrl-C); CPU seconds and
    peak RSS (MB) of the whole process, and its output. `until_scanned`: the server is stopped
    only once its background scan has ended too (the output then says when, and how many
    images each answer held)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    tree = TreeMemory(proc.pid)
    assert proc.stdout is not None
    lines: list[bytes] = []
    url = None
    for line in proc.stdout:  # the link is printed once the server listens
        lines.append(line)
        found = re.search(rb"http://[^\s]+\?token=[\w-]+", line)
        if found:
            url = found.group().decode()
            break
    wall = None
    if url is not None:
        base, token = url.split("/?token=")
        request = urllib.request.Request(base + "/api/state", headers={"X-Konomi-Token": token})
        while wall is None and proc.poll() is None:
            try:
                with urllib.request.urlopen(request, timeout=60) as answer:
                    first = json.loads(answer.read())
                wall = time.perf_counter() - t0
            except OSError:
                time.sleep(0.01)
        if wall is not None and until_scanned:
            shown = f"{len(first['items'])} images shown, {first['left']} to judge"
            lines.append(f"first answer: {shown}\n".encode())
            state = first
            while state.get("scan", {}).get("running") and proc.poll() is None:
                time.sleep(0.5)
                with urllib.request.urlopen(request, timeout=120) as answer:
                    state = json.loads(answer.read())
            done = time.perf_counter() - t0
            lines.append(f"scan done at {done:.2f} s: {state['left']} images left\n".encode())
            answers = []  # each answer of the page once the whole queue is in
            for _ in range(5):
                asked = time.perf_counter()
                with urllib.request.urlopen(request, timeout=120) as answer:
                    answer.read()
                answers.append(time.perf_counter() - asked)
            lines.append(f"scan done, /api/state: {sorted(answers)[2]:.3f} s\n".encode())
        proc.send_signal(signal.SIGINT)
    lines.extend(proc.stdout)
    _, status, usage = os.wait4(proc.pid, 0)
    text = b"".join(lines).decode(errors="replace")
    if wall is None:
        code = os.waitstatus_to_exitcode(status)
        raise RuntimeError(f"{' '.join(argv)} never answered ({code}):\n{text[-3000:]}")
    scale = 1 if sys.platform == "darwin" else 1024
    together = tree.stop()
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * scale / 1e6, text, together


def model(out: Path) -> Path:
    """The tests' tiny CLIP-shaped model with a text tower (for `search`), 224 px, 512-d."""
    sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "tests")]  # the factories import so
    from tests.factories.models import build_joint_model_dir

    folder = out / "tiny-clip-224-512"
    if not (folder / "textual" / "model.onnx").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        build_joint_model_dir(folder, size=224, dim=512)
    return folder


COMMANDS: list[tuple[str, list[str]]] = [
    ("embed (cold)", ["embed"]),
    ("train", ["train"]),
    ("embed (warm)", ["embed"]),
    ("score", ["score"]),
    ("classify --dry-run", ["classify", "--dry-run"]),
    ("search", ["search", "a photo", "--top", "10"]),
    # until the page's first /api/state answers (`run_review`)
    ("review", ["review", "--no-browser", "--port", "0"]),
]


def measure(
    n: int, out: Path, src: Path | None, label: str, repeats: int, commands: list[str], warm: bool
) -> dict[str, object]:
    base = out / f"scale-lib-{n}"
    t0 = time.perf_counter()
    library, ws = build(base, n)
    model_dir = model(out)
    if warm:
        prefill(ws, library, model_dir)
    print(f"library of {n:,} files ready in {time.perf_counter() - t0:.0f} s", flush=True)
    # An installed konomi runs from compiled bytecode: a setting that forbids writing it
    # would charge every command about a second of compiling the sources again.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = {
        **env,
        "KONOMI_MODEL": str(model_dir),
        "HF_HUB_OFFLINE": "1",
        "KONOMI_LANG": "en",
        "COLUMNS": "200",
    }
    if src is not None:
        env["PYTHONPATH"] = str(src.resolve())
    konomi = [sys.executable, "-m", "konomi"]
    results: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name, _ in COMMANDS}
    for rep in range(repeats):
        reset(ws, keep_cache=warm)
        for name, args in COMMANDS:
            if name not in commands or (warm and name == "embed (cold)"):
                continue
            runner = run_review if name == "review" else run
            wall, cpu, rss, text, together = runner([*konomi, *args, "--root", str(ws)], env)
            results[name].append((wall, cpu, rss, together))
            extra = f" = {n / wall:,.0f} files/s" if name == "embed (cold)" else ""
            print(
                f"  {rep + 1}: {name:<20} {wall:7.2f} s{extra:<18} CPU {cpu:7.2f} s {rss:6.0f} MB"
                f" (all processes {together:6.0f} MB)",
                flush=True,
            )
            if name == "score":
                rows = _lines(ws / "reports" / "scores.csv") - 1
                if rows != n + 2 * LABELLED:
                    raise RuntimeError(f"scores.csv has {rows} rows, not {n + 2 * LABELLED}")
    return {
        "images": n,
        "label": label,
        "src": str(src) if src else "this checkout",
        "machine": describe_machine(),
        "load": os.getloadavg(),
        "results": {k: _summary(v) for k, v in results.items() if v},
    }


def measure_existing(
    ws: Path, model_dir: Path, src: Path | None, label: str, repeats: int, commands: list[str]
) -> dict[str, object]:
    """Time `commands` on an existing workspace as it is (no build, no reset): `review` on a
    library of a million images already embedded, say. Work on a copy: commands write to it."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = {**env, "KONOMI_MODEL": str(model_dir), "HF_HUB_OFFLINE": "1", "KONOMI_LANG": "en"}
    if src is not None:
        env["PYTHONPATH"] = str(src.resolve())
    konomi = [sys.executable, "-m", "konomi"]
    results: dict[str, list[tuple[float, float, float, float]]] = {}
    for rep in range(repeats):
        for name, args in COMMANDS:
            if name not in commands:
                continue
            argv = [*konomi, *args, "--root", str(ws)]
            if name == "review":
                wall, cpu, rss, text, together = run_review(argv, env, until_scanned=True)
            else:
                wall, cpu, rss, text, together = run(argv, env)
            results.setdefault(name, []).append((wall, cpu, rss, together))
            print(
                f"  {rep + 1}: {name:<20} {wall:7.2f} s CPU {cpu:7.2f} s {rss:6.0f} MB"
                f" (all processes {together:6.0f} MB)",
                flush=True,
            )
            said = [ln for ln in text.splitlines() if ln.startswith(("first answer", "scan done"))]
            print("".join(f"     {ln}\n" for ln in said), end="", flush=True)
    return {
        "workspace": str(ws),
        "label": label,
        "src": str(src) if src else "this checkout",
        "machine": describe_machine(),
        "load": os.getloadavg(),
        "results": {k: _summary(v) for k, v in results.items()},
    }


def _summary(runs: list[tuple[float, float, float, float]]) -> list[float]:
    """Fastest wall and CPU seconds, largest peaks, of a command's repeats."""
    return [min(r[0] for r in runs), min(r[1] for r in runs)] + [
        max(r[k] for r in runs) for k in (2, 3)
    ]


def _memory(result: list[float]) -> str:
    """Peak RSS of the largest process, and of all of them together where that is more (the
    workers of ingest; results saved before it was measured have only the first)."""
    largest = f"{result[2]:,.0f} MB"
    if len(result) > 3 and result[3] > 1.05 * result[2]:
        return f"{largest} ({result[3]:,.0f} MB all processes)"
    return largest


def table(out: Path) -> str:
    """Markdown: each command's seconds and peak RSS, before and after, at each size."""
    saved = [json.loads(p.read_text()) for p in sorted(out.glob("scale-result-*.json"))]
    sizes = sorted({s["images"] for s in saved})
    labels = ["before", "after"]
    found = {(s["images"], s["label"]): s["results"] for s in saved}
    head = "| command |" + "".join(f" {n:,} {lb} |" for n in sizes for lb in labels)
    lines = [head, "| --- |" + " ---: |" * (len(sizes) * len(labels))]
    for name, _ in COMMANDS:
        cells = []
        for n in sizes:
            for lb in labels:
                r = found.get((n, lb), {}).get(name)
                cells.append(f" {r[0]:.1f} s ({r[1]:.1f} s CPU), {_memory(r)} |" if r else " – |")
        lines.append(f"| `{name}` |" + "".join(cells))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    ap.add_argument("--images", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--src", type=Path, help="the src/ folder of another checkout to time")
    ap.add_argument("--label", default="after", help="name of this run in the table")
    ap.add_argument("--table", action="store_true", help="print the table of saved results")
    ap.add_argument(
        "--prefilled",
        action="store_true",
        help="no cold embed: time the warm commands on a cache pre-filled as embed would",
    )
    ap.add_argument(
        "--commands",
        default=",".join(name for name, _ in COMMANDS),
        help="which commands to time, comma-separated names as in the table",
    )
    ap.add_argument("--workspace", type=Path, help="time an existing workspace (a copy) as it is")
    ap.add_argument("--model", type=Path, help="the encoder folder, with --workspace")
    args = ap.parse_args(argv)
    if args.workspace is not None:
        print(describe_machine(), flush=True)
        model_dir = args.model or model(args.out)
        commands = [c for c in args.commands.split(",") if c != "embed (cold)"]
        found = measure_existing(
            args.workspace, model_dir, args.src, args.label, args.repeats, commands
        )
        print(json.dumps(found["results"]))
        return
    if args.table:
        print(table(args.out))
        return
    print(describe_machine())
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
    commands = args.commands.split(",")
    result = measure(
        args.images, args.out, args.src, args.label, args.repeats, commands, args.prefilled
    )
    path = args.out / f"scale-result-{args.images}-{args.label}.json"
    path.write_text(json.dumps(result, indent=1))
    print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    print(table(args.out))


if __name__ == "__main__":
    main()
