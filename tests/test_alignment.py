"""Known answers for the canonical face, the warp and region shares."""

from __future__ import annotations

import numpy as np
import pytest

from facelime.canonical import (NOSE, REGIONS, canonical_face, extended_points, mean_shape, packaged_face_shapes,
                                region_shares)
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
    """Same values as the study's scheme (the benchmark's baseline): per pixel, find the
    triangle by a point-in-triangle test, apply its affine, interpolate bilinearly."""
    from bench.pixel_warp import pixel_loop_warp

    landmarks, _ = LandmarkDetector()(face_crop)
    score_map = np.random.default_rng(1).random((112, 112)).astype(np.float32)
    rows = range(0, canonical.height, 25)
    reference = pixel_loop_warp(score_map, landmarks, canonical, rows=rows)
    warped = CanonicalWarp(canonical).warp(score_map, landmarks)
    # OpenCV 4's remap (the pin stays below 5 for the Haar cascade) interpolates with weights in
    # 1/32 steps: on this noise map in [0, 1] a pixel may differ by up to 1/32 from exact bilinear
    np.testing.assert_allclose(warped[list(rows)], reference[list(rows)], atol=1 / 32)
    assert np.abs(warped[list(rows)] - reference[list(rows)]).mean() < 5e-3
    assert reference[list(rows)].std() > 0.1  # the rows hold real values, not zeros


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


def test_two_faces_take_the_largest(face_crop):
    """A photo with two faces: landmarks (and dlib's chip) follow the largest HOG detection."""
    import cv2

    small = cv2.resize(face_crop, (70, 70))
    photo = np.full((140, 260, 3), 90, np.uint8)
    photo[10:122, 140:252] = face_crop  # the larger face on the right
    photo[30:100, 20:90] = small
    points, detected = LandmarkDetector()(photo)
    assert detected
    assert points[:, 0].min() > 130 and points[:, 0].max() < 260


def test_haar_face_box_finds_the_face_and_agrees_with_hog(face_crop):
    """landmarks.face_box: haar (the study's finder) finds the real face and puts its 68 points within a few
    pixels of HOG's; on a grey crop it falls back to the whole crop, as HOG does."""
    from facelime.faces import haar_cascade, largest_haar_face

    box = largest_haar_face(haar_cascade(), face_crop)
    assert box is not None and 40 <= box.width() <= 112
    haar_points, haar_found = LandmarkDetector(face_box="haar")(face_crop)
    hog_points, _ = LandmarkDetector(face_box="hog")(face_crop)
    assert haar_found
    assert np.linalg.norm(haar_points - hog_points, axis=1).mean() < 5.0
    points, detected = LandmarkDetector(face_box="haar")(np.full((112, 112, 3), 128, np.uint8))
    assert not detected and points.shape == (68, 2)
    with pytest.raises(ValueError, match="landmarks.face_box"):
        LandmarkDetector(face_box="mmod")
