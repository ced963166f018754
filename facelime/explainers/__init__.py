"""The explainers, side by side, on the same cosine-similarity score (docs/method.md, Other explainers).

lime: the study's explainer (lime.py, on the one LIME core in lime_core.py), unchanged.
rise: random soft masks on a coarse grid (Petsiuk et al. 2018).
occlusion: a grey square slid over the face (Zeiler & Fergus 2014).
regions: exact Shapley values of the face's landmark regions (every coalition once).
All four see the model only through its prepared input (the hiding LIME uses) and one
scorer (scoring.py: the similarity formula, the face's own embedding, batching);
`explain_face` is the one entry point per face, through the registry EXPLAINERS.
"""

from .dispatch import EXPLAINERS, METHODS, explain_face
from .regions import format_region_table, region_table
from .result import MapExplanation

__all__ = ["EXPLAINERS", "METHODS", "explain_face", "MapExplanation",
           "format_region_table", "region_table"]
