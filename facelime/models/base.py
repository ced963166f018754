"""What every face-recognition backend provides to the explainer.

LIME hides superpixels of the 112x112 crop. Each backend maps the crop once into
its own input space (resize, normalisation, dlib's aligned chip) and records which
crop superpixel each input pixel shows. A perturbed batch is then one vectorised
`where` in input space: no per-sample Python loop and no repeated preprocessing.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

from ..errors import BadEmbeddingError


@dataclass
class PreparedFace:
    """One face in a backend's input space, ready for perturbation.

    pixels: model input of the unperturbed face (dtype the backend wants), HxWxC,
        or CxHxW when channels_first (ONNX: the batch is then built in NCHW at once).
    hide: C values that replace hidden pixels; the model's own zero (mid-grey).
    segment_index: HxW int32, the crop superpixel shown at each input pixel, -1 for
        pixels that show no part of the crop (never hidden).
    info: backend facts worth recording (e.g. whether a face was detected).
    """

    pixels: np.ndarray
    hide: np.ndarray
    segment_index: np.ndarray
    info: dict = field(default_factory=dict)
    channels_first: bool = False

    def perturbed(self, z: np.ndarray) -> np.ndarray:
        """Batch of inputs for binary rows z (B x K): superpixel k shown where z[:, k] == 1."""
        z = np.asarray(z, dtype=bool)
        # Column K is an always-on column, so index -1 (pixels outside the crop) keeps them.
        keep = np.concatenate([z, np.ones((z.shape[0], 1), dtype=bool)], axis=1)[:, self.segment_index]
        hide = self.hide.astype(self.pixels.dtype)
        if self.channels_first:  # broadcasting over whole rows is ~5x faster than over 3 channels
            return np.where(keep[:, None], self.pixels[None], hide[None, :, None, None])
        return np.where(keep[..., None], self.pixels[None], hide)

    def hidden(self, mask: np.ndarray) -> np.ndarray:
        """A copy of the face with the pixels under the HxW mask hidden."""
        image = self.pixels.copy()
        if self.channels_first:
            image[:, mask] = self.hide[:, None]
        else:
            image[mask] = self.hide
        return image


def unit_rows(embeddings: np.ndarray, source: str) -> np.ndarray:
    """L2-normalise rows; a zero or non-finite embedding cannot give a cosine."""
    embeddings = np.asarray(embeddings, dtype=np.float32)
    norms = np.linalg.norm(embeddings, axis=1, keepdims=True)
    if not np.all(np.isfinite(embeddings)):
        raise BadEmbeddingError(f"{source}: the model returned NaN or infinite embeddings")
    if np.any(norms <= 1e-12):
        raise BadEmbeddingError(f"{source}: the model returned an all-zero embedding")
    return embeddings / norms


class FaceEmbedder(ABC):
    """A face-recognition network: face crop -> unit-norm embedding."""

    name: str = "model"
    embedding_size: int = 0
    batch_size: int  # set once, when the model is built (models.batch_choice.batch_size_for)
    detects_faces: bool = False  # True when prepare() looks for the face (info["face_detected"])

    @abstractmethod
    def prepare(self, face: np.ndarray, segments: np.ndarray | None = None) -> PreparedFace:
        """Map a uint8 RGB crop (and its superpixels) into this model's input space."""

    @abstractmethod
    def embed_inputs(self, batch: np.ndarray) -> np.ndarray:
        """Raw (not normalised) embeddings, N x D float32, for a batch of prepared inputs."""

    def embed_prepared(self, batch: np.ndarray) -> np.ndarray:
        """Unit-norm embeddings of prepared inputs, run in chunks of batch_size."""
        chunks = [
            self.embed_inputs(batch[start : start + self.batch_size])
            for start in range(0, len(batch), self.batch_size)
        ]
        return unit_rows(np.concatenate(chunks, axis=0), self.name)

    def embed_faces(self, faces: list[np.ndarray] | np.ndarray) -> np.ndarray:
        """Unit-norm embeddings (N x D) of uint8 RGB face crops."""
        inputs = np.stack([self.prepare(face).pixels for face in faces])
        return self.embed_prepared(inputs)
