# Helpers shared by every stage: config validation, the identity list, input functions.
import functools
import os
import re
import sys


# The science lives in the facelime package of this repository; make it importable
# for the scripts whatever environment (venv, conda) runs them.
sys.path.insert(0, workflow.basedir)
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (workflow.basedir, os.environ.get("PYTHONPATH")) if p
)

from facelime.config import effective_settings, settings_banner, validate_config  # noqa: E402
from facelime.dataset import list_images, scan_dataset  # noqa: E402
from facelime.errors import ConfigError  # noqa: E402
from facelime.validity.randomise import randomised_models  # noqa: E402

# One validator for the workflow and the CLI: study defaults from the schema for every
# key left out, --config strings typed, the first problem in one line naming the key.
try:
    validate_config(config)
except ConfigError as err:
    raise WorkflowError(str(err)) from None

SETTINGS = effective_settings(config, workflow.overwrite_configfiles or workflow.configfiles)

DATASET = config["dataset"]
MODELS = sorted(config["models"])
# validity.sanity: a shuffled-weights copy of every onnx model, explained like the others
RANDOMISED = randomised_models(config["models"], config["validity"]["sanity"]["enabled"])
EXPLAINED = MODELS + sorted(RANDOMISED)
DEMO_ROOT = "results/demo/faces"
DATASET_ROOT = DEMO_ROOT if DATASET["demo"] else DATASET["root"]


wildcard_constraints:
    identity=r"[^/]+",
    model="|".join(re.escape(m) for m in EXPLAINED),
    trained="|".join(re.escape(m) for m in MODELS),
    attribute=r"[^/]+",
    column=r"[^/]+",
    value=r"[^/]+",
    comparison=r"[^/]+",
    figure=r"[^/]+",


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


def dataset_qc_rows():
    """QC rows for files the layout leaves out, and for metadata gaps and small groups."""
    identities()
    groups()
    return _scan()[1] + GROUP_QC


@functools.cache
def _identities():
    # cached: input functions ask for the list thousands of times in a study-sized DAG
    found = _scan()[0]
    wanted = DATASET["identities"]
    if wanted:
        missing = sorted(set(wanted) - set(found))
        if missing:
            raise WorkflowError(f"dataset.identities: no images for {missing} under {DATASET_ROOT}")
        found = [i for i in found if i in set(wanted)]
    return found


if not DATASET["demo"]:  # list the dataset once now, so that a bad layout stops here in one line
    _identities()


def identity_images(wildcards):
    """Image files of one identity, capped at dataset.max_images_per_identity."""
    if DATASET["demo"]:
        checkpoints.demo_dataset.get()
    images = _images(wildcards.identity)
    return images[: DATASET["max_images_per_identity"]] if DATASET["max_images_per_identity"] else images


@functools.cache
def _images(identity):
    return list_images(DATASET_ROOT, identity, DATASET["view"])


def model_spec(wildcards):
    """The config entry of a model (or of a randomised copy, validity.sanity)."""
    return config["models"].get(wildcards.model) or RANDOMISED[wildcards.model]


def model_file(wildcards):
    """The model file as an input, so that a changed model reruns its jobs."""
    path = model_spec(wildcards)["path"]
    return [path] if path else []


def explain_targets():
    patterns = ["results/masks/{model}/{identity}.npz"]
    if config["sheets"]:
        patterns.append("results/sheets/{model}/{identity}")
    return expand(patterns, model=EXPLAINED, identity=identities())


def all_targets(wildcards):
    return (explain_targets() + analysis_targets() + validity_targets() + classifier_targets()
            + ["results/qc/qc.tsv"])


# --- groupings for heatmaps (docs/method.md, Heatmaps) ------------------------------------
from facelime.dataset import read_identity_metadata  # noqa: E402
from facelime.groups import identity_groups, model_attribute_sets  # noqa: E402
from facelime.heatmaps import heatmap_outputs  # noqa: E402

ATTRIBUTE_SETS = model_attribute_sets(config["models"])


def metadata_path():
    return "results/demo/identities.csv" if DATASET["demo"] else DATASET["metadata"]


def groups():
    """{column: {value: [identities]}} from the identity metadata (empty without one)."""
    identities()  # after the demo checkpoint, the CSV exists
    return _groups()


GROUP_QC = []  # metadata rows for the QC table, filled once by _groups()


@functools.cache
def _groups():
    path = metadata_path()
    if not path:
        return {}
    ids = identities()  # after the demo checkpoint, the CSV exists
    try:
        rows = read_identity_metadata(path, DATASET["identity_column"])
    except ConfigError as err:
        raise WorkflowError(str(err)) from None
    found = identity_groups(rows, ids, DATASET["group_columns"], config["compare"]["max_group_values"],
                            config["compare"]["min_group_size"], GROUP_QC)
    if GROUP_QC:
        print(f"facelime: {len(GROUP_QC)} metadata notes (identities without a row or value, small groups "
              "left out); they are listed in results/qc/qc.tsv", file=sys.stderr)
    return found


def group_members(wildcards):
    return groups()[wildcards.column][wildcards.value]


def group_label(column, value):
    """A group's name with its size, as tables and figures show it."""
    return f"{value} (n={len(groups()[column][value])})"


