"""Glue for the Snakemake scripts: logging to the rule's log, one-line errors."""

from __future__ import annotations

import logging
import sys
import traceback
from contextlib import contextmanager

from .errors import FacelimeError


def with_speed_settings(config: dict, model: str, model_params: dict, lime_params: dict | None = None):
    """A rule's model entry and LIME settings with the speed-only batch sizes put back from the config.

    Batch sizes change how fast a job runs, never its numbers, so they are not rule
    params (a change would rerun every job); the scripts read them here.
    """
    entry = config["models"].get(model) or config["models"].get(model_params.get("randomised_from"), {})
    spec = {**model_params, "batch_size": entry.get("batch_size")}
    lime = None if lime_params is None else {**lime_params, "batch_size": config["lime"].get("batch_size")}
    return spec, lime


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
