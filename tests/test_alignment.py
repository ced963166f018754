"""Known answers for the canonical face, the warp and region shares."""

from __future__ import annotations

import numpy as np
import pytest

from facelime.analysis import packaged_face_shapes, region_shares
from facelime.canonical import NOSE, REGIONS, canonical_face, extended_points, mean_shape
from facelime.landmarks import LandmarkDetector
from facelime.warp import CanonicalWarp


@pytest.fixture(scope="module")
def canonical():
    return canonical_face(mean_shape(packaged_face_shapes()))


def test_canonical_layout(canonical):
    assert canonical.points.shape == (68 + 17 + 4, 2)
    lm = canonical.landmarks
    assert lm[:, 0].min() == pytest.approx(0) and lm[:, 0].max() == pytest.approx(223)
    assert lm[:, 1].min() == pytest.approx(25) and lm[:, 1].max() == pytest.approx(274)
    np.testing.assert_array_equal(canonical.points[68:85, 1], 0)  # 17 top points on the top edge
    # mirrored faces in the mean make it left-right symmetric: nose bridge near the middle
    assert abs(lm[27:31, 0].mean() - 111.5) < 4
    # upright: the eye centres are level
    assert abs(lm[36:42, 1].mean() - lm[42:48, 1].mean()) < 0.5
    # the triangles tile the canvas
    assert CanonicalWarp(canonical).inside.all()


def test_warp_with_canonical_landmarks_is_identity(canonical):
    rng = np.random.default_rng(0)
    image = rng.random((canonical.height, canonical.width)).astype(np.float32)
    warped = CanonicalWarp(canonical).warp(image, canonical.landmarks)
    np.testing.assert_allclose(warped, image, atol=1e-4)


def test_warp_matches_per_pixel_reference(canonical, face_crop):
    """Same maps as the study's scheme: per pixel, find the triangle, apply its affine."""
    from skimage.transform import AffineTransform

    landmarks, _ = LandmarkDetector()(face_crop)
    warp = CanonicalWarp(canonical)
    map_x, map_y = warp.source_maps(landmarks, face_crop.shape[:2])
    source = extended_points(landmarks, 112, 112)
    rng = np.random.default_rng(1)
    for x, y in rng.integers([0, 0], [canonical.width, canonical.height], size=(200, 2)):
        t = None
        for triangle in canonical.triangles:  # point-in-triangle test over every triangle, as the study did
            a, b, c = canonical.points[triangle]
            d = (b[1] - c[1]) * (a[0] - c[0]) + (c[0] - b[0]) * (a[1] - c[1])
            l1 = ((b[1] - c[1]) * (x - c[0]) + (c[0] - b[0]) * (y - c[1])) / d
            l2 = ((c[1] - a[1]) * (x - c[0]) + (a[0] - c[0]) * (y - c[1])) / d
            if min(l1, l2, 1 - l1 - l2) >= -1e-9:
                t = triangle
                break
        affine = AffineTransform.from_estimate(canonical.points[t], source[t])
        expected = affine(np.array([[x, y]], float))[0]
        assert map_x[y, x] == pytest.approx(expected[0], abs=1e-3)
        assert map_y[y, x] == pytest.approx(expected[1], abs=1e-3)


def test_nose_mask_lands_in_canonical_nose(canonical, face_crop):
    import cv2

    landmarks, detected = LandmarkDetector()(face_crop)
    assert detected
    source = extended_points(landmarks, 112, 112)
    nose_triangles = [t for t in canonical.triangles if all(v in NOSE for v in t)]
    assert len(nose_triangles) >= 4
    mask = np.zeros((112, 112), np.uint8)
    cv2.fillPoly(mask, [np.round(source[t]).astype(np.int32) for t in nose_triangles], 1)
    warped = CanonicalWarp(canonical).warp(mask.astype(np.float32), landmarks)
    regions = canonical.region_labels()
    shares = region_shares(warped, regions)
    assert shares["nose"] > 0.9
    assert max(v for k, v in shares.items() if k != "nose") < 0.06


def test_region_labels_cover_canvas_once(canonical):
    labels = canonical.region_labels()
    assert set(np.unique(labels)) == set(range(len(REGIONS)))
    shares = region_shares(np.ones(labels.shape), labels)
    assert sum(shares.values()) == pytest.approx(1.0)
    lm = canonical.landmarks
    assert REGIONS[labels[int(lm[30, 1]), int(lm[30, 0])]] == "nose"  # nose tip
    assert REGIONS[labels[int(lm[62, 1]), int(lm[62, 0])]] == "mouth"
    assert REGIONS[labels[1, 112]] == "forehead"


def test_landmark_fallback_is_recorded():
    grey = np.full((112, 112, 3), 128, np.uint8)
    points, detected = LandmarkDetector()(grey)
    assert not detected and points.shape == (68, 2)
