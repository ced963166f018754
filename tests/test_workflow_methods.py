"""explain.methods: RISE, occlusion and regions beside LIME through the same rules, keyed by method."""

from __future__ import annotations

import csv
from itertools import combinations

import numpy as np
import pytest
from conftest import region_model
from workflow_helpers import FAST_COMPARE, FAST_FIGURES, dry_run_jobs, snakemake, write_config

from facelime.canonical import REGIONS as FACE_REGIONS
from facelime.canonical import face_region_labels
from facelime.explainers.occlusion import occlusion_passes
from facelime.explainers.lime import explain_similarity
from facelime.models import build_embedder
from facelime.seeding import job_seed
from facelime.steps.demo import demo_dataset
from facelime.storage import load_arrays

pytestmark = pytest.mark.workflow

IDS = ["astronaut", "t1_face2", "tom_hanks"]
REGIONS = {"upper": (slice(20, 48), slice(42, 70)), "lower": (slice(64, 92), slice(42, 70))}
METHODS = ["lime", "rise", "occlusion", "regions"]
PIXEL_METHODS = METHODS[:3]  # the methods whose maps follow pixels (regions paints whole face regions)


@pytest.fixture(scope="module")
def methods_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("methods")
    demo_dataset(faces=work / "data", metadata=work / "identities.csv")
    models = {name: {"backend": "onnx", "path": str(region_model(work / f"{name}.onnx", region=region, seed=k)),
                     "device": "cpu", "attributes": {"arch": name}}
              for k, (name, region) in enumerate(REGIONS.items())}
    config = {"seed": 3, "sheets": False,
              "dataset": {"root": str(work / "data"), "metadata": str(work / "identities.csv"), "identities": IDS},
              "lime": {"num_samples": 60}, "compare": {"min_group_size": 1, **FAST_COMPARE}, "figures": FAST_FIGURES, "models": models,
              "explain": {"methods": METHODS, "rise": {"num_masks": 600}, "occlusion": {"patch": 14, "stride": 7}},
              "validity": {"ceiling": {"identities": 1}}}
    write_config(work, config)
    result = snakemake(work, "--cores", "2")
    assert result.returncode == 0, result.stderr[-4000:]
    return work, config


