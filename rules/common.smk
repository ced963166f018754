# Helpers shared by every stage: config validation, the identity list, input functions.
import functools
import hashlib
import json
import os
import re
import sys
import textwrap
import time

import yaml

# The science lives in the facelime package of this repository; make it importable
# for the scripts whatever environment (venv, conda) runs them.
sys.path.insert(0, workflow.basedir)
# (Set, not read: the jobs inherit it.)
os.environ.update(
    PYTHONPATH=os.pathsep.join(
        p for p in (workflow.basedir, os.getenv("PYTHONPATH")) if p
    )
)

from facelime import workflow_io
from facelime.config import effective_settings, settings_banner, validate_config
from facelime.dataset import (
    identity_column_choice,
    list_images,
    read_identity_metadata,
    read_metadata_table,
    scan_dataset,
)
from facelime.errors import ConfigError
from facelime.explainers import explained_name, split_name
from facelime.validity.ceiling import DETERMINISTIC
from facelime.groups import identity_groups, model_attribute_sets
from facelime.figures import readable
from facelime.heatmaps import heatmap_outputs
from facelime.validity.randomise import randomised_models
from facelime.validity.stability import stability_identities

# One validator for the workflow and the CLI: study defaults from the schema for every
# key left out, --config strings typed, the first problem in one line naming the key.
try:
    validate_config(config, workflow.basedir)
except ConfigError as err:
    raise WorkflowError(str(err)) from None

SETTINGS = effective_settings(
    config, workflow.overwrite_configfiles or workflow.configfiles
)

DATASET = config["dataset"]
MODELS = sorted(config["models"])
# validity.sanity: a shuffled-weights copy of every onnx model, explained like the others
RANDOMISED = randomised_models(
    config["models"], config["validity"]["sanity"]["enabled"]
)
# explain.methods (docs/method.md, Other explainers): each method beside LIME explains every
# model under its own name, <model>@<method>, through the same rules; LIME keeps the plain
# model names, so the default config's jobs and outputs are the study's.
METHODS = config["explain"]["methods"]
OTHER_METHODS = [m for m in METHODS if m != "lime"]


METHOD_MODELS = {m: [explained_name(model, m) for model in MODELS] for m in METHODS}
METHOD_NAMES = [name for m in METHODS for name in METHOD_MODELS[m]]
EXPLAINED = (
    MODELS
    + [name for m in OTHER_METHODS for name in METHOD_MODELS[m]]
    + sorted(RANDOMISED)
)
DEMO_ROOT = "results/demo/faces"
DATASET_ROOT = DEMO_ROOT if DATASET["demo"] else DATASET["root"]


def metadata_path():
    return "results/demo/identities.csv" if DATASET["demo"] else DATASET["metadata"]


wildcard_constraints:
    identity=r"[^/]+",
    model="|".join(re.escape(m) for m in EXPLAINED),
    trained="|".join(re.escape(m) for m in MODELS),
    attribute=r"[^/]+",
    column=r"[^/]+",
    value=r"[^/]+",
    comparison=r"[^/]+",
    figure=r"[^/]+|person_net/[^/]+",


def identities():
    """Identity folders of the dataset (after the demo checkpoint, when demo)."""
    if DATASET["demo"]:
        checkpoints.demo_dataset.get()
    return _identities()


@functools.cache
def _scan():
    try:
        return scan_dataset(DATASET_ROOT, DATASET["view"])
    except ConfigError as err:
        raise WorkflowError(str(err)) from None


@functools.cache
def identity_column():
    """(column, how it was chosen) of the metadata's identity column: dataset.identity_column,
    else the column matching the most identity folders (facelime.dataset.identity_column_choice).
    """
    path = metadata_path()
    if not path:
        return None, ""
    try:
        header, rows = read_metadata_table(path)
        return identity_column_choice(
            header, rows, _scan()[0], DATASET["identity_column"], path
        )
    except ConfigError as err:
        raise WorkflowError(str(err)) from None


def dataset_qc_rows():
    """QC rows for files the layout leaves out, and for metadata gaps and small groups."""
    identities()  # after the demo checkpoint, the dataset and its CSV exist
    return _scan()[1] + _groups()[1]


@functools.cache
def _identities():
    # cached: input functions ask for the list thousands of times in a study-sized DAG
    found = _scan()[0]
    wanted = DATASET["identities"]
    if wanted:
        missing = sorted(set(wanted) - set(found))
        if missing:
            raise WorkflowError(
                f"dataset.identities: no images for {missing} under {DATASET_ROOT}"
            )
        found = [i for i in found if i in set(wanted)]
    if DATASET["only_metadata_identities"]:
        found = metadata_identities(found)
    return found


