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


RULE_ENVS = """
import json, sys
from snakemake import api, cli
def dump(self, *args, **kwargs):  # after the Snakefile is parsed, before any DAG: each rule's conda env
    print("RULE_ENVS " + json.dumps({r.name: str(r._conda_env) for r in self.workflow_api._workflow.rules}))
api.DAGApi.execute_workflow = dump
sys.argv = ["snakemake"] + sys.argv[1:]
cli.main()
"""


def rule_envs(tmp_path, *args: str) -> dict[str, str]:
    """Each rule's conda environment as Snakemake parses the workflow with these command-line arguments."""
    import json
    import subprocess
    import sys

    repo = PROFILES.parents[1]
    result = subprocess.run([sys.executable, "-c", RULE_ENVS, "--snakefile", str(repo / "Snakefile"), "--directory",
                             str(tmp_path), "--configfile", str(repo / "config.yaml"), "-n", *args],
                            capture_output=True, text=True, cwd=repo, timeout=300)
    line = next((l for l in result.stdout.splitlines() if l.startswith("RULE_ENVS ")), None)
    assert line, result.stdout + result.stderr
    return json.loads(line[len("RULE_ENVS "):])


def test_rules_holding_a_gpu_run_in_the_onnxruntime_gpu_env(tmp_path):
    """With the GPU profile, exactly the rules that hold a gpu use envs/facelime-gpu.yaml (onnxruntime-gpu);
    without it every rule uses envs/facelime.yaml. The gpu a job holds is the one switch."""
    gpu_rules = {rule for rule, r in profile("gpu")["set-resources"].items() if r.get("gpu")}
    on_gpu = rule_envs(tmp_path, "--profile", str(PROFILES / "gpu"))
    assert {rule for rule, env in on_gpu.items() if env == "../envs/facelime-gpu.yaml"} == gpu_rules
    assert all(env in ("../envs/facelime.yaml", "None") for rule, env in on_gpu.items() if rule not in gpu_rules)
    default = rule_envs(tmp_path)
    assert default.keys() == on_gpu.keys() and "../envs/facelime-gpu.yaml" not in default.values()
    assert default["explain"] == "../envs/facelime.yaml"
