"""The profiles' knobs agree with each other (what a job reserves is what its code uses)."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
PROFILES = REPO / "workflow" / "profiles"
STEPS = REPO / "facelime" / "steps"


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


MODEL_BUILDERS = {"build_embedder", "build_classifier"}  # facelime.models, facelime.classify.onnx_classifier


def builds_a_model(module: str, function: str) -> bool:
    """Whether facelime.steps.<module>'s <function> reaches build_embedder or build_classifier, through
    the functions and classes of its own module (e.g. explain -> ModelOnce -> build_embedder)."""
    import ast

    tree = ast.parse((STEPS / f"{module}.py").read_text())
    defined = {node.name: node for node in tree.body
               if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    seen, todo = set(), [function]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        nodes = list(ast.walk(defined[name]))
        used = {node.id for node in nodes if isinstance(node, ast.Name)}
        if {node.attr for node in nodes if isinstance(node, ast.Attribute)} & MODEL_BUILDERS:
            return True  # models.build_embedder(...)
        if used & MODEL_BUILDERS:
            return True
        todo.extend(used & defined.keys())
    return False


def rules_that_run_a_model() -> set[str]:
    """The workflow's rules whose script runs a step that builds an embedder or classifier, read from
    rules/*.smk (each `rule NAME:` or `checkpoint NAME:` block's script) and the scripts'
    `from facelime.steps.X import f` lines."""
    import re

    found = set()
    for smk in (REPO / "rules").glob("*.smk"):
        # [text before the first rule, name, body, name, body, ...]
        blocks = re.split(r"^\s*(?:rule|checkpoint) (\w+):", smk.read_text(), flags=re.M)
        for name, body in zip(blocks[1::2], blocks[2::2]):
            script = re.search(r'script:\s*"\.\./(scripts/\w+\.py)"', body)
            if script is None:
                continue
            step = re.search(r"^from facelime\.steps\.(\w+) import (\w+)$", (REPO / script[1]).read_text(), re.M)
            assert step, f"{script[1]} (rule {name}): no `from facelime.steps.<module> import <step>` line"
            if builds_a_model(*step.groups()):
                found.add(name)
    return found


def test_the_model_rules_are_found_from_the_workflow():
    """The criterion of the test below, on rules known to run a model and rules known not to."""
    model_rules = rules_that_run_a_model()
    assert {"explain", "faithfulness", "stability", "patch_restoration", "seed_ceiling", "classifier_predict",
            "classifier_explain", "identity_classifier"} <= model_rules
    # randomise_model reads the ONNX weights but runs no forward pass; the others run none at all
    assert not model_rules & {"randomise_model", "crop_and_segment", "landmarks", "method_agreement",
                              "faithfulness_summary", "heatmap_model", "classifier_report"}


def test_gpu_profile_gives_a_gpu_to_every_rule_that_runs_a_model():
    """Each rule whose step builds an embedder or classifier holds a gpu, so that --cores 16 on a
    one-GPU machine never opens more CUDA contexts than there are GPUs. The rules are found from
    the workflow itself, so a new model rule without a gpu in the profile fails here."""
    held = {rule for rule, r in profile("gpu")["set-resources"].items() if r.get("gpu") == 1}
    assert held == rules_that_run_a_model()


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
