"""Green/red overlays: superpixels that support a class in green, those against it in red, the rest greyed out."""

from __future__ import annotations

import numpy as np
from skimage.segmentation import mark_boundaries

GREEN, RED = np.array([0, 200, 0], np.float64), np.array([220, 0, 0], np.float64)


def chosen_superpixels(coefficients: np.ndarray, top_k: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the top_k most positive (coef > 0) and top_k most negative (coef < 0) superpixels."""
    order = np.argsort(-coefficients, kind="stable")
    positive = [i for i in order[:top_k] if coefficients[i] > 0]
    negative = [i for i in order[::-1][:top_k] if coefficients[i] < 0]
    return np.array(positive, int), np.array(negative, int)


def signed_overlay(image: np.ndarray, segments: np.ndarray, coefficients: np.ndarray, top_k: int = 5,
                   alpha: float = 0.45) -> np.ndarray:
    """uint8 RGB: chosen superpixels tinted green (support) or red (against), others grey and dimmed."""
    positive, negative = chosen_superpixels(np.asarray(coefficients, np.float64), top_k)
    rgb = image.astype(np.float64)
    grey = rgb.mean(axis=2, keepdims=True).repeat(3, axis=2)
    out = 0.5 * grey + 0.25 * 255 * 0.5  # the rest: desaturated and flattened towards mid-grey
    for chosen, colour in ((positive, GREEN), (negative, RED)):
        mask = np.isin(segments, chosen)
        out[mask] = (1 - alpha) * rgb[mask] + alpha * colour
    chosen_mask = np.isin(segments, np.concatenate([positive, negative])).astype(np.int32)
    framed = mark_boundaries(np.clip(out, 0, 255).astype(np.uint8), chosen_mask * (segments + 1), color=(1, 1, 0))
    return np.clip(np.round(framed * 255), 0, 255).astype(np.uint8)
