"""Timing two things against each other: A B A B, and the median of the pairwise ratios.

Run one after the other, two timings see different machine states (another job starting,
the CPU's clock, caches): on a shared machine that moved lime_efficiency above 1. Each
pair A_i, B_i is timed back to back, so the ratio A_i / B_i compares like with like, and
the median over pairs ignores a pair that a burst of other work hit.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np


clock: Callable[[], float] = time.perf_counter  # the timer (a test replaces it with a fake one)


def interleaved_ratio(numerator: Callable[[], object], denominator: Callable[[], object], repeats: int) -> dict:
    """Time numerator (A) and denominator (B) alternately, A B A B, `repeats` pairs.

    Returns ratio (median of A_i / B_i), ratio_spread ([lowest, highest] pairwise ratio),
    numerator_s and denominator_s (median seconds of each side).
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, not {repeats}")
    a, b = [], []
    for _ in range(repeats):
        for side, times in ((numerator, a), (denominator, b)):
            start = clock()
            side()
            times.append(clock() - start)
    ratios = np.asarray(a) / np.asarray(b)
    return {"ratio": float(np.median(ratios)), "ratio_spread": [float(ratios.min()), float(ratios.max())],
            "numerator_s": float(np.median(a)), "denominator_s": float(np.median(b))}