def metadata_identities(found):
    """The dataset's identities that the metadata lists (the study's 368 of VGGFace2's test
    split); listed identities without images are named once, not silently dropped."""
    try:
        listed = read_identity_metadata(metadata_path(), identity_column()[0])
    except ConfigError as err:
        raise WorkflowError(str(err)) from None
    kept = [i for i in found if i in listed]
    absent = sorted(set(listed) - set(found))
    if absent:
        print(
            f"facelime: {len(absent)} of the {len(listed)} identities in {metadata_path()} have no "
            f"images under {DATASET_ROOT} (e.g. {', '.join(absent[:3])}); explaining the "
            f"{len(kept)} that do",
            file=sys.stderr,
        )
    if not kept:
        raise WorkflowError(
            f"dataset.only_metadata_identities: none of the identities in {metadata_path()} "
            f"has images under {DATASET_ROOT}"
        )
    return kept


# list the dataset once now, so that a bad layout stops here in one line
if not DATASET["demo"]:
    _identities()


def identity_images(wildcards):
    """Image files of one identity, capped at dataset.max_images_per_identity."""
    if DATASET["demo"]:
        checkpoints.demo_dataset.get()
    images = _images(wildcards.identity)
    return (
        images[: DATASET["max_images_per_identity"]]
        if DATASET["max_images_per_identity"]
        else images
    )


@functools.cache
def _images(identity):
    return list_images(DATASET_ROOT, identity, DATASET["view"])


def model_spec(wildcards):
    """The config entry of a model (or of a randomised copy, validity.sanity); <model>@<method>
    names the model's entry."""
    model = split_name(wildcards.model)[0]
    return config["models"].get(model) or RANDOMISED[model]


def explain_params(wildcards):
    """An explain job's settings: LIME's for a model's own name; for <model>@<method> also the
    method and its settings. A LIME job's params never depend on explain.methods, so adding
    RISE to a finished study reruns no LIME job."""
    method = split_name(wildcards.model)[1]
    if method == "lime":
        return LIME_PARAMS
    return {**LIME_PARAMS, "method": method, method: config["explain"][method]}


# A job reruns when something it reads changes, and only then: settings that change
# only speed (batch sizes, where perturbed batches are built, TF32) stay out of params,
# and steps read them from the config (facelime.workflow_io.with_speed_settings).
def numbers_only(section):
    return workflow_io.numbers_only(section)


LIME_PARAMS = numbers_only(config["lime"])
SEGMENT_PARAMS = {
    key: config["lime"][key] for key in ("segmentation", "n_segments", "compactness")
}


def model_params(wildcards):
    """A model's entry without its speed-only keys."""
    return numbers_only(model_spec(wildcards))


def config_file_inputs(section, key):
    """A file named in the config, as an input (so that a changed file reruns the jobs that read it)."""
    path = config[section].get(key)
    return [path] if path else []


def reference_crop_params():
    """The crop settings, which the explain jobs read only for a reference image."""
    return config["preprocess"] if config["lime"]["reference"] == "image" else None


def model_file(wildcards):
    """The model file as an input, so that a changed model reruns its jobs."""
    path = model_spec(wildcards)["path"]
    return [path] if path else []


def identity_chunks(size):
    """The dataset's identities in runs of `size`, in order (explain.identities_per_job)."""
    found = identities()
    return [found[start : start + size] for start in range(0, len(found), size)]


def explain_overrides():
    """(threads, resources) that the profile or command line sets for rule explain, for the
    chunk rules explain_<n>, so that one set of knobs (set-threads, set-resources: explain)
    serves both shapes. Snakemake keeps them in resource_settings without a public reader.
    """
    settings = workflow.resource_settings
    raw = lambda value: getattr(value, "raw", value)  # parsed into Resource objects
    threads = raw(getattr(settings, "_parsed_overwrite_threads", {}).get("explain", 1))
    resources = getattr(settings, "_parsed_overwrite_resources", {}).get("explain", {})
    return threads, {name: raw(value) for name, value in dict(resources).items()}


def held_gpus(rule):
    """The `gpu` the profile or command line gives `rule` (set-resources), 0 if none."""
    resources = getattr(workflow.resource_settings, "_parsed_overwrite_resources", {})
    value = dict(resources.get(rule, {})).get("gpu", 0)
    return int(getattr(value, "raw", value) or 0)


def model_env(rule):
    """The conda environment of the rules that run a model. With a gpu held (workflow/profiles/gpu,
    or the SLURM profile with gpu set) it is envs/facelime-gpu.yaml (onnxruntime-gpu), else
    the CPU build, envs/facelime.yaml. One switch, the gpu a job holds, decides both.
    """
    return "../envs/facelime-gpu.yaml" if held_gpus(rule) else "../envs/facelime.yaml"


