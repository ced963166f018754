"""The study's preprocessing: short side to 112 px, then a centre crop; or a crop around the detected face."""

from __future__ import annotations

import cv2
import numpy as np

from .defaults import with_defaults
from .errors import BadImageError
from .faces import FaceFinder, arcface_crop, loose_crop
from .images import load_rgb


def centre_crop(image: np.ndarray, size: int = 112, crop_fraction: float = 1.0) -> np.ndarray:
    """Resize the short side to `size` and cut the central size x size square.

    `crop_fraction` < 1 first keeps only the central fraction of the short side
    (useful for loose crops such as LFW's 250 px frames); 1.0 is the study's setting.
    Returns uint8 RGB, size x size x 3.
    """
    h, w = image.shape[:2]
    side = max(1, int(round(min(h, w) * crop_fraction)))
    top, left = (h - side) // 2, (w - side) // 2
    square = image[top : top + side, left : left + side]
    interpolation = cv2.INTER_AREA if side > size else cv2.INTER_LINEAR
    return cv2.resize(square, (size, size), interpolation=interpolation)


class FaceCropper:
    """The face crop of one image file: the study's centre crop, or a crop around the detected face.

    preprocess.detect none (the study) takes the image as a face crop; hog or yunet find
    the largest face on a photo first, and preprocess.align norm_crop aligns it onto
    ArcFace's 5-point template (docs/method.md, preprocessing).
    """

    def __init__(self, preprocess: dict):
        self.preprocess = preprocess = with_defaults(preprocess, "preprocess")
        self.detect = preprocess["detect"]
        self.finder = FaceFinder(self.detect, preprocess["yunet_model"]) if self.detect != "none" else None

    def __call__(self, path: str, notes: list[str] | None = None) -> np.ndarray:
        """uint8 RGB size x size x 3; BadImageError names the file when it cannot be used."""
        notes = [] if notes is None else notes
        pre = self.preprocess
        image = load_rgb(path, notes)
        h, w = image.shape[:2]
        if min(h, w) < pre["min_side"]:
            raise BadImageError(path, f"image too small ({w}x{h} px; preprocess.min_side is {pre['min_side']})")
        if self.finder is None:
            return centre_crop(image, pre["size"], pre["crop_fraction"])
        found = self.finder(image)
        if not found:
            raise BadImageError(path, f"no face found (preprocess.detect: {self.detect})")
        if len(found) > 1:
            notes.append(f"{len(found)} faces found ({self.detect}): the largest was used")
        face = found[0]
        if pre["align"] == "norm_crop":
            return arcface_crop(image, face.points5, pre["size"])
        return centre_crop(loose_crop(image, face.box, pre["face_scale"]), pre["size"])


def load_crop(path: str, preprocess: dict) -> np.ndarray:
    """The face crop of one image (see FaceCropper)."""
    return FaceCropper(preprocess)(path)
