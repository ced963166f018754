"""Vectorised piecewise-affine warp of crops and score maps onto the canonical face.

The canvas's triangle index and barycentric coordinates are computed once per
canonical face; a face's warp is then the barycentric blend of its own triangle
vertices (one small array expression) followed by one cv2.remap. The study's
per-pixel point-in-triangle loop gives the same maps.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.spatial import Delaunay

from .canonical import CanonicalFace, extended_points


class CanonicalWarp:
    def __init__(self, canonical: CanonicalFace):
        self.canonical = canonical
        h, w = canonical.height, canonical.width
        ys, xs = np.mgrid[0:h, 0:w]
        pixels = np.column_stack([xs.ravel(), ys.ravel()]).astype(np.float64)
        # scipy's Delaunay over the same triangles, for its point location and barycentric transform
        tri = Delaunay(canonical.points)
        tri.simplices[:] = canonical.triangles
        simplex = tri.find_simplex(pixels)
        inside = simplex >= 0
        simplex = np.where(inside, simplex, 0)
        transform = tri.transform[simplex]
        partial = np.einsum("nij,nj->ni", transform[:, :2], pixels - transform[:, 2])
        self.bary = np.column_stack([partial, 1 - partial.sum(axis=1)]).astype(np.float32)
        self.vertex_ids = canonical.triangles[simplex]  # (H*W, 3)
        self.inside = inside.reshape(h, w)

    def source_maps(self, landmarks: np.ndarray, source_size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """(map_x, map_y) float32 canvas-sized: where each canvas pixel comes from in the source."""
        src_h, src_w = source_size
        points = extended_points(landmarks, src_w, src_h).astype(np.float32)
        src = np.einsum("nk,nkd->nd", self.bary, points[self.vertex_ids])
        h, w = self.canonical.height, self.canonical.width
        map_x = np.where(self.inside.ravel(), src[:, 0], -1).reshape(h, w).astype(np.float32)
        map_y = np.where(self.inside.ravel(), src[:, 1], -1).reshape(h, w).astype(np.float32)
        return map_x, map_y

    def warp(self, image: np.ndarray, landmarks: np.ndarray, maps=None) -> np.ndarray:
        """Warp an image or score map (HxW or HxWxC) with its 68 landmarks onto the canvas."""
        map_x, map_y = maps if maps is not None else self.source_maps(landmarks, image.shape[:2])
        return cv2.remap(image, map_x, map_y, interpolation=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=0)
