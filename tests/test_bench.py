"""The benchmark's baselines compute the same answers as the pipeline (no timings asserted)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import region_model

from bench import sampling_study, throughput
from bench.onnx_resnet import build_iresnet
from bench.study_scheme import explain_study_scheme
from facelime.explainers.lime import explain_similarity
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


def test_stability_curve_is_perfect_for_a_deterministic_model(tmp_path):
    from conftest import additive_model, grid_segments

    # every one of the 16 cells matters, each by a different amount: one right ranking
    model = build_embedder("additive", {"backend": "onnx", "path": str(additive_model(tmp_path / "a.onnx")),
                                        "device": "cpu"})
    white = np.full((112, 112, 3), 255, np.uint8)
    rows = sampling_study.stability_curve(white, grid_segments(), model, designs=("lime", "antithetic"),
                                          passes=(100, 200), repeats=1, reference_samples=400)
    assert {r["design"] for r in rows} == {"lime", "antithetic"} and len(rows) == 4
    assert all(r["spearman"] >= 0.99 for r in rows)
    assert all(r["spearman"] == pytest.approx(1.0) for r in rows if r["passes"] == 200)


def test_built_iresnet_is_an_arcface_shaped_model(tmp_path, face_crop):
    path = build_iresnet(tmp_path / "r18.onnx", "r18")
    model = build_embedder("r18", {"backend": "onnx", "path": str(path), "device": "cpu"})
    faces = np.stack([face_crop, face_crop[:, ::-1]])
    batched = model.embed_faces(faces)
    assert batched.shape == (2, 512)
    np.testing.assert_allclose(batched, np.concatenate([model.embed_faces(f[None]) for f in faces]), atol=1e-4)


def test_gpu_rows_say_why_they_were_skipped(tmp_path, monkeypatch):
    import onnxruntime as ort

    from bench import gpu

    monkeypatch.setattr(ort, "get_available_providers", lambda: ["CPUExecutionProvider"])
    rows = gpu.gpu_rows(tmp_path, np.zeros((112, 112, 3), np.uint8), np.zeros((112, 112), np.int32), 10, 1)
    assert rows == {"skipped": "onnxruntime reports no CUDAExecutionProvider (it has CPUExecutionProvider): "
                               "install onnxruntime-gpu on a machine with an NVIDIA GPU for the GPU rows"}
    assert gpu.gpu_table(rows).startswith("GPU rows skipped: onnxruntime reports no CUDAExecutionProvider")


def test_gpu_net_rows_on_the_cpu_provider(tmp_path, face_crop):
    """The GPU rows' code on the CPU provider, small: fp16 stays on fp32's direction (the sane
    iResNet), and the efficiency is the model's own time over LIME's, from interleaved pairs."""
    from bench import gpu
    from facelime.segmentation import superpixels

    saved = gpu.GPU_BATCH, gpu.THROUGHPUT_SECONDS
    gpu.GPU_BATCH, gpu.THROUGHPUT_SECONDS = 8, 0.1  # the rows' code, not the CPU's speed
    try:
        rows = gpu.net_rows(build_iresnet(tmp_path / "r18.onnx", "r18"), face_crop, superpixels(face_crop),
                            samples=15, repeats=1, device="cpu")
    finally:
        gpu.GPU_BATCH, gpu.THROUGHPUT_SECONDS = saved
    assert rows["fp16_cosine_min"] > 0.9999
    # one pair (repeats=1): the model alone on the same 16 passes over LIME, timed back to back
    assert rows["lime_efficiency"] == pytest.approx(rows["model_only_s"] / rows["explain_s"])
    assert rows["lime_efficiency_spread"] == pytest.approx([rows["lime_efficiency"]] * 2)
    projection = gpu.study_projection_h({"r": {"explain_s": 1.0, "startup_s": 2.0}})
    assert projection == pytest.approx(2 * (3680 * 1.0 + 19 * 2.0) / 3600)


def test_explainer_cost_counts_each_method_s_forward_passes(region, face_crop):
    from bench import explainers
    from facelime.explainers.occlusion import occlusion_passes

    lime = {"num_samples": 40, "kernel_width": 0.25, "keep": "positive", "sampling": "lime"}
    rows = explainers.explainer_cost(region, face_crop, superpixels(face_crop),
                                     ("lime", "rise", "occlusion", "regions", "regions_split"), lime,
                                     explain={"occlusion": {"patch": 28, "stride": 28}}, repeats=1)
    passes = {r["method"]: r["forward_passes"] for r in rows}
    assert passes == {"lime": 40, "rise": 40, "occlusion": occlusion_passes(112, 112, 28, 28), "regions": 128,
                      "regions_split": 1024} == {**passes, "occlusion": 17}
    assert all(r["efficiency"] > 0 and r["explanations_per_s"] > 0 for r in rows)
    assert "| region | occlusion | 17 |" in explainers.cost_table({"region": rows})


class ScriptedClock:
    """A fake timer: each named call advances it by its next scripted duration and is recorded."""

    def __init__(self, durations: dict[str, list[float]]):
        self.now, self.calls, self.durations = 0.0, [], {k: list(v) for k, v in durations.items()}

    def __call__(self) -> float:
        return self.now

    def step(self, name: str) -> None:
        self.calls.append(name)
        self.now += self.durations[name].pop(0)


def test_interleaved_ratio_is_the_median_of_pairs_timed_back_to_back(monkeypatch):
    from bench import interleaved

    clock = ScriptedClock({"A": [1.0, 10.0, 3.0], "B": [2.0, 10.0, 1.0]})
    monkeypatch.setattr(interleaved, "clock", clock)
    timing = interleaved.interleaved_ratio(lambda: clock.step("A"), lambda: clock.step("B"), repeats=3)
    assert clock.calls == ["A", "B"] * 3
    # pairwise ratios 0.5, 1, 3: median 1 (the ratio of the medians would read 3 / 2)
    assert timing == {"ratio": 1.0, "ratio_spread": [0.5, 3.0], "numerator_s": 3.0, "denominator_s": 2.0}
    with pytest.raises(ValueError, match="repeats must be at least 1, not 0"):
        interleaved.interleaved_ratio(lambda: None, lambda: None, repeats=0)


def test_lime_efficiency_and_lime_vs_study_come_from_interleaved_pairs(region, face_crop, monkeypatch):
    """bench.run.bench_lime with the calls it times recorded: model-only and LIME alternate, then the
    study's scheme and LIME; both ratios are medians of those pairs, with their spread."""
    from bench import explainers, interleaved
    from bench import run as bench_run

    clock = ScriptedClock({"model": [0.9, 5.0, 0.8], "lime": [9.0, 1.0, 1.0, 2.0, 4.0, 1.0, 1.0],
                           "study": [9.0, 4.0, 3.0, 1.0]})
    monkeypatch.setattr(interleaved, "clock", clock)
    monkeypatch.setattr(bench_run.throughput, "model_throughput", lambda embedder, prepared: {1: 10.0, 8: 20.0})
    real_model_only, real_lime, real_study = explainers.model_only, bench_run.explain_similarity, \
        bench_run.explain_study_scheme

    def model_only(*args):
        run = real_model_only(*args)
        return lambda: (clock.step("model"), run())

    def lime(*args, **kwargs):
        clock.step("lime")
        return real_lime(*args, **kwargs)

    def study(*args, **kwargs):
        clock.step("study")
        return real_study(*args, **kwargs)

    monkeypatch.setattr(explainers, "model_only", model_only)
    monkeypatch.setattr(bench_run, "explain_similarity", lime)
    monkeypatch.setattr(bench_run, "explain_study_scheme", study)
    spec = {"backend": "onnx", "path": region.path, "device": "cpu", "label": "region"}
    result = bench_run.bench_lime("region", spec, face_crop, superpixels(face_crop), samples=20, repeats=3)
    assert clock.calls == ["lime", "study"] + ["model", "lime"] * 3 + ["study", "lime"] * 3  # warm-up, then pairs
    assert result["best_batch"] == 8
    # model/LIME pairs 0.9/1, 5/1, 0.8/2: median 0.9; study/LIME pairs 4/4, 3/1, 1/1: median 1
    assert result["lime_efficiency"] == pytest.approx(0.9)
    assert result["lime_efficiency_spread"] == pytest.approx([0.4, 5.0])
    assert result["lime_vs_study"] == pytest.approx(1.0) and result["lime_vs_study_spread"] == pytest.approx([1.0, 3.0])
    assert result["study_scheme_max_score_diff"] < 1e-6  # the baseline still computes our explanation
    row = bench_run.ratio_cell(result, "lime_efficiency", 3)
    assert row == "0.900 (0.400-5.000)"
