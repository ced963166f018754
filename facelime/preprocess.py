"""The study's preprocessing: short side to 112 px, then a centre crop."""

from __future__ import annotations

import cv2
import numpy as np


def centre_crop(image: np.ndarray, size: int = 112, crop_fraction: float = 1.0) -> np.ndarray:
    """Resize the short side to `size` and cut the central size x size square.

    `crop_fraction` < 1 first keeps only the central fraction of the short side
    (useful for loose crops such as LFW's 250 px frames); 1.0 is the study's setting.
    Returns uint8 RGB, size x size x 3.
    """
    h, w = image.shape[:2]
    side = max(1, int(round(min(h, w) * crop_fraction)))
    top, left = (h - side) // 2, (w - side) // 2
    square = image[top : top + side, left : left + side]
    interpolation = cv2.INTER_AREA if side > size else cv2.INTER_LINEAR
    return cv2.resize(square, (size, size), interpolation=interpolation)
