"""Identity classification on face embeddings: an LFW-style "who is this" task.

The K identities with most images; a stratified, seeded train/validation/test split;
a multinomial logistic regression whose regularisation C is chosen on the
validation set (accuracy, ties broken by log loss); per-identity precision and recall on the test set.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split

from .cases import classification_metrics

C_GRID = (0.1, 1.0, 10.0, 100.0)


def top_identities(image_counts: dict[str, int], k: int, min_images: int = 3) -> list[str]:
    """The k identities with most images (ties by name), each with at least min_images (3: one per split)."""
    eligible = [(-n, name) for name, n in image_counts.items() if n >= min_images]
    return [name for _, name in sorted(eligible)[:k]]


def stratified_split(labels: np.ndarray, fractions: tuple[float, float, float], seed: int):
    """Indices (train, validation, test), each class in every part when it has >= 3 images."""
    index = np.arange(len(labels))
    train_frac, val_frac, test_frac = fractions
    rest_frac = val_frac + test_frac
    train, rest = train_test_split(index, test_size=rest_frac, stratify=labels, random_state=seed)
    val, test = train_test_split(rest, test_size=test_frac / rest_frac, stratify=labels[rest], random_state=seed)
    return np.sort(train), np.sort(val), np.sort(test)


def fit_identity_classifier(embeddings: np.ndarray, labels: np.ndarray, n_classes: int,
                            fractions=(0.6, 0.2, 0.2), seed: int = 0) -> dict:
    """Fit on train, choose C on validation (accuracy), report test metrics; returns arrays only."""
    train, val, test = stratified_split(labels, fractions, seed)
    best = None
    for c in C_GRID:
        model = LogisticRegression(C=c, max_iter=5000, random_state=seed).fit(embeddings[train], labels[train])
        probabilities = model.predict_proba(embeddings[val])
        accuracy = float(np.mean(model.classes_[np.argmax(probabilities, axis=1)] == labels[val]))
        # accuracy first; ties (common on small validation sets) go to the better calibrated fit
        score = (accuracy, -log_loss(labels[val], probabilities, labels=model.classes_))
        if best is None or score > best[0]:
            best = (score, c, model)
    (val_accuracy, _), c, model = best
    probabilities = model.predict_proba(embeddings[test])
    predicted = model.classes_[np.argmax(probabilities, axis=1)]
    metrics = classification_metrics(labels[test], predicted, n_classes)
    return dict(coef=model.coef_, intercept=model.intercept_, c=c, val_accuracy=val_accuracy,
                test_accuracy=float(np.mean(predicted == labels[test])), train=train, val=val, test=test,
                test_probabilities=probabilities, test_predicted=predicted, **metrics)