def explain_targets():
    patterns = ["results/masks/{model}/{identity}.npz"]
    if config["sheets"]:
        patterns.append("results/sheets/{model}/{identity}")
    return expand(patterns, model=EXPLAINED, identity=identities())


def all_targets(wildcards):
    return (
        explain_targets()
        + analysis_targets()
        + validity_targets()
        + classifier_targets()
        + ["results/qc/qc.tsv"]
        # every run ends by listing what it made and did not; the report's first section
        + ["results/figures/index.tsv", "results/overview.tsv"]
    )


# --- groupings for heatmaps (docs/method.md, Heatmaps) ------------------------------------

ATTRIBUTE_SETS = model_attribute_sets(config["models"])
if OTHER_METHODS:
    # the method-level heatmaps: each method's maps over all models, compared by KL
    ATTRIBUTE_SETS["method"] = METHOD_MODELS


def groups():
    """{column: {value: [identities]}} from the identity metadata (empty without one)."""
    identities()  # after the demo checkpoint, the CSV exists
    return _groups()[0]


@functools.cache
def _groups():
    """The groups, and QC rows for metadata gaps and groups left out (read once)."""
    path = metadata_path()
    if not path:
        return {}, []
    qc = []
    try:
        rows = read_identity_metadata(path, identity_column()[0])
        found = identity_groups(
            rows,
            identities(),
            DATASET["group_columns"],
            config["compare"]["max_group_values"],
            config["compare"]["min_group_size"],
            qc,
            identity_column=identity_column()[0],
        )
    except ConfigError as err:
        raise WorkflowError(str(err)) from None
    if qc:
        shown = "; ".join(
            f"{row['identity'] or row['action']}: {row['reason']}" for row in qc[:3]
        )
        text = (
            f"facelime: {len(qc)} metadata notes (missing rows or values, small groups), "
            f"e.g. {shown}{' ...' if len(qc) > 3 else ''} (all in results/qc/qc.tsv)"
        )
        print(textwrap.fill(text, 100, subsequent_indent="  "), file=sys.stderr)
    return found, qc


def group_members(wildcards):
    return groups()[wildcards.column][wildcards.value]


# The identity column and the groupings are settled when the DAG is built: a wrong
# identity_column or group_columns stops here in one line, and the banner names the column.
if not DATASET["demo"] and metadata_path():
    SETTINGS["identity_column"] = "'{}' ({})".format(*identity_column())
    _groups()


def group_label(entry):
    """A group heatmap's name with its size, as tables and figures show it."""
    return f"{entry['value']} (n={entry['size']})"


# --- names as figures show them (figures.labels, models.*.display_name) ----------------
LABELS = config["figures"]["labels"]
MODEL_ORDER = [m for m in config["models"]]  # figures list models in the config's order


def display(name):
    """figures.labels' name for a key, else a readable form of it (facelime.figures.readable)."""
    return LABELS.get(str(name), readable(str(name)))


# the panel over every net, and a title's note of it; with one net there is no such panel
ALL_NETS = "all nets"


def over_nets():
    """' (all N nets)' after a title over every net; with one net, that net's name."""
    if len(MODELS) >= 2:
        return f" (all {len(MODELS)} nets)"
    return f" ({model_display(MODELS[0])})"


def model_display(name):
    model, method = split_name(name)
    spec = config["models"].get(model) or {}
    shown = spec.get("display_name") or display(model)
    return shown if method == "lime" else f"{shown} ({method})"


def attribute_values(attribute):
    """An attribute's values in the order their first model appears in the config."""
    members = ATTRIBUTE_SETS[attribute]
    if attribute == "method":
        return list(METHODS)
    return sorted(members, key=lambda v: min(MODEL_ORDER.index(m) for m in members[v]))


HEATMAP = {
    "model_identity": "results/heatmaps/model_identity/{model}/{identity}",
    "model": "results/heatmaps/model/{model}",
    "identity": "results/heatmaps/identity/{identity}",
    "attribute": "results/heatmaps/attribute/{attribute}/{value}",
    "group_model": "results/heatmaps/group/{column}/{value}/{model}",
    "group_all": "results/heatmaps/group/{column}/{value}/all_models",
    "all_models": "results/heatmaps/all_models",
}


