"""The canonical face (docs/method.md, Normalisation onto a canonical face): 68 mean landmarks in a 224 x 275 canvas,
plus 17 points on the top edge and the 4 corners, one Delaunay triangulation,
and named regions for region shares.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.spatial import Delaunay
from skimage.transform import SimilarityTransform

from .storage import load_arrays

JAW = list(range(0, 17))
BROWS = list(range(17, 27))
NOSE = list(range(27, 36))
EYES = list(range(36, 48))
REGIONS = ("eyes", "eyebrows", "nose", "mouth", "forehead", "cheeks_jaw", "background")


def mean_shape(shapes: np.ndarray, iterations: int = 5) -> np.ndarray:
    """Generalised Procrustes mean of S x 68 x 2 landmark sets (similarity-aligned)."""
    shapes = np.asarray(shapes, dtype=np.float64)
    reference = shapes[0]
    for _ in range(iterations):
        aligned = [SimilarityTransform.from_estimate(s, reference)(s) for s in shapes]
        reference = np.mean(aligned, axis=0)
    return reference


def extended_points(landmarks: np.ndarray, width: float, height: float) -> np.ndarray:
    """68 landmarks + the 17 jaw points moved to the top edge + the 4 corners (89 x 2)."""
    top = np.column_stack([landmarks[JAW, 0], np.zeros(17)])
    corners = np.array([[0, 0], [width - 1, 0], [0, height - 1], [width - 1, height - 1]], dtype=np.float64)
    return np.vstack([landmarks, top, corners]).astype(np.float64)


@dataclass
class CanonicalFace:
    """Canonical points (89 x 2), triangles (T x 3) and canvas size (width, height)."""

    points: np.ndarray
    triangles: np.ndarray
    width: int = 224
    height: int = 275

    @property
    def landmarks(self) -> np.ndarray:
        return self.points[:68]

    def region_labels(self) -> np.ndarray:
        """int8 height x width map of REGIONS indices (priority: eyes, eyebrows, nose, mouth, ...)."""
        labels = np.full((self.height, self.width), REGIONS.index("background"), dtype=np.int8)
        lm = self.landmarks
        # everything inside the jaw line and the top edge is face: cheeks/jaw unless claimed below
        face_outline = np.vstack([lm[JAW], self.points[68:85][::-1]])
        _fill(labels, [face_outline], "cheeks_jaw")
        # forehead: between the top edge and the eyebrows, inside the jaw's x-range
        brow_line = lm[BROWS][np.argsort(lm[BROWS][:, 0])]
        forehead = np.vstack([[lm[0, 0], 0], [lm[16, 0], 0], [lm[16, 0], brow_line[-1, 1]],
                              brow_line[::-1], [lm[0, 0], brow_line[0, 1]]])
        _fill(labels, [forehead], "forehead")
        eye_height = np.ptp(lm[EYES][:, 1]) + 1
        _fill(labels, [_grow(lm[48:60], 4)], "mouth")
        _fill(labels, [_grow(lm[NOSE], 3)], "nose")
        _fill(labels, [_grow(lm[17:22], 0.6 * eye_height), _grow(lm[22:27], 0.6 * eye_height)], "eyebrows")
        _fill(labels, [_grow(lm[36:42], 5), _grow(lm[42:48], 5)], "eyes")
        return labels


def _grow(points: np.ndarray, margin: float) -> np.ndarray:
    """Convex hull of points, pushed out from its centre by `margin` pixels."""
    hull = cv2.convexHull(points.astype(np.float32)).reshape(-1, 2).astype(np.float64)
    centre = hull.mean(axis=0)
    direction = hull - centre
    norm = np.linalg.norm(direction, axis=1, keepdims=True)
    return hull + margin * direction / np.maximum(norm, 1e-9)


def _fill(labels: np.ndarray, polygons: list[np.ndarray], region: str) -> None:
    mask = np.zeros(labels.shape, np.uint8)
    cv2.fillPoly(mask, [np.round(p).astype(np.int32) for p in polygons], 1)
    labels[mask.astype(bool)] = REGIONS.index(region)


def canonical_face(shape68: np.ndarray, width: int = 224, height: int = 275, top_space: int = 25) -> CanonicalFace:
    """Place a mean 68-point shape in the canvas and triangulate.

    The shape is stretched so its landmarks span the full width and the height
    below a `top_space` band (the forehead), which the 17 top points then cover.
    """
    shape = np.asarray(shape68, dtype=np.float64)
    # upright: a Procrustes mean keeps its reference's tilt, so level the eye line first
    left_eye, right_eye = shape[36:42].mean(axis=0), shape[42:48].mean(axis=0)
    angle = np.arctan2(right_eye[1] - left_eye[1], right_eye[0] - left_eye[0])
    rotation = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    shape = (shape - shape.mean(axis=0)) @ rotation.T
    lo, hi = shape.min(axis=0), shape.max(axis=0)
    placed = np.empty_like(shape)
    placed[:, 0] = (shape[:, 0] - lo[0]) / (hi[0] - lo[0]) * (width - 1)
    placed[:, 1] = top_space + (shape[:, 1] - lo[1]) / (hi[1] - lo[1]) * (height - 1 - top_space)
    points = extended_points(placed, width, height)
    triangles = Delaunay(points).simplices.astype(np.int32)
    return CanonicalFace(points, triangles, width, height)


def packaged_face_shapes(size: int = 112) -> np.ndarray:
    """68-point shapes of the packaged demo faces and their mirror images (S x 68 x 2).

    The canonical shape comes from these, not from the dataset, so it never changes
    when a dataset image changes (no rerun of every alignment) and the mirrors make
    it left-right symmetric.
    """
    from .demo import detect_faces, loose_crop, packaged_photos
    from .images import load_rgb
    from .landmarks import LandmarkDetector
    from .preprocess import centre_crop

    detector = LandmarkDetector()
    shapes = []
    for _, path, _ in packaged_photos():
        image = load_rgb(path)
        for box in detect_faces(image):
            crop = centre_crop(loose_crop(image, box), size)
            for face in (crop, np.ascontiguousarray(crop[:, ::-1])):
                points, detected = detector(face)
                if detected:
                    shapes.append(points)
    return np.stack(shapes)


def load_canonical(path: str) -> CanonicalFace:
    """The canonical face stored by the canonical_face step."""
    data = load_arrays(path)
    return CanonicalFace(data["points"], data["triangles"], int(data["size"][0]), int(data["size"][1]))


def region_shares(mean: np.ndarray, regions: np.ndarray) -> dict[str, float]:
    """Share of a heatmap's mass in each canonical region (sums to 1 over REGIONS)."""
    mass = np.clip(np.asarray(mean, dtype=np.float64), 0, None)
    total = mass.sum()
    return {name: float(mass[regions == i].sum() / total) if total > 0 else 0.0 for i, name in enumerate(REGIONS)}
