# Snakemake's side of the study's plan (facelime.plan, docs/code.md): config validation, the demo
# checkpoint, and the input functions and params that hand the plan's records to the rules.
import functools
import os
import re
import sys
import time
from contextlib import contextmanager

# The science lives in the facelime package of this repository; make it importable
# for the scripts whatever environment (venv, conda) runs them.
sys.path.insert(0, workflow.basedir)
# (Set, not read: the jobs inherit it.)
os.environ.update(
    PYTHONPATH=os.pathsep.join(
        p for p in (workflow.basedir, os.getenv("PYTHONPATH")) if p
    )
)

from facelime.plan import settings as plan_settings
from facelime.config import effective_settings, validate_config
from facelime.errors import ConfigError
from facelime.heatmaps import heatmap_outputs
from facelime.plan import catalogue, layouts, paths, records, run
from facelime.plan import resources as plan_resources
from facelime.plan.build import Plan
from facelime.plan.digest import figure_style
from facelime.plan.members import Members
from facelime.plan.study import Study


@contextmanager
def workflow_errors():
    """A config or dataset problem stops Snakemake in one line naming the setting."""
    try:
        yield
    except ConfigError as err:
        raise WorkflowError(str(err)) from None


# report() calls these with the job's wildcards; the plan's functions take the name itself
def comparison_subcategory(wildcards):
    return catalogue.comparison_subcategory(wildcards.comparison)


def figure_subcategory(wildcards):
    return layouts.figure_subcategory(wildcards.figure)


# One validator for the workflow and the CLI: study defaults from the schema for every
# key left out, --config strings typed, the first problem in one line naming the key.
with workflow_errors():
    validate_config(config, workflow.basedir)

SETTINGS = effective_settings(
    config, workflow.overwrite_configfiles or workflow.configfiles
)
STUDY = Study(config)
MEMBERS = Members(config)
# every figure job's params: a new dpi, colour scale or drawing code reruns the figures only
FIGURE_STYLE = figure_style(config["figures"], workflow.basedir)


wildcard_constraints:
    identity=r"[^/]+",
    model="|".join(re.escape(m) for m in STUDY.explained),
    trained="|".join(re.escape(m) for m in STUDY.models),
    attribute=r"[^/]+",
    column=r"[^/]+",
    value=r"[^/]+",
    comparison=r"[^/]+",
    figure=r"[^/]+|person_net/[^/]+",
    classifier="|".join(re.escape(c) for c in STUDY.classifiers) or "no-classifier",


# --- the dataset (facelime.plan.members) ---------------------------------------------------
def identities():
    """Identity folders of the dataset (after the demo checkpoint, when demo)."""
    if config["dataset"]["demo"]:
        checkpoints.demo_dataset.get()
    with workflow_errors():
        return MEMBERS.identities


def groups():
    """{column: {value: [identities]}} from the identity metadata (empty without one)."""
    identities()  # after the demo checkpoint, the CSV exists
    with workflow_errors():
        return MEMBERS.groups


def group_members(wildcards):
    return groups()[wildcards.column][wildcards.value]


def dataset_qc_rows():
    """QC rows for files the layout leaves out, and for metadata gaps and small groups."""
    identities()
    with workflow_errors():
        return MEMBERS.qc_rows


def identity_images(wildcards):
    """Image files of one identity, capped at dataset.max_images_per_identity."""
    identities()
    return MEMBERS.images(wildcards.identity)


# A bad layout, identity column or grouping stops here in one line; the banner names the column.
if not config["dataset"]["demo"]:
    identities()
    if MEMBERS.metadata:
        with workflow_errors():
            SETTINGS["identity_column"] = "'{}' ({})".format(*MEMBERS.identity_column)
        groups()


# --- the plan (facelime.plan.build) ---------------------------------------------------------
@functools.cache
def _plan():
    return Plan(STUDY, identities(), groups())


def plan():
    """The study's plan over the dataset, built once (after the demo checkpoint, when demo)."""
    identities()
    return _plan()


def all_targets(wildcards):
    return plan().all_targets


def comparison_inputs(wildcards):
    return [e["path"] for e in plan().kl_entries(wildcards.comparison)]


def comparison_identity_inputs(wildcards):
    """The (model, identity) heatmaps the KL set's uncertainty resamples, models x identities."""
    return plan().kl_identity_inputs(wildcards.comparison)


def figure_layout(wildcards):
    return plan().figures[wildcards.figure]


def figure_grid_inputs(wildcards):
    return [panel.path for panel in figure_layout(wildcards).panels]


# --- how config reaches the steps (one block) ------------------------------------
# A job reruns when something it records changes, and only then: what a job records and what
# it only runs with (speed-only settings, handed over by run_step) are decided in
# facelime.plan.settings.
def explain_params(wildcards):
    return plan_settings.explain_params(config, wildcards.model)


def model_params(wildcards):
    return plan_settings.model_params(config, wildcards.model, STUDY.randomised)


def model_file(wildcards):
    return plan_settings.model_file(config, wildcards.model, STUDY.randomised)


def identity_chunks(size):
    """The dataset's identities in runs of `size`, in order (explain.identities_per_job)."""
    found = identities()
    return [found[start : start + size] for start in range(0, len(found), size)]


def model_env(rule):
    """envs/facelime-gpu.yaml when `rule` holds a gpu, else the CPU env (facelime.plan.resources)."""
    return plan_resources.model_env(workflow.resource_settings, rule)


# --- start and end of a run (facelime.plan.run) ----------------------------------
# The Snakefile is read just before the jobs run: a summary written after this is this run's.
PARSED_AT = time.time()


def run_not_made(wildcards):
    """What this config leaves out, for the overview table and the figure index."""
    return run.run_not_made(STUDY, MEMBERS.metadata, groups())


# --- classifier mode (docs/method.md, Classifier mode) --------------------------
def identity_classifier_identities():
    identities()
    with workflow_errors():
        return MEMBERS.classifier_identities(
            config["identity_classifier"]["identities"]
        )
