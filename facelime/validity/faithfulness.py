"""Deletion and insertion curves: is the explanation faithful to the model?

Superpixels are hidden (deletion, from the whole face) or revealed (insertion, from a
fully hidden face) one at a time in the explanation's order, hidden exactly as LIME's
perturbations hide them, and the similarity to the explanation's reference is
recomputed after each step. The area under a curve is its mean height over the K+1
steps (x from 0 to 1): a faithful order gives a low deletion AUC and a high insertion
AUC. Random orders of the same superpixels are the baseline (as in RISE and CorrRISE).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..lime_similarity import similarity_scores
from ..models import build_embedder
from ..references import stored_reference
from ..seeding import job_seed
from ..storage import load_arrays, read_tsv, save_arrays, write_tsv
from .stats import bootstrap_mean_ci

CURVE_POINTS = 21  # curves resampled on a common x grid so that images with different K average
FIELDS = ("model", "identity", "image", "num_superpixels", "deletion_auc_lime", "deletion_auc_random",
          "insertion_auc_lime", "insertion_auc_random", "lime_beats_random_deletion", "lime_beats_random_insertion")


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


def faithfulness_identity(faces_path: str, masks_path: str, out_tsv: str, out_npz: str, model_name: str,
                          model_spec: dict, random_orders: int, seed: int, identity: str, batch_size=None,
                          threads: int = 1) -> list[dict]:
    """Deletion/insertion AUCs of every explained image of one (model, identity)."""
    crops, masks = load_arrays(faces_path), load_arrays(masks_path)
    names = [str(n) for n in masks["images"]]
    embedder = build_embedder(model_name, model_spec, batch_size=batch_size, threads=threads) if names else None
    rows, curves = [], {key: [] for key in ("deletion_lime", "deletion_random", "insertion_lime", "insertion_random")}
    for i, name in enumerate(names):
        k = int(masks["num_superpixels"][i])
        prepared = embedder.prepare(crops["faces"][i], crops["segments"][i])
        reference = stored_reference(masks, i)
        if reference is None:  # the explanation's own reference, computed the same way
            reference = embedder.embed_prepared(prepared.pixels[None])[0].astype(np.float64)
        rng = np.random.default_rng(job_seed(seed, "faithfulness", model_name, identity, name))
        result = deletion_insertion(embedder, prepared, reference, masks["coefficients"][i, :k], random_orders,
                                    rng, embedder.batch_size)
        auc = {kind: curve_auc(result[kind]) for kind in ("deletion", "insertion")}
        row = dict(model=model_name, identity=identity, image=name, num_superpixels=k,
                   deletion_auc_lime=auc["deletion"][0], deletion_auc_random=auc["deletion"][1:].mean(),
                   insertion_auc_lime=auc["insertion"][0], insertion_auc_random=auc["insertion"][1:].mean())
        row["lime_beats_random_deletion"] = int(row["deletion_auc_lime"] < row["deletion_auc_random"])
        row["lime_beats_random_insertion"] = int(row["insertion_auc_lime"] > row["insertion_auc_random"])
        rows.append(row)
        for kind in ("deletion", "insertion"):
            curves[f"{kind}_lime"].append(resample_curve(result[kind][0]))
            curves[f"{kind}_random"].append(resample_curve(result[kind][1:].mean(axis=0)))
    write_tsv(out_tsv, rows, FIELDS)
    save_arrays(out_npz, images=np.array(names, dtype=str),
                **{key: np.array(value, np.float32).reshape(-1, CURVE_POINTS) for key, value in curves.items()})
    return rows


SUMMARY_FIELDS = ("model", "images", "share_beats_random_deletion", "share_beats_random_insertion",
                  "deletion_gap", "deletion_gap_low", "deletion_gap_high",
                  "insertion_gap", "insertion_gap_low", "insertion_gap_high")


def faithfulness_summary(tsv_paths: list[str], curve_paths: list[str], models: list[str], out_tsv: str,
                         out_png: str, resamples: int, confidence: float, seed: int) -> list[dict]:
    """Per model: share of images where LIME's order beats random, and the mean AUC gaps with bootstrap CIs.

    deletion_gap = random AUC - LIME AUC and insertion_gap = LIME AUC - random AUC, so
    both are positive when LIME's order is better than chance.
    """
    from .plots import draw_faithfulness_curves

    rows = [row for path in tsv_paths for row in read_tsv(path)]
    summary, mean_curves = [], {}
    for model in models:
        mine = [r for r in rows if r["model"] == model]
        gaps = {"deletion": [float(r["deletion_auc_random"]) - float(r["deletion_auc_lime"]) for r in mine],
                "insertion": [float(r["insertion_auc_lime"]) - float(r["insertion_auc_random"]) for r in mine]}
        entry = dict(model=model, images=len(mine),
                     share_beats_random_deletion=np.mean([int(r["lime_beats_random_deletion"]) for r in mine]) if mine else float("nan"),
                     share_beats_random_insertion=np.mean([int(r["lime_beats_random_insertion"]) for r in mine]) if mine else float("nan"))
        for kind, values in gaps.items():
            mean, low, high = bootstrap_mean_ci(values, resamples, confidence, job_seed(seed, "faithfulness", model, kind))
            entry.update({f"{kind}_gap": mean, f"{kind}_gap_low": low, f"{kind}_gap_high": high})
        summary.append(entry)
        model_curves = [load_arrays(p) for p in curve_paths if Path(p).parent.name == model]
        mean_curves[model] = {key: np.concatenate([c[key] for c in model_curves]).mean(axis=0)
                              for key in ("deletion_lime", "deletion_random", "insertion_lime", "insertion_random")
                              if sum(len(c[key]) for c in model_curves)}
    write_tsv(out_tsv, summary, SUMMARY_FIELDS)
    draw_faithfulness_curves(mean_curves, out_png)
    return summary
