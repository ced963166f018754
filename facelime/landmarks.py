"""dlib's 68 facial landmarks on each face crop, once per identity (docs/method.md, Normalisation onto a canonical face).

The face box comes from dlib's HOG detector (default) or OpenCV's frontal Haar cascade
(landmarks.face_box: haar, the study's face finder). When no face is found, the whole
crop is taken as the face box (the study's fallback), and that is recorded per image.
"""

from __future__ import annotations

import dlib
import numpy as np

from .dlib_files import packaged_model_paths
from .faces import HOG_UPSAMPLE, haar_cascade, largest_haar_face, largest_hog_face

FACE_BOXES = ("hog", "haar")


class LandmarkDetector:
    def __init__(self, predictor_path: str | None = None, upsample: int = HOG_UPSAMPLE, face_box: str = "hog"):
        if face_box not in FACE_BOXES:
            raise ValueError(f"landmarks.face_box must be one of {', '.join(FACE_BOXES)}, not {face_box!r}")
        self.face_box = face_box
        if face_box == "hog":
            hog = dlib.get_frontal_face_detector()
            self._find = lambda face: largest_hog_face(hog, face, upsample)
        else:
            cascade = haar_cascade()
            self._find = lambda face: largest_haar_face(cascade, face)
        self._predictor = dlib.shape_predictor(predictor_path or packaged_model_paths()["landmarks68"])
        self.upsample = upsample

    def __call__(self, face: np.ndarray) -> tuple[np.ndarray, bool]:
        """(68 x 2 float32 (x, y) points, whether a face was detected) for a uint8 RGB crop."""
        face = np.ascontiguousarray(face, dtype=np.uint8)
        box = self._find(face)
        detected = box is not None
        if not detected:
            h, w = face.shape[:2]
            box = dlib.rectangle(0, 0, w - 1, h - 1)
        shape = self._predictor(face, box)
        points = np.array([[shape.part(i).x, shape.part(i).y] for i in range(68)], dtype=np.float32)
        return points, detected
