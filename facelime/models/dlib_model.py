"""dlib's ResNet face-recognition network (128-d), with the models shipped on PyPI.

The network sees dlib's own 150x150 face chip, aligned from 5 landmarks found on
the unperturbed crop. LIME's perturbations are applied in chip space, where each
chip pixel knows which crop superpixel it shows, so alignment never moves while
superpixels are hidden.
"""

from __future__ import annotations

from pathlib import Path

import dlib
import numpy as np

from ..dlib_files import packaged_model_paths
from ..errors import ModelLoadError
from ..faces import HOG_UPSAMPLE, largest_hog_face
from .base import FaceEmbedder, PreparedFace
from .batch_choice import batch_size_for

# dlib's input_rgb_image subtracts these channel means (then divides by 256):
# they are the pixels that the network's normalised input maps to 0.
DLIB_INPUT_MEAN_RGB = np.array([122.782, 117.001, 104.298])
CHIP_SIZE = 150
CHIP_PADDING = 0.25


def _require_file(path: str) -> str:
    if not Path(path).is_file():
        raise ModelLoadError(path, "file not found")
    return path


class DlibEmbedder(FaceEmbedder):
    embedding_size = 128
    detects_faces = True  # its chip needs a face box: misses are recorded per image

    def __init__(self, name: str = "dlib_resnet", path: str | None = None,
                 landmarks5: str | None = None, upsample: int = HOG_UPSAMPLE, batch_size: int | None = None,
                 threads: int = 0):
        from .blas_threads import limit_blas_threads

        files = packaged_model_paths()
        self.name = name
        self.batch_size = batch_size_for("dlib", batch_size)
        self.upsample = upsample
        recognition = _require_file(path or files["recognition"])
        try:
            self._net = dlib.face_recognition_model_v1(recognition)
            self._shape5 = dlib.shape_predictor(_require_file(landmarks5 or files["landmarks5"]))
        except RuntimeError as err:
            raise ModelLoadError(recognition, f"dlib could not read it ({err})") from None
        self._detector = dlib.get_frontal_face_detector()
        self.hide_rgb = np.round(DLIB_INPUT_MEAN_RGB).astype(np.uint8)
        self.blas_limit = limit_blas_threads(threads)  # the job's threads reach dlib's OpenBLAS

    def face_box(self, face: np.ndarray) -> tuple[dlib.rectangle, bool]:
        """Largest HOG detection (as the landmark stage finds it), else the whole crop (the study's fallback)."""
        box = largest_hog_face(self._detector, face, self.upsample)
        if box is not None:
            return box, True
        h, w = face.shape[:2]
        return dlib.rectangle(0, 0, w - 1, h - 1), False

    def prepare(self, face: np.ndarray, segments: np.ndarray | None = None) -> PreparedFace:
        face = np.ascontiguousarray(face, dtype=np.uint8)
        box, detected = self.face_box(face)
        details = dlib.get_face_chip_details(self._shape5(face, box), size=CHIP_SIZE, padding=CHIP_PADDING)
        chip = dlib.extract_image_chip(face, details)
        segment_index = np.full(chip.shape[:2], -1, dtype=np.int32)
        if segments is not None:
            segment_index = _chip_segments(segments, details)
        return PreparedFace(chip, self.hide_rgb, segment_index, {"face_detected": detected})

    def embed_inputs(self, batch: np.ndarray) -> np.ndarray:
        chips = [np.ascontiguousarray(c, dtype=np.uint8) for c in batch]
        return np.asarray(self._net.compute_face_descriptor(chips), dtype=np.float32)


def _chip_segments(segments: np.ndarray, details: "dlib.chip_details") -> np.ndarray:
    """Nearest crop superpixel for every chip pixel, -1 outside the crop.

    dlib's chip extraction interpolates bilinearly, which is exact on linear ramps:
    extracting images of the x and y coordinates gives each chip pixel's source
    position, and a constant-one image marks where the chip lies inside the crop.
    """
    h, w = segments.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float64)
    src_x = dlib.extract_image_chip(np.ascontiguousarray(xs), details)
    src_y = dlib.extract_image_chip(np.ascontiguousarray(ys), details)
    inside = dlib.extract_image_chip(np.ones((h, w)), details) > 0.999
    cols = np.clip(np.rint(src_x), 0, w - 1).astype(np.intp)
    rows = np.clip(np.rint(src_y), 0, h - 1).astype(np.intp)
    return np.where(inside, segments[rows, cols], -1).astype(np.int32)
