"""`batch_size: auto`: pick the batch size by a short measurement on the device in use.

The best batch differs by an order of magnitude between a CPU (16-32) and a GPU (256-512),
and with the model's size. Batch size changes speed only (rows never mix), so the
measurement cannot change what is computed.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

CANDIDATES = {"cuda": (64, 128, 256, 512), "cpu": (4, 8, 16, 32, 64)}
SECONDS_PER_CANDIDATE = 0.3


def fastest_batch(run: Callable[[np.ndarray], object], make_batch: Callable[[int], np.ndarray],
                  candidates=CANDIDATES["cpu"], seconds: float = SECONDS_PER_CANDIDATE,
                  clock: Callable[[], float] = time.perf_counter) -> tuple[int, dict[int, float]]:
    """(the candidate with the most images per second, images/s of each), each after one warm-up call."""
    speeds = {}
    for size in candidates:
        batch = make_batch(size)
        run(batch)  # warm-up: kernel selection for this shape
        done, start = 0, clock()
        while True:
            run(batch)
            done += size
            elapsed = clock() - start
            if elapsed >= seconds:
                break
        speeds[size] = done / elapsed
    return max(speeds, key=speeds.get), speeds
