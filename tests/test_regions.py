"""Known answers for the exact regions explainer: game values, face regions, known-region nets."""

from __future__ import annotations

from itertools import permutations
from math import factorial

import numpy as np
import pytest

from facelime.canonical import (REGIONS, SPLIT_REGIONS, canonical_face, face_region_labels, mean_shape,
                                packaged_face_shapes)
from facelime.explainers.games import (MAX_PLAYERS, abs_shares, banzhaf_values, coalition_masks,
                                       shapley_interactions, shapley_values)
from facelime.warp import CanonicalWarp


def game(k: int, worth) -> np.ndarray:
    """The table of a game whose worth is worth(set of players)."""
    return np.array([worth(frozenset(np.flatnonzero(row))) for row in coalition_masks(k)], np.float64)


def brute_shapley(v: np.ndarray, k: int) -> np.ndarray:
    """Shapley values by their definition: mean marginal contribution over all player orders."""
    phi = np.zeros(k)
    for order in permutations(range(k)):
        mask = 0
        for i in order:
            phi[i] += v[mask | (1 << i)] - v[mask]
            mask |= 1 << i
    return phi / factorial(k)


def test_shapley_matches_the_definition_and_is_efficient():
    v = np.random.default_rng(0).standard_normal(2**5)
    phi = shapley_values(v)
    np.testing.assert_allclose(phi, brute_shapley(v, 5), atol=1e-12)
    assert phi.sum() == pytest.approx(v[-1] - v[0], abs=1e-12)


def test_additive_game_gives_each_player_its_own_worth():
    worth = np.array([0.5, -1.0, 2.0, 0.0, 3.0])
    v = game(5, lambda s: sum(worth[i] for i in s))
    np.testing.assert_allclose(shapley_values(v), worth, atol=1e-12)
    np.testing.assert_allclose(banzhaf_values(v), worth, atol=1e-12)
    np.testing.assert_allclose(shapley_interactions(v), 0, atol=1e-12)


def test_pure_interaction_game_splits_the_pair_and_names_it():
    # worth 3 only when players 1 and 3 are both in: each gets half, the pair interacts by 3
    v = game(4, lambda s: 3.0 if {1, 3} <= s else 0.0)
    np.testing.assert_allclose(shapley_values(v), [0, 1.5, 0, 1.5], atol=1e-12)
    np.testing.assert_allclose(banzhaf_values(v), [0, 1.5, 0, 1.5], atol=1e-12)  # partner present in half the coalitions
    expected = np.zeros((4, 4))
    expected[1, 3] = expected[3, 1] = 3.0
    np.testing.assert_allclose(shapley_interactions(v), expected, atol=1e-12)


def test_symmetric_players_get_equal_values_and_a_null_player_gets_zero():
    rng = np.random.default_rng(1)
    table = rng.standard_normal((2, 2, 2, 2))  # worth depends on (#{0,1} in S, 2 in S, 3 in S, 4 in S)
    v = game(5, lambda s: table[min(len(s & {0, 1}), 1), int(2 in s), int(3 in s), int(4 in s)] + len(s & {0, 1}) ** 2)
    v = game(6, lambda s: v[sum(1 << i for i in s if i < 5)])  # player 5 changes nothing: a null player
    phi, beta, inter = shapley_values(v), banzhaf_values(v), shapley_interactions(v)
    assert phi[0] == pytest.approx(phi[1], abs=1e-12) and beta[0] == pytest.approx(beta[1], abs=1e-12)
    np.testing.assert_allclose(inter[0, 2:], inter[1, 2:], atol=1e-12)
    assert phi[5] == pytest.approx(0, abs=1e-12) and beta[5] == pytest.approx(0, abs=1e-12)
    np.testing.assert_allclose(inter[5], 0, atol=1e-12)
    assert abs(phi[:5]).min() > 1e-3  # the others are not null


def test_too_many_players_are_refused_naming_the_key():
    with pytest.raises(ValueError, match=r"explain\.regions: 15 players .*1\.\.14"):
        coalition_masks(MAX_PLAYERS + 1)
    with pytest.raises(ValueError, match="2\\^K entries"):
        shapley_values(np.zeros(6))


def test_abs_shares_sum_to_one():
    np.testing.assert_allclose(abs_shares([1.0, -3.0, 0.0]), [0.25, 0.75, 0.0])
    np.testing.assert_array_equal(abs_shares([0.0, 0.0]), [0.0, 0.0])


