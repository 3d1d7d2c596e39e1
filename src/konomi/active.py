"""Which images are worth a person's look: the informativeness of a score.

The review queue and `classify` order images by this number, highest first. The simulator
(`konomi simulate`, docs/simulation.md) measures the strategies; the one shipped here is the one
it found best.
"""

from __future__ import annotations

import numpy as np


def informativeness(scores: np.ndarray) -> np.ndarray:
    """1 at a score of 0.5 (the model cannot tell), 0 at 0 or 1 (it is sure)."""
    p = np.asarray(scores, dtype=np.float64)
    return 1.0 - np.abs(2.0 * p - 1.0)
