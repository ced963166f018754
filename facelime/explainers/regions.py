"""The regions explainer (docs/method.md, Regions explainer): exact game values of the face's regions.

The players are the face's own regions, drawn from its 68 landmarks by the function
that draws the canonical face's regions (facelime.canonical.face_region_labels). Every
coalition is shown once (2^K forward passes): the regions outside it are hidden as LIME
hides superpixels (the same prepared input and hide value, the same batched forward
pass), and the coalition's worth is the similarity (cos + 1) / 2 to the reference.
Shapley, Banzhaf and interaction values all come from that one table (games.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..canonical import face_region_labels, region_names
from ..models.base import FaceEmbedder
from .games import abs_shares, banzhaf_values, check_players, coalition_masks, shapley_interactions, shapley_values
from .result import MapExplanation, map_explanation
from .scoring import SimilarityScorer
from .settings import method_settings


@dataclass
class RegionValues:
    """One image's region game: names (K), labels (HxW int8 region per crop pixel), pixels
    (K, crop pixels per region), shapley, banzhaf (K) and interactions (K x K)."""

    names: tuple[str, ...]
    labels: np.ndarray
    pixels: np.ndarray
    shapley: np.ndarray
    banzhaf: np.ndarray
    interactions: np.ndarray

    @property
    def shares(self) -> np.ndarray:
        """Each region's share of sum |Shapley|."""
        return abs_shares(self.shapley)

    @property
    def pixel_shares(self) -> np.ndarray:
        return self.pixels / max(self.pixels.sum(), 1)


def region_passes(split_sides: bool) -> int:
    """Forward passes of one explanation: every coalition of 7 (or 10) regions."""
    return 2 ** len(region_names(split_sides))


def painted_map(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each region's value spread evenly over its pixels (float64 HxW): the map's sum over a
    region is its value, so mass shares of the map are the regions' value shares."""
    counts = np.bincount(labels.ravel(), minlength=len(values)).astype(np.float64)
    density = np.divide(values, counts, out=np.zeros(len(values)), where=counts > 0)
    return density[labels]


def explain_regions(face: np.ndarray, landmarks: np.ndarray, embedder: FaceEmbedder, split_sides: bool = False,
                    reference: np.ndarray | None = None,
                    batch_size: int | None = None) -> tuple[np.ndarray, np.ndarray, RegionValues, dict]:
    """Region-painted Shapley map (float64 HxW), the 2^K scores (row = coalition bit mask),
    the region values and the backend's facts. reference: default the face's own embedding."""
    height, width = face.shape[:2]
    names = region_names(split_sides)
    check_players(len(names), "explain.regions.split_sides")
    labels = face_region_labels(landmarks, width, height, split_sides)
    prepared = embedder.prepare(face, labels.astype(np.int32))
    scorer = SimilarityScorer.of_face(embedder, prepared, reference, batch_size)
    rows = coalition_masks(len(names)).astype(np.uint8)
    scores = scorer.score_rows(prepared, rows)
    values = RegionValues(names=names, labels=labels,
                          pixels=np.bincount(labels.ravel(), minlength=len(names)).astype(np.int64),
                          shapley=shapley_values(scores), banzhaf=banzhaf_values(scores),
                          interactions=shapley_interactions(scores))
    return painted_map(values.shapley, labels), scores, values, dict(prepared.info)


def regions_explanation(face: np.ndarray, segments: np.ndarray, embedder: FaceEmbedder, *, lime: dict, seed: int,
                        explain: dict | None = None, reference: np.ndarray | None = None,
                        landmarks: np.ndarray | None = None) -> MapExplanation:
    """The registry's regions explainer: its players are drawn from the face's 68 landmarks (required)."""
    if landmarks is None:
        raise ValueError("explain.methods: regions needs the face's 68 landmarks (results/landmarks/<identity>.npz)")
    settings = method_settings(explain, "regions")
    saliency, scores, values, info = explain_regions(face, landmarks, embedder, split_sides=settings["split_sides"],
                                                     reference=reference)
    return map_explanation("regions", saliency, scores, info, segments, lime["keep"], regions=values)


def region_table(values: RegionValues) -> list[tuple[str, float, float]]:
    """(region, Shapley value, share of sum |Shapley|) rows, largest |value| first."""
    order = np.argsort(-np.abs(values.shapley), kind="stable")
    return [(values.names[i], float(values.shapley[i]), float(values.shares[i])) for i in order]


def format_region_table(values: RegionValues) -> str:
    """The region table as text for a terminal (what `facelime explain --method regions` prints)."""
    lines = [f"{'region':<18}{'Shapley':>10}{'share':>8}"]
    lines += [f"{name:<18}{phi:>+10.4f}{share:>8.1%}" for name, phi, share in region_table(values)]
    total = float(values.shapley.sum())
    lines.append(f"{'sum':<18}{total:>+10.4f}{'':>8}  (= s(all regions) - s(none), exact)")
    return "\n".join(lines)
