"""dlib's 68 facial landmarks on each face crop, once per identity (docs/method.md, Normalisation onto a canonical face).

When no face is detected, the whole crop is taken as the face box (the study's
fallback), and that is recorded per image.
"""

from __future__ import annotations

import dlib
import numpy as np

from .faces import HOG_UPSAMPLE, largest_hog_face
from .models.dlib_model import packaged_model_paths


class LandmarkDetector:
    def __init__(self, predictor_path: str | None = None, upsample: int = HOG_UPSAMPLE):
        self._detector = dlib.get_frontal_face_detector()
        self._predictor = dlib.shape_predictor(predictor_path or packaged_model_paths()["landmarks68"])
        self.upsample = upsample

    def __call__(self, face: np.ndarray) -> tuple[np.ndarray, bool]:
        """(68 x 2 float32 (x, y) points, whether a face was detected) for a uint8 RGB crop."""
        face = np.ascontiguousarray(face, dtype=np.uint8)
        box = largest_hog_face(self._detector, face, self.upsample)
        detected = box is not None
        if not detected:
            h, w = face.shape[:2]
            box, detected = dlib.rectangle(0, 0, w - 1, h - 1), False
        shape = self._predictor(face, box)
        points = np.array([[shape.part(i).x, shape.part(i).y] for i in range(68)], dtype=np.float32)
        return points, detected
