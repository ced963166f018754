"""Small statistics shared by the validity checks: identity-level bootstrap CIs, Spearman agreement, FDR."""

from __future__ import annotations

from itertools import combinations

import numpy as np


def identity_draws(identities: int, resamples: int, rng: np.random.Generator, chunk: int = 500):
    """Bootstrap resamples of `identities` clusters, `chunk` at a time, each as a count matrix
    (draws x identities): how often each identity was drawn (with replacement, `identities` draws).

    Every CI of the workflow resamples identities, never images: a person's images share the
    person's face, so they are not independent (docs/validity.md, Uncertainty).
    """
    for start in range(0, resamples, chunk):
        size = min(chunk, resamples - start)
        picks = rng.integers(0, identities, size=(size, identities))
        offsets = np.arange(size)[:, None] * identities
        yield np.bincount((picks + offsets).ravel(), minlength=size * identities).reshape(size, identities)


def identity_bootstrap_ci(values, identities, resamples: int = 2000, confidence: float = 0.95,
                          seed: int = 0) -> tuple[float, float, float]:
    """Mean of `values` and its percentile CI from a cluster bootstrap over `identities`.

    values: one number per image (NaN and infinite values are left out); identities: the
    identity label of each value. Each resample draws as many identities as there are,
    with replacement, and takes the mean over all their images, so the CI carries the
    correlation of one person's images. The estimate is the plain mean over images. NaN CI
    with fewer than 2 identities; a CI of zero width when every value is the same.
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    labels = np.asarray(identities).ravel()
    if len(labels) != len(values):
        raise ValueError(f"{len(values)} values but {len(labels)} identity labels")
    finite = np.isfinite(values)
    values, labels = values[finite], labels[finite]
    if len(values) == 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(values.mean())
    _, cluster = np.unique(labels, return_inverse=True)
    sums, counts = np.bincount(cluster, weights=values), np.bincount(cluster).astype(np.float64)
    if len(sums) < 2:
        return mean, float("nan"), float("nan")
    if np.all(values == values[0]):
        return mean, mean, mean
    rng = np.random.default_rng(seed)
    draws = np.concatenate([(w @ sums) / (w @ counts) for w in identity_draws(len(sums), resamples, rng)])
    tail = (1 - confidence) / 2
    low, high = np.quantile(draws, [tail, 1 - tail])
    return mean, float(low), float(high)


def bootstrap_mean_ci(values, resamples: int, confidence: float, seed: int) -> tuple[float, float, float]:
    """identity_bootstrap_ci with every value its own identity: only for values that are independent
    (one per identity); images nested in identities need identity_bootstrap_ci."""
    values = np.asarray(values, dtype=np.float64).ravel()
    return identity_bootstrap_ci(values, np.arange(len(values)), resamples, confidence, seed)


def mean_pairwise_spearman(vectors) -> tuple[float, float]:
    """Mean and minimum Spearman correlation over all pairs of score vectors (1.0 for identical ones)."""
    import scipy.stats  # imported where used: most jobs that import this module never rank (~0.4 s)

    values = []
    for a, b in combinations([np.asarray(v, np.float64) for v in vectors], 2):
        if np.array_equal(a, b):
            values.append(1.0)  # identical rankings, also when constant (spearmanr would give NaN)
            continue
        values.append(float(scipy.stats.spearmanr(a, b).statistic))
    return float(np.mean(values)), float(np.min(values))


def benjamini_hochberg(p_values) -> np.ndarray:
    """BH-adjusted p-values (scipy.stats.false_discovery_control); NaN stays NaN."""
    import scipy.stats

    p = np.asarray(p_values, dtype=np.float64)
    adjusted = np.full_like(p, np.nan)
    finite = np.isfinite(p)
    if finite.any():
        adjusted[finite] = scipy.stats.false_discovery_control(p[finite], method="bh")
    return adjusted
