"""RISE and occlusion beside LIME: known answers on synthetic models whose right answer is fixed by construction."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import additive_model, grid_segments, region_model

from facelime.explainers import explain_face
from facelime.explainers.lime import explain_similarity
from facelime.explainers.masking import blended, prepare_pixels
from facelime.explainers.occlusion import explain_occlusion, occlusion_passes
from facelime.explainers.rise import draw_grids, explain_rise, upsampled_masks
from facelime.models import build_embedder
from facelime.segmentation import superpixels
from facelime.validity.agreement import agreement_summary, map_agreement
from facelime.validity.faithfulness import image_faithfulness

LIME = {"num_samples": 300, "kernel_width": 0.25, "keep": "positive", "sampling": "lime"}


def onnx(path) -> object:
    return build_embedder(path.stem, {"backend": "onnx", "path": str(path), "device": "cpu"})


def linear_pixel_model(path, effect: np.ndarray, scale: float):
    """embedding = [L, scale] with L = sum_j effect_j * (mean over channels of pixel j, normalised).

    Against the reference [1, 0], cos = L / sqrt(L^2 + scale^2): on a white image (every normalised
    pixel 1) showing pixel j adds effect_j to L, so the similarity is nearly linear in the shown
    pixels, with per-pixel effect effect_j / (2 scale), and its exact value is known in closed form.
    """
    size = effect.shape[0]
    weights = np.zeros((3 * size * size, 2))
    for channel in range(3):
        weights[channel * size * size + np.arange(size * size), 0] = effect.ravel() / 3
    return region_model(path, region=(slice(0, size), slice(0, size)), size=size, weights=weights,
                        bias=[0.0, scale])


def closed_form_similarity(shown_effect_sum: np.ndarray, scale: float) -> np.ndarray:
    return (shown_effect_sum / np.sqrt(shown_effect_sum**2 + scale**2) + 1) / 2


def smooth_effect(size: int) -> np.ndarray:
    """A ramp plus a bump: an additive effect map without edges finer than RISE's grid."""
    y, x = np.mgrid[0:size, 0:size] / size
    return 1 + x + 2 * np.exp(-((x - 0.3) ** 2 + (y - 0.6) ** 2) / 0.05)


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    return onnx(region_model(tmp_path_factory.mktemp("explainers") / "region.onnx"))


def test_lime_through_the_dispatcher_is_the_study_lime(region, face_crop):
    segments = superpixels(face_crop)
    direct = explain_similarity(face_crop, segments, region, num_samples=300, kernel_width=0.25, seed=11,
                                keep="positive", sampling="lime")
    routed = explain_face("lime", face_crop, segments, region, lime=LIME, seed=11)
    assert np.array_equal(routed.score_map, direct.score_map)
    assert np.array_equal(routed.coefficients, direct.coefficients)
    assert np.array_equal(routed.scores, direct.scores)
    assert (routed.intercept, routed.r2) == (direct.intercept, direct.r2)
    assert np.array_equal(routed.signed_map, direct.coefficients[segments])
    assert routed.forward_passes == 300


@pytest.mark.parametrize("backend", ["onnx", "dlib"])
def test_binary_masks_hide_exactly_as_lime_perturbations(backend, region, face_crop):
    embedder = region if backend == "onnx" else build_embedder("dlib_resnet", {"backend": "dlib"})
    prepared = prepare_pixels(embedder, face_crop)
    masks = np.random.default_rng(0).random((3, 112, 112)) < 0.5
    expected = prepared.perturbed(masks.reshape(3, -1))
    assert np.array_equal(blended(prepared, masks.astype(np.float32)), expected)


def test_occlusion_with_one_pixel_patches_is_the_exact_effect_of_each_pixel(tmp_path):
    size = 24
    effect = smooth_effect(size) * np.random.default_rng(1).uniform(0.5, 1.5, (size, size))
    scale = effect.sum()
    model = onnx(linear_pixel_model(tmp_path / "linear.onnx", effect, scale))
    white = np.full((size, size, 3), 255, np.uint8)
    saliency, scores, _ = explain_occlusion(white, model, patch=1, stride=1, reference=np.array([1.0, 0.0]))
    whole = effect.sum()
    truth = closed_form_similarity(whole, scale) - closed_form_similarity(whole - effect, scale)
    assert len(scores) == size * size + 1 == occlusion_passes(size, size, 1, 1)
    assert truth.min() > 2e-5  # a hundred times float32's resolution of a cosine
    np.testing.assert_allclose(saliency, truth, atol=2e-6)