@functools.cache
def heatmap_catalogue():
    """Every heatmap the workflow makes, enumerated once: kind, label (the name in tables),
    display (the name in figures), prefix, and the family (models, sanity, attribute_<a>,
    group_<c>), model and value it belongs to. Targets, KL matrices, figure grids and
    region shares are all read off this list. A metadata column with fewer than two groups
    left makes no group heatmaps."""
    ids = identities()
    entries = []

    def add(
        kind, label, prefix, family=None, model=None, value=None, size=None, shown=None
    ):
        entries.append(
            dict(
                kind=kind,
                label=label,
                display=shown or label,
                prefix=prefix,
                family=family,
                model=model,
                value=value,
                size=size,  # a group's identities, shown as its n
            )
        )

    for m in EXPLAINED:
        for i in ids:
            add(
                "model_identity",
                f"{m}/{i}",
                HEATMAP["model_identity"].format(model=m, identity=i),
                shown=f"{model_display(m)} / {display(i)}",
            )
    for m in EXPLAINED:
        add(
            "model",
            m,
            HEATMAP["model"].format(model=m),
            model_family(m),
            m,
            shown=model_display(m),
        )
    for i in ids:
        add("identity", i, HEATMAP["identity"].format(identity=i), shown=display(i))
    for attribute in ATTRIBUTE_SETS:
        for v in attribute_values(attribute):
            prefix = HEATMAP["attribute"].format(attribute=attribute, value=v)
            shown = f"{display(attribute)}: {display(v)}"
            add(
                "attribute",
                f"{attribute}={v}",
                prefix,
                f"attribute_{attribute}",
                value=v,
                shown=shown,
            )
    for column, values in group_columns().items():
        for v in sorted(values):
            prefix = HEATMAP["group_all"].format(column=column, value=v)
            size = len(values[v])
            shown = f"{display(column)}: {display(v)} (n={size})"
            add(
                "group",
                f"{column}={v}",
                prefix,
                f"group_{column}",
                value=v,
                size=size,
                shown=shown,
            )
            for m in METHOD_NAMES:
                prefix = HEATMAP["group_model"].format(column=column, value=v, model=m)
                add(
                    "group_model",
                    f"{column}={v}|{m}",
                    prefix,
                    f"group_{column}",
                    m,
                    v,
                    size,
                    shown=f"{shown} | {model_display(m)}",
                )
    add("all_models", "all_models", HEATMAP["all_models"], "models", shown=ALL_NETS)
    return entries


def heatmap_identities(entry):
    """The identities a catalogue heatmap is made of (region_shares' n): one for a person's
    heatmaps, a group's members, else every identity."""
    if entry["kind"] in ("model_identity", "identity"):
        return [entry["label"].rpartition("/")[2]]
    if entry["kind"] in ("group", "group_model"):
        return groups()[entry["family"][len("group_") :]][entry["value"]]
    return identities()


def model_family(name):
    """models (LIME, the study), models@<method> (another explainer), sanity (randomised copies)."""
    if name in RANDOMISED:
        return "sanity"
    method = split_name(name)[1]
    return "models" if method == "lime" else f"models@{method}"


def group_columns():
    """Metadata columns with two or more groups: the groupings that are compared."""
    return {column: values for column, values in groups().items() if len(values) >= 2}


def family(name, *kinds):
    return [
        e for e in heatmap_catalogue() if e["family"] == name and e["kind"] in kinds
    ]


# The study's TOTAL leaf: the heatmap over all models, clustered with its parts.
TOTAL = {"label": "TOTAL", "display": "TOTAL", "prefix": HEATMAP["all_models"]}


def comparison_sets():
    """{set name: [heatmap entries]} for every KL matrix: models and model attributes (each with
    the TOTAL leaf when there are several models), sanity copies, groups, groups per model.
    """
    total = [TOTAL] if len(MODELS) >= 2 else []
    sets = {}
    if len(MODELS) >= 2:
        sets["models"] = family("models", "model") + total
    if RANDOMISED:
        sets["sanity"] = family("models", "model") + family("sanity", "model")
    for method in OTHER_METHODS:
        if len(MODELS) >= 2:  # TOTAL: this method's maps over all models
            sets[f"models@{method}"] = family(f"models@{method}", "model") + [
                method_total(method)
            ]
    for attribute in ATTRIBUTE_SETS:
        sets[f"attribute_{attribute}"] = [
            {**e, "label": e["value"], "display": display(e["value"])}
            for e in family(f"attribute_{attribute}", "attribute")
        ] + (total if attribute != "method" else [])
    for column in group_columns():
        entries = family(f"group_{column}", "group")
        sets[f"group_{column}"] = [
            {**e, "label": group_label(e), "display": group_display(e)} for e in entries
        ]
        for model in METHOD_NAMES:
            entries = [
                e
                for e in family(f"group_{column}", "group_model")
                if e["model"] == model
            ]
            sets[f"group_{column}__{model}"] = [
                {**e, "label": group_label(e), "display": group_display(e)}
                for e in entries
            ]
    return sets


def group_display(entry):
    return f"{display(entry['value'])} (n={entry['size']})"


def method_total(method):
    prefix = HEATMAP["attribute"].format(attribute="method", value=method)
    return {"label": "TOTAL", "display": f"TOTAL ({method})", "prefix": prefix}


