"""How far two explanations of the same face agree, once both are on the canonical face.

Per (model, image): the Spearman correlation of the two maps over the face pixels and
the overlap of their top 10 %: the intersection over union of the two top sets, and
the share of the first map's top set that is also in the second's (both sets have the
same size, so the share is the precision of one against the other). Per model: the
mean of each over images with a percentile bootstrap CI (validity.stats).
"""

from __future__ import annotations

import numpy as np
import scipy.stats

from ..seeding import job_seed
from ..validity.stats import bootstrap_mean_ci

TOP_FRACTION = 0.10


def top_set(values: np.ndarray, fraction: float = TOP_FRACTION) -> np.ndarray:
    """Boolean mask of the ceil(fraction * n) largest values; ties broken by position, so the size is exact."""
    values = np.asarray(values, np.float64).ravel()
    count = max(1, int(np.ceil(fraction * len(values))))
    chosen = np.zeros(len(values), bool)
    chosen[np.argsort(-values, kind="stable")[:count]] = True
    return chosen


def map_agreement(first: np.ndarray, second: np.ndarray, within: np.ndarray | None = None,
                  fraction: float = TOP_FRACTION) -> dict[str, float]:
    """Spearman correlation and top-`fraction` IoU and share of two maps of the same shape.

    within: optional boolean mask of the pixels compared (e.g. the canonical face, not the
    background both maps leave at zero).
    """
    a, b = np.asarray(first, np.float64), np.asarray(second, np.float64)
    if a.shape != b.shape:
        raise ValueError(f"maps differ in shape: {a.shape} and {b.shape}")
    if within is not None:
        a, b = a[within], b[within]
    a, b = a.ravel(), b.ravel()
    constant = np.ptp(a) == 0 or np.ptp(b) == 0
    spearman = float("nan") if constant else float(scipy.stats.spearmanr(a, b).statistic)
    top_a, top_b = top_set(a, fraction), top_set(b, fraction)
    both = np.count_nonzero(top_a & top_b)
    return {"spearman": spearman, "top_iou": both / np.count_nonzero(top_a | top_b),
            "top_share": both / np.count_nonzero(top_a)}


def agreement_summary(rows: list[dict], resamples: int = 2000, confidence: float = 0.95,
                      seed: int = 0) -> list[dict]:
    """Per (model, first, second method): mean and bootstrap CI of each agreement measure over images.

    rows: dicts with model, first, second and the keys of map_agreement (one per image).
    """
    out = []
    keys = sorted({(r["model"], r["first"], r["second"]) for r in rows})
    for model, first, second in keys:
        mine = [r for r in rows if (r["model"], r["first"], r["second"]) == (model, first, second)]
        row = {"model": model, "first": first, "second": second, "images": len(mine)}
        for measure in ("spearman", "top_iou", "top_share"):
            mean, low, high = bootstrap_mean_ci([r[measure] for r in mine], resamples, confidence,
                                                job_seed(seed, "agreement", model, first, second, measure))
            row.update({measure: mean, f"{measure}_ci_low": low, f"{measure}_ci_high": high})
        out.append(row)
    return out
