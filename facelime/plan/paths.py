"""Every result path of the workflow in one place: rule outputs (rules/*.smk) and the plan's
targets are both spelled from these, so the two cannot drift apart.

A pattern keeps its Snakemake wildcards ({model}, {identity}, ...); `fill` writes some of them
and leaves the others for Snakemake.
"""

from __future__ import annotations

RESULTS = "results"

FACES = "results/faces/{identity}.npz"
IMAGE_QC = "results/qc/images/{identity}.tsv"
LANDMARKS = "results/landmarks/{identity}.npz"
MASKS = "results/masks/{model}/{identity}.npz"
SHEETS = "results/sheets/{model}/{identity}"
CANONICAL = "results/canonical/canonical_face.npz"
MEAN_FACE = "results/canonical/mean_face.npz"
ALIGNED = "results/aligned/{model}/{identity}.npz"
ALIGNED_FACES = "results/aligned_faces/{identity}.npz"

# heatmap prefixes (docs/method.md, Heatmaps): each is written as <prefix>.npz and its images
HEATMAP = {
    "model_identity": "results/heatmaps/model_identity/{model}/{identity}",
    "model": "results/heatmaps/model/{model}",
    "identity": "results/heatmaps/identity/{identity}",
    "attribute": "results/heatmaps/attribute/{attribute}/{value}",
    "group_model": "results/heatmaps/group/{column}/{value}/{model}",
    "group_all": "results/heatmaps/group/{column}/{value}/all_models",
    "all_models": "results/heatmaps/all_models",
}

# a KL comparison set's tables and figures (docs/method.md, Comparing heatmaps)
KL = "results/kl/{comparison}.{ext}"
KL_TABLES = ("tsv", "floor.tsv", "ci.tsv", "support.tsv")
KL_FIGURES = ("clustermap", "dendrogram")

REGION_SHARES = "results/regions/region_shares.{ext}"
METHOD_AGREEMENT = "results/methods/agreement.tsv"
METHOD_AGREEMENT_PER_IMAGE = "results/methods/agreement_per_image.tsv"
METHOD_REGION_SHARES = "results/methods/region_shares.tsv"
METHOD_CEILING = "results/methods/ceiling.tsv"
METHOD_TABLES = (METHOD_AGREEMENT, METHOD_AGREEMENT_PER_IMAGE, METHOD_REGION_SHARES)
CEILING = "results/methods/ceiling/{model}/{identity}.tsv"

REGION_VALUES = {  # the region_values job's outputs, by the rule's names for them
    "values": "results/regions/values", "summary": "results/regions/region_values.tsv",
    "tests": "results/regions/region_value_tests.tsv", "interactions": "results/regions/region_interactions.tsv",
    "figure": "results/regions/region_values.png",
}
REGION_INTERACTIONS = "results/regions/interactions/{model}.png"

FIGURE = "results/figures/{figure}"  # a heatmap grid's prefix
FIGURE_COLOURS = ("grey", "jet")
FIGURE_INDEX = "results/figures/index.tsv"
FIGURE_LISTING = "results/figures/index.txt"

QC_TABLE = "results/qc/qc.tsv"
QC_SUMMARY = "results/qc/summary.txt"
OVERVIEW = "results/overview.tsv"
RUN_CONFIG = "results/run_config.yaml"

STABILITY_TABLE = "results/validity/stability/{model}/{identity}.tsv"
FAITHFULNESS_JOB = "results/validity/faithfulness/{model}/{identity}"  # one job's table (.tsv) and curves (.npz)
VALIDITY = {  # per check: the study-level tables and figures it adds to the run, by the rule's output names
    "faithfulness": {"tsv": "results/validity/faithfulness.tsv",
                     "ranking": "results/validity/faithfulness_ranking.tsv",
                     "pairs": "results/validity/faithfulness_pairs.tsv", "png": "results/validity/faithfulness.png"},
    "stability": {"tsv": "results/validity/stability.tsv", "png": "results/validity/stability.png"},
    "patch": {"tsv": "results/validity/patch.tsv", "premise": "results/validity/patch_premise.tsv",
              "png": "results/validity/patch.png"},
    "sanity": {"tsv": "results/validity/sanity.tsv"},
    "region_stats": {"ci": "results/validity/region_share_ci.tsv", "tests": "results/validity/region_tests.tsv",
                     "forest": "results/validity/region_forest.png"},
}

CLASSIFY = "results/classify/{classifier}/{file}"
CLASSIFY_FILES = ("predictions.tsv", "metrics.tsv", "metrics.png", "confusion.tsv", "confusion.png", "cases.tsv",
                  "explanations.npz")
CLASSIFY_CASE = "results/classify/{classifier}/cases/{case}.png"
CASE_FIGURES = ("borderline_correct", "borderline_wrong", "confident_correct", "confident_wrong", "confused_pair")
IDENTITY_CLASSIFIER = {
    name: f"results/identity_classifier/{name}"
    for name in ("metrics.tsv", "metrics.png", "confusion.tsv", "confusion.png", "predictions.tsv",
                 "classifier.npz", "explanations.png")
}


class _KeepMissing(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def fill(pattern: str, **values) -> str:
    """The pattern with the given wildcards written in; the others stay for Snakemake."""
    return pattern.format_map(_KeepMissing(values))


def classify_file(name: str) -> str:
    """A classifier's result file (CLASSIFY), {classifier} left for Snakemake."""
    return fill(CLASSIFY, file=name)


def heatmap(kind: str, **values) -> str:
    """A heatmap's prefix (HEATMAP[kind]) with the given wildcards written in."""
    return fill(HEATMAP[kind], **values)


def kl(ext: str, comparison: str = "{comparison}") -> str:
    """A KL set's file: a table (KL_TABLES) or a figure as <kind>.<png|pdf>."""
    return KL.format(comparison=comparison, ext=ext)


def kl_files(comparison: str) -> list[str]:
    """Every file a KL set's job writes, in the order the targets list them."""
    tables = [kl(ext, comparison) for ext in ("tsv", "clustermap.png", "dendrogram.png", "floor.tsv", "ci.tsv",
                                               "support.tsv")]
    return tables + [kl(f"{kind}.pdf", comparison) for kind in KL_FIGURES]


def figure(ext: str, figure: str = "{figure}") -> str:
    """A heatmap figure's file: <colours>.<png|pdf>, or panels.tsv."""
    return f"{FIGURE.format(figure=figure)}.{ext}"


def figure_files(prefix: str) -> list[str]:
    """A heatmap figure's files: grey and JET, each as PNG and PDF."""
    return [f"{prefix}.{colour}.{ext}" for colour in FIGURE_COLOURS for ext in ("png", "pdf")]


def region_shares(ext: str) -> str:
    return REGION_SHARES.format(ext=ext)


def pdf_beside(png: str) -> str:
    """The PDF every figure is also written as, beside its PNG."""
    return png[: -len(".png")] + ".pdf"
