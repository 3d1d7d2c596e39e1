"""The Ray engine: Ray Data reads the path list, decodes on CPU tasks, encodes and applies the
head in an actor pool of ONNX Runtime sessions (one GPU each when the model runs on CUDA), and
writes Parquet parts. The functions are those of the local engine (`scoring`), not a copy.

Ray is imported here only, and only when `--engine ray` is asked for: `import ray` costs seconds
that a laptop run should not pay.

Ray talks a lot on a normal run (token warnings, core-worker lines written by its C++ core
straight to the process's stderr, its workers' output forwarded to the driver). While konomi
runs Ray, all of it goes to a log file in Ray's temporary folder (`RaySession.log`); with
`--debug` (KONOMI_DEBUG) it is left on the terminal. A cluster address is checked before
`ray.init`, which would otherwise wait minutes for an address nobody answers. A local Ray is
stopped on every way out: `stop()` on a normal or failed run, and a small watchdog process,
started with it, that kills whatever is left of it when konomi itself is killed (kill -9 leaves
Ray's agents running otherwise).
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from konomi import faults
from konomi.app.batch.scoring import BatchSpec, Scorer, decode_batch
from konomi.atomic import publish
from konomi.errors import KonomiError
from konomi.i18n import t
from konomi.machine import usable_cores

BATCH = 32  # images per decode task batch and per encoder call
DECODE_MEMORY = 512 * 2**20  # bytes a decode task may hold
# Two decode tasks per CPU of the cluster: the encoder actors hold a CPU each but leave it idle
# while they wait for pixels, and the local engine likewise runs a decoding thread per core
# beside its session. With one task per CPU, a decode-bound run on 2 CPUs (one held by the
# actor) decoded on one core and ran at half the local engine's speed.
DECODE_CPUS = 0.5
WRITE_CPUS = 0.25
BLOCK = 64  # paths per input block: the unit of parallel reading
CONNECT_TIMEOUT = 20.0
GCS_PORT, CLIENT_PORT = 6379, 10001  # Ray's default ports: `host` alone, `ray://host`


@dataclass
class RaySession:
    """Where the run happened: a local Ray started for it, or a cluster it joined."""

    address: str
    started_here: bool
    session_dir: str
    cpus: float
    gpus: float
    log: str = ""  # where Ray's own messages went ("" with --debug: on the terminal)


def import_ray() -> Any:
    """Import Ray, or say how to install it. Under `uv run`, Ray would make every worker re-run
    `uv run` in an uploaded copy of the project (seconds and a gigabyte per session); the
    workers of a local Ray use this same interpreter instead."""
    os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError:
        raise KonomiError(t("batch.no_ray"), t("batch.no_ray_hint")) from None
    return ray


def start(address: str | None, cpus: int | None = None) -> RaySession:
    """Join the cluster at `address` (or $RAY_ADDRESS), else start a local Ray for this run."""
    ray = import_ray()
    address = address or os.environ.get("RAY_ADDRESS") or None
    if address and address not in ("auto", "local"):
        check_reachable(address)
    log = _quiet()
    level = logging.WARNING if not log else logging.ERROR
    quiet = {"logging_level": level, "include_dashboard": False, "log_to_driver": not log}
    try:
        if address:
            import konomi

            # The workers run this very konomi code, whatever version their image has.
            package = str(Path(konomi.__file__).parent)
            t0 = time.monotonic()
            try:
                info = ray.init(address=address, runtime_env={"py_modules": [package]}, **quiet)
            except ConnectionError:  # Ray gave up on the address (after ~25 s)
                raise KonomiError(
                    t("batch.ray_unreachable", address=address, seconds=time.monotonic() - t0),
                    t("batch.ray_unreachable_hint"),
                ) from None
            started = False
        else:
            _watch_local_ray()
            n = cpus or max(2, usable_cores())
            info = ray.init(address="local", num_cpus=n, **quiet)
            started = True
        resources = ray.cluster_resources()
    except BaseException:
        stop()
        raise
    return RaySession(
        address=str(getattr(info, "address_info", {}).get("address", address or "local")),
        started_here=started,
        session_dir=str(getattr(info, "address_info", {}).get("session_dir", "")),
        cpus=float(resources.get("CPU", 0)),
        gpus=float(resources.get("GPU", 0)),
        log=log,
    )


def stop() -> None:
    """Shut Ray down (a local one entirely), and give the terminal back its stderr."""
    try:
        if "ray" in sys.modules:
            import ray

            if ray.is_initialized():
                ray.shutdown()
    finally:
        _end_watch()
        _loud()


# -- an address nobody answers ------------------------------------------------------------------
def check_reachable(address: str) -> None:
    """Refuse, within `CONNECT_TIMEOUT` seconds, a cluster address nothing listens at."""
    host, port = _host_port(address)
    wait = faults.ray_connect_timeout(CONNECT_TIMEOUT)
    deadline = time.monotonic() + wait
    while True:
        try:
            left = max(0.5, min(5.0, deadline - time.monotonic()))
            with socket.create_connection((host, port), timeout=left):
                return
        except OSError:
            pass
        if time.monotonic() >= deadline:
            raise KonomiError(
                t("batch.ray_unreachable", address=address, seconds=wait),
                t("batch.ray_unreachable_hint"),
            )
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))


def _host_port(address: str) -> tuple[str, int]:
    """(host, port) of a Ray address: `host:port`, `host`, `ray://host[:port]`."""
    text, default = address, GCS_PORT
    if "://" in text:
        scheme, _, text = text.partition("://")
        default = CLIENT_PORT if scheme == "ray" else GCS_PORT
    text = text.split("/")[0]
    if text.startswith("["):  # [IPv6]:port
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":")
    else:
        host, _, port = text.rpartition(":") if text.count(":") == 1 else (text, "", "")
    try:
        return host or "localhost", int(port) if port else default
    except ValueError:
        raise KonomiError(
            t("batch.ray_bad_address", address=address), t("batch.ray_unreachable_hint")
        ) from None


# -- Ray's own messages into a log file ----------------------------------------------------------
_saved_stderr: tuple[int, TextIO] | None = None


def _quiet() -> str:
    """Send Ray's messages (its loggers, and what its C++ core writes to file descriptor 2) to
    a log file, keeping konomi's own stderr on the terminal; returns the log's path, or ""
    with --debug (KONOMI_DEBUG), when they stay on the terminal."""
    global _saved_stderr
    if os.environ.get("KONOMI_DEBUG", "") not in ("", "0") or _saved_stderr is not None:
        return ""
    folder = Path(os.environ.get("RAY_TMPDIR") or tempfile.gettempdir()) / "ray"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"konomi-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError:
        return ""  # no log file: Ray speaks on the terminal, as it would without konomi
    sys.stderr.flush()
    terminal = os.dup(2)
    os.dup2(fd, 2)
    os.close(fd)
    _saved_stderr = (terminal, sys.stderr)
    sys.stderr = os.fdopen(  # konomi's own lines (and progress bars) still reach the person
        os.dup(terminal), "w", buffering=1, encoding="utf-8", errors="backslashreplace"
    )
    handler = logging.FileHandler(path, encoding="utf-8")
    for name in ("ray", "ray.data"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.propagate = False
    return str(path)


def _loud() -> None:
    """Undo `_quiet`: file descriptor 2 and sys.stderr are the terminal's again."""
    global _saved_stderr
    if _saved_stderr is None:
        return
    terminal, stream = _saved_stderr
    _saved_stderr = None
    try:
        sys.stderr.flush()
        sys.stderr.close()
    except OSError:
        pass
    os.dup2(terminal, 2)
    os.close(terminal)
    sys.stderr = stream


