"""The review page's full scan, run in the background while the page already answers.

At a million images the scan (every file listed and checked against the cache, scored, grouped
into bursts) takes about a minute. The page starts from the cache's first images
(`first.py`) and this scan runs in a thread; `ScanProgress` is what the page reads meanwhile:
how many photos are being checked and how far the scan is, honestly — by the steps done
(listing, embedding, scoring, bursts, merging), each weighed by its share of a large library's
scan, and within a step by the progress it reports itself (embedding new files does).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from konomi import faults

# Each step of a scan and where it starts, in hundredths of the whole (measured on a warm cache
# at 100k and 1M images: listing about a tenth, embedding and scoring a fifth, the culling
# bursts more than half, the merge into the queue the rest).
STEPS = {"listing": 0, "embedding": 10, "bursts": 30, "merging": 85}
END = 100
GATE_POLL_S = 0.05


@dataclass
class ScanProgress:
    """How far the background scan is (thread-safe): read by the page, written by the scan."""

    running: bool = False
    step: str = "listing"
    within: float = 0.0  # how far the current step is, 0..1, where it reports its own progress
    photos: int | None = None  # how many photos the scan checks, once they are listed
    error: str = ""  # a scan that failed: its message (the page keeps its first images)
    finished: int = 0  # scans finished since start-up (the page refreshes when this changes)
    lock: threading.Lock = field(default_factory=threading.Lock)
    idle: threading.Event = field(default_factory=threading.Event)  # set while none runs

    def __post_init__(self) -> None:
        self.idle.set()

    def begin(self) -> None:
        with self.lock:
            self.running, self.step, self.within, self.error = True, "listing", 0.0, ""
            self.idle.clear()

    def reached(self, step: str, photos: int | None = None) -> None:
        with self.lock:
            self.step, self.within = step, 0.0
            if photos is not None:
                self.photos = photos

    def heard(self, stage: str, done: int, total: int | None) -> None:
        """A `Progress` callback: a step's own progress (embedding new files, measuring)."""
        if total:
            with self.lock:
                self.within = min(1.0, max(0.0, done / total))

    def end(self, error: str = "") -> None:
        with self.lock:
            self.running, self.error = False, error
            self.finished += 1
            self.idle.set()

    def percent(self) -> int:
        with self.lock:
            return _percent(self.step, self.within) if self.running else END

    def public(self) -> dict[str, Any]:
        """What the page shows: a line while the scan runs, and a count that tells it to refresh
        its queue when a scan has ended."""
        with self.lock:
            return {
                "running": self.running,
                "percent": _percent(self.step, self.within) if self.running else END,
                "photos": self.photos,
                "step": self.step,
                "finished": self.finished,
                "error": self.error,
            }


def _percent(step: str, within: float) -> int:
    names = list(STEPS)
    start = STEPS[step]
    following = names.index(step) + 1
    stop = STEPS[names[following]] if following < len(names) else END
    return min(END - 1, int(start + (stop - start) * within))


def run_in_background(
    progress: ScanProgress, work: Callable[[], None], describe: Callable[[BaseException], str]
) -> threading.Thread:
    """Run `work` in a daemon thread between `progress.begin()` and `progress.end()`; a failure
    is kept as its message (`describe`), never raised into nowhere."""
    progress.begin()

    def target() -> None:
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - the page says what went wrong
            progress.end(describe(exc))
        else:
            progress.end()

    thread = threading.Thread(target=target, name="konomi-review-scan", daemon=True)
    thread.start()
    return thread


def wait_for_gate() -> None:
    """Tests hold a scan just before it merges (`KONOMI_TEST_SCAN_GATE`) until they open it."""
    gate = faults.scan_gate()
    while gate and not gate.exists():
        time.sleep(GATE_POLL_S)
