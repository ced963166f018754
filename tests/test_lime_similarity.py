"""Known answers for LIME on cosine similarity."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import grid_segments, region_model

from facelime.explainers.lime_core import draw_samples
from facelime.explainers.lime import explain_similarity
from facelime.models import build_embedder
from facelime.segmentation import superpixels


def onnx_embedder(path, **extra):
    return build_embedder("region", {"backend": "onnx", "path": str(path), "device": "cpu", **extra})


def test_region_superpixel_ranked_top(region_onnx, face_crop):
    # The model sees only rows 28:56, cols 56:84, which is exactly grid cell (1, 2) = superpixel 6.
    segments = grid_segments()
    explanation = explain_similarity(face_crop, segments, onnx_embedder(region_onnx), num_samples=300, seed=3)
    coefficients = explanation.coefficients
    assert np.argmax(coefficients) == 6
    others = np.delete(coefficients, 6)
    assert coefficients[6] > 0.02
    assert np.max(np.abs(others)) < 0.1 * coefficients[6]
    # the score map paints superpixel 6 with its coefficient and keeps no negatives
    assert np.allclose(explanation.score_map[segments == 6], coefficients[6])
    assert explanation.score_map.min() >= 0
    assert explanation.r2 > 0.95


def test_unperturbed_sample_scores_one(region_onnx, face_crop):
    explanation = explain_similarity(face_crop, superpixels(face_crop), onnx_embedder(region_onnx),
                                     num_samples=50, seed=1)
    assert explanation.samples[0].all()
    assert explanation.scores[0] == pytest.approx(1.0, abs=1e-6)
    assert np.all((explanation.scores >= 0) & (explanation.scores <= 1 + 1e-6))


def test_same_seed_same_arrays_other_seed_other_samples(region_onnx, face_crop):
    segments = superpixels(face_crop)
    model = onnx_embedder(region_onnx)
    a = explain_similarity(face_crop, segments, model, num_samples=80, seed=11)
    b = explain_similarity(face_crop, segments, model, num_samples=80, seed=11)
    c = explain_similarity(face_crop, segments, model, num_samples=80, seed=12)
    for key in ("score_map", "coefficients", "samples", "scores"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    assert not np.array_equal(a.samples, c.samples)


def test_equals_lime_image_explainer(region_onnx, face_crop):
    """Our vectorised sampling + LimeBase gives lime's own LimeImageExplainer numbers."""
    from lime.lime_image import LimeImageExplainer

    model = onnx_embedder(region_onnx)
    segments = superpixels(face_crop)
    ours = explain_similarity(face_crop, segments, model, num_samples=120, seed=5, keep="all")

    prepared = model.prepare(face_crop, segments)  # normalised input space, hide colour 0
    reference = model.embed_prepared(prepared.pixels[None])[0].astype(np.float64)

    def classifier_fn(images):  # lime hands over HWC images; the ONNX input is CHW
        batch = np.asarray(images, np.float32).transpose(0, 3, 1, 2)
        return ((model.embed_prepared(batch) @ reference + 1) / 2)[:, None]

    lime_exp = LimeImageExplainer(kernel_width=0.25, random_state=5).explain_instance(
        prepared.pixels.transpose(1, 2, 0).astype(np.float64), classifier_fn, labels=(0,), top_labels=None, hide_color=0,
        num_samples=120, batch_size=10, segmentation_fn=lambda image: segments,
    )
    lime_coefficients = np.zeros(segments.max() + 1)
    for feature, weight in lime_exp.local_exp[0]:
        lime_coefficients[feature] = weight
    np.testing.assert_allclose(ours.coefficients, lime_coefficients, rtol=1e-4, atol=1e-6)
    assert ours.intercept == pytest.approx(lime_exp.intercept[0], rel=1e-5)


def test_batch_size_does_not_change_numbers(region_onnx, face_crop):
    segments = superpixels(face_crop)
    model = onnx_embedder(region_onnx)
    model.batch_size = 1
    one = explain_similarity(face_crop, segments, model, num_samples=40, seed=2)
    model.batch_size = 64
    many = explain_similarity(face_crop, segments, model, num_samples=40, seed=2)
    np.testing.assert_allclose(one.scores, many.scores, atol=1e-6)


def test_segments_must_be_dense(region_onnx, face_crop):
    segments = grid_segments() + 1  # 1-based, the SLIC trap
    with pytest.raises(ValueError, match="0..K-1"):
        explain_similarity(face_crop, segments, onnx_embedder(region_onnx), num_samples=10)


def test_slic_labels_start_at_zero(face_crop):
    labels = superpixels(face_crop, n_segments=30, compactness=20)
    assert labels.min() == 0
    assert np.array_equal(np.unique(labels), np.arange(labels.max() + 1))
    assert 15 <= labels.max() + 1 <= 45


