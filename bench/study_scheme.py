"""The study's LIME loop, as the baseline: lime's own per-sample image building
(copy the image, hide each absent superpixel, collect batches of 10), then one
forward call per perturbed image, as the study's classifier function did.
"""

from __future__ import annotations

import numpy as np

from facelime.explainers.lime_core import draw_samples, fit_surrogate
from facelime.explainers.scoring import own_embedding, similarity
from facelime.models.base import FaceEmbedder, PreparedFace, unit_rows


def study_scores(embedder: FaceEmbedder, prepared: PreparedFace, samples: np.ndarray,
                 reference: np.ndarray, lime_batch: int = 10) -> np.ndarray:
    scores, images = [], []
    for row in samples:
        mask = np.zeros(prepared.segment_index.shape, dtype=bool)
        for z in np.where(row == 0)[0]:
            mask[prepared.segment_index == z] = True
        images.append(prepared.hidden(mask))
        if len(images) == lime_batch:
            scores += [_one(embedder, img, reference) for img in images]
            images = []
    scores += [_one(embedder, img, reference) for img in images]
    return np.array(scores)


def _one(embedder: FaceEmbedder, image: np.ndarray, reference: np.ndarray) -> float:
    embedding = unit_rows(embedder.embed_inputs(image[None]), embedder.name)[0].astype(np.float64)
    return similarity(embedding, reference)


def explain_study_scheme(face: np.ndarray, segments: np.ndarray, embedder: FaceEmbedder, num_samples: int,
                         kernel_width: float, seed: int):
    """Same draws and surrogate as explain_similarity; returns (coefficients, scores)."""
    random_state = np.random.RandomState(seed)
    prepared = embedder.prepare(face, segments)
    reference = own_embedding(embedder, prepared)
    samples = draw_samples(random_state, num_samples, int(segments.max()) + 1)
    scores = study_scores(embedder, prepared, samples, reference)
    coefficients, *_ = fit_surrogate(samples, scores, kernel_width, random_state)
    return coefficients, scores
