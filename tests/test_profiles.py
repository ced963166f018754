"""The profiles' knobs agree with each other (what a job reserves is what its code uses)."""

from __future__ import annotations

from pathlib import Path

import yaml

PROFILES = Path(__file__).resolve().parents[1] / "workflow" / "profiles"


def profile(name: str) -> dict:
    return yaml.safe_load((PROFILES / name / "config.yaml").read_text())


def test_slurm_threads_equal_the_cpus_each_job_reserves():
    slurm = profile("slurm")
    reserved = {rule: r["cpus_per_task"] for rule, r in slurm["set-resources"].items() if "cpus_per_task" in r}
    assert reserved["explain"] == 2
    assert slurm["set-threads"] == reserved
    assert slurm["default-resources"]["cpus_per_task"] == 1  # and rules without set-threads use 1 thread


def test_gpu_profile_gives_each_explain_job_one_of_the_machines_gpus():
    gpu = profile("gpu")
    machine = dict(item.split("=") for item in gpu["resources"])
    assert int(machine["gpu"]) >= gpu["set-resources"]["explain"]["gpu"] == 1


def test_gpu_profile_gives_a_gpu_to_every_rule_that_runs_a_model():
    """Each rule whose step builds an embedder or classifier holds a gpu, so that --cores 16 on a
    one-GPU machine never opens more CUDA contexts than there are GPUs."""
    import re

    rules_text = "\n".join(p.read_text() for p in (PROFILES.parents[1] / "rules").glob("*.smk"))
    model_rules = {"explain", "faithfulness", "stability", "patch_restoration", "classifier_predict",
                   "classifier_explain", "identity_classifier"}
    assert model_rules <= set(re.findall(r"^\s*rule (\w+):", rules_text, re.M))  # names a profile can set
    held = {rule for rule, r in profile("gpu")["set-resources"].items() if r.get("gpu") == 1}
    assert held == model_rules
