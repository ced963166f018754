"""The Snakemake workflow end to end on a small dataset, and the DAG of a study-sized config."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from conftest import region_model
from workflow_helpers import (FAST_COMPARE, FAST_FIGURES, assert_same_results, dry_run_job_list, dry_run_jobs,
                              snakemake, write_config)

from facelime.steps.demo import demo_dataset
from facelime.storage import load_arrays, read_tsv

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """Three demo identities, the dlib model and a test-built ONNX model, 12 LIME samples."""
    work = tmp_path_factory.mktemp("run")
    demo_dataset(faces=work / "data", metadata=work / "identities.csv")
    config = {
        "seed": 7,
        "dataset": {"root": str(work / "data"), "metadata": str(work / "identities.csv"),
                    "identities": ["astronaut", "t1_face2", "tom_hanks"]},
        "lime": {"num_samples": 12},
        # three identities: a group of one still makes a KL matrix here
        "compare": {"min_group_size": 1, **FAST_COMPARE},
        "figures": FAST_FIGURES,
        "models": {
            "dlib_resnet": {"backend": "dlib", "attributes": {"arch": "ResNet-29", "train_set": "dlib"}},
            "region": {"backend": "onnx", "path": str(region_model(work / "region.onnx")), "device": "cpu",
                       "attributes": {"arch": "linear", "train_set": "none"}},
        },
    }
    write_config(work, config)
    result = snakemake(work, "--cores", "2")
    assert result.returncode == 0, result.stderr[-4000:]
    (work / "run.stderr").write_text(result.stderr)  # the banner and the run's last words
    return work


def test_masks_and_sheets_for_every_model_and_identity(small_run):
    for model in ("dlib_resnet", "region"):
        for identity in ("astronaut", "t1_face2", "tom_hanks"):
            masks = load_arrays(small_run / "results" / "masks" / model / f"{identity}.npz")
            n = len(masks["images"])
            assert n == 2
            assert masks["score_maps"].shape == (2, 112, 112) and masks["score_maps"].dtype == np.float32
            assert masks["segments"].shape == (2, 112, 112)
            assert masks["sample_scores"].shape == (2, 12)
            np.testing.assert_allclose(masks["sample_scores"][:, 0], 1.0, atol=1e-6)
            assert np.all(masks["score_maps"] >= 0)
            for i in range(n):
                k = masks["num_superpixels"][i]
                assert np.all(np.isfinite(masks["coefficients"][i, :k]))
                assert np.allclose(masks["score_maps"][i], np.maximum(masks["coefficients"][i][masks["segments"][i]], 0))
            sheets = sorted(p.name for p in (small_run / "results" / "sheets" / model / identity).glob("*.png"))
            assert sheets == [f"{name}.png" for name in masks["images"]]


def test_run_names_its_identity_column_and_ends_listing_what_it_made_and_did_not(small_run):
    stderr = (small_run / "run.stderr").read_text()
    assert "identity column 'identity' (matches 9 of 9 identity folders)" in stderr.replace("\n      ", " ")
    listing = stderr[stderr.index("facelime: the figure set"):]
    assert "heatmaps by net" in listing and "results/figures/nets.grey.{pdf,png}" in listing
    assert "dendrogram: nets" in listing  # two models: KL and dendrograms are made and listed
    assert "facelime: not made in this run, and why" in listing and "validity checks: faithfulness" in listing
    assert "KL and dendrograms need" not in listing
    overview = {(r["section"], r["item"]): r["value"] for r in read_tsv(small_run / "results" / "overview.tsv")}
    assert overview[("counts", "identities used")] == "3" and overview[("counts", "images used")] == "6"
    assert overview[("groups", "source=portrait")] == "2 identities"
    # region_shares.tsv: n is always identities, images its own column
    shares = {r["heatmap"]: r for r in read_tsv(small_run / "results" / "regions" / "region_shares.tsv")}
    assert (shares["all_models"]["n"], shares["all_models"]["images"]) == ("3", "6")
    assert (shares["region/tom_hanks"]["n"], shares["region/tom_hanks"]["images"]) == ("1", "2")
    assert (shares["source=portrait"]["n"], shares["source=portrait"]["images"]) == ("2", "4")


def test_rerun_has_nothing_to_do(small_run):
    assert dry_run_jobs(small_run) == {}


PREPARE = {"crop_and_segment", "landmarks", "canonical_face"}


@pytest.mark.parametrize("change, reruns, keeps", [
    ("lime={batch_size: 4}", set(), None),  # speed only
    ("sheets=False", set(), None),  # fewer outputs, the same numbers
    ("lime={num_samples: 13}", {"explain", "align_identity", "heatmap_model", "kl_matrix"}, PREPARE),
    ("lime={n_segments: 20}", {"crop_and_segment", "explain"}, {"canonical_face"}),
    ("compare={linkage: average}", {"kl_matrix"}, PREPARE | {"explain", "align_identity", "heatmap_model"}),
])
def test_each_job_reruns_when_what_it_reads_changes(small_run, change, reruns, keeps):
    jobs = set(dry_run_jobs(small_run, "--config", change)) - {"all"}
    if not reruns:
        assert jobs == set(), change
    else:
        assert reruns <= jobs and not (keeps & jobs), (change, sorted(jobs))


def test_heatmaps_kl_regions_figures(small_run):
    results = small_run / "results"
    ids = ("astronaut", "t1_face2", "tom_hanks")
    aligned = {i: load_arrays(results / "aligned" / "region" / f"{i}.npz") for i in ids}
    for identity, data in aligned.items():
        assert data["aligned"].shape == (2, 275, 224)
        np.testing.assert_allclose(data["mean"], data["aligned"].mean(axis=0), rtol=1e-5, atol=1e-7)
    # the per-model heatmap is the mean of its identities' means (each identity weighs the same)
    model = load_arrays(results / "heatmaps" / "model" / "region.npz")
    np.testing.assert_allclose(model["mean"], np.mean([aligned[i]["mean"] for i in ids], axis=0), rtol=1e-5, atol=1e-7)
    assert model["heatmap"].min() == 0 and model["heatmap"].max() == 1
    # groups come from the metadata CSV: source = group_photo (t1_face2) vs portrait
    portrait = load_arrays(results / "heatmaps" / "group" / "source" / "portrait" / "region.npz")
    assert sorted(portrait["members"]) == ["astronaut", "tom_hanks"]
    # over models and model attributes, the study's TOTAL leaf (all models) joins the parts
    for name, leaves in (("models", 3), ("attribute_arch", 3), ("attribute_train_set", 3), ("group_source", 2),
                         ("group_source__region", 2)):
        lines = (results / "kl" / f"{name}.tsv").read_text().splitlines()
        matrix = np.array([[float(v) for v in line.split("\t")[1:]] for line in lines[1:]])
        assert matrix.shape == (leaves, leaves) and np.allclose(np.diag(matrix), 0) and matrix[0, 1] > 0
        assert (lines[0].split("\t")[-1] == "TOTAL") == (leaves == 3)
        for kind in ("dendrogram", "clustermap"):
            assert (results / "kl" / f"{name}.{kind}.png").stat().st_size > 0
            assert (results / "kl" / f"{name}.{kind}.pdf").read_bytes()[:5] == b"%PDF-"
    table = (results / "regions" / "region_shares.tsv").read_text().splitlines()
    header = table[0].split("\t")
    for line in table[1:]:
        values = dict(zip(header, line.split("\t")))
        shares = [float(values[r]) for r in ("eyes", "eyebrows", "nose", "mouth", "forehead", "cheeks_jaw", "background")]
        assert sum(shares) == pytest.approx(1.0, abs=1e-4)
    for figure in ("nets", "persons", "person_net/astronaut", "attribute_arch", "attribute_train_set",
                   "group_source", "group_source__nets"):
        for colours in ("grey", "jet"):
            assert (results / "figures" / f"{figure}.{colours}.png").stat().st_size > 10000
            assert (results / "figures" / f"{figure}.{colours}.pdf").read_bytes()[:5] == b"%PDF-"
    # one colour scale per grid: every panel drawn with the grid's vmax, which is its largest panel
    panels = [line.split("\t") for line in (results / "figures" / "group_source__nets.panels.tsv").read_text().splitlines()]
    header, rows = panels[0], [dict(zip(panels[0], row)) for row in panels[1:]]
    assert {r["row"] for r in rows} == {"group photo (n=1)", "portrait (n=2)"}  # one row per group, n in it
    assert len(rows) == 6 and len({r["vmax"] for r in rows}) == 1
    assert float(rows[0]["vmax"]) == pytest.approx(max(float(r["panel_max"]) for r in rows), rel=1e-5)


def test_report_has_captions(small_run):
    result = snakemake(small_run, "--report", "results/report.html")
    assert result.returncode == 0, result.stderr[-3000:]
    html = (small_run / "results" / "report.html").read_text(errors="replace")
    assert "symmetric KL" in html and "Region shares" in html
    # captions say what the figures show (shared density over the face, grey is grey), not fixed text
    assert "min-max stretched to [0, 1],\nJET colour map over the mean aligned face" not in html
    assert "mean over the canonical face region" in html and "grey colour map" in html
    assert "12 samples per image" in html  # this run's lime.num_samples, not the study's 1000
    # subcategories per stage, and a first section with the run's models and counts
    assert '"Run overview": {"settings, models, dataset and counts"' in html
    assert '"by person and net"' in html and '"Other"' not in html.split('id="categories"')[1].split("</script>")[0]
    assert "This run." in html and "region.onnx" in html


def test_same_numbers_again_and_with_other_cores(small_run, tmp_path):
    """Determinism: a second run of the same config, with --cores 1, gives identical arrays and tables:
    masks, aligned maps, heatmaps, KL matrices with their resampled CIs, region shares, QC. The
    figure grids are left out (they draw those heatmaps; tests/test_figures.py checks the drawing).

    (Runs before the test that edits an image of small_run's dataset.)"""
    import shutil

    shutil.copy(small_run / "config.yaml", tmp_path / "config.yaml")
    result = snakemake(tmp_path, "--cores", "1", "--omit-from", "figure_grid")
    assert result.returncode == 0, result.stderr[-3000:]
    assert not (tmp_path / "results" / "figures").exists()
    assert assert_same_results(small_run / "results", tmp_path / "results", part=True) > 40


def test_changing_one_image_reruns_only_its_jobs(small_run):
    # Snakemake 9 compares checksums of small inputs: a bare `touch` with the same bytes
    # reruns nothing, so the image's pixels are changed, as a re-exported photo would be.
    from facelime.images import load_rgb, save_rgb

    image = small_run / "data" / "t1_face2" / "t1_face2_0001.png"
    pixels = load_rgb(image)
    pixels[:4, :4] = 255 - pixels[:4, :4]
    save_rgb(image, pixels)
    jobs = dry_run_job_list(small_run)
    per_identity = [(rule, w) for rule, w in jobs if "identity" in w]
    assert per_identity and all(w["identity"] == "t1_face2" for _, w in per_identity)
    counts = {}
    for rule, _ in jobs:
        counts[rule] = counts.get(rule, 0) + 1
    for rule, expected in {"crop_and_segment": 1, "landmarks": 1, "align_identity": 1, "explain": 2,
                           "heatmap_model": 2, "mean_face": 1}.items():
        assert counts.get(rule) == expected, (rule, counts)
    assert "canonical_face" not in counts and "demo_dataset" not in counts


def test_study_sized_dag(tmp_path):
    """368 identities x 10 images x 8 ONNX models: the DAG builds (a dry run reads no image)."""
    from bench.dag import write_study_config

    write_study_config(tmp_path)
    start = time.perf_counter()
    counts = dry_run_jobs(tmp_path)
    print(f"study-sized dry run: {time.perf_counter() - start:.1f} s, {sum(counts.values())} jobs")
    assert counts["crop_and_segment"] == 368 and counts["align_identity"] == 368
    assert counts["explain"] == 368 * 8
