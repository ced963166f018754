"""The validity stages inside the Snakemake workflow: outputs, their agreement with the main outputs."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from conftest import region_model
from workflow_helpers import FAST_COMPARE, FAST_FIGURES, snakemake, write_config

from facelime.canonical import REGIONS, region_shares
from facelime.steps.demo import demo_dataset
from facelime.storage import load_arrays

pytestmark = pytest.mark.workflow

IDENTITIES = ["astronaut", "t1_face1", "t1_face2", "tom_hanks"]  # two portraits, two group-photo faces


def read_tsv(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.fixture(scope="module")
def validity_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("validity")
    demo_dataset(faces=work / "data", metadata=work / "identities.csv")
    config = {
        "seed": 3,
        "dataset": {"root": str(work / "data"), "metadata": str(work / "identities.csv"), "identities": IDENTITIES},
        "lime": {"num_samples": 40, "reference": "identity_mean"},
        # occlusion beside LIME (4 x 4 patches: 17 forward passes) so that methods are ranked and compared
        "explain": {"methods": ["lime", "occlusion"], "occlusion": {"patch": 28, "stride": 28}},
        "sheets": False,
        "compare": FAST_COMPARE,
        "figures": FAST_FIGURES,
        "models": {
            "region": {"backend": "onnx", "path": str(region_model(work / "region.onnx")), "device": "cpu",
                       "attributes": {"arch": "linear"}},
            "whole": {"backend": "onnx", "device": "cpu", "attributes": {"arch": "linear"},
                      "path": str(region_model(work / "whole.onnx", region=(slice(0, 112), slice(0, 112)), seed=1))},
        },
        "validity": {
            "faithfulness": {"enabled": True, "random_orders": 2, "steps": 5, "pixel_steps": 5,
                             "bootstrap": 200},
            "patch": {"enabled": True, "pairs": 2, "steps": 5, "random_orders": 2, "bootstrap": 200},
            "stability": {"enabled": True, "identities": 2, "seeds": 2, "num_samples": [20]},
            "sanity": {"enabled": True},
            "region_stats": {"enabled": True, "bootstrap": 200, "permutations": 199},
            # the noise ceilings beside the method agreement (no test here reads them; they are
            # checked in tests/test_workflow_methods.py): one identity explained again, not four
            "ceiling": {"identities": 1},
        },
    }
    write_config(work, config)
    result = snakemake(work, "--cores", "2")
    assert result.returncode == 0, result.stderr[-4000:]
    return work


def test_faithfulness_tables(validity_run):
    results = validity_run / "results" / "validity"
    explained = ("region", "whole", "region@occlusion", "whole@occlusion")
    per_image = [row for model in explained for identity in IDENTITIES
                 for row in read_tsv(results / "faithfulness" / model / f"{identity}.tsv")]
    # 4 explained models x 4 identities x 2 images x (4 kinds of units x 3 curves)
    assert len(per_image) == 4 * len(IDENTITIES) * 2 * 12
    assert {(r["model"], r["method"]) for r in per_image} == {(m, k) for m in ("region", "whole")
                                                            for k in ("lime", "occlusion")}
    assert {r["units"] for r in per_image} == {"pixels", "superpixels", "grid", "felzenszwalb"}
    assert {(r["substrate"], r["kind"]) for r in per_image} == {("hide", "deletion"), ("hide", "insertion"),
                                                                ("blur", "insertion")}
    summary = read_tsv(results / "faithfulness.tsv")
    assert {r["model"] for r in summary} == {"region", "whole", "region-randomised", "whole-randomised"}
    for entry in summary:
        mine = [r for r in per_image if all(r[k] == entry[k] for k in ("model", "method", "units", "substrate",
                                                                         "kind"))]
        if entry["model"].endswith("randomised"):
            continue
        assert int(entry["images"]) == len(mine) == 8 and int(entry["identities"]) == 4
        assert float(entry["gap"]) == pytest.approx(np.mean([float(r["gap"]) for r in mine]), rel=1e-4, abs=1e-9)
        assert float(entry["gap_low"]) <= float(entry["gap"]) + 1e-9 <= float(entry["gap_high"]) + 2e-9
        assert float(entry["share_beats_random"]) == pytest.approx(np.mean([int(r["beats_random"]) for r in mine]))
    # the region model sees one patch of the face: LIME's superpixel order finds it before random orders do
    lime_region = [r for r in per_image if r["model"] == "region" and r["method"] == "lime"
                   and r["units"] == "superpixels" and r["kind"] == "deletion"]
    assert np.mean([int(r["beats_random"]) for r in lime_region]) >= 0.75
    ranking = read_tsv(results / "faithfulness_ranking.tsv")
    region = [r for r in ranking if r["model"] == "region"]
    assert len(region) == 12 and {r["ranking_survives"] for r in region} in ({"0"}, {"1"})
    assert all(set(r["ranking"].split(" > ")) == {"lime", "occlusion"} for r in region)
    pairs = read_tsv(results / "faithfulness_pairs.tsv")
    assert {(p["model"], p["method_a"], p["method_b"]) for p in pairs} == {("region", "lime", "occlusion"),
                                                                         ("whole", "lime", "occlusion")}
    assert all(int(p["images"]) == 8 for p in pairs)
    assert (results / "faithfulness.png").stat().st_size > 1000


def test_patch_restoration_tables(validity_run):
    results = validity_run / "results" / "validity"
    rows = read_tsv(results / "patch" / "region@occlusion.tsv")
    assert sorted(r["kind"] for r in rows) == ["genuine", "genuine", "impostor", "impostor"]
    assert all(r["identity"] != r["donor"] and r["method"] == "occlusion" for r in rows)
    curves = load_arrays(results / "patch" / "region@occlusion.npz")
    assert curves["similarity"].shape == (4, 3, 6)
    # full restoration gives back the untouched pair, whatever the order
    untouched = np.array([float(r["similarity_untouched"]) for r in rows])
    np.testing.assert_allclose(curves["similarity"][:, :, -1], untouched[:, None].repeat(3, axis=1), atol=1e-5)
    summary = {(r["model"], r["method"]): r for r in read_tsv(results / "patch.tsv")}
    assert {("region", "lime"), ("region", "occlusion"), ("whole", "lime"), ("whole", "occlusion")} <= set(summary)
    assert int(summary[("region", "occlusion")]["genuine_pairs"]) == 2
    premise = {(r["model"], r["part"]): r for r in read_tsv(results / "patch_premise.tsv")}
    held = np.mean([int(r["premise_held"]) for r in rows])
    assert float(premise[("region", "all")]["premise_rate"]) == pytest.approx(held)
    assert (results / "patch.png").stat().st_size > 1000


def test_masks_record_the_identity_mean_reference(validity_run):
    masks = load_arrays(validity_run / "results" / "masks" / "region" / "tom_hanks.npz")
    assert list(masks["reference_kinds"]) == ["identity_mean", "identity_mean"]
    assert masks["references"].shape == (2, 16)
    np.testing.assert_allclose(np.linalg.norm(masks["references"], axis=1), 1.0, rtol=1e-5)
    # the reference is the other image's embedding, not the image's own: the unperturbed face scores below 1
    assert np.all(masks["sample_scores"][:, 0] < 0.9999)


def test_stability_table(validity_run):
    rows = read_tsv(validity_run / "results" / "validity" / "stability.tsv")
    assert {(r["model"], int(r["num_samples"])) for r in rows} == {
        (m, n) for m in ("region", "whole", "region@occlusion", "whole@occlusion", "region-randomised",
                         "whole-randomised") for n in (20, 40)}
    for row in rows:
        assert int(row["images"]) == 2 and -1.0 <= float(row["mean_spearman"]) <= 1.0
        # the CI resamples the 2 identities
        assert float(row["mean_spearman_ci_low"]) <= float(row["mean_spearman"]) <= float(row["mean_spearman_ci_high"])


def test_sanity_check_compares_trained_and_randomised(validity_run):
    results = validity_run / "results"
    rows = read_tsv(results / "validity" / "sanity.tsv")
    kinds = {(r["comparison"], r["model_a"], r["model_b"]) for r in rows}
    assert kinds == {("trained_vs_randomised", "region", "region-randomised"),
                     ("trained_vs_randomised", "whole", "whole-randomised"),
                     ("trained_vs_trained", "region", "whole")}
    assert all(float(r["symmetric_kl"]) > 0 for r in rows)
    assert (results / "kl" / "sanity.tsv").is_file() and (results / "figures" / "sanity.jet.pdf").is_file()
    # randomised copies never enter the identity or all-model heatmaps
    identity = load_arrays(results / "heatmaps" / "identity" / "tom_hanks.npz")
    assert sorted(identity["members"]) == ["region", "whole"]
    assert sorted(load_arrays(results / "heatmaps" / "all_models.npz")["members"]) == ["region", "whole"]


def test_region_statistics_agree_with_region_shares(validity_run):
    results = validity_run / "results"
    ci = read_tsv(results / "validity" / "region_share_ci.tsv")
    regions = load_arrays(results / "canonical" / "canonical_face.npz")["regions"]
    for scope, heatmap in (("region", "heatmaps/model/region.npz"), ("all_models", "heatmaps/all_models.npz"),
                           ("whole", "heatmaps/group/source/portrait/whole.npz")):
        expected = region_shares(load_arrays(results / heatmap)["mean"], regions)
        group = ("all", "all") if "group" not in heatmap else ("source", "portrait")
        rows = {r["region"]: r for r in ci if r["scope"] == scope and (r["column"], r["group"]) == group}
        assert set(rows) == set(REGIONS)
        for region in REGIONS:
            row = rows[region]
            assert float(row["share"]) == pytest.approx(expected[region], rel=1e-4, abs=1e-7)
            assert float(row["ci_low"]) <= float(row["share"]) + 1e-9 <= float(row["ci_high"]) + 2e-9
    tests = read_tsv(results / "validity" / "region_tests.tsv")
    assert len(tests) == 3 * len(REGIONS)  # (region, whole, all_models) x regions, one pair of sources
    for row in tests:
        assert row["group_a"] == "group_photo" and row["group_b"] == "portrait"
        assert 1 / 200 <= float(row["p_value"]) <= float(row["p_adjusted"]) <= 1.0
    assert (results / "validity" / "region_forest.png").stat().st_size > 1000


def test_report_captions_the_validity_figures(validity_run):
    result = snakemake(validity_run, "--report", "report.html")
    assert result.returncode == 0, result.stderr[-3000:]
    html = (validity_run / "report.html").read_text(errors="replace")
    for text in ("Deletion and insertion", "Model-randomisation sanity check", "Stability", "permutation test",
                 "Patch restoration"):
        assert text.lower() in html.lower(), text
