"""The study's plan without Snakemake (facelime.plan): figures, KL sets with their TOTAL leaves,
target counts, model order and page widths for the demo, a three-method demo and the thesis
config. The expected lists are the workflow's own before the plan moved out of rules/common.smk
(dry runs of main at e890580 on the same stand-ins); tests/test_thesis.py runs the real thing."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
import yaml

from facelime.config import validate_config
from facelime.plan import paths
from facelime.plan.build import Plan
from facelime.plan.digest import figure_code_files, source_digest
from facelime.plan.members import Members
from facelime.page_grid import CHARTS_PER_ROW, HEATMAPS_PER_ROW, forest_shape, grid_shape
from facelime.plan.study import Study

REPO = Path(__file__).resolve().parents[1]
DEMO_SOURCES = {"t1_face1": "group_photo", "t1_face2": "group_photo", "t1_face3": "group_photo",
                "t1_face4": "group_photo", "t1_face5": "group_photo", "t1_face6": "group_photo",
                "tom_hanks": "portrait", "grace_hopper": "portrait", "astronaut": "portrait"}
DEMO_IDS = sorted(DEMO_SOURCES)
# the thesis stand-in: the first 12 identities of config/thesis_identities.csv, and one it does not list
THESIS_IDS = ["n000009", "n000040", "n000078", "n000082", "n000106", "n000148", "n000259", "n000284", "n000363",
              "n000394", "n000410", "n000480"]
THESIS_ORDER = [f"r{a}_{t}" for t in ("glint360k", "ms1mv3") for a in (18, 34, 50, 100)]


def touch_images(root: Path, identities, view: str | None = None) -> None:
    for identity in identities:
        folder = root / identity / view if view else root / identity
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "0001_01.jpg").touch()


def build(config: dict, folder: Path) -> Plan:
    """The plan as the workflow builds it: filled config, members read off the dataset."""
    validate_config(config, REPO)
    members = Members(config)
    return Plan(Study(config), members.identities, members.groups)


@pytest.fixture
def demo(tmp_path, monkeypatch):
    """A plan maker for the demo config (explain.methods given or not), on the demo's identities."""
    monkeypatch.chdir(tmp_path)
    touch_images(tmp_path / "results/demo/faces", DEMO_IDS)
    with open(tmp_path / "results/demo/identities.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["identity", "source"])
        writer.writerows(DEMO_SOURCES.items())

    def make(methods=None) -> Plan:
        config = yaml.safe_load((REPO / "config.yaml").read_text())
        if methods:
            config.setdefault("explain", {})["methods"] = methods
        return build(config, tmp_path)

    return make


@pytest.fixture
def thesis(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    models = tmp_path / "models"
    models.mkdir()
    for tag in ("GLINT", "MS1MV3"):
        for arch in (18, 34, 50, 100):
            (models / f"ResNet{arch}{tag}.onnx").touch()
    touch_images(tmp_path / "data", THESIS_IDS + ["n999999"], "Frontal")
    config = yaml.safe_load((REPO / "config/thesis.yaml").read_text())
    config["dataset"]["root"] = str(tmp_path / "data")
    config["dataset"]["metadata"] = str(REPO / "config/thesis_identities.csv")
    config["model_dir"] = str(models)
    return build(config, tmp_path)


def kl_leaves(plan: Plan) -> dict[str, list[str]]:
    return {name: [e["label"] for e in plan.kl_entries(name)] for name in plan.catalogue.comparison_sets}


def test_demo_figures_kl_sets_and_targets(demo):
    plan = demo()
    assert list(plan.figures) == ["nets", "persons", *(f"person_net/{i}" for i in DEMO_IDS), "group_source",
                                  "group_source__nets"]
    # one net: no TOTAL leaf, no KL between nets
    assert kl_leaves(plan) == {"group_source": ["group_photo (n=6)", "portrait (n=3)"],
                               "group_source__dlib_resnet": ["group_photo (n=6)", "portrait (n=3)"]}
    assert len(plan.all_targets) == 188
    assert sum(len(files) for _, files in plan.thesis_figures) == 62


def test_three_method_demo(demo):
    plan = demo(["lime", "rise", "occlusion"])
    assert list(plan.figures) == ["nets", "persons", *(f"person_net/{i}" for i in DEMO_IDS), "attribute_method",
                                  "group_source", "group_source__nets", "methods"]
    leaves = kl_leaves(plan)
    assert leaves["attribute_method"] == ["lime", "rise", "occlusion"]  # no TOTAL over methods
    assert set(leaves) == {"attribute_method", "group_source", "group_source__dlib_resnet",
                           "group_source__dlib_resnet@rise", "group_source__dlib_resnet@occlusion"}
    assert [row.label for row in plan.figures["methods"].rows] == ["lime", "rise", "occlusion"]
    assert len(plan.all_targets) == 367
    assert sum(len(files) for _, files in plan.thesis_figures) == 82
    # occlusion draws nothing at random: no ceiling tables for it
    assert {Path(t).parts[3] for t in plan.ceiling_tables()} == {"dlib_resnet", "dlib_resnet@rise"}
    # report captions: the methods grid names every method's settings, the others LIME's alone
    methods, nets = plan.figure_caption("methods", "jet"), plan.figure_caption("nets", "grey")
    assert methods.startswith(plan.figures["methods"].title) and "RISE" in methods and "occlusion" in methods
    assert "250 samples per image" in nets and "RISE" not in nets and "grey colour map" in nets


def test_thesis_figures_kl_sets_and_targets(thesis):
    plan = thesis
    assert plan.identities == THESIS_IDS  # n999999 is not in the study's table
    assert list(plan.figures) == ["nets", "persons", *(f"person_net/{i}" for i in THESIS_IDS), "attribute_arch",
                                  "attribute_train_set", "group_ethnicity", "group_ethnicity__nets", "group_gender",
                                  "group_gender__nets"]
    leaves = kl_leaves(plan)
    assert len(leaves) == 21
    assert leaves["models"] == sorted(THESIS_ORDER) + ["TOTAL"]
    assert leaves["attribute_arch"] == ["R18", "R34", "R50", "R100", "TOTAL"]
    assert leaves["attribute_train_set"] == ["Glint360K", "MS1MV3", "TOTAL"]
    assert all("TOTAL" not in labels for name, labels in leaves.items() if name.startswith("group_"))
    total = plan.catalogue.comparison_sets["models"][-1]
    assert total.prefix == paths.HEATMAP["all_models"] and total.recipe()["models"] == sorted(THESIS_ORDER)
    assert plan.catalogue.comparison_title("group_gender__r18_glint360k") == "gender, R18 Glint360K (groups)"
    assert len(plan.all_targets) == 989
    assert sum(len(files) for _, files in plan.thesis_figures) == 168
    described = [d for d, _ in plan.thesis_figures]
    assert described[-2:] == ["region shares and densities", "validity: region_forest.png"]


def test_every_figure_lists_models_in_the_config_order(thesis):
    shown = {plan_model: thesis.study.model_display(plan_model) for plan_model in THESIS_ORDER}
    order = [shown[m] for m in THESIS_ORDER]
    for name, figure in thesis.figures.items():
        for row in figure.rows:
            titles = [p.title for p in row.panels if p.title in order]
            assert titles == sorted(titles, key=order.index), name
    # region shares' chart (the table keeps its rows): models in the config's order, R18 before R100
    chart = sorted((e for e in thesis.share_entries if e["kind"] == "model"), key=lambda e: e["order"])
    assert [e["label"] for e in chart] == THESIS_ORDER


@pytest.mark.parametrize("methods", [None, ["lime", "rise", "occlusion"]])
def test_no_figure_row_is_wider_than_a_page(demo, methods):
    for figure in demo(methods).figures.values():
        assert figure.width <= HEATMAPS_PER_ROW, figure.name


def test_thesis_rows_wrap_at_a_page(thesis):
    for figure in thesis.figures.values():
        assert figure.width <= HEATMAPS_PER_ROW, figure.name
    # 8 nets and the panel over all of them: the group's row goes on below, under its label
    rows = thesis.figures["group_gender__nets"].rows
    assert [(row.label, len(row.panels)) for row in rows] == [("female (n=9)", 8), ("female (n=9)", 1),
                                                              ("male (n=3)", 8), ("male (n=3)", 1)]
    assert [len(row.panels) for row in thesis.figures["persons"].rows] == [8, 4]


def test_region_forest_wraps():
    # the thesis: 8 nets and all nets, each over all identities, ethnicity and gender: 27 panels
    rows, columns = forest_shape(9, 3)
    assert (rows, columns) == (9, 3) and columns <= CHARTS_PER_ROW
    assert forest_shape(2, 6) == (4, 4)
    assert grid_shape(9) == (2, 8) and grid_shape(0) == (1, 1)


def test_region_forest_draws_wrapped_with_all_models_last(tmp_path):
    from facelime.canonical import REGIONS
    from facelime.figures import plt
    from facelime.validity import plots

    rows = [dict(scope=scope, column=column, group=group, region=region, share=0.1, ci_low=0.05, ci_high=0.2)
            for scope in ("all_models", "r18", "r100") for column, groups in (("all", ["all"]), ("gender", "fm"))
            for group in groups for region in REGIONS]
    drawn = {}
    original = plt.subplots

    def spy(*args, **kwargs):
        fig, axes = original(*args, **kwargs)
        drawn["axes"] = axes
        return fig, axes

    plt.subplots = spy
    try:
        plots.draw_region_forest(rows, tmp_path / "forest.png", 0.95)
    finally:
        plt.subplots = original
    titles = [[ax.get_title() for ax in row] for row in drawn["axes"]]
    assert titles == [["r18 | all", "r18 | gender"], ["r100 | all", "r100 | gender"],
                      ["all_models | all", "all_models | gender"]]


def test_plan_paths_and_rule_outputs_agree():
    assert paths.kl("tsv") == "results/kl/{comparison}.tsv"
    assert paths.heatmap("model_identity", model="m") == "results/heatmaps/model_identity/m/{identity}"
    assert paths.figure_files(paths.FIGURE.format(figure="nets"))[0] == "results/figures/nets.grey.png"
    assert "paths.kl(" in (REPO / "rules/compare.smk").read_text()


def test_figure_digest_follows_the_figure_steps_imports(tmp_path):
    files = {str(p.relative_to(REPO)) for p in figure_code_files(REPO)}
    assert {"facelime/heatmaps.py", "facelime/figures.py", "facelime/steps/figures.py",
            "facelime/validity/plots.py", "facelime/classify/plots.py"} <= files
    assert "facelime/steps/explain.py" not in files
    # a changed module that a figure module imports changes the digest
    copy = tmp_path / "repo"
    shutil.copytree(REPO / "facelime", copy / "facelime", ignore=shutil.ignore_patterns("__pycache__"))
    before = source_digest(copy, figure_code_files(copy))
    heatmaps = copy / "facelime/heatmaps.py"
    heatmaps.write_text(heatmaps.read_text() + "\n# changed\n")
    assert source_digest(copy, figure_code_files(copy)) != before


def test_validity_checks_are_off_by_default_and_each_adds_its_tables(demo):
    """Replaces a dry run of the workflow (test_validity_workflow): with validity.* left at the
    study's defaults no target lies under results/validity/, so no validity job runs; turning a
    check on adds its study-level tables and figures."""
    assert not [t for t in demo().all_targets if t.startswith("results/validity/")]
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["validity"] = {check: {"enabled": True} for check in paths.VALIDITY}
    config["models"]["whole"] = {"backend": "onnx", "path": "whole.onnx"}  # sanity needs an ONNX net
    Path("whole.onnx").touch()
    plan = build(config, Path.cwd())
    for check, files in paths.VALIDITY.items():
        assert set(files.values()) <= set(plan.all_targets), check
