"""LIME on cosine similarity (docs/method.md, LIME on similarity).

A face-recognition network has no classes; the explained quantity is
s(z) = (cos(e0, f(x_z)) + 1) / 2, the similarity of a perturbed face to the
unperturbed one, in [0, 1]. Sampling mirrors lime's LimeImageExplainer draw for
draw (so our numbers equal lime's for the same RandomState), but perturbed images
are built as vectorised batches in the model's input space, and only one batch is
in memory at a time. The weighted ridge surrogate is lime's own LimeBase.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import sklearn.metrics

os.environ.setdefault("TQDM_DISABLE", "1")  # lime 0.2.0.1 always draws a tqdm bar
from lime.lime_base import LimeBase  # noqa: E402

from .models.base import FaceEmbedder  # noqa: E402


def exponential_kernel(distances: np.ndarray, kernel_width: float) -> np.ndarray:
    """lime's image kernel: sqrt(exp(-d^2 / width^2)) on cosine distances."""
    return np.sqrt(np.exp(-(distances**2) / kernel_width**2))


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
        unperturbed face and equals 1.
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


SAMPLING_DESIGNS = ("lime", "antithetic", "stratified")


def draw_samples(random_state: np.random.RandomState, num_samples: int, num_superpixels: int,
                 design: str = "lime") -> np.ndarray:
    """Binary rows (1 = superpixel shown), the first one all ones (the unperturbed face).

    lime: lime's own uniform draw. LimeImageExplainer.explain_instance draws a
        segmentation seed from the same RandomState before sampling; we make that
        draw too, so our samples are lime's.
    antithetic: lime's draw for half the rows, each followed by its complement, so
        every superpixel is shown in exactly half of the pairs (less variance in the fit).
    stratified: the number of shown superpixels cycles evenly over 1..K-1 (then a
        random subset of that size), instead of clustering around K/2 as uniform
        draws do.
    """
    random_state.randint(0, high=1000)
    if design == "lime":
        data = random_state.randint(0, 2, num_samples * num_superpixels).reshape((num_samples, num_superpixels))
    elif design == "antithetic":
        half = random_state.randint(0, 2, ((num_samples + 1) // 2, num_superpixels))
        half[0, :] = 1
        data = np.empty((2 * len(half), num_superpixels), dtype=half.dtype)
        data[0::2], data[1::2] = half, 1 - half
        data = data[:num_samples]
    elif design == "stratified":
        sizes = 1 + np.arange(num_samples) % max(num_superpixels - 1, 1)
        random_state.shuffle(sizes)
        ranks = np.argsort(random_state.random_sample((num_samples, num_superpixels)), axis=1)
        data = (ranks < sizes[:, None]).astype(np.int64)
    else:
        raise ValueError(f"lime.sampling must be one of {SAMPLING_DESIGNS}, not {design!r}")
    data[0, :] = 1
    return data


def similarity_scores(embedder: FaceEmbedder, prepared, samples: np.ndarray, reference: np.ndarray,
                      batch_size: int) -> np.ndarray:
    """(cos(reference, f(x_z)) + 1) / 2 for every sample row z, one batch in memory at a time."""
    scores = np.empty(len(samples), dtype=np.float64)
    for start in range(0, len(samples), batch_size):
        rows = samples[start : start + batch_size]
        embeddings = embedder.embed_prepared(prepared.perturbed(rows))
        scores[start : start + len(rows)] = (embeddings.astype(np.float64) @ reference + 1.0) / 2.0
    return scores


def fit_surrogate(samples: np.ndarray, scores: np.ndarray, kernel_width: float,
                  random_state: np.random.RandomState):
    """lime's weighted ridge on (samples, scores); returns (coef per superpixel, intercept, r2, local_pred)."""
    distances = sklearn.metrics.pairwise_distances(samples, samples[0].reshape(1, -1), metric="cosine").ravel()
    base = LimeBase(partial(exponential_kernel, kernel_width=kernel_width), random_state=random_state)
    # num_features >= K keeps every superpixel, as LimeImageExplainer's default (100000) does.
    intercept, local_exp, r2, local_pred = base.explain_instance_with_data(
        samples, scores[:, None], distances, 0, num_features=100000, feature_selection="auto"
    )
    coefficients = np.zeros(samples.shape[1], dtype=np.float64)
    for feature, weight in local_exp:
        coefficients[feature] = weight
    return coefficients, float(intercept), float(r2), float(np.ravel(local_pred)[0])


def explain_similarity(
    face: np.ndarray,
    segments: np.ndarray,
    embedder: FaceEmbedder,
    num_samples: int = 1000,
    kernel_width: float = 0.25,
    seed: int = 0,
    batch_size: int | None = None,
    keep: str = "positive",
    reference: np.ndarray | None = None,
    sampling: str = "lime",
) -> SimilarityExplanation:
    """Explain which superpixels make `face` look like itself to `embedder`.

    face: uint8 RGB crop; segments: int labels 0..K-1 of the same size.
    reference: unit embedding to compare with (default: the face's own, as in the study).
    sampling: sample design, see draw_samples (default lime's, as in the study).
    """
    if num_samples < 2:
        raise ValueError(f"num_samples must be at least 2, got {num_samples}")
    segments = np.asarray(segments, dtype=np.int32)
    num_superpixels = int(segments.max()) + 1
    if set(np.unique(segments)) != set(range(num_superpixels)):
        raise ValueError("segments must be numbered 0..K-1 without gaps")
    random_state = np.random.RandomState(seed)
    prepared = embedder.prepare(face, segments)
    own = embedder.embed_prepared(prepared.pixels[None])[0].astype(np.float64)
    reference = own if reference is None else np.asarray(reference, dtype=np.float64)
    samples = draw_samples(random_state, num_samples, num_superpixels, sampling)
    scores = similarity_scores(embedder, prepared, samples, reference, batch_size or embedder.batch_size)
    coefficients, intercept, r2, local_pred = fit_surrogate(samples, scores, kernel_width, random_state)
    painted = coefficients[segments]
    if keep == "positive":
        painted = np.maximum(painted, 0.0)
    elif keep != "all":
        raise ValueError(f"keep must be 'positive' or 'all', not {keep!r}")
    return SimilarityExplanation(
        score_map=painted.astype(np.float32),
        segments=segments,
        coefficients=coefficients.astype(np.float32),
        intercept=intercept,
        r2=r2,
        local_prediction=local_pred,
        samples=samples.astype(np.uint8),
        scores=scores.astype(np.float32),
        info=dict(prepared.info),
    )
