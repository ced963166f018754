"""One LIME core for every explained quantity (docs/method.md, LIME on similarity).

In the shape of captum's `LimeBase`: one sampler of binary superpixel vectors, one
perturbation (the model's own `PreparedFace`, hidden superpixels at its zero), and one
surrogate (lime's `LimeBase`, a kernel-weighted ridge); what is explained is whatever
the score function returns for a batch of perturbed inputs: a similarity to a reference
embedding (face recognition) or class probabilities (classifier mode). Draws mirror
lime's `LimeImageExplainer` draw for draw, so the coefficients equal lime's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from typing import Callable, Protocol, runtime_checkable

import numpy as np

from ..models.base import PreparedFace

SAMPLING_DESIGNS = ("lime", "antithetic", "stratified")

# A batch of prepared model inputs (the rows of PreparedFace.perturbed) -> N x Q scores.
ScoreFunction = Callable[[np.ndarray], np.ndarray]


@runtime_checkable
class PerturbableModel(Protocol):
    """What a model provides to the LIME core: its input space and how many inputs it takes at once."""

    batch_size: int

    def prepare(self, image: np.ndarray, segments: np.ndarray | None = None) -> PreparedFace:
        """The image (uint8 RGB) and its superpixels in the model's input space."""


def exponential_kernel(distances: np.ndarray, kernel_width: float) -> np.ndarray:
    """lime's image kernel: sqrt(exp(-d^2 / width^2)) on cosine distances."""
    return np.sqrt(np.exp(-(distances**2) / kernel_width**2))


def draw_samples(random_state: np.random.RandomState, num_samples: int, num_superpixels: int,
                 design: str = "lime") -> np.ndarray:
    """Binary rows (1 = superpixel shown), the first one all ones (the unperturbed image).

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


def perturbation_scores(prepared: PreparedFace, samples: np.ndarray, score: ScoreFunction,
                        batch_size: int, perturb: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """score() of the perturbed input of every sample row (N x Q), one batch in memory at a time.

    perturb: rows -> what score() takes (default: the perturbed inputs, built here on the
    host; a model that builds them itself, e.g. on a GPU, takes the rows as they are).
    """
    perturb = perturb or prepared.perturbed
    chunks = [np.asarray(score(perturb(samples[start : start + batch_size])), np.float64)
              for start in range(0, len(samples), batch_size)]
    out = np.concatenate(chunks, axis=0)
    return out.reshape(len(samples), -1)


def fit_surrogate(samples: np.ndarray, scores: np.ndarray, kernel_width: float,
                  random_state: np.random.RandomState):
    """lime's weighted ridge on (samples, scores); returns (coef per superpixel, intercept, r2, local_pred)."""
    # imported here, not at the top: the workflow imports this package to plan jobs, and
    # scikit-learn and lime cost every Snakemake start and non-LIME job over a second
    import sklearn.metrics

    os.environ.setdefault("TQDM_DISABLE", "1")  # lime 0.2.0.1 always draws a tqdm bar
    from lime.lime_base import LimeBase

    distances = sklearn.metrics.pairwise_distances(samples, samples[0].reshape(1, -1), metric="cosine").ravel()
    base = LimeBase(partial(exponential_kernel, kernel_width=kernel_width), random_state=random_state)
    # num_features >= K keeps every superpixel, as LimeImageExplainer's default (100000) does.
    intercept, local_exp, r2, local_pred = base.explain_instance_with_data(
        samples, np.asarray(scores).reshape(len(samples), 1), distances, 0, num_features=100000,
        feature_selection="auto",
    )
    coefficients = np.zeros(samples.shape[1], dtype=np.float64)
    for feature, weight in local_exp:
        coefficients[feature] = weight
    return coefficients, float(intercept), float(r2), float(np.ravel(local_pred)[0])


@dataclass
class LimeFit:
    """The surrogate of one explained output column."""

    coefficients: np.ndarray  # float64 K
    intercept: float
    r2: float
    local_prediction: float


@dataclass
class LimeRun:
    """Samples (N x K, first row all ones), their scores (N x Q) and one fit per explained column."""

    samples: np.ndarray
    scores: np.ndarray
    fits: list[LimeFit]


def check_segments(segments: np.ndarray) -> int:
    """The number of superpixels K of labels 0..K-1 (gaps would hide nothing for a label)."""
    k = int(segments.max()) + 1
    if set(np.unique(segments)) != set(range(k)):
        raise ValueError("segments must be numbered 0..K-1 without gaps")
    return k


def lime(prepared: PreparedFace, num_superpixels: int, score: ScoreFunction, columns, num_samples: int,
         kernel_width: float, random_state: np.random.RandomState, batch_size: int, sampling: str = "lime",
         fit_state: Callable[[], np.random.RandomState] | None = None,
         perturb: Callable[[np.ndarray], np.ndarray] | None = None) -> LimeRun:
    """Draw, perturb, score, fit: one LIME explanation of the score's `columns`.

    columns: callable(scores) -> output column indices to fit (e.g. the predicted class),
        or a list of indices. fit_state: the RandomState each fit gets (default: the
        sampler's own, continued, as lime does). perturb: see perturbation_scores.
    """
    if num_samples < 2:
        raise ValueError(f"num_samples must be at least 2, got {num_samples}")
    samples = draw_samples(random_state, num_samples, num_superpixels, sampling)
    scores = perturbation_scores(prepared, samples, score, batch_size, perturb)
    chosen = columns(scores) if callable(columns) else columns
    fits = [LimeFit(*fit_surrogate(samples, scores[:, c], kernel_width, (fit_state or (lambda: random_state))()))
            for c in chosen]
    return LimeRun(samples=samples, scores=scores, fits=fits)
