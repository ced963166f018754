"""What a run could not make, and why: printed under the figure listing at the end of every run,
so that no figure family goes missing without a word (README, Running it on your data)."""

from __future__ import annotations

import textwrap

WIDTH = 100  # console lines, as the run summary


def not_made(models: list[str], attribute_sets: dict, metadata: str | None, groups: dict[str, dict],
             min_group_size: int, validity: dict) -> list[tuple[str, str]]:
    """(what, why) per figure family this run leaves out.

    models: the explained models; attribute_sets: model attributes with >= 2 values;
    metadata: the metadata file (None: none given); groups: {column: {value: members}} after
    small groups were left out; validity: the config's validity section.
    """
    missing = []
    compared_groups = [c for c, values in groups.items() if len(values) >= 2]
    if len(models) < 2:
        missing.append(("KL matrix and dendrogram between nets",
                        f"need >= 2 models (this run has 1: {models[0]})" if models else "need >= 2 models"))
    if not attribute_sets:
        missing.append(("heatmaps, figures and KL by model attribute",
                        "need a models.<name>.attributes key with >= 2 values over the models"))
    if not metadata:
        missing.append(("group heatmaps, figures and KL", "no dataset.metadata file"))
    elif not groups:
        missing.append(("group heatmaps, figures and KL",
                        "no metadata column has 2..compare.max_group_values values among the identities"))
    for column, values in sorted(groups.items()):
        if len(values) < 2:
            missing.append((f"group figures and KL for '{column}'",
                            f"need >= 2 groups with >= {min_group_size} identities (compare.min_group_size); "
                            f"'{column}' has {len(values)}"))
    if len(models) < 2 and not attribute_sets and not compared_groups:
        missing.append(("any KL matrix or dendrogram", "KL and dendrograms need >= 2 models or >= 2 groups"))
    off = [name for name in ("faithfulness", "stability", "sanity", "region_stats")
           if not validity.get(name, {}).get("enabled")]
    if off:
        missing.append((f"validity checks: {', '.join(off)}", "off (validity.<check>.enabled: true switches one on)"))
    return missing


def not_made_lines(missing: list[tuple[str, str]]) -> list[str]:
    """The listing's lines for what was not made."""
    if not missing:
        return []
    return ["facelime: not made in this run, and why"] + [
        textwrap.fill(f"{what}: {why}", WIDTH, initial_indent="  - ", subsequent_indent="    ") for what, why in missing]
