"""A logistic regression on face-recognition embeddings, as a probability model for LIME.

softmax(W e + b) with e the unit embedding: the same numbers as scikit-learn's
multinomial LogisticRegression.predict_proba, but computed from the stored weights
(no pickle) and on perturbed batches prepared by the face-recognition backend.
"""

from __future__ import annotations

import numpy as np

from .onnx_classifier import softmax


class EmbeddingClassifier:
    def __init__(self, embedder, coef: np.ndarray, intercept: np.ndarray, classes: list[str]):
        self.embedder, self.classes = embedder, list(classes)
        self.coef, self.intercept = np.asarray(coef, np.float64), np.asarray(intercept, np.float64)
        self.batch_size = embedder.batch_size
        if self.coef.shape[0] == 1 and len(self.classes) == 2:  # binary: sklearn keeps one row
            self.coef = np.vstack([-self.coef / 2, self.coef / 2])
            self.intercept = np.array([-self.intercept[0] / 2, self.intercept[0] / 2])

    def prepare(self, image, segments=None):
        return self.embedder.prepare(image, segments)

    def probabilities(self, batch: np.ndarray) -> np.ndarray:
        embeddings = self.embedder.embed_prepared(batch).astype(np.float64)
        return softmax(embeddings @ self.coef.T + self.intercept)
