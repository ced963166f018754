"""Region values of the regions explainer with uncertainty (docs/method.md, Regions explainer).

Each (model, identity) gives one row per region: the mean over the identity's explained
images of the Shapley value phi and of |phi|. A scope (one model, or every model of one
attribute value, each identity averaged over those models) then has
- a mean value per region: the mean over identities of phi,
- a share per region: sum_i |phi|_ir / sum_i sum_r |phi|_ir (each identity's |phi| mean),
with percentile CIs from resampling identities (a cluster bootstrap: an identity's images
move together). Tests are identity-level permutations: between scopes the same identities
are explained twice (paired: the sign of each identity's difference is flipped), between
metadata groups the identities differ (group labels are permuted); BH across the regions
of each comparison.
"""

from __future__ import annotations

import numpy as np

from .region_stats import bootstrap_shares, shares
from .stats import benjamini_hochberg


def identity_values(shapley: np.ndarray, skipped: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(mean phi, mean |phi|) over an identity's explained images (K each); NaN when none was explained."""
    used = np.asarray(shapley, np.float64)[~np.asarray(skipped, bool)]
    if not len(used):
        k = np.asarray(shapley).shape[-1]
        return np.full(k, np.nan), np.full(k, np.nan)
    return used.mean(axis=0), np.abs(used).mean(axis=0)


def bootstrap_means(values: np.ndarray, resamples: int, rng: np.random.Generator, chunk: int = 500) -> np.ndarray:
    """Means over identities (rows) of `resamples` bootstrap draws of the identities (draws x K)."""
    n = len(values)
    out = []
    for start in range(0, resamples, chunk):
        picks = rng.integers(0, n, size=(min(chunk, resamples - start), n))
        out.append(values[picks].mean(axis=1))
    return np.concatenate(out)


def scope_summary(phi: np.ndarray, magnitude: np.ndarray, resamples: int, confidence: float,
                  rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Mean phi and share of sum |phi| per region, with bootstrap CIs over identities (rows; no NaN rows)."""
    tail = (1 - confidence) / 2
    means = bootstrap_means(phi, resamples, rng)
    share_draws = bootstrap_shares(magnitude, resamples, rng)
    (mean_low, mean_high), (share_low, share_high) = (np.quantile(d, [tail, 1 - tail], axis=0)
                                                      for d in (means, share_draws))
    return dict(mean=phi.mean(axis=0), mean_ci_low=mean_low, mean_ci_high=mean_high, share=shares(magnitude),
                share_ci_low=share_low, share_ci_high=share_high)


def paired_permutation(a: np.ndarray, b: np.ndarray, permutations: int,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Mean difference a - b per region over paired identities (rows) and its two-sided sign-flip p-value.

    p = (1 + #{|permuted mean| >= |observed mean|}) / (1 + permutations).
    """
    diff = np.asarray(a, np.float64) - np.asarray(b, np.float64)
    observed = diff.mean(axis=0)
    signs = rng.choice([-1.0, 1.0], size=(permutations, len(diff)))
    permuted = signs @ diff / len(diff)
    exceed = (np.abs(permuted) >= np.abs(observed) - 1e-15).sum(axis=0)
    return observed, (1.0 + exceed) / (1.0 + permutations)


def label_permutation(a: np.ndarray, b: np.ndarray, permutations: int,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Difference of group means a - b per region (different identities) and its two-sided permutation p-value."""
    pooled = np.concatenate([a, b]).astype(np.float64)
    observed = a.mean(axis=0) - b.mean(axis=0)
    exceed = np.zeros(pooled.shape[1])
    for _ in range(permutations):
        order = rng.permutation(len(pooled))
        diff = pooled[order[: len(a)]].mean(axis=0) - pooled[order[len(a):]].mean(axis=0)
        exceed += np.abs(diff) >= np.abs(observed) - 1e-15
    return observed, (1.0 + exceed) / (1.0 + permutations)


def with_bh(rows: list[dict]) -> list[dict]:
    """BH-adjusted p-values across the rows of one comparison (its regions)."""
    for row, q in zip(rows, benjamini_hochberg([r["p_value"] for r in rows])):
        row["p_adjusted"] = float(q)
    return rows
