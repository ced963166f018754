"""Which heatmaps exist: models by attribute, identities by metadata group.

Names coming from metadata values become file names, so they are turned into
safe slugs; the mapping is kept so figures show the original values.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict

from .errors import ConfigError

ID_LIKE = {"identity", "class_id", "name", "sample_num", "id", "note", "notes"}  # never groupings


def slug(value: str) -> str:
    """A file-name-safe form of a metadata value or attribute ('Glint 360K' -> 'Glint_360K').

    Letters of any script stay ('España', '中国'); only separators and punctuation become '_'.
    """
    cleaned = re.sub(r"[^\w.-]+", "_", str(value).strip()).strip("_.")
    return cleaned or "empty"


def unique_slugs(values) -> dict[str, str]:
    """{value: slug}, where two different values never share a slug ('a b', 'a_b' -> 'a_b', 'a_b_<hash>')."""
    taken: dict[str, str] = {}
    out = {}
    for value in sorted(set(values)):
        name = slug(value)
        if name in taken and taken[name] != value:
            name = f"{name}_{hashlib.sha1(value.encode()).hexdigest()[:6]}"
        taken[name] = value
        out[value] = name
    return out


def model_attribute_sets(models: dict) -> dict[str, dict[str, list[str]]]:
    """{attribute: {value slug: [models]}} for attributes with at least two values."""
    sets: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for name in sorted(models):
        for attribute, value in (models[name].get("attributes") or {}).items():
            sets[slug(attribute)][slug(value)].append(name)
    return {a: dict(v) for a, v in sets.items() if len(v) >= 2}


def _metadata_row(identity: str, action: str, reason: str) -> dict:
    return dict(identity=identity, file="", stage="metadata", action=action, reason=reason)


def identity_groups(metadata: dict[str, dict[str, str]], identities: list[str],
                    columns: list[str] | None = None, max_values: int = 12, min_size: int = 1,
                    qc: list[dict] | None = None, identity_column: str | None = None) -> dict[str, dict[str, list[str]]]:
    """{column: {value slug: [identities]}} over the dataset's identities.

    Without explicit columns, every column whose values repeat (2..max_values
    distinct values among these identities) is a grouping, so names and counts are not.
    Identities without a metadata row or with an empty value, and groups with fewer
    than min_size identities, are in no group: each gets a row in `qc`. The identity
    column (identity_column, whatever its name) is never a grouping.
    """
    qc = [] if qc is None else qc
    present = [i for i in identities if i in metadata]
    # a `note` column says what a reader should know of a row (the thesis table: the 4 genders
    # the study's lists and VGGFace2's metadata disagree on); it is shown, never a grouping
    qc += [_metadata_row(i, "note", metadata[i]["note"]) for i in present if metadata[i].get("note")]
    qc += [_metadata_row(i, "no metadata", "identity has no row in the metadata CSV: in no group heatmap")
           for i in identities if i not in metadata]
    if not present:
        return {}
    header = list(next(iter(metadata.values())).keys())
    if columns is None:
        columns = []
        for column in header:
            if column.lower() in ID_LIKE or column == identity_column:
                continue
            values = {metadata[i].get(column, "") for i in present} - {""}
            if 2 <= len(values) <= min(max_values, len(present) - 1 if len(present) > 2 else 2):
                columns.append(column)
    elif identity_column in columns:
        raise ConfigError(f"dataset.group_columns: '{identity_column}' is the identity column, not a grouping")
    groups: dict[str, dict[str, list[str]]] = {}
    for column in columns:
        by_value: dict[str, list[str]] = defaultdict(list)
        names = unique_slugs(metadata[i].get(column, "") for i in present)
        for identity in present:
            value = metadata[identity].get(column, "")
            if value != "":
                by_value[names[value]].append(identity)
            else:
                qc.append(_metadata_row(identity, "no value", f"empty '{column}' value: in no '{column}' group"))
        for value, members in sorted(by_value.items()):
            if len(members) < min_size:
                qc.append(_metadata_row(",".join(members), "group left out",
                                        f"group {column}={value} has {len(members)} identities, fewer than "
                                        f"compare.min_group_size ({min_size})"))
                del by_value[value]
        if len(by_value) < 2:
            qc.append(_metadata_row("", "grouping left out", f"column '{column}' has {len(by_value)} group(s) left "
                                    "with enough identities: no group heatmaps or comparisons for it"))
        groups[slug(column)] = dict(by_value)
    return groups
