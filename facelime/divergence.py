"""Symmetric KL divergence between heatmaps (docs/method.md, Comparing heatmaps) and its clustering."""

from __future__ import annotations

import numpy as np
from scipy.special import kl_div

from .heatmaps import stretch


def symmetric_kl(p: np.ndarray, q: np.ndarray) -> float:
    """d(P, Q) = mean(kl_div(P, R)) + mean(kl_div(Q, R)), R = (P + Q) / 2, on min-max-normalised maps.

    kl_div(x, y) = x log(x / y) - x + y elementwise; 0 for identical maps, symmetric, >= 0.
    """
    p = stretch(p).astype(np.float64).ravel()
    q = stretch(q).astype(np.float64).ravel()
    r = (p + q) / 2.0
    return float(np.mean(kl_div(p, r)) + np.mean(kl_div(q, r)))


def kl_matrix(heatmaps: list[np.ndarray]) -> np.ndarray:
    """Pairwise symmetric KL matrix (n x n, zero diagonal)."""
    n = len(heatmaps)
    matrix = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1, n):
            matrix[i, j] = matrix[j, i] = symmetric_kl(heatmaps[i], heatmaps[j])
    return matrix


def cluster(matrix: np.ndarray, method: str = "ward") -> np.ndarray:
    """scipy linkage of the condensed distance matrix ('ward' as the study; 'average' etc.)."""
    from scipy.cluster.hierarchy import linkage  # only the KL-matrix jobs cluster
    from scipy.spatial.distance import squareform

    return linkage(squareform(matrix, checks=False), method=method)
