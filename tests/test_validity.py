"""Known answers for the validity checks: faithfulness, stability, sanity, region statistics, references."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from conftest import grid_segments, pooled_model, region_model
from onnx import numpy_helper

from facelime.canonical import REGIONS
from facelime.errors import ModelLoadError
from facelime.explainers.lime import explain_similarity
from facelime.models import build_embedder
from facelime.references import reference_embeddings
from facelime.steps.validity import randomise_model
from facelime.validity.faithfulness import Protocol, curve_auc, protocol_curves, step_rows
from facelime.validity.region_stats import bootstrap_shares, permutation_test, shares
from facelime.validity.stability import seed_agreement, stability_identities, studied_sample_counts
from facelime.validity.stats import benjamini_hochberg, bootstrap_mean_ci, mean_pairwise_spearman

LIME = {"kernel_width": 0.25, "keep": "positive", "sampling": "lime"}
REGION_CELL = 6  # the region model sees rows 28:56, cols 56:84: grid cell (1, 2) of a 4x4 grid


def onnx_embedder(path):
    return build_embedder("region", {"backend": "onnx", "path": str(path), "device": "cpu"})


# --- faithfulness ---------------------------------------------------------------------------

def test_step_rows_hide_or_show_in_order():
    rows = step_rows(np.array([2, 0, 1]), 3, insertion=False)
    np.testing.assert_array_equal(rows, [[1, 1, 1], [1, 1, 0], [0, 1, 0], [0, 0, 0]])
    np.testing.assert_array_equal(step_rows(np.array([2, 0, 1]), 3, insertion=True), 1 - rows)


def test_auc_of_known_curves():
    assert curve_auc(np.linspace(1, 0, 11)) == pytest.approx(0.5)
    assert curve_auc(np.ones(5)) == pytest.approx(1.0)
    assert curve_auc(np.array([1.0, 0.0, 0.0])) == pytest.approx(0.25)


def test_lime_order_beats_random_on_a_one_region_model(region_onnx, face_crop):
    segments = grid_segments()
    embedder = onnx_embedder(region_onnx)
    explanation = explain_similarity(face_crop, segments, embedder, num_samples=200, seed=1)
    assert np.argmax(explanation.coefficients) == REGION_CELL
    prepared = embedder.prepare(face_crop, segments)
    reference = embedder.embed_prepared(prepared.pixels[None])[0].astype(np.float64)
    hide = [Protocol("superpixels", "hide", "deletion"), Protocol("superpixels", "hide", "insertion")]

    def curves(signed_map):  # one step per superpixel: (1 + 8 random orders) x (16 + 1)
        return list(protocol_curves(embedder, face_crop, segments, signed_map, reference, hide, 16, 8,
                                    np.random.default_rng(0)).values())

    deletion, insertion = curves(explanation.coefficients[segments])
    assert deletion.shape == insertion.shape == (9, 17)
    # full face scores 1; hiding the one cell the model sees drops it at once, and then nothing changes
    assert deletion[0, 0] == pytest.approx(1.0, abs=1e-6)
    assert np.all(deletion[0, 1:] == pytest.approx(deletion[0, 1], abs=1e-6)) and deletion[0, 1] < 0.99
    assert insertion[0, 1] == pytest.approx(1.0, abs=1e-6)
    auc_deletion, auc_insertion = curve_auc(deletion), curve_auc(insertion)
    assert auc_deletion[0] < auc_deletion[1:].mean() and auc_insertion[0] > auc_insertion[1:].mean()
    # an order that puts the region last is worse than random
    worst = np.where(np.arange(16) == REGION_CELL, -1.0, 1.0)
    backwards, _ = curves(worst[segments])
    assert curve_auc(backwards[0]) > curve_auc(backwards[1:]).mean()


def test_bootstrap_ci_brackets_the_mean_and_is_seeded():
    values = np.random.default_rng(0).normal(1.0, 0.5, 60)
    mean, low, high = bootstrap_mean_ci(values, 1000, 0.95, seed=3)
    assert low < mean < high and mean == pytest.approx(values.mean())
    assert (mean, low, high) == bootstrap_mean_ci(values, 1000, 0.95, seed=3)
    assert bootstrap_mean_ci([2.0, 2.0], 1000, 0.95, 0) == (2.0, 2.0, 2.0)
    assert np.isnan(bootstrap_mean_ci([1.0], 1000, 0.95, 0)[1])


# --- stability --------------------------------------------------------------------------------

def test_same_seed_is_perfectly_stable(region_onnx, face_crop):
    embedder = onnx_embedder(region_onnx)
    mean, low = seed_agreement(face_crop, grid_segments(), embedder, 60, [5, 5, 5], LIME)
    assert mean == low == 1.0


def test_stability_grows_with_samples(tmp_path, face_crop):
    # a linear model of the whole image: every superpixel matters, each by its own amount
    embedder = onnx_embedder(region_model(tmp_path / "whole.onnx", region=(slice(0, 112), slice(0, 112))))
    agreement = [seed_agreement(face_crop, grid_segments(), embedder, n, [1, 2, 3, 4], LIME)[0] for n in (20, 100, 1000)]
    assert agreement[0] < agreement[1] < agreement[2] <= 1.0
    assert agreement[0] < 0.7 and agreement[2] > 0.95


def test_spearman_known_values():
    assert mean_pairwise_spearman([[1, 2, 3], [1, 2, 3]]) == (1.0, 1.0)
    assert mean_pairwise_spearman([[1, 2, 3], [3, 2, 1]]) == (-1.0, -1.0)
    assert mean_pairwise_spearman([[0, 0, 0], [0, 0, 0]]) == (1.0, 1.0)  # identical, even when constant
    assert mean_pairwise_spearman([[1, 2, 3], [1, 2, 3], [3, 2, 1]]) == pytest.approx((-1 / 3, -1.0))


def test_studied_counts_and_identities():
    assert studied_sample_counts({"num_samples": [500, 250]}, {"num_samples": 1000}) == [250, 500, 1000]
    people = [f"id{i:02d}" for i in range(20)]
    chosen = stability_identities(people, 4, seed=0)
    assert len(chosen) == 4 and chosen == sorted(chosen) and chosen == stability_identities(people, 4, seed=0)
    assert stability_identities(people[:3], 4, seed=0) == people[:3]


# --- sanity: randomised weights ---------------------------------------------------------------

def test_randomised_model_keeps_weights_values_but_not_their_order(tmp_path, face_crop):
    source = region_model(tmp_path / "region.onnx")
    first = randomise_model(model_file=str(source), randomised=str(tmp_path / "random.onnx"), seed=4, trained="region")
    randomise_model(model_file=str(source), randomised=str(tmp_path / "again.onnx"), seed=4, trained="region")
    assert first == 1  # W is the only float tensor with 2+ dimensions
    before = {t.name: numpy_helper.to_array(t) for t in onnx.load(str(source)).graph.initializer}
    after = {t.name: numpy_helper.to_array(t) for t in onnx.load(str(tmp_path / "random.onnx")).graph.initializer}
    np.testing.assert_array_equal(np.sort(before["W"].ravel()), np.sort(after["W"].ravel()))
    assert not np.array_equal(before["W"], after["W"])
    for name in ("b", "starts", "ends", "flat_shape"):
        np.testing.assert_array_equal(before[name], after[name])
    assert (tmp_path / "random.onnx").read_bytes() == (tmp_path / "again.onnx").read_bytes()
    trained = onnx_embedder(source).embed_faces([face_crop])
    shuffled = onnx_embedder(tmp_path / "random.onnx").embed_faces([face_crop])
    assert abs(float(trained[0] @ shuffled[0])) < 0.9


def test_model_without_weights_cannot_be_randomised(tmp_path):
    source = pooled_model(tmp_path / "pooled.onnx")
    with pytest.raises(ModelLoadError, match=r"pooled\.onnx: has no weight tensors to randomise"):
        randomise_model(model_file=str(source), randomised=str(tmp_path / "out.onnx"), seed=0, trained="pooled")
    (tmp_path / "broken.onnx").write_bytes(b"not a model")
    with pytest.raises(ModelLoadError, match=r"broken\.onnx: cannot be read as ONNX"):
        randomise_model(model_file=str(tmp_path / "broken.onnx"), randomised=str(tmp_path / "out.onnx"), seed=0,
                        trained="broken")


# --- region statistics ----------------------------------------------------------------------

def random_masses(rng, n, boost=0.0):
    """Per-identity region masses; `boost` adds mass to the nose region (a group difference by construction)."""
    masses = rng.gamma(4.0, 1.0, size=(n, len(REGIONS)))
    masses[:, REGIONS.index("nose")] += boost
    return masses


def test_group_share_is_share_of_summed_masses_and_ci_brackets_it():
    rng = np.random.default_rng(0)
    masses = random_masses(rng, 30)
    point = shares(masses)
    assert point.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(point, masses.sum(0) / masses.sum())
    draws = bootstrap_shares(masses, 500, np.random.default_rng(1))
    assert draws.shape == (500, len(REGIONS))
    np.testing.assert_allclose(draws.sum(axis=1), 1.0)
    low, high = np.quantile(draws, [0.025, 0.975], axis=0)
    assert np.all(low <= point) and np.all(point <= high) and np.all(high - low > 0)
    same = np.repeat(masses[:1], 10, axis=0)  # identical identities: no uncertainty
    np.testing.assert_allclose(np.ptp(bootstrap_shares(same, 50, rng), axis=0), 0, atol=1e-12)


def test_permutation_test_null_and_constructed_difference():
    rng = np.random.default_rng(2)
    a = random_masses(rng, 20)
    difference, p = permutation_test(a, a.copy(), 199, rng)  # identical groups
    np.testing.assert_allclose(difference, 0, atol=1e-15)
    assert np.all(p == 1.0)
    null_p = np.concatenate([permutation_test(random_masses(rng, 15), random_masses(rng, 15), 199, rng)[1]
                             for _ in range(40)])
    assert 0.35 < null_p.mean() < 0.65 and np.mean(null_p < 0.05) < 0.12  # uniform-ish under the null
    difference, p = permutation_test(random_masses(rng, 20, boost=4.0), random_masses(rng, 20), 999, rng)
    nose = REGIONS.index("nose")
    assert difference[nose] > 0 and p[nose] == pytest.approx(1 / 1000)
    assert benjamini_hochberg(p)[nose] < 0.05


def test_benjamini_hochberg_by_hand():
    # ranks 1..4 of (0.01, 0.03, 0.04, 0.2): p * 4 / rank = 0.04, 0.06, 0.0533, 0.2; then the running
    # minimum from the top makes 0.03's value 0.0533 too
    np.testing.assert_allclose(benjamini_hochberg([0.01, 0.04, 0.03, 0.2]), [0.04, 0.16 / 3, 0.16 / 3, 0.2])
    assert np.isnan(benjamini_hochberg([0.01, np.nan])[1])


# --- references (pair explanations) --------------------------------------------------------

def test_identity_mean_reference_leaves_the_image_out():
    own = np.eye(3)
    references, kinds = reference_embeddings(own, "identity_mean")
    np.testing.assert_allclose(references[0], [0, 1 / np.sqrt(2), 1 / np.sqrt(2)])
    assert kinds == ["identity_mean"] * 3
    single, kinds = reference_embeddings(own[:1], "identity_mean")
    np.testing.assert_array_equal(single, own[:1])
    assert kinds == ["self (identity has one image)"]
    fixed, kinds = reference_embeddings(own, "image", other=np.array([0.0, 0.0, 1.0]))
    np.testing.assert_array_equal(fixed, np.tile([0.0, 0.0, 1.0], (3, 1)))
    np.testing.assert_array_equal(reference_embeddings(own, "self")[0], own)
    with pytest.raises(ValueError, match="must be self, identity_mean or image"):
        reference_embeddings(own, "nearest")


def test_pair_reference_changes_the_explained_similarity(region_onnx, face_crop):
    embedder = onnx_embedder(region_onnx)
    segments = grid_segments()
    other = np.ascontiguousarray(face_crop[::-1])  # upside down: another face in the region the model sees
    reference = embedder.embed_faces([other])[0]
    pair = explain_similarity(face_crop, segments, embedder, num_samples=100, seed=2, reference=reference)
    own = explain_similarity(face_crop, segments, embedder, num_samples=100, seed=2)
    assert own.scores[0] == pytest.approx(1.0, abs=1e-6) and pair.scores[0] < 0.999
    np.testing.assert_array_equal(pair.samples, own.samples)
    assert not np.allclose(pair.coefficients, own.coefficients)


def test_checks_use_the_reference_the_explanation_used():
    from facelime.references import stored_reference

    masks = {"reference_kinds": np.array(["self", "identity_mean", "self (identity has one image)"]),
             "references": np.eye(3, dtype=np.float32)}
    assert stored_reference(masks, 0) is None and stored_reference(masks, 2) is None  # recomputed as the explanation did
    np.testing.assert_array_equal(stored_reference(masks, 1), [0, 1, 0])
    assert stored_reference({"references": np.eye(3)}, 1) is None  # masks from before references were recorded