# -- a watchdog that stops a local Ray when konomi is killed -----------------------------------
_WATCHDOG = r"""
import os, select, signal, sys

driver, me = int(sys.argv[1]), os.getpid()
seen = {}  # every process konomi started (Ray's, and theirs), with its start time


def processes():
    found = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    rest = f.read().rsplit(b")", 1)[1].split()
                found[int(name)] = (int(rest[1]), rest[19])
            except (OSError, ValueError, IndexError):
                pass
    return found


def family(table, roots):
    kin, grew = set(roots), True
    while grew:
        grew = False
        for pid, (ppid, _) in table.items():
            if ppid in kin and pid not in kin:
                kin.add(pid)
                grew = True
    return kin - {driver, me}


while True:  # until konomi closes the pipe (it stopped Ray) or dies
    ready, _, _ = select.select([0], [], [], 0.5)
    if ready and not os.read(0, 1024):
        break
    table = processes()
    for pid in family(table, {driver}):
        seen[pid] = table[pid][1]
for _ in range(20):
    table = processes()
    alive = {p for p, start in seen.items() if p in table and table[p][1] == start}
    doomed = family(table, alive) | alive
    if not doomed:
        break
    for pid in doomed:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for pid in family(table, doomed):
        seen.setdefault(pid, table[pid][1])
    select.select([], [], [], 0.2)
"""
_watchdog: subprocess.Popen[bytes] | None = None


