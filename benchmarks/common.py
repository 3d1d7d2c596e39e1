"""What every benchmark shares: the machine it ran on, described the same way each time, and
its libraries. Numbers mean little without the CPU beside them.

    from benchmarks.common import describe_machine
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

import numpy as np
import onnxruntime as ort
import PIL


def cpu_model() -> str:
    """The CPU's name as the kernel reports it (Linux), else what Python knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _ram_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def usable_cores() -> int:
    """Cores this process may run on (respects affinity pinning, unlike os.cpu_count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def describe_machine() -> str:
    """One line per fact that explains the numbers: CPU, cores, RAM, library versions."""
    from PIL import features

    turbo = features.version("libjpeg_turbo") if features.check_feature("libjpeg_turbo") else None
    jpeg = f"libjpeg-turbo {turbo}" if turbo else "libjpeg (not turbo)"
    return "\n".join(
        [
            f"CPU:         {cpu_model()} ({platform.machine()})",
            f"cores:       {usable_cores()} usable of {os.cpu_count()}",
            f"RAM:         {_ram_gib():.1f} GiB",
            f"OS:          {platform.system()} {platform.release()}",
            f"Python:      {platform.python_version()}",
            f"onnxruntime: {ort.__version__} ({', '.join(ort.get_available_providers())})",
            f"numpy:       {np.__version__}",
            f"Pillow:      {PIL.__version__} with {jpeg}",
        ]
    )
