# Helpers shared by every stage: config validation, the identity list, input functions.
import functools
import json
import os
import re
import sys
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
from facelime.dataset import list_images, read_identity_metadata, scan_dataset
from facelime.errors import ConfigError
from facelime.groups import identity_groups, model_attribute_sets
from facelime.heatmaps import heatmap_outputs
from facelime.validity.randomise import randomised_models
from facelime.validity.stability import stability_identities

# One validator for the workflow and the CLI: study defaults from the schema for every
# key left out, --config strings typed, the first problem in one line naming the key.
try:
    validate_config(config)
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
    return found


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
    """The config entry of a model (or of a randomised copy, validity.sanity)."""
    return config["models"].get(wildcards.model) or RANDOMISED[wildcards.model]


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
    )


# --- groupings for heatmaps (docs/method.md, Heatmaps) ------------------------------------

ATTRIBUTE_SETS = model_attribute_sets(config["models"])


def metadata_path():
    return "results/demo/identities.csv" if DATASET["demo"] else DATASET["metadata"]


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
    try:
        rows = read_identity_metadata(path, DATASET["identity_column"])
    except ConfigError as err:
        raise WorkflowError(str(err)) from None
    qc = []
    found = identity_groups(
        rows,
        identities(),
        DATASET["group_columns"],
        config["compare"]["max_group_values"],
        config["compare"]["min_group_size"],
        qc,
    )
    if qc:
        print(
            f"facelime: {len(qc)} metadata notes (missing rows or values, small groups): "
            "see results/qc/qc.tsv",
            file=sys.stderr,
        )
    return found, qc


def group_members(wildcards):
    return groups()[wildcards.column][wildcards.value]