def comparison_title(name):
    """A KL matrix's title in figures."""
    if name == "models":
        return "nets"
    if name.startswith("models@"):
        return f"nets, {name.partition('@')[2]}"
    if name == "sanity":
        return "nets and their randomised copies"
    kind, _, rest = name.partition("_")
    subject, _, model = rest.partition("__")
    title = f"{display(subject)}" + (f", {model_display(model)}" if model else "")
    return title if kind == "attribute" else f"{title} (groups)"


def comparison_inputs(wildcards):
    return [f"{e['prefix']}.npz" for e in comparison_sets()[wildcards.comparison]]


# --- uncertainty of the KL matrices (docs/method.md, Uncertainty of the KL matrices) ----


def heatmap_recipe(entry):
    """The models and identities a heatmap of a KL set averages, and whether each model is scaled
    to unit mass first, read off its catalogue entry (facelime.kl_uncertainty.Recipe).
    """
    kind, family_name = entry.get("kind"), entry.get("family") or ""
    if kind in ("model", "group_model"):
        models, scaled = [entry["model"]], False
    elif kind == "attribute":
        attribute = family_name.removeprefix("attribute_")
        models, scaled = ATTRIBUTE_SETS[attribute][entry["value"]], True
    elif entry["prefix"].startswith(
        HEATMAP["attribute"].format(attribute="method", value="")
    ):
        models, scaled = (
            METHOD_MODELS[entry["prefix"].rpartition("/")[2]],
            True,
        )  # TOTAL (method)
    else:  # group over all models, TOTAL
        models, scaled = MODELS, True
    members = identities()
    if kind in ("group", "group_model"):
        members = groups()[family_name.removeprefix("group_")][entry["value"]]
    return {"models": list(models), "identities": list(members), "scaled": scaled}


def comparison_recipes(wildcards):
    return [heatmap_recipe(e) for e in comparison_sets()[wildcards.comparison]]


def comparison_identity_models(wildcards):
    """Every model a KL set's heatmaps average, in first-use order."""
    models = [m for r in comparison_recipes(wildcards) for m in r["models"]]
    return list(dict.fromkeys(models))


def comparison_identity_inputs(wildcards):
    """The (model, identity) heatmaps the KL set's uncertainty resamples, models x identities."""
    return [
        HEATMAP["model_identity"].format(model=m, identity=i) + ".npz"
        for m in comparison_identity_models(wildcards)
        for i in identities()
    ]


# --- heatmap figures (docs/method.md, Figures) -----------------------------------------


def net_rows(cell):
    """Rows of a by-net grid: one per value of figures.net_rows (the study: training set), each
    with its models in config order; cell(model) gives a panel's (title, prefix)."""
    attribute = config["figures"]["net_rows"]
    if attribute in ATTRIBUTE_SETS:
        return [
            {
                "label": display(value),
                "cells": [
                    cell(m)
                    for m in MODEL_ORDER
                    if m in ATTRIBUTE_SETS[attribute][value]
                ],
            }
            for value in attribute_values(attribute)
        ]
    return [{"label": "", "cells": [cell(m) for m in MODEL_ORDER]}]


def all_nets_row(prefix):
    """The panel over all nets, as its own row (left out with one net, where it would repeat it)."""
    return [{"label": "", "cells": [(ALL_NETS, prefix)]}] if len(MODELS) >= 2 else []


def chunks(items, size):
    return [items[k : k + size] for k in range(0, len(items), size)]


