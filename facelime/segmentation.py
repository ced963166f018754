"""Superpixels for LIME, numbered 0..K-1 without gaps."""

from __future__ import annotations

import numpy as np
from skimage.segmentation import quickshift, slic


def superpixels(
    face: np.ndarray,
    method: str = "slic",
    n_segments: int = 30,
    compactness: float = 20.0,
    quickshift_kernel_size: float = 4,
    quickshift_max_dist: float = 200,
    quickshift_ratio: float = 0.2,
    seed: int = 0,
) -> np.ndarray:
    """Label image (int32, HxW) of superpixels numbered 0..K-1.

    scikit-image's slic numbers from 1 by default; lime assumes labels 0..K-1, so a
    1-based map would leave the last superpixel never hidden. We pass start_label=0
    and also renumber, because SLIC can return fewer segments than asked, with gaps.
    """
    if method == "slic":
        labels = slic(face, n_segments=n_segments, compactness=compactness, start_label=0)
    elif method == "quickshift":
        labels = quickshift(
            face,
            kernel_size=quickshift_kernel_size,
            max_dist=quickshift_max_dist,
            ratio=quickshift_ratio,
            rng=seed,
        )
    else:
        raise ValueError(f"unknown superpixel method {method!r} (slic or quickshift)")
    _, dense = np.unique(labels, return_inverse=True)
    return dense.reshape(labels.shape).astype(np.int32)
