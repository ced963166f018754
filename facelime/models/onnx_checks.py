"""Load-time checks of an ONNX session, by embedding cosine (what LIME's score uses).

An element-wise allclose is the wrong test for a face model: GPU kernels move raw
outputs by 1e-3 while the direction of every embedding, the only thing the cosine
score sees, stays put to 1e-7. Both checks here compare per-row cosines, so they
mean the same on every execution provider.
"""

from __future__ import annotations

import numpy as np

from ..errors import ModelLoadError

# A relaxed batch dimension is kept when every row of a batched run points the same way as
# the same input run alone, to this cosine: GPU kernels reach 0.9999999, a model that
# mixes rows across the batch (batch statistics, a batch-wide reshape) falls far below.
BATCH_MIN_COSINE = 0.9999


def row_cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine of each row of a with the same row of b; 0 where either row is zero or not finite."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare embeddings of shapes {a.shape} and {b.shape}")
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cosines = np.sum(a * b, axis=1) / norms
    return np.where(np.isfinite(cosines) & (norms > 0), cosines, 0.0)


def batch_agrees(batched: np.ndarray, singles: np.ndarray, min_cosine: float = BATCH_MIN_COSINE) -> tuple[bool, float]:
    """(whether every batched row matches its single-image run, the lowest cosine found)."""
    batched, singles = np.asarray(batched), np.asarray(singles)
    if batched.shape != singles.shape:
        return False, 0.0
    lowest = float(row_cosines(batched, singles).min())
    return lowest >= min_cosine, lowest


def check_reduced_precision(full: np.ndarray, reduced: np.ndarray, min_cosine: float, path: str,
                            precision: str = "fp16") -> float:
    """Refuse a reduced-precision graph whose probe embeddings stray from fp32's; returns the lowest cosine.

    full, reduced: embeddings of the same probe batch from the fp32 and the reduced graph,
    on whatever provider the job uses (the check itself is plain numpy).
    """
    lowest = float(row_cosines(full, reduced).min())
    if not lowest >= min_cosine:
        raise ModelLoadError(path, f"precision {precision}: probe embeddings reach only cosine {lowest:.7f} to fp32, "
                                   f"below precision_min_cosine {min_cosine} (use precision: fp32 for this model, "
                                   "or lower the threshold knowingly)")
    return lowest
