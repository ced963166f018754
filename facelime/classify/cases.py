"""Metrics and case selection from a classifier's predictions (docs/method.md, Classifier mode)."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

CASES = ("borderline_correct", "borderline_wrong", "confident_correct", "confident_wrong")


def classification_metrics(true: np.ndarray, predicted: np.ndarray, n_classes: int) -> dict[str, np.ndarray]:
    """Confusion matrix (rows: true class, columns: predicted) and per-class precision, recall, support."""
    labels = np.arange(n_classes)
    matrix = confusion_matrix(true, predicted, labels=labels)
    precision, recall, _, support = precision_recall_fscore_support(true, predicted, labels=labels, zero_division=0)
    return {"confusion": matrix, "precision": precision, "recall": recall, "support": support}


def select_cases(probabilities: np.ndarray, true: np.ndarray, margin: float = 0.10,
                 confident: float = 0.80) -> dict[str, np.ndarray]:
    """Indices per case: borderline (top-2 probabilities within `margin`) or confident (top > `confident`),
    each split into correct and wrong; an image can be neither. Sorted by margin (borderline) or top
    probability (confident), most typical first."""
    ordered = np.sort(probabilities, axis=1)
    top, second = ordered[:, -1], ordered[:, -2]
    correct = np.argmax(probabilities, axis=1) == np.asarray(true)
    borderline = (top - second) <= margin
    sure = top > confident
    cases = {}
    for name, chosen, key in (("borderline", borderline, top - second), ("confident", sure, -top)):
        for outcome, right in (("correct", correct), ("wrong", ~correct)):
            index = np.flatnonzero(chosen & right)
            cases[f"{name}_{outcome}"] = index[np.argsort(key[index], kind="stable")]
    return cases


def most_confused_pair(confusion: np.ndarray) -> tuple[int, int, int]:
    """(true class, predicted class, count) of the largest off-diagonal cell; ties go to the lower indices."""
    off = np.array(confusion, dtype=np.int64)
    np.fill_diagonal(off, -1)
    true, predicted = np.unravel_index(np.argmax(off), off.shape)
    return int(true), int(predicted), int(max(off[true, predicted], 0))
