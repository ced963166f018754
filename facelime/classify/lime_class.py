"""LIME of class probabilities: the similarity mode's sampling and surrogate, another explained quantity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..lime_similarity import draw_samples, fit_surrogate


@dataclass
class ClassExplanation:
    """coefficients: one row per explained class (classes), one column per superpixel."""

    classes: list[int]
    coefficients: np.ndarray
    intercepts: np.ndarray
    r2: np.ndarray
    probabilities: np.ndarray  # of the unperturbed image, all classes
    segments: np.ndarray


def explain_classes(image: np.ndarray, segments: np.ndarray, classifier, classes: list[int] | None = None,
                    num_samples: int = 1000, kernel_width: float = 0.25, seed: int = 0,
                    sampling: str = "lime") -> ClassExplanation:
    """Which superpixels raise (positive) or lower (negative) each class's probability.

    classes: class indices to explain (default: the predicted class). One set of
    perturbed images serves every class, as in lime's explain_instance with labels.
    """
    segments = np.asarray(segments, np.int32)
    k = int(segments.max()) + 1
    random_state = np.random.RandomState(seed)
    prepared = classifier.prepare(image, segments)
    samples = draw_samples(random_state, num_samples, k, sampling)
    probabilities = np.concatenate([classifier.probabilities(prepared.perturbed(samples[s:s + classifier.batch_size]))
                                    for s in range(0, len(samples), classifier.batch_size)])
    if classes is None:
        classes = [int(np.argmax(probabilities[0]))]
    fits = [fit_surrogate(samples, probabilities[:, c], kernel_width, np.random.RandomState(seed)) for c in classes]
    return ClassExplanation(classes=list(classes), coefficients=np.array([f[0] for f in fits], np.float32),
                            intercepts=np.array([f[1] for f in fits]), r2=np.array([f[2] for f in fits]),
                            probabilities=probabilities[0], segments=segments)