def group_label(entry):
    """A group heatmap's name with its size, as tables and figures show it."""
    return f"{entry['value']} (n={entry['size']})"


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
    """Every heatmap the workflow makes, enumerated once: kind, label, prefix, and the
    family (models, sanity, attribute_<a>, group_<c>), model and value it belongs to.
    Targets, KL matrices, figure grids and region shares are all read off this list.
    A metadata column with fewer than two groups left makes no group heatmaps."""
    ids = identities()
    entries = []

    def add(kind, label, prefix, family=None, model=None, value=None, size=None):
        entries.append(
            dict(
                kind=kind,
                label=label,
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
            )
    for m in EXPLAINED:
        add(
            "model",
            m,
            HEATMAP["model"].format(model=m),
            "models" if m in MODELS else "sanity",
            m,
        )
    for i in ids:
        add("identity", i, HEATMAP["identity"].format(identity=i))
    for attribute, values in ATTRIBUTE_SETS.items():
        for v in sorted(values):
            prefix = HEATMAP["attribute"].format(attribute=attribute, value=v)
            add(
                "attribute",
                f"{attribute}={v}",
                prefix,
                f"attribute_{attribute}",
                value=v,
            )
    for column, values in group_columns().items():
        for v in sorted(values):
            prefix = HEATMAP["group_all"].format(column=column, value=v)
            size = len(values[v])
            add("group", f"{column}={v}", prefix, f"group_{column}", value=v, size=size)
            for m in MODELS:
                prefix = HEATMAP["group_model"].format(column=column, value=v, model=m)
                add(
                    "group_model",
                    f"{column}={v}|{m}",
                    prefix,
                    f"group_{column}",
                    m,
                    v,
                    size,
                )
    add("all_models", "all_models", HEATMAP["all_models"], "models")
    return entries


def group_columns():
    """Metadata columns with two or more groups: the groupings that are compared."""
    return {column: values for column, values in groups().items() if len(values) >= 2}


def family(name, *kinds):
    return [
        e for e in heatmap_catalogue() if e["family"] == name and e["kind"] in kinds
    ]


def comparison_sets():
    """{set name: [(label, heatmap prefix)]} for every KL matrix: models, attributes, groups."""
    sets = {}
    if len(MODELS) >= 2:
        sets["models"] = [(e["label"], e["prefix"]) for e in family("models", "model")]
    if RANDOMISED:
        sets["sanity"] = [
            (e["label"], e["prefix"])
            for e in heatmap_catalogue()
            if e["kind"] == "model"
        ]
    for attribute in ATTRIBUTE_SETS:
        entries = family(f"attribute_{attribute}", "attribute")
        sets[f"attribute_{attribute}"] = [(e["value"], e["prefix"]) for e in entries]
    for column in group_columns():
        entries = family(f"group_{column}", "group")
        sets[f"group_{column}"] = [(group_label(e), e["prefix"]) for e in entries]
        for model in MODELS:
            entries = [
                e
                for e in family(f"group_{column}", "group_model")
                if e["model"] == model
            ]
            sets[f"group_{column}__{model}"] = [
                (group_label(e), e["prefix"]) for e in entries
            ]
    return sets


def comparison_inputs(wildcards):
    return [f"{prefix}.npz" for _, prefix in comparison_sets()[wildcards.comparison]]


def figure_panels(figure):
    """(title, heatmap prefix) of each panel of one figure grid."""
    if figure == "models":
        return [(e["label"], e["prefix"]) for e in family("models", "model")] + [
            ("all models", HEATMAP["all_models"])
        ]
    if figure == "sanity":
        return [
            (e["label"], e["prefix"])
            for e in heatmap_catalogue()
            if e["kind"] == "model"
        ]
    if figure.startswith("attribute_"):
        return [(e["label"], e["prefix"]) for e in family(figure, "attribute")]
    column = figure[len("group_") :]
    panels = []
    for e in family(figure, "group", "group_model"):
        label = f"{column}={group_label(e)}"
        panels.append((f"{label} {e['model'] or '(all)'}", e["prefix"]))
    return panels


def figure_targets():
    figures = ["models"] + [f"attribute_{a}" for a in ATTRIBUTE_SETS]
    figures += [f"group_{c}" for c in group_columns()] + (
        ["sanity"] if RANDOMISED else []
    )
    return [f"results/figures/{name}.png" for name in figures]


def figure_inputs(wildcards):
    """Overlay PNGs shown in one figure grid, with their titles as params."""
    return [f"{prefix}.overlay.png" for _, prefix in figure_panels(wildcards.figure)]


def analysis_targets():
    targets = []
    for entry in heatmap_catalogue():
        targets += heatmap_outputs(entry["prefix"])
    for name in comparison_sets():
        targets += expand(
            "results/kl/{name}.{ext}",
            name=name,
            ext=["tsv", "clustermap.png", "dendrogram.png"],
        )
    targets += [
        "results/regions/region_shares.tsv",
        "results/regions/region_shares.png",
    ]
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
    """The QC paragraph (identities, images, skipped, fallbacks, warnings) as the run's last words,
    when this run wrote it (a run of one target leaves an older summary alone)."""
    path = "results/qc/summary.txt"
    if os.path.exists(path) and os.path.getmtime(path) >= PARSED_AT:
        with open(path) as handle:
            print(handle.read().rstrip(), file=sys.stderr)


# --- validity checks (docs/validity.md) -----------------------------------------

VALIDITY = config["validity"]


def stability_models_identities():
    chosen = stability_identities(
        identities(), VALIDITY["stability"]["identities"], config["seed"]
    )
    return expand(
        "results/validity/stability/{model}/{identity}.tsv",
        model=EXPLAINED,
        identity=chosen,
    )


def validity_targets():
    targets = []
    if VALIDITY["faithfulness"]["enabled"]:
        targets += [
            "results/validity/faithfulness.tsv",
            "results/validity/faithfulness.png",
        ]
    if VALIDITY["stability"]["enabled"]:
        targets += ["results/validity/stability.tsv", "results/validity/stability.png"]
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
