"""One result type for every explainer, shaped like what the explain step stores for LIME."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class MapExplanation:
    """One image's explanation by one method.

    score_map: float32 HxW as stored (only positive evidence with keep='positive').
    signed_map: float32 HxW with both signs: > 0 where showing the pixels raises the
        similarity, < 0 where it lowers it (what the patch benchmark points with).
    segments: int32 HxW crop superpixels (the explained units for LIME; for the other
        methods only the units `coefficients` are averaged over).
    coefficients: float32 K, per superpixel: LIME's ridge weights, else the mean of
        signed_map over the superpixel (so every method can rank superpixels for the
        deletion and insertion curves).
    intercept, r2, local_prediction: LIME's surrogate; NaN for the other methods.
    regions: the regions explainer's RegionValues (names, labels, Shapley, Banzhaf,
        interactions); None for the other methods.
    scores: float32, the similarity of every forward pass of the explanation.
    """

    method: str
    score_map: np.ndarray
    signed_map: np.ndarray
    segments: np.ndarray
    coefficients: np.ndarray
    scores: np.ndarray
    intercept: float = float("nan")
    r2: float = float("nan")
    local_prediction: float = float("nan")
    info: dict = field(default_factory=dict)
    regions: object | None = None

    @property
    def forward_passes(self) -> int:
        return int(len(self.scores))


def map_explanation(method: str, saliency: np.ndarray, scores: np.ndarray, info: dict, segments: np.ndarray,
                    keep: str, regions=None) -> MapExplanation:
    """The result of a method that makes a pixel map (every method but LIME): the map stored under
    lime.keep, its superpixel means as coefficients, no surrogate."""
    return MapExplanation(
        method=method, score_map=kept(saliency, keep).astype(np.float32), signed_map=saliency.astype(np.float32),
        segments=segments, coefficients=superpixel_means(saliency, segments).astype(np.float32),
        scores=scores.astype(np.float32), info=info, regions=regions)


def superpixel_means(values: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """Mean of an HxW map over each superpixel 0..K-1 (float64 K)."""
    k = int(segments.max()) + 1
    sums = np.bincount(segments.ravel(), weights=np.asarray(values, np.float64).ravel(), minlength=k)
    return sums / np.maximum(np.bincount(segments.ravel(), minlength=k), 1)


def kept(signed_map: np.ndarray, keep: str) -> np.ndarray:
    """The stored map under lime.keep: positive evidence only (the study) or all of it."""
    if keep not in ("positive", "all"):
        raise ValueError(f"keep must be 'positive' or 'all', not {keep!r}")
    return np.maximum(signed_map, 0.0) if keep == "positive" else signed_map