@functools.cache
def figure_layouts():
    """{figure name: {title, description, rows: [{label, cells: [(title, prefix)]}]}}: the study's
    heatmap figures (by person and net, by person, by net, by attribute, by group and net, by
    group), each a grid with one row per group."""
    layouts = {}

    def add(name, title, rows, description):
        layouts[name] = dict(title=title, rows=rows, description=description)

    add(
        "nets",
        "Heatmaps by net",
        net_rows(lambda m: (model_display(m), HEATMAP["model"].format(model=m)))
        + all_nets_row(HEATMAP["all_models"]),
        "heatmaps by net",
    )
    ids = identities()
    add(
        "persons",
        f"Heatmaps by person{over_nets()}",
        [
            {
                "label": "",
                "cells": [
                    (display(i), HEATMAP["identity"].format(identity=i)) for i in part
                ],
            }
            for part in chunks(ids, 8)
        ],
        "heatmaps by person",
    )
    for i in ids:
        add(
            f"person_net/{i}",
            f"{display(i)}: heatmaps by net",
            net_rows(
                lambda m: (
                    model_display(m),
                    HEATMAP["model_identity"].format(model=m, identity=i),
                )
            )
            + all_nets_row(HEATMAP["identity"].format(identity=i)),
            f"heatmaps by person and net: {i}",
        )
    for attribute in ATTRIBUTE_SETS:
        entries = family(f"attribute_{attribute}", "attribute")
        add(
            f"attribute_{attribute}",
            f"Heatmaps by {display(attribute)}",
            [
                {
                    "label": "",
                    "cells": [(display(e["value"]), e["prefix"]) for e in entries],
                }
            ],
            f"heatmaps by {display(attribute)}",
        )
    for column in group_columns():
        entries = family(f"group_{column}", "group")
        add(
            f"group_{column}",
            f"Heatmaps by {display(column)}",
            [
                {
                    "label": "",
                    "cells": [(group_display(e), e["prefix"]) for e in entries],
                }
            ],
            f"heatmaps by {display(column)}",
        )
        rows = []
        for e in entries:
            per_model = {
                m["model"]: m["prefix"]
                for m in family(f"group_{column}", "group_model")
                if m["value"] == e["value"]
            }
            cells = [(model_display(m), per_model[m]) for m in MODEL_ORDER]
            if len(MODELS) >= 2:
                cells.append((ALL_NETS, e["prefix"]))
            rows.append({"label": group_display(e), "cells": cells})
        add(
            f"group_{column}__nets",
            f"Heatmaps by {display(column)} and net",
            rows,
            f"heatmaps by {display(column)} and net",
        )
    if RANDOMISED:
        add(
            "sanity",
            "Heatmaps of the nets and their randomised copies",
            [
                {
                    "label": "",
                    "cells": [
                        (e["display"], e["prefix"])
                        for e in family("models", "model") + family("sanity", "model")
                    ],
                }
            ],
            "sanity check: nets and randomised copies",
        )
    if OTHER_METHODS:
        add(
            "methods",
            "Heatmaps by explainer and net",
            [
                {
                    "label": method,
                    "cells": [
                        (
                            model_display(m),
                            HEATMAP["model"].format(model=explained_name(m, method)),
                        )
                        for m in MODEL_ORDER
                    ]
                    + (
                        [(ALL_NETS, method_total(method)["prefix"])]
                        if len(MODELS) >= 2
                        else []
                    ),
                }
                for method in METHODS
            ],
            "heatmaps by explainer and net",
        )
    return layouts


def figure_layout(wildcards):
    return figure_layouts()[wildcards.figure]


def figure_caption(wildcards, colormap):
    """A heatmap figure's report caption, from the settings it is drawn with."""
    from facelime.report_text import heatmap_figure_caption

    return heatmap_figure_caption(
        figure_layout(wildcards)["title"],
        colormap,
        config["figures"],
        config["lime"],
        METHODS if wildcards.figure == "methods" else ["lime"],
        config["explain"],
        config["seed"],
    )


def figure_subcategory(wildcards):
    """The report's subcategory of a heatmap figure: the kind of grid it is."""
    figure = wildcards.figure
    if figure.startswith("person_net/"):
        return "by person and net"
    if figure.startswith("attribute_"):
        return "by model attribute"
    if figure.startswith("group_"):
        return "by group and net" if figure.endswith("__nets") else "by group"
    return {
        "nets": "by net",
        "persons": "by person",
        "sanity": "sanity check",
        "methods": "by explainer",
    }.get(figure, figure)


def comparison_subcategory(wildcards):
    """The report's subcategory of a KL matrix or dendrogram: what is compared."""
    name = wildcards.comparison
    if name.startswith("group_"):
        return "groups per net" if "__" in name else "groups"
    if name.startswith("attribute_"):
        return "model attributes"
    return "nets" if name.startswith("models") else name


def figure_grid_inputs(wildcards):
    rows = figure_layout(wildcards)["rows"]
    return [f"{prefix}.npz" for row in rows for _, prefix in row["cells"]]


def figure_grid_rows(wildcards):
    return [
        {"label": row["label"], "titles": [title for title, _ in row["cells"]]}
        for row in figure_layout(wildcards)["rows"]
    ]


FIGURE_GRID = "results/figures/{figure}"


def figure_files(prefix):
    """A heatmap figure's files: grey and JET, each as PNG and PDF."""
    return [
        f"{prefix}.{colour}.{ext}"
        for colour in ("grey", "jet")
        for ext in ("png", "pdf")
    ]


def figure_targets():
    targets = []
    for name in figure_layouts():
        targets += figure_files(FIGURE_GRID.format(figure=name))
    return targets


def source_digest(*paths):
    """A digest of source files, as a param: a rule reruns when their content changes."""
    digest = hashlib.sha256()
    for path in paths:
        with open(os.path.join(workflow.basedir, path), "rb") as handle:
            digest.update(handle.read())
    return digest.hexdigest()[:16]


