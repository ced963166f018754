"""The explained quantity of every explainer and yardstick, in one place (docs/method.md, LIME on similarity).

A face-recognition network has no classes: what LIME, RISE, occlusion, the regions game and
the faithfulness curves explain is s(x) = (cos(reference, f(x)) + 1) / 2, the similarity of
a perturbed face to a reference embedding (by default the unperturbed face's own), in [0, 1].
`similarity` is that formula, `own_embedding` the default reference, and `SimilarityScorer`
binds a model, a reference and a batch size so that each explainer only says which inputs
to score.
"""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

from ..models.base import FaceEmbedder, PreparedFace
from .lime_core import perturbation_scores


def similarity(embeddings: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """(cos(reference, e) + 1) / 2 of unit embeddings (N x D) with a unit reference (D), in float64."""
    return (np.asarray(embeddings).astype(np.float64) @ np.asarray(reference, dtype=np.float64) + 1.0) / 2.0


def own_embedding(embedder: FaceEmbedder, prepared: PreparedFace) -> np.ndarray:
    """The unperturbed face's unit embedding (float64): the study's reference."""
    return embedder.embed_prepared(prepared.pixels[None])[0].astype(np.float64)


class SimilarityScorer:
    """Similarity to one reference under one model, scored `batch_size` inputs at a time."""

    def __init__(self, embedder: FaceEmbedder, reference: np.ndarray, batch_size: int | None = None):
        self.embedder = embedder
        self.reference = np.asarray(reference, dtype=np.float64)
        self.batch_size = batch_size or embedder.batch_size

    @classmethod
    def of_face(cls, embedder: FaceEmbedder, prepared: PreparedFace, reference: np.ndarray | None = None,
                batch_size: int | None = None) -> "SimilarityScorer":
        """A scorer for one prepared face; reference None: the face's own embedding (as in the study)."""
        return cls(embedder, own_embedding(embedder, prepared) if reference is None else reference, batch_size)

    def score_inputs(self, inputs: np.ndarray) -> np.ndarray:
        """Similarity of a batch of prepared model inputs."""
        return similarity(self.embedder.embed_prepared(inputs), self.reference)

    def score_faces(self, faces) -> np.ndarray:
        """Similarity of uint8 RGB crops (each prepared on its own)."""
        return similarity(self.embedder.embed_faces(list(faces)), self.reference)

    def score_batches(self, batches: Iterable[np.ndarray]) -> np.ndarray:
        """Similarity of every input of every batch of prepared inputs, in order (float64 N)."""
        chunks = [np.asarray(self.score_inputs(batch), np.float64).ravel() for batch in batches]
        return np.concatenate(chunks) if chunks else np.zeros(0)

    def sample_scoring(self, prepared: PreparedFace,
                       num_units: int) -> tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]:
        """(perturb, score) for the LIME core: how binary unit rows become similarities.

        An embedder that perturbs on its device (ONNX with perturb_on_device) takes the binary
        rows themselves; every other one gets the host-built batch. Both give the same scores.
        """
        if getattr(self.embedder, "perturbs_on_device", False):
            embed = self.embedder.sample_embedder(prepared, num_units)
            return (lambda rows: rows), (lambda rows: similarity(embed(rows), self.reference))
        return prepared.perturbed, self.score_inputs

    def score_rows(self, prepared: PreparedFace, rows: np.ndarray) -> np.ndarray:
        """Similarity (float64 N) of the face with the units of each binary row (N x K) shown, the rest
        hidden as LIME hides superpixels; one batch in memory at a time."""
        perturb, score = self.sample_scoring(prepared, rows.shape[1])
        return perturbation_scores(prepared, rows, score, self.batch_size, perturb)[:, 0]
