"""Classifier mode: LIME on class probabilities, green/red overlays, metrics, case selection, identities."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import bright_region_classifier, grid_segments

from facelime.classify.cases import classification_metrics, most_confused_pair, select_cases
from facelime.classify.embedding_classifier import EmbeddingClassifier
from facelime.classify.identity import fit_identity_classifier, stratified_split, top_identities
from facelime.classify.lime_class import explain_classes
from facelime.classify.onnx_classifier import build_classifier
from facelime.classify.overlay import chosen_superpixels, signed_overlay
from facelime.errors import ModelLoadError

REGION_CELL = 6  # rows 28:56, cols 56:84 = grid cell (1, 2) of a 4x4 grid on 112 px


@pytest.fixture(scope="module")
def bright_face(face_crop):
    image = face_crop.copy()
    image[28:56, 56:84] = 235  # the region the classifier looks at is bright: class 1
    return image


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    path = bright_region_classifier(tmp_path_factory.mktemp("clf") / "bright.onnx")
    return build_classifier("bright", {"path": str(path), "classes": ["dark", "bright"], "mean": [0, 0, 0],
                                       "std": [255, 255, 255]})


def test_region_is_green_for_class_1_and_red_for_class_0(classifier, bright_face):
    segments = grid_segments()
    explanation = explain_classes(bright_face, segments, classifier, classes=[0, 1], num_samples=200, seed=0)
    assert explanation.probabilities[1] > 0.99  # the classifier says bright
    class0, class1 = explanation.coefficients
    assert np.argmax(class1) == REGION_CELL and class1[REGION_CELL] > 0.1
    assert np.argmin(class0) == REGION_CELL and class0[REGION_CELL] < -0.1
    np.testing.assert_allclose(class0, -class1, atol=1e-6)  # two classes: p0 = 1 - p1
    green = signed_overlay(bright_face, segments, class1, top_k=1)
    red = signed_overlay(bright_face, segments, class0, top_k=1)
    inside = (slice(32, 52), slice(60, 80))  # away from the drawn boundary
    assert green[inside][..., 1].mean() > green[inside][..., 0].mean() + 40
    assert red[inside][..., 0].mean() > red[inside][..., 1].mean() + 40
    # the default explains the predicted class
    assert explain_classes(bright_face, segments, classifier, num_samples=50, seed=0).classes == [1]


def test_rest_is_greyed_out(classifier, bright_face):
    segments = grid_segments()
    coefficients = np.zeros(16)
    coefficients[REGION_CELL] = 1.0
    out = signed_overlay(bright_face, segments, coefficients, top_k=3).astype(int)
    rest = out[80:, :20]
    assert np.all(np.abs(rest[..., 0] - rest[..., 1]) <= 1) and np.all(np.abs(rest[..., 1] - rest[..., 2]) <= 1)
    positive, negative = chosen_superpixels(np.array([0.5, -0.2, 0.0, 0.3, -0.9]), 2)
    assert positive.tolist() == [0, 3] and negative.tolist() == [4, 1]


def test_classifier_checks_its_classes_and_file(tmp_path):
    path = bright_region_classifier(tmp_path / "bright.onnx")
    with pytest.raises(ModelLoadError, match=r"bright\.onnx: the model has 2 outputs but the config names 3 classes"):
        build_classifier("bright", {"path": str(path), "classes": ["a", "b", "c"]})
    with pytest.raises(ModelLoadError, match=r"missing\.onnx: file not found"):
        build_classifier("x", {"path": str(tmp_path / "missing.onnx"), "classes": ["a", "b"]})


def test_metrics_match_a_hand_computed_example():
    true = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
    predicted = np.array([0, 0, 1, 1, 2, 2, 2, 1, 2])
    metrics = classification_metrics(true, predicted, 3)
    np.testing.assert_array_equal(metrics["confusion"], [[2, 1, 0], [0, 1, 1], [0, 1, 3]])
    # precision = diagonal / column sums, recall = diagonal / row sums
    np.testing.assert_allclose(metrics["precision"], [2 / 2, 1 / 3, 3 / 4])
    np.testing.assert_allclose(metrics["recall"], [2 / 3, 1 / 2, 3 / 4])
    np.testing.assert_array_equal(metrics["support"], [3, 2, 4])
    assert most_confused_pair(metrics["confusion"]) == (0, 1, 1)
    assert most_confused_pair(np.array([[5, 0, 0], [1, 4, 3], [0, 0, 2]])) == (1, 2, 3)


def test_case_selection_bins():
    probabilities = np.array([
        [0.52, 0.48, 0.00],  # borderline, true 0: correct
        [0.45, 0.50, 0.05],  # borderline, true 0: wrong
        [0.95, 0.03, 0.02],  # confident, true 0: correct
        [0.05, 0.90, 0.05],  # confident, true 2: wrong
        [0.60, 0.30, 0.10],  # neither
        [0.33, 0.34, 0.33],  # borderline (top-2 within 0.01), true 1: correct
        [0.50, 0.42, 0.08],  # borderline near the edge (margin 0.08), true 0: correct
        [0.56, 0.44, 0.00],  # margin 0.12: neither
    ])
    true = np.array([0, 0, 0, 2, 1, 1, 0, 0])
    cases = select_cases(probabilities, true, margin=0.10, confident=0.80)
    assert cases["borderline_correct"].tolist() == [5, 0, 6]  # smallest margin first
    assert cases["borderline_wrong"].tolist() == [1]
    assert cases["confident_correct"].tolist() == [2]
    assert cases["confident_wrong"].tolist() == [3]
    assert not {4, 7} & set(np.concatenate(list(cases.values())).tolist())


def test_embedding_classifier_equals_sklearn_and_identities_are_separated():
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    centres = rng.standard_normal((4, 32))
    labels = np.repeat(np.arange(4), 10)
    embeddings = centres[labels] + 0.3 * rng.standard_normal((40, 32))
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    result = fit_identity_classifier(embeddings, labels, 4, seed=1)
    assert result["test_accuracy"] == 1.0 and np.all(result["precision"] == 1) and np.all(result["recall"] == 1)
    train, val, test = result["train"], result["val"], result["test"]
    assert len(set(train) | set(val) | set(test)) == 40 and not set(train) & set(test)
    assert all(np.bincount(labels[part], minlength=4).min() >= 2 for part in (val, test))
    np.testing.assert_array_equal(stratified_split(labels, (0.6, 0.2, 0.2), 1)[2], test)  # seeded

    class Identity:  # an "embedder" whose prepared inputs are already embeddings
        batch_size = 8

        def embed_prepared(self, batch):
            return batch

    sk = LogisticRegression(max_iter=5000).fit(embeddings, labels)
    ours = EmbeddingClassifier(Identity(), sk.coef_, sk.intercept_, list("abcd"))
    np.testing.assert_allclose(ours.probabilities(embeddings), sk.predict_proba(embeddings), atol=1e-10)
    binary = LogisticRegression(max_iter=5000).fit(embeddings[:20], labels[:20])
    ours = EmbeddingClassifier(Identity(), binary.coef_, binary.intercept_, ["a", "b"])
    np.testing.assert_allclose(ours.probabilities(embeddings[:20]), binary.predict_proba(embeddings[:20]), atol=1e-10)


def test_top_identities_by_image_count():
    counts = {"ann": 10, "bob": 3, "cy": 10, "dee": 2, "eve": 7}
    assert top_identities(counts, 3) == ["ann", "cy", "eve"]
    assert top_identities(counts, 10) == ["ann", "cy", "eve", "bob"]  # dee has too few images for 3 splits