# The params of every figure-drawing job: a new dpi, colour scale or drawing code reruns the
# figures (and only them); facelime.workflow_io.run_step applies them.
FIGURE_STYLE = {
    **config["figures"],
    "code": source_digest(
        "facelime/figures.py",
        "facelime/steps/figures.py",
        "facelime/validity/plots.py",
        "facelime/classify/plots.py",
    ),
}


def comparison_figures():
    """(description, files) of each KL matrix's clustered heatmap and dendrogram."""
    found = []
    for name in comparison_sets():
        title = comparison_title(name)
        for kind, what in (("dendrogram", "dendrogram"), ("clustermap", "KL matrix")):
            files = [f"results/kl/{name}.{kind}.{ext}" for ext in ("png", "pdf")]
            found.append((f"{what}: {title}", files))
    return found


def thesis_figures():
    """(description, files) of every figure of the study's set, in the order it is printed."""
    found = [
        (layout["description"], figure_files(FIGURE_GRID.format(figure=name)))
        for name, layout in figure_layouts().items()
    ]
    found += comparison_figures()
    found.append(
        (
            "region shares and densities",
            ["results/regions/region_shares.png", "results/regions/region_shares.pdf"],
        )
    )
    found += [
        (f"validity: {os.path.basename(path)}", [path, path[: -len(".png")] + ".pdf"])
        for path in validity_targets()
        if path.endswith(".png")
    ]
    return found


def analysis_targets():
    targets = []
    for entry in heatmap_catalogue():
        targets += heatmap_outputs(entry["prefix"])
    for name in comparison_sets():
        targets += expand(
            "results/kl/{name}.{ext}",
            name=name,
            ext=[
                "tsv",
                "clustermap.png",
                "dendrogram.png",
                "floor.tsv",
                "ci.tsv",
                "support.tsv",
            ],
        )
        targets += expand(
            "results/kl/{name}.{ext}",
            name=name,
            ext=["clustermap.pdf", "dendrogram.pdf"],
        )
    targets += [
        "results/regions/region_shares.tsv",
        "results/regions/region_shares.png",
        "results/regions/region_shares.pdf",
    ]
    if OTHER_METHODS:
        targets += [
            "results/methods/agreement.tsv",
            "results/methods/agreement_per_image.tsv",
            "results/methods/region_shares.tsv",
        ]
    # the regions explainer's tables and figures (rules/regions.smk)
    targets += region_value_targets()
    return targets + figure_targets()


# --- start and end of a run ----------------------------------------------------
# The Snakefile is read just before the jobs run: a summary written after this is this run's.
PARSED_AT = time.time()


def announce_settings():
    """Print what this run really uses and keep it beside the results."""
    print(settings_banner(SETTINGS), file=sys.stderr)
    os.makedirs("results", exist_ok=True)
    with open("results/run_config.yaml", "w") as handle:
        handle.write(
            "# The effective configuration of the last run: study defaults filled in.\n"
        )
        plain = json.loads(json.dumps({"settings": SETTINGS, "config": config}))
        yaml.safe_dump(plain, handle, sort_keys=False)


def print_run_summary():
    """Where each figure is (after `thesis`) and the QC paragraph (identities, images, skipped,
    fallbacks, warnings) as the run's last words, when this run wrote them (a run of one target
    leaves older ones alone)."""
    for path in ("results/figures/index.txt", "results/qc/summary.txt"):
        if os.path.exists(path) and os.path.getmtime(path) >= PARSED_AT:
            with open(path) as handle:
                print(handle.read().rstrip(), file=sys.stderr)


def run_not_made():
    """(what, why) of each figure family this run leaves out (facelime.run_outputs), listed
    under the figure listing at the end of the run."""
    from facelime.run_outputs import not_made

    return not_made(
        MODELS,
        model_attribute_sets(config["models"]),
        metadata_path(),
        groups(),
        config["compare"]["min_group_size"],
        config["validity"],
    )


def overview_settings():
    """The effective settings without the config file names (a renamed file reruns nothing)."""
    return {k: v for k, v in SETTINGS.items() if k != "config_files"}


# --- validity checks (docs/validity.md) -----------------------------------------

VALIDITY = config["validity"]


def ceiling_tables():
    """validity.ceiling: the seed_ceiling tables, for every explained name whose method draws at
    random (occlusion is deterministic, its ceiling is 1) and a seeded draw of identities.
    """
    settings = VALIDITY["ceiling"]
    if not settings["enabled"]:
        return []
    chosen = stability_identities(
        identities(), settings["identities"], config["seed"], "ceiling identities"
    )
    names = [n for n in METHOD_NAMES if split_name(n)[1] not in DETERMINISTIC]
    return expand(
        "results/methods/ceiling/{model}/{identity}.tsv", model=names, identity=chosen
    )


