"""What the profile or command line sets for a rule (set-threads, set-resources), read from
Snakemake's resource settings, and the conda environment that follows from a held GPU.

Snakemake keeps these overrides in `workflow.resource_settings` without a public reader; this
module is the one place that reads its private `_parsed_overwrite_*` fields.
"""

from __future__ import annotations

GPU_ENV = "../envs/facelime-gpu.yaml"
CPU_ENV = "../envs/facelime.yaml"


def _raw(value):
    return getattr(value, "raw", value)  # Snakemake parses them into Resource objects


def overrides(resource_settings, rule: str) -> tuple[int, dict]:
    """(threads, resources) set for `rule`. The chunk rules explain_<n> take rule explain's, so
    that one set of knobs (set-threads, set-resources: explain) serves both shapes."""
    threads = _raw(getattr(resource_settings, "_parsed_overwrite_threads", {}).get(rule, 1))
    resources = getattr(resource_settings, "_parsed_overwrite_resources", {}).get(rule, {})
    return threads, {name: _raw(value) for name, value in dict(resources).items()}


def held_gpus(resource_settings, rule: str) -> int:
    """The `gpu` resource set for `rule`, 0 if none."""
    return int(overrides(resource_settings, rule)[1].get("gpu", 0) or 0)


def model_env(resource_settings, rule: str) -> str:
    """The conda environment of a rule that runs a model: envs/facelime-gpu.yaml (onnxruntime-gpu)
    when the rule holds a gpu (workflow/profiles/gpu, or the SLURM profile with gpu set), else the
    CPU build. One switch, the gpu a job holds, decides both."""
    return GPU_ENV if held_gpus(resource_settings, rule) else CPU_ENV