def test_rise_converges_to_the_per_pixel_effect_of_an_additive_model(tmp_path):
    """RISE's expectation is the effect seen through its masks' covariance, sum_j a_j Cov(m_j, m_k) / p:
    the estimate must converge to that, and (for an effect without a constant part, which the
    covariance's edge fall-off would turn into a centre-weighted map) correlate >= 0.95 with the effect."""
    size = 48
    effect = smooth_effect(size)
    effect -= effect.mean()
    model = onnx(linear_pixel_model(tmp_path / "linear.onnx", effect, scale=4 * np.abs(effect).sum()))
    white = np.full((size, size, 3), 255, np.uint8)
    grids, shifts = draw_grids(np.random.default_rng(99), 20000, 7, 0.5, size, size)
    masks = upsampled_masks(grids, shifts, size, size).reshape(len(grids), -1).astype(np.float64)
    centred = masks - masks.mean(axis=0)
    expected = centred.T @ (centred @ effect.ravel()) / (len(masks) * 0.5)  # model-free, other draws
    to_expected, to_effect = {}, {}
    for count in (100, 1000, 4000):
        saliency, scores, _ = explain_rise(white, model, num_masks=count, seed=3, reference=np.array([1.0, 0.0]))
        assert len(scores) == count
        to_expected[count] = np.corrcoef(saliency.ravel(), expected)[0, 1]
        to_effect[count] = np.corrcoef(saliency.ravel(), effect.ravel())[0, 1]
    assert to_expected[100] < to_expected[1000] < to_expected[4000] and to_expected[4000] >= 0.99
    assert to_effect[4000] >= 0.95


def test_rise_and_occlusion_are_seeded_and_deterministic(region, face_crop):
    first = explain_face("rise", face_crop, superpixels(face_crop), region, lime=LIME, seed=5)
    again = explain_face("rise", face_crop, superpixels(face_crop), region, lime=LIME, seed=5)
    other = explain_face("rise", face_crop, superpixels(face_crop), region, lime=LIME, seed=6)
    assert np.array_equal(first.signed_map, again.signed_map) and not np.array_equal(first.signed_map, other.signed_map)
    assert first.forward_passes == LIME["num_samples"]  # rise.num_masks null: LIME's budget


def test_every_method_puts_nine_tenths_of_its_positive_mass_on_the_only_region_the_model_sees(tmp_path, face_crop):
    lower_half = (slice(56, 112), slice(0, 112))
    model = onnx(region_model(tmp_path / "lower.onnx", region=lower_half))
    inside = np.zeros((112, 112), bool)
    inside[lower_half] = True
    lime = {**LIME, "num_samples": 1000}
    for method in ("lime", "rise", "occlusion"):
        explanation = explain_face(method, face_crop, superpixels(face_crop), model, lime=lime, seed=2,
                                    explain={"rise": {"num_masks": 4000}})
        mass = explanation.score_map
        assert mass.min() >= 0 and mass[inside].sum() / mass.sum() >= 0.90, method


def test_deletion_in_the_explained_order_beats_random_orders(tmp_path):
    model = onnx(additive_model(tmp_path / "additive.onnx"))
    white = np.full((112, 112, 3), 255, np.uint8)
    rng = np.random.default_rng(0)
    for method in ("lime", "occlusion"):
        explanation = explain_face(method, white, grid_segments(), model, lime=LIME, seed=1)
        rows, _ = image_faithfulness(model, white, explanation.segments, explanation.signed_map, random_orders=8, rng=rng,
                                     units=("superpixels",))
        assert [(r["substrate"], r["kind"]) for r in rows] == [("hide", "deletion"), ("hide", "insertion"),
                                                                ("blur", "insertion")]
        for row in rows[:2]:  # on a white face a blur changes nothing: only the hide value is a test
            assert row["units"] == "superpixels"
            assert row["beats_random"] and row["gap"] > 0, row


def test_agreement_of_a_map_with_itself_and_with_its_opposite():
    a = np.random.default_rng(0).random((20, 30))
    same = map_agreement(a, a)
    assert same == {"spearman": pytest.approx(1.0), "top_iou": 1.0, "top_share": 1.0}
    opposite = map_agreement(a, -a)
    assert opposite["spearman"] == pytest.approx(-1.0) and opposite["top_iou"] == 0.0
    inside = np.zeros_like(a, bool)
    inside[:10] = True
    assert map_agreement(a, np.where(inside, a, 0), within=inside)["top_iou"] == 1.0
    rows = [{"model": "m", "first": "lime", "second": "rise", **map_agreement(a, a + noise)}
            for noise in np.random.default_rng(1).normal(0, 0.3, (12, 20, 30))]
    (summary,) = agreement_summary(rows, resamples=500)
    assert summary["images"] == 12 and summary["spearman_ci_low"] <= summary["spearman"] <= summary["spearman_ci_high"]


