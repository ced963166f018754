"""Glue for the Snakemake scripts: one step per script, logging to the rule's log, one-line errors."""

from __future__ import annotations

import inspect
import logging
import sys
import traceback
from contextlib import contextmanager

from .errors import FacelimeError

RULE_ITEMS = ("input", "output", "params", "wildcards")


# Settings that change how fast a job runs, not what it computes: batch sizes, where LIME's
# masked batch is built (equal scores either way), the fp16 refusal threshold (a check, no
# number), and TF32 (on a GPU only, moving embeddings by about as much as the choice of GPU
# kernels; the same holds for device: auto). They are not rule params, so changing one does
# not rerun finished jobs (use --forcerun explain for that).
SPEED_ONLY_KEYS = ("batch_size", "perturb_on_device", "precision_min_cosine", "tf32")
# read by the CLI's pair verdict only: no map depends on them, so no job reruns when they change
VERDICT_ONLY_KEYS = ("match_threshold",)


def numbers_only(section: dict) -> dict:
    """A config section without its speed-only keys: what a rule's params may hold."""
    return {key: value for key, value in section.items() if key not in SPEED_ONLY_KEYS + VERDICT_ONLY_KEYS}


def with_speed_settings(config: dict | None, model: str, model_params: dict, lime_params: dict | None = None):
    """A rule's model entry and LIME settings with the speed-only keys put back from the config.

    They are not rule params (a change would rerun every job); the steps read them here.
    Without a config (a step called directly) the entries are used as they are.
    """
    if config is None:
        return model_params, lime_params
    entry = config["models"].get(model) or config["models"].get(model_params.get("randomised_from"), {})
    spec = {**model_params, "batch_size": entry.get("batch_size"),
            **{key: entry[key] for key in SPEED_ONLY_KEYS if key in entry}}
    lime = None if lime_params is None else {**lime_params, "batch_size": config["lime"].get("batch_size")}
    return spec, lime


def step_arguments(snakemake, step) -> dict:
    """The keyword arguments `step` accepts, taken from the job's named inputs, outputs, params and
    wildcards (a named list stays a list), its threads, and the config when the step asks for it.

    A name given twice (say an input and an output) is refused, so that a step never
    gets the wrong one; so is a name the step needs but the rule does not give.
    """
    offered: dict[str, tuple[str, object]] = {}
    for kind in RULE_ITEMS:
        items = getattr(snakemake, kind)  # read once: snakemake.params is rebuilt on each access
        for name in items.keys():
            if name in offered:
                raise TypeError(f"rule {snakemake.rule}: {name!r} is both one of its {offered[name][0]} and of its "
                                f"{kind}; rename one in the rule")
            value = items[name]
            offered[name] = (kind, list(value) if isinstance(value, list) else value)
    for name, value in (("threads", snakemake.threads), ("config", snakemake.config)):
        if name in offered:
            raise TypeError(f"rule {snakemake.rule}: {name!r} is reserved, rename it in its {offered[name][0]}")
        offered[name] = (name, value)
    accepted = inspect.signature(step).parameters
    missing = [name for name, p in accepted.items() if p.default is p.empty and name not in offered]
    if missing:
        given = ", ".join(f"{kind} {name}" for name, (kind, _) in offered.items() if kind in RULE_ITEMS)
        raise TypeError(f"step {step.__module__}.{step.__name__} needs {', '.join(missing)}, which rule "
                        f"{snakemake.rule} does not name (it names: {given or 'nothing'})")
    return {name: offered[name][1] for name in accepted if name in offered}


def run_step(snakemake, step) -> None:
    """What every script in scripts/ does: run one step with the rule's names, logged to the rule's log."""
    with rule_logging(snakemake.log[0]):
        if "figure_style" in snakemake.params.keys():  # figure rules: dpi and colour scale of this job
            from .figures import use_style

            use_style(snakemake.params["figure_style"])
        claim_job_gpus(snakemake)
        step(**step_arguments(snakemake, step))


def claim_job_gpus(snakemake) -> list[str]:
    """A job that holds `gpu` resources (the GPU profile) gets its own free device(s) before any model
    loads: Snakemake counts GPUs but does not assign them (facelime.gpu_devices)."""
    count = int(getattr(getattr(snakemake, "resources", None), "gpu", 0) or 0)
    if not count:
        return []
    from .gpu_devices import claim_devices

    return claim_devices(count)


@contextmanager
def rule_logging(log_path: str):
    """Send this job's stderr and warnings to its log; expected errors become one line."""
    with open(log_path, "w") as log:
        sys.stderr = log
        logging.basicConfig(stream=log, level=logging.INFO, force=True)
        logging.captureWarnings(True)
        try:
            yield log
        except FacelimeError as err:
            print(f"ERROR: {err}", file=log)
            print(f"facelime: {err}", file=sys.__stderr__)
            sys.exit(1)
        except Exception:
            traceback.print_exc(file=log)
            raise
        finally:
            sys.stderr = sys.__stderr__
