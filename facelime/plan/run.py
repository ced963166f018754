"""The start and end of a run: the settings banner kept beside the results, the closing summary,
and what this run leaves out and why."""

from __future__ import annotations

import json
import os
import sys

from . import paths


def announce_settings(settings: dict, config: dict) -> None:
    """Print what this run really uses and keep it beside the results (results/run_config.yaml)."""
    import yaml

    from ..config import settings_banner

    print(settings_banner(settings), file=sys.stderr)
    os.makedirs(paths.RESULTS, exist_ok=True)
    with open(paths.RUN_CONFIG, "w") as handle:
        handle.write("# The effective configuration of the last run: study defaults filled in.\n")
        plain = json.loads(json.dumps({"settings": settings, "config": config}))
        yaml.safe_dump(plain, handle, sort_keys=False)


def print_run_summary(parsed_at: float) -> None:
    """Where each figure is (after `thesis`) and the QC paragraph as the run's last words, when this
    run wrote them (a run of one target leaves older ones alone)."""
    for path in (paths.FIGURE_LISTING, paths.QC_SUMMARY):
        if os.path.exists(path) and os.path.getmtime(path) >= parsed_at:
            with open(path) as handle:
                print(handle.read().rstrip(), file=sys.stderr)


def run_not_made(study, metadata: str | None, groups: dict) -> list[tuple[str, str]]:
    """(what, why) of each figure family this run leaves out (facelime.run_outputs)."""
    from ..groups import model_attribute_sets
    from ..run_outputs import not_made

    config = study.config
    return not_made(study.models, model_attribute_sets(config["models"]), metadata, groups,
                    config["compare"]["min_group_size"], config["validity"])
