"""Rule landmarks (docs/method.md, Normalisation onto a canonical face): dlib's 68 landmarks, per identity."""

from __future__ import annotations

import numpy as np

from ..landmarks import LandmarkDetector
from ..storage import load_arrays, save_arrays


def landmarks(*, faces: str, landmarks: str, face_box: str = "hog") -> None:
    """68 landmarks of every face crop, and whether a face was found (else the whole-crop fallback).

    face_box: landmarks.face_box, the face finder (hog: dlib's HOG detector; haar: OpenCV's Haar cascade).
    """
    crops = load_arrays(faces)
    detector = LandmarkDetector(face_box=face_box)
    found = [detector(face) for face in crops["faces"]]
    save_arrays(landmarks, landmarks=np.array([p for p, _ in found], dtype=np.float32).reshape(-1, 68, 2),
                face_detected=np.array([d for _, d in found], dtype=bool), images=crops["images"],
                face_box=np.array(face_box))
