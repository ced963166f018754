"""Deletion and insertion curves: is the explanation faithful to the model?

Superpixels are hidden (deletion, from the whole face) or revealed (insertion, from a
fully hidden face) one at a time in the explanation's order, hidden exactly as LIME's
perturbations hide them, and the similarity to the explanation's reference is
recomputed after each step. The area under a curve is its mean height over the K+1
steps (x from 0 to 1): a faithful order gives a low deletion AUC and a high insertion
AUC. Random orders of the same superpixels are the baseline (as in RISE and CorrRISE).
These are the building blocks; facelime.validity.protocols runs them on other units and
substrates too, which is what the workflow reports.
"""

from __future__ import annotations

import numpy as np

from ..explainers.lime import similarity_scores

CURVE_POINTS = 21  # curves resampled on a common x grid so that images with different K average


def order_rows(order: np.ndarray, insertion: bool) -> np.ndarray:
    """(K+1) x K binary rows; row j shows every superpixel except the first j of `order` (deletion),
    or only those j (insertion)."""
    k = len(order)
    rank = np.empty(k, dtype=np.int64)
    rank[np.asarray(order)] = np.arange(k)
    changed = rank[None, :] < np.arange(k + 1)[:, None]
    return (changed if insertion else ~changed).astype(np.uint8)


def curve_auc(curve: np.ndarray) -> np.ndarray:
    """Area under curves sampled at x = 0, 1/K, ..., 1 (last axis), trapezoidal."""
    curve = np.asarray(curve, dtype=np.float64)
    return np.trapezoid(curve, dx=1.0 / (curve.shape[-1] - 1), axis=-1)


def deletion_insertion(embedder, prepared, reference: np.ndarray, scores: np.ndarray, random_orders: int,
                       rng: np.random.Generator, batch_size: int) -> dict[str, np.ndarray]:
    """Deletion and insertion curves of the score order and of `random_orders` random orders.

    Returns arrays deletion/insertion of shape (1 + random_orders) x (K+1); row 0 is the
    explanation's order (highest score first), the others random permutations.
    """
    k = len(scores)
    orders = [np.argsort(-np.asarray(scores), kind="stable")] + [rng.permutation(k) for _ in range(random_orders)]
    rows = np.concatenate([order_rows(o, insertion) for insertion in (False, True) for o in orders])
    similarity = similarity_scores(embedder, prepared, rows, np.asarray(reference, np.float64), batch_size)
    similarity = similarity.reshape(2, len(orders), k + 1)
    return {"deletion": similarity[0], "insertion": similarity[1]}


def resample_curve(curve: np.ndarray, points: int = CURVE_POINTS) -> np.ndarray:
    return np.interp(np.linspace(0, 1, points), np.linspace(0, 1, len(curve)), curve)
