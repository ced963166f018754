"""Glue for the Snakemake scripts: one step per script, logging to the rule's log, one-line errors."""

from __future__ import annotations

import inspect
import logging
import sys
import traceback
from contextlib import contextmanager

from .errors import FacelimeError

RULE_ITEMS = ("input", "output", "params", "wildcards")


def step_arguments(snakemake, step) -> dict:
    """The keyword arguments `step` accepts, taken from the job's named inputs, outputs, params and
    wildcards (a named list stays a list), its threads, and the run-time settings that are no params
    (facelime.plan.settings.step_settings: `speed`, `method`, `method_settings`) when the step asks.

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
    accepted = inspect.signature(step).parameters
    run_time = {"threads": snakemake.threads, **job_settings(snakemake, offered, accepted)}
    for name, value in run_time.items():
        if name in offered:
            raise TypeError(f"rule {snakemake.rule}: {name!r} is reserved, rename it in its {offered[name][0]}")
        offered[name] = (name, value)
    missing = [name for name, p in accepted.items() if p.default is p.empty and name not in offered]
    if missing:
        given = ", ".join(f"{kind} {name}" for name, (kind, _) in offered.items() if kind in RULE_ITEMS)
        raise TypeError(f"step {step.__module__}.{step.__name__} needs {', '.join(missing)}, which rule "
                        f"{snakemake.rule} does not name (it names: {given or 'nothing'})")
    return {name: offered[name][1] for name in accepted if name in offered}


def job_settings(snakemake, offered: dict, accepted) -> dict:
    """The settings a job runs with but does not record, for the explained name the job names
    (its `model` wildcard or param), decided in one place: facelime.plan.settings."""
    from .plan.settings import RUN_TIME_NAMES, step_settings

    wanted = [name for name in RUN_TIME_NAMES if name in accepted]
    if not wanted:
        return {}
    name = offered.get("model", (None, None))[1]
    spec = offered.get("spec", (None, None))[1]
    return step_settings(snakemake.config, name, spec, wanted)


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
