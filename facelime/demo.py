"""The embedded demo dataset, built from face photos that ship inside installed packages.

It is a demo of the workflow, not a study: 9 people, one photo each, and a mirrored
copy of each crop as the second image. Faces are found with dlib's HOG detector
and cut as loose square crops (VGGFace2-style), so the study's centre crop applies.
The demo_dataset step (facelime.steps.demo) writes the images and the metadata.
"""

from __future__ import annotations

from importlib import resources

import dlib
import numpy as np

from . import faces

LOOSE_CROP_SCALE = 1.6  # crop side / HOG box side: loose crops like VGGFace2's


def packaged_photos() -> list[tuple[str, str, str]]:
    """(prefix, path, group) of face photos shipped by insightface, matplotlib and scikit-image."""
    insightface_images = resources.files("insightface") / "data" / "images"
    return [
        ("t1_face", str(insightface_images / "t1.jpg"), "group_photo"),
        ("tom_hanks", str(insightface_images / "Tom_Hanks_54745.png"), "portrait"),
        ("grace_hopper", str(resources.files("matplotlib") / "mpl-data" / "sample_data" / "grace_hopper.jpg"), "portrait"),
        ("astronaut", str(resources.files("skimage") / "data" / "astronaut.png"), "portrait"),
    ]


def loose_crop(image: np.ndarray, box: tuple[int, int, int, int], scale: float = LOOSE_CROP_SCALE) -> np.ndarray:
    """The demo's loose square crop around a HOG box (facelime.faces.loose_crop)."""
    return faces.loose_crop(image, box, scale)


def detect_faces(image: np.ndarray) -> list[tuple[int, int, int, int]]:
    """HOG face boxes (left, top, right, bottom), left to right; no upsampling (it adds false hits)."""
    boxes = [(r.left(), r.top(), r.right(), r.bottom()) for r in dlib.get_frontal_face_detector()(image, 0)]
    return sorted(boxes)
