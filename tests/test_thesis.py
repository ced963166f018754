"""The thesis target on stand-ins: 8 random-weight ONNX nets under the study's file names and a
tiny dataset in VGGFace2's layout, run with the shipped config/thesis.yaml as a user would."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from conftest import region_model
from workflow_helpers import FAST_COMPARE, FAST_REGION_STATS, REPO, SNAKEMAKE, config_flags

from facelime.steps.demo import demo_dataset

pytestmark = pytest.mark.workflow

ARCHS = ("R18", "R34", "R50", "R100")
TRAIN_SETS = {"GLINT": "glint360k", "MS1MV3": "ms1mv3"}
MODELS = [f"r{a[1:]}_{t}" for t in TRAIN_SETS.values() for a in ARCHS]
# from config/thesis_identities.csv: asian/caucasian x female/male; n000838 is one of the
# four whose gender the study's lists and VGGFace2's metadata disagree on
STAND_INS = {"n000009": "astronaut", "n000838": "tom_hanks", "n000106": "t1_face1", "n000040": "t1_face2"}
# fewer identity resamples for the KL sets' uncertainty (study: 1000) and for the region-share CIs and
# permutation tests (study: 2000 / 5000): CI time. Every run and dry run below passes the same values,
# so "nothing to do" means the same settings.
STAND_IN_SETTINGS = config_flags(compare=FAST_COMPARE,
                                 validity={"region_stats": {"enabled": True, **FAST_REGION_STATS}})
FIGURES = ["nets", "persons", *(f"person_net/{i}" for i in STAND_INS), "attribute_arch", "attribute_train_set",
           "group_ethnicity", "group_gender", "group_ethnicity__nets", "group_gender__nets"]


@pytest.fixture(scope="module")
def thesis_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("thesis")
    models = work / "models"
    models.mkdir()
    for k, (file_tag, arch) in enumerate((f, a) for f in TRAIN_SETS for a in ARCHS):
        top = 20 + 8 * (k % 4) + 20 * (k // 4)  # each stand-in looks at its own window of the face
        region_model(models / f"ResNet{arch[1:]}{file_tag}.onnx", region=(slice(top, top + 40), slice(30, 80)),
                     seed=k)
    demo = work / "demo"
    demo_dataset(faces=demo / "faces", metadata=demo / "identities.csv")
    data = work / "vggface2_test"
    for identity, source in {**STAND_INS, "n999999": "grace_hopper"}.items():  # n999999: not in the study
        shutil.copytree(demo / "faces" / source, data / identity / "Frontal")
    command = SNAKEMAKE + ["--directory", str(work), "--configfile", str(REPO / "config" / "thesis.yaml"),
                           "--cores", "2", "--config", f"dataset={{root: {data}}}", f"model_dir={models}",
                           "lime={num_samples: 16}", "figures={dpi: 80}", *STAND_IN_SETTINGS, "--", "thesis"]
    import os
    import subprocess

    result = subprocess.run(command, capture_output=True, text=True, timeout=2400, cwd=work,
                            env={**os.environ, "TQDM_DISABLE": "1", "OPENBLAS_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-4000:]
    return work, result.stderr


def rows_of(path: Path) -> list[dict]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_every_figure_of_the_set_exists_as_pdf_and_png(thesis_run):
    work, log = thesis_run
    figures = work / "results" / "figures"
    for name in FIGURES:
        for colours in ("grey", "jet"):
            assert (figures / f"{name}.{colours}.png").read_bytes()[:4] == b"\x89PNG", name
            assert (figures / f"{name}.{colours}.pdf").read_bytes()[:5] == b"%PDF-", name
    for name in ("models", "attribute_arch", "attribute_train_set", "group_ethnicity", "group_gender"):
        for kind in ("dendrogram", "clustermap"):
            assert (work / "results" / "kl" / f"{name}.{kind}.pdf").read_bytes()[:5] == b"%PDF-"
    for path in ("regions/region_shares.pdf", "validity/region_forest.pdf"):
        assert (work / "results" / path).read_bytes()[:5] == b"%PDF-"
    # the index lists every figure, and the run ends by printing where they are
    listed = " ".join(row["files"] for row in rows_of(figures / "index.tsv"))
    assert all(f"results/figures/{name}.jet.pdf" in listed for name in FIGURES)
    assert "facelime: the figure set" in log and "results/kl/models.dendrogram.{pdf,png}" in log


def test_dendrograms_carry_the_total_leaf_and_all_eight_models(thesis_run):
    work, _ = thesis_run
    kl = work / "results" / "kl"
    header = (kl / "models.tsv").read_text().splitlines()[0].split("\t")[1:]
    assert sorted(header) == sorted(MODELS + ["TOTAL"])
    header = (kl / "attribute_train_set.tsv").read_text().splitlines()[0].split("\t")[1:]
    assert header == ["Glint360K", "MS1MV3", "TOTAL"]
    # every KL set carries its uncertainty: node support (the root's is 1), CIs around each cell, floors
    for name in ("models", "attribute_arch", "group_gender", "group_gender__r50_glint360k"):
        support = rows_of(kl / f"{name}.support.tsv")
        assert all(0 <= float(r["support"]) <= 1 for r in support)
        root = max(support, key=lambda r: int(r["size"]))
        assert float(root["support"]) == 1.0 and len(support) == len(rows_of(kl / f"{name}.floor.tsv")) - 1
        for row in rows_of(kl / f"{name}.ci.tsv"):
            assert float(row["ci_low"]) <= float(row["ci_high"]) and float(row["noise_floor_a"]) >= 0


def test_each_grid_has_one_colour_scale_and_one_row_per_group(thesis_run):
    work, _ = thesis_run
    for name in FIGURES:
        panels = rows_of(work / "results" / "figures" / f"{name}.panels.tsv")
        assert len({row["vmax"] for row in panels}) == 1, name
        assert float(panels[0]["vmax"]) == pytest.approx(max(float(r["panel_max"]) for r in panels), rel=1e-5)
        if len(panels) > 1:  # shared, not stretched per panel: some panel stays below the grid's top
            assert min(float(r["panel_max"]) for r in panels) < float(panels[0]["vmax"]) * 0.999, name
    rows = rows_of(work / "results" / "figures" / "nets.panels.tsv")
    # by net: one row per training database, R18..R100 across (the config's order), then all nets
    assert [r["panel"] for r in rows] == [f"{a} {t}" for t in ("Glint360K", "MS1MV3") for a in ARCHS] + ["all nets"]
    assert [r["row"] for r in rows[:8]] == ["Glint360K"] * 4 + ["MS1MV3"] * 4
    rows = rows_of(work / "results" / "figures" / "group_gender__nets.panels.tsv")
    assert sorted({r["row"] for r in rows}) == ["female (n=2)", "male (n=2)"] and len(rows) == 18


def test_only_the_study_identities_run_and_the_gender_disagreement_is_shown(thesis_run):
    work, log = thesis_run
    assert sorted(p.stem for p in (work / "results" / "masks" / "r18_glint360k").glob("*.npz")) == sorted(STAND_INS)
    notes = [r for r in rows_of(work / "results" / "qc" / "qc.tsv") if r["action"] == "note"]
    assert [(r["identity"], r["stage"]) for r in notes] == [("n000838", "metadata")]
    assert "VGGFace2 identity_meta.csv says female" in notes[0]["reason"] and "NOTE: 1 identities" in log


def test_figures_rerun_on_figure_settings_only(thesis_run):
    work, _ = thesis_run
    base = SNAKEMAKE + ["--directory", str(work), "--configfile", str(REPO / "config" / "thesis.yaml"),
                        "--config", f"dataset={{root: {work / 'vggface2_test'}}}", f"model_dir={work / 'models'}",
                        "lime={num_samples: 16}", *STAND_IN_SETTINGS]
    import subprocess

    from bench.dag import job_counts

    def jobs(*extra):
        result = subprocess.run(base + list(extra) + ["-n", "--quiet", "rules", "--", "thesis"], capture_output=True,
                                text=True, cwd=work)
        assert result.returncode == 0, result.stderr[-3000:]
        return set(job_counts(result.stdout + result.stderr)) - {"thesis"}

    assert jobs("figures={dpi: 80}") == set()
    rerun = jobs("figures={dpi: 120}")
    assert {"figure_grid", "kl_matrix", "region_shares", "figure_index"} <= rerun
    assert not rerun & {"explain", "align_identity", "heatmap_model", "crop_and_segment"}


def test_figures_rerun_when_the_figure_code_changes(thesis_run, tmp_path):
    """The same workflow with one comment added to facelime/figures.py: only figure jobs rerun."""
    import subprocess
    import sys

    from bench.dag import job_counts

    work, _ = thesis_run
    copy = tmp_path / "facelime-copy"
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True).stdout.split()
    for name in tracked:
        if (REPO / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, copy / name)

    def jobs():
        command = [sys.executable, "-m", "snakemake", "--snakefile", str(copy / "Snakefile"), "--directory", str(work),
                   "--configfile", str(copy / "config" / "thesis.yaml"), "--config",
                   f"dataset={{root: {work / 'vggface2_test'}}}", f"model_dir={work / 'models'}",
                   "lime={num_samples: 16}", "figures={dpi: 80}", *STAND_IN_SETTINGS, "-n", "--quiet", "rules", "--",
                   "thesis"]
        result = subprocess.run(command, capture_output=True, text=True, cwd=work)
        assert result.returncode == 0, result.stderr[-3000:]
        return set(job_counts(result.stdout + result.stderr)) - {"thesis"}

    assert jobs() == set()  # a copy of the same code: nothing to do
    with open(copy / "facelime" / "figures.py", "a") as handle:
        handle.write("# a changed drawing module\n")
    rerun = jobs()
    assert {"figure_grid", "kl_matrix", "region_shares", "region_stats", "figure_index"} <= rerun
    assert not rerun & {"explain", "align_identity", "heatmap_model", "heatmap_all_models", "crop_and_segment"}
