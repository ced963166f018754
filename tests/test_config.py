"""Config validation: wrong keys, types and values stop the run with the key named."""

from __future__ import annotations

import copy

import pytest
from workflow_helpers import snakemake, write_config

from facelime.config import validate_config
from facelime.errors import ConfigError

GOOD = {"dataset": {"demo": True}, "models": {"dlib_resnet": {"backend": "dlib"}}}


def test_defaults_are_the_study_values():
    config = validate_config(copy.deepcopy(GOOD))
    assert config["preprocess"] == {"size": 112, "crop_fraction": 1.0, "min_side": 32, "detect": "none",
                                    "yunet_model": None, "face_scale": 1.6, "align": "none"}
    assert config["dataset"]["on_bad_image"] == "skip"
    lime = config["lime"]
    assert lime["sampling"] == "lime"
    assert (lime["num_samples"], lime["n_segments"], lime["compactness"]) == (1000, 30, 20)
    assert (lime["kernel_width"], lime["keep"], lime["segmentation"]) == (0.25, "positive", "slic")
    model = config["models"]["dlib_resnet"]
    assert model["mean"] == [127.5] * 3 and model["color_order"] == "RGB" and model["device"] == "auto"
    assert model["precision"] == "fp32"
    assert config["explain"] == {"identities_per_job": 1, "methods": ["lime"], "rise": {"num_masks": None, "grid": 7, "keep_probability": 0.5},
                                 "occlusion": {"patch": 19, "stride": 3}, "regions": {"split_sides": False}}


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda c: c["lime"].update(num_sample=5), r"config key lime\.num_sample: unknown key \(allowed here: "),
        (lambda c: c["lime"].update(num_samples="many"), r"config key lime\.num_samples: 'many' is not of type"),
        (lambda c: c["lime"].update(num_samples=0), r"config key lime\.num_samples: 0 is less than the minimum of 2"),
        (lambda c: c.update(colour="red"), r"config key colour: unknown key"),
        (lambda c: c["models"]["dlib_resnet"].update(backend="torch"), r"models\.dlib_resnet\.backend: 'torch' is not one of"),
        (lambda c: c["dataset"].update(demo=False, root="/no/such/folder"), r"dataset\.root: folder not found: /no/such/folder"),
        (lambda c: c["dataset"].update(demo=False), r"dataset\.root: no dataset folder"),
        (lambda c: c["models"].update(r50={"backend": "onnx", "path": "/no/r50.onnx"}), r"models\.r50\.path: file not found: /no/r50.onnx"),
        (lambda c: c["lime"].update(reference="image"), r"lime\.reference_image: reference is 'image' but no reference_image"),
        (lambda c: c["lime"].update(reference="image", reference_image="/no/probe.jpg"), r"lime\.reference_image: file not found: /no/probe.jpg"),
        (lambda c: c["lime"].update(reference="nearest"), r"lime\.reference: 'nearest' is not one of"),
        (lambda c: c.update(validity={"stability": {"seeds": 1}}), r"validity\.stability\.seeds: 1 is less than the minimum of 2"),
        (lambda c: c.update(classify={"enabled": True, "dataset": "/no/labelled"}), r"classify\.dataset: folder not found: /no/labelled"),
        (lambda c: c.update(classify={"models": {"fer": {"path": "/no/fer.onnx", "classes": ["happy"]}}}), r"classify\.models\.fer\.classes: \['happy'\] is too short"),
        (lambda c: c.update(identity_classifier={"model": "r100"}), r"identity_classifier\.model: 'r100' is not under models"),
        (lambda c: c.update(explain={"methods": ["gradcam"]}), r"explain\.methods\.0: 'gradcam' is not one of \['lime', 'rise', 'occlusion', 'regions'\]"),
        (lambda c: c.update(explain={"methods": []}), r"explain\.methods: \[\] should be non-empty"),
        (lambda c: c.update(explain={"rise": {"keep_probability": 1}}), r"explain\.rise\.keep_probability: 1 is greater than or equal to the maximum of 1"),
        (lambda c: c.update(explain={"rise": {"masks": 10}}), r"explain\.rise\.masks: unknown key \(allowed here: grid, keep_probability, num_masks\)"),
        (lambda c: c.update(explain={"occlusion": {"patch": 200}}), r"explain\.occlusion\.patch: 200 px is larger than the 112 px crop"),
    ],
)
def test_bad_config_names_the_key(change, message):
    config = copy.deepcopy(GOOD)
    config.setdefault("lime", {})
    change(config)
    with pytest.raises(ConfigError, match=message):
        validate_config(config)


@pytest.mark.workflow
def test_snakemake_stops_on_unknown_key(tmp_path):
    config = copy.deepcopy(GOOD)
    config["lime"] = {"num_sampels": 100}
    write_config(tmp_path, config)
    result = snakemake(tmp_path, "-n")
    assert result.returncode != 0
    output = result.stderr + result.stdout
    assert "config key lime.num_sampels: unknown key (allowed here: " in output
    assert len(output.splitlines()) < 15 and "$schema" not in output  # one line, not the whole schema


@pytest.mark.workflow
def test_snakemake_stops_on_missing_model_file(tmp_path):
    config = copy.deepcopy(GOOD)
    config["models"]["r18"] = {"backend": "onnx", "path": str(tmp_path / "r18.onnx")}
    write_config(tmp_path, config)
    result = snakemake(tmp_path, "-n")
    assert result.returncode != 0
    assert f"models.r18.path: file not found: {tmp_path / 'r18.onnx'}" in result.stderr + result.stdout


def test_methods_must_list_lime_beside_the_others():
    """LIME is the study's method and the one the attribute, group and identity heatmaps are made of."""
    with pytest.raises(ConfigError, match=r"config key explain.methods: \['rise'\] leaves out lime"):
        validate_config({"dataset": {"demo": True}, "explain": {"methods": ["rise"]}})
    assert validate_config({"dataset": {"demo": True}, "explain": {"methods": ["lime", "rise"]}})
