"""The model's own speed: images per second at each batch size, nothing but forward passes."""

from __future__ import annotations

import time

import numpy as np

from facelime.models.base import FaceEmbedder, PreparedFace

BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128)


def model_throughput(embedder: FaceEmbedder, prepared: PreparedFace, batch_sizes=BATCH_SIZES,
                     min_images: int = 128, min_seconds: float = 2.0, seed: int = 0) -> dict[int, float]:
    """Images/s of embed_inputs on ready-made perturbed batches, per batch size."""
    rng = np.random.default_rng(seed)
    k = int(prepared.segment_index.max()) + 1
    speeds = {}
    for batch_size in batch_sizes:
        batch = prepared.perturbed(rng.integers(0, 2, (batch_size, k)))
        embedder.embed_inputs(batch)  # warm-up
        done, start = 0, time.perf_counter()
        while done < min_images or time.perf_counter() - start < min_seconds:
            embedder.embed_inputs(batch)
            done += batch_size
        speeds[batch_size] = done / (time.perf_counter() - start)
    return speeds