def stability_models_identities():
    chosen = stability_identities(
        identities(), VALIDITY["stability"]["identities"], config["seed"]
    )
    return expand(
        "results/validity/stability/{model}/{identity}.tsv",
        model=EXPLAINED,
        identity=chosen,
    )


def faithfulness_settings():
    """validity.faithfulness's numbers that change the curves (not enabled/bootstrap/confidence)."""
    chosen = ("units", "steps", "grid", "blur_sigma", "random_orders")
    return {key: VALIDITY["faithfulness"][key] for key in chosen}


def patch_settings():
    """validity.patch's numbers that change the restoration curves (not enabled/bootstrap/confidence)."""
    return {key: VALIDITY["patch"][key] for key in ("pairs", "steps", "random_orders")}


def validity_targets():
    targets = []
    if VALIDITY["faithfulness"]["enabled"]:
        targets += [
            "results/validity/faithfulness.tsv",
            "results/validity/faithfulness_ranking.tsv",
            "results/validity/faithfulness_pairs.tsv",
            "results/validity/faithfulness.png",
        ]
    if VALIDITY["stability"]["enabled"]:
        targets += ["results/validity/stability.tsv", "results/validity/stability.png"]
    if VALIDITY["patch"]["enabled"]:
        targets += [
            "results/validity/patch.tsv",
            "results/validity/patch_premise.tsv",
            "results/validity/patch.png",
        ]
    if RANDOMISED:
        targets += ["results/validity/sanity.tsv"]
    if VALIDITY["region_stats"]["enabled"]:
        targets += [
            "results/validity/region_share_ci.tsv",
            "results/validity/region_tests.tsv",
            "results/validity/region_forest.png",
        ]
    return targets


# --- classifier mode (docs/method.md, Classifier mode) --------------------------
CLASSIFY = config["classify"]
CLASSIFIERS = sorted(CLASSIFY["models"]) if CLASSIFY["enabled"] else []
IDENTITY_CLASSIFIER = config["identity_classifier"]
CASE_FIGURES = [
    "borderline_correct",
    "borderline_wrong",
    "confident_correct",
    "confident_wrong",
    "confused_pair",
]


wildcard_constraints:
    classifier="|".join(re.escape(c) for c in CLASSIFIERS) or "no-classifier",


def classifier_targets():
    targets = []
    for name in CLASSIFIERS:
        targets += expand(
            "results/classify/{classifier}/{file}",
            classifier=name,
            file=[
                "predictions.tsv",
                "metrics.tsv",
                "metrics.png",
                "confusion.tsv",
                "confusion.png",
                "cases.tsv",
                "explanations.npz",
            ],
        )
        targets += expand(
            "results/classify/{classifier}/cases/{case}.png",
            classifier=name,
            case=CASE_FIGURES,
        )
    if IDENTITY_CLASSIFIER["enabled"]:
        targets += IDENTITY_OUTPUTS.values()
    return targets


def identity_classifier_model():
    return IDENTITY_CLASSIFIER["model"] or MODELS[0]


def identity_classifier_model_file():
    path = config["models"][identity_classifier_model()]["path"]
    return [path] if path else []


def identity_classifier_identities():
    """The identities with most images (capped as the dataset is), at least 3 each (one per split)."""
    from facelime.classify.identity import top_identities

    cap = DATASET["max_images_per_identity"]
    counts = {i: min(len(_images(i)), cap or 10**9) for i in identities()}
    chosen = top_identities(counts, IDENTITY_CLASSIFIER["identities"])
    if len(chosen) < 2:
        raise WorkflowError(
            "identity_classifier: fewer than two identities with 3 or more images"
        )
    return chosen


IDENTITY_OUTPUTS = {
    name: f"results/identity_classifier/{name}"
    for name in (
        "metrics.tsv",
        "metrics.png",
        "confusion.tsv",
        "confusion.png",
        "predictions.tsv",
        "classifier.npz",
        "explanations.png",
    )
}


# --- regions explainer (docs/method.md, Regions explainer) ----------------------
def regions_landmarks(members=None):
    """The landmarks an explain job reads: the regions method's players are drawn from them
    (docs/method.md, Regions explainer); the other methods read none."""

    def inputs(wildcards):
        if split_name(wildcards.model)[1] != "regions":
            return []
        names = members or [wildcards.identity]
        return expand("results/landmarks/{identity}.npz", identity=names)

    return inputs


# the config's own model order (MODELS is sorted), as the figure shows the models
REGION_MODELS = list(config["models"])


def region_value_targets():
    if "regions" not in METHODS:
        return []
    return [
        "results/regions/values",
        "results/regions/region_values.tsv",
        "results/regions/region_value_tests.tsv",
        "results/regions/region_interactions.tsv",
        "results/regions/region_values.png",
    ] + expand("results/regions/interactions/{model}.png", model=REGION_MODELS)
