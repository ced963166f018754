"""LIME on cosine similarity (docs/method.md, LIME on similarity).

A face-recognition network has no classes; the explained quantity is
s(z) = (cos(e0, f(x_z)) + 1) / 2, the similarity of a perturbed face to the
unperturbed one (or to another reference embedding), in [0, 1]. It is one score
function (explainers.scoring) over the one LIME core (explainers.lime_core), which draws as lime's
LimeImageExplainer does, builds perturbed batches in the model's input space and
fits lime's own LimeBase surrogate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..models.base import FaceEmbedder
from .lime_core import check_segments, lime
from .result import MapExplanation
from .scoring import SimilarityScorer


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
    scorer = SimilarityScorer.of_face(embedder, prepared, reference)
    perturb, score = scorer.sample_scoring(prepared, num_superpixels)
    run = lime(prepared, num_superpixels, score, [0], num_samples, kernel_width, random_state,
               scorer.batch_size, sampling, perturb=perturb)
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


def lime_explanation(face: np.ndarray, segments: np.ndarray, embedder: FaceEmbedder, *, lime: dict, seed: int,
                     explain: dict | None = None, reference: np.ndarray | None = None,
                     landmarks: np.ndarray | None = None) -> MapExplanation:
    """The registry's LIME (explainers.dispatch): explain_similarity called as the explain step calls it,
    so its numbers are the study's; its signed map is the ridge weights painted on the superpixels."""
    run = explain_similarity(face, segments, embedder, num_samples=lime["num_samples"],
                             kernel_width=lime["kernel_width"], seed=seed, keep=lime["keep"],
                             sampling=lime["sampling"], reference=reference)
    return MapExplanation(
        method="lime", score_map=run.score_map, signed_map=run.coefficients[segments].astype(np.float32),
        segments=run.segments, coefficients=run.coefficients, scores=run.scores, intercept=run.intercept,
        r2=run.r2, local_prediction=run.local_prediction, info=dict(run.info))
