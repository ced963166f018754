"""Explainers beside LIME, on the same cosine-similarity score (docs/method.md, Other explainers).

lime: the study's explainer (lime.py, on the one LIME core in lime_core.py), unchanged.
rise: random soft masks on a coarse grid (Petsiuk et al. 2018).
occlusion: a grey square slid over the face (Zeiler & Fergus 2014).
regions: exact Shapley values of the face's landmark regions (every coalition once).
All four see the model only through its prepared input (the hiding LIME uses) and
its batched forward pass; `explain_image` is the one entry point per method.
"""

from .dispatch import METHODS, explain_image, explained_name, split_name
from .regions import format_region_table, region_table
from .result import MapExplanation

__all__ = ["METHODS", "explain_image", "explained_name", "split_name", "MapExplanation", "format_region_table", "region_table"]
