"""How many inputs go through a model at once: the one place the batch size is decided.

batch_size_for takes the first size the config sets, else the backend's default;
`batch_size: auto` (ONNX) picks it by a short measurement on the device in use
(fastest_batch). The best batch differs by an order of magnitude between a CPU (16-32) and a GPU (256-512),
and with the model's size. Batch size changes speed only (rows never mix), so the
measurement cannot change what is computed.
"""

from __future__ import annotations

import time
from typing import Callable

import numpy as np

CANDIDATES = {"cuda": (64, 128, 256, 512), "cpu": (4, 8, 16, 32, 64)}
SECONDS_PER_CANDIDATE = 0.3
# Perturbed images per forward call when neither lime.batch_size nor the model's entry
# sets one (dlib's ResNet gains nothing from batching; onnxruntime on a CPU peaks around
# 16-32; classifiers are small).
DEFAULT_BATCH = {"dlib": 16, "onnx": 32, "classifier": 64}


def batch_size_for(kind: str, *chosen: int | str | None) -> int | str:
    """The first batch size set (lime.batch_size, then the model's own), else the backend's default.

    "auto" (ONNX only) is passed on: the embedder measures the best size on its device.
    """
    first = next((b for b in chosen if b), None)
    if first == "auto":
        return "auto" if kind == "onnx" else DEFAULT_BATCH[kind]
    return int(first) if first else DEFAULT_BATCH[kind]


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
