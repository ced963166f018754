"""An ONNX image classifier as a probability model for LIME.

Input N x C x H x W with C = 1 (grey, e.g. 48x48 emotion models) or 3 (RGB/BGR);
`(x - mean) / std` per channel; the output is logits (softmax applied here) or
probabilities, one column per class name in the config.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np

from ..defaults import with_defaults
from ..errors import ModelLoadError
from ..models.batch_choice import batch_size_for
from ..models.base import PreparedFace
from ..models.onnx_session import open_session, session_place


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.asarray(logits, np.float64) - np.max(logits, axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


class OnnxClassifier:
    """prepare(image, segments) -> PreparedFace; probabilities(batch) -> N x classes."""

    def __init__(self, name: str, path: str, classes: list[str], input_size: int | None, grey: bool,
                 mean, std, color_order: str, output: str, device: str, batch_size: int, threads: int = 0):
        """Arguments as under classify.models.<name> in the config (defaults: the schema's, via build_classifier)."""
        self.name, self.path, self.classes, self.grey = name, str(path), list(classes), grey
        self.output, self.batch_size = output, batch_size
        if not Path(path).is_file():
            raise ModelLoadError(path, "file not found")
        self._session = open_session(self.path, None, device, threads)
        logging.info("classifier %s: onnxruntime on %s", name, session_place(self._session))
        first = self._session.get_inputs()[0]
        self._input_name = first.name
        channels = 1 if grey else 3
        dims = list(first.shape)
        if len(dims) != 4 or (isinstance(dims[1], int) and dims[1] != channels):
            raise ModelLoadError(path, f"expected an input of shape N x {channels} x H x W (grey: {grey}), found {dims}")
        fixed = [d for d in dims[2:] if isinstance(d, int)]
        self.input_size = int(input_size or (fixed[0] if len(fixed) == 2 else 0))
        if not self.input_size:
            raise ModelLoadError(path, f"input height/width are symbolic {dims}: set input_size in the config")
        self.mean = np.resize(np.asarray(mean, np.float32), channels)
        self.std = np.resize(np.asarray(std, np.float32), channels)
        self._bgr = color_order.upper() == "BGR"
        probe = self.probabilities(np.zeros((1, channels, self.input_size, self.input_size), np.float32))
        if probe.shape[1] != len(self.classes):
            raise ModelLoadError(path, f"the model has {probe.shape[1]} outputs but the config names "
                                       f"{len(self.classes)} classes")

    def view(self, image: np.ndarray) -> np.ndarray:
        """The uint8 RGB image at the input size: what the model sees, and where superpixels are drawn."""
        size = self.input_size
        return image if image.shape[:2] == (size, size) else cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)

    def prepare(self, image: np.ndarray, segments: np.ndarray | None = None) -> PreparedFace:
        """Resize the uint8 RGB image (and its superpixels) to the input size and normalise."""
        size = self.input_size
        resized = self.view(image)
        if self.grey:
            pixels = cv2.cvtColor(resized, cv2.COLOR_RGB2GRAY)[:, :, None].astype(np.float32)
        else:
            pixels = resized[:, :, ::-1].astype(np.float32) if self._bgr else resized.astype(np.float32)
        pixels = (pixels - self.mean) / self.std
        if segments is None:
            index = np.full((size, size), -1, np.int32)
        else:
            index = cv2.resize(segments.astype(np.float32), (size, size), interpolation=cv2.INTER_NEAREST).astype(np.int32)
        # hidden pixels take the normalised value of mid-grey: neither bright nor dark evidence
        hide = ((np.full(pixels.shape[2], 127.5, np.float32) - self.mean) / self.std).astype(np.float32)
        return PreparedFace(np.ascontiguousarray(pixels.transpose(2, 0, 1)), hide, index, channels_first=True)

    def probabilities(self, batch: np.ndarray) -> np.ndarray:
        """Class probabilities (N x classes) of a prepared NCHW batch, in chunks of batch_size."""
        outputs = []
        for start in range(0, len(batch), self.batch_size):
            chunk = np.ascontiguousarray(batch[start:start + self.batch_size], dtype=np.float32)
            out = np.asarray(self._session.run(None, {self._input_name: chunk})[0], np.float64).reshape(len(chunk), -1)
            outputs.append(softmax(out) if self.output == "logits" else out)
        return np.concatenate(outputs)


def build_classifier(name: str, spec: dict, threads: int = 0) -> OnnxClassifier:
    """The classifier declared under `classify.models.<name>` (keys left out: the schema's defaults)."""
    spec = with_defaults(spec, "classify", "models")
    return OnnxClassifier(name, spec["path"], spec["classes"], input_size=spec["input_size"], grey=spec["grey"],
                          mean=spec["mean"], std=spec["std"], color_order=spec["color_order"], output=spec["output"],
                          device=spec["device"], batch_size=batch_size_for("classifier", spec["batch_size"]),
                          threads=threads)
