"""facelime.plan.settings: what a job records (rule params) and what it only runs with, without Snakemake."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from facelime.config import validate_config
from facelime.models.batch_choice import batch_size_for
from facelime.plan import settings

REPO = Path(__file__).resolve().parents[1]
NET = str(Path(__file__).resolve())  # an existing file: the config checks that a model file exists, never reads it

# The demo's LIME params as every finished explain job recorded them before facelime.plan existed:
# a change here reruns every LIME job of every finished study.
ONNX_SPEED = {"perturb_on_device": "auto", "precision_min_cosine": 0.9999}  # the schema's defaults
DEMO_LIME = {"num_samples": 250, "segmentation": "slic", "n_segments": 30, "compactness": 20, "kernel_width": 0.25,
             "keep": "positive", "sampling": "lime", "reference": "self", "reference_image": None}


def demo_config(**changes) -> dict:
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    for section, values in changes.items():
        config[section] = {**config.get(section, {}), **values}
    return validate_config(copy.deepcopy(config))


def three_methods() -> dict:
    return demo_config(explain={"methods": ["lime", "rise", "occlusion"], "rise": {"num_masks": 600}},
                       lime={"batch_size": 8},
                       models={"onnx_net": {"backend": "onnx", "path": NET, "batch_size": 4, "tf32": False}})


def test_lime_params_are_those_finished_jobs_recorded():
    assert settings.explain_params(demo_config(), "dlib_resnet") == DEMO_LIME
    config = three_methods()
    assert settings.explain_params(config, "dlib_resnet") == DEMO_LIME  # lime.batch_size is no param
    assert settings.explain_params(config, "onnx_net") == DEMO_LIME  # explain.methods changes no LIME job
    assert settings.explain_params(config, "onnx_net@rise") == {
        **DEMO_LIME, "method": "rise", "rise": {"num_masks": 600, "grid": 7, "keep_probability": 0.5}}
    assert settings.explain_params(config, "onnx_net@occlusion") == {
        **DEMO_LIME, "method": "occlusion", "occlusion": {"patch": 19, "stride": 3}}


@pytest.mark.parametrize("config", [demo_config(), three_methods()], ids=["demo", "three methods"])
def test_speed_only_keys_are_never_params(config):
    names = [n for m in config["models"] for n in (m, f"{m}@rise", f"{m}@occlusion")]
    for name in names:
        recorded = {**settings.model_params(config, name), **settings.explain_params(config, name)}
        assert not set(settings.SPEED_ONLY_KEYS + settings.VERDICT_ONLY_KEYS) & set(recorded), name
        assert set(settings.speed_settings(config, name)) <= set(settings.SPEED_ONLY_KEYS)


def test_batch_size_is_decided_once_per_model():
    config = three_methods()  # lime.batch_size 8 wins over the model's own 4
    assert settings.speed_settings(config, "onnx_net") == {**ONNX_SPEED, "batch_size": 8, "tf32": False}
    assert settings.speed_settings(config, "onnx_net@rise")["batch_size"] == 8
    assert settings.speed_settings(demo_config(), "dlib_resnet")["batch_size"] == 16  # the backend's default
    own = demo_config(models={"onnx_net": {"backend": "onnx", "path": NET, "batch_size": 4},
                              "auto_net": {"backend": "onnx", "path": NET, "batch_size": "auto"}})
    assert settings.speed_settings(own, "onnx_net")["batch_size"] == 4
    assert settings.speed_settings(own, "auto_net")["batch_size"] == "auto"  # measured by the model when built
    # a randomised copy (validity.sanity) runs as its original does
    copy_spec = {**settings.model_params(own, "onnx_net"), "randomised_from": "onnx_net"}
    assert settings.speed_settings(own, "onnx_net_randomised", copy_spec)["batch_size"] == 4
    for name in ("onnx_net", "auto_net"):  # build_embedder keeps the decided size: no second decision
        decided = settings.speed_settings(own, name)["batch_size"]
        assert batch_size_for("onnx", None, decided) == decided


def test_a_step_gets_the_method_and_its_settings_apart_from_limes():
    config = three_methods()
    assert settings.method_settings(config, "onnx_net") == ("lime", DEMO_LIME)
    method, rise = settings.method_settings(config, "onnx_net@rise")
    assert method == "rise" and rise == settings.explain_params(config, "onnx_net@rise")["rise"]
    found = settings.step_settings(config, "onnx_net@occlusion", None, ["speed", "method", "method_settings"])
    assert found == {"speed": {**ONNX_SPEED, "batch_size": 8, "tf32": False}, "method": "occlusion",
                     "method_settings": {"patch": 19, "stride": 3}}
    assert settings.step_settings(config, "onnx_net", None, ["speed"]) == {"speed": {**ONNX_SPEED, "batch_size": 8, "tf32": False}}
    assert settings.step_settings(config, None, None, ["speed"]) == {}  # a job with no model


def test_validity_settings_leave_out_what_does_not_change_the_curves():
    config = demo_config()
    assert set(settings.faithfulness_settings(config)) == {"units", "steps", "grid", "blur_sigma", "random_orders"}
    assert set(settings.patch_settings(config)) == {"pairs", "steps", "random_orders"}
    assert settings.segment_params(config) == {"segmentation": "slic", "n_segments": 30, "compactness": 20}
    assert settings.reference_crop_params(config) is None
    assert settings.overview_settings({"seed": 0, "config_files": ["a.yaml"]}) == {"seed": 0}


def test_file_inputs_name_what_a_job_reads():
    config = three_methods()
    # the embedded dlib model has no file; an ONNX model's file is an input, also under its other methods
    assert settings.model_file(config, "dlib_resnet") == []
    assert settings.model_file(config, "onnx_net") == settings.model_file(config, "onnx_net@rise") == [NET]
    assert settings.file_input(config["lime"], "reference_image") == []
    assert settings.file_input({"reference_image": NET}, "reference_image") == [NET]
    # only the regions method reads landmarks: its players are the landmark regions
    assert settings.regions_landmarks("onnx_net@regions", ["a", "b c"]) == [
        "results/landmarks/a.npz", "results/landmarks/b c.npz"]
    assert settings.regions_landmarks("onnx_net", ["a"]) == settings.regions_landmarks("onnx_net@rise", ["a"]) == []
