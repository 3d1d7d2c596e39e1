"""Shared fixtures: a tiny real ONNX encoder, generated workspaces, and the real CLI.

Everything runs the product's real code path: ONNX Runtime sessions on a model the tests build
with the `onnx` package, real SQLite, real files on disk, the CLI as a subprocess.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from factories.images import make_taste_set, make_unlabeled_set
from factories.models import build_model_dir, konomi_env


def pytest_configure(config: pytest.Config) -> None:
    """Keep compiled bytecode for the interpreters the tests start, outside the source tree.

    Most tests start konomi (and Ray workers, review servers) in a fresh interpreter. Where
    writing bytecode is turned off (`PYTHONDONTWRITEBYTECODE`, set in many containers), each of
    those compiles the ~400 modules of konomi, NumPy, Typer and rich from source again: 0.7 s of
    a 1.2 s `konomi score`. The suite therefore keeps the bytecode in pytest's cache folder
    (`PYTHONPYCACHEPREFIX`), never beside the sources, or under `-p no:cacheprovider` in a
    folder of its own removed at the end; Python checks each file against its source, so an
    edited module is compiled again. Where bytecode is written already (and in xdist workers,
    which inherit the variables), nothing changes.
    """
    if not sys.dont_write_bytecode:
        return
    cache = getattr(config, "cache", None)  # None under `-p no:cacheprovider`
    if cache is not None:
        prefix = str(cache.mkdir("pycache"))
    else:
        prefix = tempfile.mkdtemp(prefix="konomi-tests-pycache-")
        config.add_cleanup(lambda: shutil.rmtree(prefix, ignore_errors=True))
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = prefix
    sys.pycache_prefix = prefix  # this process too: its later imports (sklearn, Ray)
    sys.dont_write_bytecode = False


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto` (pyproject's addopts): one worker more than the CPUs this process may run on,
    at most 4.

    A test spends much of its time waiting on konomi, a review server, Chromium or Ray in other
    processes, so one worker per CPU leaves CPUs idle (2 cores, shared: 2:55–3:56 with two
    workers, 2:33–3:15 with three). Past four the suite is as long as its longest file. CPUs by
    affinity, not the physical cores xdist would count: a 2-vCPU machine often reports one core.
    `PYTEST_XDIST_AUTO_NUM_WORKERS` still decides when it is set; `-n 0` runs in one process.
    """
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    cpus = len(usable) if usable else (os.cpu_count() or 1)
    return min(cpus + 1, 4)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny CLIP-like image encoder in the Immich layout (visual/model.onnx + preprocess)."""
    return build_model_dir(tmp_path_factory.mktemp("model") / "tiny-clip")


@dataclass
class Result:
    """A finished CLI run."""

    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


@pytest.fixture
def cli_env(tiny_model: Path, tmp_path: Path) -> dict[str, str]:
    """Environment of a CLI run: the tiny model, no hub access, an empty HF cache."""
    return konomi_env(tiny_model, tmp_path)


@pytest.fixture
def konomi(cli_env: dict[str, str]) -> Callable[..., Result]:
    """Run `python -m konomi ARGS` as a user would; returns code, stdout, stderr."""

    def run(
        *args: str | Path,
        root: Path | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 120,
        check: bool = False,
    ) -> Result:
        argv = [sys.executable, "-m", "konomi", *map(str, args)]
        if root is not None:
            argv += ["--root", str(root)]
        proc = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, env={**cli_env, **(env or {})}
        )
        result = Result(proc.returncode, proc.stdout, proc.stderr)
        if check:
            assert proc.returncode == 0, result.text
        return result

    return run


@dataclass
class Generated:
    """A generated workspace and the hidden truth of its unlabeled images (1 like, 0 dislike)."""

    root: Path
    truth: dict[Path, int | None]


@pytest.fixture
def workspace(tmp_path: Path) -> Callable[..., Generated]:
    """Make a workspace: warm-coloured likes, cool-coloured dislikes, and unlabeled images."""

    def make(
        n_like: int = 30,
        n_dislike: int = 30,
        n_unlabeled: int = 20,
        seed: int = 0,
        n_ambiguous: int = 0,
        name: str = "ws",
    ) -> Generated:
        root = tmp_path / name
        make_taste_set(root / "data" / "train", n_like, n_dislike, seed=seed)
        (root / "data" / "unlabeled").mkdir(parents=True, exist_ok=True)
        truth = make_unlabeled_set(
            root / "data" / "unlabeled",
            n_unlabeled // 2,
            n_unlabeled - n_unlabeled // 2,
            seed + 1,
            n_ambiguous=n_ambiguous,
        )
        return Generated(root, truth)

    return make


# `pytest -m "not slow"` is the maintainer's quick loop (under a minute): it leaves out every
# test that starts konomi, a browser, Ray or ingest's workers in another process, and the
# modules that are whole scenarios (crashes, attacks, fuzzing, libraries on disk). Everything
# else runs in-process.
SLOW_FIXTURES = frozenset({"konomi", "cli_env"})
SLOW_MODULES = frozenset(
    {
        "test_attacks",
        "test_attacks_batch",
        "test_attacks_libraries",
        "test_batch",
        "test_corrupt_state",
        "test_crash",
        "test_first_contact",
        "test_fuzz",
        "test_hostile_files",
        "test_i18n_page",
        "test_ingest_workers",
        "test_library",
        "test_moves",
        "test_review_browser",
        "test_review_cold_browser",
        "test_xmp",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = item.module.__name__ if hasattr(item, "module") and item.module else ""
        in_process = not (SLOW_FIXTURES & set(getattr(item, "fixturenames", ())))
        if module in SLOW_MODULES or not in_process or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)
