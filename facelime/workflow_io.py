"""Glue for the Snakemake scripts: logging to the rule's log, one-line errors."""

from __future__ import annotations

import logging
import sys
import traceback
from contextlib import contextmanager

from .errors import FacelimeError


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
