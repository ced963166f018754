"""How far two explanations of the same face agree, once both are on the canonical face.

Per (model, image): the Spearman correlation of the two maps over the face pixels and
the overlap of their top 10 %: the intersection over union of the two top sets, and
the share of the first map's top set that is also in the second's (both sets have the
same size, so the share is the precision of one against the other); ties at the
threshold are broken at random (seeded), not by position. Per model: the mean of each
over images with a percentile CI from a bootstrap over identities (validity.stats).
"""

from __future__ import annotations

import numpy as np

from ..seeding import job_seed
from .stats import identity_bootstrap_ci

TOP_FRACTION = 0.10


def top_set(values: np.ndarray, fraction: float = TOP_FRACTION, rng: np.random.Generator | None = None) -> np.ndarray:
    """Boolean mask of the ceil(fraction * n) largest values, so the size is exact.

    Ties at the threshold are broken at random (rng; a fixed seed when None): a map made of
    superpixels has whole superpixels tied, and breaking them by position would favour the
    top of the face.
    """
    values = np.asarray(values, np.float64).ravel()
    count = max(1, int(np.ceil(fraction * len(values))))
    rng = np.random.default_rng(0) if rng is None else rng
    order = np.lexsort((rng.random(len(values)), -values))  # by value, then a random key
    chosen = np.zeros(len(values), bool)
    chosen[order[:count]] = True
    return chosen


def map_agreement(first: np.ndarray, second: np.ndarray, within: np.ndarray | None = None,
                  fraction: float = TOP_FRACTION, rng: np.random.Generator | None = None) -> dict[str, float]:
    """Spearman correlation and top-`fraction` IoU and share of two maps of the same shape.

    within: optional boolean mask of the pixels compared (e.g. the canonical face, not the
    background both maps leave at zero). rng breaks ties of the top sets (see top_set).
    """
    import scipy.stats  # here: most validity jobs import this module and never rank (~0.4 s to import)

    a, b = np.asarray(first, np.float64), np.asarray(second, np.float64)
    if a.shape != b.shape:
        raise ValueError(f"maps differ in shape: {a.shape} and {b.shape}")
    if within is not None:
        a, b = a[within], b[within]
    a, b = a.ravel(), b.ravel()
    constant = np.ptp(a) == 0 or np.ptp(b) == 0
    spearman = float("nan") if constant else float(scipy.stats.spearmanr(a, b).statistic)
    rng = np.random.default_rng(0) if rng is None else rng
    top_a, top_b = top_set(a, fraction, rng), top_set(b, fraction, rng)
    both = np.count_nonzero(top_a & top_b)
    return {"spearman": spearman, "top_iou": both / np.count_nonzero(top_a | top_b),
            "top_share": both / np.count_nonzero(top_a)}


def agreement_summary(rows: list[dict], resamples: int = 2000, confidence: float = 0.95, seed: int = 0,
                      measures: tuple[str, ...] = ("spearman", "top_iou", "top_share"),
                      keys: tuple[str, ...] = ("model", "first", "second")) -> list[dict]:
    """Per `keys` (model, first, second method): mean and identity-bootstrap CI of each measure over images.

    rows: dicts with the keys, the measures (one row per image) and the image's identity
    (a row without one is its own identity, e.g. one image per person).
    """
    out = []
    for key in sorted({tuple(r[k] for k in keys) for r in rows}):
        mine = [r for r in rows if tuple(r[k] for k in keys) == key]
        labels = [str(r.get("identity", r.get("image", i))) for i, r in enumerate(mine)]
        row = {**dict(zip(keys, key)), "images": len(mine), "identities": len(set(labels))}
        for measure in measures:
            mean, low, high = identity_bootstrap_ci([float(r[measure]) for r in mine], labels, resamples, confidence,
                                                    job_seed(seed, "agreement", *map(str, key), measure))
            row.update({measure: mean, f"{measure}_ci_low": low, f"{measure}_ci_high": high})
        out.append(row)
    return out
