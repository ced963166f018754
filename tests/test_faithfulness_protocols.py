"""Known answers for faithfulness under several protocols, the method ranking and the identity bootstrap."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import region_model

from facelime.models import build_embedder
from facelime.validity.method_ranking import kendalls_w, method_summary, paired_differences, ranking_table
from facelime.validity.faithfulness import (UNITS, Protocol, blurred_input, input_magnification, on_substrate,
                                         protocol_curves, protocol_rows, protocols, step_rows, unit_labels)
from facelime.validity.stats import identity_bootstrap_ci

REGION = (slice(28, 56), slice(56, 84))  # the only pixels region_model looks at


@pytest.fixture(scope="module")
def region_embedder(tmp_path_factory):
    path = region_model(tmp_path_factory.mktemp("protocols") / "region.onnx")
    return build_embedder("region", {"backend": "onnx", "path": str(path), "device": "cpu"})


def test_step_rows_remove_equal_shares_of_the_units_in_order():
    order = np.random.default_rng(0).permutation(100)
    rows = step_rows(order, 20, insertion=False)
    assert rows.shape == (21, 100)
    np.testing.assert_array_equal(rows.sum(axis=1), 100 - 5 * np.arange(21))
    assert rows[1, order[:5]].sum() == 0 and rows[1, order[5:]].all()  # the first 5 of the order go first
    np.testing.assert_array_equal(step_rows(order, 20, insertion=True), 1 - rows)
    assert step_rows(np.arange(7), 20, insertion=True).shape == (8, 7)  # fewer units than steps: one per step


def test_units_cover_the_crop(face_crop):
    segments = np.zeros((112, 112), np.int32)
    grid = unit_labels("grid", face_crop, segments)
    assert grid.max() == 63 and np.all(np.bincount(grid.ravel()) >= 14 * 14)
    assert unit_labels("pixels", face_crop, segments).max() == 112 * 112 - 1
    segmentation = unit_labels("felzenszwalb", face_crop, segments)
    assert 15 <= segmentation.max() + 1 <= 45
    np.testing.assert_array_equal(segmentation, unit_labels("felzenszwalb", face_crop, segments))  # deterministic
    with pytest.raises(ValueError, match="validity.faithfulness.units"):
        unit_labels("hexagons", face_crop, segments)


def test_substrates_in_input_space(region_embedder, face_crop):
    labels = unit_labels("grid", face_crop, None)
    prepared = region_embedder.prepare(face_crop, labels)
    rows = np.random.default_rng(1).integers(0, 2, (5, 64)).astype(np.uint8)
    hide = np.broadcast_to(prepared.hide.astype(prepared.pixels.dtype)[:, None, None], prepared.pixels.shape)
    np.testing.assert_array_equal(on_substrate(prepared, rows, hide), prepared.perturbed(rows))
    pixel_prepared = region_embedder.prepare(face_crop, unit_labels("pixels", face_crop, None))
    assert input_magnification(pixel_prepared) == pytest.approx(1.0)  # ONNX at the crop's size
    flat = np.full((112, 112, 3), 90, np.uint8)
    flat_prepared = region_embedder.prepare(flat, labels)
    np.testing.assert_allclose(blurred_input(flat_prepared, flat_prepared, 5.0), flat_prepared.pixels, atol=1e-5)
    blurred = blurred_input(prepared, pixel_prepared, 5.0)
    assert blurred.shape == prepared.pixels.shape and blurred.mean() == pytest.approx(prepared.pixels.mean(), abs=0.02)
    dot = np.zeros((112, 112, 3), np.uint8)
    dot[56, 40] = 255  # one bright pixel: its blur is a Gaussian of sd 5 crop pixels along each side
    dot_prepared = region_embedder.prepare(dot, labels)
    spread = blurred_input(dot_prepared, pixel_prepared, 5.0)[0] - dot_prepared.pixels[0, 0, 0]
    columns = spread.sum(axis=0)
    centre = (columns * np.arange(112)).sum() / columns.sum()
    assert centre == pytest.approx(40, abs=0.01)
    assert np.sqrt((columns * (np.arange(112) - centre) ** 2).sum() / columns.sum()) == pytest.approx(5.0, abs=0.05)


def test_a_map_on_the_seen_region_beats_random_under_every_protocol(region_embedder, face_crop):
    """region_model sees one 28x28 box: a map that is 1 there and 0 elsewhere must beat random orders on
    every kind of unit and substrate, and a map pointing away from it must not."""
    signed = np.zeros((112, 112), np.float32)
    signed[REGION] = 1.0
    rng = np.random.default_rng(0)
    reference = region_embedder.embed_faces([face_crop])[0].astype(np.float64)
    other = np.ascontiguousarray(face_crop[:, ::-1])  # a different face in the box: the pair substrate
    chosen = protocols(UNITS, pair=True)
    assert len(chosen) == 4 * 5
    curves = protocol_curves(region_embedder, face_crop, unit_labels("grid", face_crop, None) // 4, signed,
                             reference, chosen, steps=20, random_orders=4, rng=rng, pair_face=other)
    rows, resampled = protocol_rows(curves)
    for row in rows:
        assert row["beats_random"] == 1 and row["gap"] > 1e-3, row
    pixels_deletion = curves[Protocol("pixels", "hide", "deletion")]
    assert pixels_deletion.shape == (5, 21)
    assert pixels_deletion[0, 0] == pytest.approx(1.0, abs=1e-5)
    # the box is 784 of 12544 pixels (6.25 %): after 2 of 20 steps (10 %) the model sees only grey
    np.testing.assert_allclose(pixels_deletion[0, 2:], pixels_deletion[0, -1], atol=1e-5)
    pair_insertion = curves[Protocol("pixels", "pair", "insertion")]
    other_similarity = (region_embedder.embed_faces([other])[0] @ reference + 1) / 2
    assert pair_insertion[0, 0] == pytest.approx(other_similarity, abs=1e-5)  # all other image
    assert pair_insertion[0, -1] == pytest.approx(1.0, abs=1e-5)  # all face again
    assert set(resampled) == {f"{p.name}:{order}" for p in chosen for order in ("map", "random")}
    away = protocol_rows(protocol_curves(region_embedder, face_crop, np.zeros((112, 112), np.int32), -signed,
                                         reference, protocols(("pixels",)), 20, 4, rng))[0]
    assert all(row["beats_random"] == 0 for row in away)


def test_identity_bootstrap_is_wider_than_the_image_bootstrap_on_clustered_data():
    rng = np.random.default_rng(0)
    identities = np.repeat(np.arange(30), 10)
    values = rng.normal(0, 1, 30)[identities] + rng.normal(0, 1, 300)  # ICC 0.5
    mean, low, high = identity_bootstrap_ci(values, identities, 2000, 0.95, seed=1)
    assert mean == pytest.approx(values.mean()) and low < mean < high
    image_se = values.std() / np.sqrt(300)
    assert (high - low) / (2 * 1.96 * image_se) > 1.8  # design effect 1 + 9 x 0.5 = 5.5: sqrt ~ 2.3
    assert (mean, low, high) == identity_bootstrap_ci(values, identities, 2000, 0.95, seed=1)
    assert np.isnan(identity_bootstrap_ci([1.0, 2.0], ["a", "a"], 100)[1])
    with pytest.raises(ValueError, match="identity labels"):
        identity_bootstrap_ci([1.0, 2.0], ["a"], 100)


def _rows(gaps: dict[str, list[float]], protocol=("pixels", "hide", "deletion")) -> list[dict]:
    units, substrate, kind = protocol
    def auc(g):  # a larger gap is a lower deletion AUC and a higher insertion AUC; the random AUC stays 0.5
        return 0.5 - g if kind == "deletion" else 0.5 + g

    return [dict(model="m", method=method, identity=f"id{i // 2}", image=f"img{i}", units=units, substrate=substrate,
                 kind=kind, auc=auc(g), auc_random=0.5, gap=g, beats_random=int(g > 0))
            for method, values in gaps.items() for i, g in enumerate(values)]


def test_ranking_survives_only_when_every_protocol_agrees():
    rng = np.random.default_rng(0)
    base = {"lime": 0.10 + rng.normal(0, 0.01, 12), "rise": 0.05 + rng.normal(0, 0.01, 12),
            "occlusion": rng.normal(0, 0.01, 12)}
    same = _rows(base) + _rows(base, ("grid", "blur", "insertion"))
    summary = method_summary(same, 500, 0.95, 0)
    assert {(e["method"], e["rank"]) for e in summary if e["units"] == "pixels"} == {
        ("lime", 1), ("rise", 2), ("occlusion", 3)}
    table = ranking_table(summary)
    assert all(r["ranking"] == "lime > rise > occlusion" and r["ranking_survives"] == 1 for r in table)
    assert table[0]["kendalls_w"] == pytest.approx(1.0)
    flipped = _rows(base) + _rows({"lime": base["occlusion"], "rise": base["rise"], "occlusion": base["lime"]},
                                  ("grid", "blur", "insertion"))
    table = ranking_table(method_summary(flipped, 500, 0.95, 0))
    assert all(r["ranking_survives"] == 0 and r["best_survives"] == 0 for r in table)
    assert table[0]["kendalls_w"] == pytest.approx(0.0)  # two raters in exactly opposite order
    pairs = {(p["method_a"], p["method_b"]): p for p in paired_differences(_rows(base), 500, 0.95, 0)}
    assert pairs[("lime", "rise")]["better"] == "lime" and pairs[("lime", "rise")]["difference"] == pytest.approx(
        np.mean(base["lime"] - base["rise"]))
    assert pairs[("lime", "rise")]["identities"] == 6 and pairs[("lime", "rise")]["images"] == 12


def test_kendalls_w_known_values():
    assert kendalls_w(np.array([[1, 2, 3], [1, 2, 3], [1, 2, 3]])) == pytest.approx(1.0)
    assert np.isnan(kendalls_w(np.array([[1, 2, 3]])))


def test_explain_step_stores_signed_maps_and_the_faithfulness_step_orders_by_them(tmp_path, face_crop):
    """The explain step keeps both signs (score_maps is their positive part); the faithfulness step reads
    them and writes one row per protocol, the network and the method in their own columns."""
    from conftest import grid_segments

    from facelime.steps.explain import explain
    from facelime.steps.validity import explained_signed_map, faithfulness
    from facelime.validity.faithfulness import FAITHFULNESS_FIELDS
    from facelime.storage import load_arrays, read_tsv, save_arrays

    model_path = region_model(tmp_path / "region.onnx")
    spec = {"backend": "onnx", "path": str(model_path), "device": "cpu"}
    faces = tmp_path / "faces.npz"
    save_arrays(faces, faces=face_crop[None], segments=grid_segments()[None], images=np.array(["a.jpg"]))
    lime = {"num_samples": 200, "kernel_width": 0.25, "keep": "positive", "sampling": "lime", "reference": "self"}
    explain(faces=str(faces), masks=str(tmp_path / "masks.npz"), model="region", spec=spec, lime=lime,
            method="lime", preprocess=None, seed=0, identity="person")
    masks = load_arrays(tmp_path / "masks.npz")
    signed = masks["signed_maps"][0]
    assert signed.min() < 0 < signed.max()  # LIME's weights of the cells the model ignores scatter round 0
    np.testing.assert_array_equal(masks["score_maps"][0], np.maximum(signed, 0))
    np.testing.assert_array_equal(explained_signed_map(masks, 0), signed)
    settings = {"units": ["pixels", "grid"], "steps": 4, "grid": 8, "blur_sigma": 5.0, "random_orders": 2}
    rows = faithfulness(faces=str(faces), masks=str(tmp_path / "masks.npz"), tsv=str(tmp_path / "f.tsv"),
                        curves=str(tmp_path / "f.npz"), model="region", spec=spec, settings=settings,
                        seed=0, identity="person")
    assert [(r["units"], r["substrate"], r["kind"]) for r in rows] == [
        (u, s, k) for u in ("pixels", "grid") for s, k in (("hide", "deletion"), ("hide", "insertion"),
                                                           ("blur", "insertion"))]
    assert all(r["model"] == "region" and r["method"] == "lime" and r["steps"] == 4 for r in rows)
    assert all(r["beats_random"] == 1 for r in rows if r["substrate"] == "hide")  # LIME finds the box
    assert list(read_tsv(tmp_path / "f.tsv")[0]) == list(FAITHFULNESS_FIELDS)
    assert load_arrays(tmp_path / "f.npz")["pixels:hide:deletion:map"].shape == (1, 21)


def test_faithfulness_leaves_out_regions_images_without_landmarks(tmp_path, face_crop):
    """A regions image whose landmarks fell back to the whole crop has no map (all zeros): scoring its
    'order' would be a random order counted as the method's. It gets no rows and no curves."""
    from conftest import grid_segments

    from facelime.steps.validity import faithfulness
    from facelime.storage import load_arrays, save_arrays

    model_path = region_model(tmp_path / "region.onnx")
    spec = {"backend": "onnx", "path": str(model_path), "device": "cpu"}
    faces = tmp_path / "faces.npz"
    save_arrays(faces, faces=np.stack([face_crop, face_crop]), segments=np.stack([grid_segments()] * 2),
                images=np.array(["a.jpg", "b.jpg"]))
    signed = np.zeros((2, 112, 112), np.float32)
    signed[0, 28:56, 56:84] = 1.0  # image a: a regions map on the box the model sees; image b: skipped
    save_arrays(tmp_path / "masks.npz", images=np.array(["a.jpg", "b.jpg"]), signed_maps=signed,
                score_maps=signed, segments=np.stack([grid_segments()] * 2), region_skipped=np.array([False, True]),
                references=np.zeros((2, 0), np.float32), reference_kinds=np.array(["self", "self"]))
    settings = {"units": ["grid"], "steps": 4, "grid": 8, "blur_sigma": 5.0, "random_orders": 2}
    rows = faithfulness(faces=str(faces), masks=str(tmp_path / "masks.npz"), tsv=str(tmp_path / "f.tsv"),
                        curves=str(tmp_path / "f.npz"), model="region@regions", spec=spec, settings=settings,
                        seed=0, identity="person")
    assert {r["image"] for r in rows} == {"a.jpg"} and len(rows) == 3
    curves = load_arrays(tmp_path / "f.npz")
    assert list(curves["images"]) == ["a.jpg"] and curves["grid:hide:deletion:map"].shape == (1, 21)


def test_pixel_curves_take_pixel_steps_the_other_units_steps(region_embedder, face_crop):
    """Pixels in 1 % steps (pixel_steps 100 in the workflow) while coarser units keep `steps`."""
    reference = region_embedder.embed_faces([face_crop])[0].astype(np.float64)
    chosen = protocols(["pixels", "grid"])
    curves = protocol_curves(region_embedder, face_crop, np.zeros((112, 112), np.int32),
                             np.random.default_rng(0).normal(size=(112, 112)).astype(np.float32), reference, chosen,
                             steps=4, random_orders=1, rng=np.random.default_rng(1), pixel_steps=10)
    for protocol, sims in curves.items():
        assert sims.shape == (2, 11 if protocol.units == "pixels" else 5), protocol
