"""The canonical face (docs/method.md, Normalisation onto a canonical face): 68 mean landmarks in a 224 x 275 canvas,
plus 17 points on the top edge and the 4 corners, one Delaunay triangulation,
and named regions for region shares.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .storage import load_arrays

JAW = list(range(0, 17))
BROWS = list(range(17, 27))
NOSE = list(range(27, 36))
EYES = list(range(36, 48))
REGIONS = ("eyes", "eyebrows", "nose", "mouth", "forehead", "cheeks_jaw", "background")
# explain.regions.split_sides: eyes, eyebrows and cheeks/jaw split at the face's midline
# ("left" is the image's left: the subject's right side)
SPLIT_REGIONS = ("eyes_left", "eyes_right", "eyebrows_left", "eyebrows_right", "nose", "mouth", "forehead",
                 "cheeks_jaw_left", "cheeks_jaw_right", "background")
# The canonical face's landmarks span x = 0..223 (the default 224 px canvas); region margins
# are set in those pixels and scale with a face's own width, so that a 112 px crop gets the
# same regions, relative to its landmarks, as the canonical face.
CANONICAL_SPAN = 223.0


def region_names(split_sides: bool = False) -> tuple[str, ...]:
    return SPLIT_REGIONS if split_sides else REGIONS


def face_region_labels(landmarks: np.ndarray, width: int, height: int, split_sides: bool = False) -> np.ndarray:
    """int8 height x width map of region indices drawn from a face's 68 landmarks.

    The one definition of the face's regions: the canonical face's (CanonicalFace.region_labels,
    region shares) and each face crop's (the regions explainer). Everything inside the jaw
    line and the image's top edge above it is face: cheeks/jaw unless claimed, in rising
    priority, by forehead (top edge to eyebrows), mouth, nose, eyebrows, eyes. Index order:
    region_names(split_sides).
    """
    names = region_names(split_sides)
    lm = np.asarray(landmarks, np.float64)[:68]
    unit = np.ptp(lm[:, 0]) / CANONICAL_SPAN  # canonical pixels -> this face's pixels
    labels = np.full((height, width), names.index("background"), dtype=np.int8)
    top = extended_points(lm, width, height)[68:85]
    _fill(labels, [np.vstack([lm[JAW], top[::-1]])], names.index("cheeks_jaw_left" if split_sides else "cheeks_jaw"))
    if split_sides:
        # the right half of the face: pixels right of the line through the nose bridge (27) and chin (8)
        ys, xs = np.mgrid[0:height, 0:width]
        (x0, y0), (x1, y1) = lm[27], lm[8]
        midline = x0 + (ys - y0) * (x1 - x0) / (y1 - y0 if abs(y1 - y0) > 1e-9 else 1e-9)
        labels[(labels == names.index("cheeks_jaw_left")) & (xs >= midline)] = names.index("cheeks_jaw_right")
    brow_line = lm[BROWS][np.argsort(lm[BROWS][:, 0])]
    forehead = np.vstack([[lm[0, 0], 0], [lm[16, 0], 0], [lm[16, 0], brow_line[-1, 1]],
                          brow_line[::-1], [lm[0, 0], brow_line[0, 1]]])
    _fill(labels, [forehead], names.index("forehead"))
    eye_height = np.ptp(lm[EYES][:, 1]) + 1
    _fill(labels, [_grow(lm[48:60], 4 * unit)], names.index("mouth"))
    _fill(labels, [_grow(lm[NOSE], 3 * unit)], names.index("nose"))
    brows = [_grow(lm[17:22], 0.6 * eye_height), _grow(lm[22:27], 0.6 * eye_height)]
    eyes = [_grow(lm[36:42], 5 * unit), _grow(lm[42:48], 5 * unit)]
    for polygons, region in ((brows, "eyebrows"), (eyes, "eyes")):
        if split_sides:
            _fill(labels, polygons[:1], names.index(f"{region}_left"))
            _fill(labels, polygons[1:], names.index(f"{region}_right"))
        else:
            _fill(labels, polygons, names.index(region))
    return labels


def mean_shape(shapes: np.ndarray, iterations: int = 5) -> np.ndarray:
    """Generalised Procrustes mean of S x 68 x 2 landmark sets (similarity-aligned)."""
    from skimage.transform import SimilarityTransform  # imports scipy.spatial: only the canonical-face job needs it

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

    def region_labels(self, split_sides: bool = False) -> np.ndarray:
        """int8 height x width map of region indices (REGIONS, or SPLIT_REGIONS with split_sides)."""
        return face_region_labels(self.landmarks, self.width, self.height, split_sides)


def _grow(points: np.ndarray, margin: float) -> np.ndarray:
    """Convex hull of points, pushed out from its centre by `margin` pixels."""
    hull = cv2.convexHull(points.astype(np.float32)).reshape(-1, 2).astype(np.float64)
    centre = hull.mean(axis=0)
    direction = hull - centre
    norm = np.linalg.norm(direction, axis=1, keepdims=True)
    return hull + margin * direction / np.maximum(norm, 1e-9)


def _fill(labels: np.ndarray, polygons: list[np.ndarray], index: int) -> None:
    mask = np.zeros(labels.shape, np.uint8)
    cv2.fillPoly(mask, [np.round(p).astype(np.int32) for p in polygons], 1)
    labels[mask.astype(bool)] = index


def canonical_face(shape68: np.ndarray, width: int = 224, height: int = 275, top_space: int = 25) -> CanonicalFace:
    """Place a mean 68-point shape in the canvas and triangulate.

    The shape is stretched so its landmarks span the full width and the height
    below a `top_space` band (the forehead), which the 17 top points then cover.
    """
    from scipy.spatial import Delaunay  # here: the jobs that only read region names never triangulate

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
