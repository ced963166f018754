"""Deletion and insertion curves: is the explanation faithful to the model?

Superpixels are hidden (deletion, from the whole face) or revealed (insertion, from a
fully hidden face) one at a time in the explanation's order, hidden exactly as LIME's
perturbations hide them, and the similarity to the explanation's reference is
recomputed after each step. The area under a curve is its mean height over the K+1
steps (x from 0 to 1): a faithful order gives a low deletion AUC and a high insertion
AUC. Random orders of the same superpixels are the baseline (as in RISE and CorrRISE).
"""

from __future__ import annotations

import numpy as np

from ..lime_similarity import similarity_scores
from ..references import stored_reference

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


def image_faithfulness(embedder, face: np.ndarray, segments: np.ndarray, masks: dict, i: int, random_orders: int,
                       rng: np.random.Generator) -> tuple[dict, dict[str, np.ndarray]]:
    """Deletion/insertion AUCs of explained image i of `masks` (its order against the mean of random
    orders) and its curves, resampled to CURVE_POINTS so that images with different K average."""
    k = int(masks["num_superpixels"][i])
    prepared = embedder.prepare(face, segments)
    reference = stored_reference(masks, i)
    if reference is None:  # the explanation's own reference, computed the same way
        reference = embedder.embed_prepared(prepared.pixels[None])[0].astype(np.float64)
    result = deletion_insertion(embedder, prepared, reference, masks["coefficients"][i, :k], random_orders, rng,
                                embedder.batch_size)
    auc = {kind: curve_auc(result[kind]) for kind in ("deletion", "insertion")}
    aucs = dict(num_superpixels=k, deletion_auc_lime=auc["deletion"][0], deletion_auc_random=auc["deletion"][1:].mean(),
                insertion_auc_lime=auc["insertion"][0], insertion_auc_random=auc["insertion"][1:].mean())
    aucs["lime_beats_random_deletion"] = int(aucs["deletion_auc_lime"] < aucs["deletion_auc_random"])
    aucs["lime_beats_random_insertion"] = int(aucs["insertion_auc_lime"] > aucs["insertion_auc_random"])
    curves = {}
    for kind in ("deletion", "insertion"):
        curves[f"{kind}_lime"] = resample_curve(result[kind][0])
        curves[f"{kind}_random"] = resample_curve(result[kind][1:].mean(axis=0))
    return aucs, curves