def _watch_local_ray() -> None:
    """Start the watchdog: every half second it notes the processes descended from this one
    (Ray's, which its agents leave when the raylet dies), and once this process closes the pipe
    or dies it kills those still running (Linux: it reads /proc; elsewhere Ray is left to stop
    itself)."""
    global _watchdog
    if not os.path.isdir("/proc") or _watchdog is not None:
        return
    try:
        _watchdog = subprocess.Popen(
            [sys.executable, "-c", _WATCHDOG, str(os.getpid())],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in the terminal must not stop it first
        )
    except OSError:
        _watchdog = None


def _end_watch() -> None:
    """Close the watchdog's pipe: it sweeps whatever Ray left, and exits."""
    global _watchdog
    if _watchdog is None:
        return
    watchdog, _watchdog = _watchdog, None
    try:
        if watchdog.stdin is not None:
            watchdog.stdin.close()
        watchdog.wait(timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        pass


def _decode(batch: dict[str, np.ndarray], spec: BatchSpec) -> dict[str, np.ndarray]:
    return decode_batch(batch, spec)


class RayScorer:
    """The actor: one ONNX Runtime session and the head, loaded once, over many batches.

    The model's bytes come through Ray's object store and are written once per node to a
    temporary file, so a cluster needs no shared copy of models/."""

    def __init__(self, spec: BatchSpec, model: Any, threads: int, fault_file: str = "") -> None:
        import ray

        data = ray.get(model) if isinstance(model, ray.ObjectRef) else model
        path = _materialise(bytes(data))
        self.scorer = Scorer(spec, threads=threads, model_path=path)
        self.fault_file = fault_file

    def __call__(self, batch: dict[str, np.ndarray]) -> Any:
        if self.fault_file:
            try:
                os.unlink(self.fault_file)  # only one actor wins the file: it dies, once
            except OSError:
                pass
            else:
                os._exit(17)
        return self.scorer(batch)


def _materialise(data: bytes) -> str:
    """The model as a file on this node, written once (atomically) under its content hash."""
    digest = hashlib.sha256(data).hexdigest()[:24]
    folder = Path(tempfile.gettempdir()) / "konomi-models"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}.onnx"
    if not path.is_file() or path.stat().st_size != len(data):
        tmp = folder / f".{digest}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        publish(tmp, path)
    return str(path)


def run_ray(
    todo: list[str], spec: BatchSpec, folder: Path, session: RaySession, *, progress_bars: bool
) -> int:
    """Score `todo` on Ray Data into Parquet parts under `folder`. Returns the images scored.

    `folder` must be seen by every node at the same path (so must the images): on one machine
    it is; on a cluster both live on shared storage.
    """
    ray = import_ray()
    import pyarrow as pa
    from ray.data import ActorPoolStrategy, DataContext

    if not todo:
        return 0
    DataContext.get_current().enable_progress_bars = progress_bars
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    gpu = spec.device in ("cuda", "auto") and session.gpus >= 1
    cpus = max(1, int(session.cpus))
    if gpu:
        actors, threads, actor_res = max(1, int(session.gpus)), 2, {"num_gpus": 1, "num_cpus": 1}
    else:
        # Half the CPUs encode, half decode; each actor's session may use two threads, as the
        # local engine's session shares the cores with its decoding threads.
        actors = max(1, cpus // 2)
        threads = max(1, min(2, cpus // actors))
        actor_res = {"num_cpus": 1}
    model_ref = ray.put(Path(spec.model.onnx_path).read_bytes())
    blocks = [pa.table({"path": todo[i : i + BLOCK]}) for i in range(0, len(todo), BLOCK)]
    ds = ray.data.from_arrow(blocks)
    # Decoding is its own stage of CPU tasks, scaled apart from the encoders. Its memory hint
    # (one photo of up to 100 MP decoded at a time, plus the batch) also keeps Ray Data from
    # fusing it into the actors, which would leave decoding and encoding taking turns.
    ds = ds.map_batches(
        _decode,
        fn_kwargs={"spec": spec},
        batch_size=BATCH,
        batch_format="numpy",
        num_cpus=DECODE_CPUS,
        memory=DECODE_MEMORY,
    )
    ds = ds.map_batches(
        RayScorer,
        fn_constructor_kwargs={
            "spec": spec,
            "model": model_ref,
            "threads": threads,
            "fault_file": faults.ray_fault_file(),
        },
        compute=ActorPoolStrategy(size=actors),
        batch_size=BATCH,
        batch_format="numpy",
        **actor_res,
    )  # Ray Data restarts an actor that dies and runs its batch again (max_restarts=-1)
    # Writing a block's few kilobytes of results is light: a whole CPU slot for it would
    # hold back a decode task.
    ds.write_parquet(str(folder), ray_remote_args={"num_cpus": WRITE_CPUS})
    return len(todo)