def test_unknown_method_names_the_key(region, face_crop):
    with pytest.raises(ValueError, match="explain.methods: unknown method 'gradcam'"):
        explain_face("gradcam", face_crop, superpixels(face_crop), region, lime=LIME, seed=0)


# --- the registry and the scorer (issue 23: one entry point, one formula, one own embedding) ---------------

def test_every_method_the_schema_allows_has_an_explainer_in_the_schemas_order():
    from facelime.defaults import load_schema
    from facelime.explainers import EXPLAINERS, METHODS

    allowed = load_schema()["properties"]["explain"]["properties"]["methods"]["items"]["enum"]
    assert list(METHODS) == list(EXPLAINERS) == allowed
    assert all(callable(explainer) for explainer in EXPLAINERS.values())


def test_explain_face_dispatches_through_the_registry(monkeypatch, region, face_crop):
    from facelime.explainers import dispatch

    seen = {}

    def fake(face, segments, embedder, **settings):
        seen.update(settings, segments_dtype=segments.dtype)
        return "explained"

    monkeypatch.setitem(dispatch.EXPLAINERS, "rise", fake)
    segments = superpixels(face_crop).astype(np.int64)
    assert explain_face("rise", face_crop, segments, region, lime=LIME, seed=4) == "explained"
    assert seen["seed"] == 4 and seen["lime"] is LIME and seen["segments_dtype"] == np.int32


def test_the_scorer_is_the_cosine_of_the_embeddings_shifted_to_0_1(region, face_crop):
    from facelime.explainers.scoring import SimilarityScorer, own_embedding

    segments = grid_segments()
    prepared = region.prepare(face_crop, segments)
    rows = np.random.default_rng(0).integers(0, 2, (40, 16)).astype(np.uint8)
    other = region.embed_faces([face_crop[::-1].copy()])[0]
    scorer = SimilarityScorer(region, other, batch_size=7)  # batches that do not divide the rows
    by_hand = []
    for row in rows:
        e = region.embed_inputs(prepared.perturbed(row[None]))[0].astype(np.float64)
        by_hand.append((np.dot(e, other) / np.linalg.norm(e) / np.linalg.norm(other) + 1) / 2)
    np.testing.assert_allclose(scorer.score_rows(prepared, rows), by_hand, atol=1e-6)
    np.testing.assert_allclose(scorer.score_rows(prepared, rows),  # other batches: the same up to rounding
                               scorer.score_batches(prepared.perturbed(rows[i:i + 5]) for i in range(0, 40, 5)),
                               atol=1e-12)
    own = SimilarityScorer.of_face(region, prepared)
    np.testing.assert_array_equal(own.reference, own_embedding(region, prepared))
    assert own.score_inputs(prepared.pixels[None])[0] == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("method", ["lime", "rise", "occlusion", "regions"])
def test_every_explainer_takes_the_faces_own_embedding_by_default(method, region, face_crop):
    from facelime.explainers.scoring import own_embedding

    from facelime.landmarks import LandmarkDetector

    landmarks = LandmarkDetector()(face_crop)[0] if method == "regions" else None
    settings = dict(lime={**LIME, "num_samples": 60}, seed=3, landmarks=landmarks,
                    explain={"rise": {"num_masks": 60}, "occlusion": {"patch": 28, "stride": 28}})
    default = explain_face(method, face_crop, superpixels(face_crop), region, **settings)
    own = own_embedding(region, region.prepare(face_crop))
    given = explain_face(method, face_crop, superpixels(face_crop), region, reference=own, **settings)
    np.testing.assert_array_equal(default.scores, given.scores)
    np.testing.assert_array_equal(default.signed_map, given.signed_map)


def test_the_similarity_formula_is_written_once():
    from pathlib import Path

    import facelime

    formula = "+ 1.0) / 2.0"
    found = [str(p.relative_to(Path(facelime.__file__).parent)) for p in Path(facelime.__file__).parent.rglob("*.py")
             for line in p.read_text().splitlines() if formula in line and not line.lstrip().startswith(("#", '"'))]
    assert found == ["explainers/scoring.py"], found


