"""Small statistics shared by the validity checks: bootstrap CIs, Spearman agreement, FDR."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import scipy.stats


def bootstrap_mean_ci(values, resamples: int, confidence: float, seed: int) -> tuple[float, float, float]:
    """Mean and percentile bootstrap CI of the mean (scipy.stats.bootstrap); NaN CI below 2 values."""
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(values.mean())
    if len(values) < 2:
        return mean, float("nan"), float("nan")
    if np.all(values == values[0]):
        return mean, mean, mean  # no spread; scipy's bootstrap would warn and return NaN
    result = scipy.stats.bootstrap((values,), np.mean, n_resamples=resamples, confidence_level=confidence,
                                   method="percentile", random_state=np.random.default_rng(seed))
    return mean, float(result.confidence_interval.low), float(result.confidence_interval.high)


def mean_pairwise_spearman(vectors) -> tuple[float, float]:
    """Mean and minimum Spearman correlation over all pairs of score vectors (1.0 for identical ones)."""
    values = []
    for a, b in combinations([np.asarray(v, np.float64) for v in vectors], 2):
        if np.array_equal(a, b):
            values.append(1.0)  # identical rankings, also when constant (spearmanr would give NaN)
            continue
        values.append(float(scipy.stats.spearmanr(a, b).statistic))
    return float(np.mean(values)), float(np.min(values))


def benjamini_hochberg(p_values) -> np.ndarray:
    """BH-adjusted p-values (scipy.stats.false_discovery_control); NaN stays NaN."""
    p = np.asarray(p_values, dtype=np.float64)
    adjusted = np.full_like(p, np.nan)
    finite = np.isfinite(p)
    if finite.any():
        adjusted[finite] = scipy.stats.false_discovery_control(p[finite], method="bh")
    return adjusted


def identity_bootstrap_ci(values, identities, resamples: int = 2000, confidence: float = 0.95,
                          seed: int = 0) -> tuple[float, float, float]:
    """Mean over images and a percentile CI from a cluster bootstrap over identities.

    Images of one identity are not independent: resampling images makes intervals too
    narrow. Each resample draws identities with replacement and takes the mean over all
    their images. NaN CI below 2 identities; non-finite values are left out.
    """
    values = np.asarray(values, dtype=np.float64)
    identities = np.asarray(identities)
    if len(values) != len(identities):
        raise ValueError(f"identity_bootstrap_ci: {len(values)} values but {len(identities)} identities")
    finite = np.isfinite(values)
    values, identities = values[finite], identities[finite]
    if len(values) == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(values.mean())
    groups, index = np.unique(identities, return_inverse=True)
    if len(groups) < 2:
        return mean, float("nan"), float("nan")
    sums = np.bincount(index, weights=values, minlength=len(groups))
    counts = np.bincount(index, minlength=len(groups)).astype(np.float64)
    draws = np.random.default_rng(seed).integers(0, len(groups), size=(resamples, len(groups)))
    means = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return mean, float(low), float(high)
