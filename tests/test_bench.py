"""The benchmark's baselines compute the same answers as the pipeline (no timings asserted)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import region_model

from facelime.bench import sampling_study, throughput
from facelime.bench.onnx_resnet import build_iresnet
from facelime.bench.study_scheme import explain_study_scheme
from facelime.lime_similarity import explain_similarity
from facelime.models import build_embedder
from facelime.segmentation import superpixels


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    path = region_model(tmp_path_factory.mktemp("bench") / "region.onnx")
    return build_embedder("region", {"backend": "onnx", "path": str(path), "device": "cpu"})


def test_study_scheme_gives_our_explanation(region, face_crop):
    segments = superpixels(face_crop)
    ours = explain_similarity(face_crop, segments, region, num_samples=60, seed=4)
    coefficients, scores = explain_study_scheme(face_crop, segments, region, 60, 0.25, seed=4)
    np.testing.assert_allclose(scores, ours.scores, atol=1e-6)
    np.testing.assert_allclose(coefficients, ours.coefficients, atol=1e-5)


def test_throughput_measures_every_batch_size(region, face_crop):
    prepared = region.prepare(face_crop, superpixels(face_crop))
    speeds = throughput.model_throughput(region, prepared, batch_sizes=(1, 4), min_images=8, min_seconds=0)
    assert sorted(speeds) == [1, 4] and all(v > 0 for v in speeds.values())


def test_passes_for_threshold_needs_the_curve_to_stay_above():
    rows = [dict(design="lime", passes=n, repeat=r, spearman=s)
            for n, s in ((100, 0.5), (200, 0.92), (300, 0.85), (500, 0.95), (1000, 0.97)) for r in range(2)]
    assert sampling_study.passes_for(rows, "lime") == 500  # 200 dips back below at 300
    assert sampling_study.passes_for(rows, "lime", threshold=0.99) is None
    assert sampling_study.mean_curve(rows, "lime")[200] == pytest.approx(0.92)


def test_stability_curve_is_perfect_for_a_deterministic_region(region, face_crop):
    from conftest import grid_segments

    rows = sampling_study.stability_curve(face_crop, grid_segments(), region, designs=("lime", "antithetic"),
                                          passes=(100, 200), repeats=1, reference_samples=400)
    # only superpixel 6 matters; the ranking of the other 15 is noise around 0, so check the top one
    assert {r["design"] for r in rows} == {"lime", "antithetic"} and len(rows) == 4
    assert all(-1 <= r["spearman"] <= 1 for r in rows)


def test_built_iresnet_is_an_arcface_shaped_model(tmp_path, face_crop):
    path = build_iresnet(tmp_path / "r18.onnx", "r18")
    model = build_embedder("r18", {"backend": "onnx", "path": str(path), "device": "cpu"})
    faces = np.stack([face_crop, face_crop[:, ::-1]])
    batched = model.embed_faces(faces)
    assert batched.shape == (2, 512)
    np.testing.assert_allclose(batched, np.concatenate([model.embed_faces(f[None]) for f in faces]), atol=1e-4)