def read_tsv(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_every_method_has_its_own_masks_with_its_own_forward_passes(methods_run):
    work, _ = methods_run
    # occlusion: (112 - 14) / 7 + 1 = 15 positions per side, and the untouched face
    passes = {"lime": 60, "rise": 600, "occlusion": occlusion_passes(112, 112, 14, 7), "regions": 2**7}
    assert passes["occlusion"] == 15 * 15 + 1
    for model in REGIONS:
        for method, count in passes.items():
            name = model if method == "lime" else f"{model}@{method}"
            masks = load_arrays(work / "results" / "masks" / name / "tom_hanks.npz")
            assert masks["sample_scores"].shape == (2, count), name
            assert (work / "results" / "aligned" / name / "tom_hanks.npz").is_file()
            assert (work / "results" / "heatmaps" / "model" / f"{name}.npz").is_file()


def test_lime_beside_other_methods_is_the_study_lime(methods_run):
    work, config = methods_run
    crops = load_arrays(work / "results" / "faces" / "astronaut.npz")
    embedder = build_embedder("upper", config["models"]["upper"])
    masks = load_arrays(work / "results" / "masks" / "upper" / "astronaut.npz")
    for k, name in enumerate(crops["images"]):
        direct = explain_similarity(crops["faces"][k], crops["segments"][k], embedder, num_samples=60,
                                    kernel_width=0.25, seed=job_seed(3, "upper", "astronaut", str(name)))
        np.testing.assert_array_equal(masks["score_maps"][k], direct.score_map)


def test_each_method_finds_the_only_region_the_model_sees(methods_run):
    work, _ = methods_run
    for model, (rows, cols) in REGIONS.items():
        for method in PIXEL_METHODS:
            name = model if method == "lime" else f"{model}@{method}"
            maps = load_arrays(work / "results" / "masks" / name / "t1_face2.npz")["score_maps"]
            near = np.zeros(maps.shape[1:], bool)  # the region and one explained unit around it
            near[max(rows.start - 14, 0):rows.stop + 14, max(cols.start - 14, 0):cols.stop + 14] = True
            share = maps[:, near].sum() / maps.sum()
            # a quarter of the crop holds well over half of every method's mass (LIME's superpixels
            # straddle the window; the strict >= 90 % checks are in tests/test_explainers.py)
            assert near.mean() == pytest.approx(0.25) and share >= 0.6, (name, share)


def test_agreement_table_and_method_level_comparisons(methods_run):
    work, _ = methods_run
    rows = read_tsv(work / "results" / "methods" / "agreement.tsv")
    assert {(r["model"], r["map"], r["first"], r["second"]) for r in rows} == {
        (m, part, a, b) for m in REGIONS for part in ("kept", "signed") for a, b in combinations(METHODS, 2)}
    for r in rows:
        assert int(r["images"]) == 6
        for measure in ("spearman", "top_iou", "top_share"):
            assert float(r[f"{measure}_ci_low"]) <= float(r[measure]) <= float(r[f"{measure}_ci_high"])
            assert -1 <= float(r[measure]) <= 1
    assert len(read_tsv(work / "results" / "methods" / "agreement_per_image.tsv")) == 2 * 2 * 6 * 6
    # noise ceilings: one identity's two images explained again; occlusion is deterministic
    ceiling = {(r["model"], r["method"], r["map"]): r for r in read_tsv(work / "results" / "methods" / "ceiling.tsv")}
    assert set(ceiling) == {(m, meth, part) for m in REGIONS for meth in METHODS for part in ("kept", "signed")}
    for (model, method, part), r in ceiling.items():
        if method in ("occlusion", "regions"):
            assert float(r["spearman"]) == 1.0 and float(r["top_iou"]) == 1.0 and int(r["images"]) == 0
        else:
            assert int(r["images"]) == 2 and int(r["identities"]) == 1 and 0 < float(r["spearman"]) < 1
    for r in rows:  # each method's ceiling beside the agreement it bounds
        for side in ("first", "second"):
            own = ceiling[(r["model"], r[side], r["map"])]
            assert float(r[f"ceiling_spearman_{side}"]) == pytest.approx(float(own["spearman"]))
    shares = read_tsv(work / "results" / "methods" / "region_shares.tsv")
    for model in REGIONS:
        for method in METHODS:
            assert sum(float(r[method]) for r in shares if r["model"] == model) == pytest.approx(1, abs=1e-4)
    # the KL matrix between method-level heatmaps, and each method's nets with its own TOTAL
    header = (work / "results" / "kl" / "attribute_method.tsv").read_text().splitlines()[0].split("\t")[1:]
    assert header == METHODS
    header = (work / "results" / "kl" / "models@rise.tsv").read_text().splitlines()[0].split("\t")[1:]
    assert header == ["lower@rise", "upper@rise", "TOTAL"]
    panels = read_tsv(work / "results" / "figures" / "methods.panels.tsv")
    assert [r["row"] for r in panels] == [m for m in METHODS for _ in range(3)] and len({r["vmax"] for r in panels}) == 1
    regions = read_tsv(work / "results" / "regions" / "region_shares.tsv")
    assert {"upper@rise", "upper@occlusion"} <= {r["heatmap"] for r in regions}


def test_adding_or_dropping_methods_reruns_no_lime_job(methods_run):
    """A LIME job's params do not depend on explain.methods: RISE can join a finished study."""
    work, _ = methods_run
    jobs = dry_run_jobs(work, "--config", "explain={methods: [lime]}")
    assert "explain" not in jobs and "crop_and_segment" not in jobs and "method_agreement" not in jobs
    assert dry_run_jobs(work) == {}  # and the run itself is complete


def test_regions_values_are_exact_and_summarised(methods_run):
    """A region the model cannot see is a null player: its Shapley value is 0 on every image."""
    work, config = methods_run
    for model, box in REGIONS.items():
        seen_any = set()
        for identity in IDS:
            masks = load_arrays(work / "results" / "masks" / f"{model}@regions" / f"{identity}.npz")
            marks = load_arrays(work / "results" / "landmarks" / f"{identity}.npz")
            for i, image in enumerate(masks["images"]):
                if masks["region_skipped"][i]:
                    assert not marks["face_detected"][i]
                    continue
                labels = face_region_labels(marks["landmarks"][i], 112, 112)
                sees = np.bincount(labels[box].ravel(), minlength=7) > 0
                phi = masks["region_shapley"][i]
                np.testing.assert_allclose(phi[~sees], 0, atol=1e-9)
                scores = masks["sample_scores"][i].astype(np.float64)
                assert phi.sum() == pytest.approx(scores[-1] - scores[0], abs=1e-5)
                seen_any |= {FACE_REGIONS[r] for r in np.flatnonzero(sees)}
                table = read_tsv(work / "results" / "regions" / "values" / model / f"{identity}.tsv")
                rows = [r for r in table if r["image"] == str(image)]
                assert [r["region"] for r in rows] == list(FACE_REGIONS)
                np.testing.assert_allclose([float(r["shapley"]) for r in rows], phi, rtol=1e-5, atol=1e-8)  # 6 digits in TSVs
                assert sum(float(r["pixel_share"]) for r in rows) == pytest.approx(1)
        summary = [r for r in read_tsv(work / "results" / "regions" / "region_values.tsv")
                   if r["scope"] == model and r["column"] == "all"]
        assert [r["region"] for r in summary] == list(FACE_REGIONS)
        for r in summary:
            assert float(r["mean_ci_low"]) <= float(r["mean"]) <= float(r["mean_ci_high"])
            assert float(r["share_ci_low"]) <= float(r["share"]) <= float(r["share_ci_high"])
        leader = max(summary, key=lambda r: float(r["share"]))["region"]
        assert leader in seen_any
        assert (work / "results" / "regions" / "interactions" / f"{model}.png").is_file()
    tests = read_tsv(work / "results" / "regions" / "region_value_tests.tsv")
    assert {(r["a"], r["b"]) for r in tests if r["comparison"] == "models (paired)"} == {("upper", "lower")}
    assert all(float(r["p_value"]) <= float(r["p_adjusted"]) <= 1 for r in tests)
    assert (work / "results" / "regions" / "region_values.png").is_file()
