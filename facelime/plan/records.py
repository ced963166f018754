"""The records a summary job takes: each file it reads with the model, method or identity it
belongs to, so that a step never recovers them from a list's order or a folder's name.

Rules pass them as derived params (`lambda wildcards, input: ...`): a change in them is a change
of the job's input files, so Snakemake does not record them beside the other params."""

from __future__ import annotations

from itertools import product
from typing import TYPE_CHECKING

from ..names import explained_name, split_name
from . import paths

if TYPE_CHECKING:
    from .build import Plan


def file_records(pattern: str, **keys: list[str]) -> list[dict]:
    """One record per combination of `keys` (the first varies slowest, as expand), each with its
    values and its file."""
    names = list(keys)
    return [{**dict(zip(names, values)), "path": pattern.format(**dict(zip(names, values)))}
            for values in product(*keys.values())]


def record_paths(records: list[dict]) -> list[str]:
    """The files of a list of records, as a rule's input."""
    return [record["path"] for record in records]


def method_files(plan: Plan, folder: str) -> list[dict]:
    """Every explained name's file per identity under results/<folder>/ (steps.methods.method_agreement)."""
    return file_records(f"results/{folder}/{{name}}/{{identity}}.npz",
                        name=plan.study.method_names, identity=plan.identities)


def masks(plan: Plan) -> list[dict]:
    """Every explained masks file with its model and identity (steps.qc.qc_report)."""
    return file_records(paths.MASKS, model=plan.study.explained, identity=plan.identities)


def region_masks(plan: Plan) -> list[dict]:
    """Every <model>@regions masks file with its model and identity (steps.regions.region_values)."""
    return [{"model": model, "identity": identity,
             "path": paths.MASKS.format(model=explained_name(model, "regions"), identity=identity)}
            for model in plan.study.model_order for identity in plan.identities]


def faithfulness(plan: Plan) -> list[dict]:
    """One record per faithfulness job: its model and method, identity, table and curves."""
    rows = []
    for record in file_records(paths.FAITHFULNESS_JOB, model=plan.study.explained, identity=plan.identities):
        model, method = split_name(record["model"])
        rows.append({"model": model, "method": method, "identity": record["identity"],
                     "tsv": record["path"] + ".tsv", "curves": record["path"] + ".npz"})
    return rows


def people(plan: Plan) -> list[dict]:
    """Every identity's face crops and landmarks (steps.validity.patch_restoration)."""
    return [{"identity": identity, "faces": paths.fill(paths.FACES, identity=identity),
             "landmarks": paths.fill(paths.LANDMARKS, identity=identity)} for identity in plan.identities]


def model_identity_heatmaps(plan: Plan) -> list[dict]:
    """Every (model, identity) heatmap with its model and identity (steps.validity.region_stats)."""
    return file_records(paths.HEATMAP["model_identity"] + ".npz",
                        model=plan.study.models, identity=plan.identities)