# --- face regions: one definition for the canonical face and each face crop ---------------

@pytest.fixture(scope="module")
def canonical():
    return canonical_face(mean_shape(packaged_face_shapes()))


@pytest.fixture(scope="module")
def crop_landmarks(face_crop):
    from facelime.landmarks import LandmarkDetector

    points, detected = LandmarkDetector()(face_crop)
    assert detected
    return points


@pytest.mark.parametrize("split_sides", [False, True])
def test_face_regions_warped_to_the_canonical_face_agree_with_its_regions(canonical, face_crop, crop_landmarks,
                                                                          split_sides):
    names = SPLIT_REGIONS if split_sides else REGIONS
    labels = face_region_labels(crop_landmarks, 112, 112, split_sides)
    assert set(np.unique(labels)) == set(range(len(names)))  # every region present on a real crop
    warp = CanonicalWarp(canonical)
    maps = warp.source_maps(crop_landmarks, (112, 112))
    warped = np.stack([warp.warp((labels == i).astype(np.float32), None, maps) for i in range(len(names))]).argmax(0)
    target = canonical.region_labels(split_sides)
    iou = np.array([((warped == i) & (target == i)).sum() / ((warped == i) | (target == i)).sum()
                    for i in range(len(names))])
    # measured on this crop: 0.91 of the canvas agrees; small regions (eyes, eyebrows: a few
    # hundred crop pixels, outlines grown by a margin the warp bends) agree least (IoU 0.38-0.57)
    assert (warped == target).mean() >= 0.88
    assert iou.min() >= 0.3
    large = [names.index(r) for r in ("nose", "mouth", "forehead", "background")]
    assert iou[large].min() >= 0.75


def test_split_regions_refine_the_seven_regions(crop_landmarks):
    seven = face_region_labels(crop_landmarks, 112, 112)
    ten = face_region_labels(crop_landmarks, 112, 112, split_sides=True)
    merged = np.array([REGIONS.index(name.rsplit("_", 1)[0] if name.endswith(("_left", "_right")) else name)
                       for name in SPLIT_REGIONS])[ten]
    np.testing.assert_array_equal(merged, seven)
    xs = np.mgrid[0:112, 0:112][1]
    assert xs[ten == SPLIT_REGIONS.index("eyes_left")].mean() < xs[ten == SPLIT_REGIONS.index("eyes_right")].mean()


# --- the explainer on real faces and nets that see one region ---------------------------

def packaged_crop(name: str) -> np.ndarray:
    """A real face crop as the demo cuts it (facelime.demo): HOG box, loose crop, centre crop."""
    from facelime.demo import detect_faces, loose_crop, packaged_photos
    from facelime.images import load_rgb
    from facelime.preprocess import centre_crop

    path = next(p for prefix, p, _ in packaged_photos() if prefix == name)
    image = load_rgb(path)
    return centre_crop(loose_crop(image, detect_faces(image)[0]), 112)


@pytest.fixture(scope="module", params=["tom_hanks", "grace_hopper"])
def real_face(request, face_crop):
    from facelime.landmarks import LandmarkDetector

    face = face_crop if request.param == "tom_hanks" else packaged_crop(request.param)
    points, detected = LandmarkDetector()(face)
    assert detected
    return face, points


def inner_box(points: np.ndarray, margin: int) -> tuple[slice, slice]:
    """The landmarks' bounding box shrunk by `margin` px: a box inside the region they outline."""
    lo, hi = np.floor(points.min(axis=0)).astype(int), np.ceil(points.max(axis=0)).astype(int)
    return slice(lo[1] + margin, hi[1] - margin + 1), slice(lo[0] + margin, hi[0] - margin + 1)


@pytest.mark.parametrize("part, split_sides, region", [("nose", False, "nose"), ("left_eye", True, "eyes_left"),
                                                       ("left_eye", False, "eyes")])
