"""The config schema and its defaults: the one place defaults live (docs/method.md, Parameters).

Kept apart from facelime.config (validation, checks, the banner) so that the modules that
only need a section's defaults (models, preprocessing, explainers, classifiers) do not
import the validator, which itself reads the explainers' budgets.
"""

from __future__ import annotations

import copy
import functools
from importlib import resources

import yaml

SCHEMA_PATH = str(resources.files("facelime") / "schemas" / "config.schema.yaml")


@functools.cache
def load_schema() -> dict:
    """The config schema (read-only: callers copy what they change)."""
    with open(SCHEMA_PATH) as handle:
        return yaml.safe_load(handle)


def schema_defaults(*section: str) -> dict:
    """The schema's defaults of one section; for a mapping of entries (models, classify.models), of one entry."""
    node = load_schema()
    for part in section:
        node = node["properties"][part]
    entry = node.get("additionalProperties")
    if isinstance(entry, dict) and "properties" in entry:
        node = entry
    return {key: copy.deepcopy(sub["default"]) for key, sub in node.get("properties", {}).items() if "default" in sub}


def with_defaults(values: dict, *section: str) -> dict:
    """`values` over the schema's defaults of its section: the one place defaults live."""
    return {**schema_defaults(*section), **values}
