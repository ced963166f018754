"""LIME on cosine similarity (docs/method.md, LIME on similarity).

A face-recognition network has no classes; the explained quantity is
s(z) = (cos(e0, f(x_z)) + 1) / 2, the similarity of a perturbed face to the
unperturbed one (or to another reference embedding), in [0, 1]. It is one score
function over the one LIME core (facelime.explainers.lime_core), which draws as lime's
LimeImageExplainer does, builds perturbed batches in the model's input space and
fits lime's own LimeBase surrogate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .lime_core import check_segments, lime, perturbation_scores
from ..models.base import FaceEmbedder


@dataclass
class SimilarityExplanation:
    """One image's explanation.

    score_map: float32 HxW, each pixel its superpixel's ridge coefficient (only
        positive ones when keep='positive', as in the study).
    segments: int32 HxW superpixel labels 0..K-1.
    coefficients: float32 K, ridge coefficient per superpixel (all signs).
    intercept, r2: the surrogate's intercept and weighted R^2 (lime's `score`).
    samples: binary K-vectors drawn (num_samples x K, first row all ones).
    scores: similarity score of each sample, in [0, 1]; scores[0] is the
        unperturbed face and equals 1 with the face's own reference.
    """

    score_map: np.ndarray
    segments: np.ndarray
    coefficients: np.ndarray
    intercept: float
    r2: float
    local_prediction: float
    samples: np.ndarray
    scores: np.ndarray
    info: dict = field(default_factory=dict)


def similarity_score(embedder: FaceEmbedder, reference: np.ndarray):
    """The explained quantity: (cos(reference, f(x)) + 1) / 2 of a batch of prepared inputs."""
    reference = np.asarray(reference, dtype=np.float64)
    return lambda batch: (embedder.embed_prepared(batch).astype(np.float64) @ reference + 1.0) / 2.0


def sample_scoring(embedder: FaceEmbedder, prepared, num_superpixels: int, reference: np.ndarray):
    """(perturb, score) for the LIME core: how sample rows become similarity scores.

    An embedder that perturbs on its device (ONNX with perturb_on_device) takes the binary
    rows themselves; every other one gets the host-built batch. Both give the same scores.
    """
    if getattr(embedder, "perturbs_on_device", False):
        embed = embedder.sample_embedder(prepared, num_superpixels)
        reference = np.asarray(reference, dtype=np.float64)
        return (lambda rows: rows), (lambda rows: (embed(rows).astype(np.float64) @ reference + 1.0) / 2.0)
    return prepared.perturbed, similarity_score(embedder, reference)


def similarity_scores(embedder: FaceEmbedder, prepared, samples: np.ndarray, reference: np.ndarray,
                      batch_size: int | None = None) -> np.ndarray:
    """(cos(reference, f(x_z)) + 1) / 2 for every sample row z, one batch in memory at a time."""
    perturb, score = sample_scoring(embedder, prepared, samples.shape[1], reference)
    scores = perturbation_scores(prepared, samples, score, batch_size or embedder.batch_size, perturb)
    return scores[:, 0]


def explain_similarity(
    face: np.ndarray,
    segments: np.ndarray,
    embedder: FaceEmbedder,
    num_samples: int = 1000,
    kernel_width: float = 0.25,
    seed: int = 0,
    keep: str = "positive",
    reference: np.ndarray | None = None,
    sampling: str = "lime",
) -> SimilarityExplanation:
    """Explain which superpixels make `face` look like itself to `embedder`.

    face: uint8 RGB crop; segments: int labels 0..K-1 of the same size.
    reference: unit embedding to compare with (default: the face's own, as in the study).
    sampling: sample design, see lime_core.draw_samples (default lime's, as in the study).
    The batch size is the embedder's own (set once, when it is built).
    """
    if keep not in ("positive", "all"):
        raise ValueError(f"keep must be 'positive' or 'all', not {keep!r}")
    segments = np.asarray(segments, dtype=np.int32)
    num_superpixels = check_segments(segments)
    random_state = np.random.RandomState(seed)
    prepared = embedder.prepare(face, segments)
    own = embedder.embed_prepared(prepared.pixels[None])[0].astype(np.float64)
    reference = own if reference is None else np.asarray(reference, dtype=np.float64)
    perturb, score = sample_scoring(embedder, prepared, num_superpixels, reference)
    run = lime(prepared, num_superpixels, score, [0], num_samples, kernel_width, random_state,
               embedder.batch_size, sampling, perturb=perturb)
    fit = run.fits[0]
    painted = fit.coefficients[segments]
    if keep == "positive":
        painted = np.maximum(painted, 0.0)
    return SimilarityExplanation(
        score_map=painted.astype(np.float32),
        segments=segments,
        coefficients=fit.coefficients.astype(np.float32),
        intercept=fit.intercept,
        r2=fit.r2,
        local_prediction=fit.local_prediction,
        samples=run.samples.astype(np.uint8),
        scores=run.scores[:, 0].astype(np.float32),
        info=dict(prepared.info),
    )
