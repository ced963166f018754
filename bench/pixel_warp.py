"""The study's warp, as a reference: a Python loop over canvas pixels with a
point-in-triangle test per triangle, then that triangle's affine map.

Slow by design; it exists to check that CanonicalWarp gives the same image and to
measure how much faster the vectorised warp is.
"""

from __future__ import annotations

import numpy as np

from facelime.canonical import CanonicalFace, extended_points


def _affine(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """2x3 matrix mapping the 3 dst points onto the 3 src points."""
    a = np.column_stack([dst, np.ones(3)])
    return np.linalg.solve(a, src).T


def _bilinear(image: np.ndarray, x: float, y: float) -> float:
    h, w = image.shape[:2]
    x0, y0 = int(np.floor(x)), int(np.floor(y))
    fx, fy = x - x0, y - y0
    value = 0.0
    for dy, wy in ((0, 1 - fy), (1, fy)):
        for dx, wx in ((0, 1 - fx), (1, fx)):
            yy, xx = y0 + dy, x0 + dx
            if 0 <= yy < h and 0 <= xx < w:
                value += wy * wx * float(image[yy, xx])
    return value


def pixel_loop_warp(score_map: np.ndarray, landmarks: np.ndarray, canonical: CanonicalFace,
                    rows: range | None = None) -> np.ndarray:
    """Warp a 2-D map onto the canvas pixel by pixel (only `rows` when given)."""
    h, w = canonical.height, canonical.width
    src_points = extended_points(landmarks, score_map.shape[1], score_map.shape[0])
    triangles = [(canonical.points[t], _affine(src_points[t], canonical.points[t])) for t in canonical.triangles]
    out = np.zeros((h, w), dtype=np.float32)
    for y in rows if rows is not None else range(h):
        for x in range(w):
            for (a, b, c), matrix in triangles:
                # barycentric point-in-triangle test, as a per-pixel loop does it
                d = (b[1] - c[1]) * (a[0] - c[0]) + (c[0] - b[0]) * (a[1] - c[1])
                l1 = ((b[1] - c[1]) * (x - c[0]) + (c[0] - b[0]) * (y - c[1])) / d
                l2 = ((c[1] - a[1]) * (x - c[0]) + (a[0] - c[0]) * (y - c[1])) / d
                if l1 >= -1e-9 and l2 >= -1e-9 and l1 + l2 <= 1 + 1e-9:
                    sx = matrix[0, 0] * x + matrix[0, 1] * y + matrix[0, 2]
                    sy = matrix[1, 0] * x + matrix[1, 1] * y + matrix[1, 2]
                    out[y, x] = _bilinear(score_map, sx, sy)
                    break
    return out