def test_fixed_batch_one_model_runs_batched(tmp_path, face_crop):
    path = region_model(tmp_path / "batch1.onnx", batch_one=True)
    model = onnx_embedder(path)
    assert model.batch_size > 1  # relaxed in memory
    faces = np.stack([face_crop, face_crop[:, ::-1], face_crop[::-1]])
    batched = model.embed_faces(faces)
    singles = np.concatenate([model.embed_faces(f[None]) for f in faces])
    np.testing.assert_allclose(batched, singles, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("design", ["lime", "antithetic", "stratified"])
def test_sampling_designs_start_unperturbed_and_are_seeded(design):
    a = draw_samples(np.random.RandomState(4), 101, 12, design)
    b = draw_samples(np.random.RandomState(4), 101, 12, design)
    assert a.shape == (101, 12) and set(np.unique(a)) <= {0, 1}
    assert a[0].all()
    np.testing.assert_array_equal(a, b)


def test_lime_design_is_lime_own_draw():
    state = np.random.RandomState(9)
    expected_state = np.random.RandomState(9)
    expected_state.randint(0, high=1000)  # LimeImageExplainer's segmentation seed draw
    expected = expected_state.randint(0, 2, 50 * 7).reshape(50, 7)
    expected[0] = 1
    np.testing.assert_array_equal(draw_samples(state, 50, 7, "lime"), expected)


def test_antithetic_rows_come_in_complementary_pairs():
    samples = draw_samples(np.random.RandomState(0), 200, 20, "antithetic")
    np.testing.assert_array_equal(samples[1::2], 1 - samples[0::2])
    assert not samples[1].any()  # the complement of the unperturbed face hides everything
    # every superpixel is shown in exactly half of the rows
    np.testing.assert_array_equal(samples.sum(axis=0), 100)


def test_stratified_sizes_spread_evenly():
    k = 11
    samples = draw_samples(np.random.RandomState(0), 1 + 10 * (k - 1), k, "stratified")
    sizes = samples[1:].sum(axis=1)
    counts = np.bincount(sizes, minlength=k + 1)
    assert counts[0] == 0 and counts[k] <= 1  # never an all-hidden row
    assert counts[1:k].min() >= 9 and counts[1:k].max() <= 11


def test_unknown_design_is_refused():
    with pytest.raises(ValueError, match="lime.sampling"):
        draw_samples(np.random.RandomState(0), 10, 5, "sobol")


@pytest.mark.parametrize("design", ["antithetic", "stratified"])
def test_other_designs_find_the_region_too(region_onnx, face_crop, design):
    segments = grid_segments()
    explanation = explain_similarity(face_crop, segments, onnx_embedder(region_onnx), num_samples=200, seed=3,
                                     sampling=design)
    assert np.argmax(explanation.coefficients) == 6
    assert np.max(np.abs(np.delete(explanation.coefficients, 6))) < 0.1 * explanation.coefficients[6]


def test_similarity_and_class_probability_are_score_functions_over_one_core(region_onnx, face_crop, tmp_path):
    """Both explainers run lime_core.lime: the same draws, perturbations and surrogate; only the score differs."""
    from conftest import bright_region_classifier

    from facelime.classify.lime_class import explain_classes
    from facelime.classify.onnx_classifier import build_classifier
    from facelime.explainers.lime_core import PerturbableModel, draw_samples

    embedder = onnx_embedder(region_onnx)
    classifier = build_classifier("bright", {"path": str(bright_region_classifier(tmp_path / "c.onnx")),
                                             "classes": ["dark", "bright"]})
    assert isinstance(embedder, PerturbableModel) and isinstance(classifier, PerturbableModel)
    segments = grid_segments()
    similarity = explain_similarity(face_crop, segments, embedder, num_samples=50, seed=9)
    np.testing.assert_array_equal(similarity.samples, draw_samples(np.random.RandomState(9), 50, 16))
    classes = explain_classes(face_crop, segments, classifier, classes=[1], num_samples=50, seed=9)
    # the classifier sees only the region of superpixel 6, as the embedder does: both rank it first
    assert int(np.argmax(np.abs(similarity.coefficients))) == 6 == int(np.argmax(np.abs(classes.coefficients[0])))


# LIME's numbers for one fixed input, recorded when explain.methods and the GPU paths landed (other
# tests show those left LIME's path as it was): any later change that moves the study's LIME
# numbers shows here.
PINNED_COEFFICIENTS = [
    -0.0009563, -0.0004762, -0.0007056, 0.0000182, 0.0004478, -0.0004788, -0.0000577, -0.0004821, -0.0009887,
    -0.0003749, 0.0318502, -0.0002493, 0.0018361, 0.0005029, 0.0048332, 0.0010184, -0.0014538, 0.0006189,
    0.0037864, -0.0000237, 0.0001118, 0.0003619, 0.0001241, -0.0000283, 0.0000662, -0.0000299, 0.0005214,
    0.0003239, 0.0004672, -0.0007137, 0.0004991, -0.0004091, -0.0002256]


def test_lime_numbers_are_pinned(tmp_path, face_crop):
    model = build_embedder("region", {"backend": "onnx", "path": str(region_model(tmp_path / "r.onnx")),
                                      "device": "cpu"})
    run = explain_similarity(face_crop, superpixels(face_crop), model, num_samples=100, kernel_width=0.25, seed=2024)
    np.testing.assert_allclose(run.coefficients, PINNED_COEFFICIENTS, atol=2e-6)
    assert run.intercept == pytest.approx(0.958015, abs=1e-5) and run.r2 == pytest.approx(0.987452, abs=1e-5)
    assert float(run.scores.sum()) == pytest.approx(97.891121, abs=1e-4)
