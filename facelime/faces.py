"""Finding faces: one HOG detector setting for every stage, and the crop of a detected face.

The landmark stage and the dlib embedder look for the face on the same 112 px crop
with the same detector and upsampling, so they agree on which crops hold a face
(docs/method.md, normalisation). `preprocess.detect` uses the same detector, or
OpenCV's YuNet, on whole photos, before the crop.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import cv2
import dlib
import numpy as np

from .dlib_files import packaged_model_paths

# One upsampling for every stage that looks for a face on a crop: with 0, dlib misses
# most faces on 112 px loose crops (they are below its 80 px minimum).
HOG_UPSAMPLE = 1
# Photos are searched at most this large (long side): HOG time grows with the area.
DETECT_MAX_SIDE = 1024


@dataclass
class Face:
    box: tuple[float, float, float, float]  # left, top, right, bottom in image pixels
    points5: np.ndarray | None = None  # 5 x 2 (x, y): eyes, nose tip, mouth corners, as ArcFace's template

    @property
    def area(self) -> float:
        return (self.box[2] - self.box[0]) * (self.box[3] - self.box[1])


def largest_hog_face(detector, image: np.ndarray, upsample: int = HOG_UPSAMPLE) -> "dlib.rectangle | None":
    """The largest HOG detection on a uint8 RGB image, or None."""
    found = detector(np.ascontiguousarray(image, dtype=np.uint8), upsample)
    return max(found, key=lambda r: r.area()) if len(found) else None


# OpenCV's frontal Haar cascade (the study's face finder): its usual settings, and a
# minimum face side of a quarter of a 112 px crop, so that eyes or mouths alone do not count.
HAAR_CASCADE = "haarcascade_frontalface_default.xml"
HAAR_SCALE_FACTOR = 1.1
HAAR_MIN_NEIGHBOURS = 5
HAAR_MIN_SIDE = 28


def haar_cascade() -> "cv2.CascadeClassifier":
    """OpenCV's frontal-face Haar cascade, from the copy that ships in opencv-python."""
    path = cv2.data.haarcascades + HAAR_CASCADE
    cascade = cv2.CascadeClassifier(path)
    if cascade.empty():
        raise FileNotFoundError(f"{path}: OpenCV's Haar cascade could not be loaded")
    return cascade


def largest_haar_face(cascade, image: np.ndarray) -> "dlib.rectangle | None":
    """The largest Haar-cascade detection on a uint8 RGB image, as a dlib rectangle, or None."""
    grey = cv2.cvtColor(np.ascontiguousarray(image, dtype=np.uint8), cv2.COLOR_RGB2GRAY)
    found = cascade.detectMultiScale(grey, scaleFactor=HAAR_SCALE_FACTOR, minNeighbors=HAAR_MIN_NEIGHBOURS,
                                     minSize=(HAAR_MIN_SIDE, HAAR_MIN_SIDE))
    if not len(found):
        return None
    x, y, w, h = (int(v) for v in max(found, key=lambda b: b[2] * b[3]))
    return dlib.rectangle(x, y, x + w - 1, y + h - 1)


def five_points(points68: np.ndarray) -> np.ndarray:
    """ArcFace's 5 points from dlib's 68: eye centres, nose tip, mouth corners (image left first)."""
    p = np.asarray(points68, dtype=np.float32)
    return np.stack([p[36:42].mean(0), p[42:48].mean(0), p[30], p[48], p[54]]).astype(np.float32)


class FaceFinder:
    """Faces on a whole photo, largest first, with ArcFace's 5 points."""

    def __init__(self, method: str = "hog", yunet_model: str | None = None):
        self.method = method
        if method == "hog":
            self._hog = dlib.get_frontal_face_detector()
            self._shape68 = dlib.shape_predictor(packaged_model_paths()["landmarks68"])
        elif method == "yunet":
            self._yunet = cv2.FaceDetectorYN.create(str(yunet_model), "", (320, 320), 0.8, 0.3, 5000)
        else:
            raise ValueError(f"unknown face detector {method!r}")

    def __call__(self, image: np.ndarray) -> list[Face]:
        scale = min(1.0, DETECT_MAX_SIDE / max(image.shape[:2]))
        small = image if scale == 1.0 else cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        faces = self._hog_faces(image, small, scale) if self.method == "hog" else self._yunet_faces(small, scale)
        return sorted(faces, key=lambda f: -f.area)

    def _hog_faces(self, image: np.ndarray, small: np.ndarray, scale: float) -> list[Face]:
        faces = []
        for r in self._hog(np.ascontiguousarray(small), HOG_UPSAMPLE):
            box = dlib.rectangle(*(int(round(v / scale)) for v in (r.left(), r.top(), r.right(), r.bottom())))
            shape = self._shape68(np.ascontiguousarray(image), box)
            points = np.array([[shape.part(i).x, shape.part(i).y] for i in range(68)], np.float32)
            faces.append(Face((box.left(), box.top(), box.right(), box.bottom()), five_points(points)))
        return faces

    def _yunet_faces(self, small: np.ndarray, scale: float) -> list[Face]:
        h, w = small.shape[:2]
        self._yunet.setInputSize((w, h))
        _, rows = self._yunet.detect(np.ascontiguousarray(small[:, :, ::-1]))  # YuNet reads BGR
        faces = []
        for row in [] if rows is None else rows:
            x, y, bw, bh = (float(v) / scale for v in row[:4])
            points = row[4:14].reshape(5, 2) / scale
            eyes, mouth = points[:2][np.argsort(points[:2, 0])], points[3:5][np.argsort(points[3:5, 0])]
            faces.append(Face((x, y, x + bw, y + bh), np.vstack([eyes, points[2:3], mouth]).astype(np.float32)))
        return faces


def loose_crop(image: np.ndarray, box, scale: float) -> np.ndarray:
    """Square crop of side scale x the box's larger side around the box centre.

    The square is shrunk and shifted to stay inside the photo (no invented pixels),
    so a photo that is already a tight crop comes back whole.
    """
    left, top, right, bottom = box
    height, width = image.shape[:2]
    side = max(1, min(int(round(max(right - left, bottom - top) * scale)), height, width))
    cx, cy = (left + right) / 2.0, (top + bottom) / 2.0
    x0 = int(np.clip(round(cx - side / 2), 0, width - side))
    y0 = int(np.clip(round(cy - side / 2), 0, height - side))
    return image[y0 : y0 + side, x0 : x0 + side]


def arcface_crop(image: np.ndarray, points5: np.ndarray, size: int = 112) -> np.ndarray:
    """insightface's norm_crop: the 5-point similarity alignment onto ArcFace's 112 px template."""
    from insightface.utils import face_align

    with warnings.catch_warnings():  # scikit-image 0.26 deprecates the estimate() insightface calls
        warnings.simplefilter("ignore", FutureWarning)
        return face_align.norm_crop(np.ascontiguousarray(image), np.asarray(points5, np.float32), image_size=size)
