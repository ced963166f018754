"""The files a run makes, family by family, as `snakemake` (rule all) and `thesis` ask for them."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from ..heatmaps import heatmap_outputs
from . import paths

if TYPE_CHECKING:
    from .build import Plan


def product(pattern: str, **values: list[str]) -> list[str]:
    """Snakemake's expand for one pattern: every combination, the first key varying slowest."""
    found = [pattern]
    for key, options in values.items():
        found = [paths.fill(p, **{key: v}) for p in found for v in options]
    return found


def explain_targets(plan: Plan) -> list[str]:
    """Masks (and contact sheets, when asked for) of every explained name and identity."""
    patterns = [paths.MASKS] + ([paths.SHEETS] if plan.study.config["sheets"] else [])
    return [t for pattern in patterns for t in product(pattern, model=plan.study.explained,
                                                       identity=plan.identities)]


def region_value_targets(plan: Plan) -> list[str]:
    """The regions explainer's tables and figures (rules/regions.smk)."""
    if "regions" not in plan.study.methods:
        return []
    return list(paths.REGION_VALUES.values()) + product(paths.REGION_INTERACTIONS, model=plan.study.model_order)


def figure_targets(plan: Plan) -> list[str]:
    return [f for figure in plan.figures.values() for f in figure.files]


def analysis_targets(plan: Plan) -> list[str]:
    """Heatmaps, KL sets, region shares, the other explainers' tables and the heatmap figures."""
    targets = [f for entry in plan.catalogue.entries for f in heatmap_outputs(entry.prefix)]
    for name in plan.catalogue.comparison_sets:
        targets += paths.kl_files(name)
    targets += [paths.region_shares(ext) for ext in ("tsv", "png", "pdf")]
    if plan.study.other_methods:
        targets += list(paths.METHOD_TABLES)
    return targets + region_value_targets(plan) + figure_targets(plan)


def validity_targets(plan: Plan) -> list[str]:
    validity = plan.study.config["validity"]
    targets = []
    for check in ("faithfulness", "stability", "patch"):
        if validity[check]["enabled"]:
            targets += paths.VALIDITY[check].values()
    if plan.study.randomised:
        targets += paths.VALIDITY["sanity"].values()
    if validity["region_stats"]["enabled"]:
        targets += paths.VALIDITY["region_stats"].values()
    return list(targets)


def classifier_targets(plan: Plan) -> list[str]:
    config = plan.study.config
    targets = []
    for name in plan.study.classifiers:
        targets += product(paths.CLASSIFY, classifier=[name], file=list(paths.CLASSIFY_FILES))
        targets += product(paths.CLASSIFY_CASE, classifier=[name], case=list(paths.CASE_FIGURES))
    if config["identity_classifier"]["enabled"]:
        targets += paths.IDENTITY_CLASSIFIER.values()
    return targets


def all_targets(plan: Plan) -> list[str]:
    """Rule all: everything, ending with the QC table, the figure index and the run overview."""
    return (explain_targets(plan) + analysis_targets(plan) + validity_targets(plan) + classifier_targets(plan)
            + [paths.QC_TABLE, paths.FIGURE_INDEX, paths.OVERVIEW])


def comparison_figures(plan: Plan) -> list[tuple[str, list[str]]]:
    """(description, files) of each KL set's dendrogram and clustered heatmap."""
    found = []
    for name in plan.catalogue.comparison_sets:
        title = plan.catalogue.comparison_title(name)
        for kind, what in (("dendrogram", "dendrogram"), ("clustermap", "KL matrix")):
            found.append((f"{what}: {title}", [paths.kl(f"{kind}.{ext}", name) for ext in ("png", "pdf")]))
    return found


def thesis_figures(plan: Plan) -> list[tuple[str, list[str]]]:
    """(description, files) of every figure of the study's set, in the order it is printed."""
    found = [(figure.description, figure.files) for figure in plan.figures.values()]
    found += comparison_figures(plan)
    found.append(("region shares and densities", [paths.region_shares("png"), paths.region_shares("pdf")]))
    found += [(f"validity: {os.path.basename(path)}", [path, paths.pdf_beside(path)])
              for path in validity_targets(plan) if path.endswith(".png")]
    return found