def test_a_net_that_sees_one_region_gets_its_value_there(tmp_path, real_face, part, split_sides, region):
    from conftest import region_model
    from facelime.explainers import explain_face
    from facelime.models import build_embedder

    face, points = real_face
    # a box inside the region: nose tip to nostrils (landmarks 30-35), or the left eye's lids (36-41)
    box = inner_box(points[30:36], 1) if part == "nose" else inner_box(points[36:42], 1)
    names = SPLIT_REGIONS if split_sides else REGIONS
    labels = face_region_labels(points, 112, 112, split_sides)
    assert np.mean(labels[box] == names.index(region)) >= 0.95  # the box (nearly) lies in the region
    embedder = build_embedder("box", {"backend": "onnx", "path": str(region_model(tmp_path / "box.onnx", box)),
                                      "device": "cpu"})
    result = explain_face("regions", face, labels.astype(np.int32), embedder, lime={"keep": "positive"}, seed=0,
                           explain={"regions": {"split_sides": split_sides}}, landmarks=points)
    values = result.regions
    assert values.names == names and result.forward_passes == 2 ** len(names)
    assert values.shares[names.index(region)] >= 0.90
    # the map paints each value evenly over its region: its sum over a region is the value
    sums = np.bincount(values.labels.ravel(), weights=result.signed_map.ravel().astype(np.float64),
                       minlength=len(names))
    np.testing.assert_allclose(sums, values.shapley, atol=1e-5)


def test_efficiency_holds_to_float_precision_on_dlib(face_crop, crop_landmarks):
    from facelime.explainers.regions import explain_regions, format_region_table
    from facelime.models import build_embedder

    embedder = build_embedder("dlib_resnet", {"backend": "dlib"})
    _, scores, values, _ = explain_regions(face_crop, crop_landmarks, embedder)
    assert len(scores) == 128 and scores[-1] == pytest.approx(1.0, abs=1e-6)  # all shown: the face itself
    assert values.shapley.sum() == pytest.approx(scores[-1] - scores[0], abs=1e-12)
    assert np.abs(values.shapley).max() > 1e-3  # a real network: the regions matter
    np.testing.assert_allclose(values.interactions, values.interactions.T)
    table = format_region_table(values)
    assert table.splitlines()[1].split()[0] == REGIONS[int(np.argmax(np.abs(values.shapley)))]


def test_regions_without_landmarks_is_refused(face_crop, region_onnx):
    from facelime.explainers import explain_face
    from facelime.models import build_embedder

    embedder = build_embedder("box", {"backend": "onnx", "path": str(region_onnx), "device": "cpu"})
    with pytest.raises(ValueError, match="regions needs the face's 68 landmarks"):
        explain_face("regions", face_crop, np.zeros((112, 112), np.int32), embedder, lime={"keep": "positive"},
                      seed=0)


def test_images_without_landmarks_are_skipped_with_a_qc_row(tmp_path, face_crop, crop_landmarks, region_onnx):
    from facelime.qc import run_summary
    from facelime.steps.explain import explain
    from facelime.steps.qc import region_skip_rows
    from facelime.storage import load_arrays, save_arrays

    images = np.array(["found.jpg", "fallback.jpg"])
    faces = tmp_path / "faces.npz"
    save_arrays(faces, faces=np.stack([face_crop, face_crop]), segments=np.zeros((2, 112, 112), np.int32),
                images=images)
    save_arrays(tmp_path / "landmarks.npz", landmarks=np.stack([crop_landmarks, crop_landmarks]),
                face_detected=np.array([True, False]), images=images)
    masks = tmp_path / "person.npz"
    explain(faces=str(faces), masks=str(masks), model="box@regions",
            spec={"backend": "onnx", "path": str(region_onnx), "device": "cpu"},
            lime={"num_samples": 10, "kernel_width": 0.25, "keep": "positive", "sampling": "lime"},
            method="regions", method_settings={"split_sides": False},
            preprocess=None, seed=0, identity="person", landmarks=[str(tmp_path / "landmarks.npz")])
    stored = load_arrays(masks)
    np.testing.assert_array_equal(stored["region_skipped"], [False, True])
    assert np.isfinite(stored["region_shapley"][0]).all() and np.isnan(stored["region_shapley"][1]).all()
    assert not stored["score_maps"][1].any() and stored["sample_scores"].shape == (2, 128)
    scores = stored["sample_scores"][0].astype(np.float64)  # efficiency, as stored
    assert stored["region_shapley"][0].sum() == pytest.approx(scores[-1] - scores[0], abs=1e-6)
    rows = region_skip_rows(str(masks), "explain:box@regions")
    assert [(r["file"], r["action"]) for r in rows] == [("fallback.jpg", "skipped")]
    summary = run_summary(rows, [], 1, 2, 0.2)
    assert "1 image explanations skipped by regions (no landmarks)" in summary
    assert "0 skipped" in summary  # not counted among the images the whole run left out


