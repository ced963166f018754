"""Noise ceilings of the agreement between methods: how far a method agrees with itself under
another seed (docs/method.md, Noise ceilings).

Two methods cannot agree better than each agrees with itself: LIME and RISE draw random
perturbations, so a second run with another seed gives another map. Each studied image
is explained a second time with a seed of its own, both maps are warped onto the
canonical face and compared as methods are compared (Spearman over the face, top-10 %
overlap), on the signed map and on the kept part. Occlusion is deterministic: its
ceiling is 1 without a rerun.
"""

from __future__ import annotations

import numpy as np

from ..explainers.result import kept
from .agreement import agreement_summary, map_agreement

DETERMINISTIC = ("occlusion", "regions")  # regions: every coalition, no draw
MAPS = ("kept", "signed")


def stored_signed_maps(masks: dict) -> np.ndarray:
    """The signed crop maps of a masks file: stored for RISE and occlusion, painted from the
    coefficients for LIME (its signed map is its ridge weights on the superpixels)."""
    if "signed_maps" in masks:
        return masks["signed_maps"]
    return np.stack([painted_coefficients(masks, i) for i in range(len(masks["segments"]))]).reshape(
        masks["segments"].shape)


def painted_coefficients(masks: dict, i: int) -> np.ndarray:
    """Image i's superpixel weights painted on its superpixels (float32 HxW; NaN padding reads 0)."""
    return np.nan_to_num(masks["coefficients"][i], nan=0.0)[masks["segments"][i]].astype(np.float32)


def pair_rows(first: np.ndarray, second: np.ndarray, keep: str, within: np.ndarray, rng: np.random.Generator) -> dict:
    """Agreement of two canonical signed maps, on the kept part and on the signed map itself."""
    out = {}
    for part in MAPS:
        a, b = (first, second) if part == "signed" else (kept(first, keep), kept(second, keep))
        out[part] = map_agreement(a, b, within=within, rng=rng)
    return out


def ceiling_summary(rows: list[dict], methods: list[str], models: list[str], seed: int,
                    resamples: int = 2000, confidence: float = 0.95) -> list[dict]:
    """Per (model, method, map): mean seed-to-seed Spearman and top-10 % IoU with identity-bootstrap CIs;
    deterministic methods get 1 (no rerun, no interval)."""
    out = agreement_summary(rows, resamples, confidence, seed, measures=("spearman", "top_iou"),
                            keys=("model", "method", "map")) if rows else []
    for model in models:
        for method in methods:
            if method in DETERMINISTIC:
                for part in MAPS:
                    out.append({"model": model, "method": method, "map": part, "images": 0, "identities": 0,
                                **{f"{m}{s}": 1.0 for m in ("spearman", "top_iou") for s in ("", "_ci_low", "_ci_high")}})
    return sorted(out, key=lambda r: (r["model"], methods.index(r["method"]), r["map"]))