def pasted_region_model(path, box, template: np.ndarray, scale: float = 50.0):
    """An ONNX 'network' that sees only the box and knows the untouched face there (template, normalised CHW).

    embedding = [(x - t) * x over the box, flattened; scale]: the untouched face and a face with
    the box hidden (x = 0, the model's mid-grey) both give [0, scale], anything else pasted
    there moves away from it. So hiding the pasted box is what raises the similarity most.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    top, bottom, left, right = box
    n = 3 * (bottom - top) * (right - left)
    nodes = [helper.make_node("Slice", ["input", "starts", "ends", "axes"], ["box"]),
             helper.make_node("Sub", ["box", "template"], ["change"]),
             helper.make_node("Mul", ["change", "box"], ["product"]),
             helper.make_node("Reshape", ["product", "flat_shape"], ["flat"]),
             helper.make_node("Pad", ["flat", "pads", "scale"], ["embedding"])]
    inits = [numpy_helper.from_array(np.array([top, left], np.int64), "starts"),
             numpy_helper.from_array(np.array([bottom, right], np.int64), "ends"),
             numpy_helper.from_array(np.array([2, 3], np.int64), "axes"),
             numpy_helper.from_array(template[None].astype(np.float32), "template"),
             numpy_helper.from_array(np.array([-1, n], np.int64), "flat_shape"),
             numpy_helper.from_array(np.array([0, 0, 0, 1], np.int64), "pads"),
             numpy_helper.from_array(np.array(scale, np.float32), "scale")]
    graph = helper.make_graph(nodes, "pasted_region",
                              [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, 112, 112])],
                              [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", n + 1])],
                              initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 10
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


@pytest.fixture(scope="module")
def patch_cases():
    from facelime.validity.patch_benchmark import build_cases, demo_faces
    from facelime.landmarks import LandmarkDetector

    faces = dict(sorted(demo_faces().items())[:3])
    detector = LandmarkDetector()
    return build_cases(faces, {name: detector(face)[0] for name, face in faces.items()})


def test_patched_faces_differ_from_the_originals_only_in_the_answer_box(patch_cases):
    assert len(patch_cases) == 9 and {c.part for c in patch_cases} == {"eyes", "nose", "mouth"}
    for case in patch_cases:
        changed = np.any(case.patched != case.original, axis=2)
        assert changed.any() and not changed[~case.answer].any()
    rows = {c.part: np.nonzero(c.answer.any(axis=1))[0].mean() for c in patch_cases[:3]}
    assert rows["eyes"] < rows["nose"] < rows["mouth"]  # landmarks put the parts in face order


def test_patch_benchmark_finds_the_pasted_region_on_a_model_that_sees_only_it(tmp_path, patch_cases):
    from facelime.validity.patch_benchmark import hit_rates, method_explainer, run_benchmark

    rows = []
    for i, case in enumerate(patch_cases):
        top, bottom, left, right = case.box
        template = ((case.original.astype(np.float32) - 127.5) / 127.5).transpose(2, 0, 1)[:, top:bottom, left:right]
        model = onnx(pasted_region_model(tmp_path / f"case{i}.onnx", case.box, template))
        explain_case = method_explainer(model, LIME, None, seed=0, segmenter=superpixels)
        rows += run_benchmark([case], model, ("lime", "rise", "occlusion"), explain_case)
    rates = {r["method"]: r for r in hit_rates(rows)}
    assert set(rates) == {"lime", "rise", "occlusion"} and all(r["cases"] == 9 for r in rates.values())
    assert rates["rise"]["hit_rate"] >= 0.8 and rates["occlusion"]["hit_rate"] >= 0.8, rates
    # LIME points with whole superpixels, which straddle the box: its maximum must touch the box every
    # time, but only the share of that superpixel inside the box counts as a hit
    assert all(r["hit"] > 0 for r in rows if r["method"] == "lime"), rows


def test_pointing_game_scores_the_most_negative_evidence_and_splits_ties():
    from facelime.validity.patch_benchmark import box_mask, score_case

    answer = box_mask((10, 20, 10, 20), (40, 40))
    assert score_case(-answer.astype(float), answer) == {"hit": 1.0, "top_iou": 1.0}
    assert score_case(answer.astype(float), answer)["hit"] == 0.0  # positive evidence is not the answer
    straddling = np.zeros((40, 40))
    straddling[10:20, 15:25] = -1  # a flat minimum, half of it in the box
    assert score_case(straddling, answer)["hit"] == 0.5