def test_region_value_summaries_resample_identities(tmp_path):
    from facelime.validity.region_values import label_permutation, paired_permutation, scope_summary

    rng = np.random.default_rng(0)
    phi = rng.normal([0.3, 0.0, -0.1], 0.05, size=(40, 3))
    result = scope_summary(phi, np.abs(phi), 1000, 0.95, np.random.default_rng(1))
    assert np.all(result["mean_ci_low"] <= result["mean"]) and np.all(result["mean"] <= result["mean_ci_high"])
    assert result["mean_ci_high"][0] - result["mean_ci_low"][0] == pytest.approx(2 * 1.96 * 0.05 / np.sqrt(40),
                                                                                   rel=0.25)
    assert result["share"].sum() == pytest.approx(1)
    difference, p = paired_permutation(phi, phi - [0.05, 0, 0], 999, np.random.default_rng(2))
    assert difference[0] == pytest.approx(0.05) and p[0] == pytest.approx(0.001) and p[1] == 1.0
    _, p = label_permutation(phi[:20], phi[20:], 199, np.random.default_rng(3))
    assert np.all(p > 0.01)  # one population split in two: no difference


def test_paired_model_tests_compare_values_and_scale_free_shares():
    from facelime.steps.regions import compare

    rng = np.random.default_rng(4)
    phi = np.abs(rng.normal([0.3, 0.1, 0.1], 0.02, size=(30, 3)))
    # model b: the same identities on a 10x smaller similarity scale, with the first region's share moved
    other = phi * [0.05, 0.1, 0.1]
    scopes = {"a": ("model", phi, np.abs(phi)), "b": ("model", other, np.abs(other))}
    identities = [f"id{i}" for i in range(30)]
    rows = compare(scopes, ["r0", "r1", "r2"], identities, {}, {"permutations": 999}, seed=0)
    assert {(r["comparison"], r["measure"]) for r in rows} == {("models (paired)", "value"), ("models (paired)", "share")}
    share = {r["region"]: r for r in rows if r["measure"] == "share"}
    expected = np.mean(phi[:, 0] / phi.sum(axis=1) - other[:, 0] / other.sum(axis=1))  # about 0.6 - 0.43
    assert share["r0"]["difference"] == pytest.approx(expected) and expected > 0.1
    assert share["r0"]["p_adjusted"] < 0.01
    assert all(r["p_value"] <= r["p_adjusted"] for r in rows)


def test_coalitions_are_scored_as_lime_scores_its_perturbations(real_face, region_onnx):
    """Each coalition's worth is LIME's similarity of the same perturbation: the same prepared input
    (the regions as segments), the same hide value, the same batched forward path."""
    from facelime.explainers.games import coalition_masks
    from facelime.explainers.regions import explain_regions
    from facelime.explainers.scoring import SimilarityScorer
    from facelime.models import build_embedder

    face, points = real_face
    embedder = build_embedder("box", {"backend": "onnx", "path": str(region_onnx), "device": "cpu"})
    _, scores, values, _ = explain_regions(face, points, embedder)
    prepared = embedder.prepare(face, values.labels.astype(np.int32))
    reference = embedder.embed_prepared(prepared.pixels[None])[0].astype(np.float64)
    rows = coalition_masks(len(values.names)).astype(np.uint8)
    chosen = [0, 1, 5, 42, len(rows) - 1]
    np.testing.assert_allclose(scores[chosen], SimilarityScorer(embedder, reference, 2).score_rows(prepared, rows[chosen]),
                               atol=1e-6)
    assert scores[-1] == pytest.approx(1.0, abs=1e-6)  # every region shown: the face itself
    # the empty coalition shows LIME's hide value on every pixel of the crop
    hidden = prepared.perturbed(np.zeros((1, len(values.names)), np.uint8))[0]
    inside = prepared.segment_index >= 0
    hide = prepared.hide.astype(prepared.pixels.dtype)
    channels = hidden if prepared.channels_first else np.moveaxis(hidden, -1, 0)
    for c, value in enumerate(hide):
        assert np.all(channels[c].reshape(inside.shape)[inside] == value)
