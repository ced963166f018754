"""LIME of class probabilities: the one LIME core (facelime.explainers.lime_core) with another explained quantity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..explainers.lime_core import lime
from ..segmentation import superpixels


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
    prepared = classifier.prepare(image, segments)
    chosen = (lambda scores: [int(np.argmax(scores[0]))]) if classes is None else list(classes)
    run = lime(prepared, k, classifier.probabilities, chosen, num_samples, kernel_width, np.random.RandomState(seed),
               classifier.batch_size, sampling, fit_state=lambda: np.random.RandomState(seed))
    explained = [int(np.argmax(run.scores[0]))] if classes is None else list(classes)
    return ClassExplanation(classes=explained, coefficients=np.array([f.coefficients for f in run.fits], np.float32),
                            intercepts=np.array([f.intercept for f in run.fits]), r2=np.array([f.r2 for f in run.fits]),
                            probabilities=run.scores[0], segments=segments)


def segment_and_explain_classes(image: np.ndarray, classifier, lime_settings: dict, seed: int,
                  classes: list[int] | None) -> ClassExplanation:
    """explain_classes on the image's own superpixels (classify.lime's segmentation)."""
    segments = superpixels(image, lime_settings["segmentation"], lime_settings["n_segments"],
                           lime_settings["compactness"], seed=seed % (2**31))
    return explain_classes(image, segments, classifier, classes, num_samples=lime_settings["num_samples"],
                           kernel_width=lime_settings["kernel_width"], seed=seed, sampling=lime_settings["sampling"])