HEATMAP = {
    "model_identity": "results/heatmaps/model_identity/{model}/{identity}",
    "model": "results/heatmaps/model/{model}",
    "identity": "results/heatmaps/identity/{identity}",
    "attribute": "results/heatmaps/attribute/{attribute}/{value}",
    "group_model": "results/heatmaps/group/{column}/{value}/{model}",
    "group_all": "results/heatmaps/group/{column}/{value}/all_models",
    "all_models": "results/heatmaps/all_models",
}


def comparison_sets():
    """{set name: [(label, heatmap prefix)]} for every KL matrix: models, attributes, groups."""
    sets = {}
    if len(MODELS) >= 2:
        sets["models"] = [(m, HEATMAP["model"].format(model=m)) for m in MODELS]
    if RANDOMISED:
        sets["sanity"] = [(m, HEATMAP["model"].format(model=m)) for m in EXPLAINED]
    for attribute, values in ATTRIBUTE_SETS.items():
        sets[f"attribute_{attribute}"] = [
            (v, HEATMAP["attribute"].format(attribute=attribute, value=v)) for v in sorted(values)
        ]
    for column, values in groups().items():
        if len(values) < 2:
            continue
        sets[f"group_{column}"] = [
            (group_label(column, v), HEATMAP["group_all"].format(column=column, value=v)) for v in sorted(values)
        ]
        for model in MODELS:
            sets[f"group_{column}__{model}"] = [
                (group_label(column, v), HEATMAP["group_model"].format(column=column, value=v, model=model))
                for v in sorted(values)
            ]
    return sets


def comparison_inputs(wildcards):
    return [prefix + ".npz" for _, prefix in comparison_sets()[wildcards.comparison]]


def all_heatmap_prefixes():
    """(kind, label, prefix) of every heatmap the workflow makes."""
    ids = identities()
    found = [("model_identity", f"{m}/{i}", HEATMAP["model_identity"].format(model=m, identity=i))
             for m in EXPLAINED for i in ids]
    found += [("model", m, HEATMAP["model"].format(model=m)) for m in EXPLAINED]
    found += [("identity", i, HEATMAP["identity"].format(identity=i)) for i in ids]
    for attribute, values in ATTRIBUTE_SETS.items():
        found += [("attribute", f"{attribute}={v}", HEATMAP["attribute"].format(attribute=attribute, value=v))
                  for v in sorted(values)]
    for column, values in groups().items():
        for v in sorted(values):
            found.append(("group", f"{column}={v}", HEATMAP["group_all"].format(column=column, value=v)))
            found += [("group_model", f"{column}={v}|{m}",
                       HEATMAP["group_model"].format(column=column, value=v, model=m)) for m in MODELS]
    found.append(("all_models", "all_models", HEATMAP["all_models"]))
    return found


def analysis_targets():
    targets = []
    for _, _, prefix in all_heatmap_prefixes():
        targets += heatmap_outputs(prefix)
    for name in comparison_sets():
        targets += expand("results/kl/{name}.{ext}", name=name, ext=["tsv", "clustermap.png", "dendrogram.png"])
    targets += ["results/regions/region_shares.tsv", "results/regions/region_shares.png"]
    targets += figure_targets()
    return targets


def figure_targets():
    figures = ["results/figures/models.png"]
    figures += [f"results/figures/attribute_{a}.png" for a in ATTRIBUTE_SETS]
    figures += [f"results/figures/group_{c}.png" for c, v in groups().items() if len(v) >= 2]
    if RANDOMISED:
        figures.append("results/figures/sanity.png")
    return figures


def figure_inputs(wildcards):
    """Overlay PNGs shown in one figure grid, with their titles as params."""
    return [prefix + ".overlay.png" for _, prefix in figure_panels(wildcards.figure)]


def figure_panels(figure):
    if figure == "models":
        return [(m, HEATMAP["model"].format(model=m)) for m in MODELS] + [("all models", HEATMAP["all_models"])]
    if figure == "sanity":
        return [(m, HEATMAP["model"].format(model=m)) for m in EXPLAINED]
    kind, _, name = figure.partition("_")
    if kind == "attribute":
        return [(f"{name}={v}", HEATMAP["attribute"].format(attribute=name, value=v))
                for v in sorted(ATTRIBUTE_SETS[name])]
    values = groups()[name]
    panels = []
    for v in sorted(values):
        label = f"{name}={group_label(name, v)}"
        panels.append((f"{label} (all)", HEATMAP["group_all"].format(column=name, value=v)))
        panels += [(f"{label} {m}", HEATMAP["group_model"].format(column=name, value=v, model=m)) for m in MODELS]
    return panels


# --- start and end of a run ----------------------------------------------------
def announce_settings():
    """Print what this run really uses and keep it beside the results."""
    import json

    import yaml

    print(settings_banner(SETTINGS), file=sys.stderr)
    os.makedirs("results", exist_ok=True)
    with open("results/run_config.yaml", "w") as handle:
        handle.write("# The effective configuration of the last run: study defaults filled in.\n")
        plain = json.loads(json.dumps({"settings": SETTINGS, "config": config}))
        yaml.safe_dump(plain, handle, sort_keys=False)


def print_run_summary():
    """The QC paragraph (identities, images, skipped, fallbacks, warnings) as the run's last words."""
    if os.path.exists("results/qc/summary.txt"):
        with open("results/qc/summary.txt") as handle:
            print(handle.read().rstrip(), file=sys.stderr)
